"""Find a scenario by name (a file in experiments/scenarios/) or by path to a TOML file.

Every scenario applies over the calibrated baseline: the defaults in model/data/ plus the
adopted calibration's best fit (`experiments.core.calibrated`).
"""

from __future__ import annotations

import difflib
from pathlib import Path

from experiments.core.calibrated import calibrated_base
from model.scenario import Scenario, ScenarioError, load_scenario

SCENARIO_DIR = Path(__file__).resolve().parents[1] / "scenarios"


def available() -> list[str]:
    return sorted(path.stem for path in SCENARIO_DIR.glob("*.toml"))


def resolve(name_or_path: str, base: Scenario | None = None) -> Scenario:
    """Load a named scenario, or a .toml file, over `base` (default: the calibrated baseline).

    A misspelt name lists the available ones.
    """
    base = base if base is not None else calibrated_base()
    if name_or_path.endswith(".toml") or Path(name_or_path).is_file():
        return load_scenario(name_or_path, base=base)
    # A name is looked up in SCENARIO_DIR only: "../x" must not reach a file outside it.
    plain = Path(name_or_path).name == name_or_path and not name_or_path.startswith(".")
    path = SCENARIO_DIR / f"{name_or_path}.toml"
    if not plain or not path.is_file():
        names = available()
        close = difflib.get_close_matches(name_or_path, names, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ScenarioError(
            name_or_path,
            "(scenario)",
            f"no such scenario; {hint}give a name or a path to a .toml file",
            ", ".join(names),
        )
    return load_scenario(path, name_or_path, base=base)
