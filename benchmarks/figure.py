"""The benchmark figure: scaling with population, engine vs plain Mesa, sweep throughput."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def draw(scaling: dict, plain: dict, sweep: dict, replicate: dict, path: Path) -> None:
    figure, (per_day, whole, throughput) = plt.subplots(1, 3, figsize=(15, 4.6))
    _per_day(per_day, scaling, plain)
    _whole_replicate(whole, scaling, plain)
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


def _whole_replicate(axis, scaling: dict, plain: dict) -> None:
    persons = [row["persons"] for row in scaling["sizes"]]
    axis.loglog(
        persons, [row["replicate_seconds"] for row in scaling["sizes"]], "o-", label="engine"
    )
    rows = plain["sizes"]
    plain_persons = [row["persons"] for row in rows]
    plain_seconds = [row["plain"]["replicate_seconds"] for row in rows]
    axis.loglog(plain_persons, plain_seconds, "s-", label="plain Mesa")
    for row in rows:
        axis.annotate(
            f"{row['speed_ratio']:,.0f}x",
            (row["persons"], row["plain"]["replicate_seconds"]),
            textcoords="offset points",
            xytext=(0, 6),
            ha="center",
            fontsize=8,
        )
    axis.set_title("one replicate, build + 110 days (labels: speed-up)")
    axis.set_xlabel("persons")
    axis.set_ylabel("seconds")
    axis.legend(fontsize=8)


def _throughput(axis, sweep: dict) -> None:
    names = ["1 process", "2 processes", "Dask, 2 workers", "Dask, 2 workers,\nmalloc trim"]
    rates = [run["runs_per_minute"] for run in sweep["runs"]]
    bars = axis.bar(names[: len(rates)], rates, color=["C0", "C0", "C2", "C7"][: len(rates)])
    axis.bar_label(bars, fmt="%.0f", fontsize=9)
    same = "identical results" if sweep["identical_results"] else "RESULTS DIFFER"
    axis.set_title(f"sweep of full-scale replicates ({same})")
    axis.set_ylabel("runs per minute")
    axis.tick_params(axis="x", labelsize=8)
