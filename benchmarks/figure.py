"""The benchmark figure: scaling with population, engine vs plain Mesa, sweep throughput."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

TARGET_SPEED_UP = 300  # the benchmark issue's target over plain Mesa at equal size


def draw(scaling: dict, plain: dict, sweep: dict, replicate: dict, path: Path) -> None:
    figure, (per_day, whole, throughput) = plt.subplots(1, 3, figsize=(15, 4.6))
    _per_day(per_day, scaling, plain)
    _whole_replicate(whole, plain)
    _throughput(throughput, sweep)
    info = replicate["machine"]
    figure.suptitle(
        f"One full-scale replicate: {replicate['seconds_median']:.3f} s, "
        f"peak RSS {replicate['process_peak_rss_mib']:.0f} MiB  |  {info['cores']} cores, "
        f"{info['machine']}, Python {info['python']}, Mesa {info['packages']['mesa']}, "
        f"{info['measured'][:10]}",
        fontsize=10,
    )
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)


def _per_day(axis, scaling: dict, plain: dict) -> None:
    persons = np.array([row["persons"] for row in scaling["sizes"]])
    seconds = np.array([row["seconds_per_day"] for row in scaling["sizes"]])
    axis.loglog(persons, seconds * 1e3, "o-", label="engine")
    plain_persons = [row["persons"] for row in plain["sizes"]]
    plain_seconds = [row["plain"]["seconds_per_day"] * 1e3 for row in plain["sizes"]]
    axis.loglog(plain_persons, plain_seconds, "s-", label="plain Mesa (agent per household)")
    # Linear growth for reference, through the engine's largest size.
    reference = seconds[-1] * 1e3 * persons / persons[-1]
    axis.loglog(persons, reference, ":", color="grey", label="linear (slope 1)")
    axis.set_title(f"time per simulated day (engine: slope {scaling['slope_per_day_all_sizes']})")
    axis.set_xlabel("persons")
    axis.set_ylabel("ms per day")
    axis.legend(fontsize=8)


def _whole_replicate(axis, plain: dict) -> None:
    """Both versions as timed side by side (the engine right after each plain run)."""
    rows = plain["sizes"]
    plain_persons = [row["persons"] for row in rows]
    engine_seconds = [row["engine"]["replicate_seconds"] for row in rows]
    axis.loglog(plain_persons, engine_seconds, "o-", label="engine")
    plain_seconds = [row["plain"]["replicate_seconds"] for row in rows]
    axis.loglog(plain_persons, plain_seconds, "s-", label="plain Mesa")
    target = [seconds / TARGET_SPEED_UP for seconds in plain_seconds]
    axis.loglog(plain_persons, target, "--", color="C1", label=f"plain Mesa / {TARGET_SPEED_UP}")
    axis.axhline(
        plain["mesa_floor"]["seconds"], color="grey", linestyle=":", label="an empty Mesa model"
    )
    for row in rows:
        axis.annotate(
            f"{row['speed_ratio']:,.0f}x",
            (row["persons"], row["plain"]["replicate_seconds"]),
            textcoords="offset points",
            xytext=(0, 7),
            ha="center",
            fontsize=8,
            bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"},
        )
    axis.set_title(f"one replicate, build + {plain['mesa_floor']['days']} days (labels: speed-up)")
    axis.set_xlabel("persons")
    axis.set_ylabel("seconds")
    axis.legend(fontsize=8, loc="lower right")


def _throughput(axis, sweep: dict) -> None:
    names = ["1 process", "2 processes", "Dask, 2 workers", "Dask, 2 workers,\nmalloc trim"]
    rates = [run["runs_per_minute"] for run in sweep["runs"]]
    bars = axis.bar(names[: len(rates)], rates, color=["C0", "C0", "C2", "C7"][: len(rates)])
    axis.bar_label(bars, fmt="%.0f", fontsize=9)
    same = "identical results" if sweep["identical_results"] else "RESULTS DIFFER"
    axis.set_title(f"sweep of full-scale replicates ({same})")
    axis.set_ylabel("runs per minute")
    axis.tick_params(axis="x", labelsize=8)
