"""`ifrp explore`: the policy explorer in the browser (needs the `viz` extra)."""

from __future__ import annotations

import argparse
import importlib.util

from model.schema import ScenarioError


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
