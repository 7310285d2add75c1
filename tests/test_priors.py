"""A priors file is checked when it is read (`load_priors`), before any run: each name a lever
the calibration can set, once, within the lever's range; and a start file that does not match
the priors says which levers are missing or extra."""

from __future__ import annotations

from pathlib import Path

import pytest

from experiments.calibration.parameters import DEFAULT_PRIORS, load_priors
from experiments.forecast.priors import FORECAST_PRIORS
from model.scenario import ScenarioError

HEADER = "name,distribution,low,high,units,source\n"
GOOD = "behaviour.fear_hazard,loguniform,0.005,0.2,x,y\n"  # line 2 of every file below


class Reached(BaseException):
    """A calibration was about to start: the priors were accepted."""


def _reached(*args, **kwargs):
    raise Reached


def priors_file(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "priors.csv"
    path.write_text(HEADER + GOOD + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return path


def refused(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        load_priors(path)
    assert caught.value.file == str(path)
    return caught.value


@pytest.mark.parametrize("path", [DEFAULT_PRIORS, FORECAST_PRIORS], ids=["calibration", "forecast"])
def test_the_shipped_priors_load(path):
    priors = load_priors(path)
    assert priors and len({prior.name for prior in priors}) == len(priors)


def test_every_kind_of_lever_is_accepted(tmp_path):
    rows = (
        "enforcement.arrest_hazard,loguniform,0.0003,0.01,x,y",
        "provinces.balochistan.enforcement_factor,uniform,1,6,x,y",
        "checkpoints.torkham.hours,uniform,6,24,x,y",
        "kp_other_share,uniform,0,1,x,y",  # a share: all of [0, 1] runs
        "balochistan_population_share,uniform,0,1,x,y",
        "observation.un_coverage,uniform,0.7,1.1,x,y",
    )
    names = [prior.name for prior in load_priors(priors_file(tmp_path, *rows))]
    assert names == ["behaviour.fear_hazard", *(row.split(",")[0] for row in rows)]


@pytest.mark.parametrize(
    ("row", "said"),
    [
        ("behaviour.zzz,uniform,0,1,x,y", "'behaviour.zzz' is not a parameter"),
        ("zzz,uniform,0,1,x,y", "'zzz' is not a parameter"),
        (",uniform,0,1,x,y", "'' is not a parameter"),
        ("observation.,uniform,0,1,x,y", "no level name"),
        ("behaviour.peer_window_days,uniform,1,10,x,y", "7 in the scenario, not a decimal"),
        ("enforcement.protection_letters_honoured,uniform,0,1,x,y", "not a decimal number"),
        ("timeline.end,uniform,0,1,x,y", "not a decimal number"),
        ("provinces.nowhere.enforcement_factor,uniform,1,2,x,y", "is not a parameter"),
        ("provinces.balochistan.holding_capacity,uniform,1,2,x,y", "not a decimal number"),
        ("routes.khyber_pakhtunkhwa.nowhere.share,uniform,0.1,0.3,x,y", "is not a parameter"),
    ],
    ids=lambda value: value.split(",")[0] or "empty",
)
def test_a_name_that_is_not_a_decimal_lever_is_refused_with_its_line(tmp_path, row, said):
    error = refused(priors_file(tmp_path, row))
    assert error.field == "line 3, name"
    assert said in error.problem and error.allowed


@pytest.mark.parametrize(
    ("row", "column", "said"),
    [
        ("behaviour.prelude_fear,uniform,0,5,x,y", "high", "behaviour.prelude_fear: 5.0 is out"),
        ("kp_other_share,uniform,0.1,1.5,x,y", "high", "torkham.share: -0.44"),
        ("provinces.balochistan.enforcement_factor,uniform,-1,6,x,y", "low", "-1.0 is out"),
        ("observation.un_coverage,uniform,-0.5,1.1,x,y", "low", "-0.5 is out of range"),
        ("provinces.balochistan.population_share,uniform,0.1,0.3,x,y", "low", "sum to 0.872"),
        ("routes.khyber_pakhtunkhwa.torkham.share,uniform,0.1,0.3,x,y", "low", "sum to 0.4"),
    ],
    ids=lambda value: value.split(",")[0],
)
def test_a_range_the_scenario_refuses_at_either_end_is_refused(tmp_path, row, column, said):
    """Each end is set on the scenario and checked as any scenario is: the parameter's range,
    and shares that must still sum to one (set those through their derived lever)."""
    error = refused(priors_file(tmp_path, row))
    assert error.field == f"line 3, {column}"
    assert said in error.problem and error.allowed


def test_a_lever_named_twice_is_refused_at_its_second_line(tmp_path):
    error = refused(priors_file(tmp_path, "behaviour.base_hazard,uniform,0.001,0.002,x,y", GOOD))
    assert error.field == "line 4, name" and "repeats line 2" in error.problem


@pytest.fixture
def no_calibration(monkeypatch):
    monkeypatch.setattr("experiments.calibration.command.calibrate", _reached)


def test_calibrate_refuses_bad_priors_before_any_run(tmp_path, ifrp, no_calibration):
    path = priors_file(tmp_path, "behaviour.peer_window_days,uniform,1,10,x,y")
    out = tmp_path / "out"
    args = ("calibrate", "--priors", path, "--workers", "1", "--start-width", "1", "--out", out)
    status, _, err = ifrp(*args, "--quiet")
    assert status == 2 and err.count("\n") == 1, err
    assert f"{path}: line 3, name: behaviour.peer_window_days" in err
    assert not out.exists()


def test_a_start_file_for_other_levers_says_which_are_missing_and_extra(
    tmp_path, ifrp, no_calibration
):
    rows = DEFAULT_PRIORS.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [row for row in rows if not row.startswith("kp_other_share,")]
    path = tmp_path / "priors.csv"
    path.write_text("".join(kept) + "behaviour.peer_weight,uniform,0,1,x,y\n", encoding="utf-8")
    out = tmp_path / "out"
    status, _, err = ifrp("calibrate", "--priors", path, "--workers", "1", "--out", out, "--quiet")
    assert status == 2 and err.count("\n") == 1, err
    assert "start.csv: (header): " in err
    assert "missing (in the priors, not here): behaviour.peer_weight" in err
    assert "extra (here, not in the priors): kp_other_share" in err
    assert "--start-width 1" in err
    assert not out.exists()


def test_a_level_lever_no_observation_reads_is_refused_before_any_run(
    tmp_path, ifrp, no_calibration
):
    """observation.NAME of a level nothing reads: a dimension the data could never inform."""
    path = priors_file(tmp_path, "observation.kp_coverage,uniform,0.7,1.1,x,y")
    out = tmp_path / "out"
    args = ("calibrate", "--priors", path, "--workers", "1", "--start-width", "1", "--out", out)
    status, _, err = ifrp(*args, "--quiet")
    assert status == 2 and err.count("\n") == 1, err
    assert "observation.kp_coverage: no observation reads the level 'kp_coverage'" in err
    assert "un_coverage" in err  # what is read, in "allowed"
    assert not out.exists()


def test_a_base_without_a_split_for_kp_other_share_is_refused_before_any_run(
    tmp_path, ifrp, no_calibration
):
    """kp_other_share rescales Khyber Pakhtunkhwa's routes inside and outside its count: a base
    with none outside has nothing to rescale (it divided by zero)."""
    base = tmp_path / "base.toml"
    base.write_text(
        "[routes.khyber_pakhtunkhwa.torkham]\nshare = 0.91\n"
        "[routes.khyber_pakhtunkhwa.ghulam_khan]\nshare = 0.0\n"
        "[routes.khyber_pakhtunkhwa.ibms_other]\nshare = 0.0\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    args = ("calibrate", "--base", base, "--workers", "1", "--start-width", "1", "--out", out)
    status, _, err = ifrp(*args, "--quiet")
    assert status == 2 and err.count("\n") == 1, err
    assert "kp_other_share: Khyber Pakhtunkhwa's route shares are 1 inside its count and 0" in err
    assert not out.exists()
