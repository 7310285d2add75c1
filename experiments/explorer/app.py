"""The policy explorer: move a control, and the whole 1.7-million-person drive is recomputed.

Served by `ifrp explore` (Solara). Each browser tab has its own controls (`solara.reactive`
state is per session); the reference run (the calibrated baseline, or the drive to 2025 for a
scenario on its timeline: `controls.reference_for`) runs once per (reference, replicates, seed)
and is shared.
The logic lives in `controls`, `outcome`, `views` and `experiments.core.scenario_file`; this file
only lays out widgets and wires them to that logic.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from pathlib import Path

import solara
import solara.lab

from experiments.core import library as scenarios
from experiments.core.executors import Execution, available_cores, process_pool
from experiments.core.outputs import write_atomic
from experiments.core.plotting import ROUTE_LABELS
from experiments.core.scenario_file import scenario_toml
from experiments.explorer import controls as ctl
from experiments.explorer import views
from experiments.explorer.outcome import HEADLINE, Outcome, differences, results_archive, simulate
from model.scenario import Scenario
from model.schema import ScenarioError

# Replicates from which the pool pays (measured with a warm pool: 1 replicate 0.12 s here,
# 0.15 s there; 2 replicates 0.34 s here, 0.18 s there).
PARALLEL_FROM = 2
SAVE_NAME = "explorer_scenario.toml"
HEADLINE_LABELS = {
    **ROUTE_LABELS,
    "total": "Departures, total",
    "deported": "Deported",
    "arrested": "Arrested",
    "peak_queue": "Peak queue at a crossing",
    "remaining": "Undocumented remaining",
}

controls = solara.reactive(ctl.controls_for("baseline"))
saved_message = solara.reactive("")
# Read when "Save scenario" is clicked, not captured by the button's handler when it was drawn:
# a path typed just before the click is the one used.
save_path = solara.reactive(SAVE_NAME)


@lru_cache(maxsize=1)
def _pool() -> Execution:
    """One pool for every tab, started on first use."""
    cores = available_cores()
    pool, method = process_pool(cores)
    return Execution(pool, 2 * cores, f"on local processes ({cores} workers, {method})")


_reference_lock = threading.Lock()


@lru_cache(maxsize=8)
def _reference(name: str, replicates: int, seed: int) -> Outcome:
    return simulate(ctl.library(name), replicates, seed, _executor(replicates))


def _executor(replicates: int) -> Execution | None:
    return _pool() if replicates >= PARALLEL_FROM else None


@dataclass(eq=False)  # compared by identity: a new computation is a new value
class Computed:
    outcome: Outcome
    baseline: Outcome
    differences: object  # the headline table (pandas DataFrame)


def validate(current: ctl.Controls):
    """(scenario, None) or (None, error): the controls checked as `ifrp run` would."""
    try:
        return ctl.scenario_for(current), None
    except ScenarioError as error:
        return None, error


def compute(
    scenario: Scenario, current: ctl.Controls, progress: solara.Reactive[float]
) -> Computed:
    """Run the scenario the controls describe, and its reference with the same seeds."""
    reference = ctl.reference_for(current.starting_point)
    with _reference_lock:
        baseline = _reference(reference, current.replicates, current.seed)

    def advance(done: int, total: int) -> None:
        if total > 1:  # one replicate: the bar runs indeterminate, saving a page update
            progress.set(done / total)

    outcome = simulate(
        scenario, current.replicates, current.seed, _executor(current.replicates), advance
    )
    return Computed(outcome, baseline, differences(outcome, baseline))


@solara.component
def ControlError(error: ScenarioError | None, control: str):
    if error is not None and ctl.control_of(error) == control:
        solara.Error(f"{error}", dense=True, classes=["control-error"])


@solara.component
def DateInput(label: str, value: date, on_value):
    solara.lab.InputDate(value, on_value=on_value, label=label, date_format="%Y-%m-%d")


@solara.component
def PolicyControls(current: ctl.Controls, error: ScenarioError | None):
    phase = current.phase1
    solara.Markdown("**Phase 1: undocumented foreigners**")
    DateInput(
        "Announcement",
        phase.announcement,
        lambda day: controls.set(current.but(phase1=replace(phase, announcement=day))),
    )
    DateInput("Deadline", phase.deadline, lambda day: controls.set(current.with_deadline(day)))
    solara.Checkbox(
        label="Enforcement starts the day after the deadline",
        value=current.enforcement_follows,
        on_value=lambda value: controls.set(current.but(enforcement_follows=value)),
    )
    if not current.enforcement_follows:
        DateInput(
            "Enforcement starts",
            phase.enforcement_start,
            lambda day: controls.set(current.but(phase1=replace(phase, enforcement_start=day))),
        )
    ControlError(error, "phase1")


@lru_cache(maxsize=1)
def _display_names() -> dict[str, str]:
    """Provinces' and crossings' names as the data tables give them, by identifier."""
    base = ctl.calibrated()
    return {item.id: item.name for item in (*base.provinces, *base.checkpoints)}


@solara.component
def ValuesByName(current: ctl.Controls, field: str):
    """One number box per entry of a by-province or by-crossing control."""
    values: dict[str, float] = getattr(current, field)
    for ident, value in values.items():
        solara.InputFloat(
            _display_names().get(ident, ident),
            value=value,
            continuous_update=False,
            on_value=lambda new, key=ident: controls.set(
                current.but(**{field: {**values, key: new}})
            ),
        )


@solara.component
def Toggle(current: ctl.Controls, field: str, label: str):
    """A switch for a yes/no control."""
    solara.Switch(
        label=label,
        value=getattr(current, field),
        on_value=lambda value: controls.set(current.but(**{field: value})),
    )


@solara.component
def EnforcementControls(current: ctl.Controls, error: ScenarioError | None):
    solara.SliderFloat(
        "Arrest intensity (x calibrated)",
        value=current.arrest_intensity,
        min=0.0,
        max=5.0,
        step=0.1,
        on_value=lambda value: controls.set(current.but(arrest_intensity=value)),
        thumb_label="always",
    )
    ControlError(error, "arrest_intensity")
    with solara.Details("Enforcement factor by province"):
        ValuesByName(current, "enforcement_factors")
    ControlError(error, "enforcement_factors")


@solara.component
def CrossingControls(current: ctl.Controls, error: ScenarioError | None):
    when = ctl.torkham_change(ctl.calibrated())
    tripled = f" on {when:%d %b %Y}" if when else ""
    Toggle(current, "torkham_tripled", f"Torkham's processing tripled{tripled}")
    ControlError(error, "torkham_tripled")
    with solara.Details("Capacity per hour by crossing"):
        ValuesByName(current, "capacity_per_hour")
    ControlError(error, "capacity_per_hour")
    switch = current.closure
    closure = switch.closure

    def set_closure(**changes) -> None:
        changed = replace(switch, closure=replace(closure, **changes))
        controls.set(current.but(closure=changed))

    solara.Switch(
        label="Close a crossing for a while",
        value=switch.enabled,
        on_value=lambda value: controls.set(current.but(closure=replace(switch, enabled=value))),
    )
    if switch.enabled:
        solara.Select(
            "Crossing",
            value=closure.checkpoint,
            values=list(current.capacity_per_hour),
            on_value=lambda value: set_closure(checkpoint=value),
        )
        DateInput("Closed from", closure.start, lambda day: set_closure(start=day))
        DateInput("Closed until", closure.end, lambda day: set_closure(end=day))
    ControlError(error, "closure")


@solara.component
def CardHolderControls(current: ctl.Controls, error: ScenarioError | None, status: str, title: str):
    holders: ctl.CardHolders = getattr(current, status)

    def set_holders(**changes) -> None:
        controls.set(current.but(**{status: replace(holders, **changes)}))

    def set_phase(**changes) -> None:
        set_holders(phase=replace(holders.phase, **changes))

    solara.Switch(label=title, value=holders.targeted, on_value=lambda v: set_holders(targeted=v))
    if holders.targeted:
        solara.InputInt(
            f"{status.upper()} holders (persons)",
            value=holders.persons,
            continuous_update=False,
            on_value=lambda value: set_holders(persons=value),
        )
        label = status.upper()
        DateInput(
            f"{label} announcement", holders.phase.announcement, lambda d: set_phase(announcement=d)
        )
        DateInput(f"{label} deadline", holders.phase.deadline, lambda d: set_phase(deadline=d))
        DateInput(
            f"{label} enforcement starts",
            holders.phase.enforcement_start,
            lambda d: set_phase(enforcement_start=d),
        )
    ControlError(error, status)


@solara.component
def ExemptionControls(current: ctl.Controls, error: ScenarioError | None):
    Toggle(current, "letters_honoured", "US protection letters honoured")
    CardHolderControls(current, error, "acc", "Phase 2: ACC holders targeted")
    CardHolderControls(current, error, "por", "Phase 3: PoR holders targeted")


@solara.component
def RunControls(current: ctl.Controls, error: ScenarioError | None):
    for field, label in (("replicates", "Replicates"), ("seed", "Seed")):
        solara.InputInt(
            label,
            value=getattr(current, field),
            continuous_update=False,
            on_value=lambda value, field=field: controls.set(current.but(**{field: value})),
        )
        ControlError(error, field)


@solara.component
def SaveControls(current: ctl.Controls, scenario: Scenario | None, outcome: Outcome | None):
    path = save_path.value
    if scenario is None:
        return
    text = scenario_toml(scenario, ctl.calibrated(), _header(current))

    def save() -> None:
        target = Path(save_path.value).expanduser()
        try:
            write_atomic(target, text)
        except OSError as problem:
            saved_message.set(f"could not save {target}: {problem}")
            return
        saved_message.set(
            f"Saved {target}. Reproduce: ifrp run {target} "
            f"--replicates {current.replicates} --seed {current.seed}"
        )

    solara.InputText("Scenario file", value=save_path, continuous_update=True)
    with solara.Row():
        solara.Button("Save scenario", on_click=save, classes=["save-scenario"])
        solara.FileDownload(text, filename=Path(path).name or SAVE_NAME, label="Download scenario")
    if outcome is not None:
        solara.FileDownload(
            lambda: results_archive(outcome, text, Path(path).name or SAVE_NAME),
            filename="ifrp-explorer-results.zip",
            label="Download results",
        )
    if saved_message.value:
        solara.Info(saved_message.value, classes=["saved-message"])


def _header(current: ctl.Controls) -> str:
    return (
        f"Saved from the ifrp explorer (starting point: {current.starting_point}), "
        f"{date.today().isoformat()}.\n"
        "Applied over the calibrated baseline by `ifrp run FILE`; the explorer's curves are\n"
        f"those of `ifrp run FILE --replicates {current.replicates} --seed {current.seed}`."
    )


@solara.component
def HeadlineTable(outcome: Outcome, table):
    replicates = len(outcome.results)
    lines = [
        f"| {replicates} replicate(s), persons | baseline | scenario | difference (90% CI) |",
        "|---|---:|---:|---:|",
    ]
    for name in HEADLINE:
        row = table.loc[name]
        interval = ""
        if replicates > 1:
            interval = f" ({row.difference_ci90_low:+,.0f} to {row.difference_ci90_high:+,.0f})"
        lines.append(
            f"| {HEADLINE_LABELS[name]} | {row.reference_mean:,.0f} | {row['mean']:,.0f} "
            f"| {row.difference:+,.0f}{interval} |"
        )
    with solara.Column(classes=["headline"]):
        solara.Markdown("\n".join(lines))


@solara.component
def Results(
    result: Computed | None,
    running: bool,
    progress: float,
    replicates: int,
    persons: int | None,
):
    tab, set_tab = solara.use_state(0)
    others = [name for name in views.VIEWS if name != "Cumulative departures"]
    # Drawn once per computation (and tab), not on every render of the page.
    main = solara.use_memo(
        lambda: result and views.cumulative_departures(result.outcome, result.baseline),
        dependencies=[result],
    )
    chosen = solara.use_memo(
        lambda: result and views.VIEWS[others[tab]](result.outcome, result.baseline),
        dependencies=[result, tab],
    )
    # Children that come and go sit inside a container that stays, so that the figures after
    # it keep their place in the tree, and with it their memoised images.
    with solara.Column(style={"min-height": "36px"}):
        if running:
            solara.ProgressLinear(progress if progress > 0 else True)
            scale = f" at full scale ({persons:,} persons)" if persons else ""
            solara.Text(f"Running {replicates} replicate(s){scale}…")
    if result is None:
        return
    with solara.Column(classes=["cumulative-figure"]):
        solara.FigureMatplotlib(main, dependencies=[result], format="png", dpi=90)
    HeadlineTable(result.outcome, result.differences)
    with solara.lab.Tabs(value=tab, on_value=set_tab):
        for name in others:
            solara.lab.Tab(name)
    solara.FigureMatplotlib(chosen, dependencies=[result, tab], format="png", dpi=90)


@solara.component
def Page():
    current = controls.value
    scenario, error = solara.use_memo(lambda: validate(current), dependencies=[current])
    progress = solara.use_reactive(0.0)
    last = solara.use_ref(None)  # the latest finished computation, shown while the next runs

    def work() -> Computed | None:
        if scenario is None:
            return None
        progress.set(0.0)
        return compute(scenario, current, progress)

    # intrusive_cancel=False: no trace function in the run's thread, which would check for
    # cancellation at every line of Python the model runs.
    task = solara.use_thread(work, dependencies=[current], intrusive_cancel=False)
    running = task.state == solara.ResultState.RUNNING
    if task.state == solara.ResultState.FINISHED and task.value is not None:
        last.current = task.value
    shown = last.current

    solara.Title("ifrp explorer")
    timeline = ctl.library(current.starting_point).timeline
    reference = ctl.reference_for(current.starting_point)
    with solara.Columns([4, 8]):
        with solara.Column(classes=["controls"]):
            Controls(current, scenario, error, shown)
        with solara.Column(style={"max-width": "960px"}):
            solara.Markdown(
                f"### Illegal Foreigners Repatriation Plan, {timeline.start:%Y}–"
                f"{timeline.end:%y}\n"
                "Every change recomputes the drive at full scale; grey dashes: "
                f"{views.reference_label(reference)} with the same seeds."
            )
            with solara.Column():
                if error is not None:
                    solara.Error(f"Not run: {error}", classes=["run-error"])
                if task.state == solara.ResultState.ERROR:
                    solara.Error(f"The run failed: {task.error}")
            persons = scenario.population.total if scenario is not None else None
            Results(shown, running, progress.value, current.replicates, persons)


@solara.component
def Controls(
    current: ctl.Controls,
    scenario: Scenario | None,
    error: ScenarioError | None,
    last: Computed | None,
):
    solara.Select(
        "Start from scenario",
        value=current.starting_point,
        values=scenarios.available(),
        on_value=lambda name: controls.set(
            ctl.controls_for(name, current.replicates, current.seed)
        ),
    )
    with solara.Details("Deadline and announcement", expand=True):
        PolicyControls(current, error)
    with solara.Details("Enforcement"):
        EnforcementControls(current, error)
    with solara.Details("Crossings"):
        CrossingControls(current, error)
    with solara.Details("Exemptions"):
        ExemptionControls(current, error)
    with solara.Details("Replicates and seed"):
        RunControls(current, error)
    with solara.Details("Save", expand=True):
        SaveControls(current, scenario, last.outcome if last else None)
