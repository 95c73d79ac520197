"""The built web site (book + live edition) served on 127.0.0.1, and a browser that may not leave it.

Used by ``tests/test_web.py``. The site is ``build/site/`` as ``python3 tasks.py web``
builds it (``INITLAB_WEB_SITE`` points the tests at another built copy, e.g. the one
a Pages workflow just built). A static file server in a thread serves it and
records every 404; every browser context routes all requests through
:func:`guard`, which lets loopback and in-page (data:, blob:) requests through
and aborts and records every other one.
"""

from __future__ import annotations

import functools
import http.server
import socketserver
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import browser_support as bs
from course_utils.settings import setting

ROOT = bs.ROOT
SITE = setting("INITLAB_WEB_SITE") or ROOT / "build" / "site"
ARTIFACTS = bs.ARTIFACTS / "web"
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}


def build_site() -> dict:
    """Build both editions with ``tasks.py web`` unless INITLAB_WEB_SITE names a built site."""
    if setting("INITLAB_WEB_SITE") is not None:
        return {}
    started = time.monotonic()
    subprocess.run([sys.executable, str(ROOT / "tasks.py"), "web"], cwd=ROOT, check=True,
                   stdin=subprocess.DEVNULL)
    return {"build_s": round(time.monotonic() - started, 1)}


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".js": "text/javascript",
                      ".mjs": "text/javascript", ".json": "application/json",
                      ".ipynb": "application/json", ".whl": "application/zip",
                      ".svg": "image/svg+xml", ".woff2": "font/woff2", ".woff": "font/woff"}
    missing: list

    def send_error(self, code, message=None, explain=None):
        if code == 404:
            self.missing.append(self.path)
        super().send_error(code, message, explain)

    def log_message(self, *args):          # quiet
        pass


class SiteServer:
    """``build/site`` on 127.0.0.1:<free port>, in a thread; ``missing`` lists 404 paths."""

    def __init__(self, root: Path = SITE):
        if not (root / "index.html").exists():
            raise FileNotFoundError(f"no built site at {root} (python3 tasks.py web)")
        self.root = root
        self.missing: list[str] = []
        handler = functools.partial(type("Handler", (_Handler,), {"missing": self.missing}),
                                    directory=str(root))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", bs.free_port()), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "SiteServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class Guard:
    """Aborts and records every request that would leave the machine."""

    def __init__(self):
        self.blocked: list[str] = []

    def __call__(self, route):
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about") or parts.hostname in LOOPBACK:
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")


class _TrapHandler(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline(4096).decode("latin-1").strip()
        if line:
            self.server.trapped.append(line)
        self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


#: Chromium's own services (updates, sign-in, autofill): the browser calls them even with
#: --disable-background-networking; no page of the site asks for them.
CHROMIUM_SERVICES = re.compile(r"^(CONNECT |\w+ https?://)[\w.-]*(google\.com|googleapis\.com|gvt1\.com)[:/ ]")


def chromium_service(request_line: str) -> bool:
    return bool(CHROMIUM_SERVICES.match(request_line))


class Trap:
    """A proxy on 127.0.0.1 that records the request line of whatever reaches it and refuses.

    Chromium is launched with it as its proxy: loopback goes direct (Chromium's
    default bypass), so anything else that escapes the page routing (a service
    worker's fetch, say) ends up here and is counted.
    """

    def __init__(self):
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", bs.free_port()), _TrapHandler)
        self.server.daemon_threads = True
        self.server.trapped = []
        self.trapped: list[str] = self.server.trapped
        self.address = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def launch_chromium(playwright, trap: Trap):
    """Debian's Chromium as browser_support launches it, with ``trap`` as its proxy."""
    # Given as Chromium's own flag: Playwright's ``proxy`` option would send loopback
    # through the proxy too (it adds ``<-loopback>`` to the bypass rules).
    return playwright.chromium.launch(executable_path=str(bs.CHROMIUM), headless=True,
                                      args=bs.CHROMIUM_ARGS + [f"--proxy-server={trap.address}"])


def new_context(browser, guard: Guard, **kwargs):
    """A browser context whose every request from pages and workers goes through ``guard``.

    JupyterLite's kernel needs its service worker (with it blocked, the kernel never
    gets past start-up); the service worker's own fetches are not routed by
    Playwright, which is what :class:`Trap` is for.
    """
    context = browser.new_context(**kwargs)
    context.route("**/*", guard)
    return context
