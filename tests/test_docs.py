"""Keep docs/ODD.md and docs/parameters.md in step with the code and the data tables.

parameters.md's tables are generated from model/data/ and model.schema (`make docs`), and must be
current. ODD.md must name every process by an importable dotted path
(`model.module.Class.method`), and every such path it names must exist.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import re
import shutil
from pathlib import Path

import pytest

from experiments.core import parameter_docs
from model import rules
from model.checkpoint import Checkpoint
from model.defaults import DATA_DIR
from model.enforcement import ProvincialEnforcement
from model.model import RepatriationModel
from model.schema import TABLE_FIELDS, TABLE_KEYS

ROOT = Path(__file__).resolve().parent.parent
ODD = ROOT / "docs" / "ODD.md"
PARAMETERS = ROOT / "docs" / "parameters.md"
# The processes the ODD must describe, whatever else the classes grow.
PROCESSES = (
    "model.model.RepatriationModel.step",
    "model.model.RepatriationModel.decide_departures",
    "model.model.RepatriationModel.leave_home",
    "model.model.RepatriationModel.detain",
    "model.model.RepatriationModel.deport",
    "model.model.RepatriationModel.arrive",
    "model.model.RepatriationModel.cross",
    "model.enforcement.ProvincialEnforcement.step",
    "model.enforcement.ProvincialEnforcement.arrest",
    "model.enforcement.ProvincialEnforcement.hand_over_for_deportation",
    "model.checkpoint.Checkpoint.step",
    "model.checkpoint.Checkpoint.admit",
)
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
SPAN = re.compile(r"`([^`\n]+)`")
DOTTED = re.compile(r"^(model|experiments)(\.[A-Za-z_]\w*)+$")


# --- helpers ---------------------------------------------------------------------------------


def backticked(text: str) -> set[str]:
    """Inline code spans outside fenced code blocks."""
    return set(SPAN.findall(FENCE.sub("", text)))


def dotted_paths(text: str, prefix: str) -> set[str]:
    return {span for span in backticked(text) if DOTTED.match(span) and span.startswith(prefix)}


def resolve(path: str) -> object:
    """Import the longest importable module prefix of `path`, then follow attributes."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            obj = getattr(obj, attribute)
        return obj
    raise ModuleNotFoundError(path)


def defined_in_source(path: str) -> bool:
    """Whether `package.module.Name[.member]` is defined in the module's source (no import)."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        file = ROOT.joinpath(*parts[:cut]).with_suffix(".py")
        if file.is_file():
            break
    else:
        return False
    body = ast.parse(file.read_text(encoding="utf-8")).body
    for name in parts[cut:]:
        found = None
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name == name:
                found = node
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                    found = node
        if found is None:
            return False
        body = getattr(found, "body", [])
    return True


def own_public_methods(cls: type) -> list[str]:
    return [
        f"{cls.__module__}.{cls.__qualname__}.{name}"
        for name, member in vars(cls).items()
        if not name.startswith("_") and inspect.isfunction(member)
    ]


def public_rules() -> list[str]:
    return [
        f"model.rules.{name}"
        for name, function in inspect.getmembers(rules, inspect.isfunction)
        if function.__module__ == rules.__name__ and not name.startswith("_")
    ]


PARAMETERS_TEXT = PARAMETERS.read_text(encoding="utf-8")
ODD_TEXT = ODD.read_text(encoding="utf-8")


# --- (a) parameters.md: generated tables, current ---------------------------------------------


def test_parameters_md_is_current() -> None:
    assert parameter_docs.render(PARAMETERS_TEXT) == PARAMETERS_TEXT, (
        f"docs/parameters.md is out of date: run {parameter_docs.COMMAND}"
    )


def test_a_stale_table_is_rewritten() -> None:
    stale = PARAMETERS_TEXT.replace(
        "| `timeline.end` | 2024-01-02 |", "| `timeline.end` | 2024-01-03 |"
    )
    assert stale != PARAMETERS_TEXT
    assert parameter_docs.render(stale) == PARAMETERS_TEXT


def test_the_tables_follow_the_data(tmp_path: Path) -> None:
    data = shutil.copytree(DATA_DIR, tmp_path / "data")
    rows = (data / "routes.csv").read_text(encoding="utf-8")
    (data / "routes.csv").write_text(rows.replace(",1,3,assumption", ",1,4,assumption"), "utf-8")
    rendered = parameter_docs.render(PARAMETERS_TEXT, data)
    assert "| `khyber_pakhtunkhwa` | `angoor_adda` | 0.04 | 1 | 4 | assumption |" in rendered


@pytest.mark.parametrize(
    ("marker", "problem"),
    [
        ("<!-- generated: parameters.csv -->", "exactly one marker"),  # dropped
        ("<!-- generated: no_such.csv rows -->", "name no generated table"),
    ],
)
def test_markers_must_match_the_generated_tables(marker: str, problem: str) -> None:
    if marker in PARAMETERS_TEXT:
        page = PARAMETERS_TEXT.replace(marker, "<!-- dropped -->")
    else:
        page = PARAMETERS_TEXT + f"\n{marker}\n<!-- end generated -->\n"
    with pytest.raises(ValueError, match=problem):
        parameter_docs.render(page)


def test_every_declared_column_has_a_meaning() -> None:
    blank = [
        f"{table}.{name}"
        for table in TABLE_FIELDS
        for group in (TABLE_KEYS.get(table, {}), TABLE_FIELDS[table])
        for name, spec in group.items()
        if not spec.meaning
    ]
    assert not blank, f"declare a meaning (model.schema) for {blank}"


def test_parameters_md_states_calibration_status() -> None:
    head = PARAMETERS_TEXT[:1500].lower()
    assert "set by hand" in head and "facts.md" in head and "assumption" in head


# --- (c) every dotted path in the ODD exists -------------------------------------------------


def test_model_paths_in_odd_resolve() -> None:
    paths = dotted_paths(ODD_TEXT, "model.")
    assert len(paths) >= 40, f"only {len(paths)} `model.…` paths found in ODD.md"
    broken = []
    for path in sorted(paths):
        try:
            resolve(path)
        except (ImportError, AttributeError) as error:
            broken.append(f"{path} ({type(error).__name__}: {error})")
    assert not broken, "ODD.md names paths that do not exist:\n" + "\n".join(broken)


def test_experiments_paths_in_odd_exist() -> None:
    broken = [p for p in sorted(dotted_paths(ODD_TEXT, "experiments.")) if not defined_in_source(p)]
    assert not broken, f"ODD.md names experiments paths that do not exist: {broken}"


def test_path_checks_can_fail() -> None:
    with pytest.raises(AttributeError):
        resolve("model.rules.no_such_rule")
    with pytest.raises(ModuleNotFoundError):
        resolve("no_such_package.module")
    assert not defined_in_source("experiments.core.tables.no_such_table")
    assert defined_in_source("experiments.core.tables.summary_table")


# --- (d) every process is named in the ODD ---------------------------------------------------


def test_processes_named_in_odd() -> None:
    named = dotted_paths(ODD_TEXT, "model.")
    required = [
        *PROCESSES,
        *own_public_methods(RepatriationModel),
        *own_public_methods(Checkpoint),
        *own_public_methods(ProvincialEnforcement),
        *public_rules(),
    ]
    assert len(public_rules()) >= 8
    missing = sorted(set(required) - named)
    assert not missing, "ODD.md does not name (as `model.…` paths): " + ", ".join(missing)


def test_odd_has_the_protocol_sections() -> None:
    headings = [line for line in ODD_TEXT.splitlines() if line.startswith("## ")]
    for number, title in enumerate(
        (
            "Purpose and patterns",
            "Entities, state variables and scales",
            "Process overview and scheduling",
            "Design concepts",
            "Initialisation",
            "Input data",
            "Submodels",
        ),
        start=1,
    ):
        assert any(h.startswith(f"## {number}. {title}") for h in headings), title


def test_citation_matches_the_package() -> None:
    """CITATION.cff (GitHub's "Cite this repository") names the version and licence released."""
    import tomllib

    import yaml

    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert citation["cff-version"] == "1.2.0"
    assert str(citation["version"]) == project["version"]
    assert citation["license"] == project["license"]
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith(f"{project['license']} License")


def readme_commands() -> list[tuple[int, str]]:
    """Every command line of the README's shell blocks, without its comment: (line, text)."""
    commands, shell = [], False
    for number, line in enumerate((ROOT / "README.md").read_text().splitlines(), 1):
        if line.startswith("```"):
            shell = not shell and line[3:] in ("sh", "bash")
            continue
        command = re.split(r"\s+#", line)[0].strip()
        if shell and command:
            commands.append((number, command))
    return commands


def test_every_command_in_the_readme_exists_with_its_options(capsys):
    """A README command a user copies: `ifrp` ones parse (options and values as written, files
    not opened), `make` targets exist, `python -m` modules import."""
    from experiments.cli import build_parser

    targets = set(re.findall(r"^([a-z-]+):", (ROOT / "Makefile").read_text(), re.M))
    checked = 0
    for number, command in readme_commands():
        words = command.split()
        if words[0] in ("ifrp", ".venv/bin/ifrp") and "--help" not in words:
            try:
                build_parser().parse_args(words[1:])
            except SystemExit:
                pytest.fail(f"README line {number}: {command}: {capsys.readouterr().err}")
        elif words[0] == "make":
            assert words[1] in targets, f"README line {number}: no make target {words[1]!r}"
        elif words[:2] == ["python", "-m"]:
            assert importlib.util.find_spec(words[2]), f"README line {number}: {words[2]}"
        else:
            continue
        checked += 1
    assert checked >= 25, checked  # the blocks were found


def requirement_name(requirement: str) -> str:
    """`mesa[network]==3.5.*` -> `mesa`: the distribution a requirement names, normalised."""
    return re.split(r"[\[<>=!~ ;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_installs_what_pyproject_declares() -> None:
    """Conda users get every dependency of the package and of its test and viz extras."""
    import tomllib

    import yaml

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    declared = [*project["dependencies"], *extras["test"], *extras["viz"]]
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = [entry for entry in environment["dependencies"] if isinstance(entry, str)]
    pip = next(entry["pip"] for entry in environment["dependencies"] if isinstance(entry, dict))
    installed = {requirement_name(entry.split("=")[0]) for entry in conda}
    for line in pip:
        if line.startswith("-e ."):  # the project itself, with the extras in its brackets
            for extra in re.findall(r"\[(.*)\]", line)[0].split(","):
                installed |= {requirement_name(r) for r in extras[extra.strip()]}
        else:
            installed.add(requirement_name(line))
    missing = sorted({requirement_name(r) for r in declared} - installed)
    assert not missing, f"environment.yml lacks {missing}"


def test_every_committed_result_folder_carries_its_manifest() -> None:
    """results/ holds reference results; each folder says which command and commit made it."""
    folders = sorted({path.parent for path in (ROOT / "results").glob("*/*") if path.is_file()})
    assert {folder.name for folder in folders} >= {"benchmarks", "calibration", "forecast"}
    for folder in folders:
        manifest = folder / "manifest.json"
        assert manifest.is_file(), f"{folder.relative_to(ROOT)} has no manifest.json"
        text = manifest.read_text(encoding="utf-8")
        assert re.search(r'"commit": "[0-9a-f]{40}"', text), f"{manifest}: no commit recorded"


def scenario_examples() -> list[tuple[str, int, str]]:
    """The ```toml blocks of README.md and docs/ODD.md that are scenarios (not sweep files):
    (document, line of the block, text)."""
    examples = []
    for path in (ROOT / "README.md", ODD):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"^```toml\n(.*?)^```", text, re.DOTALL | re.MULTILINE):
            block = match.group(1)
            if not re.search(r"^(design|\[\[levers\]\])", block, re.MULTILINE):
                examples.append((path.name, text.count("\n", 0, match.start()) + 1, block))
    return examples


@pytest.mark.parametrize("document, line, block", scenario_examples())
def test_every_scenario_example_in_the_documents_loads(document, line, block, tmp_path) -> None:
    from model.scenario import load_scenario

    path = tmp_path / f"{document}-{line}.toml"
    path.write_text(block, encoding="utf-8")
    load_scenario(path)  # a ScenarioError names the field and what is allowed


def test_the_examples_are_found() -> None:
    assert [(document, block.count("\n") > 3) for document, _, block in scenario_examples()] == [
        ("README.md", True),
        ("README.md", True),
        ("ODD.md", True),
    ]
