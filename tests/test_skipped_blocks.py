"""Blocks the extractor skipped inside the article come back only when their features say
article: position between kept blocks, a sentence, a table row, an item of a list kept in part.
The extractor's output is given as lines here (what trafilatura kept), the page is real markup."""
from __future__ import annotations

from cleaners.extract import parse_html
from cleaners.skipped_blocks import drop_restated_captions, read_blocks, restore_skipped

P1 = ("The council said on Tuesday that the new bridge would open in the spring after two years "
      "of delays caused by flooding.")
P2 = "Engineers lifted the last span into place overnight, watched by a crowd of residents."
P3 = "The bridge will carry 12,000 vehicles a day once the approach roads are finished in May."


def _restore(article: str, kept: list[str]) -> list[str]:
    html = (f"<html><body><nav><a href='/'>Home</a></nav><article><h1>Bridge to open</h1>{article}"
            "</article><footer>About us</footer></body></html>")
    return restore_skipped(read_blocks(parse_html(html)), kept)


def test_a_sentence_skipped_between_kept_paragraphs_comes_back_in_place() -> None:
    skipped = "Residents who signed up to the council's newsletter were told about the delays first."
    out = _restore(f"<p>{P1}</p><div class='x'><p>{skipped}</p></div><p>{P2}</p><p>{P3}</p>", [P1, P2, P3])
    # a sentence about newsletters is article text: the decision is by features, not words
    assert out == [P1, skipped, P2, P3]


def test_nothing_after_the_last_kept_block_comes_back() -> None:
    promo = "Sign up to our free newsletter to get the latest stories from your area every morning."
    bio = "Jane Doe has covered transport and planning for the paper since 2012."
    out = _restore(f"<p>{P1}</p><p>{P2}</p><p>{promo}</p><p>{bio}</p>", [P1, P2])
    assert out == [P1, P2]


def test_before_the_first_kept_block_only_a_sentence_comes_back_not_a_byline() -> None:
    question = "How does one know when the bridge will open to buses as well as cars?"
    out = _restore(f"<p>By Jane Doe Feb 8, 2020 5 min read</p><p>{question}</p><p>{P1}</p><p>{P2}</p>",
                   [P1, P2])
    assert out == [question, P1, P2]


def test_captions_link_lists_and_lone_headings_do_not_come_back() -> None:
    caption = "Engineers at work on the bridge on Monday, as the last span is lifted into place."
    links = "".join(f"<a href='/s{i}'>Another story about roads and bridges number {i}.</a> " for i in range(3))
    out = _restore(f"<p>{P1}</p><figure><img src='a.jpg'><figcaption>{caption}</figcaption></figure>"
                   f"<p>{links}</p><h2>Explore further</h2><h2>What happens next</h2><p>{P2}</p>"
                   f"<p>{P3}</p>", [P1, P2, P3])
    assert out == [P1, "What happens next", P2, P3]


def test_rows_of_a_table_and_items_of_a_list_kept_in_part_come_back() -> None:
    table = "<table><tr><td>Span</td><td>40 m</td></tr><tr><td>Lanes</td><td>4</td></tr></table>"
    items = "<ul><li>Steel from Teesside</li><li>Concrete from Leeds</li><li>Glass from Sunderland</li></ul>"
    other = "<ul><li><a href='/a'>Home</a></li><li>Contact</li></ul>"
    out = _restore(f"<p>{P1}</p>{table}{items}{other}<p>{P2}</p>",
                   [P1, "- Steel from Teesside", P2])
    assert out == [P1, "| Span | 40 m |", "| Lanes | 4 |", "- Steel from Teesside",
                   "- Concrete from Leeds", "- Glass from Sunderland", P2]


def test_nothing_comes_back_when_nothing_long_was_kept() -> None:
    assert _restore(f"<p>{P1}</p><p>{P2}</p>", ["Bridge"]) == ["Bridge"]


def test_a_gallery_article_gets_back_the_caption_of_a_slide_the_extractor_skipped() -> None:
    """A gallery's captions are its text: the article box is named "gallery" (never furniture
    when it holds the headline) and a caption comes back when captions beside it were kept."""
    slides = [f"Costume {i}: a green dress, a high bun and a flower accessory make a princess." for i in range(3)]
    figs = "".join(f"<figure><img src='{i}.jpg'><figcaption><p>{s}</p></figcaption></figure>"
                   for i, s in enumerate(slides))
    html = (f"<html><body><article class='post-page gallery'><h1>Costumes</h1><p>{P1}</p>"
            f"<div class='slides'>{figs}</div></article></body></html>")
    out = restore_skipped(read_blocks(parse_html(html)), [P1, slides[0], slides[2]])
    assert out == [P1, *slides]


def test_a_heading_that_is_a_date_is_post_meta() -> None:
    out = _restore(f"<p>{P1}</p><h6>January 10, 2020 9:00AM (UTC)</h6><p>{P2}</p><p>{P3}</p>", [P1, P2, P3])
    assert out == [P1, P2, P3]


def _story(i: int) -> str:
    return (f"<div class='story border'><h2>Story {i}</h2><div class='story-text'><p>Story {i} says the "
            f"council will publish its plans for the river crossing on Friday after a long delay.</p>"
            f"<p>Engineers expect the works in ward {i} to take two years and to cost the city far more.</p>"
            f"<p>Residents of ward {i} will be asked for their views on the new road layout in June.</p>"
            "</div></div>")


def test_a_run_of_sibling_stories_is_one_article_when_the_extractor_kept_one() -> None:
    """A newsletter page or live blog: sections of one template, each a story's worth of text."""
    html = f"<html><body><main><h1>Today's briefing</h1>{''.join(_story(i) for i in range(3))}</main></body></html>"
    first = ["Story 0 says the council will publish its plans for the river crossing on Friday after a long delay.",
             "Engineers expect the works in ward 0 to take two years and to cost the city far more.",
             "Residents of ward 0 will be asked for their views on the new road layout in June."]
    out = restore_skipped(read_blocks(parse_html(html)), first)
    assert out[:3] == first and "Story 2" in out and out[-1].startswith("Residents of ward 2")
    # teaser cards after the article: same template, but short and mostly link
    cards = "".join(f"<div class='card'><a href='/s{i}'>Another story about the council and its "
                    f"river crossing plans, number {i}</a><p>2 min read.</p></div>" for i in range(4))
    html = f"<html><body><main><h1>Bridge</h1><p>{P1}</p><p>{P2}</p>{cards}</main></body></html>"
    assert restore_skipped(read_blocks(parse_html(html)), [P1, P2]) == [P1, P2]


def test_a_media_summary_that_the_lede_restates_goes_but_a_standfirst_or_a_new_caption_stays() -> None:
    summary = "Engineers lifted the last span of the bridge into place overnight."
    ferry = "The old ferry, which the bridge replaces, on its last crossing in May."
    lede = ("Engineers from the county council lifted the last span of the new bridge into place "
            "overnight, watched by a crowd of residents.")
    cases = ((f"<div class='summary-credit'><p class='summary'>{summary}</p></div>", summary, False),
             (f"<p class='standfirst'>{summary}</p>", summary, True),  # no caption box
             (f"<figure><figcaption><p>{ferry}</p></figcaption></figure>", ferry, True))  # says more
    for box, line, kept in cases:
        html = f"<html><body><article><h1>Bridge</h1>{box}<p>{lede}</p><p>{P2}</p></article></body></html>"
        removed: list = []
        out = drop_restated_captions(read_blocks(parse_html(html)), [line, lede, P2], removed)
        assert (line in out) is kept, box
        assert [r.rule for r in removed] == ([] if kept else ["generic.restated_caption"])
