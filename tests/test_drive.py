"""The drive to 2025 (`drive_2023_2025`): its 2023 part is the calibrated baseline, and running
on past 2 Jan 2024 changes nothing before it."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from experiments.core import library
from experiments.core.replicates import replicate_seeds, run_replicate
from experiments.core.tables import summary_table
from model.schema import ROUTES

REPORT = "2024-01-02"
REPLICATES = 12
# |difference of means| / its standard error: 4 is a false alarm once in about 16,000 per
# output, so four outputs together raise one in 4,000 runs of the test.
Z_LIMIT = 4.0
OUTPUTS = (*ROUTES, "total")


def summaries(scenario, seeds):
    return summary_table([run_replicate(scenario, s, i) for i, s in enumerate(seeds)], scenario)


def z_scores(a, b) -> dict[str, float]:
    """Welch's statistic of the difference of means of each output (b - a)."""
    scores = {}
    for output in OUTPUTS:
        error = np.sqrt(a[output].var() / len(a) + b[output].var() / len(b))
        scores[output] = float((b[output].mean() - a[output].mean()) / error)
    return scores


@pytest.fixture(scope="module")
def baseline_2023():
    return summaries(library.resolve("baseline"), replicate_seeds(1, REPLICATES))


def test_the_2023_part_of_the_drive_reproduces_the_baseline(baseline_2023):
    """Full scale, with its 2.3 million card holders: the route totals to 2 Jan 2024 are the
    calibrated baseline's within the replicate noise (other seeds, as the populations differ)."""
    drive = library.resolve("drive_2023_2025").with_overrides({"timeline.end": REPORT})
    assert drive.population.acc > 0 and drive.population.por > 0
    scores = z_scores(baseline_2023, summaries(drive, replicate_seeds(2, REPLICATES)))
    assert all(abs(z) < Z_LIMIT for z in scores.values()), scores


def test_the_comparison_sees_a_two_percent_change(baseline_2023):
    """The same comparison has the power to see a departure hazard 2% higher."""
    higher = library.resolve("baseline").with_overrides({"behaviour.fear_hazard": {"times": 1.02}})
    scores = z_scores(baseline_2023, summaries(higher, replicate_seeds(2, REPLICATES)))
    assert scores["total"] > Z_LIMIT, scores


def test_running_past_the_report_date_changes_nothing_before_it():
    """The model is causal: the drive to 2025 and the same run cut on 2 Jan 2024 record the
    same days up to then, for all three statuses (so the test above may cut the run there)."""
    small = {"population.undocumented": 20_000, "population.acc": 8_000, "population.por": 12_000}
    drive = library.resolve("drive_2023_2025").with_overrides(small)
    cut = drive.with_overrides({"timeline.end": REPORT})
    whole, part = run_replicate(drive, 5), run_replicate(cut, 5)
    days = len(part.dates)
    assert whole.dates[days - 1] == date(2024, 1, 2)
    for name in ("crossed", "deported", "queue", "arrests", "left_home", "states"):
        np.testing.assert_array_equal(
            getattr(whole.ledger, name)[:days], getattr(part.ledger, name), err_msg=name
        )
    assert whole.ledger.crossed[days:].sum() > 0
