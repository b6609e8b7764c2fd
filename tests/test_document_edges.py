"""Document fields an operator or researcher relies on (issue 15): bylines, the generic
removal report, UK local times, Mirage's source link, `site` of ad-hoc archived pages."""
from __future__ import annotations

import json
from pathlib import Path

from cleaners import clean
from tests.test_archive_e2e import REPO, run_cli
from tests.wire_server import WireServer, html

BODY = ("<p>The Foreign Secretary will host European partners today to focus on preserving security "
        "and stability in the Western Balkans.</p><p>The summit will discuss the importance of building "
        "resilience in the region to combat hybrid threats aimed at destabilising it.</p><p>Ahead of the "
        "meeting, ministers will announce new investment in programmes to tackle people smuggling.</p>")


def _page(byline: str, author: str = "Jane Reporter") -> str:
    return (f'<html><head><title>Funding boost</title><meta name="author" content="{author}"></head>'
            f"<body><nav>Home | News | Sport</nav><article><h1>Funding boost</h1><p>{byline}</p>{BODY}"
            "</article><footer>Contact us | Privacy notice | Copyright footer text</footer></body></html>")


def test_byline_of_a_known_author_is_metadata_not_text() -> None:
    doc = clean(_page("By Jane Reporter"), "https://news.example.org/a")
    assert doc.authors == ["Jane Reporter"]
    assert "By Jane Reporter" not in doc.text and "Foreign Secretary" in doc.text
    assert ("generic.byline", "metadata-moved") in {(r.rule, r.kind) for r in doc.removed}


def test_a_sentence_starting_with_by_or_an_unknown_byline_stays() -> None:
    doc = clean(_page("By 2030 the scheme will reach every region of the country."), "https://news.example.org/b")
    assert "By 2030 the scheme will reach every region of the country." in doc.text
    other = clean(_page("By John Other"), "https://news.example.org/c")
    assert "By John Other" in other.text


def test_generic_removal_report_names_what_the_extractor_dropped() -> None:
    doc = clean(_page("By Jane Reporter"), "https://news.example.org/a")
    assert doc.cleaner == "generic"
    dropped = {r.rule: r.text for r in doc.removed if r.rule.startswith("generic.extractor_")}
    assert dropped.get("generic.extractor_nav") == "Home | News | Sport"
    assert "Privacy notice" in dropped.get("generic.extractor_footer", "")
    assert "Privacy notice" not in doc.text


def test_wired_gov_url_time_is_uk_local() -> None:
    page = html("<html><body><article><h1>Summer release</h1>" + BODY + "</article></body></html>").split(b"\r\n\r\n", 1)[1]
    base = "https://www.wired-gov.net/wg/news.nsf/articles/summer+release+"
    summer = clean(page, base + "09102025101500?open")
    assert summer.published == "2025-10-09T10:15:00+01:00"  # BST: 09:15 UTC
    winter = clean(page, base + "09122025101500?open")
    assert winter.published == "2025-12-09T10:15:00+00:00"


def test_mirage_view_in_full_link_is_the_source_url() -> None:
    page = (REPO / "tests/golden/mirage/western-balkans-summit-2025/page.html").read_bytes()
    doc = clean(page, "https://www.miragenews.com/foreign-secretary-to-put-boosting-security-and-1548329/")
    assert doc.metadata["source_url"].startswith("https://www.gov.uk/government/news/foreign-secretary-to-put")
    assert "View in full here" not in doc.text


def test_archived_page_site_is_the_cleaner_that_ran(tmp_path: Path) -> None:
    page = (REPO / "crawler/demo/web/www.gov.uk/government/news/"
            "foreign-secretary-to-put-boosting-security-and-tackling-illegal-migration-at-the-heart-of-"
            "foreign-policy-during-meeting-of-european-partners.html").read_text(encoding="utf-8")
    srv = WireServer().start()
    try:
        srv.routes["/mirror"] = html(page)
        srv.routes["/other"] = html(_page("By Jane Reporter"))
        proc = run_cli("archive", srv.base + "/mirror", srv.base + "/other", "--json",
                       "--store", str(tmp_path))
    finally:
        srv.stop()
    assert proc.returncode == 0, proc.stderr
    docs = {d["url"].rsplit("/", 1)[1]: d for d in json.loads(proc.stdout)}
    assert docs["mirror"]["site"] == "govuk" and docs["mirror"]["cleaner"] == "govuk"
    assert docs["other"]["site"] == "urls"  # no site cleaner: the spider's name
