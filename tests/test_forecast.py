"""The forecast: `ifrp run drive_2023_2025 --posterior` draws the forecast's priors, writes its
tables, sensitivity and figure; `python -m experiments.forecast` keeps what the README shows
and the README says what those files say."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.calibration.parameters import load_priors
from experiments.core.calibrated import is_observation_lever
from experiments.core.replicates import replicate_seeds
from experiments.forecast import readme, reference
from experiments.forecast.checks import load_checks
from experiments.forecast.priors import FORECAST_PRIORS, forecast_priors
from experiments.run.posterior import posterior_run
from experiments.run.sensitivity import sensitivity_table
from model.scenario import ScenarioError, default_scenario

ROOT = Path(__file__).resolve().parent.parent
REPLICATES = 3


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """`python -m experiments.forecast` with 3 replicates, into temporary folders and README."""
    folder = tmp_path_factory.mktemp("forecast")
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    (folder / "README.md").write_text(text, encoding="utf-8")
    arguments = ["--replicates", str(REPLICATES), "--seed", "3", "--workers", "1"]
    arguments += ["--out", str(folder / "kept"), "--run-out", str(folder / "run")]
    assert reference.main([*arguments, "--readme", str(folder / "README.md")]) == 0
    return folder


def test_the_readme_says_what_the_committed_forecast_files_say():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.render(text, ROOT / "results" / "forecast") == text, "run `make forecast`"


def test_the_forecast_run_writes_its_tables_and_figures(made):
    run = made / "run"
    for name in ("monthly.csv", "monthly_bands.csv", "yearly.csv", "yearly_bands.csv"):
        assert (run / name).is_file(), name
    assert (run / "figures" / "cumulative_by_status.png").stat().st_size > 10_000
    monthly = pd.read_csv(run / "monthly.csv")
    assert set(monthly["status"]) == {"undocumented", "acc", "por"}
    assert {"departed_khyber_pakhtunkhwa", "deported", "arrested", "remaining"} <= set(monthly)
    assert monthly["month"].min() == "2023-08" and monthly["month"].max() == "2025-12"
    yearly = pd.read_csv(run / "yearly.csv")
    # yearly.csv adds up monthly.csv, and `all` adds up the statuses.
    by_year = monthly.assign(year=monthly["month"].str[:4].astype(int))
    flows = by_year.groupby(["replicate", "year", "status"])["departed"].sum()
    per_status = yearly[yearly["status"] != "all"].set_index(["replicate", "year", "status"])
    pd.testing.assert_series_equal(
        per_status["departed"].sort_index(), flows.sort_index(), check_names=False
    )
    everyone = yearly[yearly["status"] == "all"].set_index(["replicate", "year"])["remaining"]
    summed = per_status.groupby(["replicate", "year"])["remaining"].sum()
    pd.testing.assert_series_equal(everyone.sort_index(), summed.sort_index(), check_names=False)
    bands = pd.read_csv(run / "yearly_bands.csv")
    assert (bands["p5"] <= bands["p25"]).all() and (bands["p75"] <= bands["p95"]).all()


def test_each_replicate_draws_the_forecast_priors_and_the_manifest_says_so(made):
    manifest = json.loads((made / "run" / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["calibration"]["forecast_priors"]
    assert entry["file"] == "experiments/forecast/priors.csv"
    priors = {prior.name: prior for prior in load_priors(FORECAST_PRIORS)}
    assert entry["parameters"] == list(priors)
    draws = manifest["posterior_draws"]
    assert len(draws) == REPLICATES
    for draw in draws:
        for name, value in draw["forecast_drawn"].items():
            assert priors[name].low <= value <= priors[name].high, name
            assert draw["parameters"][name] == value, name  # the drive sets none of them
    first = [draw["forecast_drawn"] for draw in draws]
    assert first[0] != first[1], "each replicate its own draw"
    again = posterior_run("drive_2023_2025", manifest["seeds"])
    assert [d["forecast_drawn"] for d in again.draws] == first, "the draws follow the seeds"


def test_the_sensitivity_table_covers_every_drawn_parameter(made):
    table = pd.read_csv(made / "run" / "sensitivity.csv")
    manifest = json.loads((made / "run" / "manifest.json").read_text(encoding="utf-8"))
    drawn = {
        **manifest["posterior_draws"][0]["drawn"],
        **manifest["posterior_draws"][0]["forecast_drawn"],
    }
    # The observation model's levels (observation.NAME) change no run: nothing to rank.
    ranked = {name for name in drawn if not is_observation_lever(name)}
    assert set(table["parameter"]) == ranked and len(ranked) < len(drawn)
    assert set(table["year"]) == {2023, 2024, 2025}
    assert set(table["status"]) == {"undocumented", "acc", "por", "all"}
    assert table["spearman"].dropna().between(-1, 1).all()


def test_spearman_finds_a_planted_dependence_and_not_an_absent_one():
    rng = np.random.default_rng(0)
    draws, rows = [], []
    for replicate in range(40):
        a, b = rng.random(), rng.random()
        draws.append({"replicate": replicate, "drawn": {"a": a}, "forecast_drawn": {"b": b}})
        noise = rng.normal(0, 0.05)
        rows.append({"replicate": replicate, "year": 2025, "status": "por", "departed": a + noise})
    table = sensitivity_table(draws, pd.DataFrame(rows)).set_index("parameter")
    assert table.loc["a", "spearman"] > 0.9 and table.loc["a", "p_value"] < 1e-6
    assert abs(table.loc["b", "spearman"]) < 0.35
    assert list(table.index) == ["b", "a"], "the forecast's priors first"
    assert table.loc["b", "kind"] == "forecast prior"


def test_the_forecast_command_keeps_what_the_readme_shows_and_writes_it(made):
    kept = made / "kept"
    names = {path.name for path in kept.iterdir()}
    assert names == {
        "yearly_bands.csv",
        "sensitivity.csv",
        "checks.csv",
        "cumulative_by_status.png",
        "manifest.json",
    }
    text = (made / "README.md").read_text(encoding="utf-8")
    assert readme.render(text, kept) == text
    assert f"--replicates {REPLICATES} --seed 3" in text
    checks = pd.read_csv(kept / "checks.csv")
    assert list(checks["check"]) == [check.name for check in load_checks()]
    arguments = ["--check", "--out", str(kept), "--readme", str(made / "README.md")]
    assert reference.main(arguments) == 0
    edited = made / "edited"
    shutil.copytree(kept, edited)
    yearly = pd.read_csv(edited / "yearly_bands.csv")
    yearly.loc[yearly["year"] == 2025, "p50"] += 1_000_000
    yearly.to_csv(edited / "yearly_bands.csv", index=False)
    stale = ["--out", str(edited), "--readme", str(made / "README.md")]
    assert reference.main(["--check", *stale]) == 1
    assert reference.main(["--render", *stale]) == 0  # no run: the README from the files
    assert reference.main(["--check", *stale]) == 0


def test_a_2023_run_draws_no_forecast_prior():
    seeds = replicate_seeds(1, 3)
    run = posterior_run("baseline", seeds)
    assert run.forecast is None
    assert all("forecast_drawn" not in draw for draw in run.draws)
    # The calibrated rows are chosen as before the forecast's priors existed.
    rows = [int(np.random.default_rng([seed, 1]).integers(run.size)) for seed in seeds]
    assert run.rows == rows


def test_the_scenario_file_wins_over_a_forecast_draw(write_toml):
    text = (ROOT / "experiments" / "scenarios" / "drive_2023_2025.toml").read_text()
    path = write_toml(text + "winter_dip = 0.0\n", "no_winter.toml")
    run = posterior_run(str(path), replicate_seeds(1, 2))
    for draw in run.draws:
        assert draw["forecast_drawn"]["behaviour.winter_dip"] > 0
        assert draw["parameters"]["behaviour.winter_dip"] == 0.0


def test_the_defaults_are_the_medians_of_the_forecast_priors():
    defaults = default_scenario()
    for prior in forecast_priors().priors:
        median = float(prior.from_unit(np.float64(0.5)))
        assert defaults.value(prior.name) == pytest.approx(median, rel=0.01), prior.name


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("behaviour.no_such,uniform,0,1,x,y", "line 2, name"),
        ("population.acc,uniform,0,1,persons,y", "line 2, name"),  # an int: not drawn
        ("behaviour.winter_dip,uniform,0,0.95,share,y", "line 2, high"),  # beyond 0.9
        ("kp_other_share,uniform,0.1,0.3,share,y", "line 2, name"),  # a lever, no parameter
        ("behaviour.winter_dip,normal,0,0.5,share,y", "line 2, distribution"),
    ],
)
def test_a_bad_forecast_priors_file_names_its_line(tmp_path, row, field):
    path = tmp_path / "priors.csv"
    path.write_text("name,distribution,low,high,units,source\n" + row + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        forecast_priors(path)
    assert caught.value.file == str(path) and caught.value.field == field


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"measure": "ratio"}, "line 2, measure"),
        ({"end": "2023-01-01"}, "line 2, end"),
        ({"statuses": "refugees"}, "line 2, statuses"),
        ({"reported": "-5"}, "line 2, reported"),
    ],
)
def test_a_bad_checks_file_names_its_line(tmp_path, change, field):
    row = {
        "check": "x",
        "what": "x",
        "start": "2023-09-15",
        "end": "2024-01-15",
        "statuses": "por",
        "measure": "share",
        "reported": "0.1",
        "source": "y",
    } | change
    path = tmp_path / "checks.csv"
    pd.DataFrame([row]).to_csv(path, index=False)
    with pytest.raises(ScenarioError) as caught:
        load_checks(path)
    assert caught.value.field == field


def test_the_forecast_command_refuses_bad_input_in_one_line(tmp_path, capsys):
    status = reference.main(["--check", "--out", str(tmp_path / "nothing")])
    assert status == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "manifest.json" in err
    with pytest.raises(SystemExit) as exited:
        reference.main(["--replicates", "0"])
    assert exited.value.code == 2


@pytest.mark.parametrize("bad", ["--out", "--readme"])
def test_a_bad_destination_is_refused_before_the_forecast_runs(bad, tmp_path, capsys):
    """Nothing is run (no run folder) when the kept files or the README could not be written."""
    (tmp_path / "a file").write_text("kept", encoding="utf-8")
    readme = tmp_path / "README.md"
    readme.write_text("# a README\n", encoding="utf-8")
    given = {"--out": tmp_path / "a file", "--readme": tmp_path / "missing.md"}
    arguments = ["--replicates", "1", "--run-out", str(tmp_path / "run")]
    arguments += ["--readme", str(readme), "--out", str(tmp_path / "kept")]
    arguments += [bad, str(given[bad])]
    assert reference.main(arguments) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(given[bad]) in err
    assert not (tmp_path / "run").exists()
    assert (tmp_path / "a file").read_text(encoding="utf-8") == "kept"


def _no_run(monkeypatch):
    """Make the forecast's run fail the test: a refusal must come before it."""
    monkeypatch.setattr(reference, "run_and_write", lambda *a, **k: pytest.fail("the run started"))


def _arguments(tmp_path: Path) -> list[str]:
    readme_copy = tmp_path / "README.md"
    readme_copy.write_text((ROOT / "README.md").read_text(encoding="utf-8"), encoding="utf-8")
    arguments = ["--replicates", "1", "--workers", "1", "--run-out", str(tmp_path / "run")]
    return [*arguments, "--readme", str(readme_copy), "--out", str(tmp_path / "kept")]


@pytest.mark.parametrize(
    "scenario, said",
    [
        ("baseline", ("timeline.forecast_start", "drive_2023_2025")),
        ("baseline_to_15_january", ("timeline.forecast_start", "drive_2023_2025")),
        ("[timeline]\nend = 2024-03-31\n", ("every check's period", "to 2024-09-30 or later")),
    ],
    ids=["baseline", "to 15 January", "too short for the checks"],
)
def test_a_scenario_that_is_no_forecast_is_refused_before_the_run(
    scenario, said, tmp_path, capsys, monkeypatch
):
    """Only a run past timeline.forecast_start draws (and records) the forecast's priors, and
    the README compares it with every check: a scenario that does not cover them is refused."""
    _no_run(monkeypatch)
    if "\n" in scenario:  # a scenario file's text
        path = tmp_path / "short.toml"
        path.write_text(scenario, encoding="utf-8")
        scenario = str(path)
    assert reference.main([*_arguments(tmp_path), "--scenario", scenario]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"{scenario}: --scenario:" in err
    assert all(text in err for text in said), err
    assert not (tmp_path / "kept").exists() and not (tmp_path / "run").exists()


def test_a_readme_without_the_forecast_section_is_refused_before_the_run(
    tmp_path, capsys, monkeypatch
):
    _no_run(monkeypatch)
    plain = tmp_path / "plain.md"
    plain.write_text("# a README with no forecast section\n", encoding="utf-8")
    assert reference.main([*_arguments(tmp_path), "--readme", str(plain)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith(f"{reference.PROG}: error: {plain}: (forecast section):")
    assert readme.BEGIN in err and readme.END in err
    assert not (tmp_path / "kept").exists() and not (tmp_path / "run").exists()
    assert plain.read_text(encoding="utf-8") == "# a README with no forecast section\n"


def test_an_out_holding_other_files_is_refused_before_the_run(tmp_path, capsys, monkeypatch):
    """The forecast never mixes its files with a user's: only a new or empty folder, or one
    holding nothing but what the forecast writes, is taken as --out."""
    _no_run(monkeypatch)
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "thesis.docx").write_bytes(b"chapter one")
    (out / "checks.csv").write_text("mine\n", encoding="utf-8")
    assert reference.main([*_arguments(tmp_path), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"{out}: --out: holds other files" in err and "thesis.docx" in err
    assert "a new or empty folder, or a forecast folder" in err
    assert (out / "thesis.docx").read_bytes() == b"chapter one"
    assert (out / "checks.csv").read_text(encoding="utf-8") == "mine\n"
    assert sorted(path.name for path in out.iterdir()) == ["checks.csv", "thesis.docx"]
    assert not (tmp_path / "run").exists()
    # A forecast folder (with a killed write's leftover), an empty and a new folder are taken.
    forecast = tmp_path / "forecast"
    forecast.mkdir()
    for name in (*reference.WRITTEN, ".manifest.json.tmp-123"):
        (forecast / name).write_text("x", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    for taken in (forecast, tmp_path / "empty", tmp_path / "new"):
        reference.check_out(taken)
    (forecast / "figures").mkdir()  # a folder, even of a forecast's name, is not the forecast's
    with pytest.raises(ScenarioError, match="figures"):
        reference.check_out(forecast)
