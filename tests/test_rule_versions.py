"""Dated rule versions: the capture date (WARC-Date) picks the rules that matched that layout."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone

import pytest

from cleaners import CLEANER_VERSION, SiteCleaner, clean, clean_text, drop, register
from cleaners import base as registry
from crawler.pipelines import clean_page

PAGE = ("<html><head><title>Minister opens bridge</title></head><body><article>"
        "<h1>Minister opens bridge</h1>"
        "<p>The minister opened the new bridge over the river on Monday morning, the department said.</p>"
        "<p>Old layout promo line</p><p>New layout promo line</p>"
        "<p>The bridge cost twelve million pounds and took three years to build, officials said.</p>"
        "</article></body></html>")


@pytest.fixture
def versioned() -> Iterator[type[SiteCleaner]]:
    """A cleaner with two older versions, registered for this test only."""
    saved = (dict(registry._BY_DOMAIN), dict(registry._BY_NAME), dict(registry._SIGNATURES))

    class V2023(SiteCleaner):
        rule_version = "2023"
        VALID_UNTIL = date(2024, 3, 1)
        drop_paragraphs = (drop("promo", r"Old layout promo line", kind="promo"),)

    class V2024(SiteCleaner):
        rule_version = "2024"
        VALID_UNTIL = date(2025, 1, 1)
        drop_paragraphs = (drop("promo", r"(?:Old|New) layout promo line", kind="promo"),)

    @register("versioned.example")
    class Versioned(SiteCleaner):
        name, outlet, rule_version = "versioned", "The Versioned", "2025"
        older_versions = (V2023, V2024)
        drop_paragraphs = (drop("promo", r"New layout promo line", kind="promo"),)

    yield Versioned
    registry._BY_DOMAIN.clear(), registry._BY_DOMAIN.update(saved[0])
    registry._BY_NAME.clear(), registry._BY_NAME.update(saved[1])
    registry._SIGNATURES.clear(), registry._SIGNATURES.update(saved[2])


URL = "https://www.versioned.example/news/bridge"
UTC = timezone.utc


@pytest.mark.parametrize("captured, version, old_kept, new_kept", [
    (datetime(2023, 6, 1, tzinfo=UTC), "2023", False, True),
    (datetime(2024, 2, 29, 23, 59, tzinfo=UTC), "2023", False, True),
    (datetime(2024, 3, 1, tzinfo=UTC), "2024", False, False),        # VALID_UNTIL is exclusive
    (datetime(2024, 12, 31, 12, tzinfo=UTC), "2024", False, False),
    (datetime(2025, 1, 1, tzinfo=UTC), "2025", True, False),
    (datetime(2024, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-1))), "2025", True, False),  # = 00:30Z
    (None, "2025", True, False),                                        # no date: the current rules
])
def test_capture_date_picks_the_rule_version(versioned: type[SiteCleaner], captured: datetime | None,
                                             version: str, old_kept: bool, new_kept: bool) -> None:
    doc = clean(PAGE, URL, captured=captured)
    assert (doc.site, doc.cleaner, doc.outlet) == ("versioned", "versioned", "The Versioned")
    assert doc.rule_version == version and doc.cleaner_version == CLEANER_VERSION
    assert ("Old layout promo line" in doc.text) is old_kept
    assert ("New layout promo line" in doc.text) is new_kept
    assert "twelve million pounds" in doc.text
    assert all(r.rule == "versioned.promo" for r in doc.removed if r.kind == "promo")


def test_clean_text_and_the_crawl_path_pick_versions_too(versioned: type[SiteCleaner]) -> None:
    text = "Minister opens bridge\nOld layout promo line\nNew layout promo line\nBody."
    assert clean_text(text, URL, captured=datetime(2023, 1, 1, tzinfo=UTC)).rule_version == "2023"
    # the function the crawl's pipeline (and reclean) calls, with the fetch time as an ISO string
    doc = clean_page(PAGE.encode(), "utf-8", URL, "2024-06-01T10:00:00+00:00")
    assert doc["rule_version"] == "2024" and "layout promo" not in doc["text"]
    doc = clean_page(PAGE.encode(), "utf-8", "http://127.0.0.1:9/x", "2023-06-01T10:00:00+00:00",
                     site="versioned")
    assert doc["rule_version"] == "2023" and doc["site"] == "versioned"


def test_real_outlets_record_their_rule_version() -> None:
    doc = clean(PAGE, "https://www.gov.uk/government/news/bridge", captured=datetime(2025, 10, 9, tzinfo=UTC))
    assert doc.cleaner == "govuk" and doc.rule_version == "1"
    assert clean(PAGE, "https://example.org/x").rule_version is None   # generic: no site rules


def test_bad_version_declarations_fail_at_import() -> None:
    saved = (dict(registry._BY_DOMAIN), dict(registry._BY_NAME))

    class Undated(SiteCleaner):
        rule_version = "0"

    class Later(SiteCleaner):
        rule_version = "b"
        VALID_UNTIL = date(2025, 1, 1)

    class Earlier(SiteCleaner):
        rule_version = "a"
        VALID_UNTIL = date(2024, 1, 1)

    try:
        with pytest.raises(ValueError, match="older version Undated needs VALID_UNTIL"):
            @register("bad1.example")
            class Bad1(SiteCleaner):
                name = "bad1"
                older_versions = (Undated,)
        with pytest.raises(ValueError, match="oldest first"):
            @register("bad2.example")
            class Bad2(SiteCleaner):
                name = "bad2"
                older_versions = (Later, Earlier)
    finally:
        registry._BY_DOMAIN.clear(), registry._BY_DOMAIN.update(saved[0])
        registry._BY_NAME.clear(), registry._BY_NAME.update(saved[1])
