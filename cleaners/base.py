"""Site-cleaner base class, the rule vocabulary and the domain registry.

A site cleaner is a small declarative class: DOM nodes to prune before extraction
(``prune_xpath``) and text rules applied to the extracted text, each with an id and a
removal kind so that every cut shows up in ``CleanDocument.removed``.

Text model: the rules see the text as lines joined by ``"\\n"`` with no blank lines; each
line is one paragraph (or one ``"- "`` list item). Patterns are compiled once, with
``re.MULTILINE``, when the class is defined.
"""
from __future__ import annotations

import dataclasses
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from cleaners.document import REMOVAL_KINDS, CleanDocument, Removal
from cleaners.regex_needles import could_match, long_line_split, prefilter

__all__ = [
    "CutRule", "DropRule", "MetadataRule", "Prune", "SiteCleaner", "TruncateRule", "cleaner_by_name",
    "cleaner_for_url", "cut_between", "detect_site", "drop", "move_to_metadata", "prune", "prune_tree", "register",
    "registered", "truncate",
]

_FLAGS = re.MULTILINE


def _kind(kind: str) -> str:
    if kind not in REMOVAL_KINDS:
        raise ValueError(f"unknown removal kind {kind!r}; use one of {REMOVAL_KINDS}")
    return kind


@dataclass(frozen=True)
class DropRule:
    """Drops every line that the pattern matches *as a whole* (``fullmatch``)."""

    id: str
    kind: str
    pattern: re.Pattern[str]
    needles: tuple[str, ...] | None = field(default=None, compare=False, repr=False)
    # a line longer than short_width can only match long_pattern (regex_needles.long_line_split)
    short_width: int = field(default=sys.maxsize, compare=False, repr=False)
    long_pattern: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "needles", prefilter(self.pattern, whole_line=True))
        width, long_pattern = long_line_split(self.pattern)
        object.__setattr__(self, "short_width", width)
        object.__setattr__(self, "long_pattern", long_pattern)

    def matches(self, line: str) -> bool:
        """Whether the pattern matches the whole line."""
        if len(line) <= self.short_width:
            return self.pattern.fullmatch(line) is not None
        return self.long_pattern is not None and self.long_pattern.fullmatch(line) is not None

    def apply(self, text: str, removed: list[Removal], owner: str) -> str:
        if not could_match(self.needles, text):
            return text
        kept: list[str] = []
        for line in text.split("\n"):
            if line and self.matches(line):
                removed.append(Removal(f"{owner}.{self.id}", self.kind, line))
            else:
                kept.append(line)
        return "\n".join(kept)


@dataclass(frozen=True)
class TruncateRule:
    """Ends the article at the first match: the match and everything after it go."""

    id: str
    kind: str
    pattern: re.Pattern[str]
    needles: tuple[str, ...] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "needles", prefilter(self.pattern))

    def apply(self, text: str, removed: list[Removal], owner: str) -> str:
        m = self.pattern.search(text) if could_match(self.needles, text) else None
        if m is None:
            return text
        removed.append(Removal(f"{owner}.{self.id}", self.kind, text[m.start():].strip()))
        return text[: m.start()].rstrip()


@dataclass(frozen=True)
class CutRule:
    """Removes a bounded span from ``start`` to the end of ``end``, within ``max_chars``.

    Bounded so that an article *about* the same subject survives: without the closing
    marker close behind the opening one, nothing is cut. Works inside a line too (an
    extraction may glue the span onto a body paragraph).
    """

    id: str
    kind: str
    start: re.Pattern[str]
    end: re.Pattern[str]
    max_chars: int
    needles: tuple[tuple[str, ...] | None, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "needles", (prefilter(self.start), prefilter(self.end)))

    def apply(self, text: str, removed: list[Removal], owner: str) -> str:
        if not all(could_match(n, text) for n in self.needles):
            return text
        pos = 0
        while (s := self.start.search(text, pos)) is not None:
            e = self.end.search(text, s.end(), s.start() + self.max_chars)
            if e is None or e.end() <= s.start():  # no bounded end (or an empty span): keep
                pos = max(s.end(), s.start() + 1)
                if pos > len(text):
                    break
                continue
            removed.append(Removal(f"{owner}.{self.id}", self.kind, text[s.start():e.end()].strip()))
            text = text[: s.start()] + "\n" + text[e.end():]
            pos = s.start()
        return text


@dataclass(frozen=True)
class MetadataRule:
    """Moves the first match's ``value`` group into ``doc.metadata[field]``.

    The whole match is removed, or only the ``line`` group when the pattern has one (so
    a pattern can require context, e.g. "the line after the title", and keep it).
    """

    id: str
    field: str
    pattern: re.Pattern[str]
    kind: str = "metadata-moved"
    needles: tuple[str, ...] | None = dataclasses.field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "needles", prefilter(self.pattern))

    def apply(self, text: str, removed: list[Removal], owner: str,
              metadata: dict[str, Any]) -> str:
        m = self.pattern.search(text) if could_match(self.needles, text) else None
        if m is None:
            return text
        value = m.group("value").strip()
        metadata.setdefault(self.field, value)
        start, end = m.span("line") if "line" in self.pattern.groupindex else m.span()
        removed.append(Removal(f"{owner}.{self.id}", self.kind, text[start:end].strip()))
        return text[:start] + "\n" + text[end:]


def drop(id: str, pattern: str, *, kind: str) -> DropRule:
    """A whole-line drop rule: ``pattern`` must match the entire paragraph."""
    return DropRule(id, _kind(kind), re.compile(pattern, _FLAGS))


def truncate(id: str, pattern: str, *, kind: str) -> TruncateRule:
    """An end-of-article marker; anchor it (``^…``) unless the marker is unmistakable."""
    return TruncateRule(id, _kind(kind), re.compile(pattern, _FLAGS))


def cut_between(id: str, *, start: str, end: str, kind: str, max_chars: int = 3000) -> CutRule:
    """A bounded span, e.g. a donation appeal from its heading to its sign-off."""
    return CutRule(id, _kind(kind), re.compile(start, _FLAGS), re.compile(end, _FLAGS), max_chars)


def move_to_metadata(id: str, pattern: str, *, field: str) -> MetadataRule:
    """A byline/date/source line that belongs in metadata.

    ``pattern`` has a ``value`` group (stored) and optionally a ``line`` group (the part
    removed; default the whole match).
    """
    compiled = re.compile(pattern, _FLAGS)
    if "value" not in compiled.groupindex:
        raise ValueError(f"metadata rule {id!r} needs a (?P<value>...) group")
    return MetadataRule(id, field, compiled)


class Prune(str):
    """An XPath string that also names its rule id and removal kind for the report.

    It is still a ``str``, so a ``prune_xpath`` tuple can mix plain XPaths and these.
    """

    id: str
    kind: str

    def __new__(cls, xpath: str, id: str, kind: str) -> Prune:
        obj = super().__new__(cls, xpath)
        obj.id, obj.kind = id, _kind(kind)
        return obj


def prune(id: str, xpath: str, *, kind: str = "navigation") -> Prune:
    """A DOM node to remove before extraction, reported as ``kind`` under ``id``."""
    return Prune(xpath, id, kind)


def prune_tree(tree: HtmlElement, xpaths: tuple[str, ...], owner: str,
               removed: list[Removal]) -> None:
    """Remove the nodes in place (keeping tails), reporting each node's text once: a node
    inside one already removed (a wall and the form in it, both matched) is not reported
    again, so the removal report counts each block once."""
    dropped: set[HtmlElement] = set()
    for i, xp in enumerate(xpaths):
        rid = xp.id if isinstance(xp, Prune) else f"prune{i}"
        kind = xp.kind if isinstance(xp, Prune) else "navigation"
        for node in tree.xpath(xp):
            if node.getparent() is None or any(a in dropped for a in node.iterancestors()):
                continue
            dropped.add(node)
            text = " ".join(node.text_content().split())
            if text:
                removed.append(Removal(f"{owner}.{rid}", kind, text))
            node.drop_tree()


class SiteCleaner:
    """Base class of a site cleaner. Subclasses set class attributes; hooks are optional.

    Attributes:
        name: registry name = the outlet's seed name, e.g. ``"govuk"`` (defaults to the
            module name, so ``cleaners/sites/govuk.py`` registers ``govuk``).
        outlet: human name, e.g. ``"GOV.UK"``.
        domains: set by :func:`register`.
        prune_xpath: XPath expressions removed from the DOM before extraction; plain
            strings (reported as kind "navigation") or :func:`prune` entries.
        metadata_lines: :func:`move_to_metadata` rules (applied first).
        cut_between: :func:`cut_between` rules.
        truncate_at: :func:`truncate` rules.
        drop_paragraphs: :func:`drop` rules (applied last).
        text_signatures: regexes that all must match already-extracted text for
            ``clean_text`` to recognise this site when no url/site is given.
        title_in_text: make the clean text start with the page title (HTML input only).
        prune_article_boxes: remove furniture boxes (sign-up, sponsor, "most read", share …
            by class or id) inside the article region before extraction (shared rule
            ``shared.article_box``, cleaners/article_boxes.py).
        rule_version: label of this set of rules, stored in every document it makes.
        VALID_UNTIL: for an older version, the first capture date it no longer serves
            (captures strictly before it use it); None on the current version.
        older_versions: the outlet's earlier rule versions (classes with ``VALID_UNTIL``),
            oldest first, so a 2024 capture is cleaned with the rules of the 2024 layout.
    """

    name: ClassVar[str] = ""
    outlet: ClassVar[str] = ""
    domains: ClassVar[tuple[str, ...]] = ()
    prune_xpath: ClassVar[tuple[str, ...]] = ()
    metadata_lines: ClassVar[tuple[MetadataRule, ...]] = ()
    cut_between: ClassVar[tuple[CutRule, ...]] = ()
    truncate_at: ClassVar[tuple[TruncateRule, ...]] = ()
    drop_paragraphs: ClassVar[tuple[DropRule, ...]] = ()
    text_signatures: ClassVar[tuple[str, ...]] = ()
    title_in_text: ClassVar[bool] = True
    prune_article_boxes: ClassVar[bool] = True
    rule_version: ClassVar[str] = "1"
    VALID_UNTIL: ClassVar[date | None] = None
    older_versions: ClassVar[tuple[type[SiteCleaner], ...]] = ()

    @classmethod
    def for_capture(cls, captured: datetime | date | None) -> type[SiteCleaner]:
        """The rule version for a capture date (WARC-Date): the oldest version whose
        ``VALID_UNTIL`` is after it, else the current one. No date: the current one."""
        if captured is None or not cls.older_versions:
            return cls
        if isinstance(captured, datetime):
            day = (captured.astimezone(timezone.utc) if captured.tzinfo else captured).date()
        else:
            day = captured
        for version in cls.older_versions:
            if version.VALID_UNTIL is not None and day < version.VALID_UNTIL:
                return version
        return cls

    def outlet_for(self, url: str | None) -> str:
        """The outlet's human name for a page; a CMS serving several titles overrides it."""
        return self.outlet

    def page_metadata(self, tree: HtmlElement, doc: CleanDocument) -> None:
        """Hook: fill ``doc`` from the parsed page (before pruning). Default: nothing."""

    def before_rules(self, text: str, doc: CleanDocument) -> str:
        """Hook: rewrite the extracted text before the declarative rules. Default: as is."""
        return text

    def after_rules(self, text: str, doc: CleanDocument) -> str:
        """Hook: rewrite the text after the declarative rules. Default: as is."""
        return text

    def apply_rules(self, text: str, doc: CleanDocument) -> str:
        """Run hooks and rules in their fixed order: metadata, cut, truncate, drop."""
        text = self.before_rules(text, doc)
        for m in self.metadata_lines:
            text = m.apply(text, doc.removed, self.name, doc.metadata)
        for c in self.cut_between:
            text = c.apply(text, doc.removed, self.name)
        for t in self.truncate_at:
            text = t.apply(text, doc.removed, self.name)
        if all(type(d) is DropRule for d in self.drop_paragraphs):
            text = _drop_lines(self.drop_paragraphs, text, doc.removed, self.name)
        else:
            for d in self.drop_paragraphs:
                text = d.apply(text, doc.removed, self.name)
        return self.after_rules(text, doc)


def _drop_lines(rules: tuple[DropRule, ...], text: str, removed: list[Removal], owner: str) -> str:
    """All drop rules in one pass over the lines: the same lines go, credited to the first rule
    that matches, and reported rule by rule as applying the rules one after another would."""
    lines = text.split("\n")
    # a rule split by line length (DropRule.short_width) runs its whole pattern on the lines
    # no longer than that only: its needles are looked for in those lines alone
    widest = max((d.short_width for d in rules if d.short_width < sys.maxsize), default=-1)
    short = "\n".join(ln for ln in lines if len(ln) <= widest) if widest >= 0 else ""
    live: list[tuple[int, int, Callable[[str], re.Match[str] | None] | None, re.Pattern[str] | None]] = []
    for i, d in enumerate(rules):
        if d.short_width == sys.maxsize:
            if could_match(d.needles, text):
                live.append((i, d.short_width, d.pattern.fullmatch, None))
        else:
            full = d.pattern.fullmatch if could_match(d.needles, short) else None
            if full is not None or d.long_pattern is not None:
                live.append((i, d.short_width, full, d.long_pattern))
    if not live:
        return text
    dropped: list[list[str]] = [[] for _ in rules]
    kept: list[str] = []
    for line in lines:
        if line:
            n = len(line)
            for i, width, whole, long_pattern in live:  # (the first rule that matches; DropRule.matches)
                if n <= width:
                    hit = whole is not None and whole(line) is not None
                else:
                    hit = long_pattern is not None and long_pattern.fullmatch(line) is not None
                if hit:
                    dropped[i].append(line)
                    break
            else:
                kept.append(line)
            continue
        kept.append(line)
    for d, gone in zip(rules, dropped):
        removed.extend(Removal(f"{owner}.{d.id}", d.kind, line) for line in gone)
    return "\n".join(kept)


C = TypeVar("C", bound=type[SiteCleaner])

_BY_DOMAIN: dict[str, type[SiteCleaner]] = {}
_BY_NAME: dict[str, type[SiteCleaner]] = {}
_SIGNATURES: dict[str, tuple[re.Pattern[str], ...]] = {}


def register(*domains: str) -> Any:
    """Class decorator: serve ``domains`` (and their sub-domains) with this cleaner.

    Raises:
        ValueError: a domain or name is already registered, or no domain is given.
    """
    if not domains:
        raise ValueError("register() needs at least one domain")

    def deco(cls: C) -> C:
        name = cls.__dict__.get("name") or cls.__module__.rsplit(".", 1)[-1]
        for d in domains:
            d = d.lower().strip(".")
            if d in _BY_DOMAIN:
                raise ValueError(f"domain {d!r} already registered by {_BY_DOMAIN[d].__name__}")
        if name in _BY_NAME and _BY_NAME[name] is not cls:
            raise ValueError(f"cleaner name {name!r} already registered; set a distinct `name`")
        cls.name = name
        cls.domains = tuple(d.lower().strip(".") for d in domains)
        _check_versions(cls)
        for d in cls.domains:
            _BY_DOMAIN[d] = cls
        _BY_NAME[name] = cls
        if cls.text_signatures:
            _SIGNATURES[name] = tuple(re.compile(s, _FLAGS) for s in cls.text_signatures)
        return cls

    return deco


def _check_versions(cls: type[SiteCleaner]) -> None:
    """Older versions: each dated, oldest first, distinct labels; they share the outlet's name."""
    if cls.__dict__.get("VALID_UNTIL") is not None:
        raise ValueError(f"{cls.__name__}: the registered (current) version has no VALID_UNTIL")
    labels = {cls.rule_version}
    last: date | None = None
    for v in cls.older_versions:
        until = v.__dict__.get("VALID_UNTIL")
        if not isinstance(until, date):
            raise ValueError(f"{cls.__name__}: older version {v.__name__} needs VALID_UNTIL = date(...)")
        if last is not None and until <= last:
            raise ValueError(f"{cls.__name__}: older_versions must be oldest first ({v.__name__})")
        if v.rule_version in labels:
            raise ValueError(f"{cls.__name__}: rule_version {v.rule_version!r} used twice")
        labels.add(v.rule_version)
        last = until
        if "name" not in v.__dict__ or not v.__dict__["name"]:
            v.name = cls.name
        if "outlet" not in v.__dict__ or not v.__dict__["outlet"]:
            v.outlet = cls.outlet
        v.domains = cls.domains


def registered() -> dict[str, type[SiteCleaner]]:
    """All cleaners by registry name (a copy)."""
    return dict(_BY_NAME)


def cleaner_by_name(name: str) -> type[SiteCleaner] | None:
    """The cleaner registered as ``name`` (e.g. ``"govuk"``), else None."""
    return _BY_NAME.get(name)


def cleaner_for_url(url: str | None) -> type[SiteCleaner] | None:
    """The cleaner whose domain is the longest suffix of the url's host, else None."""
    if not url:
        return None
    host = (urlsplit(url if "//" in url else "//" + url).hostname or "").lower().rstrip(".")
    best: type[SiteCleaner] | None = None
    best_len = -1
    for d, cls in _BY_DOMAIN.items():
        if (host == d or host.endswith("." + d)) and len(d) > best_len:
            best, best_len = cls, len(d)
    return best


def detect_site(text: str) -> type[SiteCleaner] | None:
    """Recognise a site from tell-tale junk in extracted text; None unless exactly one fits."""
    hits = [n for n, pats in _SIGNATURES.items() if all(p.search(text) for p in pats)]
    return _BY_NAME[hits[0]] if len(hits) == 1 else None
