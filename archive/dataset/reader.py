"""Stream the stored clean documents out of a store, one at a time, skipping the unreadable.

Why streaming: a store holds far more text than memory; the build keeps only a small record
per revision (`DocRecord`) and re-reads a document when it needs its text again.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from archive.dataset.research import department_of
from archive.dataset.syndication import normalise_url
from archive.errors import NotFound
from archive.keys import safe_site
from archive.storage import Store

__all__ = ["DocRecord", "DocReader", "parse_time", "is_release"]

REQUIRED = ("id", "url", "text", "content_digest")


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 (date, naive or with offset) to an aware UTC datetime; None if unparseable."""
    if not value or not isinstance(value, str):
        return None
    v = value.strip().replace("Z", "+00:00")
    try:
        dt = datetime.fromisoformat(v)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def is_release(doc: dict[str, Any]) -> bool:
    """GOV.UK originals are the releases; anything else is an outlet copy."""
    if doc.get("site") == "govuk" or doc.get("outlet") == "GOV.UK":
        return True
    host = urlsplit(doc.get("canonical_url") or doc.get("final_url") or doc.get("url") or "").hostname
    return host == "www.gov.uk"


@dataclass(slots=True)
class DocRecord:
    """What the build remembers about one stored revision: no text, a few hundred bytes."""

    key: str
    id: str
    digest: str
    site: str
    is_release: bool
    url: str
    final_url: str | None
    canonical_url: str | None
    fetched_at: datetime | None
    published: datetime | None
    source_url: str | None
    words: int
    outlet: str | None = None
    modified: datetime | None = None
    release_key: str | None = None    # releases: content_id:locale, else canonical URL
    department: str | None = None     # releases: first publishing organisation

    @property
    def when(self) -> datetime | None:
        """Publication time, else fetch time: where the record sits on the timeline."""
        return self.published or self.fetched_at

    @property
    def live_from(self) -> datetime | None:
        """When this revision went live: its public update time, else published, else fetched."""
        return self.modified or self.published or self.fetched_at

    @property
    def group(self) -> str:
        """Duplicate key: the same text from the same publisher (one row per group).

        Why per publisher: a verbatim Wired-Gov copy has the release's exact text, but it is a
        separate publication (its own outlet, date and licence) and must stay a syndication
        link, not vanish into the release's row.
        """
        who = "GOV.UK" if self.is_release else (self.outlet or self.site)
        return f"{who}|{self.digest}"

    @property
    def month(self) -> str:
        when = self.published or self.fetched_at
        return when.strftime("%Y-%m") if when else "unknown"

    @property
    def order(self) -> tuple[str, str]:
        """Earliest fetch wins as a duplicate group's representative; id breaks ties."""
        return (self.fetched_at.isoformat() if self.fetched_at else "9999", self.id)


@dataclass
class DocReader:
    """Reads document JSON from a store, counting (not raising on) bad documents.

    Args:
        store: where the pipeline wrote `docs/...json`.
        sites: only these seed names (None: all).
        since: only documents published (else fetched) on or after this time.
    """

    store: Store
    sites: list[str] | None = None
    since: datetime | None = None
    skipped: Counter[str] = field(default_factory=Counter)
    skipped_keys: list[str] = field(default_factory=list)
    last_skip: str | None = None   # why the last `load` returned None

    def keys(self) -> Iterator[str]:
        prefixes = [f"docs/{safe_site(s)}/" for s in sorted(set(self.sites))] if self.sites else ["docs/"]
        for prefix in prefixes:
            for key in self.store.list(prefix):
                if key.endswith(".json"):
                    yield key

    def skip(self, key: str, reason: str) -> None:
        """Count a document that could not be used (also one a shard could not read)."""
        self.last_skip = reason
        self.skipped[reason] += 1
        if len(self.skipped_keys) < 20:
            self.skipped_keys.append(f"{key}: {reason}")

    def load(self, key: str) -> dict[str, Any] | None:
        """The document at key, or None (counted) when it is missing, corrupt or incomplete."""
        try:
            raw = self.store.get_bytes(key)
        except NotFound:
            self.skip(key, "vanished")
            return None
        try:
            doc = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            self.skip(key, "corrupt JSON")
            return None
        if not isinstance(doc, dict) or any(not doc.get(f) for f in REQUIRED):
            missing = [f for f in REQUIRED if not isinstance(doc, dict) or not doc.get(f)]
            self.skip(key, f"missing {', '.join(missing)}" if missing != ["text"] else "empty text")
            return None
        if not isinstance(doc["text"], str):
            self.skip(key, "text is not a string")
            return None
        return doc

    def record(self, key: str, doc: dict[str, Any]) -> DocRecord | None:
        """The small record of a loaded document, or None when filtered out by `since`."""
        published = parse_time(doc.get("published"))
        fetched = parse_time(doc.get("fetched_at"))
        if self.since is not None and (published or fetched or self.since) < self.since:
            return None
        meta: dict[str, Any] = doc["metadata"] if isinstance(doc.get("metadata"), dict) else {}
        release = is_release(doc)
        rkey = dept = None
        if release:
            cid = meta.get("content_id")
            locale = meta.get("locale") or doc.get("language") or "en"
            rkey = (f"{cid}:{locale}" if isinstance(cid, str) and cid else
                   normalise_url(doc.get("canonical_url") or doc.get("final_url") or doc["url"]))
            dept = department_of(meta)
        return DocRecord(
            key=key, id=str(doc["id"]), digest=str(doc["content_digest"]),
            site=str(doc.get("site") or key.split("/")[1]), is_release=release,
            url=str(doc["url"]), final_url=doc.get("final_url"), canonical_url=doc.get("canonical_url"),
            fetched_at=fetched, published=published,
            source_url=meta.get("source_url") if isinstance(meta.get("source_url"), str) else None,
            words=len(doc["text"].split()),
            outlet=doc.get("outlet") if isinstance(doc.get("outlet"), str) else None,
            modified=parse_time(doc.get("modified")) or parse_time(meta.get("public_updated_at")),
            release_key=rkey, department=dept,
        )
