"""A small Chrome DevTools Protocol client: open local pages in headless Chromium and watch them.

Used by the browser tests to prove that the reports open offline::

    with Chromium() as browser:
        visit = browser.visit(Path("reports/index.html").resolve().as_uri())
    visit.requests        # every URL the page asked for (Network.requestWillBeSent)
    visit.console_errors  # console.error, uncaught exceptions, and browser log errors (failed loads ...)
    visit.screenshot      # PNG bytes of the whole page

How it works: Chromium starts with ``--remote-debugging-port=0`` and prints ``DevTools listening on
ws://...`` on stderr; we connect to that browser websocket (``websocket-client``), create a tab,
attach to it with a flat session, enable the Runtime, Log, Network and Page domains, navigate, wait
for the load event and a short settle time, and read the events. Requests to ``http(s)``/``ws(s)``/
``ftp`` are blocked inside the browser (``Network.setBlockedURLs``) so a test never touches the
network, but they are still reported. Every wait has a timeout; Chromium is killed in ``finally``.
"""

from __future__ import annotations

import json
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-extensions",
    "--disable-default-apps", "--hide-scrollbars", "--mute-audio", "--remote-debugging-port=0",
)
BLOCKED_URL_PATTERNS = ("http://*", "https://*", "ws://*", "wss://*", "ftp://*")
LOCAL_URL_PREFIXES = ("file://", "data:")
_LISTENING = "DevTools listening on "


class BrowserError(RuntimeError):
    """Chromium did not start, a command failed, or a wait timed out."""


def find_chromium() -> str | None:
    """Path of the first Chromium-like executable on PATH, or None."""
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def non_local(urls: list[str]) -> list[str]:
    """The URLs that are neither ``file://`` nor ``data:``."""
    return [url for url in urls if not url.startswith(LOCAL_URL_PREFIXES)]


@dataclass
class Visit:
    """What one page load showed."""

    url: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    screenshot: bytes = b""


def _remote_object_text(value: dict[str, Any]) -> str:
    """A console argument as text."""
    return str(value.get("value", value.get("description", value.get("type", ""))))


def console_errors(events: list[dict[str, Any]]) -> list[str]:
    """Errors among CDP events: console.error/assert, uncaught exceptions, browser log entries of level error."""
    errors: list[str] = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            arguments = " ".join(_remote_object_text(a) for a in params.get("args", []))
            errors.append(f"console.{params['type']}: {arguments}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            errors.append("exception: " + str(details.get("exception", {}).get("description") or details.get("text")))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            errors.append(f"log: {entry.get('text')} {entry.get('url', '')}".strip())
    return errors


def requested_urls(events: list[dict[str, Any]]) -> list[str]:
    """Every URL in ``Network.requestWillBeSent`` events, in order."""
    return [e["params"]["request"]["url"] for e in events if e.get("method") == "Network.requestWillBeSent"]


class Chromium:
    """Headless Chromium with a fresh profile, driven over the DevTools websocket; use as a context manager."""

    def __init__(self, executable: str | None = None, *, timeout: float = 30.0) -> None:
        self.executable = executable or find_chromium()
        if not self.executable:
            raise BrowserError(f"no Chromium found on PATH (tried {', '.join(CHROMIUM_CANDIDATES)})")
        self.timeout = timeout
        self._process: subprocess.Popen[str] | None = None
        self._profile: tempfile.TemporaryDirectory[str] | None = None
        self._socket: Any = None
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        self._stderr: list[str] = []

    # -- process ---------------------------------------------------------------------------

    def __enter__(self) -> Chromium:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start Chromium and connect to its browser websocket."""
        import websocket  # websocket-client

        self._profile = tempfile.TemporaryDirectory(prefix="chromium-profile-", ignore_cleanup_errors=True)
        command = [self.executable, *CHROMIUM_FLAGS, f"--user-data-dir={self._profile.name}", "about:blank"]
        self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE, text=True)
        found: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read_stderr, args=(found,), daemon=True).start()
        try:
            url = found.get(timeout=self.timeout)
        except queue.Empty:
            raise BrowserError(f"Chromium printed no DevTools URL in {self.timeout} s: {self._stderr[-5:]}") from None
        self._socket = websocket.create_connection(url, timeout=self.timeout, suppress_origin=True)

    def _read_stderr(self, found: queue.Queue[str]) -> None:
        assert self._process is not None and self._process.stderr is not None
        for line in self._process.stderr:
            self._stderr.append(line.rstrip())
            if line.startswith(_LISTENING):
                found.put(line[len(_LISTENING):].strip())

    def close(self) -> None:
        """Close the websocket, end Chromium (terminate, then kill) and delete the profile."""
        if self._socket is not None:
            try:
                self._socket.close()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
            self._socket = None
        if self._process is not None:
            if self._process.poll() is None:
                self._process.terminate()
                try:
                    self._process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait(timeout=5)
            self._process = None
        if self._profile is not None:
            self._profile.cleanup()
            self._profile = None

    # -- protocol --------------------------------------------------------------------------

    def _receive(self, deadline: float) -> dict[str, Any]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise BrowserError("timed out waiting for Chromium")
        self._socket.settimeout(remaining)
        try:
            return json.loads(self._socket.recv())
        except Exception as error:  # websocket timeout or closed connection
            raise BrowserError(f"no answer from Chromium: {error!r}") from error

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        """Send one command and return its result; events that arrive meanwhile are kept."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._socket.send(json.dumps(message))
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method} failed: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self._events.append(reply)

    def wait_for(self, method: str, session: str, timeout: float | None = None) -> dict[str, Any]:
        """Wait until event ``method`` arrives for ``session`` (also if it already arrived)."""
        for event in self._events:
            if event.get("method") == method and event.get("sessionId") == session:
                return event
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            event = self._receive(deadline)
            if "method" in event:
                self._events.append(event)
                if event["method"] == method and event.get("sessionId") == session:
                    return event

    def drain(self, seconds: float) -> None:
        """Collect events for ``seconds`` (late console messages and requests)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                event = self._receive(deadline)
            except BrowserError:
                return
            if "method" in event:
                self._events.append(event)

    # -- pages -----------------------------------------------------------------------------

    def visit(self, url: str, *, width: int = 1280, max_height: int = 12000, settle: float = 0.5,
              screenshot: bool = True) -> Visit:
        """Load ``url`` in a new tab and return its requests, errors, links and (optionally) a full-page PNG."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        try:
            for domain in ("Runtime", "Log", "Network", "Page"):
                self.send(f"{domain}.enable", session=session)
            self.send("Network.setBlockedURLs", {"urls": list(BLOCKED_URL_PATTERNS)}, session)
            self.send("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session)
            navigation = self.send("Page.navigate", {"url": url}, session)
            if navigation.get("errorText"):
                raise BrowserError(f"could not open {url}: {navigation['errorText']}")
            self.wait_for("Page.loadEventFired", session)
            self.drain(settle)
            visit = Visit(url=url)
            visit.broken_images = self.evaluate(
                "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)", session)
            visit.links = self.evaluate(
                "Array.from(document.querySelectorAll('a[href]')).map(a => a.href)", session)
            visit.screenshot = self.screenshot(session, width, max_height) if screenshot else b""
            events = [e for e in self._events if e.get("sessionId") == session]
            visit.requests = requested_urls(events)
            visit.console_errors = console_errors(events)
            return visit
        finally:
            self.send("Target.closeTarget", {"targetId": target})

    def evaluate(self, expression: str, session: str) -> Any:
        """The JSON value of a JavaScript expression in the page."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)
        if "exceptionDetails" in result:
            raise BrowserError(f"evaluating {expression!r} failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, session: str, width: int, max_height: int) -> bytes:
        """PNG of the whole page (up to ``max_height`` CSS pixels)."""
        import base64

        metrics = self.send("Page.getLayoutMetrics", session=session)
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        height = max(1, min(int(size["height"] + 0.5), max_height))
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session)
        shot = self.send("Page.captureScreenshot", {"format": "png"}, session)
        return base64.b64decode(shot["data"])


def visit_page(path_or_url: str | Path, **options: Any) -> Visit:
    """Start Chromium, visit one local file or URL, stop Chromium."""
    url = path_or_url.resolve().as_uri() if isinstance(path_or_url, Path) else path_or_url
    with Chromium() as browser:
        return browser.visit(url, **options)
