"""A calibration's tables, and its Markdown report written from them alone.

`write_tables` saves what a calibration found as CSV files in its folder; `write_report`
reads the folder's files (and, when present, `crossvalidation.csv` from `ifrp crossvalidate`
and `answers.csv` from `ifrp answers`) and writes `report.md`, so that every command that adds
a table can rewrite the report without the calibration's saved state.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from experiments.calibration.pipeline import Calibration
from experiments.calibration.simulate import Problem
from experiments.core.inputs import read_frame, read_json
from experiments.observed.observation_model import relative_differences

UNIT_PRIOR_SD = 1 / np.sqrt(12)
QUANTILES = {"p5": 5, "p25": 25, "median": 50, "p75": 75, "p95": 95}


# --- tables -------------------------------------------------------------------------------


def write_tables(problem: Problem, result: Calibration, predictive: dict, folder: Path) -> None:
    names = list(problem.names)
    fitted = [o for o in problem.observations if o.use == "fit"]
    screening = [
        {"parameter": n, "observation": o.label, "mu_star": m, "sigma": s}
        for i, n in enumerate(names)
        for j, o in enumerate(fitted)
        for m, s in [(result.screening.mu_star[i, j], result.screening.sigma[i, j])]
    ]
    pd.DataFrame(screening).to_csv(folder / "screening.csv", index=False)
    waves_table(result).to_csv(folder / "waves.csv", index=False)
    generations_table(result).to_csv(folder / "generations.csv", index=False)
    pd.DataFrame(result.posterior, columns=names).to_csv(folder / "posterior.csv", index=False)
    identifiability_table(problem, result).to_csv(folder / "parameters.csv", index=False)
    fit_table(problem, predictive).to_csv(folder / "fit.csv", index=False)
    pd.DataFrame([result.best_fit], columns=names).to_csv(folder / "best_fit.csv", index=False)


def waves_table(result: Calibration) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "wave": range(len(result.waves)),
            "points": [len(w.points) for w in result.waves],
            "survivors": [int(w.survived.sum()) for w in result.waves],
            "kept": [int(w.kept.sum()) for w in result.waves],
            "kept_max_implausibility": [w.implausibility[w.kept].max() for w in result.waves],
            "volume_share": [w.volume_share for w in result.waves],
        }
    )


def generations_table(result: Calibration) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "generation": range(len(result.generations)),
            "epsilon": [g.epsilon for g in result.generations],
            "proposed": [g.proposed for g in result.generations],
            "accepted": [len(g.particles) for g in result.generations],
            "acceptance_rate": [g.acceptance_rate for g in result.generations],
            "ess": [g.ess for g in result.generations],
        }
    )


def identifiability_table(problem: Problem, result: Calibration) -> pd.DataFrame:
    """Posterior summaries. `sd_ratio`: posterior sd / the whole prior's sd; `box_sd_ratio`:
    posterior sd / the sd of a flat draw from the box the ABC-SMC drew from (both on the
    prior's unit scale), which says what the data did within the search."""
    unit = problem.unit(result.posterior)
    low, high = result.box
    searched_low, searched_high = (np.array(corner) for corner in problem.box)
    abc_box = problem.natural(np.vstack([low, high]))
    searched = problem.natural(np.vstack([searched_low, searched_high]))
    rows = []
    for i, prior in enumerate(problem.priors):
        values = result.posterior[:, i]
        sd = unit[:, i].std(ddof=1)
        box_ratio = sd / max((high[i] - low[i]) * UNIT_PRIOR_SD, 1e-12)
        rows.append(
            {
                "parameter": prior.name,
                "prior": f"{prior.distribution}({prior.low:g}, {prior.high:g})",
                "searched": f"[{searched[0, i]:.4g}, {searched[1, i]:.4g}]",
                "abc_box": f"[{abc_box[0, i]:.4g}, {abc_box[1, i]:.4g}]",
                "best_fit": result.best_fit[i],
                "posterior_mean": values.mean(),
                "posterior_5%": np.quantile(values, 0.05),
                "posterior_95%": np.quantile(values, 0.95),
                "sd_ratio": sd / UNIT_PRIOR_SD,
                "box_sd_ratio": box_ratio,
                "constrained": _constrained(box_ratio),
            }
        )
    return pd.DataFrame(rows)


def _constrained(ratio: float) -> str:
    return "yes" if ratio < 0.5 else ("partly" if ratio < 0.8 else "no")


def fit_table(problem: Problem, predictive: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per observation: what was observed, and the model's predictive quantiles at the
    best fit (replicates) and over the posterior (draws); `relative_difference` is that of the
    best fit's median (censored at bounds), a term of the averaged relative difference."""
    observations = list(problem.observations)
    best = predictive["best fit"]
    median = np.median(best, axis=0) if len(best) else np.full(len(observations), np.nan)
    differences = relative_differences(median, observations)[0]
    rows = []
    for j, o in enumerate(observations):
        row = {**o.describe(), "observation_sd": o.observation_sd}
        for kind, outputs in predictive.items():
            prefix = kind.replace(" ", "_")
            column = outputs[:, j]
            finite = column[np.isfinite(column)]
            for label, q in QUANTILES.items():
                row[f"{prefix}_{label}"] = np.percentile(finite, q) if len(finite) else np.nan
        row["relative_difference"] = differences[j]
        row["model_note"] = o.model_note
        rows.append(row)
    return pd.DataFrame(rows)


def series_scores(fit: pd.DataFrame) -> pd.DataFrame:
    """The averaged relative difference of each series' fitted rows (best fit's median)."""
    fitted = fit[(fit["use"] == "fit") & fit["relative_difference"].notna()]
    grouped = fitted.groupby("series", sort=False)["relative_difference"]
    return pd.DataFrame({"rows": grouped.size(), "in_sample_ard": grouped.mean()}).reset_index()


# --- report -------------------------------------------------------------------------------


def report_inputs(folder: Path) -> tuple[dict, dict[str, pd.DataFrame]]:
    """The manifest and tables report.md is written from. A command that ends by rewriting
    the report reads them before its runs, so that a folder ifrp calibrate did not write is
    refused at once (a ScenarioError naming the file), not after minutes of work."""
    manifest = read_json(folder / "manifest.json", "a calibration's manifest")
    tables = {
        name: read_frame(folder / f"{name}.csv", "a table written by ifrp calibrate")
        for name in REPORT_TABLES
    }
    return manifest, tables


REPORT_TABLES = ("fit", "parameters", "generations", "waves")


def write_report(folder: Path) -> None:
    """report.md from the folder's tables."""
    manifest, tables = report_inputs(folder)
    fit, parameters, generations, waves = (tables[name] for name in REPORT_TABLES)
    optional = {
        name: pd.read_csv(folder / f"{name}.csv")
        for name in ("crossvalidation", "answers")
        if (folder / f"{name}.csv").is_file()
    }
    lines = [
        "# Calibration report",
        "",
        *_fitted_paragraph(fit, parameters),
        "",
        *_method_paragraph(manifest, generations, waves),
        "",
        "![the course of the drive](figures/course.png)",
        "",
        "## How well it fits",
        "",
        *_scores_section(fit, optional.get("crossvalidation")),
        "",
        "### Headline figures",
        "",
        _markdown(_headline_table(fit)),
        "",
        "### Every observation",
        "",
        _markdown(_observation_table(fit)),
        "",
        *_misses_section(fit),
        "## Parameters",
        "",
        _markdown(parameters),
        "",
        *_identifiability_note(manifest),
        "",
        "![marginals](figures/marginals.png)",
        "",
        "![pairs](figures/pairs.png)",
        "",
        *_answers_section(optional.get("answers")),
        "## Diagnostics",
        "",
        "![screening](figures/screening.png)",
        "",
        "![history matching](figures/history_matching.png)",
        "",
        "![ABC](figures/abc_diagnostics.png)",
        "",
    ]
    (folder / "report.md").write_text("\n".join(lines), encoding="utf-8")


def _fitted_paragraph(fit: pd.DataFrame, parameters: pd.DataFrame) -> list[str]:
    used = fit[fit["use"] == "fit"]
    counts = used.groupby("series", sort=False).size()
    listed = "; ".join(f"`{series}` ({n})" for series, n in counts.items())
    checked = int((fit["use"] == "check").sum())
    return [
        f"Fitted to {len(used)} observations of {len(counts)} series ({listed}), from",
        "`observations.csv`, each with its source, URL and how the model reads it (the",
        f"observation model, ODD §4.11); {checked} more are compared but not fitted, each",
        f"with its reason. {len(parameters)} parameters are calibrated: the table under",
        "Parameters says which ones the data pin down and which they leave free.",
    ]


def _method_paragraph(manifest: dict, generations: pd.DataFrame, waves: pd.DataFrame) -> list[str]:
    last = generations.iloc[-1]
    found = ", ".join(
        f"{int(w.survivors)} of {int(w.points)} in wave {int(w.wave) + 1}"
        for w in waves.itertuples()
    )
    worst = " and ".join(f"{w.kept_max_implausibility:.1f}" for w in waves.itertuples())
    width = manifest.get("start_width", 1)
    start = manifest.get("start_file") or {}
    searched = (
        "the whole prior"
        if width >= 1
        else f"a box of {width:.0%} of each prior's width around the start point "
        f"`{start.get('file', '?')}` (a local search: the posterior holds within it)"
    )
    return [
        f"Method. The search covers {searched}. Morris screening; history matching in waves",
        "on simulator runs (implausibility <= 3 for every fitted observation, with its",
        "observation error and the simulator's replicate variance; here "
        f"{found} points within it; each next box drawn around the least implausible",
        f"tenth, implausibility up to {worst}); ABC-SMC inside the last box, with one",
        "distance over every fitted observation (the root mean square of errors in units of",
        "each observation's sd; a bound met counts as no error): last generation tolerance",
        f"{last.epsilon:.2f}, {int(last.accepted)} particles, effective sample size "
        f"{last.ess:.0f}; and a best-fit point by differential",
        "evolution with common random numbers on the level parameters, the others at their",
        "posterior median.",
    ]


def _scores_section(fit: pd.DataFrame, crossvalidation: pd.DataFrame | None) -> list[str]:
    scores = series_scores(fit)
    text = [
        "Averaged relative difference (ARD, Flee's validation metric: the mean of",
        "|simulated - observed| / observed over a series' fitted rows, a bound met counting",
        "as 0) of the best fit's median (20 replicates), in sample",
    ]
    if crossvalidation is not None:
        columns = ["series", "fold_budget_ard", "left_out_ard", "left_out_p5", "left_out_p95"]
        merged = scores.merge(crossvalidation[columns], on="series", how="left")
        text += [
            "and with the series left out of the calibration (`ifrp crossvalidate`: an ABC-SMC",
            "in the same searched box with a smaller budget, each series in turn out of the",
            "distance, then predicted by 40 draws of that posterior: the median prediction's",
            "ARD, and its 5-95% over the draws). `fold_budget_ard` is the same smaller search",
            "with nothing left out: the gap from it to `left_out_ard` is what leaving the",
            "series out costs, the gap from `in_sample_ard` what the smaller budget costs. The",
            "searched box is centred on a research fit made with every series, so the left-out",
            "predictions lean optimistic:",
        ]
        return [*text, "", _markdown(merged)]
    return [*text[:-1], text[-1] + ":", "", _markdown(scores)]


HEADLINE_SERIES = ("ministry", "arrests", "deportations")


def _headline_table(fit: pd.DataFrame) -> pd.DataFrame:
    rows = fit[fit["series"].isin(HEADLINE_SERIES) & (fit["use"] != "none")]
    observed = rows["observed"]
    return pd.DataFrame(
        {
            "series": rows["series"],
            "date": rows["date"],
            "place": rows["place"],
            "use": rows["use"],
            "observed": observed,
            "best fit (median)": rows["best_fit_median"],
            "difference": (rows["best_fit_median"] - observed) / observed,
            "posterior 90%": [
                f"{low:.4g} to {high:.4g}"
                for low, high in zip(rows["posterior_p5"], rows["posterior_p95"], strict=True)
            ],
        }
    )


def _observation_table(fit: pd.DataFrame) -> pd.DataFrame:
    rows = fit[fit["use"] != "none"]
    bound = rows["bound"].fillna("").map({"lower": "≥ ", "upper": "≤ "}).fillna("")
    return pd.DataFrame(
        {
            "line": rows["line"],
            "series": rows["series"],
            "date": rows["date"],
            "use": rows["use"],
            "observed": bound + rows["observed"].map(lambda v: f"{v:.4g}"),
            "best fit": rows["best_fit_median"],
            "posterior 50%": _interval(rows, "p25", "p75"),
            "posterior 90%": _interval(rows, "p5", "p95"),
            "rel. difference": rows["relative_difference"],
        }
    )


def _interval(rows: pd.DataFrame, low: str, high: str) -> list[str]:
    pairs = zip(rows[f"posterior_{low}"], rows[f"posterior_{high}"], strict=True)
    return [f"{a:.4g} to {b:.4g}" for a, b in pairs]


def _misses_section(fit: pd.DataFrame) -> list[str]:
    """Fitted rows outside the posterior's 90% interval, and the rows compared but not
    fitted, each with what the observation model says of it."""
    rows = fit[fit["use"] != "none"]
    bound = rows["bound"].fillna("")
    below = rows["observed"] > rows["posterior_p95"]
    above = rows["observed"] < rows["posterior_p5"]
    missed = (below & (bound != "upper")) | (above & (bound != "lower"))
    lines = ["### Not met, and not fitted", ""]
    for row in rows[missed | (rows["use"] == "check")].itertuples():
        verdict = "not met (outside the posterior's 90%)" if missed[row.Index] else "met"
        if row.use == "check":
            verdict = f"not fitted, {verdict}"
        lines.append(f"- line {row.line}, `{row.series}` {row.date} ({verdict}): {row.model_note}")
    return [*lines, ""]


def _identifiability_note(manifest: dict) -> list[str]:
    return [
        "`sd_ratio`: posterior sd over the whole prior's; `box_sd_ratio`: over a flat draw",
        "from the box the ABC-SMC drew from (`abc_box`). `constrained` reads `box_sd_ratio`:",
        "below 0.5 the data pin the parameter down within the search, above 0.8 they hardly",
        "do, and its posterior then fills the box"
        + (
            ": the scenario answers hold within the searched box."
            if manifest.get("start_width", 1) < 1
            else "."
        ),
    ]


def _answers_section(answers: pd.DataFrame | None) -> list[str]:
    if answers is None:
        return []
    return [
        "## The scenario answers",
        "",
        "Every library scenario against its reference, each pair of replicates run with the",
        "same posterior draw and seed (`ifrp answers`): a 2023 scenario against the baseline,",
        "on the undocumented's departures (all routes, from `count_start`) and deportations by",
        "2 January 2024; a scenario of the later phases against `drive_2023_2025`, on every",
        "status's by 31 December 2025. The paired difference's median, its 5-95% range over",
        "the draws, and the share of draws with the median's sign. Scenarios that give their",
        "reference's outputs in every pair are left out (the command says which).",
        "",
        _markdown(answers),
        "",
    ]


def _markdown(frame: pd.DataFrame) -> str:
    def cell(value) -> str:
        if isinstance(value, float):
            return "" if np.isnan(value) else f"{value:.4g}"
        return str(value).replace("|", "/")

    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])
