"""The page's own metadata as an anchor for article blocks an extractor dropped.

A page says what its article is in its head: the description (``<meta name=description>``,
``og:description``) is usually the standfirst, word for word or its first sentence, and a
recipe's JSON-LD lists its ingredients. When the extracted text lacks that block but the
page *shows* it (a visible element carries the same words), the visible block is put back:
never the metadata's own wording, never text a reader cannot see.
"""
from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any

from lxml import etree
from lxml.html import HtmlElement

from cleaners.extract import article_jsonld
from cleaners.labels import labels_with

__all__ = ["add_recipe_card", "add_recipe_ingredients", "add_standfirst", "find_article_body",
           "find_named_lead", "find_recipe_card", "find_recipe_ingredients", "find_standfirst",
           "use_article_body"]

_WS = re.compile(r"\s+")
_KEY_CHARS = 40  # a description's first 40 characters find its element in the body
_MIN_DESCRIPTION = 60  # shorter descriptions ("Latest news from X") are not a standfirst
_MAX_STANDFIRST = 600
_BLOCK = frozenset({"p", "div", "h2", "h3", "section", "header", "li", "blockquote", "td"})
# a standfirst is never inside these (the description repeated in a card, menu or footer)
_FURNITURE = (r"nav|menu|footer|related|share|social|promo|sidebar|newsletter|breadcrumb|modal|"
              r"popup|hidden|sr-only|visually-hidden")
_OUTSIDE = re.compile(_FURNITURE, re.I)
# ... and a standfirst is not a teaser card's summary (a recipe card's list is the recipe)
_OUTSIDE_STANDFIRST = re.compile(_FURNITURE + r"|teaser|card", re.I)


def _norm(s: str) -> str:
    return _WS.sub(" ", s).strip()


_BLOCKISH = _BLOCK | {"h1", "h4", "h5", "h6", "ul", "ol", "table", "tr", "br", "article", "aside"}


def _text(el: HtmlElement) -> str:
    """Text content with a space where a block element starts or ends ("Our Verdict" + "A
    superbly…" is not "Our VerdictA superbly…")."""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str):
            sub = _text(child)
            parts.append(f" {sub} " if child.tag in _BLOCKISH else sub)
        parts.append(child.tail or "")
    return "".join(parts)


def _block_of(el: HtmlElement) -> HtmlElement:
    while el.tag not in _BLOCK and el.getparent() is not None and el.getparent().tag != "body":
        el = el.getparent()
    return el


_HAS_H1 = etree.XPath("boolean(descendant::h1)")  # in C, stops at the first


def _outside_article(el: HtmlElement, names: re.Pattern[str] = _OUTSIDE) -> bool:
    node: HtmlElement | None = el
    while node is not None and node.tag not in ("body", "html"):
        if node.tag in ("nav", "footer", "aside", "script", "style", "noscript", "template", "head"):
            return True
        if names.search(f"{node.get('class') or ''} {node.get('id') or ''}") and not _HAS_H1(node):
            return True  # (a box holding the headline is the page's layout: "content-sidebar-wrap")
        node = node.getparent()
    return False


def find_standfirst(tree: HtmlElement, description: str | None) -> str | None:
    """The visible block that starts with the page's description, else None.

    Call it before extraction: trafilatura edits the tree it is given.
    """
    if not description:
        return None
    desc = _norm(description).rstrip(".… ").removesuffix("...")
    if len(desc) < _MIN_DESCRIPTION:
        return None
    key = desc[:_KEY_CHARS]
    body = next(tree.iterdescendants("body"), None)
    if body is None:
        return None
    # (a text node holding the key once normalised holds each of its words as it is: that
    # cheap test first, for its four longest words; normalize-space only on the nodes passing it)
    words = sorted(set(key.split(" ")), key=len, reverse=True)[:4] + ["", "", ""]
    for found_text in _TEXT_WITH_WORDS(body, key=key, w1=words[0], w2=words[1], w3=words[2], w4=words[3]):
        node = found_text.getparent()
        if node is not None and found_text.is_tail:
            node = node.getparent()  # "<b>Update</b> Whether you're…": the text is a tail
        if node is None:
            continue
        if not isinstance(node.tag, str) or node.tag in ("script", "style"):
            continue
        block = _block_of(node)
        if _outside_article(block, _OUTSIDE_STANDFIRST):
            continue
        # the block's text, or the node's own when malformed markup nests the body inside it
        for found in (_norm(_text(block)), _norm(str(found_text))):
            if found.startswith(key) and len(found) <= _MAX_STANDFIRST:
                return found
    return None


# a template's own name for the standfirst / editor's note / review verdict above the body
# (eval: salon p.editors_note, pcgamer div.verdict, thelocal h2.article-single__excerpt)
_LEAD_NAME = re.compile(r"(?:^|[-_\s])(?:standfirst|dek|sub-?title|sub-?headline|excerpt|lede|strapline|"
                        r"editors?[-_]?note|verdict)(?:$|[-_\s])", re.I)
_MIN_LEAD = 20
_BODY_PARAGRAPH = 150  # characters: a body paragraph, not a caption or a label
# substrings of every name above: a cheap first cut before the regex
_LEAD_NEEDLE = re.compile("standfirst|dek|title|headline|excerpt|lede|strapline|editor|verdict", re.I)
# text nodes (not their elements' whole content) that hold the description's start
# (script and style text is never a standfirst: not normalised at all, it is most of a page's text)
_TEXT_WITH = etree.XPath(".//text()[not(parent::script or parent::style)][contains(normalize-space(.), $key)]")
# the same, normalising only the nodes that hold $w1 … $w4 (words of $key) as they are
_TEXT_WITH_WORDS = etree.XPath(".//text()[not(parent::script or parent::style)][contains(., $w1)]"
                               "[contains(., $w2)][contains(., $w3)][contains(., $w4)]"
                               "[contains(normalize-space(.), $key)]")


def _first_body_paragraph_line(body: HtmlElement) -> int | None:
    """Source line of the first long paragraph: a standfirst comes before it."""
    for p in body.iter("p"):
        if len(_norm(p.text_content())) >= _BODY_PARAGRAPH and not _outside_article(p):
            return int(p.sourceline) if p.sourceline is not None else None
    return None


def find_named_lead(tree: HtmlElement) -> str | None:
    """The first block the template names as standfirst (``dek``, ``excerpt``, ``verdict``…)
    that stands before the body's first long paragraph and holds no heading (a teaser card
    with its own headline) and no image (a lead-image wrapper with its caption)."""
    body = next(tree.iterdescendants("body"), None)
    if body is None:
        return None
    first_para: int | None | bool = False  # computed on the first candidate only
    for value in labels_with(body, _LEAD_NEEDLE):  # (the values _LEAD_NEEDLE finds something in)
        if not _LEAD_NAME.search(value):
            continue
        node = value.getparent()
        if not isinstance(node.tag, str) or node.tag in ("script", "style", "a", "img", "span"):
            continue
        if any(node.find(f".//{t}") is not None for t in ("figure", "img", "h1", "h2")):
            continue
        text = _norm(_text(node))
        if not _MIN_LEAD <= len(text) <= _MAX_STANDFIRST or _outside_article(node, _OUTSIDE_STANDFIRST):
            continue
        if first_para is False:
            first_para = _first_body_paragraph_line(body)
        if first_para is not None and node.sourceline is not None and node.sourceline > first_para:
            continue  # after the body started: another story's excerpt
        return text
    return None


def add_standfirst(standfirst: str | None, lines: list[str], title: str | None) -> list[str]:
    """Put the standfirst in front of the body (after a leading title) when it is missing."""
    if not standfirst or not lines or standfirst[:_KEY_CHARS] in _norm(" ".join(lines)):
        return lines
    at = 1 if title and _norm(lines[0]) == _norm(title) else 0
    return lines[:at] + [standfirst] + lines[at:]


def _recipes(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            obj = stack.pop(0)
            if not isinstance(obj, dict):
                continue
            if isinstance(obj.get("@graph"), list):
                stack.extend(obj["@graph"])
            types = obj.get("@type")
            if types == "Recipe" or (isinstance(types, list) and "Recipe" in types):
                yield obj


_MIN_LIST_HITS = 2  # a list with two items named in the JSON-LD is (part of) the ingredients
_MIN_HITS = 3  # list items matching the JSON-LD ingredients before a list counts as the recipe's


def find_recipe_ingredients(tree: HtmlElement) -> list[str]:
    """The visible list items of a recipe's ingredient lists, found through its JSON-LD
    ``recipeIngredient`` (the page's own wording is kept, not the JSON-LD's). Call it before
    extraction."""
    wanted = [_norm(i).casefold() for r in _recipes(tree) for i in r.get("recipeIngredient") or []
              if isinstance(i, str) and _norm(i)]
    if len(wanted) < _MIN_HITS:
        return []
    found: list[str] = []
    hits_total = 0
    for lst in tree.iter("ul", "ol"):
        items = [_norm(li.text_content()) for li in lst.iter("li")]
        hits = sum(any(w in it.casefold() or it.casefold() in w for w in wanted) for it in items if it)
        if hits >= _MIN_LIST_HITS and not _outside_article(lst):
            hits_total += hits
            found.extend(it for it in items if it and it not in found)
    return found if hits_total >= _MIN_HITS else []


def add_recipe_ingredients(ingredients: list[str], lines: list[str]) -> list[str]:
    """Ingredients missing from the text go after its "Ingredients" heading (else at the end),
    when most of them are missing: a list the extractor kept is left alone."""
    if not ingredients:  # (no recipe: the whole text is not worth normalising)
        return lines
    text = _norm(" ".join(lines)).casefold()
    new = [f"- {it}" for it in ingredients if it.casefold() not in text]
    if not new or len(new) * 2 < len(ingredients):
        return lines
    at = next((i + 1 for i, ln in enumerate(lines)
               if _norm(ln).rstrip(":").casefold() == "ingredients"), len(lines))
    return lines[:at] + new + lines[at:]


_MIN_SUMMARY = 60
_NUTRIENTS_MIN = 3  # JSON-LD nutrition values a visible block must show to be the facts box
_MAX_NUTRITION = 800
_RAW_NUTRITION = 20_000  # characters with markup-free CSS: past this a box is the page, not the facts
_STRING = etree.XPath("string(.)")
_NUMBER_UNIT = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*([a-zA-Zµ]{0,5})\s*$")


def _squash(s: str) -> str:
    return "".join(s.split()).casefold()


def find_recipe_card(tree: HtmlElement) -> tuple[str | None, str | None]:
    """A recipe card's summary and nutrition facts as the page shows them, found through the
    JSON-LD ``description`` and ``nutrition`` of its Recipe (recipe plug-ins draw both in
    spans an extractor drops). Call it before extraction.

    The summary is the visible block whose text is the description; the nutrition line is the
    smallest visible block showing three or more of the JSON-LD values, its parts joined by
    commas ("Calories: 291kcal, Carbohydrates: 31g, …"). Seen: flawlessfood (WP Recipe Maker).
    """
    recipe = next(_recipes(tree), None)
    body = next(tree.iterdescendants("body"), None)
    if recipe is None or body is None:
        return None, None
    summary = None
    desc = recipe.get("description")
    desc = _norm(html.unescape(desc)) if isinstance(desc, str) else ""
    if len(desc) >= _MIN_SUMMARY:
        found_texts = []
        for found in _TEXT_WITH(body, key=desc[:_KEY_CHARS]):
            node = found.getparent()
            if node is None or not isinstance(node.tag, str) or node.tag in ("script", "style"):
                continue
            text = _norm(_text(_block_of(node)))
            if text.startswith(desc[:_KEY_CHARS]) and len(text) <= _MAX_STANDFIRST and not _outside_article(node):
                found_texts.append(text)
        # the card's own summary is the description word for word; a post's intro that opens
        # with the same sentence is only a fallback
        summary = next((t for t in found_texts if _squash(t) == _squash(desc)), None) or next(iter(found_texts), None)
    return summary, _nutrition_line(body, recipe.get("nutrition"))


_INVISIBLE = frozenset({"script", "style", "noscript", "template"})


def _visible_text(el: HtmlElement) -> str:
    """Text content without script and style text (a plug-in's inline CSS)."""
    if el.tag in _INVISIBLE:
        return ""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str):
            parts.append(_visible_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _nutrition_line(body: HtmlElement, facts: Any) -> str | None:
    if not isinstance(facts, dict):
        return None
    values, numbers = [], []
    for k, v in facts.items():
        m = _NUMBER_UNIT.match(v) if isinstance(v, str) and k != "servingSize" else None
        if m:
            values.append(_squash(m.group(1) + m.group(2)))
            numbers.append(m.group(1))
    if len(values) < _NUTRIENTS_MIN:
        return None
    best = None
    best_len = 0
    # from each text showing the longest number up to the smallest box showing three values
    for found in _TEXT_WITH(body, key=max(numbers, key=len)):
        node = found.getparent()
        if node is not None and found.is_tail:
            node = node.getparent()
        while node is not None and node is not body and len(_STRING(node)) <= _RAW_NUTRITION:
            flat = _squash(_visible_text(node))
            if len(flat) > _MAX_NUTRITION:
                break
            if sum(v in flat for v in values) >= _NUTRIENTS_MIN:
                if best is None or len(flat) < best_len:
                    best, best_len = node, len(flat)  # the smallest box showing the facts
                break
            node = node.getparent()
    if best is None or _outside_article(best):
        return None
    parts = [_norm(_visible_text(c)) for c in best
             if isinstance(c.tag, str) and c.tag not in ("script", "style") and _norm(_visible_text(c))]
    return ", ".join(parts) if len(parts) >= _NUTRIENTS_MIN else _norm(_visible_text(best))


def add_recipe_card(summary: str | None, nutrition: str | None, lines: list[str]) -> list[str]:
    """The card's summary before its "Ingredients" heading and its nutrition line after its
    "Nutrition" heading (else at the end), each only when the text lacks it."""
    if not summary and not nutrition:  # (most pages: no recipe card)
        return lines
    flat = _squash(" ".join(lines))

    def at(heading: str, after: bool) -> int:
        return next((i + after for i, ln in enumerate(lines)
                     if _norm(ln).rstrip(":").casefold() in (heading, f"{heading} facts")), len(lines))

    if summary and _squash(summary) not in flat:
        i = at("ingredients", False)
        lines = lines[:i] + [summary] + lines[i:]
    if nutrition and _squash(nutrition) not in flat:
        i = at("nutrition", True)
        lines = lines[:i] + [nutrition] + lines[i:]
    return lines


_MIN_BODY = 500  # an articleBody shorter than this is a teaser, not the article
_SHORT_SHARE = 0.4  # extraction under 40% of the publisher's articleBody missed the article


def find_article_body(tree: HtmlElement) -> str:
    """The JSON-LD ``articleBody`` of the page's Article, "" when absent or a teaser.

    Pages that render their article from script data (the text is in the page only as JSON)
    leave an extractor little; the publisher's own articleBody is that article. Call it before
    extraction (trafilatura drops scripts from the tree it is given).
    """
    body = article_jsonld(tree).get("articleBody")
    if not isinstance(body, str):
        return ""
    body = "\n".join(_norm(p) for p in body.split("\n") if _norm(p))
    return body if len(body) >= _MIN_BODY else ""


def use_article_body(article_body: str, lines: list[str]) -> list[str]:
    """The articleBody's paragraphs instead of an extraction that holds under 40% of it."""
    if not article_body or len(" ".join(lines)) >= _SHORT_SHARE * len(article_body):
        return lines
    return article_body.split("\n")
