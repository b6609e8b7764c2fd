"""The cheap first looks before a whole-text search never say "absent" for what is there:
the standfirst's key across any XML whitespace, a landmark's text across lines and spaces."""
from __future__ import annotations

from lxml import html

from cleaners.anchors import _could_hold, find_standfirst
from cleaners.document import Removal
from cleaners.extractor_drops import _may_hold, report_dropped

DESC = "Councillors agreed (after a long debate) to fund the libraries and roads of the borough"


def test_standfirst_key_found_across_whitespace_and_markup_characters() -> None:
    body = html.fromstring("<html><body><div class='lede'><p>Councillors\n\tagreed (after  a long "
                           "debate) to fund the libraries and roads of the borough.</p></div>"
                           "<p>" + "Body text. " * 30 + "</p></body></html>").find(".//body")
    assert _could_hold(body, "Councillors agreed (after a long debate)")
    assert find_standfirst(body.getroottree().getroot(), DESC) is not None
    assert not _could_hold(body, "Councillors agreed (before a long debate)")


def test_landmark_text_across_lines_is_kept_not_reported() -> None:
    text = "Home News\nSport [live] (x)\n\nA paragraph of the article."
    assert _may_hold(text, "Home News Sport [live] (x)")
    assert not _may_hold(text, "Home Weather Sport")
    removed: list[Removal] = []
    report_dropped([("nav", "Home News Sport [live] (x)"), ("footer", "About us Contact")], text, removed)
    assert [(r.rule, r.text) for r in removed] == [("generic.extractor_footer", "About us Contact")]


def test_a_landmark_reported_before_is_not_reported_again() -> None:
    removed = [Removal("generic.x", "navigation", "About  us\nContact")]
    report_dropped([("footer", "About us Contact"), ("aside", "More stories"), ("nav", "More stories")],
                   "Article text.", removed)
    assert [r.text for r in removed[1:]] == ["More stories", "More stories"]
