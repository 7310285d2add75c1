"""`ifrp explore`: the policy explorer in the browser (needs the `viz` extra)."""

from __future__ import annotations

import argparse
import importlib.util

from experiments.arguments import integer_in
from model.schema import ScenarioError

DEFAULT_PORT = 8765


def add_parser(commands) -> None:
    explore = commands.add_parser(
        "explore",
        help="start the policy explorer, a local web app (needs: pip install '.[viz]')",
        description="Serve the interactive policy explorer on HOST:PORT and print its address. "
        "Every change of a control recomputes the drive at full scale. Ctrl-C stops it.",
    )
    explore.add_argument("--host", default="127.0.0.1", help="address to listen on")
    explore.add_argument(
        "--port", type=integer_in(1, 65535), default=DEFAULT_PORT, help="port (default: 8765)"
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
