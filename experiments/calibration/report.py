"""Write a calibration's tables, figures and Markdown report into its folder."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from experiments.calibration.pipeline import Calibration
from experiments.calibration.simulate import Problem
from experiments.observed.targets import Target

UNIT_PRIOR_SD = 1 / np.sqrt(12)


def write_tables(problem: Problem, result: Calibration, predictive: dict, folder: Path) -> None:
    names = [p.name for p in problem.priors]
    fitted = [t for t in problem.targets if t.kind != "derived"]
    screening = [
        {"parameter": n, "target": t.quantity, "mu_star": m, "sigma": s}
        for i, n in enumerate(names)
        for j, t in enumerate(fitted)
        for m, s in [(result.screening.mu_star[i, j], result.screening.sigma[i, j])]
    ]
    pd.DataFrame(screening).to_csv(folder / "screening.csv", index=False)
    pd.DataFrame(
        {
            "wave": range(len(result.waves)),
            "points": [len(w.points) for w in result.waves],
            "survivors": [int(w.survived.sum()) for w in result.waves],
            "volume_share": [w.volume_share for w in result.waves],
        }
    ).to_csv(folder / "waves.csv", index=False)
    pd.DataFrame(
        {
            "generation": range(len(result.generations)),
            "epsilon": [g.epsilon for g in result.generations],
            "proposed": [g.proposed for g in result.generations],
            "accepted": [len(g.particles) for g in result.generations],
            "acceptance_rate": [g.acceptance_rate for g in result.generations],
            "ess": [g.ess for g in result.generations],
        }
    ).to_csv(folder / "generations.csv", index=False)
    pd.DataFrame(result.posterior, columns=names).to_csv(folder / "posterior.csv", index=False)
    identifiability_table(problem, result).to_csv(folder / "parameters.csv", index=False)
    rows = []
    for kind, outputs in predictive.items():
        frame = pd.DataFrame(outputs, columns=[t.quantity for t in problem.targets])
        frame.insert(0, "draw", kind)
        rows.append(frame)
    pd.concat(rows).to_csv(folder / "predictive.csv", index=False)
    best = pd.DataFrame([result.best_fit], columns=names)
    best.to_csv(folder / "best_fit.csv", index=False)


def identifiability_table(problem: Problem, result: Calibration) -> pd.DataFrame:
    """Posterior summaries; sd ratio = posterior sd / prior sd on the prior's own scale."""
    unit = problem.unit(result.posterior)
    low, high = result.box
    box = problem.natural(np.vstack([low, high]))
    rows = []
    for i, prior in enumerate(problem.priors):
        values = result.posterior[:, i]
        ratio = unit[:, i].std(ddof=1) / UNIT_PRIOR_SD
        rows.append(
            {
                "parameter": prior.name,
                "prior": f"{prior.distribution}({prior.low:g}, {prior.high:g})",
                "best_fit": result.best_fit[i],
                "posterior_mean": values.mean(),
                "posterior_5%": np.quantile(values, 0.05),
                "posterior_95%": np.quantile(values, 0.95),
                "sd_ratio": ratio,
                "constrained": "yes" if ratio < 0.5 else ("partly" if ratio < 0.8 else "no"),
                "abc_box": f"[{box[0, i]:.4g}, {box[1, i]:.4g}]",
                "box_share": high[i] - low[i],
            }
        )
    return pd.DataFrame(rows)


def _history_matching_note(result: Calibration) -> list[str]:
    """What the waves found, in words: how many points met the cutoff, and what that means."""
    if not result.waves:
        return []
    found = ", ".join(
        f"{int(w.survived.sum())} of {len(w.points)} in wave {k + 1}"
        for k, w in enumerate(result.waves)
    )
    worst = " and ".join(f"{w.implausibility[w.kept].max():.1f}" for w in result.waves)
    return [
        "",
        f"History matching here: points within the cutoff, {found}. As few as that",
        "cannot outline a region: each next box was drawn around the least implausible tenth",
        f"of the points (implausibility up to {worst}), and the ABC-SMC drew from the last box",
        "(`abc_box`;",
        "`box_share`: its width as a share of the prior's, on the unit scale). `sd_ratio`",
        "compares the posterior with the whole prior, so part of what it shows as constrained",
        "is the box's doing, which the secondary targets helped to shape.",
    ]


# --- figures ------------------------------------------------------------------------------


def draw_figures(problem: Problem, result: Calibration, predictive: dict, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    _targets_figure(problem, predictive, folder / "targets.png")
    _marginals_figure(problem, result, folder / "marginals.png")
    _pairs_figure(problem, result, folder / "pairs.png")
    _abc_figure(result, folder / "abc_diagnostics.png")
    _waves_figure(result, folder / "history_matching.png")
    _screening_figure(problem, result, folder / "screening.png")


def _targets_figure(problem: Problem, predictive: dict, path: Path) -> None:
    targets = list(problem.targets)
    fig, axes = plt.subplots(1, len(targets), figsize=(2.1 * len(targets), 4))
    for ax, (j, target) in zip(np.atleast_1d(axes), enumerate(targets), strict=True):
        z = target.value
        if np.isfinite(target.observation_sd):
            sd = target.observation_sd
            ax.axhspan(z - 2 * sd, z + 2 * sd, color="grey", alpha=0.2, label="reported ±2 sd")
        ax.axhline(z, color="black", lw=1.5, label="reported")
        for k, (kind, outputs) in enumerate(predictive.items()):
            q5, q25, q50, q75, q95 = np.percentile(outputs[:, j], [5, 25, 50, 75, 95])
            ax.vlines(k, q5, q95, color=f"C{k}", lw=2)
            ax.vlines(k, q25, q75, color=f"C{k}", lw=6, label=kind)
            ax.plot(k, q50, "o", color="white", ms=3)
        ax.set_xlim(-0.8, len(predictive) - 0.2)
        ax.set_xticks([])
        ax.set_title(f"{target.quantity}\n({target.kind})", fontsize=8)
        ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 4))
    handles, labels = np.atleast_1d(axes)[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=8)
    fig.suptitle("Reported vs simulated: 50% (thick) and 90% (thin) predictive intervals")
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _marginals_figure(problem: Problem, result: Calibration, path: Path) -> None:
    d = problem.dimension
    cols = 3
    fig, axes = plt.subplots(int(np.ceil(d / cols)), cols, figsize=(10, 2.4 * np.ceil(d / cols)))
    for i, ax in enumerate(np.ravel(axes)):
        if i >= d:
            ax.axis("off")
            continue
        prior = problem.priors[i]
        edges = prior.from_unit(np.linspace(0, 1, 21))
        ax.hist(result.posterior[:, i], bins=edges, density=True, color="C0", alpha=0.7)
        width = np.diff(edges)
        ax.stairs(1 / (width * 20), edges, color="grey", ls="--", label="prior")
        ax.axvline(result.best_fit[i], color="C3", label="best fit")
        if prior.distribution == "loguniform":
            ax.set_xscale("log")
        ax.set_title(prior.name, fontsize=8)
        ax.set_yticks([])
    np.ravel(axes)[0].legend(fontsize=7)
    fig.suptitle("Posterior marginals (bars) over priors (dashed)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _pairs_figure(problem: Problem, result: Calibration, path: Path) -> None:
    unit = problem.unit(result.posterior)
    d = problem.dimension
    fig, axes = plt.subplots(d, d, figsize=(1.3 * d, 1.3 * d))
    for i in range(d):
        for j in range(d):
            ax = axes[i, j]
            ax.set_xticks([])
            ax.set_yticks([])
            if i == j:
                ax.hist(unit[:, i], bins=15, range=(0, 1), color="C0")
            elif i > j:
                ax.plot(unit[:, j], unit[:, i], ".", ms=1.5, alpha=0.5)
                ax.set_xlim(0, 1)
                ax.set_ylim(0, 1)
            else:
                ax.axis("off")
            if j == 0:
                ax.set_ylabel(str(i + 1), fontsize=7)
            if i == d - 1:
                ax.set_xlabel(str(j + 1), fontsize=7)
    legend = "\n".join(f"{i + 1}: {p.name}" for i, p in enumerate(problem.priors))
    fig.text(0.55, 0.95, legend, fontsize=7, va="top")
    fig.suptitle("Posterior pairs, on the priors' unit scale", x=0.3)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _abc_figure(result: Calibration, path: Path) -> None:
    gens = result.generations
    x = np.arange(len(gens))
    fig, axes = plt.subplots(1, 3, figsize=(10, 3))
    axes[0].plot(x[1:], [g.epsilon for g in gens[1:]], "o-")
    axes[0].set_title("tolerance epsilon")
    axes[1].plot(x, [g.acceptance_rate for g in gens], "o-")
    axes[1].set_title("acceptance rate")
    axes[2].plot(x, [g.ess for g in gens], "o-")
    axes[2].set_title("effective sample size")
    for ax in axes:
        ax.set_xlabel("generation")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _waves_figure(result: Calibration, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(5, 3.2))
    shares = [w.volume_share for w in result.waves]
    ax.bar(range(len(shares)), shares, color="C2")
    ax.set_yscale("log")
    ax.set_xlabel("history-matching wave")
    ax.set_ylabel("share of prior volume not ruled out")
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _screening_figure(problem: Problem, result: Calibration, path: Path) -> None:
    fitted = [t.quantity for t in problem.targets if t.kind != "derived"]
    mu = result.screening.mu_star
    fig, ax = plt.subplots(figsize=(8, 3.8))
    image = ax.imshow(mu / mu.max(axis=0, keepdims=True), cmap="viridis", aspect="auto")
    ax.set_yticks(range(problem.dimension), [p.name for p in problem.priors], fontsize=7)
    ax.set_xticks(range(len(fitted)), fitted, rotation=30, ha="right", fontsize=7)
    fig.colorbar(image, label="Morris mu* (share of the largest, per target)")
    ax.set_title("Screening: which parameters move which targets")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --- report -------------------------------------------------------------------------------


def write_report(problem: Problem, result: Calibration, predictive: dict, folder: Path) -> None:
    table = identifiability_table(problem, result)
    final = result.generations[-1]
    lines = [
        "# Calibration report",
        "",
        *_targets_paragraph(problem),
        "",
        "Method: Morris screening; history matching in waves on simulator runs (implausibility",
        "<= 3 over primary and secondary targets, with simulator variance and a model",
        f"discrepancy of {_discrepancies(problem.targets)} of each target's value (targets.csv);",
        "each wave's box drawn around its least implausible points); ABC-SMC inside",
        "the last box (each parameter perturbed by a Gaussian truncated to the box), its",
        "distance on the primary targets only (here its last generation: tolerance "
        f"{final.epsilon:.2f},",
        f"{len(final.particles)} particles, effective sample size {final.ess:.0f}); and a "
        "best-fit point by",
        "differential evolution with common random numbers on the level parameters (the others",
        "at their posterior median). The secondary targets are then checks: the table below",
        "shows how far the model meets them.",
        *_history_matching_note(result),
        "",
        "![targets](figures/targets.png)",
        "",
        "## Parameters",
        "",
        _markdown(table),
        "",
        "`sd_ratio` = posterior sd / prior sd on the prior's scale (uniform or log-uniform):",
        "below 0.5 the data constrain the parameter, above 0.8 they hardly do.",
        "",
        "![marginals](figures/marginals.png)",
        "",
        "![pairs](figures/pairs.png)",
        "",
        "## Targets",
        "",
        _markdown(_target_table(problem, predictive)),
        "",
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


KIND_ROLES = {
    "primary": "independent, fitted by every stage",
    "secondary": "soft: history matching rules regions out with them, the ABC-SMC does not",
    "derived": "follow from the primary ones: shown, not fitted",
}


def _targets_paragraph(problem: Problem) -> list[str]:
    """What the calibration was fitted to, from its targets table."""
    lines = []
    for kind, role in KIND_ROLES.items():
        targets = [t for t in problem.targets if t.kind == kind]
        if targets:
            lines += ["", f"`{kind}` targets ({role}):", ""]
            lines += [f"- {_describe(t)}" for t in targets]
    primaries = sum(t.kind == "primary" for t in problem.targets)
    return [
        "Targets (from the targets table, with their sources):",
        *lines,
        "",
        f"{primaries} independent numbers cannot identify {problem.dimension} parameters "
        f"({', '.join(f'`{p.name}`' for p in problem.priors)}): the table below says which ones",
        "the data pin down (posterior sd well below prior sd) and which they do not.",
    ]


def _describe(target: Target) -> str:
    value = f"{target.value:,.0f}" if target.value >= 100 else f"{target.value:g}"
    period = f"{target.period_start:%d %b %Y} to {target.period_end:%d %b %Y}"
    return f"`{target.quantity}` = {value} ({period}): {target.counts}; source: {target.source}"


def _discrepancies(targets: list[Target]) -> str:
    """The fitted targets' model discrepancy, as one share if they all have the same."""
    shares = [t.model_discrepancy for t in targets if t.kind != "derived"]
    low, high = min(shares), max(shares)
    return f"{low:.0%}" if low == high else f"{low:.0%} to {high:.0%}"


def _target_table(problem: Problem, predictive: dict) -> pd.DataFrame:
    rows = []
    for j, target in enumerate(problem.targets):
        row = {"target": target.quantity, "kind": target.kind, "reported": target.value}
        for kind, outputs in predictive.items():
            q5, q50, q95 = np.percentile(outputs[:, j], [5, 50, 95])
            row[f"{kind} median [90%]"] = f"{q50:.4g} [{q5:.4g}, {q95:.4g}]"
        rows.append(row)
    return pd.DataFrame(rows)


def _markdown(frame: pd.DataFrame) -> str:
    def cell(value) -> str:
        return f"{value:.4g}" if isinstance(value, float) else str(value)

    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])
