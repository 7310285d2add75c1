"""`ifrp explore`: the policy explorer in the browser (needs the `viz` extra)."""

from __future__ import annotations

import argparse
import importlib.util

from experiments.arguments import integer_in
from experiments.explorer.server import DEFAULT_HOST, DEFAULT_PORT
from model.schema import ScenarioError


def add_parser(commands) -> None:
    explore = commands.add_parser(
        "explore",
        help="start the policy explorer, a local web app (needs: pip install '.[viz]')",
        description="Serve the interactive policy explorer on HOST:PORT and print its address. "
        "Every change of a control recomputes the drive at full scale. Ctrl-C stops it.",
    )
    explore.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default: {DEFAULT_HOST})"
    )
    explore.add_argument(
        "--port", type=integer_in(1, 65535), default=DEFAULT_PORT, help=f"default: {DEFAULT_PORT}"
    )
    explore.set_defaults(func=command_explore)


def command_explore(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("solara") is None:
        raise ScenarioError(
            "(environment)",
            "solara",
            "the explorer needs the viz extra, which is not installed",
            "pip install '.[viz]', or make explore",
        )
    from experiments.explorer.server import serve

    return serve(host=args.host, port=args.port)
