"""`ifrp run A B C` and `ifrp run --all`: several scenarios with the same seeds, each into
its own run folder, compared with the first."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from experiments.compare import tables as compare
from experiments.compare.command import write_comparison
from experiments.core import library
from experiments.core.outputs import check_destination, safe_name
from experiments.run.one import RunOptions, announce_runs, run_scenario
from model.scenario import ScenarioError

REFERENCE = "baseline"
COMPARISON = "comparison"  # OUT/comparison: the folder name no run may take


def library_names() -> list[str]:
    """Every scenario in experiments/scenarios/, the baseline first (the reference)."""
    names = library.available()
    return [REFERENCE, *(name for name in names if name != REFERENCE)]


def run_many(names: list[str], out: Path | None, options: RunOptions) -> int:
    """Run each scenario into OUT/NAME with the same seeds, then compare them in
    OUT/comparison (the first scenario is the reference)."""
    chosen = [library.resolve(name) for name in names]  # bad input stops here, unwritten
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = out or Path("results") / "runs" / f"scenarios-{stamp}"
    check_destination(out, options.force)
    labels = _labels(names)
    with options.open_executor(chosen) as execution:
        announce_runs(options, chosen, execution)
        folders = [
            run_scenario(name, out / label, options, execution)
            for label, name in zip(labels, names, strict=True)
        ]
    runs = compare.read_runs(folders)
    return write_comparison(runs, out / COMPARISON, options.force, options.quiet)


def scenario_names(first: str, more: list[str], everything: bool) -> list[str]:
    """The scenarios of `ifrp run FIRST MORE...`, or of `ifrp run --all` (the library)."""
    if not everything:
        return [first, *more]
    if more or first != REFERENCE:
        raise ScenarioError(
            "ifrp run", "--all", "scenarios named as well", "--all alone, or a list of scenarios"
        )
    return library_names()


def _labels(names: list[str]) -> list[str]:
    """Folder names: the scenario's name (a file's stem), numbered if repeated or if it is
    the comparison's own folder name (OUT/comparison)."""
    labels: list[str] = []
    for name in names:
        # A file's name without its folders: OUT/LABEL stays inside OUT.
        stem = Path(name).name.removesuffix(".toml")
        label = safe_name(stem, name, "(scenario name)", out_instead=False)  # OUT/LABEL
        candidate, number = label, len(labels) or 1
        while candidate in labels or candidate == COMPARISON:
            candidate, number = f"{label}-{number}", number + 1
        labels.append(candidate)
    return labels
