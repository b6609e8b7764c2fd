"""Generic path building blocks on small pages of our own: furniture pruned by its markup,
standfirst and recipe lists put back through the page's metadata, text rules that keep prose."""
from __future__ import annotations

import json

from cleaners import clean, clean_text
from cleaners.anchors import find_named_lead
from cleaners.boilerplate import (drop_link_lines, link_texts, prune_generic_furniture, prune_offer_cards,
                                  prune_teaser_lists)
from cleaners.extract import parse_html

PARA = ("The council said on Tuesday that the new bridge would open in the spring after two years "
        "of delays caused by flooding, rising costs and a dispute with the original contractor. ")
BODY = "".join(f"<p>{PARA}Paragraph {i} adds detail about the works and the timetable.</p>"
               for i in range(8))
URL = "https://news.example.org/2026/bridge"


def _page(article: str, head: str = "") -> str:
    return (f"<html><head><title>Bridge opens</title>{head}</head><body><nav><a href='/'>Home</a></nav>"
            f"<article><h1>Bridge to open in spring</h1>{article}</article>"
            "<footer>About us</footer></body></html>")


def test_newsletter_box_in_the_body_is_pruned_and_recorded() -> None:
    html = _page(BODY[:400] + "<p class='newsletter-promo'>Get our Daily Edition by email and never "
                 "miss our top stories Free Sign Up</p>" + BODY[400:])
    doc = clean(html, URL)
    assert "never miss our top stories" not in doc.text
    assert "Paragraph 7 adds detail" in doc.text
    assert any(r.rule == "generic.newsletter_box" and r.kind == "promo" for r in doc.removed)


def test_a_body_named_like_furniture_is_never_pruned() -> None:
    """Guards: a node with the h1 or most of the page's text stays, whatever its class."""
    html = _page(f"<div class='newsletter-article'>{BODY}</div>")
    tree = parse_html(html)
    removed: list = []
    prune_generic_furniture(tree, removed)
    assert removed == []
    assert "Paragraph 7" in tree.text_content()
    html = ("<html><body><div class='signup-page'><h1>Sign up day</h1><p>Short.</p></div>"
            f"<div>{BODY}</div></body></html>")
    tree = parse_html(html)
    prune_generic_furniture(tree, removed)
    assert "Sign up day" in tree.text_content()


def test_standfirst_comes_back_from_the_description_when_visible() -> None:
    lead = ("Engineers say the crossing will carry 12,000 vehicles a day once the last span is "
            "lifted into place")
    head = f'<meta name="description" content="{lead}">'
    html = _page(f"<header class='article-header'><h2 class='excerpt'>{lead}.</h2></header>{BODY}", head)
    doc = clean(html, URL)
    assert lead in doc.text
    assert doc.text.index(lead) < doc.text.index("Paragraph 0")
    # the same words only inside a related-stories card are not a standfirst
    html = _page(BODY, head).replace("<footer>", f"<div class='related-card'><p>{lead}.</p></div><footer>")
    assert lead not in clean(html, URL).text


def test_recipe_list_is_found_through_json_ld_and_kept_in_the_pages_wording() -> None:
    ld = {"@context": "https://schema.org", "@type": "Recipe", "name": "Stew",
          "recipeIngredient": ["250 g minced lamb", "1 tablespoon ground cinnamon", "1 medium onion"]}
    items = ["250 g minced lamb", "1 tablespoon ground cinnamon", "1 medium onion or 125 g, chopped"]
    lst = "<ul class='ingredients'>" + "".join(f"<li><span>{i}</span></li>" for i in items) + "</ul>"
    # an interactive recipe card: trafilatura drops lists of spans inside <label>s, so put the
    # list in a widget-like container it leaves out, as recipe plug-ins do
    html = _page(BODY + f"<div class='wprm-recipe-container widget'>{lst}</div>",
                 f'<script type="application/ld+json">{json.dumps(ld)}</script>')
    doc = clean(html, URL)
    for i in items:
        assert f"- {i}" in doc.text
    assert "1 medium onion\n" not in doc.text + "\n"  # the JSON-LD's own wording is not used


def test_text_rules_drop_signoffs_but_keep_prose_about_them() -> None:
    text = "\n".join([
        PARA,
        "Follow The Gazette on Twitter and Instagram @Gazette and on Facebook @Gazette.",
        "Consider inviting your friends to join us. Was this email forwarded to you? Sign up here .",
        "Subscribe now to our eEdition for the full story.",
        "© 2022, Gazette.com. This article is the copyrighted property of the Gazette.",
        "Read more: Council approves budget for new bridge",
        "Аdvеrtіѕе wіth thе most visited news site ~ Wе оffеr fullу сuѕtоmіzаblе расkаgеѕ",
        "Жители города рады новому мосту, сказал мэр.",
        "The mayor said readers who follow the council on Twitter would get updates, and that "
        "subscribers to the newsletter had asked for the bridge for years.",
    ])
    doc = clean_text(text, site="generic")
    assert PARA.strip() in doc.text
    assert "Follow The Gazette" not in doc.text and "eEdition" not in doc.text
    assert "Was this email forwarded" not in doc.text  # a link's text is followed by " ."
    assert "copyrighted property" not in doc.text and "Read more:" not in doc.text
    assert "Аdvеrtіѕе" not in doc.text
    assert "Жители города" in doc.text  # Cyrillic prose is not disguised ad copy
    assert "The mayor said readers who follow" in doc.text


def test_affiliate_disclosure_line_goes_but_prose_about_affiliate_links_stays() -> None:
    disclosure = ("This post and the photos within it may contain affiliate links. If you purchase "
                  "something through the link, I may receive a small commission.")
    prose = ("The regulator said that a post which may contain affiliate links must say so before "
             "the first link, and that this post and others had not.")
    doc = clean_text("\n".join([PARA, disclosure, "As an Amazon Associate I earn from qualifying purchases.",
                                prose]), site="generic")
    assert "small commission" not in doc.text and "Amazon Associate" not in doc.text
    assert prose in doc.text and PARA.strip() in doc.text


def test_paywall_box_is_cut_only_between_both_of_its_ends() -> None:
    box = ["To view the full story, please subscribe to The Gazette. Choose a $5 Weekly Pass.",
           "When you join, you get unlimited digital access.",
           "If you’re seeing this message but you’re already a subscriber, you can log in for "
           "immediate access to this story."]
    doc = clean_text("\n".join([PARA, *box]), site="generic")
    assert doc.text.strip() == PARA.strip()
    essay = "To read the full story, subscribers need an account, the publisher said."
    assert essay in clean_text("\n".join([PARA, essay]), site="generic").text


def test_script_rendered_article_comes_from_json_ld_article_body() -> None:
    body = " ".join(f"{PARA}Sentence {i} of the article." for i in range(6))
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Bridge",
          "articleBody": body}
    html = (f'<html><head><script type="application/ld+json">{json.dumps(ld)}</script></head>'
            "<body><div id='app'><h1>Bridge</h1><p>Loading…</p></div></body></html>")
    assert "Sentence 5 of the article." in clean(html, URL).text
    # a page that shows its article keeps its own paragraphs, not the JSON-LD blob
    html = _page(BODY, f'<script type="application/ld+json">{json.dumps(ld)}</script>')
    assert "Sentence 5" not in clean(html, URL).text


def test_named_standfirst_is_put_back_but_not_a_lead_image_caption() -> None:
    verdict = ("<div class='review-meta verdict'><h3>Our Verdict</h3><div class='sub-box'><p>A superbly "
               "crafted game that serves as storyteller.</p></div></div>")
    doc = clean(_page(verdict + BODY), URL)
    assert "Our Verdict A superbly crafted game" in doc.text and doc.metadata["anchored_lines"] == 1
    html = _page("<div class='lede-background'><figure><img src='a.jpg'><figcaption>A robot "
                 "solves a puzzle in the lab. Photograph: Agency</figcaption></figure></div>" + BODY)
    assert "A robot solves a puzzle" not in clean(html, URL).text


def test_headline_links_after_the_article_go_but_a_linked_heading_in_it_stays() -> None:
    tree = parse_html(_page(
        "<div class='toc'><a href='#s2'>Why the works took two years</a></div>" + BODY
        + "<a href='/a'>Council approves a budget for the new bridge</a>"
        + "<a href='/b'>Flooding closes three roads in the city centre</a>"
        + "<a href='/c'>Next: the ring road reopens on Monday morning</a>"))
    links = link_texts(tree)
    lines = ["Bridge to open in spring", PARA, "Why the works took two years", PARA, PARA,
             "- Council approves a budget for the new bridge", PARA,
             "Council approves a budget for the new bridge",
             "Flooding closes three roads in the city centre", PARA,
             "Next: the ring road reopens on Monday morning"]
    removed: list = []
    kept = drop_link_lines(lines, links, removed)
    assert "Why the works took two years" in kept  # a lone linked heading in the body
    assert "- Council approves a budget for the new bridge" in kept  # a list item
    assert [r.text for r in removed] == [
        "Council approves a budget for the new bridge", "Flooding closes three roads in the city centre",
        "Next: the ring road reopens on Monday morning"]


def test_named_standfirst_after_the_body_or_with_a_headline_is_another_storys() -> None:
    dek = "<p class='c-entry-summary p-dek'>Engineers expect 12,000 vehicles a day.</p>\n"
    assert find_named_lead(parse_html(_page(dek + BODY))) == "Engineers expect 12,000 vehicles a day."
    teaser = ("<div class='post__excerpt'><h2>Another story</h2>Ministers met on Monday to agree a "
              "timetable for the new road scheme.</div>\n")
    assert find_named_lead(parse_html(_page(teaser + BODY))) is None
    late = "<p class='post__excerpt'>Ministers met on Monday to agree a timetable.</p>"
    assert find_named_lead(parse_html(_page(BODY.replace("</p>", "</p>\n") + late))) is None


def test_italic_author_bio_at_the_end_moves_to_metadata_but_italic_prose_stays() -> None:
    bio = ("Jane Doe is a freelance writer based in Leeds who covers transport and planning for "
           "regional titles.")
    doc = clean(_page(BODY + f"<p><em>{bio}</em></p>"), URL)
    assert bio not in doc.text and doc.metadata["author_bio"] == bio
    assert any(r.rule == "generic.author_bio" and r.kind == "metadata-moved" for r in doc.removed)
    quote = "<p><em>Jane Doe is a resident of the street and says the works kept her awake.</em></p>"
    doc = clean(_page(BODY[:600] + quote + BODY[600:]), URL)  # not the last paragraph
    assert "says the works kept her awake" in doc.text and "author_bio" not in doc.metadata


def test_teaser_lists_with_cut_off_snippets_go_but_article_lists_stay() -> None:
    teasers = "".join(f"<li><p><strong><a href='/t{i}'>Topic {i}</a></strong> — A concept in political "
                      f"science concerning the system of government by parties and their&#8230; &#8230; "
                      f"<span>Wikipedia</span></p></li>" for i in range(4))
    # an article's list of linked reports, and a list of quotes trailing off: not teasers
    reports = "".join(f"<li><a href='/r{i}'>Report {i}</a> found the bridge safe to open in spring.</li>"
                      for i in range(4))
    quotes = "".join(f"<li>Resident {i} said the works were slow, and then…</li>" for i in range(4))
    tree = parse_html(_page(BODY + f"<ul class='terms-list'>{teasers}</ul><ul>{reports}</ul><ol>{quotes}</ol>"))
    removed: list = []
    prune_teaser_lists(tree, removed)
    text = tree.text_content()
    assert "political science" not in text and [r.rule for r in removed] == ["generic.teaser_list"]
    assert "Report 3 found the bridge" in text and "Resident 3 said" in text


def test_recipe_card_summary_and_nutrition_come_back_through_json_ld() -> None:
    summary = ("A soft focaccia filled with olive oil, garlic and herbs; make extra oil mixture for "
               "dipping the bread into.")
    ld = {"@context": "https://schema.org", "@type": "Recipe", "name": "Focaccia", "description": summary,
          "nutrition": {"@type": "NutritionInformation", "calories": "291 kcal",
                        "carbohydrateContent": "31 g", "proteinContent": "5 g", "servingSize": "1 serving"}}
    facts = "".join(f"<span class='n'><span>{k}: </span><span>{v}</span><span>{u}</span></span>"
                    for k, v, u in (("Calories", 291, "kcal"), ("Carbohydrates", 31, "g"), ("Protein", 5, "g")))
    card = (f"<div class='wprm-recipe widget'><div class='summary'><span>{summary}</span></div>"
            f"<h3>Nutrition</h3><div class='facts'><style>.n {{color: #333}}</style>{facts}</div></div>")
    head = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    # the page's layout box holding the headline is named like a sidebar: still the article
    html = _page(BODY + card, head).replace("<article>", "<div class='content-sidebar-wrap'><article>")
    doc = clean(html, URL)
    assert summary in doc.text
    assert "Calories: 291kcal, Carbohydrates: 31g, Protein: 5g" in doc.text and "color" not in doc.text
    # the same card in a sidebar (another recipe's teaser) is not this page's
    html = _page(BODY, head).replace("<footer>", f"<aside>{card}</aside><footer>")
    doc = clean(html, URL)
    assert summary not in doc.text and "Carbohydrates: 31g" not in doc.text


def test_offer_cards_go_but_buy_links_in_prose_and_product_boxes_without_a_button_stay() -> None:
    card = ("<section class='card-feature' data-beam-product-id='22'><p>WELCOME OFFER: 80,000 Points</p>"
            "<p><em>*Bonus value is an estimated value calculated by us</em></p>"
            "<a class='apply' href='/apply/x'> Apply Now </a></section>")
    spec = "<div class='specs' data-product-key='7'><p>Weight: 1.2 kg. Battery: 10 hours of use.</p></div>"
    scheme = ("<p>Residents can apply for the bridge toll discount from Monday: "
              "<a href='/toll'>Apply now</a> on the council's site, the leader said.</p>")
    review = (f"<div class='review-body' data-product-id='9'>{BODY}<p>The verdict: a fine bridge. "
              "<a href='/shop'>Buy now</a></p></div>")
    tree = parse_html(_page(card + spec + scheme + review))
    removed: list = []
    prune_offer_cards(tree, removed)
    text = " ".join(tree.text_content().split())
    assert "WELCOME OFFER" not in text and "Bonus value" not in text
    assert [r.rule for r in removed] == ["generic.offer_card"]
    assert "Weight: 1.2 kg" in text and "Residents can apply" in text and "The verdict" in text
