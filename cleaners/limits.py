"""Resource bounds for cleaning hostile or absurd pages.

A page is chosen by somebody else. A tree nested 50,000 levels deep, a 20 MB paragraph or
200,000 paragraphs must neither hang a cleaning worker nor come out as an empty document with no
reason. Over any bound, the page gets a cheap linear extraction, and `fallback_reason` says which
bound was hit. docs/security.md lists the bounds.
"""
from __future__ import annotations

import html as _html
import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lxml import etree

__all__ = ["BUDGET_SECONDS", "MAX_NODES", "MAX_TEXT_CHARS", "CleanBudgetExceeded", "cheap_text",
           "parse_problem", "time_budget", "tree_problem"]

MAX_NODES = 50_000          # a long news page has ~3,000 elements; trafilatura is superlinear past this
MAX_TEXT_CHARS = 1_000_000  # ~150k words, ten times a very long report; the rest is cut with a reason
BUDGET_SECONDS = 10.0       # per page; a normal page takes 5-30 ms

_SKIP = {"script", "style", "noscript", "template", "svg", "head", "nav", "footer", "header",
         "aside", "form", "button", "select", "iframe"}
_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "td", "th", "dd",
           "dt", "figcaption", "caption"}
_SCRIPTS = re.compile(r"<(script|style|noscript|template)\b.*?</\1\s*>", re.I | re.S)
_TAG = re.compile(r"<[^>]{0,2000}>")
_BLANKS = re.compile(r"[ \t\r\f\v]+")


class CleanBudgetExceeded(Exception):
    """Cleaning one page took longer than its time budget."""


def parse_problem() -> str | None:
    """Why the last parse by trafilatura's parser lost part of the page, or None.

    libxml2 stops at 256 levels of nesting and at 10 MB text nodes and says so only in the
    parser's error log; without this check such a page cleans to "" with no reason.
    """
    try:
        from trafilatura.utils import HTML_PARSER
    except ImportError:  # pragma: no cover
        return None
    for entry in HTML_PARSER.error_log:
        if entry.type_name == "ERR_RESOURCE_LIMIT" or "XML_PARSE_HUGE" in entry.message:
            if "depth" in entry.message.lower():
                return "page nested deeper than the parser's limit (256 levels)"
            return "page has a text node over the parser's limit (10 MB)"
    return None


# what tree.iter() walks (elements, comments, processing instructions), counted inside libxml2
_COUNT = etree.XPath("count(descendant-or-self::*) + count(descendant::comment())"
                     " + count(descendant::processing-instruction())")


def tree_problem(tree: Any, max_nodes: int = MAX_NODES) -> str | None:
    """Why a parsed tree is too big to extract normally, or None."""
    if int(_COUNT(tree)) > max_nodes:
        return f"page has over {max_nodes:,} elements"
    return None


def _cap(text: str, reason: str) -> tuple[str, str]:
    if len(text) <= MAX_TEXT_CHARS:
        return text, reason
    cut = text.rfind("\n\n", 0, MAX_TEXT_CHARS)
    return text[: cut if cut > 0 else MAX_TEXT_CHARS], (
        f"{reason}; text cut at {MAX_TEXT_CHARS:,} characters")


def cheap_text(tree: Any, raw: str, reason: str) -> tuple[str, str]:
    """A linear-time extraction (paragraphs split by blank lines) and the fallback reason.

    From the tree when it holds the page (block elements outside navigation and scripts), else
    from the raw markup with tags stripped (a page the parser truncated).
    """
    lines: list[str] = []
    if tree is not None and not reason.startswith("page nested") and "text node" not in reason:
        skip = block = total = 0  # depth counters: inside a skipped subtree / an outer block
        for event, el in etree.iterwalk(tree, events=("start", "end")):
            tag = el.tag if isinstance(el.tag, str) else ""
            if event == "start":
                if tag in _SKIP:
                    skip += 1
                elif tag in _BLOCKS:
                    if not skip and not block:
                        line = " ".join("".join(el.itertext()).split())
                        if line:
                            lines.append(line)
                            total += len(line) + 1
                    block += 1
            elif tag in _SKIP:
                skip -= 1
            elif tag in _BLOCKS:
                block -= 1
            if total > MAX_TEXT_CHARS:
                break
    if not lines:
        stripped = _TAG.sub("\n", _SCRIPTS.sub(" ", raw[: MAX_TEXT_CHARS * 4]))
        for line in _html.unescape(stripped).split("\n"):
            line = _BLANKS.sub(" ", line).strip()
            if line:
                lines.append(line)
    return _cap("\n\n".join(lines), reason)


@contextmanager
def time_budget(seconds: float | None = None) -> Iterator[None]:
    """Raise CleanBudgetExceeded in this block after `seconds` (main thread only; elsewhere a
    no-op, since only the main thread receives signals). Cleaning workers and `govwire clean`
    run cleaning on their main thread."""
    seconds = BUDGET_SECONDS if seconds is None else seconds
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGALRM) not in (signal.SIG_DFL, None):
        yield
        return

    def _expired(signum: int, frame: Any) -> None:
        raise CleanBudgetExceeded(f"cleaning took over {seconds:g} s")

    signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
