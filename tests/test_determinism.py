"""The same seed gives the same results, byte for byte; another seed gives other results."""

from __future__ import annotations

import numpy as np
import pandas as pd
from support import run, small_scenario

from model.model import RepatriationModel

LEDGER_ARRAYS = ("crossed", "deported", "queue", "arrests", "left_home", "states")


def _run_cli(ifrp, scenario, out, seed, replicates=2):
    status, _, err = ifrp(
        "run", scenario, "--replicates", replicates, "--seed", seed, "--out", out, "--quiet"
    )
    assert status == 0, err
    return {name: (out / name).read_bytes() for name in ("summary.csv", "daily.csv")}


def test_cli_same_seed_is_byte_identical_and_other_seed_differs(
    ifrp, small_toml, tmp_path, no_run_figures
):
    first = _run_cli(ifrp, small_toml, tmp_path / "a", seed=7)
    second = _run_cli(ifrp, small_toml, tmp_path / "b", seed=7)
    other = _run_cli(ifrp, small_toml, tmp_path / "c", seed=8)
    assert first["summary.csv"] == second["summary.csv"]
    assert first["daily.csv"] == second["daily.csv"]
    assert first["summary.csv"] != other["summary.csv"]
    assert first["daily.csv"] != other["daily.csv"]


def test_cli_replicate_does_not_depend_on_the_number_of_replicates(
    ifrp, small_toml, tmp_path, no_run_figures
):
    one = _run_cli(ifrp, small_toml, tmp_path / "one", seed=7, replicates=1)
    two = _run_cli(ifrp, small_toml, tmp_path / "two", seed=7, replicates=2)
    summary_one = pd.read_csv(tmp_path / "one" / "summary.csv", dtype={"seed": str})
    summary_two = pd.read_csv(tmp_path / "two" / "summary.csv", dtype={"seed": str})
    pd.testing.assert_frame_equal(summary_one, summary_two.iloc[:1])
    assert summary_two["seed"].nunique() == 2, "each replicate needs its own seed"
    daily_two = pd.read_csv(tmp_path / "two" / "daily.csv")
    first_replicate = daily_two[daily_two["replicate"] == 0].reset_index(drop=True)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "one" / "daily.csv"), first_replicate)
    assert one["daily.csv"] != two["daily.csv"]


def test_model_same_rng_gives_identical_ledgers():
    scenario = small_scenario()
    first, second, other = run(scenario, 5), run(scenario, 5), run(scenario, 6)
    for name in LEDGER_ARRAYS:
        np.testing.assert_array_equal(
            getattr(first.ledger, name), getattr(second.ledger, name), err_msg=name
        )
    np.testing.assert_array_equal(first.population.state, second.population.state)
    assert not np.array_equal(first.ledger.crossed, other.ledger.crossed)


def test_model_accepts_a_generator_and_draws_only_from_it():
    scenario = small_scenario()
    from_seed = run(scenario, 5)
    from_generator = RepatriationModel(scenario, rng=np.random.default_rng(5))
    from_generator.run_model()
    np.random.seed(0)  # the legacy global state must play no part
    again = RepatriationModel(scenario, rng=np.random.default_rng(5))
    np.random.seed(1)
    again.run_model()
    np.testing.assert_array_equal(from_generator.ledger.crossed, again.ledger.crossed)
    np.testing.assert_array_equal(from_seed.ledger.crossed, from_generator.ledger.crossed)


def test_the_drive_to_2025_is_reproducible_for_all_statuses():
    from experiments.core import library

    small = {"population.undocumented": 20_000, "population.acc": 8_000, "population.por": 12_000}
    scenario = library.resolve("drive_2023_2025").with_overrides(small)
    first, second, other = run(scenario, 5), run(scenario, 5), run(scenario, 6)
    for name in LEDGER_ARRAYS:
        np.testing.assert_array_equal(
            getattr(first.ledger, name), getattr(second.ledger, name), err_msg=name
        )
    np.testing.assert_array_equal(first.population.state, second.population.state)
    for status in range(3):  # every status moved, and differently under another seed
        assert first.ledger.crossed[:, :, status].sum() > 0
        assert not np.array_equal(
            first.ledger.crossed[:, :, status], other.ledger.crossed[:, :, status]
        )
