"""Scrapy settings for govwire: polite defaults, faithful WARC capture, archive pipeline.

Every GOVWIRE_* setting can be set from the environment variable of the same name; the CLI
maps its flags to settings at command-line priority (default < env/project < spider < flag).
"""
from __future__ import annotations

import os

from archive import environment


BOT_NAME = "govwire"
# Spiders are built from seeds/*.toml (one seed = one outlet = one spider): crawler/spider_loader.py
SPIDER_LOADER_CLASS = "crawler.spider_loader.SeedSpiderLoader"
SPIDER_MODULES: list[str] = []


def _env(name: str, default: str) -> str:
    """GOVWIRE_* environment variables are read only through archive/environment.py."""
    return environment.get(name, default)


# --- govwire ------------------------------------------------------------------------------
# Where WARCs, documents, indexes and state go: a path, file:// or s3://bucket/prefix.
GOVWIRE_STORE = _env("GOVWIRE_STORE", "./data")
# Contact URL or e-mail put in the User-Agent and warcinfo so site owners can reach the operator
# (e.g. mailto:ops@example.org). Unset: the User-Agent is plain govwire/<version> and runs warn.
GOVWIRE_CONTACT = _env("GOVWIRE_CONTACT", "")
# Roll WARC files over at this size (bytes).
GOVWIRE_WARC_MAX_SIZE = int(_env("GOVWIRE_WARC_MAX_SIZE", str(1_000_000_000)))
# zlib level for the per-record gzip members (6 is ~3x faster than warcio's 9 for ~2% size).
GOVWIRE_WARC_GZIP_LEVEL = int(_env("GOVWIRE_WARC_GZIP_LEVEL", "6"))
# Build WARC records (digests, gzip, SURT) and write a local store's documents and capture
# records in helper processes, off the crawl's GIL (crawler/offload.py). Off, or if a helper
# dies, threads of the crawl process do that work.
GOVWIRE_HELPER_PROCESSES = environment.get_bool("GOVWIRE_HELPER_PROCESSES")
# Worker processes for text extraction, so cleaning never blocks the reactor; 0 = inline.
# One core is left to the reactor and the WARC thread (on 2 cores, 1 worker measured faster).
GOVWIRE_CLEAN_WORKERS = int(_env("GOVWIRE_CLEAN_WORKERS", str(max(1, (os.cpu_count() or 2) - 1))))
# Archive only: fetch, WARC and capture records, no cleaning (`govwire reclean` cleans later).
GOVWIRE_DEFER_CLEAN = environment.get_bool("GOVWIRE_DEFER_CLEAN")
# Threads writing documents and capture records to the store, off the reactor thread.
GOVWIRE_STORE_THREADS = int(_env("GOVWIRE_STORE_THREADS", "4"))
# Take a per-site lock in the store for the length of a crawl (cron safety).
GOVWIRE_LOCK = _env("GOVWIRE_LOCK", "1") not in ("0", "false", "no")
# A lock with no heartbeat for this many minutes is stale and taken over (heartbeats are sent
# several times per period, at most once a minute); `govwire unlock SITE` breaks one by hand.
GOVWIRE_LOCK_STALE_MINUTES = float(_env("GOVWIRE_LOCK_STALE_MINUTES", "15"))
# Crawl state is checkpointed every N committed pages or T seconds, whichever comes first
# (through the spool when the store is down): a crash loses at most that much state, and
# `govwire sync` rebuilds even that from the repaired WARC.
GOVWIRE_STATE_CHECKPOINT_PAGES = int(_env("GOVWIRE_STATE_CHECKPOINT_PAGES", "100"))
GOVWIRE_STATE_CHECKPOINT_SECONDS = float(_env("GOVWIRE_STATE_CHECKPOINT_SECONDS", "60"))
# After a store call failed, every store call goes straight to the spool for this many seconds
# (one circuit breaker per run); then one call probes whether the store is back.
GOVWIRE_STORE_RETRY_AFTER = float(_env("GOVWIRE_STORE_RETRY_AFTER", "30"))
# Seconds between progress lines on stderr (0 = off).
GOVWIRE_PROGRESS_INTERVAL = float(_env("GOVWIRE_PROGRESS_INTERVAL", "10"))
# Seed configs directory (default: the repository's seeds/).
GOVWIRE_SEEDS_DIR = _env("GOVWIRE_SEEDS_DIR", "")
# Longest Retry-After we are willing to wait on a 429/503 (seconds).
GOVWIRE_RETRY_AFTER_MAX = float(_env("GOVWIRE_RETRY_AFTER_MAX", "300"))

# Share one crawl between several processes/machines through scrapy-redis (crawler/addons.py).
GOVWIRE_REDIS_URL = _env("GOVWIRE_REDIS_URL", "")
# Names one distributed run. Empty: a worker joins the site's live run or starts a fresh one.
# Set (e.g. the scheduler's job id): workers with another id are refused while this run lives,
# and once it has finished the same id does nothing (docs/distributed.md).
GOVWIRE_RUN_ID = _env("GOVWIRE_RUN_ID", "")
# Seconds without a heartbeat after which a worker's leased requests go back to the queue.
GOVWIRE_LEASE_TTL = float(_env("GOVWIRE_LEASE_TTL", "30"))
# Requests one worker may hold at once (0: twice CONCURRENT_REQUESTS_PER_DOMAIN); the rest stay shared.
GOVWIRE_PREFETCH = int(_env("GOVWIRE_PREFETCH", "0"))
ADDONS = {"crawler.addons.RedisDistribution": 100, "crawler.contact.ContactAddon": 0}

# Non-public networks or hosts that may be fetched anyway (comma-separated CIDRs, addresses or
# host names, optionally :PORT). Everything not globally routable is refused otherwise, checked
# on the connected peer address (crawler/address_policy.py, docs/security.md).
GOVWIRE_ALLOW_ADDRESSES = _env("GOVWIRE_ALLOW_ADDRESSES", "")

# --- politeness ------------------------------------------------------------------------------
# USER_AGENT is govwire/<version> (+GOVWIRE_CONTACT), built once settings are final by
# crawler.contact.ContactAddon; setting USER_AGENT here or with -s replaces it.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Items/requests of one response handled at once. Scrapy's default (100) starts 100 asyncio
# tasks per response; our callbacks yield one item (or a page of links), so 100 idle workers
# per page were ~10 % of an archive-only crawl's CPU (bench/crawl.py, docs/benchmarks.md).
CONCURRENT_ITEMS = 8
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = int(_env("GOVWIRE_DOWNLOAD_TIMEOUT", "30"))
# Body size cap: a bigger body is cut here, archived as a WARC-Truncated record and reported.
DOWNLOAD_MAXSIZE = int(_env("GOVWIRE_MAX_BODY", str(50 * 1024 * 1024)))
DOWNLOAD_WARNSIZE = 20 * 1024 * 1024
RETRY_TIMES = 2
COOKIES_ENABLED = False  # we archive public pages; cookies would only personalise them

# warcio cannot read br or zstd records; ask only for what every WARC reader decodes.
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,application/json;q=0.8,*/*;q=0.7",
    "Accept-Language": "en-GB,en;q=0.8",
    "Accept-Encoding": "gzip, deflate",
}

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares_core.RobotsTxtMiddleware": 100,
    # before HttpCompressionMiddleware (590) so its setdefault keeps our Accept-Encoding
    "crawler.middlewares_core.ConditionalRequestMiddleware": 580,
    # sees 3xx responses before RedirectMiddleware (600): a chain back on itself is a loop
    "crawler.redirect_loops.RedirectLoopMiddleware": 650,
}

# Same HTTP/1.1 client as Scrapy's, but it also keeps the exact message heads for the WARC.
DOWNLOAD_HANDLERS = {
    "http": "crawler.download_handler.RecordingHTTP11DownloadHandler",
    "https": "crawler.download_handler.RecordingHTTP11DownloadHandler",
}

EXTENSIONS = {
    "crawler.warc_capture.WarcCaptureExtension": 100,
    "crawler.progress.ProgressExtension": 500,
}

ITEM_PIPELINES = {
    "crawler.pipelines.ArchivePipeline": 300,
}

# Scrapy 2.19 opens a code-running HTTP endpoint by default: never in an archiver.
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
# `scrapy crawl SITE -O items.jsonl` exports what was archived; the raw body is in the WARC.
FEED_EXPORT_FIELDS = ["url", "final_url", "site", "status", "content_type", "fetched_at", "warc",
                      "payload_digest", "revisit", "make_document", "cleaner", "metadata"]
LOG_LEVEL = _env("GOVWIRE_LOG_LEVEL", "INFO")
REDIRECT_MAX_TIMES = 10  # hostile redirect chains end here (Scrapy: 20); docs/security.md
