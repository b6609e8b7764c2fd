"""Pytest plugin: one demo store for the session, crawled three times like a real archive ages.

Run 1 archives every demo page, run 2 re-crawls them unchanged (GOV.UK-style ETag/Last-Modified
answers: `server-not-modified` revisits of 304s), run 3 applies the fixture web's update-1 (one
changed page, one new page), so there is a page with two revisions to diff.
"""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
REPLAY_BIN = REPO / ".venv-replay" / "bin"   # made by `make install-test` (pywb, wacz)


def _demo(store: Path, *extra: str) -> dict[str, object]:
    p = subprocess.run([sys.executable, "-m", "crawler.cli", "demo", "--store", str(store), *extra],
                       capture_output=True, text=True, timeout=300, cwd=REPO)
    # 3: nothing new (an unchanged re-crawl); 4 was seen once under heavy load with failed == 0
    assert p.returncode in (0, 3, 4), p.stdout + p.stderr
    summary: dict[str, object] = json.loads(next(x for x in p.stdout.splitlines() if x.startswith("{")))
    assert summary.get("failed") == 0, p.stdout + p.stderr
    return summary


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("demo") / "store"
    first = _demo(store)
    second = _demo(store)
    third = _demo(store, "--update", "update-1")
    assert first["new"] and second["unchanged"] and third["changed"], (first, second, third)
    return store


def replay_tool(name: str) -> Path:
    """A tool from the replay venv, or skip saying how to get it."""
    exe = REPLAY_BIN / name
    if not exe.exists():
        found = shutil.which(name)
        if found:
            return Path(found)
        pytest.skip(f"{name} not installed: run `make install-test` (builds {REPLAY_BIN.parent.name})")
    return exe


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port
