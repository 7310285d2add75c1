"""Bad input exits with status 2, names the file, the field and what is allowed, and writes
nothing (README, "Scenarios" and "Bad input")."""

from __future__ import annotations

import csv
import io
import socket
from pathlib import Path

import pytest

from experiments.cli import main
from model.scenario import ScenarioError, load_scenario

# The fields of a new province besides its name and share, all valid.
PROVINCE_REST = (
    "enforcement_factor = 0.5\nholding_capacity = 100\n"
    'deportation_checkpoint = "torkham"\ndeportation_travel_days = 2\n'
)


def case(name: str, text: str, field: str):
    """A bad scenario file and the field its error message must name."""
    return pytest.param(text, field, id=name)


CASES = [
    case("unknown top-level key", "[populaton]\nundocumented = 5\n", "populaton"),
    case("unknown key in a section", "[behaviour]\nfear_hazzard = 0.1\n", "behaviour.fear_hazzard"),
    case(
        "unknown key in a table row",
        "[checkpoints.torkham]\ncapacity = 10.0\n",
        "checkpoints.torkham.capacity",
    ),
    case(
        "unknown key in a list row",
        '[[closures]]\ncheckpoint = "torkham"\nstart = 2023-11-01\nend = 2023-11-02\nwhy = "x"\n',
        "closures[0].why",
    ),
    case("string for a number", '[behaviour]\nfear_hazard = "high"\n', "behaviour.fear_hazard"),
    case(
        "float for an integer", "[population]\nundocumented = 30000.5\n", "population.undocumented"
    ),
    case("bool for a number", "[behaviour]\nfear_hazard = true\n", "behaviour.fear_hazard"),
    case("bool for an integer", "[population]\nundocumented = true\n", "population.undocumented"),
    case(
        "number for a bool",
        "[enforcement]\ndeportee_priority = 1\n",
        "enforcement.deportee_priority",
    ),
    case("section not a table", "population = 30000\n", "population"),
    case("above range", "[behaviour]\nfear_hazard = 2.0\n", "behaviour.fear_hazard"),
    case("below range", "[population]\nundocumented = -5\n", "population.undocumented"),
    case("date out of range", "[timeline]\nstart = 1999-01-01\n", "timeline.start"),
    case(
        "row value out of range", "[provinces.sindh]\nholding_capacity = -1\n", "holding_capacity"
    ),
    case(
        "daily capacity below the largest household",
        "[checkpoints.torkham]\ncapacity_per_hour = 1.0\n",
        "checkpoints.torkham",
    ),
    case("unknown status", '[phases.phase1]\nstatuses = ["refugees"]\n', "phases.phase1.statuses"),
    case("nobody to simulate", "[population]\nundocumented = 0\n", "population"),
    case(
        "timeline end before start",
        "[timeline]\nend = 2023-08-01\n",
        "timeline.end",
    ),
    case(
        "phase deadline before announcement",
        "[phases.phase1]\ndeadline = 2023-09-30\n",
        "phases.phase1",
    ),
    case(
        "phase enforcement before deadline",
        "[phases.phase1]\nenforcement_start = 2023-10-30\n",
        "phases.phase1",
    ),
    case(
        "count_start after the run",
        "[timeline]\ncount_start = 2024-02-01\n",
        "timeline.count_start",
    ),
    case(
        "count_start before the run",
        "[timeline]\ncount_start = 2023-08-01\n",
        "timeline.count_start",
    ),
    case(
        "closure end before start",
        '[[closures]]\ncheckpoint = "torkham"\nstart = 2023-11-10\nend = 2023-11-01\n',
        "closures[0].end",
    ),
    case(
        "checkpoint closes before it opens",
        "[checkpoints.torkham]\ncloses = 2022-06-01\n",
        "checkpoints.torkham.closes",
    ),
    case(
        "extension before the announcement",
        '[[deadline_extensions]]\nphase = "phase1"\nannounced = 2023-09-20\n'
        "new_deadline = 2023-11-15\n",
        "deadline_extensions[0]",
    ),
    case(
        "extension beyond enforcement start",
        '[[deadline_extensions]]\nphase = "phase1"\nannounced = 2023-10-20\n'
        "new_deadline = 2023-11-15\n",
        "deadline_extensions[0].new_deadline",
    ),
    case("reroute in no time", "[behaviour]\nreroute_days = 0\n", "behaviour.reroute_days"),
    case(
        "peer window of no days",
        "[behaviour]\npeer_window_days = 0\n",
        "behaviour.peer_window_days",
    ),
    case(
        "largest household below the mean",
        "[population]\nmax_household_size = 5\n",
        "population.max_household_size",
    ),
    case(
        "daily capacity below a larger household cap",
        "[population]\nmax_household_size = 50\n"
        "[checkpoints.angoor_adda]\ncapacity_per_hour = 4.0\n",
        "checkpoints.angoor_adda",
    ),
    case(
        "province shares do not sum to one",
        "[provinces.punjab]\npopulation_share = 0.2\n",
        "population_share",
    ),
    case(
        "route shares do not sum to one",
        "[routes.balochistan.chaman]\nshare = 0.5\n",
        "routes.balochistan",
    ),
    case(
        "travel days max below min",
        "[routes.sindh.chaman]\ntravel_days_min = 5\ntravel_days_max = 2\n",
        "routes.sindh.chaman.travel_days_max",
    ),
    case(
        "unknown checkpoint in a province",
        '[provinces.sindh]\ndeportation_checkpoint = "karachi_port"\n',
        "provinces.sindh.deportation_checkpoint",
    ),
    case(
        "unknown checkpoint in a closure",
        '[[closures]]\ncheckpoint = "wagah"\nstart = 2023-11-01\nend = 2023-11-10\n',
        "closures[0].checkpoint",
    ),
    case(
        "unknown fallback checkpoint",
        '[checkpoints.chaman]\nfallback = "wagah"\n',
        "checkpoints.chaman.fallback",
    ),
    case(
        "unknown checkpoint in a route",
        "[routes.sindh.wagah]\nshare = 0.0\ntravel_days_min = 1\ntravel_days_max = 2\n",
        "routes.sindh.wagah",
    ),
    case(
        "unknown phase in an extension",
        '[[deadline_extensions]]\nphase = "phase9"\nannounced = 2023-10-10\n'
        "new_deadline = 2023-11-15\n",
        "deadline_extensions[0].phase",
    ),
    case(
        "new row missing fields",
        '[checkpoints.wagah]\nname = "Wagah"\n',
        "checkpoints.wagah",
    ),
    case(
        "new row with an empty id",
        '[provinces.""]\nname = "Nowhere"\npopulation_share = 0.0\n' + PROVINCE_REST,
        "provinces.''",
    ),
    case(
        "new row with an id that is not a plain word",
        '[provinces."gilgit baltistan"]\nname = "Gilgit-Baltistan"\npopulation_share = 0.0\n'
        + PROVINCE_REST,
        "provinces.'gilgit baltistan'",
    ),
    case(
        "status targeted by two phases",
        '[phases.phase2]\nstatuses = ["undocumented"]\nannouncement = 2023-11-01\n'
        "deadline = 2023-11-02\nenforcement_start = 2023-11-03\n",
        "phases.phase2.statuses",
    ),
    case(
        "relative override of a date",
        "[timeline]\nend = { times = 2 }\n",
        "timeline.end",
    ),
    case(
        "relative override of text",
        "[provinces.sindh]\nname = { times = 2 }\n",
        "provinces.sindh.name",
    ),
    case(
        "relative override with an unknown key",
        "[enforcement]\narrest_hazard = { times = 2.0, plus = 0.1 }\n",
        "enforcement.arrest_hazard.plus",
    ),
    case(
        "relative override without a factor",
        "[enforcement]\narrest_hazard = {}\n",
        "enforcement.arrest_hazard",
    ),
    case(
        "relative override by zero",
        "[provinces.punjab]\nholding_capacity = { times = 0 }\n",
        "provinces.punjab.holding_capacity.times",
    ),
    case(
        "relative override by a negative factor",
        "[enforcement]\narrest_hazard = { times = -2.0 }\n",
        "enforcement.arrest_hazard.times",
    ),
    case(
        "relative override by text",
        '[enforcement]\narrest_hazard = { times = "2" }\n',
        "enforcement.arrest_hazard.times",
    ),
    case(
        "relative override by infinity",
        "[enforcement]\narrest_hazard = { times = inf }\n",
        "enforcement.arrest_hazard.times",
    ),
    case(
        "relative override out of range",
        "[enforcement]\narrest_hazard = { times = 1000.0 }\n",
        "enforcement.arrest_hazard",
    ),
    case(
        "relative override rounded out of range",
        "[enforcement]\ndetention_days = { times = 0.1 }\n",
        "enforcement.detention_days",
    ),
    case(
        "relative override in a new row",
        '[provinces.gilgit]\nname = "Gilgit-Baltistan"\npopulation_share = 0.0\n'
        "enforcement_factor = 0.5\nholding_capacity = { times = 2 }\n"
        'deportation_checkpoint = "torkham"\ndeportation_travel_days = 2\n',
        "provinces.gilgit.holding_capacity",
    ),
    case(
        "relative override in a list table",
        '[[capacity_changes]]\ncheckpoint = "torkham"\ndate = 2023-11-03\n'
        "capacity_factor = { times = 3.0 }\nhours = 14.0\n",
        "capacity_changes[0].capacity_factor",
    ),
]


@pytest.mark.parametrize(("text", "field"), CASES)
def test_bad_scenario_file_exits_2_naming_file_field_and_allowed(text, field, write_toml, ifrp):
    path = write_toml(text, "bad.toml")
    out = path.parent / "out"
    status, _, err = ifrp("run", path, "--out", out, "--quiet")
    assert status == 2
    assert str(path) in err
    assert field in err
    assert "allowed" in err
    assert not out.exists()


def test_invalid_toml_syntax_exits_2_with_the_line(write_toml, ifrp):
    path = write_toml("[population\nundocumented = 5\n", "broken.toml")
    out = path.parent / "out"
    status, _, err = ifrp("run", path, "--out", out)
    assert status == 2
    assert str(path) in err
    assert "line 1" in err
    assert not out.exists()


def test_missing_file_exits_2_naming_it(tmp_path, ifrp):
    path = tmp_path / "nowhere.toml"
    out = tmp_path / "out"
    status, _, err = ifrp("run", path, "--out", out)
    assert status == 2
    assert str(path) in err
    assert not out.exists()


def test_misspelt_scenario_name_lists_the_available_ones(tmp_path, ifrp):
    out = tmp_path / "out"
    status, _, err = ifrp("run", "baselin", "--out", out)
    assert status == 2
    assert "baselin" in err
    assert "'baseline'" in err  # the suggestion
    allowed = err.split("allowed: ", 1)[1]
    assert "baseline" in allowed and "no_deadline" in allowed  # and the list of names
    assert not out.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--replicates", "0"],
        ["--replicates", "-3"],
        ["--replicates", "two"],
        ["--seed", "-1"],
        ["--seed", "x"],
        ["--no-such-option"],
    ],
    ids=lambda args: " ".join(args),
)
def test_bad_command_line_arguments_exit_2(args, tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "baseline", *args, "--out", str(out)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("ifrp") and ": error: " in err and err.count("\n") == 1, err
    assert "--help)" in err
    assert not out.exists()


@pytest.mark.parametrize(
    "args",
    [["--particles", "0"], ["--generations", "-1"], ["--waves", "0"], ["--seed", "-2"]],
    ids=lambda args: " ".join(args),
)
def test_bad_calibrate_arguments_exit_2_with_the_range(args, tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        main(["calibrate", *args, "--out", str(out)])
    assert exit_info.value.code == 2
    assert "allowed" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("start", ["", "behaviour.fear_hazard\n"], ids=["empty", "no rows"])
def test_a_bad_start_file_says_what_a_start_file_is(start, tmp_path, ifrp):
    """Not what an adopted calibration is, as the shared reader of lever files used to say."""
    (tmp_path / "start.csv").write_text(start, encoding="utf-8")
    out = tmp_path / "out"
    status, _, err = ifrp("calibrate", "--start", tmp_path / "start.csv", "--out", out)
    assert status == 2
    assert "start.csv" in err and "one row of values" in err and "ifrp adopt" not in err
    assert not out.exists()


def test_missing_command_exits_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2


def test_existing_non_empty_out_is_refused_and_left_untouched(small_toml, tmp_path, ifrp):
    out = tmp_path / "previous"
    out.mkdir()
    (out / "summary.csv").write_text("precious\n", encoding="utf-8")
    status, _, err = ifrp("run", small_toml, "--out", out, "--quiet")
    assert status == 2
    assert "--out" in err
    assert "--force" in err
    assert sorted(p.name for p in out.iterdir()) == ["summary.csv"]
    assert (out / "summary.csv").read_text(encoding="utf-8") == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["previous", "small.toml"]


@pytest.mark.parametrize(
    "text",
    [
        '[behaviour]\nfear_hazard = "0.05"\n',
        '[population]\nundocumented = "30000"\n',
        '[enforcement]\nprotection_letters_honoured = "true"\n',
    ],
    ids=["float", "int", "bool"],
)
def test_string_holding_a_number_is_a_wrong_type(text, write_toml):
    with pytest.raises(ScenarioError):
        load_scenario(write_toml(text))


def test_file_that_is_not_utf8_exits_2(tmp_path, ifrp):
    path = tmp_path / "latin1.toml"
    path.write_bytes("# Peshawar café\n[population]\nundocumented = 30000\n".encode("latin-1"))
    out = tmp_path / "out"
    status, _, err = ifrp("run", path, "--out", out)
    assert status == 2
    assert str(path) in err
    assert not out.exists()


def test_province_without_routes_is_refused(write_toml):
    path = write_toml(
        """
        [provinces.other]
        population_share = 0.0
        [provinces.gilgit]
        name = "Gilgit-Baltistan"
        population_share = 0.004
        enforcement_factor = 0.5
        holding_capacity = 100
        deportation_checkpoint = "torkham"
        deportation_travel_days = 2
        """
    )
    # Otherwise its households would silently leave by another province's route.
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert "routes.gilgit" in str(error.value)
    assert "allowed" in str(error.value)


OBSERVATIONS = (
    Path(__file__).resolve().parent.parent / "experiments" / "observed" / "observations.csv"
)


def _observations_with(change) -> str:
    """The project's observations file with `change(row)` applied to its first (fitted) row; a
    column the change drops from that row is dropped from the file."""
    with OBSERVATIONS.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    change(rows[0])
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=list(rows[0]), lineterminator="\n", extrasaction="ignore"
    )
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param(lambda r: r.update(observation_sd="20"), "observation_sd", id="above"),
        pytest.param(lambda r: r.update(observation_sd=""), "observation_sd", id="missing"),
        pytest.param(lambda r: r.update(observation_sd="-3"), "observation_sd", id="negative sd"),
        pytest.param(lambda r: r.pop("model_place"), "model_place", id="no column"),
        pytest.param(lambda r: r.update(model_place="kabul"), "model_place", id="unknown place"),
        pytest.param(lambda r: r.update(model_to="2023-09-01"), "model_to", id="before from"),
        pytest.param(lambda r: r.update(value="271985.5"), "value", id="half a person"),
        pytest.param(lambda r: r.update(reporting="guess"), "reporting", id="unknown level"),
        pytest.param(lambda r: r.update(use="maybe"), "use", id="unknown use"),
    ],
)
def test_bad_observations_file_exits_2_naming_file_field_and_allowed(change, field, tmp_path, ifrp):
    path = tmp_path / "observations.csv"
    path.write_text(_observations_with(change), encoding="utf-8")
    out = tmp_path / "out"
    status, _, err = ifrp("calibrate", "--observations", path, "--out", out, "--quiet")
    assert status == 2
    assert str(path) in err
    assert field in err
    assert "allowed" in err
    assert not out.exists()


def test_an_atomic_write_that_fails_leaves_the_old_file_and_no_temporary(tmp_path):
    from experiments.core.outputs import write_atomic

    target = tmp_path / "manifest.json"
    write_atomic(target, "old\n")
    write_atomic(tmp_path / "figure.png", b"\x89PNG")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "half \udc80 written")  # fails while writing
    assert target.read_text(encoding="utf-8") == "old\n"
    assert (tmp_path / "figure.png").read_bytes() == b"\x89PNG"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figure.png", "manifest.json"]


# --- --force replaces only what ifrp wrote --------------------------------------------------

SMALL_SWEEP = """
design = "grid"
base = "baseline"
replicates = 1
entropy = 11

[overrides]
"population.undocumented" = 10000

[[levers]]
name = "enforcement.arrest_hazard"
values = [0.001]
"""


@pytest.fixture
def small_sweep(write_toml, monkeypatch):
    """A one-run sweep file; its figures are not drawn (test_sweep draws them)."""
    monkeypatch.setattr("experiments.sweep.execution.sweep_figures.draw_all", lambda *args: [])
    return write_toml(SMALL_SWEEP, "small_sweep.toml")


def _foreign_folder(tmp_path: Path) -> Path:
    """A folder ifrp never wrote: the user walkthrough's thesis."""
    danger = tmp_path / "danger"
    (danger / "mythesis").mkdir(parents=True)
    (danger / "mythesis" / "chapter1.docx").write_text("x\n", encoding="utf-8")
    (danger / "manifest.json").write_text('{"name": "a web app"}\n', encoding="utf-8")
    return danger


def _cheap(command: str, small_toml: Path, small_sweep: Path) -> list:
    """`ifrp run` of one small replicate, or `ifrp sweep` of one run, here."""
    if command == "run":
        return ["run", small_toml, "--replicates", "1", "--quiet"]
    return ["sweep", small_sweep, "--workers", "1", "--quiet"]


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_force_refuses_a_folder_ifrp_did_not_write(
    command, small_toml, small_sweep, tmp_path, ifrp, no_run_figures
):
    danger = _foreign_folder(tmp_path)
    status, _, err = ifrp(*_cheap(command, small_toml, small_sweep), "--out", danger, "--force")
    assert status == 2
    assert str(danger) in err and "--out" in err
    assert "not an ifrp result folder" in err and "manifest.json" in err
    assert (danger / "mythesis" / "chapter1.docx").read_text(encoding="utf-8") == "x\n"
    assert sorted(p.name for p in danger.iterdir()) == ["manifest.json", "mythesis"]
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["danger", "small.toml", "small_sweep.toml"], "nothing else is written"


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_force_replaces_an_earlier_result_folder(
    command, small_toml, small_sweep, tmp_path, ifrp, no_run_figures
):
    out = tmp_path / "out"
    for _ in range(2):
        status, _, err = ifrp(*_cheap(command, small_toml, small_sweep), "--out", out, "--force")
        assert status == 0, err
    assert (out / "manifest.json").is_file()


def test_force_replaces_the_folder_of_several_runs(small_toml, tmp_path, ifrp, monkeypatch):
    """`ifrp run A B` writes no manifest in OUT itself, only in OUT/A, OUT/B and OUT/comparison:
    `make scenarios` (`ifrp run --all --out results/scenarios --force`) must still re-run."""
    monkeypatch.setattr("experiments.run.figures.draw_all", lambda *args: [])
    for figure in ("cumulative", "differences"):
        monkeypatch.setattr(f"experiments.compare.figures.{figure}", lambda *args: None)
    out = tmp_path / "several"
    for _ in range(2):
        status, _, err = ifrp(
            "run", small_toml, small_toml, "--replicates", "1", "--out", out, "--force", "--quiet"
        )
        assert status == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["comparison", "small", "small-1"]


@pytest.mark.parametrize("manifest", ["[", "[1, 2]"])
def test_a_damaged_screenshot_manifest_is_refused_before_the_browser_starts(
    manifest, tmp_path, capsys, monkeypatch
):
    from experiments.explorer import screenshot

    (tmp_path / "manifest.json").write_text(manifest, encoding="utf-8")
    monkeypatch.setattr(screenshot, "screenshot", lambda path: pytest.fail("browser started"))
    with pytest.raises(SystemExit) as stop:
        screenshot.main([str(tmp_path / "explorer.png")])
    assert stop.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert f"error: {tmp_path / 'manifest.json'}: " in error
    assert "(allowed: a manifest: screenshot -> how it was made)" in error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]


@pytest.mark.parametrize(
    "path, problem",
    [
        ("taken/explorer.png", "is a file, not a folder"),
        ("explorer.txt", "must end in .png"),
        ("n" * 300 + ".png", "is too long (304 bytes)"),
    ],
    ids=["under a file", "not an image", "a name too long"],
)
def test_a_screenshot_that_cannot_be_written_is_refused_before_the_browser_starts(
    path, problem, tmp_path, capsys, monkeypatch
):
    from experiments.explorer import screenshot

    (tmp_path / "taken").write_text("kept", encoding="utf-8")
    monkeypatch.setattr(screenshot, "screenshot", lambda path: pytest.fail("browser started"))
    with pytest.raises(SystemExit) as stop:
        screenshot.main([str(tmp_path / path)])
    assert stop.value.code == 2
    assert problem in capsys.readouterr().err.strip().splitlines()[-1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_the_explorer_server_refuses_a_port_out_of_range(capsys):
    from experiments.explorer.server import main as serve

    with pytest.raises(SystemExit) as stop:
        serve(["--port", "70000"])
    assert stop.value.code == 2
    assert "70000 is out of range (allowed: 0..65535)" in capsys.readouterr().err


def test_the_explorer_server_refuses_a_taken_port_and_a_missing_app(capsys):
    from experiments.explorer.server import main as serve

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert serve(["--port", str(port)]) == 2
    line = capsys.readouterr().err.strip()
    assert f"cannot listen on 127.0.0.1, port {port}" in line and "\n" not in line
    assert serve(["--port", "0", "--app", "no_such_app_module"]) == 2
    assert "--app: no Solara app 'no_such_app_module'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "name, text, problem",
    [
        ("app.csv", "date,value\n", "is not a .py or .ipynb file"),
        ("app.py", "def Page(:\n", "is not valid Python (invalid syntax"),
        ("app.py", "page = 1\n", "defines no Page at its top level"),
    ],
    ids=["not Python", "a syntax error", "no Page"],
)
def test_the_explorer_server_reads_an_app_file_before_serving_it(
    name, text, problem, tmp_path, capsys
):
    from experiments.explorer.server import main as serve

    (tmp_path / name).write_text(text, encoding="utf-8")
    assert serve(["--port", "0", "--app", str(tmp_path / name)]) == 2
    line = capsys.readouterr().err.strip()
    assert problem in line and "\n" not in line


def test_a_screenshot_never_edits_another_commands_manifest(tmp_path, capsys, monkeypatch):
    """A run folder's manifest.json is the run's: a screenshot saved there must not add to it."""
    from experiments.explorer import screenshot

    manifest = '{"command": "ifrp run baseline", "seeds": [1]}\n'
    (tmp_path / "manifest.json").write_text(manifest, encoding="utf-8")
    monkeypatch.setattr(screenshot, "screenshot", lambda path: pytest.fail("browser started"))
    with pytest.raises(SystemExit) as stop:
        screenshot.main([str(tmp_path / "shot.png")])
    assert stop.value.code == 2
    assert "another command's manifest" in capsys.readouterr().err.strip().splitlines()[-1]
    assert (tmp_path / "manifest.json").read_text(encoding="utf-8") == manifest


def test_a_scenario_file_name_that_cannot_name_a_folder_does_not_suggest_out(tmp_path, capsys):
    """ifrp run A B writes OUT/A and OUT/B: another --out would not help, so none is suggested."""
    hidden = tmp_path / "..toml"
    hidden.write_text("[population]\nundocumented = 10000\n", encoding="utf-8")
    assert main(["run", "baseline", str(hidden), "--out", str(tmp_path / "out")]) == 2
    line = capsys.readouterr().err.strip()
    assert "'.' cannot name a folder" in line and "--out" not in line, line
    assert not (tmp_path / "out").exists()


def test_an_id_in_the_data_tables_that_is_not_a_plain_word_is_refused(tmp_path):
    """Checked on the assembled scenario, so a row added to model/data/ is held to it too."""
    import shutil

    from model.defaults import DATA_DIR, default_tree
    from model.scenario import build_scenario

    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    with (data / "provinces.csv").open("a", encoding="utf-8") as table:
        table.write('gilgit baltistan,Gilgit-Baltistan,0,0.5,100,torkham,2,"test row"\n')
    with pytest.raises(ScenarioError, match="is not a plain identifier") as refused:
        build_scenario(default_tree(data), "defaults", str(data))
    assert refused.value.field == "provinces.'gilgit baltistan'"
