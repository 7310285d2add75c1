"""The machine's own Chromium, for the explorer's screenshot, its benchmark and browser tests.

Playwright drives it (`executable_path`) and never downloads a browser: downloads are impossible
on a closed network. Light on purpose: the test suite's conftest imports it before any worker
starts.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

# Flags that work on a machine with no screen and no network but the package registries (as
# root): without the background-networking ones Chromium keeps trying Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium(fallback: str | None = None) -> str | None:
    """IFRP_CHROMIUM, else the first Chromium or Chrome on PATH, else `fallback` if it exists."""
    chosen = os.environ.get("IFRP_CHROMIUM")
    if chosen:
        return chosen if Path(chosen).is_file() else None
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return fallback if fallback and Path(fallback).is_file() else None
