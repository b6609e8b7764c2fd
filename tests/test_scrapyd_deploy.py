"""docs/scheduling.md's scrapyd route, end to end: build the egg with scrapyd-deploy from a copy
of the checkout, deploy it to a scrapyd on 127.0.0.1, schedule a spider and let the job archive
the fixture web into a store.

Everything runs from the project's own files (scrapy.cfg's [deploy:local], setup.py shim,
pyproject's scrapy entry point); only the target URL is rewritten to the test's free port.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SKIP = {".venv", ".venv-replay", ".git", "data", "build", "__pycache__", ".pytest_cache", "demo-data"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _api(base: str, path: str, data: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(f"{base}/{path}", data=body, timeout=30) as r:  # 127.0.0.1 only
        return dict(json.loads(r.read()))


def _copy_project(dest: Path) -> Path:
    def ignore(_dir: str, names: list[str]) -> set[str]:
        return {n for n in names if n in SKIP or n.endswith(".egg-info")}

    shutil.copytree(REPO, dest, ignore=ignore)
    return dest


@pytest.mark.slow
def test_scrapyd_deploy_schedule_and_archive(web: Any, seeds_for_fixture_web: Path, tmp_path: Path) -> None:
    cfg = (REPO / "scrapy.cfg").read_text()
    assert "[deploy:local]" in cfg and "project = govwire" in cfg
    proj = _copy_project(tmp_path / "proj")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    (proj / "scrapy.cfg").write_text(cfg.replace("http://localhost:6800/", base + "/"))

    sd = tmp_path / "scrapyd"
    sd.mkdir()
    (sd / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
        f"eggs_dir = {sd / 'eggs'}\nlogs_dir = {sd / 'logs'}\ndbs_dir = {sd / 'dbs'}\nitems_dir =\n"
        "max_proc = 1\npoll_interval = 0.5\n")
    # the fixture web is on loopback, which the address policy only allows when told (conftest)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GOVWIRE_", "SCRAPY_")) or k == "GOVWIRE_ALLOW_ADDRESSES"}
    env.update({"PATH": f"{BIN}:/usr/bin:/bin", "GOVWIRE_SEEDS_DIR": str(seeds_for_fixture_web),
                "GOVWIRE_CONTACT": "mailto:ops@example.org", "GOVWIRE_PROGRESS_INTERVAL": "0",
                "GOVWIRE_CLEAN_WORKERS": "1"})
    server = subprocess.Popen([str(BIN / "scrapyd")], cwd=sd, env=env, stdout=subprocess.DEVNULL,
                              stderr=open(sd / "scrapyd.err", "wb"))
    try:
        for _ in range(100):
            try:
                _api(base, "daemonstatus.json")
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError((sd / "scrapyd.err").read_text()[-3000:])

        deploy = subprocess.run([str(BIN / "scrapyd-deploy"), "local", "-p", "govwire"], cwd=proj,
                                env=env, capture_output=True, text=True, timeout=180)
        assert deploy.returncode == 0, deploy.stdout + deploy.stderr[-3000:]
        assert json.loads(deploy.stdout)["status"] == "ok"
        spiders = _api(base, "listspiders.json?project=govwire")["spiders"]
        assert {"govuk", "mirage", "urls"} <= set(spiders), spiders

        store = tmp_path / "store"
        job = _api(base, "schedule.json", [("project", "govwire"), ("spider", "mirage"),
                                           ("setting", f"GOVWIRE_STORE={store}"),
                                           ("setting", "GOVWIRE_LOCK=0")])
        assert job["status"] == "ok", job
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            jobs = _api(base, "listjobs.json?project=govwire")
            if any(j["id"] == job["jobid"] for j in jobs["finished"]):
                break
            time.sleep(0.5)
        else:
            raise AssertionError(f"job did not finish: {jobs}")
        log = next((sd / "logs").rglob("*.log")).read_text()
        assert "Traceback" not in log, log[-4000:]
        assert list(store.rglob("*.warc.gz")), log[-3000:]
        docs = [json.loads(p.read_text()) for p in (store / "docs").rglob("*.json")]
        assert docs and {d["site"] for d in docs} == {"mirage"}, log[-3000:]
        assert any(p.startswith("/foreign-secretary") for p in (r.path for r in web.requests("www.miragenews.com")))
    finally:
        server.terminate()
        server.wait(timeout=20)
