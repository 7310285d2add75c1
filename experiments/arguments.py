"""Argument types shared by the `ifrp` sub-commands."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def integer_in(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` (to `high`), else a message with the range."""
    allowed = f"an integer >= {low}" if high is None else f"{low}..{high}"

    def parse(text: str) -> int:
        value = int(text)
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"{value} is out of range (allowed: {allowed})")
        return value

    parse.__name__ = "integer"  # argparse's message for a non-number: "invalid integer value"
    return parse
