"""`govwire probe SITE` on the fixture web: healthy as built, healthy after a restyle, and
flagged (non-zero exit, BROKEN verdict) after the deliberately broken redesign."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from crawler import exitcodes

REPO = Path(__file__).resolve().parents[1]


def probe(seeds: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVWIRE_") or k == "GOVWIRE_ALLOW_ADDRESSES"}
    env.update({"GOVWIRE_PROGRESS_INTERVAL": "0", "GOVWIRE_CLEAN_WORKERS": "0", "PYTHONPATH": str(REPO),
                "GOVWIRE_SEEDS_DIR": str(seeds)})
    p = subprocess.run([sys.executable, "-m", "crawler.cli", "probe", *args], capture_output=True, text=True,
                       timeout=300, cwd=REPO, env=env)
    assert "Traceback" not in p.stderr + p.stdout, p.stderr
    return p


def test_probe_of_a_healthy_site_prints_per_page_verdicts(web: Any, seeds_for_fixture_web: Path,
                                                          tmp_path: Path) -> None:
    p = probe(seeds_for_fixture_web, "wiredgov", "--pages", "5", "--store", str(tmp_path / "none"))
    assert p.returncode == exitcodes.OK, p.stdout + p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].startswith("probe wiredgov: ") and lines[-1] == "verdict: OK"
    ok = [ln for ln in lines if ln.startswith("  ok ")]
    assert len(ok) == 4 and all("[wiredgov]" in ln and " words" in ln for ln in ok)
    assert any("rejected  " in ln and "no evidence of a UK-government original" in ln for ln in lines)  # LGA
    assert any(ln.strip().startswith("selected on: source: https://www.gov.uk/") for ln in lines)
    assert any(ln.strip().startswith("rules: wiredgov.latest_news_block") for ln in lines)
    assert not (tmp_path / "none").exists()  # a probe writes nothing to the store
    assert not [r for r in web.requests("www.wired-gov.net") if "/articles/" in r.path][5:]  # --pages 5


def test_probe_json_and_a_restyled_site_still_looks_healthy(web: Any, seeds_for_fixture_web: Path) -> None:
    web.apply_update("mirage-restyled")
    p = probe(seeds_for_fixture_web, "mirage", "--pages", "6", "--json")
    assert p.returncode == exitcodes.OK, p.stdout + p.stderr
    rec = json.loads(p.stdout)
    assert rec["problems"] == [] and rec["verdicts"].count("ok") == 4, rec["verdicts"]
    assert set(rec["verdicts"]) == {"ok", "rejected"}
    picked = [pg for pg in rec["pages"] if pg["selected"]]
    assert all("byline: UK Gov" in pg["evidence"] and not pg["junk"] for pg in picked)


def test_probe_flags_the_redesigned_site(web: Any, seeds_for_fixture_web: Path) -> None:
    web.apply_update("mirage-redesign")
    p = probe(seeds_for_fixture_web, "mirage", "--pages", "4")
    assert p.returncode == exitcodes.ALARM, p.stdout + p.stderr
    assert p.stdout.splitlines()[-1] == "verdict: BROKEN: nothing selected of 4 page(s) fetched"
    assert p.stdout.count("  rejected  ") == 4


def test_probe_usage_errors_are_one_line(seeds_for_fixture_web: Path) -> None:
    for args, msg in ((["nosuchsite"], "unknown site 'nosuchsite'"), (["mirage", "--pages", "0"], "--pages")):
        p = probe(seeds_for_fixture_web, *args)
        assert p.returncode == exitcodes.USAGE and p.stderr.startswith("govwire: error:") and msg in p.stderr
