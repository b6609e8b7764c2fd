"""`govwire sites` lists the seeds; `govwire demo` crawls the fixture web end to end, incrementally."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.cli import main


def test_sites_lists_every_seed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sites", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == {"govuk", "wiredgov", "mirage", "independent", "standard", "iconic", "urls"}
    assert rows["standard"]["sources"][0]["feeds"] == ["https://www.standard.co.uk/rss"]
    assert rows["govuk"]["search"]["api"] == "https://www.gov.uk/api/search.json"
    assert main(["sites"]) == 0
    assert "https://www.wired-gov.net/wg/news.nsf/home?openform&rss" in capsys.readouterr().out


def test_sites_bad_seed_is_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "mirage.toml").write_text('name = "mirage"\ndomains = []\nfeeed = []\n')
    assert main(["sites", "--seeds-dir", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip().endswith("mirage.toml: unknown key 'feeed'")


def _demo(store: Path, *extra: str) -> tuple[int, dict[str, object], str]:
    p = subprocess.run([sys.executable, "-m", "crawler.cli", "demo", "--store", str(store), *extra],
                       capture_output=True, text=True, timeout=600)
    summary = json.loads(next(l for l in p.stdout.splitlines() if l.startswith("{")))
    return p.returncode, summary, p.stdout


@pytest.mark.slow
def test_demo_crawls_then_revisits_then_sees_the_update(tmp_path: Path) -> None:
    store = tmp_path / "store"
    rc, first, out = _demo(store)
    assert rc == 0, out
    assert first["new"] >= 20 and first["failed"] == 0
    assert list(store.glob("warcs/*/*/*/*/*.warc.gz")) and "govwire show" in out
    rc, second, _ = _demo(store)  # same ports (demo-ports.json): everything is a 304 revisit
    assert rc == 3, "nothing new: exit 3"  # crawler/exitcodes.NOTHING
    assert second["new"] == 0 and second["changed"] == 0 and second["unchanged"] >= 20
    rc, third, _ = _demo(store, "--update", "update-1")
    assert rc == 0 and third["changed"] == 1 and third["new"] == 1, third
