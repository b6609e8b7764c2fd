"""docs/adding-a-site.md works as written: its steps add a new outlet, in a copy of the repo.

The files the doc shows (`# file: PATH` blocks) are written and its shell blocks run, in order,
with nothing else; then the new outlet must be complete (tests/test_outlets.py), pass its
goldens and be crawled from the fixture web by `govwire demo` into documents of its own name.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "adding-a-site.md"
_BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def doc_steps() -> list[tuple[str, str]]:
    """(language, body) of every fenced block between the outlet-steps markers."""
    text = DOC.read_text(encoding="utf-8")
    part = text.split("<!-- outlet-steps:start -->", 1)[1].split("<!-- outlet-steps:end -->", 1)[0]
    return [(m.group(1), m.group(2)) for m in _BLOCK.finditer(part)]


def _copy_repo(dest: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, check=True,
                           capture_output=True, text=True).stdout.splitlines()
    for rel in files:
        src = REPO / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def test_doc_shows_the_four_files_and_commands() -> None:
    files = [body.split("\n", 1)[0] for lang, body in doc_steps() if lang in ("toml", "python")]
    assert files == ["# file: seeds/gazette.toml", "# file: cleaners/sites/gazette.py",
                     "# file: crawler/demo/sites/gazette.toml"]
    assert [lang for lang, _ in doc_steps()].count("sh") == 3


@pytest.mark.slow
def test_adding_an_outlet_by_the_documented_steps_only(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    _copy_repo(repo)
    assert not (repo / "seeds" / "gazette.toml").exists()
    bindir = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVWIRE_") or k == "GOVWIRE_ALLOW_ADDRESSES"}
    env.update(PATH=bindir + os.pathsep + env.get("PATH", ""), PYTHONPATH=str(repo),
               PYTHONDONTWRITEBYTECODE="1",
               GOVWIRE_ALLOW_ADDRESSES=os.environ["GOVWIRE_ALLOW_ADDRESSES"])
    log = []
    for lang, body in doc_steps():
        if lang in ("toml", "python"):
            path = repo / body.split("\n", 1)[0].removeprefix("# file: ").strip()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body, encoding="utf-8")
        elif lang == "sh":
            proc = subprocess.run(["bash", "-euo", "pipefail", "-c", body], cwd=repo, env=env,
                                  capture_output=True, text=True, timeout=240)
            log.append(proc.stdout + proc.stderr)
            assert proc.returncode == 0, f"step failed:\n{body}\n---\n{log[-1][-4000:]}"
    assert re.search(r"^5 passed", log[1], re.M), log[1]        # 3 cases + 2 per-cleaner checks
    assert re.search(r"^\d+ passed, \d+ deselected", log[2], re.M) and not re.search(r"\d+ failed", log[2]), log[2]
    summary = json.loads(next(ln for ln in log[2].splitlines() if ln.startswith("{")))
    assert summary["new"] == 3 and summary["failed"] == 0, summary
    docs = [json.loads(p.read_text(encoding="utf-8"))
            for p in (repo / "demo-gazette" / "docs" / "gazette").rglob("*.json")]
    assert len(docs) == 3
    for d in docs:
        assert (d["site"], d["cleaner"], d["outlet"]) == ("gazette", "gazette", "The Example Gazette")
        assert "Get the Gazette in your inbox" not in d["text"] and "Council sets budget" not in d["text"]
    assert list((repo / "demo-gazette" / "warcs" / "gazette").rglob("*.warc.gz"))
    for case in ("phone-seizure-powers", "western-balkans-talks", "adversarial-share-and-more-in-prose"):
        assert (repo / "tests" / "golden" / "gazette" / case / "expected.txt").read_text().strip()
