"""`govwire dataset show-release`: a release's copies and aligned paragraphs, a copy's sources,
and 50 real runs in a row that all exit 0 (pyarrow's shutdown abort, exit 134, is gone)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from crawler.cli import main
from tests.dataset_helpers import RELEASE_URL, URLS, seed_store

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("show")
    seed_store(root / "store")
    assert main(["dataset", "build", "--store", str(root / "store"), "--out", str(root / "out"),
                 "--quiet"]) == 0
    return root / "store", root / "out"


def test_release_side_by_side_and_word_diff(built: tuple[Path, Path],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    store, out = built
    capsys.readouterr()
    assert main(["dataset", "show-release", RELEASE_URL, "--out", str(out), "--store", str(store)]) == 0
    text = capsys.readouterr().out
    assert "4 copies linked" in text and "== The Independent" in text
    # the PA copy's quote of the minister sits next to the release paragraph it quotes
    line = next(x for x in text.splitlines() if "It is in all our interests to protect" in x)
    assert " | " in line and line.index("It is in all") < line.index(" | ") < line.rindex("It is in all")
    assert " quote " in text and " verbatim " in text and " added " in text
    assert main(["dataset", "show-release", RELEASE_URL, "--out", str(out), "--store", str(store),
                 "--diff"]) == 0
    diff = capsys.readouterr().out
    assert "[-It-] {+Ms Cooper said: “It+} is in all our interests" in diff  # release -> copy
    # without copy text (the default build) and no store: says so, still aligns
    assert main(["dataset", "show-release", RELEASE_URL, "--out", str(out), "--store",
                 str(out / "no-such-store")]) == 0
    assert "built without --include-outlet-text" in capsys.readouterr().out


def test_copy_url_names_its_release(built: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _, out = built
    capsys.readouterr()
    assert main(["dataset", "show-release", URLS["iconic"], "--out", str(out), "--view", "table"]) == 0
    text = capsys.readouterr().out
    assert "copies 1 release(s): " + RELEASE_URL in text
    assert main(["dataset", "show-release", URLS["unrelated"], "--out", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["role"] == "copy" and data["sources"] == []


def test_json_has_alignments(built: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _, out = built
    capsys.readouterr()
    assert main(["dataset", "show-release", RELEASE_URL, "--out", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    by_url: dict[str, Any] = {c["copy_url"]: c for c in data["copies"]}
    wg = by_url[URLS["wiredgov"]]
    assert wg["linked"] and {a["kind"] for a in wg["alignments"]} == {"verbatim"}
    assert [a["release_paragraph"] for a in wg["alignments"]] == list(range(len(wg["alignments"])))
    assert data["revisions"][0]["revision"] == 1 and data["revisions"][0]["is_latest"]


@pytest.mark.slow
def test_fifty_real_runs_in_a_row_exit_0(built: tuple[Path, Path]) -> None:
    _, out = built
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "crawler.cli", "dataset", "show-release", RELEASE_URL,
           "--out", str(out), "--view", "table"]

    def once(_: int) -> tuple[int, str, str]:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
        return p.returncode, p.stdout, p.stderr

    with ThreadPoolExecutor(max_workers=2) as pool:  # two at a time: the CI machine has 2 cores
        results = list(pool.map(once, range(50)))
    codes = [rc for rc, _, _ in results]
    assert codes == [0] * 50, [(rc, err[-300:]) for rc, _, err in results if rc]
    assert all("4 copies linked" in o and o.rstrip().endswith("/") for _, o, _ in results)
