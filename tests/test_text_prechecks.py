"""The cheap first look before the standfirst search never says "absent" for what is there
(its key across any XML whitespace); the dropped-landmark report finds a landmark's text
across lines and spaces, and reports each landmark once against what was removed before."""
from __future__ import annotations

from lxml import html

from cleaners.anchors import find_standfirst
from cleaners.document import Removal
from cleaners.extractor_drops import report_dropped

DESC = "Councillors agreed (after a long debate) to fund the libraries and roads of the borough"


def test_standfirst_found_across_whitespace_and_markup_characters() -> None:
    body = html.fromstring("<html><body><div class='lede'><p>Councillors\n\tagreed (after  a long "
                           "debate) to fund the libraries and roads of the borough.</p></div>"
                           "<p>" + "Body text. " * 30 + "</p></body></html>").find(".//body")
    assert find_standfirst(body.getroottree().getroot(), DESC) is not None
    assert find_standfirst(body.getroottree().getroot(), DESC.replace("after", "before")) is None


def test_landmark_text_across_lines_is_kept_not_reported() -> None:
    text = "Home News\nSport [live] (x)\n\nA paragraph of the article."
    removed: list[Removal] = []
    report_dropped([("nav", "Home News Sport [live] (x)"), ("footer", "About us Contact")], text, removed)
    assert [(r.rule, r.text) for r in removed] == [("generic.extractor_footer", "About us Contact")]


def test_a_landmark_reported_before_is_not_reported_again() -> None:
    removed = [Removal("generic.x", "navigation", "About  us\nContact")]
    report_dropped([("footer", "About us Contact"), ("aside", "More stories"), ("nav", "More stories")],
                   "Article text.", removed)
    assert [r.text for r in removed[1:]] == ["More stories", "More stories"]
