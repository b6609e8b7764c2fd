"""Pytest plugin: `govwire serve` as a real process, and headless Chromium driven by Selenium.

Chromium is Debian's (`apt-get install chromium chromium-driver`, done by .ci/run); Selenium
is pointed at both binaries so its own driver download (Selenium Manager) never runs. The
browser is told to resolve no host name but the loopback ones, so even a bug in the UI's
sandboxing could not make it contact the live web during a test.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "tests" / "artifacts"   # screenshots kept after the run (git-ignored)
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync",
                  "--disable-dev-shm-usage", "--disable-extensions", "--disable-default-apps",
                  "--window-size=1400,1000", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1")


def _binary(*names: str) -> str | None:
    for n in names:
        found = shutil.which(n) or (n if os.path.exists(n) else None)
        if found:
            return found
    return None


class Server:
    """A running `govwire serve` process."""

    def __init__(self, store: Path, *extra: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "serve", "--store", str(store), "--port", "0", *extra],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if "http://" not in line:
            self.stop()
            raise AssertionError(f"govwire serve did not start: {line!r} {self.proc.stderr.read() if self.proc.stderr else ''}")
        self.first_line = line.strip()
        self.base = line.split("http://", 1)[1].split()[0].rstrip("/")
        self.base = "http://" + self.base

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="session")
def ui_server(demo_store: Path) -> Iterator[Server]:
    srv = Server(demo_store)
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    chromium = _binary("chromium", "chromium-browser", "/usr/lib/chromium/chromium")
    driver_bin = _binary("chromedriver", "/usr/lib/chromium/chromedriver")
    if not chromium or not driver_bin:
        pytest.skip("headless Chromium not installed (apt-get install chromium chromium-driver; "
                    ".ci/run does this)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        opts.add_argument(flag)
    driver = webdriver.Chrome(options=opts, service=Service(executable_path=driver_bin))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver: Any, tmp_path: Path, name: str) -> Path:
    """Save a screenshot as a test artefact (tmp dir, copied to tests/artifacts/)."""
    path = tmp_path / f"{name}.png"
    driver.save_screenshot(str(path))
    ARTIFACTS.mkdir(exist_ok=True)
    kept = ARTIFACTS / path.name
    shutil.copyfile(path, kept)
    print(f"screenshot: {kept}")
    return kept


def wait_for(cond: Any, timeout: float = 10.0) -> Any:
    end = time.monotonic() + timeout
    while True:
        value = cond()
        if value or time.monotonic() > end:
            return value
        time.sleep(0.1)
