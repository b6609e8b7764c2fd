"""What every govwire spider shares: how to ask for an article, how to hand it to the pipeline,
which site it crawls (its seed config), which dates it wants, and how failures are reported.

Discovery helpers (RSS/Atom feeds, sitemaps incl. index and gzip, lenient dates) live here too,
because every site spider needs the same few of them and none is worth a dependency.
"""
from __future__ import annotations

import zlib
import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Iterable, Iterator
from zoneinfo import ZoneInfo

import scrapy
from lxml import etree
from scrapy.http import Response
from scrapy.settings import SETTINGS_PRIORITIES

from crawler.items import PageItem
from crawler.selection import Evidence, decide, gather

# Response meta keys set by the WARC capture extension (crawler/warc_capture.py).
META_WARC = "govwire_warc"              # {"file","offset","length","record_id"} of the response/revisit record
META_DIGEST = "govwire_payload_digest"  # "sha1:..." payload digest of the (decoded) body as received
META_REVISIT = "govwire_revisit"        # True when the payload is unchanged since the last capture
META_CONDITIONAL = "govwire_conditional"  # set on requests that may be sent conditionally
META_SITE = "govwire_site"
# real-domain URL of a page on a relocated site (the fixture web): it picks the cleaner
META_CLEANER_URL = "govwire_cleaner_url"

# set by the download handler when a body was cut at DOWNLOAD_MAXSIZE (crawler/download_handler.py)
META_TRUNCATED = "govwire_truncated"
# [{url, status, warc, fetched_at, payload_digest}] of each exchange of a redirect chain
META_HOPS = "govwire_hops"

# crawler/middlewares.py; settings.py should list them too (see the comment block there)
POLITENESS_MIDDLEWARES = {
    "crawler.middlewares.CrawlDelayMiddleware": 120,
    "crawler.middlewares.RetryAfterMiddleware": 560,
}

_RELATIVE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$", re.I)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------
def parse_when(value: str | None, *, end: bool = False,
               now: datetime | None = None) -> datetime | None:
    """Parse a `since`/`until` argument: an ISO date or datetime, or a relative age like `2d`.

    Args:
        value: "2025-10-01", "2025-10-01T12:00", "36h", "2d", "1w"; empty or None means no bound.
        end: a bare date means the end of that day (for `until`), not its start.
        now: the reference time for relative values (tests pin it).

    Raises:
        ValueError: with a one-line message naming the bad value.
    """
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    m = _RELATIVE.match(text)
    if m:
        ref = now or datetime.now(timezone.utc)
        return ref - timedelta(**{_UNITS[m.group(2).lower()]: int(m.group(1))})
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            d = datetime.fromisoformat(text).date()
            return datetime.combine(d, time.max if end else time.min, tzinfo=timezone.utc)
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"bad date {text!r}: use YYYY-MM-DD, an ISO datetime or an age like 2d"
                         ) from None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def parse_date(value: str | None) -> datetime | None:
    """Best-effort date of a feed entry or page: ISO 8601, RFC 822, `DD/MM/YYYY HH:MM:SS`
    (Wired-Gov) or `09 Oct 2025` (Iconic). None when unknown: unknown dates never filter."""
    if not value:
        return None
    text = value.strip()
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
    except ValueError:
        pass
    try:
        dt = parsedate_to_datetime(text)
        return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
    except (TypeError, ValueError, IndexError, OverflowError):  # Overflow: found by fuzz_feeds
        pass
    m = _DMY.match(text)
    if m:
        d, mo, y, hh, mm, ss = m.groups()
        # Wired-Gov's feed dates, in UK local time (BST in summer)
        try:
            return datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0),
                            tzinfo=ZoneInfo("Europe/London"))
        except (ValueError, OverflowError):
            return None
    for fmt in ("%d %b %Y", "%d %B %Y", "%A %d %B %Y %H:%M %Z"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    return None


# ---------------------------------------------------------------------------------------------
# Failures
# ---------------------------------------------------------------------------------------------
# our own exceptions whose str() is already the one-line reason
_OUR_REASONS = ("AddressRefused", "HeadTooLarge", "RedirectLoop")


def _our_reason(exc: BaseException, depth: int = 0) -> str | None:
    """The message of one of our own bound/policy exceptions, however Twisted or Scrapy wrapped it
    (ResponseFailed.reasons, DownloadFailedError.__cause__)."""
    if exc is None or depth > 5:
        return None
    if type(exc).__name__ in _OUR_REASONS:
        return str(exc)
    inner: list[Any] = list(getattr(exc, "reasons", None) or [])
    inner += [exc.__cause__, exc.__context__]
    for item in inner:
        value = getattr(item, "value", item)
        if isinstance(value, BaseException):
            found = _our_reason(value, depth + 1)
            if found:
                return found
    return None


def describe_failure(failure: Any) -> str:
    """One short line saying why a request failed, for `govwire archive` and crawl summaries.

    Accepts a Twisted `Failure` or a bare exception; knows Scrapy's own download errors
    (2.19 `scrapy.exceptions.*`) and the Twisted ones older handlers raise.
    """
    exc = getattr(failure, "value", failure)
    name = type(exc).__name__
    msg = str(exc)
    response = getattr(exc, "response", None)
    if name == "HttpError" and response is not None:
        line = f"HTTP {response.status}"
        retry_after = response.headers.get(b"Retry-After")
        if response.status in (429, 503) and retry_after:
            line += f" (Retry-After {retry_after.decode('latin-1')})"
        return line
    inner = _our_reason(exc)
    if inner is not None:
        return inner
    if name == "IgnoreRequest" and "during decompression" in msg:  # a gzip/deflate bomb
        m = re.search(r"DOWNLOAD_MAXSIZE \((\d+) B\)", msg)
        return f"body over size cap once decompressed ({m.group(1)} bytes)" if m else \
            "body over size cap once decompressed"
    if name == "IgnoreRequest" and "robots.txt" in msg:
        return "robots.txt disallows"
    if name in ("CannotResolveHostError", "DNSLookupError", "NoResolverError"):
        return "DNS lookup failed"
    if name in ("DownloadConnectionRefusedError", "ConnectionRefusedError"):
        return "connection refused"
    if name in ("DownloadTimeoutError", "TimeoutError", "TCPTimedOutError", "UserTimeoutError"):
        return "timeout"
    if name in ("DownloadCancelledError", "CancelledError") and "max size" in msg:
        m = re.search(r"max size \((\d+)\)", msg)
        return f"body over size cap ({m.group(1)} bytes)" if m else "body over size cap"
    if name in ("UnsupportedURLSchemeError", "NotSupported") or "Missing scheme" in msg:
        return "bad URL"
    cause = type(getattr(exc, "__cause__", None)).__name__
    if name == "ResponseNeverReceived" or cause == "ResponseNeverReceived":
        return "connection closed before any response"
    if name in ("ResponseDataLossError", "ConnectionLost", "DownloadFailedError",
                "ConnectionDone", "ResponseFailed", "PotentialDataLoss"):
        return "connection lost mid-response"
    if name in ("DownloadCancelledError", "CancelledError"):
        return "download cancelled"
    if name == "IgnoreRequest":
        return f"ignored ({msg})" if msg else "ignored"
    # never a Failure repr or a traceback fragment in a one-line reason
    first = re.sub(r"\[?<twisted\.python\.failure\.Failure ([\w.]+)[^>]*>\]?",
                   lambda m: m.group(1).rsplit(".", 1)[-1], msg.splitlines()[0] if msg else "")
    return f"{name}: {first}"[:200] if first else name


def url_problem(url: str) -> str | None:
    """Why `url` cannot even be requested ("bad URL …"), or None."""
    from urllib.parse import urlsplit

    from crawler.urlnorm import credentials_problem

    creds = credentials_problem(url)
    if creds:
        return creds
    try:
        parts = urlsplit(url)
    except ValueError:
        return "bad URL"
    if any(c.isspace() for c in url):
        return "bad URL (contains whitespace)"
    if parts.scheme not in ("http", "https"):
        return "bad URL (no scheme)" if not parts.scheme else f"bad URL (scheme {parts.scheme})"
    if not parts.hostname:
        return "bad URL (no host)"
    return None


# ---------------------------------------------------------------------------------------------
# Feeds and sitemaps
# ---------------------------------------------------------------------------------------------
@dataclass
class Entry:
    """One discovered article link, whatever the discovery source."""

    url: str
    title: str = ""
    summary: str = ""
    published: datetime | None = None
    categories: list[str] = field(default_factory=list)
    author: str = ""


_XML_PARSER = etree.XMLParser(recover=True, resolve_entities=False, no_network=True,
                              huge_tree=False)


def _local(tag: Any) -> str:
    # not etree.QName(): a recovered tag like "pubtps:" is no valid QName and would raise
    # (found by fuzz/fuzz_feeds.py; tests/fuzz_regressions/feeds/invalid-tag-name.xml)
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1] if isinstance(tag, str) else ""


# Hostile-feed bounds (docs/security.md): the sitemap protocol's own limits, 50 MB uncompressed
# and 50,000 URLs; entities are never expanded (_XML_PARSER), so no "billion laughs".
MAX_FEED_BYTES = 50 * 1024 * 1024
MAX_FEED_ENTRIES = 50_000


class FeedError(ValueError):
    """A feed or sitemap that cannot be read; str() is the one-line reason."""


class FeedTooLarge(FeedError):
    """A feed or sitemap over MAX_FEED_BYTES once decompressed."""


def _xml_root(body: bytes) -> Any:
    if body[:2] == b"\x1f\x8b":  # a gzip bomb stops at the bound instead of filling memory
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            body = inflater.decompress(body, MAX_FEED_BYTES + 1)
        except zlib.error as e:
            raise FeedError(f"feed is not valid gzip ({e})") from None
        if len(body) > MAX_FEED_BYTES:
            raise FeedTooLarge(f"feed over {MAX_FEED_BYTES // 2**20} MB once decompressed")
    if len(body) > MAX_FEED_BYTES:
        raise FeedTooLarge(f"feed over {MAX_FEED_BYTES // 2**20} MB")
    try:
        return etree.fromstring(body.lstrip(), parser=_XML_PARSER)
    except etree.XMLSyntaxError as e:  # recover=True leaves only "no document at all"
        raise FeedError(f"feed is not XML ({str(e).split(',')[0]})") from None


def _child_text(el: Any, *names: str) -> str:
    for child in el:
        if _local(child.tag) in names:
            return "".join(child.itertext()).strip()
    return ""


def parse_feed(body: bytes, base_url: str = "") -> list[Entry]:
    """Entries of an RSS 2.0 or Atom feed, in feed order."""
    from urllib.parse import urljoin

    root = _xml_root(body)
    if root is None:
        return []
    out: list[Entry] = []
    for el in root.iter():
        kind = _local(el.tag)
        if kind not in ("item", "entry"):
            continue
        link = ""
        cats: list[str] = []
        for child in el:
            name = _local(child.tag)
            if name == "link":
                href = child.get("href")
                if href and child.get("rel", "alternate") == "alternate":
                    link = link or href
                elif not href and (child.text or "").strip():
                    link = link or child.text.strip()
            elif name == "category":
                cats.append((child.get("term") or child.text or "").strip())
        if not link and kind == "item":
            guid = _child_text(el, "guid")
            link = guid if guid.startswith("http") else ""
        if not link:
            continue
        author = _child_text(el, "creator", "author")
        for child in el:
            if _local(child.tag) == "author" and len(child):
                author = _child_text(child, "name") or author
        if len(out) >= MAX_FEED_ENTRIES:
            break
        try:
            url = urljoin(base_url, link)
        except ValueError:  # e.g. "http://[::1" — one bad entry must not lose the feed
            continue
        out.append(Entry(
            url=url,
            title=_child_text(el, "title"),
            summary=_child_text(el, "description", "summary"),
            published=parse_date(_child_text(el, "pubDate", "published", "date", "updated")),
            categories=[c for c in cats if c],
            author=author,
        ))
    return out


def parse_sitemap(body: bytes, base_url: str = "") -> tuple[str, list[Entry]]:
    """(`"index"` or `"urlset"`, entries) of a sitemap, gzip or not; Google News tags read."""
    from urllib.parse import urljoin

    root = _xml_root(body)
    if root is None:
        return "urlset", []
    kind = "index" if _local(root.tag) == "sitemapindex" else "urlset"
    out: list[Entry] = []
    for el in root:
        if _local(el.tag) not in ("url", "sitemap"):
            continue
        loc = _child_text(el, "loc")
        if not loc:
            continue
        try:
            entry = Entry(url=urljoin(base_url, loc), published=parse_date(_child_text(el, "lastmod")))
        except ValueError:  # an unparseable <loc>: skip the entry, keep the sitemap
            continue
        for child in el:
            if _local(child.tag) == "news":
                entry.title = _child_text(child, "title")
                news_date = parse_date(_child_text(child, "publication_date"))
                entry.published = news_date or entry.published
                kw = _child_text(child, "keywords")
                entry.categories = [k.strip() for k in kw.split(",") if k.strip()]
        out.append(entry)
        if len(out) >= MAX_FEED_ENTRIES:
            break
    return kind, out


# ---------------------------------------------------------------------------------------------
# The base spider
# ---------------------------------------------------------------------------------------------
class GovwireSpider(scrapy.Spider):
    """Base spider: `article_request()` for pages to archive and clean, `page_item()` in callbacks.

    Spider arguments every site spider accepts: `since`, `until` (ISO date/datetime or an age
    like `2d`) and `max_items` (stop asking for articles after that many; a site with several
    sources or titles takes that many from each).
    """

    site: str = ""  # seed name; defaults to the spider name
    needs_seed: bool = True

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        """Make sure the politeness middlewares run even if settings.py forgot them.

        An entry already present (even `None`, i.e. disabled on purpose) is left alone.
        """
        super().update_settings(settings)
        mws = settings.getdict("DOWNLOADER_MIDDLEWARES")
        missing = {k: v for k, v in POLITENESS_MIDDLEWARES.items() if k not in mws}
        cls._seed_politeness(settings)
        if missing:
            # spider priority, like custom_settings: `scrapy crawl` re-applies the project
            # settings over the crawler's after this hook, which would drop a project-level set
            prio = max(settings.getpriority("DOWNLOADER_MIDDLEWARES") or 0,
                       SETTINGS_PRIORITIES["spider"])
            settings.set("DOWNLOADER_MIDDLEWARES", {**mws, **missing}, priority=prio)

    max_concurrency: int | None = None   # hard cap whatever the seed says (GOV.UK: 2)

    @classmethod
    def _seed_politeness(cls, settings: Any) -> None:
        """Apply the seed's [politeness] (delay, concurrency, max_rps) at spider priority, so a
        site's agreed pace travels with its seed; `-s` on the command line still wins."""
        name = cls.site or getattr(cls, "name", "")
        pol: Any = None
        if name:
            from crawler.errors import ConfigError
            from crawler.seeds import load_seed

            try:
                pol = load_seed(name, settings=settings).politeness
            except ConfigError as e:
                if cls.needs_seed:
                    raise
                import logging

                logging.getLogger(__name__).debug("no seed politeness for %r: %s", name, e)
        spider_prio = SETTINGS_PRIORITIES["spider"]

        def put(key: str, value: Any) -> None:
            if (settings.getpriority(key) or 0) <= spider_prio:
                settings.set(key, value, priority="spider")

        if pol is not None:
            values = dict(pol.scrapy_settings())
            # one request per delay per slot: the delay is what caps the rate
            values["DOWNLOAD_DELAY"] = pol.effective_delay
            for key, value in values.items():
                put(key, value)
        if cls.max_concurrency is not None:
            cur = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
            if cur > cls.max_concurrency or cur <= 0:
                put("CONCURRENT_REQUESTS_PER_DOMAIN", cls.max_concurrency)

    def __init__(self, *args: Any, since: str | None = None, until: str | None = None,
                 max_items: str | int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.since = parse_when(since)
        self.until = parse_when(until, end=True)
        self.max_items = int(max_items) if max_items not in (None, "", "0", 0) else None
        self.requested = 0               # article requests handed out (for max_items)
        self._per_source: dict[str, int] = {}  # the same, per seed source/title (SiteSpider)
        self.failures: list[dict[str, str]] = []  # {url, reason}; collected by the runner
        self.skipped: list[dict[str, str]] = []   # {url, reason}: robots.txt exclusions
        self._seen: set[str] = set()
        self._seed: Any = None

    # -- seed ------------------------------------------------------------------------------
    @property
    def seed(self) -> Any:
        """This site's seed config (`crawler.seeds.SeedConfig`), loaded once on first use."""
        if self._seed is None and self.needs_seed:
            from crawler.seeds import load_seed

            crawler = getattr(self, "crawler", None)
            self._seed = load_seed(self.site or self.name,
                                   settings=crawler.settings if crawler is not None else None)
        return self._seed

    def real_url(self, url: str) -> str:
        """The real-domain URL of `url` (differs only on a relocated site, e.g. the fixture web)."""
        seed = self.seed if self.needs_seed else None
        if seed is None:
            return url
        from crawler.seeds import domain_for

        return domain_for(url, seed) or url

    @property
    def cleaner_name(self) -> str | None:
        """The cleaner the seed names for this outlet; None: chosen per page by URL ("auto")."""
        seed = self.seed if self.needs_seed else None
        name = getattr(seed, "cleaner", "") if seed is not None else ""
        return None if not name or name == "auto" else name

    # -- windows, limits, de-duplication ---------------------------------------------------
    def in_window(self, when: datetime | None) -> bool:
        """Unknown dates are kept: dropping them would lose undated but wanted pages."""
        if when is None:
            return True
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        if self.since and when < self.since:
            return False
        if self.until and when > self.until:
            return False
        return True

    @property
    def exhausted(self) -> bool:
        return self.max_items is not None and self.requested >= self.max_items

    def first_sight(self, url: str) -> bool:
        """True once per URL (fragment dropped), so each link costs one Request at most."""
        key = url.split("#", 1)[0]
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def fresh(self, urls: Iterable[str]) -> Iterator[str]:
        """URLs never seen before, in order, until `max_items` is reached."""
        for url in urls:
            if self.exhausted:
                return
            if self.first_sight(url):
                yield url

    # -- requests and items ----------------------------------------------------------------
    def article_request(self, url: str, callback: Any = None, **meta: Any) -> scrapy.Request:
        """A request for a page we archive; conditional (ETag/Last-Modified) when seen before."""
        self.requested += 1
        meta = {META_CONDITIONAL: True, "handle_httpstatus_list": [304], **meta}
        return scrapy.Request(url, callback=callback or self.parse_article, meta=meta,
                              errback=self.on_error)

    def aux_request(self, url: str, callback: Any, **kwargs: Any) -> scrapy.Request:
        """A discovery request (feed, sitemap, API page): archived, but no document is made."""
        kwargs.setdefault("errback", self.on_error)
        return scrapy.Request(url, callback=callback, **kwargs)

    def parse_article(self, response: Response, **_: Any) -> Any:
        yield self.page_item(response)

    def page_item(self, response: Response, make_document: bool = True,
                  **metadata: Any) -> PageItem:
        meta = response.meta
        first = meta.get("redirect_urls", [response.url])[0]
        ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        if make_document and "cleaner_url" not in metadata:
            real = meta.get(META_CLEANER_URL) or self.real_url(response.url)
            if real != response.url:
                metadata["cleaner_url"] = real
        failed = ""
        cap = meta.get(META_TRUNCATED)
        if cap:  # archived as a WARC-Truncated record; no document from half a page
            failed = f"body over size cap ({cap} bytes; what arrived is archived, WARC-Truncated)"
            self.record_failure(first, failed)
            make_document = False
        hops = [h for h in meta.get(META_HOPS, []) if h["url"] != response.url]
        return PageItem(
            failed=failed,
            hops=hops,
            url=first,
            final_url=response.url,
            site=self.site or self.name,
            status=response.status,
            body=response.body,
            encoding=getattr(response, "encoding", None),
            content_type=ctype,
            fetched_at=meta.get("govwire_fetched_at") or datetime.now(timezone.utc).isoformat(),
            warc=meta.get(META_WARC),
            payload_digest=meta.get(META_DIGEST),
            revisit=bool(meta.get(META_REVISIT)) or response.status == 304,
            metadata=metadata,
            make_document=make_document,
            cleaner=self.cleaner_name if make_document else None,
        )

    # -- failures --------------------------------------------------------------------------
    def record_failure(self, url: str, reason: str) -> None:
        """Keep `{url, reason}` where the runner reads it: `self.failures` and the stats."""
        from crawler.urlnorm import redact_url

        url = redact_url(url)
        self.failures.append({"url": url, "reason": reason})
        self.logger.warning("failed: %s: %s", url, reason)
        crawler = getattr(self, "crawler", None)
        if crawler is not None and crawler.stats is not None:
            # the list itself, not a copy per failure (that was quadratic on a bad day)
            if crawler.stats.get_value("govwire/failures") is not self.failures:
                crawler.stats.set_value("govwire/failures", self.failures)
            crawler.stats.inc_value("govwire/failed")

    def on_error(self, failure: Any) -> list[PageItem] | None:
        """Errback of every request: classify the failure in one line and record it.

        A robots.txt exclusion is the site's wish, not a failure: counted as skipped."""
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        reason = describe_failure(failure)
        if reason == "robots.txt disallows":
            self.record_skip(url, reason)
            return None
        response = getattr(getattr(failure, "value", None), "response", None)
        if response is not None and response.meta.get(META_WARC) is not None:
            # an error page (404, 410...) is archived: its capture stays listed for `show`
            item = self.page_item(response, make_document=False)
            item.failed = reason
            self.record_failure(item.url, reason)
            return [item]
        hops = request.meta.get("redirect_urls") if request is not None else None
        if hops and request is not None:  # report under the URL that was asked for, naming the hop that failed
            url, reason = hops[0], f"{reason} (after a redirect to {request.url})"
        self.record_failure(url, reason)
        if type(getattr(failure, "value", None)).__name__ == "AddressRefused" and request is not None:
            from crawler.refusals import archive_refusal

            archive_refusal(getattr(self, "crawler", None), url, reason,
                            getattr(self, "site", "") or self.name)
        return None

    def record_skip(self, url: str, reason: str) -> None:
        """Keep `{url, reason}` of a URL left alone on purpose (robots.txt): not a failure."""
        self.skipped.append({"url": url, "reason": reason})
        self.logger.info("skipped: %s: %s", url, reason)
        crawler = getattr(self, "crawler", None)
        if crawler is not None and crawler.stats is not None:
            crawler.stats.inc_value("govwire/skipped/robots")


# ---------------------------------------------------------------------------------------------
# Site spiders: feeds/sitemaps from the seed, filtered by the seed's [filters]
# ---------------------------------------------------------------------------------------------
META_ENTRY = "govwire_entry"    # the discovery Entry (as a dict) that led to an article request
META_SOURCE = "govwire_source"  # name of the seed source/title the article belongs to


def get(obj: Any, key: str, default: Any = None) -> Any:
    """`obj.key` or `obj[key]`, whichever the seed loader gives us; `default` when missing/None."""
    if obj is None:
        return default
    value = obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)
    if value is None and not isinstance(obj, dict):
        for bag in ("extra", "options", "raw"):
            extra = getattr(obj, bag, None)
            if isinstance(extra, dict) and key in extra:
                value = extra[key]
                break
    return default if value is None else value


_REGEX_CACHE: dict[tuple[str, ...], list[re.Pattern[str]]] = {}


def _compiled(patterns: Iterable[str]) -> list[re.Pattern[str]]:
    key = tuple(patterns)
    if key not in _REGEX_CACHE:
        _REGEX_CACHE[key] = [re.compile(p) for p in key]
    return _REGEX_CACHE[key]


def permits(source: Any, url: str) -> bool:
    """A seed source's allow/deny regexes, matched against the URL's path plus query."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    if any(p.search(target) for p in _compiled(source.deny)):
        return False
    allow = _compiled(source.allow)
    return not allow or any(p.search(target) for p in allow)


_NOTES_OPEN = re.compile(r"^(?:open|opendocument)=?$", re.IGNORECASE)


def canonical_article_url(url: str) -> str:
    """One URL per article where a site answers several spellings of it.

    Lotus Domino sites (Wired-Gov, `….nsf/…`) serve `?open`, `?open=`, `?OpenDocument` and no
    query alike, and `+` in the key may arrive as `%2B`: all become `…+…?open`."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if ".nsf/" not in parts.path.lower():
        return url
    path = re.sub(r"%2[bB]", "+", parts.path)
    query = "open" if not parts.query or _NOTES_OPEN.match(parts.query) else parts.query
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def _word_re(words: Iterable[str]) -> re.Pattern[str] | None:
    words = [w for w in words if w]
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.I)



class SiteSpider(GovwireSpider):
    """A press site discovered through its RSS/Atom feeds and (news) sitemaps.

    Filters come from the seed's `[filters]` table, so what counts as a UK-government story is
    configuration, not code:
      - `sections`: URL path prefixes ("news/uk/politics") or feed categories ("UK Gov"); an entry
        must match one when any are given. Checked before fetching.
      - `keywords`: words in the entry's title/summary/keywords that mark a government story.
        An entry without one is fetched only when the page itself can still qualify it (bylines).
      - `bylines`: page bylines/source labels that qualify a story ("PA Political Staff", "UK Gov").
      - `source_domains`: the page must link its original on one of these hosts ("gov.uk"),
        as Wired-Gov's "Original article link:" and Mirage's "View in full here" do.
    A fetched page that fails the page checks is archived (WARC) but makes no document.
    """

    def sources(self) -> list[Any]:
        """The seed's `crawler.seeds.Source`s: its [[sources]]/[[titles]], or the seed itself."""
        return list(self.seed.all_sources())

    def filters(self) -> dict[str, list[str]]:
        f = self.seed.filters
        keys = ("sections", "keywords", "bylines", "source_domains")
        return {k: list(getattr(f, k, ()) or ()) for k in keys}

    # -- discovery -------------------------------------------------------------------------
    async def start(self) -> Any:
        for src in self.sources():
            for url in src.feed_urls:
                yield self.aux_request(url, self.parse_feed_doc, cb_kwargs={"source": src})
            for url in src.sitemap_urls:
                yield self.aux_request(url, self.parse_sitemap_doc, cb_kwargs={"source": src})

    def parse_feed_doc(self, response: Response, source: Any) -> Any:
        yield self.page_item(response, make_document=False)
        try:
            entries = parse_feed(response.body, response.url)
        except FeedError as err:
            self.record_failure(response.url, str(err))
            return
        yield from self.follow_entries(entries, source)

    def parse_sitemap_doc(self, response: Response, source: Any) -> Any:
        yield self.page_item(response, make_document=False)
        try:
            kind, entries = parse_sitemap(response.body, response.url)
        except FeedError as err:
            self.record_failure(response.url, str(err))
            return
        if kind == "index":
            for e in entries:
                if self.in_window(e.published) and self.first_sight(e.url):
                    yield self.aux_request(e.url, self.parse_sitemap_doc,
                                           cb_kwargs={"source": source})
            return
        yield from self.follow_entries(entries, source)

    def follow_entries(self, entries: list[Entry], source: Any) -> Iterator[scrapy.Request]:
        """Article requests for the wanted entries, newest first, de-duplicated, within limits."""
        oldest = datetime.min.replace(tzinfo=timezone.utc)
        entries = sorted(entries, key=lambda e: e.published or oldest, reverse=True)
        taken = self._per_source.setdefault(source.name, 0)
        for e in entries:
            e.url = canonical_article_url(e.url)
        entries = [e for e in entries if permits(source, e.url) and self.in_window(e.published)]
        # sections/categories narrow the feed only while the feed still uses them: a feed whose
        # entries match none (categories dropped or renamed) leaves it to the pages' evidence
        sections_in_use = any(self._in_categories(e) for e in entries) or not self._category_sections()
        for e in entries:
            if self.max_items is not None and taken >= self.max_items:
                return  # max_items counts per source: one busy title must not starve the others
            self.crawler.stats.inc_value("govwire/entries")
            verdict = self.entry_verdict(e, sections_in_use=sections_in_use)
            if verdict == "skip":
                self.crawler.stats.inc_value("govwire/filtered/discovery")
                self.crawler.stats.inc_value("govwire/rejected/feed entry not wanted (sections/keywords)")
                continue
            if not self.first_sight(e.url):
                continue
            taken = self._per_source[source.name] = taken + 1
            yield self.article_request(e.url, **{
                META_ENTRY: {"title": e.title, "summary": e.summary, "categories": e.categories,
                             "published": e.published.isoformat() if e.published else None,
                             "verdict": verdict},
                META_SOURCE: source.name})

    def _in_sections(self, e: Entry) -> bool:
        from urllib.parse import urlsplit

        path = urlsplit(e.url).path.lstrip("/")
        return self._in_categories(e) or any(path.startswith(s.strip("/") + "/")
                                             for s in self.filters()["sections"])

    def _category_sections(self) -> list[str]:
        """Sections that name feed categories ("UK Gov"), not URL paths ("news/uk")."""
        return [s for s in self.filters()["sections"] if "/" not in s]

    def _in_categories(self, e: Entry) -> bool:
        cats = {c.lower() for c in e.categories}
        return any(s.lower() in cats for s in self._category_sections())

    def entry_verdict(self, e: Entry, sections_in_use: bool = True) -> str:
        """"want", "check" (fetch, then let the page decide) or "skip", from the feed alone.

        Feed categories and URL sections narrow the feed (saving fetches) but never admit a
        page by themselves on an aggregator; categories stop narrowing when no entry of the
        feed carries one any more (crawler/selection.py). URL path sections keep narrowing:
        if they stop matching, the zero-yield alarm says so."""
        f = self.filters()
        if f["sections"] and not self._in_sections(e):
            if sections_in_use:
                return "skip"
            return "check" if (f["source_domains"] or f["bylines"] or f["keywords"]) else "skip"
        kw = _word_re(f["keywords"])
        if kw is not None and not kw.search(" ".join([e.title, e.summary])):
            # a wire story may name the minister only further down, or carry a PA byline:
            # worth one fetch when a section already narrowed it, never site-wide
            return "check" if (f["sections"] or f["bylines"]) else "skip"
        return "check" if f["source_domains"] else "want"

    # -- articles --------------------------------------------------------------------------
    def parse_article(self, response: Response, **_: Any) -> Any:
        entry = response.meta.get(META_ENTRY) or {}
        meta: dict[str, Any] = {"source": response.meta.get(META_SOURCE) or self.name}
        if entry.get("title"):
            meta["feed_title"] = entry["title"]
        if entry.get("categories"):
            meta["categories"] = entry["categories"]
        if response.status != 200 or not isinstance(response, scrapy.http.TextResponse):
            yield self.page_item(response, **meta)
            return
        ev = gather(response.selector.root, self.filters(), entry.get("categories") or ())
        if ev.bylines:
            meta["byline"] = ev.bylines[0]
        published = entry.get("published") or page_published(response)
        if published:
            meta["published"] = published
        if ev.source_url:
            meta["source_url"] = ev.source_url
        if ev.department:
            meta["department"] = ev.department
        meta["selection"] = ev.signals
        for field_, xpath in self.seed.page_metadata.items():  # seed [page_metadata]
            value = response.xpath(xpath).get()
            if value and value.strip():
                meta.setdefault(field_, value.strip())
        why_not = self.page_rejects(ev, entry, published)
        if why_not:
            self.crawler.stats.inc_value("govwire/filtered/page")
            self.logger.info("not a government story (%s): %s", why_not, response.url)
            yield self.page_item(response, make_document=False, skipped=why_not, **meta)
            return
        yield self.page_item(response, **meta)

    def page_rejects(self, ev: Evidence, entry: dict[str, Any], published: str | None) -> str | None:
        """Why a fetched page is not a wanted story, or None when it is (crawler/selection.py)."""
        if published and not self.in_window(parse_date(published)):
            return "outside the date window"
        return decide(ev, self.filters(), entry.get("verdict") or "check")


def page_published(response: Response) -> str | None:
    for sel in ('//meta[@property="article:published_time"]/@content',
                '//meta[@itemprop="datePublished"]/@content', '//time[@datetime]/@datetime',
                '//meta[@name="govuk:first-published-at"]/@content'):
        v = response.xpath(sel).get()
        if v and parse_date(v):
            return v.strip()
    return None
