"""Refused fetches are archived too, as capture records without a WARC record.

A refusal by the address policy is evidence an archivist may need ("this link pointed into a
private network on that day"), but its answer must never be stored: no request was sent, so
there is no body and no WARC record, only a small capture record with the reason.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any

from archive.keys import capture_key


def refusal_record(url: str, reason: str, site: str, when: datetime | None = None) -> tuple[str, bytes]:
    """The store key and JSON bytes of a failed capture that was refused before sending."""
    when = when or datetime.now(timezone.utc)
    rec: dict[str, Any] = {"url": url, "final_url": url, "site": site, "status": None,
                           "fetched_at": when.isoformat(), "warc": None, "payload_digest": None,
                           "revisit": None, "document": None, "failed": reason}
    rid = "refused" + uuid.uuid4().hex
    return capture_key(url, when, rid), json.dumps(rec, ensure_ascii=False, sort_keys=True).encode("utf-8")


def archive_refusal(crawler: Any, url: str, reason: str, site: str) -> None:
    """Write the refusal's capture record through the crawl's archive session (if any)."""
    from crawler.session import ArchiveSession

    sess = ArchiveSession.of(crawler) if crawler is not None else None
    if sess is None or sess.halted:
        return
    key, data = refusal_record(url, reason, site)
    sess.put_object(key, data)
