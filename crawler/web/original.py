"""The archived original of a document, read back from its WARC record.

Only records a document points at are read (the pointer is in the document), by byte range, so
this works the same on a local or an S3 store.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from archive.storage import Store
from cleaners.extract import decode_html

__all__ = ["ArchivedPage", "read_original"]

MAX_BODY = 20 * 1024 * 1024  # the cleaners' own input limit


@dataclass
class ArchivedPage:
    url: str
    status: str
    headers: list[tuple[str, str]]
    html: str
    warc_date: str


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        k, _, v = part.strip().partition("=")
        if k.lower() == "charset" and v:
            return v.strip("\"' ")
    return None


def read_original(store: Store, warc: dict[str, Any]) -> ArchivedPage:
    """Decode the response record at `warc` (file, offset, length) into page HTML.

    Content-Encoding (gzip/deflate) is undone by warcio; the charset comes from the HTTP header,
    else the page's own declaration, as the cleaners decode it.
    """
    raw = store.get_range(str(warc["file"]), int(warc["offset"]), int(warc["length"]))
    rec = next(iter(ArchiveIterator(io.BytesIO(raw))))
    if rec.rec_type != "response":
        raise ValueError(f"record at {warc['file']}:{warc['offset']} is a {rec.rec_type}")
    body = rec.content_stream().read(MAX_BODY + 1)[:MAX_BODY]
    http = rec.http_headers
    headers = list(http.headers) if http else []
    ctype = http.get_header("Content-Type", "") if http else ""
    return ArchivedPage(url=rec.rec_headers.get_header("WARC-Target-URI") or "",
                        status=http.get_statuscode() if http else "",
                        headers=headers, html=decode_html(body, _charset(ctype)),
                        warc_date=rec.rec_headers.get_header("WARC-Date") or "")
