"""Golden-file plumbing: ``pytest --update-golden`` rewrites expected.* deterministically.

It never touches ``meta.json`` (the hand-written ``with``/``without`` intent lists), so a
re-blessed golden still has to keep the sentences and lose the junk those lists name.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"

# Fields of CleanDocument stored in expected.json and compared one by one.
GOLDEN_FIELDS = ("title", "authors", "published", "modified", "canonical_url", "language",
                 "description", "site", "outlet", "cleaner", "metadata", "removed")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/*/*/expected.{txt,json} from the current cleaners")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def golden_record(doc: Any) -> dict[str, Any]:
    """The stored view of a document: metadata fields plus "rule kind" per removal."""
    d = doc.to_dict()
    rec = {k: d[k] for k in GOLDEN_FIELDS if k != "removed"}
    rec["metadata"] = {k: v for k, v in rec["metadata"].items() if k != "captured"}
    rec["removed"] = [f"{r['rule']} {r['kind']}" for r in d["removed"]]
    return rec


def write_golden(case: Path, text: str, record: dict[str, Any]) -> None:
    """Deterministic output: sorted keys, ensure_ascii=False, indent=2, trailing newline."""
    (case / "expected.txt").write_text(text.rstrip("\n") + "\n", encoding="utf-8")
    (case / "expected.json").write_text(
        json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
