"""S3-compatible store (AWS, MinIO, Cloudflare R2, Ceph RGW, SeaweedFS) through boto3.

Credentials come only from the standard boto3 chain (env, profile, instance role); they never
appear in `uri`, repr, messages or logs. Every botocore failure becomes one short ArchiveError
line, and timeouts/retries are short so a dead endpoint fails in seconds and the spool takes
over. Uploads of closed files are verified end to end: size plus the CRC32 (full-object or
composite multipart) the server reports, computed locally from the same bytes.
"""
from __future__ import annotations

import base64
import hashlib
import logging
import os
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from archive import environment
from archive.errors import BadStoreURI, NotFound, StoreConflict, StoreUnavailable
from archive.storage import check_key

__all__ = ["S3Store", "UploadNotVerified", "DEFAULT_MULTIPART_THRESHOLD", "DEFAULT_PART_SIZE"]

logger = logging.getLogger(__name__)

DEFAULT_MULTIPART_THRESHOLD = 8 * 1024 * 1024  # boto3 defaults: measured best on SeaweedFS (bench/store.py)
DEFAULT_PART_SIZE = 8 * 1024 * 1024
_AUTH_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken",
               "TokenRefreshRequired", "AuthorizationHeaderMalformed", "InvalidSecurity", "403"}
_CONFLICT_CODES = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}


class UploadNotVerified(StoreUnavailable):
    """The store holds something other than what we sent; the spool copy must stay."""


def _env_int(name: str, default: int) -> int:
    try:
        return environment.get_int(name, default)
    except environment.BadEnvironment:
        return default


def _env_float(name: str, default: float) -> float:
    try:
        return environment.get_float(name, default)
    except environment.BadEnvironment:
        return default


def _public_endpoint(url: str) -> str:
    """The endpoint as printable text: any user:password@ part removed."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))


def _refused(e: BaseException) -> bool:
    """Whether a connection error was a refusal (nothing listens) rather than a timeout/DNS."""
    seen: set[int] = set()
    stack: list[object] = [e]
    while stack:
        x = stack.pop()
        if not isinstance(x, BaseException) or id(x) in seen:
            continue
        seen.add(id(x))
        if isinstance(x, ConnectionRefusedError) or "refused" in str(x).lower():
            return True
        stack += [x.__cause__, x.__context__, *getattr(x, "kwargs", {}).values(), *x.args]
    return False


def _crc_b64(crc: int) -> str:
    return base64.b64encode(crc.to_bytes(4, "big")).decode("ascii")


class _LocalChecksums:
    """CRC32 of the whole file and of each part, computed once while the upload runs."""

    def __init__(self, path: Path, part_size: int) -> None:
        self.path = path
        self.part_size = part_size
        self.full = 0
        self.parts: list[int] = []
        self.size = 0

    def compute(self) -> _LocalChecksums:
        with open(self.path, "rb") as f:
            while block := f.read(self.part_size):
                self.parts.append(zlib.crc32(block))
                self.full = zlib.crc32(block, self.full)
                self.size += len(block)
        return self

    def composite(self) -> str:
        joined = b"".join(c.to_bytes(4, "big") for c in self.parts)
        return f"{_crc_b64(zlib.crc32(joined))}-{len(self.parts)}"

    def md5_etag(self, multipart: bool) -> str:
        """The ETag plain S3 gives: MD5 of the body, or MD5 of the part MD5s plus '-N'."""
        digests, whole = [], hashlib.md5(usedforsecurity=False)
        with open(self.path, "rb") as f:
            while block := f.read(self.part_size):
                digests.append(hashlib.md5(block, usedforsecurity=False).digest())
                whole.update(block)
        if not multipart:
            return whole.hexdigest()
        return f"{hashlib.md5(b''.join(digests), usedforsecurity=False).hexdigest()}-{len(digests)}"


class S3Store:
    """One bucket (and optional key prefix) on any S3-compatible service.

    Args:
        bucket: bucket name.
        prefix: key prefix inside the bucket ('' or 'a/b').
        endpoint_url: non-AWS endpoint; default $GOVWIRE_S3_ENDPOINT_URL or $AWS_ENDPOINT_URL.
        region: default $AWS_REGION / $AWS_DEFAULT_REGION, the profile's, else us-east-1 for a
            custom endpoint (R2 wants 'auto').
        profile: AWS credentials profile; default $AWS_PROFILE or the standard chain.
        spool_dir: local spool; default $GOVWIRE_SPOOL or ~/.cache/govwire/spool/<bucket>/<hash>.
        addressing_style: 'path' or 'virtual'; default path when an endpoint is given (MinIO,
            SeaweedFS, Ceph), boto3's choice on AWS.
        connect_timeout / read_timeout / max_attempts: kept short so an outage is seen fast
            ($GOVWIRE_S3_CONNECT_TIMEOUT, default 3 s; $GOVWIRE_S3_READ_TIMEOUT, default 20 s;
            $GOVWIRE_S3_MAX_ATTEMPTS, default 3). Attempts are ours, not botocore's: a throttled
            or 5xx answer is retried with backoff, but a timeout or a refused connection is
            never retried, so one call against a hung store costs one timeout, not three.
        multipart_threshold / part_size / max_concurrency: put_file's transfer settings.
    """

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None,
                 region: str | None = None, profile: str | None = None,
                 spool_dir: str | os.PathLike[str] | None = None, addressing_style: str | None = None,
                 connect_timeout: float | None = None, read_timeout: float | None = None,
                 max_attempts: int | None = None, multipart_threshold: int | None = None,
                 part_size: int | None = None, max_concurrency: int = 10) -> None:
        try:
            import boto3
            import botocore.config
            import botocore.exceptions
        except ImportError:  # pragma: no cover - boto3 is a dependency
            raise BadStoreURI("s3:// stores need boto3 (pip install boto3)") from None
        if not bucket:
            raise BadStoreURI("s3:// store URI has no bucket (use s3://bucket/prefix)")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.uri = f"s3://{bucket}/{self.prefix}".rstrip("/")
        endpoint_url = (endpoint_url or environment.get("GOVWIRE_S3_ENDPOINT_URL")
                        or os.environ.get("AWS_ENDPOINT_URL") or None)
        self.endpoint_url = endpoint_url
        profile = profile or os.environ.get("AWS_PROFILE") or None
        region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
        try:
            session = boto3.session.Session(profile_name=profile)
        except botocore.exceptions.ProfileNotFound:
            raise StoreUnavailable(f"AWS profile {profile!r} not found (check ~/.aws/config)") from None
        region = region or session.region_name or ("us-east-1" if endpoint_url else None)
        self.region = region
        self.endpoint = _public_endpoint(endpoint_url) if endpoint_url else (
            f"https://s3.{region}.amazonaws.com" if region else "https://s3.amazonaws.com")
        style = addressing_style or ("path" if endpoint_url else "auto")
        self.connect_timeout = connect_timeout or _env_float("GOVWIRE_S3_CONNECT_TIMEOUT", 3.0)
        self.read_timeout = read_timeout or _env_float("GOVWIRE_S3_READ_TIMEOUT", 20.0)
        self.max_attempts = max(1, max_attempts or _env_int("GOVWIRE_S3_MAX_ATTEMPTS", 3))
        config = botocore.config.Config(
            region_name=region,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            retries={"total_max_attempts": 1, "mode": "standard"},
            s3={"addressing_style": style},
            max_pool_connections=max(10, max_concurrency),
        )
        self.client = session.client("s3", endpoint_url=endpoint_url, config=config)
        self._errors = botocore.exceptions
        # put_file goes through s3transfer, which does not pass If-None-Match: add it to the
        # PutObject / CompleteMultipartUpload of the keys being created (see put_file)
        self._create_only: set[str] = set()
        for op in ("PutObject", "CompleteMultipartUpload"):
            self.client.meta.events.register(f"before-parameter-build.s3.{op}", self._add_if_none_match)
        self.multipart_threshold = multipart_threshold or _env_int(
            "GOVWIRE_S3_MULTIPART_THRESHOLD", DEFAULT_MULTIPART_THRESHOLD)
        self.part_size = part_size or _env_int("GOVWIRE_S3_PART_SIZE", DEFAULT_PART_SIZE)
        self.max_concurrency = max_concurrency
        self._bucket_checked = False
        spool = spool_dir or environment.get("GOVWIRE_SPOOL")
        if not spool:
            h = hashlib.sha1(self.prefix.encode("utf-8")).hexdigest()[:12]
            spool = Path("~/.cache/govwire/spool").expanduser() / bucket / h
        self._spool = Path(spool).expanduser()
        try:
            self._spool.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreUnavailable(f"cannot create spool directory {self._spool}: {e.strerror}") from None

    @classmethod
    def from_uri(cls, uri: str, **options: Any) -> S3Store:
        """Build from 's3://bucket/prefix'; credentials in the URI are refused, never echoed."""
        parts = urlsplit(uri)
        if parts.scheme != "s3":
            raise BadStoreURI("not an s3:// store URI")
        if "@" in parts.netloc or parts.query or parts.fragment:
            raise BadStoreURI("s3:// store URI must be s3://bucket/prefix; put credentials in the "
                              "environment or an AWS profile, never in the URI")
        opts = {k: v for k, v in options.items() if v is not None}
        return cls(parts.netloc, parts.path, **opts)

    def __repr__(self) -> str:
        return f"S3Store({self.uri!r}, endpoint={self.endpoint!r})"

    @property
    def spool_dir(self) -> Path:
        return self._spool

    # -- errors -----------------------------------------------------------------------------
    def _k(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _translate(self, e: Exception, key: str | None = None) -> Exception:
        """One short line per failure; the server's own message is dropped on purpose."""
        ex = self._errors
        if isinstance(e, (ex.EndpointConnectionError, ex.ConnectTimeoutError,
                          ex.ConnectionClosedError, ex.ReadTimeoutError)):
            if isinstance(e, (ex.ConnectTimeoutError, ex.ReadTimeoutError)):
                why = "timed out"
            elif _refused(e):
                why = "connection refused"
            else:
                why = "connection failed"
            return StoreUnavailable(f"cannot reach S3 endpoint {self.endpoint}: {why}")
        if isinstance(e, (ex.NoCredentialsError, ex.PartialCredentialsError)):
            return StoreUnavailable(f"no usable AWS credentials for bucket {self.bucket} "
                                    "(set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or --profile)")
        if isinstance(e, ex.ClientError):
            err = e.response.get("Error", {})
            code = str(err.get("Code") or "")
            status = int(e.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            if code == "NoSuchBucket":
                return StoreUnavailable(f"bucket {self.bucket} does not exist")
            if code in _AUTH_CODES:
                shown = "403 Forbidden" if code == "403" else code
                return StoreUnavailable(f"S3 rejected the credentials for bucket {self.bucket} ({shown})")
            if code == "AccessDenied":
                return StoreUnavailable(f"S3 denied access to bucket {self.bucket} (AccessDenied)")
            if code in _CONFLICT_CODES or status in (409, 412):
                return StoreConflict(f"{key} was changed by another writer (precondition failed)")
            if code in ("NoSuchKey", "404") and key is not None:
                return NotFound(key)
            return StoreUnavailable(f"S3 error on bucket {self.bucket}: {code or 'unknown'} (HTTP {status})")
        if isinstance(e, ex.BotoCoreError):
            return StoreUnavailable(f"S3 client error for bucket {self.bucket}: {type(e).__name__}")
        return e

    def _add_if_none_match(self, params: dict[str, Any], **_: Any) -> None:
        if params.get("Key") in self._create_only:
            params["IfNoneMatch"] = "*"

    def _retryable(self, e: Exception) -> bool:
        """Worth another attempt: throttling, a 5xx, a dropped connection — never a timeout or a
        refusal (the breaker upstairs decides about outages, in one timeout)."""
        ex = self._errors
        if isinstance(e, ex.ConnectionClosedError):
            return True
        if isinstance(e, ex.ClientError):
            status = int(e.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            code = str(e.response.get("Error", {}).get("Code") or "")
            return status >= 500 or status == 429 or code in ("SlowDown", "Throttling", "RequestTimeout")
        return False

    def _call(self, op: str, key: str | None = None, **kw: Any) -> Any:
        for attempt in range(1, self.max_attempts + 1):
            try:
                return getattr(self.client, op)(**kw)
            except (self._errors.BotoCoreError, self._errors.ClientError) as e:
                if attempt < self.max_attempts and self._retryable(e):
                    time.sleep(min(2.0, 0.1 * 2 ** attempt))
                    continue
                err = self._translate(e, key)
                if isinstance(err, NotFound) and op == "head_object":
                    self._check_bucket()
                raise err from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _check_bucket(self) -> None:
        """HEAD answers a missing bucket with a bare 404; ask once which 404 it was."""
        if self._bucket_checked:
            return
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (self._errors.BotoCoreError, self._errors.ClientError) as e:
            err = self._translate(e)
            if isinstance(e, self._errors.ClientError) and \
                    e.response.get("Error", {}).get("Code") in ("404", "NoSuchBucket"):
                err = StoreUnavailable(f"bucket {self.bucket} does not exist")
            raise err from None
        self._bucket_checked = True

    # -- Store protocol ---------------------------------------------------------------------
    def put_bytes(self, key: str, data: bytes, *, if_absent: bool = False,
                  if_match: str | None = None, content_type: str | None = None) -> str:
        kw: dict[str, Any] = {"Bucket": self.bucket, "Key": self._k(key), "Body": data,
                              "ChecksumAlgorithm": "CRC32"}
        if content_type:
            kw["ContentType"] = content_type
        if if_absent:
            kw["IfNoneMatch"] = "*"
        if if_match is not None:
            kw["IfMatch"] = if_match
        try:
            resp = self._call("put_object", key, **kw)
        except StoreConflict:
            raise StoreConflict(f"{key} already exists" if if_absent
                                else f"{key} changed since it was read") from None
        except NotFound:
            raise StoreConflict(f"{key} changed since it was read") from None  # If-Match on a gone key
        return str(resp.get("ETag", ""))

    def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> None:
        """Upload a closed file (multipart above the threshold) and verify what the store holds."""
        from boto3.s3.transfer import TransferConfig
        from s3transfer.manager import TransferManager
        from s3transfer.utils import ChunksizeAdjuster

        path = Path(path)
        size = path.stat().st_size  # FileNotFoundError propagates: a concurrent publisher won
        multipart = size >= self.multipart_threshold
        part = ChunksizeAdjuster().adjust_chunksize(self.part_size, size) if multipart else max(size, 1)
        cfg = TransferConfig(multipart_threshold=self.multipart_threshold, multipart_chunksize=part,
                             max_concurrency=self.max_concurrency)
        extra: dict[str, Any] = {"ChecksumAlgorithm": "CRC32"}
        if content_type:
            extra["ContentType"] = content_type
        sums = _LocalChecksums(path, part)
        full_key = self._k(key)
        self._create_only.add(full_key)  # immutable objects: never replace one (StoreConflict)
        try:
            with ThreadPoolExecutor(1) as pool:
                local = pool.submit(sums.compute)  # zlib releases the GIL: overlaps the upload
                try:
                    with TransferManager(self.client, cfg) as tm:
                        tm.upload(str(path), self.bucket, full_key, extra_args=extra).result()
                except (self._errors.BotoCoreError, self._errors.ClientError) as e:
                    err = self._translate(e, key)
                    if isinstance(err, StoreConflict):
                        raise StoreConflict(f"{key} already exists") from None
                    raise err from None
                local.result()
        finally:
            self._create_only.discard(full_key)
        self._verify(key, sums, multipart)

    def _verify(self, key: str, sums: _LocalChecksums, multipart: bool) -> None:
        head = self._call("head_object", key, Bucket=self.bucket, Key=self._k(key), ChecksumMode="ENABLED")
        got_size = int(head.get("ContentLength", -1))
        if got_size != sums.size:
            raise UploadNotVerified(f"upload of {key} to {self.uri} not verified: store has "
                                    f"{got_size} bytes, sent {sums.size}")
        remote = head.get("ChecksumCRC32")
        if remote:
            kind = head.get("ChecksumType") or ("COMPOSITE" if "-" in remote else "FULL_OBJECT")
            expected = sums.composite() if kind == "COMPOSITE" else _crc_b64(sums.full)
            if remote != expected:
                raise UploadNotVerified(f"upload of {key} to {self.uri} not verified: CRC32 "
                                        f"{remote} in store, {expected} sent")
            return
        etag = str(head.get("ETag", "")).strip('"')
        if etag and len(etag.split("-")[0]) == 32:
            expected = sums.md5_etag(multipart)
            if etag != expected:
                raise UploadNotVerified(f"upload of {key} to {self.uri} not verified: ETag "
                                        f"{etag} in store, {expected} sent")
            return
        logger.info("upload of %s verified by size only (store reports no CRC32 or MD5 ETag)", key)

    def get_bytes(self, key: str) -> bytes:
        return self.get_with_etag(key)[0]

    def get_with_etag(self, key: str) -> tuple[bytes, str]:
        resp = self._call("get_object", key, Bucket=self.bucket, Key=self._k(key))
        try:
            data = resp["Body"].read()
        except (self._errors.BotoCoreError, self._errors.ClientError) as e:
            raise self._translate(e, key) from None
        return data, str(resp.get("ETag", ""))

    def get_range(self, key: str, offset: int, length: int) -> bytes:
        if length <= 0:
            return b""
        try:
            resp = self._call("get_object", key, Bucket=self.bucket, Key=self._k(key),
                              Range=f"bytes={offset}-{offset + length - 1}")
        except StoreUnavailable as e:
            if "InvalidRange" in str(e) or "HTTP 416" in str(e):
                return b""  # past the end, as a file read would say
            raise
        return bytes(resp["Body"].read())

    def exists(self, key: str) -> bool:
        try:
            self._call("head_object", key, Bucket=self.bucket, Key=self._k(key))
        except NotFound:
            return False
        return True

    def list(self, prefix: str) -> Iterator[str]:
        """Keys under prefix, sorted; pages of 1000 through the paginator."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix)
        keys: list[str] = []
        try:
            for page in pages:
                keys.extend(o["Key"][len(self.prefix):] for o in page.get("Contents", ()))
        except (self._errors.BotoCoreError, self._errors.ClientError) as e:
            raise self._translate(e) from None
        return iter(sorted(keys))

    def delete(self, key: str, *, if_match: str | None = None) -> None:
        kw: dict[str, Any] = {"Bucket": self.bucket, "Key": self._k(key)}
        if if_match is not None:
            kw["IfMatch"] = if_match
        try:
            self._call("delete_object", key, **kw)
        except (StoreConflict, NotFound):
            if if_match is None:
                return
            raise StoreConflict(f"{key} changed since it was read") from None

    def local_path(self, key: str) -> Path | None:
        return None
