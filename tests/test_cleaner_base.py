"""The rule vocabulary and the registry: the API other site modules are built on."""
from __future__ import annotations

import pytest

from cleaners import (
    CleanDocument,
    SiteCleaner,
    clean_text,
    cleaner_by_name,
    cleaner_for_url,
    cut_between,
    drop,
    move_to_metadata,
    register,
    truncate,
)


@pytest.mark.parametrize("url, name", [
    ("https://www.gov.uk/government/news/x", "govuk"),
    ("https://assets.publishing.service.gov.uk/x.pdf", "govuk"),
    ("https://gov.uk/", "govuk"),
    ("https://wired-gov.net/wg/news.nsf/articles/x?open", "wiredgov"),
    ("https://miragenews.com/x-1436980", "mirage"),
    ("www.miragenews.com/x", "mirage"),
])
def test_domain_suffix_matching(url: str, name: str) -> None:
    cls = cleaner_for_url(url)
    assert cls is not None and cls.name == name


@pytest.mark.parametrize("url", ["https://notgov.uk/x", "https://gov.uk.evil.example/x",
                                 "https://mirage-news.com/", "", None])
def test_lookalike_hosts_get_no_cleaner(url: str | None) -> None:
    assert cleaner_for_url(url) is None


def test_duplicate_domain_raises() -> None:
    with pytest.raises(ValueError, match="already registered"):
        @register("gov.uk")
        class Again(SiteCleaner):
            name = "govuk_again"


def test_rules_need_known_kinds_and_value_groups() -> None:
    with pytest.raises(ValueError, match="unknown removal kind"):
        drop("x", "y", kind="junk")
    with pytest.raises(ValueError, match="value"):
        move_to_metadata("x", r"^Byline: .*$", field="byline")


def test_drop_matches_whole_lines_only() -> None:
    rule, removed = drop("share", r"Share this page", kind="share"), []
    out = rule.apply("Share this page\nPlease share this page with friends.", removed, "t")
    assert out == "Please share this page with friends." and removed[0].rule == "t.share"


def test_cut_between_is_bounded() -> None:
    rule = cut_between("appeal", start="Your support helps", end=r"difference\.", kind="donation",
                       max_chars=60)
    far = "Your support helps " + "x" * 80 + " difference."
    assert rule.apply(far, [], "t") == far
    assert rule.apply("A. Your support helps us. It makes all the difference. B.", [], "t") == "A. \n B."


def test_truncate_and_metadata_rules() -> None:
    doc = CleanDocument(url="")
    text = move_to_metadata("src", r"^Source: (?P<value>\S+)$", field="source_url").apply(
        "Body.\nSource: https://x.example\nMore.", doc.removed, "t", doc.metadata)
    assert doc.metadata["source_url"] == "https://x.example" and "Source:" not in text
    assert truncate("end", r"^More\.$", kind="promo").apply(text, doc.removed, "t").strip() == "Body."
    assert [r.kind for r in doc.removed] == ["metadata-moved", "promo"]


def test_clean_text_site_choice() -> None:
    wired = "Dept\n|Printable version\nTitle of release\nBody sentence here.\nOriginal article link: https://www.gov.uk/x"
    assert clean_text(wired).cleaner == "wiredgov"  # recognised from its junk
    assert clean_text(wired, site="generic").cleaner == "generic"
    assert clean_text(wired, url="https://example.org/").cleaner == "generic"  # url wins
    assert clean_text(wired, site="wired-gov.net").metadata["source_url"] == "https://www.gov.uk/x"
    assert cleaner_by_name("mirage") is cleaner_for_url("miragenews.com")


def test_prune_reports_a_block_once_when_a_rule_also_matches_inside_it() -> None:
    """A registration wall and the form inside it both match: one block was removed, so one
    report (the UI highlights reports; a doubled one inflated the counts)."""
    from lxml import html as lhtml

    from cleaners.base import prune, prune_tree
    from cleaners.document import Removal

    tree = lhtml.fromstring("<html><body><p>Story text stays here.</p><div id='reg-wall'><p>Register to"
                            " read</p><form id='reg-form'><input name='email'>Sign up free</form></div>"
                            "</body></html>")
    removed: list[Removal] = []
    prune_tree(tree, (prune("wall", "//*[starts-with(@id,'reg-')]", kind="paywall"),
                      prune("form", "//form", kind="paywall")), "x", removed)
    assert [(r.rule, r.text) for r in removed] == [("x.wall", "Register to readSign up free")]
    assert "Story text stays here." in tree.text_content() and "Register" not in tree.text_content()
