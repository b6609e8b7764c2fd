"""Find the blocks the cleaners removed in the archived page, and mark them.

The removal report keeps each block's rule, kind and text, not its node, so blocks are found by
text, on the page *as parsed* (before the inert rewrite drops scripts), because that is the
tree the cleaners read: a pruned node's text includes the JSON of a `<script>` inside it
(The Independent's "Most Popular" rail). Text is compared without whitespace, with NFKC,
soft hyphens and zero-width characters removed; a text-rule line may also carry the
extractor's `- ` list-item prefix. For each block, in order:

1. the outermost element whose text is the block's (the page's full text, else its visible
   text: no script, style, noscript, template), not inside an element already marked;
2. the same, inside a marked element: the cleaners report a pruned node and a node inside it
   separately when both match their rule (Evening Standard's reg wall and its form);
3. an element already marked for another block with the same text (two rules, one node);
4. the blocks that together make up a removed span (a truncated tail);
5. the smallest element holding the text, if not much bigger than it.

Each hit gets `data-rule`, `data-kind`, and `data-removed` (the block's index in the report,
space-separated when one element stands for several). A block found only inside something the
UI never renders (a script, a noscript) or not found at all is reported with the reason.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lxml.html import HtmlElement

__all__ = ["Located", "mark_removed", "visible_marks"]

_HIDDEN = {"script", "style", "noscript", "template"}
_SPACE = re.compile(r"[\s\u00ad\u200b\u200c\u200d\u2060\ufeff]+")
_ITEM = re.compile(r"(?m)^- ")
_OURS = ("data-rule", "data-kind", "data-removed", "data-rules")
_BLOCKS = {"p", "div", "li", "ul", "ol", "section", "aside", "header", "footer", "nav", "h1", "h2",
           "h3", "h4", "h5", "h6", "blockquote", "table", "tr", "td", "form", "figure", "span", "a",
           "dl", "dt", "dd", "article", "main", "strong", "em", "b", "i", "small", "button", "label"}
MIN_CHARS = 3


def norm(text: str) -> str:
    """Text as compared: NFKC, no whitespace, soft hyphens or zero-width characters."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


@dataclass
class Located:
    """Where one block of the removal report ended up in the page."""

    index: int
    rule: str
    kind: str
    text: str
    how: str | None = None        # exact | nested | shared | pieces | container; None: not found
    reason: str | None = None     # why it is not highlighted

    @property
    def highlighted(self) -> bool:
        return self.how is not None and self.reason is None


def _tag(el: Any) -> str:
    return el.tag.lower().rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""


def _texts(root: HtmlElement) -> tuple[list[HtmlElement], dict[HtmlElement, str], dict[HtmlElement, str]]:
    """Elements of the body in document order, with their full and visible normalised text."""
    body = root.find("body")
    scope = body if body is not None else root
    els = [el for el in scope.iter() if isinstance(el.tag, str)]
    full: dict[HtmlElement, str] = {}
    seen: dict[HtmlElement, str] = {}
    for el in reversed(els):  # children before parents
        f, v = [el.text or ""], [el.text or ""]
        for child in el:
            if isinstance(child.tag, str):
                f.append(full[child])
                v.append("" if _tag(child) in _HIDDEN else seen[child])
            f.append(child.tail or "")
            v.append(child.tail or "")
        full[el], seen[el] = "".join(f), "".join(v)
    full = {el: norm(t) for el, t in full.items()}
    seen = {el: norm(t) for el, t in seen.items()}
    return [el for el in els if el is not scope], full, seen


class _Marker:
    def __init__(self, root: HtmlElement) -> None:
        self.els, full, seen = _texts(root)
        self.views = (full, seen)
        self.marked: set[HtmlElement] = set()

    def inside(self, el: HtmlElement) -> bool:
        return el in self.marked or any(a in self.marked for a in el.iterancestors())

    def holds_marked(self, el: HtmlElement) -> bool:
        return any(d in self.marked for d in el.iterdescendants())

    def find(self, targets: list[str]) -> tuple[str, list[HtmlElement]] | None:
        for t in targets:  # 1: outermost free element with exactly this text
            for view in self.views:
                el = next((e for e in self.els if view[e] == t and not self.inside(e)
                           and not self.holds_marked(e)), None)
                if el is not None:
                    return "exact", [el]
        for t in targets:  # 2, 3: a node inside a marked one, or the marked one itself
            for view in self.views:
                el = next((e for e in self.els if view[e] == t and e not in self.marked
                           and not self.holds_marked(e)), None)
                if el is not None:
                    return "nested", [el]
                el = next((e for e in self.els if view[e] == t and e in self.marked), None)
                if el is not None:
                    return "shared", [el]
        seen = self.views[1]
        for t in targets:  # 4: maximal blocks lying wholly inside a removed span
            found = [e for e in self.els if len(seen[e]) >= 20 and seen[e] in t
                     and _tag(e) in _BLOCKS and not self.inside(e)]
            chosen = set(found)
            out = [e for e in found if not any(a in chosen for a in e.iterancestors())]
            if out and sum(len(seen[e]) for e in out) >= 0.5 * len(t):
                return "pieces", out
        for t in targets:  # 5: the smallest element holding it
            probe = t[:400]
            for view in self.views:
                best = min((e for e in self.els if probe in view[e]
                            and len(view[e]) <= 3 * len(t) + 200 and not self.inside(e)),
                           key=lambda e: len(view[e]), default=None)
                if best is not None:
                    return "container", [best]
        return None


def mark_removed(root: HtmlElement, removed: Iterable[dict[str, Any]]) -> list[Located]:
    """Mark each removed block in the (not yet inert) page; say where each one went."""
    for el in root.iter():
        if isinstance(el.tag, str):
            for a in _OURS:  # the archived page cannot fake a highlight
                el.attrib.pop(a, None)
    marker = _Marker(root)
    out = []
    for i, r in enumerate(removed):
        text = str(r.get("text") or "")
        loc = Located(i, str(r.get("rule") or "unknown"), str(r.get("kind") or ""), text)
        out.append(loc)
        target = norm(text)
        if len(target) < MIN_CHARS:
            loc.reason = f"too short to find (under {MIN_CHARS} characters)"
            continue
        variants = [target] + ([v] if (v := norm(_ITEM.sub("", text))) != target else [])
        hit = marker.find(variants)
        if hit is None:
            loc.reason = ("its text is in no element of the archived page (the cleaners cut it "
                          "from the extracted text, which joins or reorders the page's text)")
            continue
        loc.how, els = hit
        for el in els:
            if el.get("data-rule") is None:
                el.set("data-rule", loc.rule)
                el.set("data-kind", loc.kind)
                el.set("title", f"removed by {loc.rule} ({loc.kind})")
            else:
                el.set("data-rules", f"{el.get('data-rules') or el.get('data-rule')} {loc.rule}")
            el.set("data-removed", f"{el.get('data-removed') or ''} {i}".strip())
            marker.marked.add(el)
    return out


def visible_marks(root: HtmlElement, located: list[Located]) -> list[Located]:
    """After the inert rewrite: blocks whose every mark was dropped with an unsafe element."""
    shown = {int(i) for el in root.iter() if isinstance(el.tag, str)
             for i in (el.get("data-removed") or "").split()}
    for loc in located:
        if loc.how is not None and loc.index not in shown:
            loc.reason = ("found only inside an element the UI never renders "
                          "(script, noscript, frame or other active content)")
    return located
