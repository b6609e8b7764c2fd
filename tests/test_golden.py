"""Golden cases: every tests/golden/<site>/<case>/ directory, whoever wrote it.

Each case is the page as served, its intent (``with``/``without`` in meta.json) and the
expected clean text and metadata. Failures are reported per field, all at once.
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from cleaners import clean, cleaner_for_url, registered
from tests.fixtures_golden import GOLDEN_DIR, golden_record, write_golden

CASES = sorted(p.parent for p in GOLDEN_DIR.glob("*/*/page.html*"))
SITES_DIR = Path(__file__).resolve().parents[1] / "cleaners" / "sites"


def _norm(text: str) -> str:
    """Whitespace normalisation for comparing texts: trim lines, single spaces."""
    lines = [re.sub(r"[ \t\u00a0]+", " ", ln).strip() for ln in text.strip().split("\n")]
    return "\n".join(lines)


def _load(case: Path) -> tuple[bytes, dict]:
    page = next(case.glob("page.html*"))
    meta = json.loads((case / "meta.json").read_text(encoding="utf-8"))
    return page.read_bytes(), meta


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_golden_case(case: Path, update_golden: bool) -> None:
    data, meta = _load(case)
    assert meta.get("with") and meta.get("without"), f"{case}: meta.json needs non-empty with/without"
    assert meta.get("url") and meta.get("origin"), f"{case}: meta.json needs url and origin"
    captured = datetime.fromisoformat(meta["captured"].replace("Z", "+00:00"))
    doc = clean(data, meta["url"], captured=captured)
    record = golden_record(doc)
    if update_golden:
        write_golden(case, doc.text, record)
    problems: list[str] = []
    expected_txt = case / "expected.txt"
    if not expected_txt.exists():
        pytest.fail(f"{case}: no expected.txt; run pytest --update-golden and review the diff")
    if _norm(doc.text) != _norm(expected_txt.read_text(encoding="utf-8")):
        problems.append("text differs from expected.txt")
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    for key, want in expected.items():
        if record.get(key) != want:
            problems.append(f"{key}: got {record.get(key)!r}, expected {want!r}")
    problems += [f"with: missing {s!r}" for s in meta["with"] if s not in doc.text]
    problems += [f"without: still has {s!r}" for s in meta["without"] if s in doc.text]
    assert not problems, f"{case.relative_to(GOLDEN_DIR)}:\n  " + "\n  ".join(problems)


def _module(cls: type) -> str:
    return cls.__module__.rsplit(".", 1)[-1]


@pytest.mark.parametrize("module", sorted({_module(c) for c in registered().values()}))
def test_every_site_module_has_golden_cases(module: str) -> None:
    """Cases live in tests/golden/<module>/ (titles sharing a CMS module share the folder)."""
    cases = [c for c in CASES if c.parent == GOLDEN_DIR / module]
    assert len(cases) >= 3, (f"{module} has {len(cases)} golden case(s); add "
                             f"tests/golden/{module}/<case>/ (page.html, meta.json) to reach 3")
    assert any(c.name.startswith("adversarial-") for c in cases), (
        f"{module} has no adversarial case; create tests/golden/{module}/adversarial-<what>/")


@pytest.mark.parametrize("name", sorted(registered()))
def test_every_cleaner_has_a_golden_case(name: str) -> None:
    """Each registered cleaner (each title of a shared CMS too) is exercised by a case."""
    cls = registered()[name]
    urls = [_load(c)[1].get("url") for c in CASES if c.parent == GOLDEN_DIR / _module(cls)]
    assert any(cleaner_for_url(u) is cls for u in urls), (
        f"no golden case for cleaner {name!r} ({', '.join(cls.domains)}); create "
        f"tests/golden/{_module(cls)}/<case>/ whose meta.json url is on {cls.domains[0]}")


def test_every_site_module_registers_its_own_name() -> None:
    """One outlet, one name: cleaners/sites/<name>.py registers the cleaner <name>."""
    modules = {p.stem for p in SITES_DIR.glob("*.py") if not p.stem.startswith("_")}
    assert modules == set(registered()), f"modules {sorted(modules)} vs cleaners {sorted(registered())}"
    assert all(_module(cls) == name for name, cls in registered().items())
