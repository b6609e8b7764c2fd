"""Article blocks trafilatura skipped *between* blocks it kept, on the generic path.

trafilatura scores blocks one by one; inside the article it sometimes skips a Q&A page's
question above the answers, a table of a wiki page, a paragraph after an inline widget. The
article region (:mod:`cleaners.article_region`, furniture by tag and name excluded) is read
before extraction; after it, a block of that region that the text lacks is put back only when
its features say article, not furniture:

- **position**: it stands between the first and the last block trafilatura kept (what comes
  after the article's last kept block is where related links, author boxes, "explore further"
  and newsletter calls live; nothing there is put back), or before the first one but after the
  headline *and* it is a sentence (a question, a lede; a byline is no sentence);
- **link density**: at most 30% of its text in links (50% for a table row or list item);
- **kind**: a sentence (8 words or more ending in sentence punctuation), a table row (not a
  layout row around another table), an item of a list the extractor kept in part, or a
  heading followed by a block that is kept or put back. A caption (``figure``,
  ``figcaption``, a class naming a caption or credit) comes back only as a sentence, and
  only when the extractor kept captions of other figures in the same box (a gallery whose
  captions are the article and whose one slide with an embed it skipped).

The site cleaners' repair (:mod:`cleaners.extract_repair`) restores everything in the region:
it knows the layouts. Here the layout is unknown, so only what these features vouch for.
"""
from __future__ import annotations

import re
from typing import Any, NamedTuple

from lxml import etree

from cleaners.article_region import Region
from cleaners.document import Removal
from cleaners.flat_text import flat
from cleaners.labels import has_label_with
from cleaners.spaces import collapse

__all__ = ["Block", "drop_restated_captions", "read_blocks", "restore_skipped"]

_BLOCKS = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "li", "tr", "blockquote", "dt", "dd"})
_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_NESTING = frozenset({"li", "tr", "p", "blockquote"})
_CAPTION = re.compile(r"caption|credit", re.I)
_ITER_TAGS = ("h1", *sorted(_BLOCKS))
# whether _is_caption can be true of anything in a subtree: a figure, or a class or id naming a
# caption (the attribute strings only: no element proxies, no predicate on every element)
_FIGURES = etree.XPath("boolean(descendant-or-self::figure or descendant-or-self::figcaption)")
_SENTENCE_END = re.compile(r"[.!?:…\"”’)]$")
# a date in a line above the body marks post meta ("By Ela on 31. October, 2023 | 18 Comments")
_DATE = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?,? \d{1,2}?,? ?\d{4}\b"
                   r"|\b\d{1,2}\.? (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*,? \d{4}\b"
                   r"|\b\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}\b")
_MIN_WORDS = 8  # a sentence, not a label, a name or a date
_MAX_LINK_SHARE = 0.3  # prose holds links; a teaser or a link list is mostly link
_MAX_LINK_SHARE_ROW = 0.5  # a table row or list item names things, often as links
_MIN_ANCHOR = 20  # flat characters of a kept block that can mark the article's span


def _norm(s: str) -> str:
    return collapse(s)


def _flat(s: str) -> str:
    """Letters and digits only, lower case: list dashes, table pipes and spacing differ
    between the page and the extracted text."""
    return flat(s)  # ("- " list marks are non-word characters too)


class Block(NamedTuple):
    """One text block of the article region, as read before extraction (a named tuple: a
    page makes dozens, and a frozen dataclass costs three times as much to build)."""

    line: str  # as the rule text shows it ("- item", "| a | b |")
    key: str  # _flat of its text
    tag: str
    words: int
    link_share: float
    group: int  # its list's, table's or gallery's id (0 for none): parts of one whole
    caption: bool
    story: int = 0  # its run of sibling story sections' id (0 for none), see _story_sections


def _is_caption(el: Any) -> bool:
    return el.tag in ("figure", "figcaption") or bool(
        _CAPTION.search(f"{el.get('class') or ''} {el.get('id') or ''}"))


def _captions(article: Any) -> dict[Any, Any]:
    """Each element of the article inside a caption box (``figure``, ``figcaption``, a class
    naming a caption or credit), mapped to the outermost such box; one pre-order pass."""
    box: dict[Any, Any] = {}
    for el in article.iter():
        if not isinstance(el.tag, str):
            continue
        outer = box.get(el.getparent())
        if outer is not None:
            box[el] = outer
        elif _is_caption(el):
            box[el] = el
    return box


def _nested(el: Any, article: Any) -> bool:
    for a in el.iterancestors():
        if a is article:
            return False
        if isinstance(a.tag, str) and a.tag in _NESTING and not (a.tag == el.tag == "tr"):
            return True  # (a row inside a layout row is read on its own: see read_blocks)
    return False


def _group(el: Any) -> int:
    if el.tag == "li":
        parent = el.getparent()
        return id(parent) if parent is not None else 0
    if el.tag == "tr":
        table = next((a for a in el.iterancestors("table")), None)
        return id(table) if table is not None else 0
    return 0


_MIN_STORIES = 3  # sibling sections of one template in a row: a newsletter's or live blog's items
_STORY_PROSE = 200  # characters of text outside links: a story, not a teaser card
_STORY_SHARE = 0.6


def _prose_chars(el: Any) -> int:
    linked = sum(len("".join(a.itertext())) for a in el.iter("a"))
    return len("".join(el.itertext())) - linked


def _story_sections(article: Any, furniture: set[Any]) -> dict[Any, int]:
    """Elements that are one of a run of sibling sections made by one template (same tag and
    class), most of them holding a story's worth of text outside links: the items of a
    newsletter page or a live blog. Teaser cards (mostly link, short) and list items are not."""
    out: dict[Any, int] = {}
    for parent in article.iter():
        if not isinstance(parent.tag, str) or parent in furniture:
            continue
        runs: dict[tuple[str, str], list[Any]] = {}
        for c in parent:
            cls = c.get("class") if isinstance(c.tag, str) else None
            if cls and c.tag not in _BLOCKS and c not in furniture:
                runs.setdefault((c.tag, cls), []).append(c)
        for members in runs.values():
            if len(members) < _MIN_STORIES:
                continue
            stories = sum(_prose_chars(m) >= _STORY_PROSE for m in members)
            if stories >= _MIN_STORIES and stories >= _STORY_SHARE * len(members):
                for m in members:
                    out.setdefault(m, id(members[0]))
    return out


def _story_of(el: Any, sections: dict[Any, int], article: Any) -> int:
    for a in el.iterancestors():
        if a is article:
            return 0
        if a in sections:
            return sections[a]
    return 0


def read_blocks(tree: Any) -> list[Block]:
    """The article region's text blocks after the headline, in page order. Call it before
    extraction (trafilatura edits the tree it is given)."""
    region = Region(tree)
    article = region.article
    furniture = region.furniture
    if article in furniture:
        return []
    h1 = next((h for h in article.iter("h1") if h not in furniture), None)
    started = h1 is None
    sections = _story_sections(article, furniture)
    # (most pages have no caption box in the article: then no per-element map is built)
    has_captions = _FIGURES(article) or has_label_with(article, _CAPTION)
    captions = _captions(article) if has_captions else {}
    out: list[Block] = []
    for el in article.iter(*_ITER_TAGS):  # (the block tags and h1, selected in C)
        if el is h1:
            started = True
            continue
        tag = el.tag
        if not started or tag not in _BLOCKS:
            continue
        if el in furniture or _nested(el, article):
            continue
        if tag == "tr":
            if el.find(".//table") is not None:
                continue  # a layout row around a table: the inner rows are the content
            cells = [_norm("".join(c.itertext())) for c in el if isinstance(c.tag, str) and c.tag in ("td", "th")]
            text = " ".join(c for c in cells if c)
            line = "| " + " | ".join(cells) + " |"
        else:
            # (a block without child elements: its text is all there is; most paragraphs)
            text = collapse(" ".join(el.itertext()) if len(el) else el.text or "")
            line = f"- {text}" if tag == "li" else text
        key = _flat(text)
        if not key:
            continue
        linked = sum(len(_norm("".join(a.itertext()))) for a in el.iter("a")) if len(el) else 0
        caption = captions.get(el) if captions else None  # captions group by the box holding their figures
        out.append(Block(line, key, tag, text.count(" ") + 1, linked / max(1, len(text)),
                         id(caption.getparent()) if caption is not None else _group(el),
                         caption is not None, _story_of(el, sections, article) if sections else 0))
    return out


def _sentence(b: Block) -> bool:
    return (b.words >= _MIN_WORDS and b.link_share <= _MAX_LINK_SHARE
            and b.tag in ("p", "blockquote", "dd", "li") and bool(_SENTENCE_END.search(b.line)))


def _wanted(blocks: list[Block], present: list[bool], first: int, last: int) -> list[bool]:
    """Which missing blocks come back (see the module docstring)."""
    want = [False] * len(blocks)
    # lists and captions the extractor kept in part: their other parts are as much text
    partial = {b.group for b, p in zip(blocks, present) if p and b.group and (b.tag == "li" or b.caption)}
    for i, b in enumerate(blocks):
        if present[i] or i > last:
            continue
        if b.caption:  # a caption is text where the extractor kept other captions beside it
            want[i] = first <= i and b.group in partial and _sentence(b)
        elif i < first:  # between the headline and the body: a lede or a question, not post meta
            want[i] = _sentence(b) and not _DATE.search(b.line)
        elif b.tag == "tr" or (b.tag == "li" and b.group in partial):
            want[i] = b.link_share <= _MAX_LINK_SHARE_ROW
        else:
            want[i] = _sentence(b)
    for i in range(len(blocks) - 1, -1, -1):  # a heading comes back with what it heads
        b = blocks[i]
        if b.tag in _HEADINGS and not present[i] and not b.caption and first <= i <= last \
                and b.link_share <= _MAX_LINK_SHARE_ROW and not _DATE.search(b.line):
            nxt = i + 1  # what it heads: a block kept (long enough to be sure) or put back
            want[i] = nxt < len(blocks) and blocks[nxt].tag not in _HEADINGS and (
                (present[nxt] and len(blocks[nxt].key) >= _MIN_ANCHOR) or want[nxt])
    return want


def restore_skipped(blocks: list[Block], lines: list[str]) -> list[str]:
    """The extracted lines with the skipped blocks put back in page order, each after the line
    of the last block before it that the text holds."""
    if not blocks or not lines:
        return lines
    out = list(lines)
    keys = [_flat(ln) for ln in out]
    flat = "".join(keys)
    whole = set(keys)  # (a block that is a whole line, most of them: no search of the text)
    present = [b.key in whole or b.key in flat for b in blocks]
    if all(present):  # (nothing skipped: most pages)
        return lines
    anchors = [i for i, b in enumerate(blocks) if present[i] and len(b.key) >= _MIN_ANCHOR]
    if not anchors:
        return lines
    # the extractor kept one of a run of sibling stories: the run is the article's span
    runs = {blocks[i].story for i in anchors} - {0}
    in_runs = [i for i, b in enumerate(blocks) if b.story in runs]
    first, last = min([anchors[0], *in_runs]), max([anchors[-1], *in_runs])
    want = _wanted(blocks, present, first, last)
    if not any(want):
        return lines
    last = -1  # index in `out` of the line holding the previous present block
    for i, b in enumerate(blocks):
        if present[i]:
            pos = next((j for j in range(max(0, last), len(out)) if b.key in keys[j]), None)
            if pos is not None:
                last = pos
            continue
        if not want[i]:
            continue
        last += 1
        out.insert(last, b.line)
        keys.insert(last, b.key)
    return out


_WORD = re.compile(r"\w{3,}")
_RESTATED = 0.8  # share of a caption's words the paragraph after it repeats
_MIN_CAPTION_WORDS = 5


def drop_restated_captions(blocks: list[Block], lines: list[str], removed: list[Removal]) -> list[str]:
    """Drop a kept line that is a caption box's text (a media summary) when the paragraph after
    it says the same: 80% of its words are there. A caption that adds anything stays, and so
    does a standfirst that is no caption. Seen: viconsortium's video summary ("AMO found Sunday
    475 pounds of cocaine concealed inside a vessel…") above the lede that opens with it."""
    captions = {b.key for b in blocks if b.caption and b.words >= _MIN_CAPTION_WORDS}
    if not captions:
        return lines
    out: list[str] = []
    for i, ln in enumerate(lines):
        if _flat(ln) in captions and i + 1 < len(lines):
            words = {w.casefold() for w in _WORD.findall(ln)}
            after = {w.casefold() for w in _WORD.findall(lines[i + 1])}
            if len(words & after) >= _RESTATED * len(words):
                removed.append(Removal("generic.restated_caption", "caption", ln))
                continue
        out.append(ln)
    return out
