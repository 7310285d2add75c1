"""Shared fixtures: scenario files in a temporary folder and in-process CLI runs."""

from __future__ import annotations

import textwrap

import pytest

from experiments.cli import main

# A quick scenario for command-line runs: the baseline at a small population.
SMALL_TOML = "[population]\nundocumented = 30000\n"


@pytest.fixture
def write_toml(tmp_path):
    """Write a scenario file in tmp_path and return its path."""

    def write(text: str, name: str = "scenario.toml"):
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def small_toml(write_toml):
    return write_toml(SMALL_TOML, "small.toml")


@pytest.fixture
def ifrp(capsys):
    """Run `ifrp` in-process: returns (exit status, stdout, stderr)."""

    def call(*args):
        status = main([str(arg) for arg in args])
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return call
