"""trafilatura's comparison with readability, skipped where it cannot change the result.

After its own extraction, trafilatura runs readability over a copy of the whole page and
keeps readability's text instead only when its own is empty, structurally deficient (no
paragraph text, more tables than paragraphs), or less than half as long as readability's;
then justext only for a body holding leftover page furniture or under ``min_extracted_size``.
That comparison is a third of trafilatura's time on a news page, and on most article pages
its answer is fixed before readability runs: readability's text is a part of the page's
text (it drops and moves elements, adds no words but "VIDEO" for a video iframe), so when
trafilatura's text is at least half the page's whole text, readability cannot be twice as
long. Then the comparison returns what it was given, and skipping it changes nothing.

The check wraps ``trafilatura.core.compare_extraction`` (the one name trafilatura calls it
by) and acts only inside :func:`skipping_readability`, which ``cleaners.extract`` uses around
its own calls; any other caller - bare ``trafilatura.extract`` in the benchmarks, the
no-regression baseline - gets the comparison as it was. ``tests/test_readability_gate.py``
holds clean() to the same output with and without the skip on every golden, layout and eval
page.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import trafilatura.core
from lxml import etree
from trafilatura.external import SANITIZED_XPATH

__all__ = ["NAV_PRUNE", "extract_sparing_nav", "has_spare_nav", "never_skipping", "page_words_bound",
           "readability_cannot_win", "skipped", "skipping_readability", "spared", "verifying", "wrong"]

_ACTIVE: ContextVar[bool] = ContextVar("govwire_skip_readability", default=False)
_OFF: ContextVar[bool] = ContextVar("govwire_skip_readability_off", default=False)
_VERIFY: ContextVar[bool] = ContextVar("govwire_skip_readability_verify", default=False)
_ORIGINAL = trafilatura.core.compare_extraction
# (as booleans and counts: libxml2 answers without building node lists)
_SANITIZED = etree.XPath(f"boolean({SANITIZED_XPATH})")
_P_TEXT = etree.XPath("boolean(.//p//text())")
_MORE_TABLES = etree.XPath("count(.//table) > count(.//p)")
_VIDEO_WORD = len(" VIDEO")  # what readability writes into a video iframe
_SLACK = 16  # characters of margin on the bound
_counts = {"skipped": 0, "wrong": 0, "spared": 0, "declined": 0}
# below this length trafilatura may retry in recall mode on the whole page (absent: never spare)
_ESCALATION_MAX: int | None = getattr(trafilatura.core, "ESCALATION_MAX_LENGTH", None)
# navigation trafilatura's own cleaning deletes (MANUALLY_CLEANED), unless it holds the headline
# (a raw-tree prune asks whether a box holds an h1) or a script (JSON-LD marks a forum page)
NAV_PRUNE = "//nav[not(.//h1)][not(.//script)]"
_NAVS = etree.XPath(f"boolean({NAV_PRUNE})")


@dataclass
class _Spare:
    """One extraction with the navigation pruned up front: the whole page, and what the
    comparison stage saw."""

    page: Any
    calls: int = 0
    accepted: bool = False


_SPARE: ContextVar[_Spare | None] = ContextVar("govwire_spare_nav", default=None)


class _Declined(Exception):  # noqa: N818 -- a signal, not an error
    """The pruned extraction cannot be shown to equal the whole page's: run that instead."""


def page_words_bound(raw_tree: Any, within: int | None = None) -> int:
    """An upper bound on the length of readability's text for this tree: the whole tree's text
    with whitespace collapsed as trafilatura's ``trim`` does (a part of a text never collapses
    to more words or characters than the whole), plus what readability adds to iframes. When
    the uncollapsed length is already ``within``, that is returned (collapsing costs a split)."""
    text = etree.tostring(raw_tree, method="text", encoding=str, with_tail=False)
    extra = _VIDEO_WORD * sum(1 for _ in raw_tree.iter("iframe")) + _SLACK
    if within is not None and len(text) + extra <= within:
        return len(text) + extra
    return len(" ".join(text.split())) + extra


def readability_cannot_win(raw_tree: Any, body: Any, text: str, options: Any) -> bool:
    """Whether trafilatura's comparison would return ``body, text`` unchanged whatever
    readability finds: balanced focus, enough text for no justext rescue, no furniture left in
    the body, paragraph text present and no more tables than paragraphs, and the text at least
    half of the page's (so readability's can be neither twice as long nor the only one)."""
    if getattr(options, "focus", None) != "balanced":
        return False
    n = len(text)
    if n < max(1, int(options.min_extracted_size)) or _SANITIZED(body):
        return False
    if not _P_TEXT(body) or _MORE_TABLES(body):
        return False
    return 2 * n >= page_words_bound(raw_tree, within=2 * n)


def _compare_extraction(cleaned_tree: Any, raw_tree: Any, body: Any, text: str,
                        options: Any) -> tuple[Any, str]:
    spare = _SPARE.get()
    if spare is not None:  # (see sparing_nav)
        spare.calls += 1
        if (spare.calls == 1 and _ESCALATION_MAX is not None and len(text) >= _ESCALATION_MAX
                and readability_cannot_win(spare.page, body, text, options)):
            spare.accepted = True
            return body, text
        raise _Declined
    if _ACTIVE.get() and not _OFF.get() and readability_cannot_win(raw_tree, body, text, options):
        _counts["skipped"] += 1
        if _VERIFY.get():  # (tests: the comparison run anyway must return what it was given)
            got_body, got_text = _ORIGINAL(cleaned_tree, raw_tree, body, text, options)
            _counts["wrong"] += got_body is not body or got_text != text
        return body, text
    return _ORIGINAL(cleaned_tree, raw_tree, body, text, options)  # type: ignore[no-any-return]


trafilatura.core.compare_extraction = _compare_extraction  # type: ignore[assignment]


@contextmanager
def skipping_readability(active: bool = True) -> Iterator[None]:
    """Within this block (this thread or task only), trafilatura skips the readability
    comparison where it cannot change the result."""
    token = _ACTIVE.set(active)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def has_spare_nav(tree: Any) -> bool:
    """Whether the page has navigation that :func:`extract_sparing_nav` would prune."""
    return bool(_NAVS(tree))


def extract_sparing_nav(tree: Any, extract: Any) -> Any:
    """``extract(prune_xpath)`` with the page's navigation pruned up front, when that provably
    gives what ``extract(None)`` on the whole page gives; else ``extract(None)``.

    trafilatura's own cleaning deletes ``<nav>`` before its extraction; only the stages that
    read the uncleaned page see it: readability's comparison, the baseline rescue (under
    ``min_extracted_size``), the recall retry (under ``ESCALATION_MAX_LENGTH``), and two
    raw-tree prunes that ask whether a box holds an ``h1`` (not pruned here). So when the
    comparison stage is reached once, with at least ``ESCALATION_MAX_LENGTH`` characters, and
    readability cannot win against the *whole* page (:func:`readability_cannot_win` on it),
    no stage that reads the navigation runs and the result is the whole page's. Anything
    else - the comparison declined, reached twice or never - and the page is extracted whole.
    Pruning the navigation spares every copy and walk trafilatura makes of it (most of a
    page's elements, on many news sites).
    """
    if _OFF.get() or not _ACTIVE.get() or _ESCALATION_MAX is None:
        return extract(None)
    spare = _Spare(tree)
    token = _SPARE.set(spare)
    try:
        result = extract([NAV_PRUNE])
    except _Declined:
        result = None
    finally:
        _SPARE.reset(token)
    if spare.accepted and spare.calls == 1:
        _counts["spared"] += 1
        if _VERIFY.get():  # (tests: the whole page must give the same)
            with _spare_off():
                whole = extract(None)
            _counts["wrong"] += _text_of(whole) != _text_of(result)
        return result
    _counts["declined"] += 1
    return extract(None)


def _text_of(doc: Any) -> str | None:
    return None if doc is None else str(getattr(doc, "text", "") or "")


@contextmanager
def _spare_off() -> Iterator[None]:
    token = _SPARE.set(None)
    try:
        yield
    finally:
        _SPARE.reset(token)


@contextmanager
def never_skipping() -> Iterator[None]:
    """Within this block the comparison always runs (tests compare the two)."""
    token = _OFF.set(True)
    try:
        yield
    finally:
        _OFF.reset(token)


@contextmanager
def verifying() -> Iterator[None]:
    """Within this block a skipped comparison is run anyway and counted in ``wrong()`` when it
    would have changed the result (tests: the claim itself, page by page)."""
    token = _VERIFY.set(True)
    try:
        yield
    finally:
        _VERIFY.reset(token)


def spared() -> tuple[int, int]:
    """How many extractions pruned the navigation up front, and how many declined to."""
    return _counts["spared"], _counts["declined"]


def skipped() -> int:
    """How many comparisons were skipped in this process (for tests and benchmarks)."""
    return _counts["skipped"]


def wrong() -> int:
    """How many skipped comparisons, run anyway under ``verifying()``, changed the result."""
    return _counts["wrong"]
