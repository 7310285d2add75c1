"""Serve the explorer, a Solara app, on this machine, with no request to any other host.

Solara's page loads its JavaScript, CSS and fonts from a CDN unless told otherwise, and its
server phones home. Here, for closed networks:

- the page's assets come from this server: Solara's asset proxy (`/_solara/cdn/...`) is on,
  and its cache folder (`<prefix>/share/solara/cdn`) is filled at install time by the
  `solara-assets` package of the `viz` extra, from the package index like any other
  dependency (nothing to prepare, no npm). A file missing from that folder is answered 404,
  never fetched: `fetch_from_cdn` is replaced by a function that refuses. KaTeX, which
  solara.Markdown loads and no package ships, is answered with a stand-in (STAND_INS);
- production mode: minified scripts, no auto-restart, and no "installation check" iframe
  that loads a page from solara.dev;
- no telemetry (Mixpanel, and the public-IP lookup it makes) and no version check on PyPI.

The server runs in this process (uvicorn, as `solara run` does) rather than as a child
`solara run` process: one process to stop, so Ctrl-C ends everything and a killed parent
leaves no orphan server; the refusal above can be installed (it is a patch of the running
server, which environment variables cannot express); and `solara run`'s own start-up
(its command line, a PyPI version check) is skipped.

`python -m experiments.explorer.server --app tests/explorer_smoke_app.py --port 0` serves any
Solara app (a module name or a .py file defining `Page`); port 0 picks a free port, and the
printed address gives it.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import os
import signal
import socket
import sys
import threading
import time
import urllib.request
import warnings
from pathlib import Path

from experiments.core.arguments import integer_in

DEFAULT_APP = "experiments.explorer.app"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765

# What the page of solara 1.64.x (Vue 2, ipywidgets 8) loads through the asset proxy, relative
# to the proxy's cache folder. `solara-assets` 1.58.2 ships these same versions; a Solara
# upgrade that moves to others fails `missing_assets()` here, and the harness test
# (tests/test_explorer_harness.py), which loads every asset the page names.
REQUIRED_ASSETS = (
    "@widgetti/solara-vuetify-app@10.1.1/dist/main8.css",
    "@widgetti/solara-vuetify-app@10.1.1/dist/fonts.css",
    "@widgetti/solara-vuetify-app@10.1.1/dist/solara-vuetify-app8.min.js",
    "requirejs@2.3.6/require.js",
    "font-awesome@4.5.0/css/font-awesome.min.css",
)

# Assets that Solara components ask for but that no package on the index ships: this server
# answers them with stand-ins, so those components work offline, less that feature.
# solara.Markdown loads KaTeX on every mount to typeset $math$: with the stand-in, math stays
# as typed (the rest of the markdown renders). Altair's vega files are not served (no Altair).
STAND_INS = {
    "katex@0.16.9/dist/katex.min.css": ("text/css", b"/* KaTeX: not available offline */\n"),
    "katex@0.16.9/dist/katex.min.js": (
        "application/javascript",
        b"define([], function () { return {}; });\n",
    ),
    "katex@0.16.9/dist/contrib/auto-render.min.js": (
        "application/javascript",
        b"define([], function () { return function renderMathInElement() {}; });\n",
    ),
}
CDN_PREFIX = "/_solara/cdn/"

# Read by Solara's settings when `solara.server` is first imported.
OFFLINE_ENVIRONMENT = {
    "SOLARA_MODE": "production",
    "SOLARA_ASSETS_PROXY": "True",  # Solara turns it off in VS Code, Colab and Voila
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_THEME_SHOW_BANNER": "False",  # the "runs on Solara" badge over the page
    "MPLBACKEND": "Agg",  # figures are drawn in server threads, never in a window
}

EXIT_BAD_INPUT = 2  # as every ifrp command: the address or app asked for cannot be served
APP_FORMS = "a module name or a .py file defining Page"
INSTALL_HINT = "install the viz extra: pip install '.[viz]' (or make explore)"


class OfflineAssetError(RuntimeError):
    """An asset the page asked for is not in the local cache; nothing is fetched."""


def configure_offline() -> None:
    """Set Solara up for a closed network (before `solara.server.starlette` is imported)."""
    for name, value in OFFLINE_ENVIRONMENT.items():
        os.environ[name] = value
    import solara.server.cdn_helper as cdn_helper
    import solara.server.settings as server_settings
    import solara.settings

    solara.settings.assets.proxy = True
    server_settings.main.mode = "production"
    server_settings.telemetry.mixpanel_enable = False
    server_settings.theme.show_banner = False
    cdn_helper.fetch_from_cdn = _refuse_fetch
    # Solara warns on every page served over plain http from 127.0.0.1 (its cookies would
    # need https only when the page is embedded in another site's iframe).
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")


def _refuse_fetch(url) -> bytes:
    print(f"explorer: {url} is not among the installed web assets; not fetched", file=sys.stderr)
    raise OfflineAssetError(f"{url} is not in the local asset cache (offline; not fetched)")


def asset_folder() -> Path:
    """Where Solara's asset proxy looks for files (filled by the solara-assets package)."""
    import solara.server.settings as server_settings

    return Path(server_settings.assets.proxy_cache_dir)


def missing_assets() -> list[str]:
    """The assets the page needs that are not installed (empty when all is well)."""
    folder = asset_folder()
    return [name for name in REQUIRED_ASSETS if not (folder / name).is_file()]


def with_stand_ins(app):
    """Solara's ASGI app, answering the STAND_INS paths itself unless the real files exist."""
    folder = asset_folder()
    stand_ins = {name: answer for name, answer in STAND_INS.items() if not (folder / name).exists()}

    async def offline_app(scope, receive, send):
        path = scope.get("path", "") if scope["type"] == "http" else ""
        name = path.split(CDN_PREFIX, 1)[1] if CDN_PREFIX in path else None
        if name in stand_ins:
            content_type, body = stand_ins[name]
            headers = [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(body)).encode()),
            ]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return offline_app


def _address(host: str, port: int) -> str:
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def _probe_address(host: str, port: int) -> str:
    """An address on this machine that reaches a server listening on `host`."""
    if host in ("", "0.0.0.0"):
        return _address("127.0.0.1", port)
    if host == "::":
        return _address("::1", port)
    return _address(host, port)


def _announce(server, host: str) -> None:
    """Print the address once the server answers (runs in a thread beside uvicorn)."""
    while not server.started:  # set once the app is imported and the port is bound
        if server.should_exit:
            return
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    probe = _probe_address(host, port) + "readyz"
    while not server.should_exit:
        try:
            with urllib.request.urlopen(probe, timeout=5) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.1)
    else:
        return
    print(f"The explorer is at {_address(host, port)} (Ctrl-C stops it)", flush=True)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _app_problem(app: str) -> str | None:
    """What keeps `app` from being served (Solara would fail on it with a traceback), or None.
    A .py file is read and parsed, not run: it must define `Page` at its top level."""
    name, _, component = app.rpartition(":") if ":" in app[2:] else (app, "", "Page")
    if not (name.endswith((".py", ".ipynb")) or os.sep in name):
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):  # a parent package is missing, or a relative name
            found = False
        return None if found else f"no Solara app {app!r}"
    path = Path(name)
    if path.suffix not in (".py", ".ipynb") or not path.is_file():
        return f"{app!r} is not a .py or .ipynb file"
    if path.suffix == ".ipynb":
        return None
    try:
        tree = ast.parse(path.read_bytes(), filename=name)
    except (SyntaxError, ValueError) as error:  # ValueError: a null byte
        return f"{app!r} is not valid Python ({error})"
    if component not in _top_level_names(tree):
        return f"{app!r} defines no {component} at its top level"
    return None


def _top_level_names(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names |= {alias.asname or alias.name.split(".")[0] for alias in node.names}
    return names


def unusable_address(host: str, port: int) -> str | None:
    """Why the server could not listen on `host`:`port` (a taken port, a host that is not
    this machine's), or None: found before the server starts, as uvicorn would bind it."""
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
            probe.bind(address)
    except OSError as error:  # socket.gaierror included
        return error.strerror or str(error)
    return None


def _refusal(host: str, port: int, app: str) -> str | None:
    """What is wrong with the app or address asked for, before anything is imported or bound."""
    problem = _app_problem(app)
    if problem is not None:
        return f"--app: {problem} (allowed: {APP_FORMS})"
    unusable = unusable_address(host, port)
    if unusable is not None:
        allowed = "an address of this machine and a free port on it (port 0: any free port)"
        return (
            f"--host/--port: cannot listen on {host}, port {port}: {unusable} (allowed: {allowed})"
        )
    return None


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, app: str = DEFAULT_APP) -> int:
    """Serve `app` (a module name or .py file defining `Page`) until Ctrl-C; exit status.

    Blocks. Prints the address once the server answers. Port 0 picks a free port.
    Returns 0 after Ctrl-C (or SIGTERM), 2 if `host`:`port` cannot be listened on (a taken
    port) or there is no such `app`, 1 if the viz extra is missing or the server fails to start.
    """
    main_thread = threading.current_thread() is threading.main_thread()
    # SIGTERM as Ctrl-C: uvicorn shuts down gracefully on either, then re-raises it
    previous = signal.signal(signal.SIGTERM, _interrupt) if main_thread else None
    try:
        return _serve(host, port, app)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM, during start-up or after uvicorn's shutdown
        print("The explorer stopped.", flush=True)
        return 0
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)


def _serve(host: str, port: int, app: str) -> int:
    refusal = _refusal(host, port, app)
    if refusal is not None:
        print(f"error: {refusal}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        import uvicorn

        configure_offline()
    except ImportError:
        print(f"error: the explorer needs Solara: {INSTALL_HINT}", file=sys.stderr)
        return 1
    missing = missing_assets()
    if missing:
        print(
            f"error: the explorer's web assets are not installed in {asset_folder()} "
            f"(missing: {', '.join(missing)}); {INSTALL_HINT}. The page would otherwise "
            "fetch them from a CDN, which a closed network cannot reach.",
            file=sys.stderr,
        )
        return 1
    os.environ["SOLARA_APP"] = app  # read when solara.server.app is imported (just below)
    import solara.server.starlette

    config = uvicorn.Config(
        with_stand_ins(solara.server.starlette.app),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=3,  # open browser tabs keep websockets open
    )
    server = uvicorn.Server(config)
    threading.Thread(target=_announce, args=(server, host), daemon=True).start()
    failed = f"error: the explorer could not start on {host}, port {port} (see above)"
    try:
        server.run()
    except SystemExit as exc:  # uvicorn exits 3 when it cannot bind or start the app
        print(failed, file=sys.stderr)
        return 1 if exc.code in (None, 0) else int(exc.code)
    if not server.started:
        print(failed, file=sys.stderr)
        return 1
    print("The explorer stopped.", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m experiments.explorer.server",
        description="Serve a Solara app offline (the explorer by default) until Ctrl-C.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"default: {DEFAULT_HOST}")
    parser.add_argument(
        "--port", type=integer_in(0, 65535), default=DEFAULT_PORT, help="0: a free port"
    )
    parser.add_argument("--app", default=DEFAULT_APP, help=APP_FORMS)
    args = parser.parse_args(argv)
    return serve(args.host, args.port, args.app)


if __name__ == "__main__":
    raise SystemExit(main())
