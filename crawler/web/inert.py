"""Archived HTML made inert for display, with every block the cleaners removed marked.

The page is shown in a sandboxed frame under a strict Content-Security-Policy; on top of that
this rewrite removes everything that could run or fetch: scripts, frames, plugins, `<base>`,
refresh, event handlers, `javascript:` and every other URL (links keep their target as text in
`data-archived-href`; images, stylesheets and fonts from the live web are dropped). So an
archived page can neither run code in the UI's origin nor make the browser contact the site.

Removed blocks are found again in the original by their text (the removal report keeps the text,
not the node): the outermost element whose text equals a removed block's, else the blocks that
together make up a removed span, else the smallest element holding it. Each gets
`data-rule="<rule id>"` and `data-kind`.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

__all__ = ["HIGHLIGHT_CSS", "inert_html", "mark_removed", "render"]

_DROP_TAGS = {"script", "noscript", "iframe", "frame", "frameset", "object", "embed", "applet",
              "base", "link", "portal", "template", "audio", "video", "source", "track",
              "canvas", "svg", "math"}
_URL_ATTRS = {"href", "src", "srcset", "action", "formaction", "poster", "background", "data",
              "cite", "longdesc", "ping", "manifest", "codebase", "lowsrc", "dynsrc", "xlink:href",
              "imagesrcset", "archive", "classid", "usemap", "profile", "icon"}
_CSS_URL = re.compile(r"""url\s*\((?:"[^"]*"|'[^']*'|[^)]*)\)""", re.IGNORECASE)     # url("..."), url(x)
_CSS_IMPORT = re.compile(r"@import\b[^;]*;?", re.IGNORECASE)
_CSS_ACTIVE = re.compile(r"expression\s*\(|(?:-webkit-)?image-set\s*\(|image\s*\(|behavior\s*:|-moz-binding", re.IGNORECASE)
_WS = re.compile(r"\s+")
_BLOCKS = {"p", "div", "li", "ul", "ol", "section", "aside", "header", "footer", "nav", "h1", "h2",
           "h3", "h4", "h5", "h6", "blockquote", "table", "tr", "td", "form", "figure", "span", "a",
           "dl", "dt", "dd", "article", "main", "strong", "em", "b", "i", "small", "button", "label"}

HIGHLIGHT_CSS = """
[data-rule]{outline:3px solid #d4351c !important;background:rgba(212,53,28,.12) !important;
 position:relative !important}
[data-rule]::before{content:attr(data-rule);display:block;font:bold 12px/1.4 monospace;
 color:#fff;background:#d4351c;padding:1px 4px;width:max-content;max-width:100%}
"""


def _squash(text: str) -> str:
    return _WS.sub("", text)


def _strip_css(css: str) -> str:
    """No url(), @import or other fetching/active CSS survives (CSP blocks them too)."""
    css = _CSS_IMPORT.sub("", _CSS_URL.sub("none", css))
    return _CSS_ACTIVE.sub("blocked(", css)


def inert_html(html: str) -> HtmlElement:
    """Parse archived HTML and remove everything active or remote (see module docstring)."""
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        root = lxml.html.document_fromstring("<html><body></body></html>")
    for el in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        _remove(el)  # conditional comments can hold markup some engines still act on
    for el in list(root.iter()):
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower().rsplit("}", 1)[-1]
        if tag in _DROP_TAGS or (tag == "meta" and (el.get("http-equiv") or el.get("charset"))):
            _remove(el)
            continue
        for name in list(el.attrib):
            lname = name.lower()
            value = el.attrib[name]
            if lname.startswith("on") or lname in ("srcdoc", "formtarget", "target", "is",
                                                    "autofocus", "nonce", "integrity"):
                del el.attrib[name]
            elif lname in _URL_ATTRS or lname.endswith(":href"):
                del el.attrib[name]
                if lname == "href" and tag == "a" and not value.strip().lower().startswith(
                        ("javascript:", "vbscript:", "data:")):
                    el.set("data-archived-href", value[:2000])
            elif lname == "style":
                el.set(name, _strip_css(value))
        if tag == "style":
            el.text = _strip_css(el.text or "")
    return root


def _remove(el: Any) -> None:
    """Take an element out, keeping the text that followed it (lxml's drop_tree)."""
    if el.getparent() is None:
        return
    if hasattr(el, "drop_tree"):
        el.drop_tree()
        return
    parent, prev, tail = el.getparent(), el.getprevious(), el.tail
    parent.remove(el)
    if tail:
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


def _texts(root: HtmlElement) -> list[tuple[HtmlElement, str]]:
    body = root.find("body")
    scope = body if body is not None else root
    return [(el, _squash(el.text_content())) for el in scope.iter()
            if isinstance(el.tag, str) and el is not scope]


def _is_inside(el: HtmlElement, marked: set[HtmlElement]) -> bool:
    return any(a in marked for a in el.iterancestors()) or el in marked


def mark_removed(root: HtmlElement, removed: Iterable[dict[str, Any]]) -> int:
    """Mark each removed block in the page; return how many elements were marked."""
    texts = _texts(root)
    marked: set[HtmlElement] = set()
    count = 0
    for r in removed:
        target = _squash(str(r.get("text") or ""))
        if len(target) < 3:
            continue
        hits = _exact(texts, target, marked) or _pieces(texts, target, marked) \
            or _container(texts, target, marked)
        for el in hits:
            el.set("data-rule", str(r.get("rule") or "unknown"))
            el.set("data-kind", str(r.get("kind") or ""))
            el.set("title", f"removed by {r.get('rule')} ({r.get('kind')})")
            marked.add(el)
            count += 1
    return count


def _exact(texts: list[tuple[HtmlElement, str]], target: str, marked: set[HtmlElement]
           ) -> list[HtmlElement]:
    for el, t in texts:
        if t == target and not _is_inside(el, marked) and not any(
                m in marked for m in el.iterdescendants()):
            return [el]
    return []


def _pieces(texts: list[tuple[HtmlElement, str]], target: str, marked: set[HtmlElement]
            ) -> list[HtmlElement]:
    """A removed span made of several blocks: the maximal blocks lying wholly inside it."""
    found = [el for el, t in texts if len(t) >= 20 and t in target
             and el.tag in _BLOCKS and not _is_inside(el, marked)]
    chosen = set(found)
    out = [el for el in found if not any(a in chosen for a in el.iterancestors())]
    covered = sum(len(_squash(el.text_content())) for el in out)
    return out if covered >= 0.5 * len(target) else []


def _container(texts: list[tuple[HtmlElement, str]], target: str, marked: set[HtmlElement]
               ) -> list[HtmlElement]:
    """The smallest element holding the removed text, if it is not much more than that."""
    best: tuple[int, HtmlElement] | None = None
    probe = target[:400]
    for el, t in texts:
        if probe in t and len(t) <= 3 * len(target) + 200 and not _is_inside(el, marked):
            if best is None or len(t) < best[0]:
                best = (len(t), el)
    return [best[1]] if best else []


def render(root: HtmlElement) -> str:
    """Serialise with a highlight stylesheet added to the head."""
    head = root.find("head")
    if head is None:
        head = etree.Element("head")
        root.insert(0, head)
    style = etree.SubElement(head, "style")
    style.text = HIGHLIGHT_CSS
    meta = etree.Element("meta", charset="utf-8")
    head.insert(0, meta)
    return "<!DOCTYPE html>\n" + lxml.html.tostring(root, encoding="unicode", method="html")
