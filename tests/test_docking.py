"""Docking: the vectorised engine and the plain-Mesa version are statistically indistinguishable.

`model.household_agents.HouseholdAgentModel` runs the same rules with one Mesa agent per
household and a daily draw per household at home; `RepatriationModel` uses exponential
thresholds, sorted queues and arrays. With the default parameters at 10,000 persons (about
1,430 households), both are run on fixed, disjoint seeds and compared on ten outputs (persons,
from count_start to the report date): the three route totals and their sum, deportations,
arrests, and cumulative departures on 15 Oct, 31 Oct, 15 Nov and 1 Dec 2023.

Test: for each output, Welch's t-test (means) and the Brown-Forsythe test (spreads: Levene's
test about the median), 20 tests in all, each at 0.01 / 20 (Bonferroni): when the versions
agree, the chance of a false alarm is at most 1% over random seeds. The seeds are fixed, so
the outcome is reproducible. Checked by resampling 1,200 engine runs in place of both arms
(2,000 draws of 20 vs 60 runs): 1.0% false alarms. Five disjoint sets of 20 plain runs (100
in all) against the engine: smallest p-values 0.0007 to 0.10, none rejected; the lowest is this
test's own set (seeds 1,000-1,019), a low draw: all 100 plain runs against the 1,200 engine
runs give p-values of 0.36 and above, and means within 1.2% of each other (173 vs 171 persons
departed by 15 Oct; the route totals within 0.3%).

Power: the same comparison is run against the engine with a 10% higher daily departure hazard
(`base_hazard` and `fear_hazard` both x 1.1, a scenario parameter of this harness, not a code
edit), and must be detected. At this size, that raises total departures and cumulative
departures on 15 Nov by 1.5 standard deviations (e.g. 2,226 -> 2,426 persons by 15 Nov, sd
136). With 20 plain runs and 60 engine runs, Welch's statistic has a non-centrality of about
1.5 / sqrt(1/20 + 1/60) = 5.8 against a critical value of about 3.7 (two-sided, 5e-4,
df ~ 30): power about 0.97 for one such output alone, more with the other departure counts.
Measured by resampling (2,000 draws of 20 unaltered vs 60 altered runs): detected in 99.1%
of draws; each of the five plain sets against altered runs: smallest p-value 8e-7 or less.
(All figures measured on 7 Dec 2026, with the defaults of that day: 136 days from 20 Aug 2023;
`python tests/test_docking.py` measures them again, in about 2 minutes.)

At this size, crossings and holding centres never run out of room, so the docking exercises the
decisions and arrests (what differs between the versions), not the capacity rules they share.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from scipy import stats
from support import small_scenario

from model.household_agents import HouseholdAgentModel
from model.model import RepatriationModel
from model.scenario import Scenario
from model.schema import ROUTES

PERSONS = 10_000
PLAIN_SEEDS = range(1_000, 1_020)
ENGINE_SEEDS = range(2_000, 2_060)
ALTERED_SEEDS = range(3_000, 3_060)
FAMILY_ALPHA = 0.01
DATES = (date(2023, 10, 15), date(2023, 10, 31), date(2023, 11, 15), date(2023, 12, 1))
OUTPUTS = ("total", *ROUTES, "deported", "arrested", *(f"departed_by_{d}" for d in DATES))
TESTS_PER_OUTPUT = 2
THRESHOLD = FAMILY_ALPHA / (TESTS_PER_OUTPUT * len(OUTPUTS))


def outputs(model: RepatriationModel) -> dict[str, int]:
    """The compared outputs of a finished run, in persons (all statuses)."""
    timeline = model.scenario.timeline
    first, last = timeline.index(timeline.count_start), timeline.index(timeline.end)
    crossed = model.ledger.crossed[first : last + 1].sum(axis=2)  # day x checkpoint
    route = np.array([ROUTES.index(c.route) for c in model.scenario.checkpoints])
    by_route = np.bincount(route, crossed.sum(axis=0), len(ROUTES))
    result = {name: int(total) for name, total in zip(ROUTES, by_route, strict=True)}
    result["total"] = int(by_route.sum())
    result["deported"] = int(model.ledger.deported[first : last + 1].sum())
    result["arrested"] = int(model.ledger.arrests.sum())
    departed = crossed.sum(axis=1).cumsum()
    for day in DATES:
        result[f"departed_by_{day}"] = int(departed[timeline.index(day) - first])
    return result


def sample(model_class: type, scenario: Scenario, seeds: range) -> dict[str, np.ndarray]:
    runs = []
    for seed in seeds:
        model = model_class(scenario, rng=seed)
        model.run_model()
        runs.append(outputs(model))
    return {name: np.array([run[name] for run in runs], dtype=float) for name in OUTPUTS}


def p_values(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, float]:
    """Welch's t-test and the Brown-Forsythe test for each output."""
    result = {}
    for name in OUTPUTS:
        result[f"{name} (means)"] = stats.ttest_ind(a[name], b[name], equal_var=False).pvalue
        result[f"{name} (spreads)"] = stats.levene(a[name], b[name], center="median").pvalue
    return result


def departure_hazard_scaled(scenario: Scenario, factor: float) -> Scenario:
    """The scenario with every household's daily departure hazard multiplied by `factor`."""
    behaviour = scenario.behaviour
    return scenario.with_overrides(
        {
            "behaviour.base_hazard": behaviour.base_hazard * factor,
            "behaviour.fear_hazard": behaviour.fear_hazard * factor,
        }
    )


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return small_scenario(PERSONS)


@pytest.fixture(scope="module")
def plain(scenario):
    return sample(HouseholdAgentModel, scenario, PLAIN_SEEDS)


@pytest.fixture(scope="module")
def engine(scenario):
    return sample(RepatriationModel, scenario, ENGINE_SEEDS)


def test_plain_mesa_and_engine_are_indistinguishable(plain, engine):
    p = p_values(plain, engine)
    rejected = {name: value for name, value in p.items() if value < THRESHOLD}
    assert not rejected, f"the versions differ (threshold {THRESHOLD:.1e}): {rejected}"


def test_docking_detects_a_ten_percent_higher_departure_hazard(plain, scenario):
    altered = sample(RepatriationModel, departure_hazard_scaled(scenario, 1.1), ALTERED_SEEDS)
    p = p_values(plain, altered)
    detected = {name: value for name, value in p.items() if value < THRESHOLD}
    assert detected, f"a 10% higher hazard went unnoticed (threshold {THRESHOLD:.1e}): {p}"


# --- the figures of the docstring -------------------------------------------------------------


def _rejects(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return min(p_values(a, b).values()) < THRESHOLD


def _rows(sample_: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, np.ndarray]:
    return {name: values[rows] for name, values in sample_.items()}


def resampled_figures(draws: int = 2_000, pool: int = 1_200, plain_sets: int = 5) -> None:
    """Print the false-alarm and detection rates, the plain sets' smallest p-values and the
    altered hazard's effect that the module's docstring quotes (about 2 minutes here)."""
    scenario = small_scenario(PERSONS)
    altered_scenario = departure_hazard_scaled(scenario, 1.1)
    engine = sample(RepatriationModel, scenario, range(10_000, 10_000 + pool))
    altered = sample(RepatriationModel, altered_scenario, range(20_000, 20_000 + pool))
    plain = sample(HouseholdAgentModel, scenario, range(1_000, 1_000 + 20 * plain_sets))
    rng = np.random.default_rng(1)
    false_alarms = detected = 0
    for _ in range(draws):
        rows = rng.permutation(pool)
        false_alarms += _rejects(_rows(engine, rows[:20]), _rows(engine, rows[20:80]))
        unaltered, more = rng.choice(pool, 20, replace=False), rng.choice(pool, 60, replace=False)
        detected += _rejects(_rows(engine, unaltered), _rows(altered, more))
    print(f"false alarms {false_alarms / draws:.1%}, detected {detected / draws:.1%}")
    fixed_engine = sample(RepatriationModel, scenario, ENGINE_SEEDS)
    fixed_altered = sample(RepatriationModel, altered_scenario, ALTERED_SEEDS)
    for k in range(plain_sets):
        one_set = _rows(plain, np.arange(20 * k, 20 * k + 20))
        versus_engine = min(p_values(one_set, fixed_engine).values())
        versus_altered = min(p_values(one_set, fixed_altered).values())
        print(f"plain set {k}: smallest p {versus_engine:.2g} (engine), {versus_altered:.2g}")
    print(f"all plain vs the pool: smallest p {min(p_values(plain, engine).values()):.2g}")
    for name in OUTPUTS:
        print(
            f"{name}: plain {plain[name].mean():.1f}, engine {engine[name].mean():.1f} "
            f"(sd {engine[name].std(ddof=1):.0f}), altered {altered[name].mean():.1f}"
        )


if __name__ == "__main__":  # python tests/test_docking.py
    resampled_figures()
