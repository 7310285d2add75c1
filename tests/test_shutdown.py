"""An interrupted sweep (Ctrl-C) or calibration (SIGTERM, as a job scheduler sends) stops its
worker processes, releases its semaphores and says in one line how to resume (issue 15)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")

SWEEP = """
design = "grid"
base = "baseline"
replicates = 40
entropy = 3

[overrides]
"population.undocumented" = 10000

[[levers]]
name = "enforcement.arrest_hazard"
values = [0.001, 0.002]
"""


def _stat(pid: int | str) -> list[str]:
    """/proc/PID/stat after the command name: state, parent pid, ..."""
    return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()


def descendants(pid: int) -> set[int]:
    """The processes `pid` started, and theirs (the forkserver's workers)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        try:
            parents[int(entry.name)] = int(_stat(entry.name)[1])
        except (ValueError, OSError, IndexError):  # not a process, or one that just ended
            continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    """Those of `pids` still running (a zombie has ended: it only awaits its parent)."""

    def running(pid: int) -> bool:
        try:
            return _stat(pid)[0] != "Z"
        except OSError:
            return False

    return {pid for pid in pids if running(pid)}


def start(args: list[str], err: Path) -> subprocess.Popen:
    """`python -m experiments ARGS`, with Ctrl-C raising KeyboardInterrupt as in a terminal
    (a background job's children would otherwise inherit SIGINT ignored)."""
    with err.open("w", encoding="utf-8") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "experiments", *args],
            stdout=subprocess.DEVNULL,
            stderr=handle,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )


def wait_for(condition, process: subprocess.Popen, err: Path, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, err.read_text(encoding="utf-8")
        assert time.monotonic() < deadline, "the command did not get going in time"
        time.sleep(0.05)


def test_interrupted_sweep_and_calibration_leave_no_workers_or_semaphores(tmp_path):
    (tmp_path / "sweep.toml").write_text(SWEEP, encoding="utf-8")
    sweep_out, calibration_out = tmp_path / "sweep", tmp_path / "calibration"
    errors = {"sweep": tmp_path / "sweep.err", "calibrate": tmp_path / "calibrate.err"}
    budget = ["--particles", "4", "--generations", "2", "--waves", "1"]
    options = ["--workers", "2", *budget, "--quiet", "--out", str(calibration_out)]
    calibrate = start(["calibrate", *options], errors["calibrate"])
    options = ["--workers", "2", "--chunk-runs", "2", "--quiet"]
    sweep_file = str(tmp_path / "sweep.toml")
    sweep = start(["sweep", sweep_file, *options, "--out", str(sweep_out)], errors["sweep"])
    processes = {"sweep": sweep, "calibrate": calibrate}
    started = {}
    # Each is interrupted as soon as its workers are at work: the sweep after its first chunk,
    # the calibration once its two workers, forkserver and resource tracker are up.
    wait_for(lambda: any((sweep_out / "chunks").glob("runs-*.json")), sweep, errors["sweep"])
    started["sweep"] = descendants(sweep.pid)
    sweep.send_signal(signal.SIGINT)
    wait_for(lambda: len(descendants(calibrate.pid)) >= 4, calibrate, errors["calibrate"])
    started["calibrate"] = descendants(calibrate.pid)
    calibrate.send_signal(signal.SIGTERM)
    for name, process in processes.items():
        assert process.wait(timeout=60) == 130, errors[name].read_text(encoding="utf-8")
        deadline = time.monotonic() + 15
        while alive(started[name]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(started[name]), f"{name} left processes behind"
        err = errors[name].read_text(encoding="utf-8")  # the resource tracker's warnings too
        lines = [line for line in err.splitlines() if not line.startswith("ifrp: note: ")]
        assert len(lines) == 1 and lines[0].startswith("ifrp: interrupted: "), err
        assert "run the same command again to resume" in err

    manifest = json.loads((sweep_out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "running"
    assert not list(sweep_out.rglob(".*.tmp-*"))
    from experiments.cli import main

    args = ["sweep", str(tmp_path / "sweep.toml"), "--workers", "1", "--out", str(sweep_out)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("experiments.sweep.execution.sweep_figures.draw_all", lambda *args: [])
        assert main([*args, "--quiet"]) == 0
    assert len((sweep_out / "runs.csv").read_text(encoding="utf-8").splitlines()) == 1 + 80
    assert (calibration_out / "state" / "config.json").is_file()
    assert os.path.isdir(calibration_out)


def mapped_semaphores(pids: set[int]) -> set[str]:
    """The named POSIX semaphores (/dev/shm/sem.*) that the processes `pids` have mapped."""
    names = set()
    for pid in pids:
        try:
            maps = (Path("/proc") / str(pid) / "maps").read_text()
        except OSError:  # ended meanwhile
            continue
        for line in maps.splitlines():
            if "/dev/shm/sem." in line and not line.endswith("(deleted)"):
                names.add(line.rsplit("/", 1)[1])
    return names


def test_a_sweep_killed_outright_leaves_no_semaphore_and_no_warning(tmp_path):
    """SIGKILL: nothing of the sweep's own can run, so the resource tracker removes the
    pool's semaphores, and must not report that clean-up as a leak on the user's terminal."""
    shm = Path("/dev/shm")
    if not shm.is_dir():
        pytest.skip("no /dev/shm")
    (tmp_path / "sweep.toml").write_text(SWEEP, encoding="utf-8")
    out, err = tmp_path / "sweep", tmp_path / "sweep.err"
    options = ["--workers", "2", "--chunk-runs", "2", "--quiet", "--out", str(out)]
    sweep = start(["sweep", str(tmp_path / "sweep.toml"), *options], err)
    wait_for(lambda: any((out / "chunks").glob("runs-*.json")), sweep, err)
    family = descendants(sweep.pid)
    # The sweep's own semaphores, as its processes map them: other tests running beside this
    # one (pytest-xdist) make theirs in /dev/shm too.
    made = mapped_semaphores({sweep.pid, *family})
    assert made, "the pool made no semaphore: the test would prove nothing"
    sweep.kill()
    sweep.wait(timeout=30)
    deadline = time.monotonic() + 30
    while alive(family) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(family), "the sweep's processes outlived it"
    assert not made & set(os.listdir(shm)), "semaphores left in /dev/shm"
    assert "leaked" not in err.read_text(encoding="utf-8")
