"""`ifrp run`: one scenario into a run folder (`one`), or several compared (`many`)."""

from __future__ import annotations

import argparse

from experiments.core import library
from experiments.core.estimate import check_replicates
from experiments.run.many import run_many, scenario_names
from experiments.run.one import RunOptions, announce_runs, run_scenario


def command_run(args: argparse.Namespace) -> int:
    check_replicates(args.replicates, args.yes, "ifrp run", "--replicates")
    options = RunOptions.from_args(args)
    if args.all or args.more:
        return run_many(scenario_names(args.scenario, args.more, args.all), args.out, options)
    scenario = library.resolve(args.scenario)
    with options.open_executor([scenario]) as execution:
        announce_runs(options, [scenario], execution)
        run_scenario(args.scenario, args.out, options, execution)
    return 0
