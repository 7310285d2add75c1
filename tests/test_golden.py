"""A small run pinned to the byte: any change of the model's outputs shows up here.

The default scenario (the hand-set defaults of model/data/, no calibration) at 5,000
undocumented persons, two replicates of seed 1: its summary.csv and daily.csv are kept in
tests/golden/. A change that moves them on purpose (a new mechanism, a fixed bug) updates them
with `make golden`, and the diff of the two files is part of the commit; any other change must
leave them as they are.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from experiments.core.replicates import replicate_jobs, replicate_seeds, run_jobs
from experiments.core.tables import daily_table, summary_table
from model.scenario import default_scenario

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("IFRP_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def tables() -> dict[str, str]:
    scenario = default_scenario().with_overrides({"population.undocumented": 5_000})
    results = run_jobs(replicate_jobs(scenario, replicate_seeds(1, 2)), progress=False)
    return {
        "summary.csv": summary_table(results, scenario).to_csv(index=False),
        "daily.csv": daily_table(results, scenario).to_csv(index=False),
    }


@pytest.mark.parametrize("name", ["summary.csv", "daily.csv"])
def test_the_pinned_run_is_unchanged(tables, name):
    path = GOLDEN / name
    if UPDATE:
        path.write_text(tables[name], encoding="utf-8")
    assert path.is_file(), f"{path} is missing: make golden writes it"
    assert tables[name] == path.read_text(encoding="utf-8"), (
        f"the pinned run's {name} changed; if the change is intended, run `make golden` and "
        "commit the new file with the change that explains it"
    )
