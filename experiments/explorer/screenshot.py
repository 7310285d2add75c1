"""Take the README's screenshot of the explorer with the calibrated baseline loaded.

    python -m experiments.explorer.screenshot [results/figures/explorer.png]

Starts the explorer's server on a free port, opens it in the machine's headless Chromium
(Playwright, from the test extra; `IFRP_CHROMIUM` or `chromium` on the PATH), waits for the
first computation to appear, saves the page as PNG and stops the server. The folder's
manifest.json says, for each screenshot in it, which command, commit and calibration made it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from experiments.core.inputs import read_json
from experiments.core.manifest import calibration_entry, now, provenance
from experiments.core.outputs import check_file_name, check_writable, write_json
from experiments.explorer.chromium import CHROMIUM_ARGS, find_chromium
from model.schema import ScenarioError

READY = ".cumulative-figure img"


PROG = "python -m experiments.explorer.screenshot"


def start_server() -> tuple[subprocess.Popen, str]:
    command = [sys.executable, "-m", "experiments.explorer.server", "--port", "0"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    for line in server.stdout:
        if "http://" in line:
            return server, "http://" + line.split("http://", 1)[1].split()[0]
    raise RuntimeError(f"the explorer's server stopped (exit status {server.wait()})")


def screenshot(path: Path, width: int = 1400, height: int = 1000) -> None:
    from playwright.sync_api import sync_playwright

    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("no Chromium: apt-get install chromium, or set IFRP_CHROMIUM")
    server, url = start_server()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, headless=True, args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(url)
            page.locator(READY).wait_for(timeout=120_000)
            page.wait_for_timeout(500)  # let the second figure settle
            page.screenshot(path=path)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


SCREENSHOTS = "a manifest: screenshot -> how it was made"


def recorded(folder: Path) -> dict:
    """The entries of the folder's manifest.json ({} if there is none); ScenarioError naming
    the file if it is not a JSON object of screenshots (a run folder's, say, which must not be
    edited)."""
    manifest = folder / "manifest.json"
    if not manifest.exists():
        return {}
    entries = read_json(manifest, SCREENSHOTS)
    for name, entry in entries.items():
        made = entry.get("command", "") if isinstance(entry, dict) else ""
        if not str(made).startswith(PROG):
            problem = f"{name!r} is not a screenshot's entry: another command's manifest"
            raise ScenarioError(str(manifest), name, problem, f"{SCREENSHOTS}, or no manifest")
    return entries


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=Path("results/figures/explorer.png"),
        help="the image to write, .png or .jpg (default: results/figures/explorer.png)",
    )
    args = parser.parse_args(argv)
    if args.path.suffix.lower() not in (".png", ".jpg", ".jpeg"):
        parser.error(f"{args.path}: the screenshot's file name must end in .png, .jpg or .jpeg")
    try:  # before the browser starts: a bad folder or manifest stops it with nothing written
        check_writable(args.path.parent, "path")
        check_file_name(args.path, "path")
        entries = recorded(args.path.parent)
    except ScenarioError as error:
        parser.error(str(error))
    started = now()
    calibration = calibration_entry()  # the explorer's server loads the same adopted files
    args.path.parent.mkdir(parents=True, exist_ok=True)
    screenshot(args.path)
    made = provenance(started, parser.prog, argv)
    made |= {"scenario": "baseline", "calibration": calibration}
    write_json(args.path.parent / "manifest.json", {**entries, args.path.name: made})
    print(f"saved {args.path}")


if __name__ == "__main__":
    main()
