"""`finops-tui web` serves the game's page on loopback (textual-serve)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_web_page_is_served(tmp_path):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "finops_tui", "web", "tutorial", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,  # the class folder it creates (./class) goes there, not into the checkout
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as page:
                    body = page.read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline, "the web server never answered"
                time.sleep(0.2)
        assert "textual.js" in body
    finally:
        server.terminate()
        server.wait(timeout=10)
