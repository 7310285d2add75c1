"""How long runs will take, said before they start, and the guard against runaway requests.

A command whose runs are estimated at over a minute prints the estimate first (runs x
measured seconds per run: `experiments.core.replicates.seconds_per_run`), so that a mistyped
`--replicates 1000000` is noticed at once; more than MAX_REPLICATES replicates are refused unless
`--yes` is given.
"""

from __future__ import annotations

import sys

from experiments.core.arguments import MAX_REPLICATES
from model.schema import ScenarioError

ANNOUNCE_SECONDS = 60.0


def check_replicates(replicates: int, yes: bool, file: str, field: str) -> None:
    """Refuse more than MAX_REPLICATES replicates unless the user said --yes."""
    if replicates > MAX_REPLICATES and not yes:
        raise ScenarioError(
            file,
            field,
            f"{replicates:,} replicates is more than {MAX_REPLICATES:,}",
            f"up to {MAX_REPLICATES:,}, or more with --yes",
        )


def announce(runs: int, seconds_each: float, workers: int = 1) -> None:
    """Print the estimate (on stderr, as --quiet keeps stdout for the result's folder) when the
    runs should take over ANNOUNCE_SECONDS."""
    line = estimate(runs, seconds_each, workers)
    if line:
        print(f"ifrp: note: {line}", file=sys.stderr, flush=True)


def estimate(runs: int, seconds_each: float, workers: int = 1) -> str | None:
    """The line announcing the runs ("estimated 1 h 23 min: 50,000 runs x 0.10 s on 2
    workers"), or None if they should take under a minute."""
    total = runs * seconds_each / max(1, workers)
    if total <= ANNOUNCE_SECONDS:
        return None
    on = f" on {workers} workers" if workers > 1 else ""
    return f"estimated {duration(total)}: {runs:,} runs x {seconds_each:.2f} s{on}"


def duration(seconds: float) -> str:
    """A duration to a useful precision: "45 s", "12 min", "3 h 05 min", "4.2 days"."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        hours, minutes = divmod(round(seconds / 60), 60)
        return f"{hours} h {minutes:02d} min"
    return f"{seconds / 86400:,.1f} days"
