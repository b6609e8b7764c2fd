"""GOVWIRE_* environment variables are read in one place (archive/environment.py), all listed."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from archive import environment

REPO = Path(__file__).resolve().parent.parent
_READ = re.compile(r"(?:environ(?:\.get)?|getenv)\s*[\(\[]\s*[\"'](GOVWIRE_[A-Z0-9_]+)")


def test_no_govwire_variable_is_read_anywhere_else() -> None:
    offenders = []
    for pkg in ("archive", "crawler", "cleaners", "bench"):
        for path in (REPO / pkg).rglob("*.py"):
            if path.name == "environment.py" and path.parent.name == "archive":
                continue
            for m in _READ.finditer(path.read_text(encoding="utf-8")):
                offenders.append(f"{path.relative_to(REPO)}: {m.group(1)}")
    assert not offenders, "read GOVWIRE_* through archive/environment.py: " + ", ".join(offenders)


_ANY_READ = re.compile(r"(?:os\.environ(?:\.get)?\s*[\(\[]|os\.getenv\()\s*([^,\)\]]+)")
NOT_OURS = {"\"SCRAPY_SETTINGS_MODULE\"", "\"AWS_ENDPOINT_URL\"", "\"AWS_PROFILE\"", "\"AWS_REGION\"",
            "\"AWS_DEFAULT_REGION\""}


def test_every_environment_read_in_the_code_is_someone_elses() -> None:
    """Reads through a constant (os.environ.get(ENV_X)) are caught too: only non-GOVWIRE names."""
    found = []
    for pkg in ("archive", "crawler", "cleaners"):
        for path in (REPO / pkg).rglob("*.py"):
            if path.name == "environment.py" and path.parent.name == "archive":
                continue
            for m in _ANY_READ.finditer(path.read_text(encoding="utf-8")):
                if m.group(1).strip() not in NOT_OURS:
                    found.append(f"{path.relative_to(REPO)}: {m.group(1).strip()}")
    assert not found, found


def test_settings_names_are_all_listed() -> None:
    text = (REPO / "crawler" / "settings.py").read_text(encoding="utf-8")
    used = set(re.findall(r"_env\(\"(GOVWIRE_[A-Z0-9_]+)\"", text))
    used |= set(re.findall(r"environment\.get\w*\(\"(GOVWIRE_[A-Z0-9_]+)\"", text))
    assert used and used <= set(environment.VARIABLES), sorted(used - set(environment.VARIABLES))


def test_values_defaults_and_one_line_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOVWIRE_WARC_GZIP_LEVEL", raising=False)
    assert environment.get_int("GOVWIRE_WARC_GZIP_LEVEL") == 6
    monkeypatch.setenv("GOVWIRE_WARC_GZIP_LEVEL", "")
    assert environment.get_int("GOVWIRE_WARC_GZIP_LEVEL", 3) == 3
    monkeypatch.setenv("GOVWIRE_WARC_GZIP_LEVEL", "fast")
    with pytest.raises(environment.BadEnvironment, match=r"^GOVWIRE_WARC_GZIP_LEVEL must be an integer, got 'fast'$"):
        environment.get_int("GOVWIRE_WARC_GZIP_LEVEL")
    monkeypatch.setenv("GOVWIRE_DEFER_CLEAN", "yes")
    assert environment.get_bool("GOVWIRE_DEFER_CLEAN") is True
    with pytest.raises(KeyError, match="GOVWIRE_NOPE is not a known"):
        environment.get("GOVWIRE_NOPE")


def test_every_listed_variable_is_used() -> None:
    code = "\n".join(p.read_text(encoding="utf-8") for d in ("archive", "crawler")
                     for p in (REPO / d).rglob("*.py") if p != REPO / "archive" / "environment.py")
    unused = [n for n in environment.VARIABLES if f'"{n}"' not in code and f"'{n}'" not in code]
    assert not unused, unused
