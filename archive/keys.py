"""The store key layout, in one place, so a researcher with only the bucket can navigate it.

Layout (documented in docs/storage.md):

    warcs/<site>/<YYYY>/<MM>/<DD>/<warc file name>.warc.gz
    indexes/<site>/<YYYY>/<MM>/<DD>/<warc file name>.cdxj    one CDXJ per WARC, for pywb
    docs/<site>/<urlhash[:2]>/<urlhash>/<payload digest>.json  one clean document per (URL, content)
    captures/<urlhash[:2]>/<urlhash>/<ts17>-<record id>.json   one small record per capture of a URL
    state/<site>.json                                       incremental crawl state
    locks/<site>.lock                                       per-site run lock

Keys are built only from hashes, dates and sanitised site names, never from raw URL paths,
so a hostile URL cannot produce `..` or an absolute path.

Document and capture keys are collision-free by construction and written create-only: a
document's key is a function of (URL, payload digest), so re-fetching the same content (URL
variants with one canonical URL, a re-crawl after a lost state, two concurrent runs) finds the
existing document instead of overwriting or duplicating it; a capture's key carries the full
WARC-Record-ID (a random UUID), so no two captures share one.
"""
from __future__ import annotations

import hashlib
import re
from datetime import datetime

_SITE_RE = re.compile(r"[^a-z0-9_.-]+")


def safe_site(site: str) -> str:
    """A site name usable as one key segment (lower-case, no separators, never '.' or '..')."""
    s = _SITE_RE.sub("_", (site or "other").lower()).strip("._-")
    return s[:64] or "other"


def url_hash(url: str) -> str:
    """Stable 40-hex id for a URL (sha1 of the URL as given after canonicalisation by the caller)."""
    return hashlib.sha1(url.encode("utf-8", "surrogatepass")).hexdigest()


def _day(dt: datetime) -> str:
    return dt.strftime("%Y/%m/%d")


def warc_key(site: str, when: datetime, filename: str) -> str:
    return f"warcs/{safe_site(site)}/{_day(when)}/{filename}"


def index_key(site: str, when: datetime, warc_filename: str) -> str:
    base = warc_filename.removesuffix(".gz").removesuffix(".warc")
    return f"indexes/{safe_site(site)}/{_day(when)}/{base}.cdxj"


def doc_prefix(site: str, url: str) -> str:
    h = url_hash(url)
    return f"docs/{safe_site(site)}/{h[:2]}/{h}/"


def _alnum(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", s)


def doc_key(site: str, url: str, payload_digest: str) -> str:
    """The one key of the document for this URL's content (same URL + same payload -> same key)."""
    d = _alnum(payload_digest.split(":")[-1])[:40] or "nodigest"
    return f"{doc_prefix(site, url)}{d}.json"


def capture_prefix(url: str) -> str:
    h = url_hash(url)
    return f"captures/{h[:2]}/{h}/"


def capture_key(url: str, when: datetime, record_id: str) -> str:
    rid = _alnum(record_id.replace("urn:uuid:", ""))[:40] or "norecord"
    return f"{capture_prefix(url)}{when.strftime('%Y%m%d%H%M%S%f')[:17]}-{rid}.json"


def state_key(site: str) -> str:
    return f"state/{safe_site(site)}.json"


def lock_key(site: str) -> str:
    return f"locks/{safe_site(site)}.lock"
