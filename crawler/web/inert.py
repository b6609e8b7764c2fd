"""Archived HTML made inert for display, with every block the cleaners removed marked.

The page is shown in a sandboxed frame under a strict Content-Security-Policy; on top of that
this rewrite removes everything that could run or fetch: scripts, frames, plugins, `<base>`,
refresh, event handlers, `javascript:` and every other URL (links keep their target as text in
`data-archived-href`; images, stylesheets and fonts from the live web are dropped). So an
archived page can neither run code in the UI's origin nor make the browser contact the site.

Removed blocks are marked before this rewrite, on the page as parsed (crawler/web/removed.py).
"""
from __future__ import annotations

import re
from typing import Any

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

__all__ = ["DROP_TAGS", "HIGHLIGHT_CSS", "inert_html", "make_inert", "parse_archived", "render"]

DROP_TAGS = {"script", "noscript", "iframe", "frame", "frameset", "object", "embed", "applet",
              "base", "link", "portal", "template", "audio", "video", "source", "track",
              "canvas", "svg", "math"}
_URL_ATTRS = {"href", "src", "srcset", "action", "formaction", "poster", "background", "data",
              "cite", "longdesc", "ping", "manifest", "codebase", "lowsrc", "dynsrc", "xlink:href",
              "imagesrcset", "archive", "classid", "usemap", "profile", "icon"}
_CSS_URL = re.compile(r"""url\s*\((?:"[^"]*"|'[^']*'|[^)]*)\)""", re.IGNORECASE)     # url("..."), url(x)
_CSS_IMPORT = re.compile(r"@import\b[^;]*;?", re.IGNORECASE)
_CSS_ACTIVE = re.compile(r"expression\s*\(|(?:-webkit-)?image-set\s*\(|image\s*\(|behavior\s*:|-moz-binding", re.IGNORECASE)
HIGHLIGHT_CSS = """
[data-rule]{outline:3px solid #d4351c !important;background:rgba(212,53,28,.12) !important;
 position:relative !important}
[data-rule] [data-rule]{outline-style:dashed !important}
[data-rule]::before{content:attr(data-rule);display:block;font:bold 12px/1.4 monospace;
 color:#fff;background:#d4351c;padding:1px 4px;width:max-content;max-width:100%}
"""


def _strip_css(css: str) -> str:
    """No url(), @import or other fetching/active CSS survives (CSP blocks them too)."""
    css = _CSS_IMPORT.sub("", _CSS_URL.sub("none", css))
    return _CSS_ACTIVE.sub("blocked(", css)


def parse_archived(html: str) -> HtmlElement:
    """The archived page as a tree (an empty document when it holds none)."""
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return lxml.html.document_fromstring("<html><body></body></html>")


def inert_html(html: str) -> HtmlElement:
    """Parse archived HTML and remove everything active or remote (see module docstring)."""
    return make_inert(parse_archived(html))


def make_inert(root: HtmlElement) -> HtmlElement:
    """Remove, in place, everything in the tree that could run or fetch."""
    for el in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        _remove(el)  # conditional comments can hold markup some engines still act on
    for el in list(root.iter()):
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower().rsplit("}", 1)[-1]
        if tag in DROP_TAGS or (tag == "meta" and (el.get("http-equiv") or el.get("charset"))):
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
