"""An HTTP/1.1 download handler that also keeps the exact bytes of each message head.

Scrapy's Response normalises header names, drops the reason phrase and never shows the request
line Twisted wrote. For a faithful WARC we record, at the Twisted protocol level:
- the request head exactly as written to the socket (request line, Host, header case and order);
- the response status line and header lines exactly as received.
Both go into request.meta for the WARC capture extension. Anything unexpected in these private
Twisted/Scrapy hooks disables recording for that request and the capture falls back to
reconstruction (docs/warc-fidelity.md), so fetching itself never depends on it.

This module is the one adapter over those private APIs (Scrapy's http11 classes, Twisted's
_newclient states), tested with the ranges pinned in pyproject.toml (Scrapy 2.19, Twisted 26,
warcio 1.8). The capture reads its results only through `take_raw_heads()`, which counts every
fallback (`govwire/capture/raw_head_fallback` in the crawl stats); tests/test_capture_adapter.py
fails when the fallback kicks in on the fixture web, i.e. when an upgrade broke the hooks.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from scrapy import Request, signals
from scrapy.exceptions import StopDownload
from scrapy.core.downloader.handlers.http11 import (
    HTTP11DownloadHandler,
    ResponseDataLossError,
    wrap_twisted_exceptions,
    _LenientHTTP11ClientFactory,
    _LenientHTTP11ClientProtocol,
    _LenientHTTPClientParser,
    _ScrapyAgent,
)
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.web._newclient import HEADER, STATUS

from crawler.spiders.base import META_TRUNCATED  # the size cap, when the body was cut there
from crawler.address_policy import AddressPolicy, AddressRefused, policy_from_settings

logger = logging.getLogger(__name__)

META_RAW_REQUEST = "govwire_raw_request_head"
META_RAW_RESPONSE = "govwire_raw_response_head"
META_SENT_AT = "govwire_request_sent_at"   # datetime (UTC) the request head was written
_META_CAP = "govwire_maxsize"
_META_GOT = "govwire_bytes_received"


# Bounds on a response head (docs/security.md): real sites send ~10-40 header lines and a few KB.
MAX_HEADER_LINES = 256
MAX_HEAD_BYTES = 64 * 1024


class HeadTooLarge(Exception):
    """A response head over MAX_HEADER_LINES lines or MAX_HEAD_BYTES bytes; str() is the reason."""


STAT_RECORDED = "govwire/capture/raw_heads"
STAT_FALLBACK = "govwire/capture/raw_head_fallback"


def take_raw_heads(request: Request, stats: Any = None) -> tuple[bytes | None, bytes | None, datetime | None]:
    """(request head, response head, request sent at) as recorded for this request, taken out of
    its meta; counted in `stats` as recorded or fallen back (HTTP(S) requests only)."""
    raw_request = request.meta.pop(META_RAW_REQUEST, None)
    raw_response = request.meta.pop(META_RAW_RESPONSE, None)
    sent_at = request.meta.pop(META_SENT_AT, None)
    if stats is not None and request.url.startswith(("http://", "https://")):
        if raw_response is not None and raw_request is not None:
            stats.inc_value(STAT_RECORDED)
        else:
            stats.inc_value(STAT_FALLBACK)
            logger.debug("raw message heads not recorded for %s: WARC heads reconstructed", request.url)
    return raw_request, raw_response, sent_at


class _RecordingParser(_LenientHTTPClientParser):
    """Keeps the raw status and header lines (with their own line endings)."""

    def lineReceived(self, line: bytes) -> None:
        if self.state in (STATUS, HEADER):
            lines: list[bytes] = self.__dict__.setdefault("_govwire_lines", [])
            lines.append(line)
            size = self.__dict__["_govwire_head_bytes"] = (
                self.__dict__.get("_govwire_head_bytes", 0) + len(line) + 2)
            if len(lines) > MAX_HEADER_LINES or size > MAX_HEAD_BYTES:
                # raised into Twisted's protocol, which gives the request up with this reason
                raise HeadTooLarge(f"response head over {MAX_HEADER_LINES} lines or "
                                   f"{MAX_HEAD_BYTES // 1024} KiB")
            if self.state == HEADER and line in (b"", b"\r"):
                # the response object exists since the status line; set this before the
                # header end fires the response deferred (and Scrapy's callbacks) synchronously
                resp = getattr(self, "response", None)
                if resp is not None:
                    resp._govwire_raw_head = b"\n".join(lines) + b"\n"
                    resp._govwire_raw_request = getattr(self, "_govwire_request_head", None)
                    resp._govwire_sent_at = getattr(self, "_govwire_sent_at", None)
                self._govwire_lines: list[bytes] = []  # a 1xx interim response starts a new head
                super().lineReceived(line)
                return
        super().lineReceived(line)


class _RecordingProtocol(_LenientHTTP11ClientProtocol):
    def request(self, request: Any) -> Any:
        transport: Any = self.transport  # Twisted's ITransport stubs lack the methods we wrap
        written: list[bytes] = []
        patched = False
        try:
            orig_write, orig_seq = transport.write, transport.writeSequence

            def write(data: bytes) -> None:
                written.append(bytes(data))
                orig_write(data)

            def write_sequence(seq: Any) -> None:
                seq = [bytes(x) for x in seq]
                written.extend(seq)
                orig_seq(seq)

            transport.write, transport.writeSequence = write, write_sequence
            patched = True
        except AttributeError:
            pass
        sent_at = datetime.now(timezone.utc)
        try:
            d = super().request(request)
        finally:
            if patched:
                del transport.write, transport.writeSequence
        parser: Any = self._parser
        if parser is not None:
            parser.__class__ = _RecordingParser
            data = b"".join(written)
            end = data.find(b"\r\n\r\n")
            if end >= 0:
                parser._govwire_request_head = data[: end + 4]
            parser._govwire_sent_at = sent_at
        return d


class _RecordingFactory(_LenientHTTP11ClientFactory):
    policy: AddressPolicy | None = None  # set per handler by _factory_for()

    def buildProtocol(self, addr: Any) -> Any:
        # Called once the TCP connection to the resolved peer exists, before TLS or any HTTP
        # byte: raising here makes Twisted close it and fail the request with our reason.
        policy = self.policy
        host, port = getattr(addr, "host", None), getattr(addr, "port", None)
        if policy is not None and host is not None:
            reason = policy.refusal(str(host), port=port)
            if reason is not None:
                raise AddressRefused(reason)
        return _RecordingProtocol(self._quiescentCallback)


def _factory_for(policy: AddressPolicy) -> type[_RecordingFactory]:
    """A factory class bound to one crawler's policy (several crawlers may share a process)."""
    return type("_PolicyRecordingFactory", (_RecordingFactory,), {"policy": policy})


class _RecordingAgent(_ScrapyAgent):
    def _cb_bodyready(self, txresponse: Any, request: Request) -> Any:
        request.meta[META_RAW_RESPONSE] = getattr(txresponse, "_govwire_raw_head", None)
        request.meta[META_RAW_REQUEST] = getattr(txresponse, "_govwire_raw_request", None)
        request.meta[META_SENT_AT] = getattr(txresponse, "_govwire_sent_at", None)
        return super()._cb_bodyready(txresponse, request)


class RecordingHTTP11DownloadHandler(HTTP11DownloadHandler):
    """Also keeps what arrived of a body over DOWNLOAD_MAXSIZE (Scrapy would cancel it and
    drop every byte): the download stops at the cap and the capture writes a record marked
    `WARC-Truncated: length`, as Heritrix and warcprox do."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        try:
            self.policy = policy_from_settings(crawler.settings)
        except ValueError as e:  # fail closed: a bad allow-list must not open everything
            logger.error("GOVWIRE_ALLOW_ADDRESSES: %s; only public addresses will be fetched", e)
            self.policy = AddressPolicy()
        self._pool._factory = _factory_for(self.policy)
        crawler.signals.connect(self._bytes_received, signal=signals.bytes_received)

    @staticmethod
    def _bytes_received(data: bytes, request: Request, spider: Any = None) -> None:
        cap = request.meta.get(_META_CAP)
        if not cap:
            return
        got = request.meta.get(_META_GOT, 0) + len(data)
        request.meta[_META_GOT] = got
        if got > cap:
            request.meta[META_TRUNCATED] = cap
            raise StopDownload(fail=False)

    async def download_request(self, request: Request) -> Response:
        # our cap replaces Scrapy's (a per-request download_maxsize meta still wins there)
        request.meta[_META_CAP] = request.meta.get("download_maxsize", self._default_maxsize)
        request.meta[_META_GOT] = 0
        request.meta.pop(META_TRUNCATED, None)
        agent = _RecordingAgent(
            contextFactory=self._contextFactory,
            bindAddress=self._bind_address,
            pool=self._pool,
            maxsize=0,
            warnsize=self._default_warnsize,
            fail_on_dataloss=self._fail_on_dataloss,
            crawler=self._crawler,
            tls_verbose_logging=self._tls_verbose_logging,
        )
        try:
            with wrap_twisted_exceptions():
                return await maybe_deferred_to_future(agent.download_request(request))
        except ResponseDataLossError:
            logger.warning("data loss while downloading %s (set DOWNLOAD_FAIL_ON_DATALOSS)", request.url)
            raise
