"""A tiny Chrome DevTools Protocol client over `--remote-debugging-pipe`.

Why not Playwright or Selenium: both pin browser versions or download drivers; the
pipe needs nothing but the system's Chromium (Debian's `chromium`) and the standard
library, so the browser test runs offline and with whatever Chromium CI installed.
Chromium reads NUL-terminated JSON commands on fd 3 and writes replies on fd 4.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

FLAGS = (
    "--headless", "--remote-debugging-pipe", "--disable-gpu", "--no-first-run",
    "--no-default-browser-check", "--disable-extensions", "--disable-sync",
    "--disable-background-networking", "--disable-component-update", "--disable-quic",
    "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
)


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None


class CDPError(RuntimeError):
    pass


def _high_pipe() -> tuple[int, int]:
    """A pipe whose ends are above fd 10 (and close-on-exec).

    In a process with few files open, os.pipe() may return 3 or 4 themselves, and
    dup2(3, 3) keeps the close-on-exec flag: Chromium would find no pipe.
    """
    ends = []
    for fd in os.pipe():
        ends.append(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10))
        os.close(fd)
    return ends[0], ends[1]


class Chromium:
    """One headless Chromium; `send` a command, `events` collects what it reports."""

    def __init__(self, executable: str, profile: Path, timeout: float = 60.0):
        self.timeout = timeout
        cmd_read, self._cmd = _high_pipe()      # we write commands; Chromium reads fd 3
        self._reply, reply_write = _high_pipe()  # Chromium writes fd 4; we read
        args = [executable, *FLAGS, f"--user-data-dir={profile}"]
        if os.geteuid() == 0:
            args.append("--no-sandbox")  # Chromium refuses to sandbox as root (CI containers)
        args.append("about:blank")

        def wire() -> None:  # in the child, before exec
            os.dup2(cmd_read, 3)
            os.dup2(reply_write, 4)

        # close_fds=False: the dup2'd fds 3 and 4 must survive exec; ours are CLOEXEC.
        # stderr goes to a file: an unread pipe would block a chatty Chromium
        self.log = profile.parent / f"{profile.name}.stderr.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(args, preexec_fn=wire, close_fds=False,
                                         stdout=subprocess.DEVNULL, stderr=log)
        os.close(cmd_read)
        os.close(reply_write)
        self._buf = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []

    # ------------------------------------------------------------- protocol

    def send(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> dict[str, Any]:
        self._next += 1
        msg: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._cmd, json.dumps(msg).encode() + b"\0")
        want = self._next
        deadline = time.monotonic() + self.timeout
        while True:
            for reply in self._read(deadline):
                if reply.get("id") == want:
                    if "error" in reply:
                        raise CDPError(f"{method}: {reply['error']}")
                    return reply.get("result", {})
                if "method" in reply:
                    self.events.append(reply)

    def wait_for(self, event: str, deadline_s: float | None = None) -> dict[str, Any]:
        """The first `event` not yet waited for (events keep arriving meanwhile)."""
        deadline = time.monotonic() + (deadline_s or self.timeout)
        while True:
            for i, ev in enumerate(self.events):
                if ev.get("method") == event and not ev.get("_seen"):
                    ev["_seen"] = True
                    return self.events[i]
            for reply in self._read(deadline):
                if "method" in reply:
                    self.events.append(reply)

    def _read(self, deadline: float) -> list[dict[str, Any]]:
        left = deadline - time.monotonic()
        if left <= 0:
            raise CDPError(f"no answer from Chromium in {self.timeout:.0f} s")
        ready, _, _ = select.select([self._reply], [], [], left)
        if not ready:
            raise CDPError(f"no answer from Chromium in {self.timeout:.0f} s")
        chunk = os.read(self._reply, 1 << 20)
        if not chunk:
            err = self.log.read_text(errors="replace")
            raise CDPError(f"Chromium exited ({self.proc.poll()}): {err[-2000:]}")
        self._buf += chunk
        *messages, self._buf = self._buf.split(b"\0")
        return [json.loads(m) for m in messages if m]

    # ----------------------------------------------------------------- page

    def open_page(self) -> str:
        """A new tab; returns its session id with the domains the test listens to on."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget",
                            {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session=session)
        return session

    def navigate(self, session: str, url: str) -> None:
        self.send("Page.navigate", {"url": url}, session)
        self.wait_for("Page.loadEventFired")

    def evaluate(self, session: str, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression,
                                                "returnByValue": True}, session)
        if "exceptionDetails" in result:
            raise CDPError(f"evaluate: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, session: str, path: Path) -> tuple[int, int]:
        """A PNG of the whole page (not only the viewport); returns its CSS size."""
        size = self.send("Page.getLayoutMetrics", session=session)["cssContentSize"]
        width, height = int(size["width"]), int(size["height"])
        shot = self.send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}}, session)
        path.write_bytes(base64.b64decode(shot["data"]))
        return width, height

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (CDPError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._cmd, self._reply):
            try:
                os.close(fd)
            except OSError:
                pass
