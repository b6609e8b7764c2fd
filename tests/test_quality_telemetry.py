"""Per-site quality telemetry in every crawl summary, its history in the store, the alarms
(zero yield, sharp drop, failed Search API with an empty fallback) and their exit code; on
the fixture web with `govwire crawl` in a subprocess, as cron runs it."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from crawler import exitcodes

REPO = Path(__file__).resolve().parents[1]


def crawl(store: Path, seeds: Path, *sites: str) -> tuple[int, dict[str, Any], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVWIRE_") or k == "GOVWIRE_ALLOW_ADDRESSES"}
    env.update({"GOVWIRE_PROGRESS_INTERVAL": "0", "GOVWIRE_CLEAN_WORKERS": "0", "PYTHONPATH": str(REPO),
                "GOVWIRE_SEEDS_DIR": str(seeds)})
    p = subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", *sites, "--store", str(store)],
                       capture_output=True, text=True, timeout=300, cwd=REPO, env=env)
    lines = [line for line in p.stdout.splitlines() if line.startswith("{")]
    assert "Traceback" not in p.stderr, p.stderr
    return p.returncode, json.loads(lines[-1]) if lines else {}, p.stderr


def edited_seeds(src: Path, dst: Path, name: str, old: str, new: str) -> Path:
    """A copy of the fixture-web seeds with one text replacement in `name`.toml."""
    shutil.copytree(src, dst)
    p = dst / f"{name}.toml"
    text = p.read_text(encoding="utf-8")
    assert old in text, (old, name)
    p.write_text(text.replace(old, new), encoding="utf-8")
    return dst


def alarm_lines(err: str) -> list[str]:
    return [ln for ln in err.splitlines() if ln.startswith("govwire: ALARM: ")]


def test_summary_has_quality_and_history_is_kept(web: Any, seeds_for_fixture_web: Path, tmp_path: Path) -> None:
    code, summary, err = crawl(tmp_path / "store", seeds_for_fixture_web, "wiredgov")
    assert code == exitcodes.OK, err
    q = summary["sites"]["wiredgov"]["quality"]
    assert q["entries"] >= 5 and q["selected"] == q["documents"] >= 4, q
    assert list(q["rejected"]) == ["no evidence of a UK-government original (no gov.uk link)"], q  # LGA
    assert q["median_words"] > 100 and q["fallback_share"] == 0.0 and q["junk_docs"] == 0, q
    assert q["alarms"] == [] and q["history"]["runs"] == 0
    records = sorted((tmp_path / "store" / "telemetry" / "wiredgov").rglob("*.json"))
    assert len(records) == 1 and json.loads(records[0].read_text())["run_id"] == q["run_id"]
    # second run: all unchanged -> exit 3 (nothing new), the rejected page stays rejected
    code, summary, err = crawl(tmp_path / "store", seeds_for_fixture_web, "wiredgov")
    assert code == exitcodes.NOTHING, err
    q2 = summary["sites"]["wiredgov"]["quality"]
    assert q2["selected"] == q["selected"] and q2["unchanged"] == q["selected"] and q2["documents"] == 0
    assert q2["rejected"] == {"unchanged since rejected": 1}, q2
    assert q2["history"]["runs"] == 1 and q2["alarms"] == [] and not alarm_lines(err)
    assert len(list((tmp_path / "store" / "telemetry" / "wiredgov").rglob("*.json"))) == 2


def test_zero_yield_is_an_alarm_with_its_own_exit_code(web: Any, seeds_for_fixture_web: Path,
                                                       tmp_path: Path) -> None:
    # a site whose pages no longer show the evidence the seed asks for: every page rejected
    seeds = edited_seeds(seeds_for_fixture_web, tmp_path / "seeds", "wiredgov",
                         'source_domains = ["gov.uk"]', 'source_domains = ["nowhere.invalid"]')
    code, summary, err = crawl(tmp_path / "store", seeds, "wiredgov")
    assert code == exitcodes.ALARM == 5, err
    q = summary["sites"]["wiredgov"]["quality"]
    assert q["entries"] >= 5 and q["selected"] == 0 and q["alarms"], q
    lines = alarm_lines(err)
    assert len(lines) == 1 and lines[0].startswith("govwire: ALARM: wiredgov: zero yield:"), err


def test_sharp_drop_against_history_is_an_alarm(web: Any, seeds_for_fixture_web: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    code, summary, _ = crawl(store, seeds_for_fixture_web, "mirage")
    assert code == exitcodes.OK
    # the history says this site used to offer ~10x more entries than it does now
    rec = json.loads(next((store / "telemetry" / "mirage").rglob("*.json")).read_text())
    month = next((store / "telemetry" / "mirage").rglob("*.json")).parent
    for i in range(3):
        old = {**rec, "entries": rec["entries"] * 10, "selected": rec["selected"] * 10, "run_id": f"old{i}",
               "rejected_urls": []}
        (month / f"20000101T00000{i}Z-old{i}.json").write_text(json.dumps(old))
    code, summary, err = crawl(store, seeds_for_fixture_web, "mirage")
    q = summary["sites"]["mirage"]["quality"]
    assert code == exitcodes.ALARM, err
    assert q["history"]["runs"] == 4 and q["alarms"][0].startswith("discovery dropped"), q
    assert alarm_lines(err) == [f"govwire: ALARM: mirage: {q['alarms'][0]}"]


def test_failed_search_api_is_reported_and_alarms_when_the_fallback_is_empty(
        web: Any, seeds_for_fixture_web: Path, tmp_path: Path) -> None:
    web.throttle("www.gov.uk", "/api/search.json", status=422, times=5)
    code, summary, err = crawl(tmp_path / "a", seeds_for_fixture_web, "govuk")
    q = summary["sites"]["govuk"]["quality"]
    assert q["search_api"] == {"ok": False, "pages": 0, "error": "HTTP 422", "fallback": "feeds",
                               "fallback_entries": q["entries"]}, q
    assert q["entries"] > 0 and q["alarms"] == [] and code == exitcodes.OK, err  # the feeds stood in
    assert f"govwire: govuk: Search API failed (HTTP 422); discovery fell back to the feeds ({q['entries']} entries)" in err
    # no feeds to fall back on: the run found nothing and says so
    seeds = edited_seeds(seeds_for_fixture_web, tmp_path / "seeds", "govuk", "feeds = [", "feeds = [")
    text = (seeds / "govuk.toml").read_text()
    (seeds / "govuk.toml").write_text(re.sub(r"(?s)\nfeeds = \[.*?\]\n", "\nfeeds = []\n", text))
    web.throttle("www.gov.uk", "/api/search.json", status=422, times=5)
    code, summary, err = crawl(tmp_path / "b", seeds, "govuk")
    q = summary["sites"]["govuk"]["quality"]
    assert code == exitcodes.ALARM, err
    assert q["alarms"] == ["Search API failed (HTTP 422) and the feed fallback found nothing"], q
    assert alarm_lines(err) == ["govwire: ALARM: govuk: Search API failed (HTTP 422) and the feed fallback"
                                " found nothing"]


def test_redesigned_site_raises_the_zero_yield_alarm(web: Any, seeds_for_fixture_web: Path, tmp_path: Path) -> None:
    web.apply_update("mirage-redesign")  # script-rendered shells: no evidence, no text
    code, summary, err = crawl(tmp_path / "store", seeds_for_fixture_web, "mirage")
    q = summary["sites"]["mirage"]["quality"]
    assert code == exitcodes.ALARM, err
    assert q["selected"] == 0 and q["alarms"][0].startswith("zero yield: "), q
    assert "no evidence of a UK-government original" in q["alarms"][0]


def test_every_text_empty_is_an_alarm(web: Any, seeds_for_fixture_web: Path, tmp_path: Path) -> None:
    seeds = edited_seeds(seeds_for_fixture_web, tmp_path / "seeds", "wiredgov", "[politeness]",
                         "[quality]\nmin_words = 100000\n\n[politeness]")  # no text is long enough
    code, summary, err = crawl(tmp_path / "store", seeds, "wiredgov")
    q = summary["sites"]["wiredgov"]["quality"]
    assert code == exitcodes.ALARM, err
    assert q["empty_texts"] == q["documents"] >= 4
    assert q["alarms"] == [f"every text empty: {q['documents']} document(s) under 100000 words"], q
