"""The local spool: nothing we captured is lost because the store was down.

Every store has a `spool_dir` that mirrors the store's key layout. WARC files are written there
(`<key>.open`, flock-held while live, renamed on close) and published with `publish(key)`;
small objects try the store first and fall back to the spool with `put_bytes`. A spool copy is
deleted only after the store confirmed a verified upload. `sync()` mends `.open` files whose
writer died and publishes everything pending, WARCs first so no index or document ever points
at a WARC the store does not have yet.

Same code path for every backend: for LocalStore the spool is `<root>/.spool` and put_file is
a hard link.

Every store call goes through one circuit breaker (archive.breaker): after the first failure
the rest of the run spools at once instead of waiting for a timeout per object. What sync does
beyond uploading (docs/reliability.md):
- state snapshots (`state/<site>.json`) are merged into the store's copy, never written over it;
- lock releases that could not reach the store (`locks/<site>.lock.release`) are carried out;
- a repaired WARC's response records go back into its site's state (the killed run never
  checkpointed them), and any spooled document or capture record that points past the end
  of a repaired WARC is set aside in `.spool/.quarantine/` and reported, never uploaded.
"""
from __future__ import annotations

import errno
import fcntl
import filecmp
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from archive.breaker import BreakerStore, StoreDown, guarded
from archive.errors import NotFound, StoreConflict, StoreUnavailable
from archive.keys import capture_key, state_key
from archive.repair import rebuild_cdxj, repair_warc, response_records
from archive.state import UrlState, merge_state_bytes, parse_state
from archive.storage import Store, _mkstemp, check_key

__all__ = ["Spool", "SyncReport", "content_type_for"]

logger = logging.getLogger(__name__)

_OPEN = ".open"
_LIVE_GRACE = 60.0  # an empty unlocked .open younger than this may be a writer between open and flock
# Publish order: data before anything that points into it.
_ORDER = ("warcs/", "indexes/", "docs/", "captures/", "state/", "locks/")
_CREATE_ONLY = ("docs/", "captures/")  # immutable small objects: create, never replace
RELEASE = ".release"  # suffix of a lock release waiting for the store
_TYPES = {".warc.gz": "application/warc", ".warc": "application/warc", ".cdxj": "text/plain; charset=utf-8",
          ".json": "application/json", ".lock": "application/json"}


def content_type_for(key: str) -> str | None:
    """The Content-Type a key is stored with (spooled bytes do not carry one)."""
    for suffix, ctype in _TYPES.items():
        if key.endswith(suffix):
            return ctype
    return None


def _rank(key: str) -> tuple[int, str]:
    for i, prefix in enumerate(_ORDER):
        if key.startswith(prefix):
            return i, key
    return len(_ORDER), key  # anything else last


@dataclass
class SyncReport:
    """What one sync did; `failed_keys`/`error` say why something is still pending."""

    uploaded: int = 0
    repaired: int = 0
    already: int = 0                  # create-only objects the store already held (same content)
    states_merged: int = 0            # state snapshots merged into the store's copy
    state_entries_recovered: int = 0  # state entries rebuilt from repaired WARCs
    locks_released: int = 0
    quarantined: list[str] = field(default_factory=list)  # pointers past the end of a repaired WARC
    skipped_live: int = 0
    failed: int = 0
    bytes: int = 0
    pending: int = 0                  # keys still waiting after the sync
    error: str | None = None          # the store error that stopped the sync, if any
    failed_keys: list[str] = field(default_factory=list)
    live_files: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.pending == 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


ProgressFn = Callable[[int, int, str, int], None]  # (done, total, key, bytes so far)


class Spool:
    """Store-or-spool writes and the `govwire sync` catch-up, for one store.

    Args:
        store: the store objects are meant for; its `spool_dir` is the spool.
        retry_after: after the store failed, go straight to the spool for this many seconds
            instead of paying a connect timeout per object.
    """

    def __init__(self, store: Store | BreakerStore, *, retry_after: float = 30.0) -> None:
        self.store = guarded(store, retry_after=retry_after)
        self.dir = Path(store.spool_dir)
        self.retry_after = retry_after
        self.already = 0
        self.states_merged = 0
        self.locks_released = 0

    def __repr__(self) -> str:
        return f"Spool({self.store.uri!r}, dir={str(self.dir)!r})"

    # -- paths ------------------------------------------------------------------------------
    def path_for(self, key: str) -> Path:
        """The spool path of a key; refuses keys that could escape the spool directory."""
        check_key(key)
        if key.endswith((_OPEN, ".tmp")) or key.split("/")[-1].startswith("."):
            raise ValueError(f"invalid store key: {key!r}")
        root = self.dir.resolve()
        p = (root / key).resolve()
        if root not in p.parents:
            raise ValueError(f"key escapes the spool: {key!r}")
        return root / key

    def _key_of(self, path: Path) -> str:
        return path.relative_to(self.dir.resolve()).as_posix()

    # -- writes -----------------------------------------------------------------------------
    @property
    def last_error(self) -> str | None:
        return self.store.last_error

    def _store_down(self) -> bool:
        return self.store.is_down()

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None, *,
                  if_absent: bool = False) -> bool:
        """Store a small object; True if the store has it, False if it waits in the spool.

        With if_absent the write is create-only and StoreConflict says the key exists (for a
        document: the same URL and payload were stored before).
        """
        path = self.path_for(key)
        if not self._store_down():
            try:
                self.store.put_bytes(key, data, content_type=content_type or content_type_for(key),
                                     if_absent=if_absent)
            except StoreUnavailable as e:
                if not isinstance(e, StoreDown):
                    logger.warning("store unavailable, spooling %s: %s", key, e)
            else:
                # An older spooled copy of the same key must not overwrite this one at sync time.
                if path.exists():
                    path.unlink(missing_ok=True)
                return True
        if if_absent and path.exists():
            raise StoreConflict(f"{key} already exists (in the spool)")
        _atomic_write(path, data)
        return False

    def keep(self, key: str, data: bytes) -> None:
        """Put an object straight into the spool (the caller knows the store is down)."""
        _atomic_write(self.path_for(key), data)

    def discard(self, key: str) -> None:
        path = self.path_for(key)
        path.unlink(missing_ok=True)

    def spooled(self, key: str) -> bytes | None:
        """The spooled copy of a key, if one waits."""
        try:
            return self.path_for(key).read_bytes()
        except FileNotFoundError:
            return None

    def publish(self, key: str) -> bool:
        """Upload the closed spool file for key; delete it once the store verified it.

        Returns False (file kept) if the store is unavailable. A missing spool file means another
        publisher (a concurrent sync) already did it: True.
        """
        path = self.path_for(key)
        if self._store_down():
            return False
        if not path.is_file():
            return True
        try:
            if key.startswith("state/"):
                self._publish_state(key, path)
            elif key.startswith("locks/") and key.endswith(RELEASE):
                self._publish_release(key, path)
            elif key.startswith(_CREATE_ONLY):
                try:
                    self.store.put_bytes(key, path.read_bytes(), if_absent=True,
                                         content_type=content_type_for(key))
                except StoreConflict:
                    # the same key is only ever written with the same content: the document
                    # for this URL and payload, or a capture whose upload landed after its
                    # writer had given up and spooled it
                    self.already += 1
            else:
                self.store.put_file(key, path, content_type=content_type_for(key))
        except FileNotFoundError:
            return True  # a concurrent publisher moved it between our check and the upload
        except StoreUnavailable as e:
            if not isinstance(e, StoreDown):
                logger.warning("store unavailable, keeping %s in the spool: %s", key, e)
            return False
        except StoreConflict:
            if not self._same_in_store(key, path):
                raise
        path.unlink(missing_ok=True)
        self._prune(path.parent)
        return True

    def _publish_state(self, key: str, path: Path) -> None:
        """Merge a spooled state snapshot into the store's copy (conditional, retried)."""
        site = key.removeprefix("state/").removesuffix(".json")
        spooled = path.read_bytes()
        for _ in range(5):
            try:
                theirs, etag = self.store.get_with_etag(key)
            except NotFound:
                theirs, etag = b"", None
            merged = merge_state_bytes(site, theirs, spooled)
            try:
                if etag is None:
                    self.store.put_bytes(key, merged, if_absent=True, content_type="application/json")
                else:
                    self.store.put_bytes(key, merged, if_match=etag, content_type="application/json")
            except StoreConflict:
                continue
            self.states_merged += 1
            return
        raise StoreConflict(f"{key}: kept changing during sync; left in the spool")

    def _publish_release(self, key: str, path: Path) -> None:
        """Delete a lock that its run could not release because the store was down."""
        intent = json.loads(path.read_bytes() or b"{}")
        lock_key = key.removesuffix(RELEASE)
        try:
            data, etag = self.store.get_with_etag(lock_key)
        except NotFound:
            return
        try:
            owner = json.loads(data or b"{}")
        except ValueError:
            owner = {}
        if owner.get("token") != intent.get("token"):
            return  # another run holds it now: not ours to release
        try:
            self.store.delete(lock_key, if_match=etag)
            self.locks_released += 1
        except (StoreConflict, NotFound):
            pass

    def _same_in_store(self, key: str, path: Path) -> bool:
        """An earlier publish of this very file may have landed before we could delete it.
        Compared in 8 MB ranges, so a 1 GB WARC never sits in memory."""
        local = self.store.local_path(key)
        if local is not None:
            return local.is_file() and filecmp.cmp(local, path, shallow=False)
        step = 8 << 20
        with open(path, "rb") as f:
            offset = 0
            while True:
                mine = f.read(step)
                theirs = self.store.get_range(key, offset, step) if mine else \
                    self.store.get_range(key, offset, 1)
                if mine != theirs:
                    return False
                if not mine:
                    return True
                offset += len(mine)

    def _prune(self, d: Path) -> None:
        root = self.dir.resolve()
        d = d.resolve()
        while d != root and root in d.parents:
            try:
                d.rmdir()
            except OSError:
                return
            d = d.parent

    # -- catch-up ---------------------------------------------------------------------------
    def _walk(self) -> Iterator[Path]:
        if not self.dir.is_dir():
            return
        for dirpath, dirnames, filenames in os.walk(self.dir):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for name in filenames:
                if not name.startswith("."):
                    yield Path(dirpath, name)

    def pending(self) -> list[str]:
        """Keys waiting in the spool (closed files only), in publish order."""
        root = self.dir.resolve()
        keys = [Path(p).resolve().relative_to(root).as_posix() for p in self._walk()
                if not p.name.endswith((_OPEN, ".tmp"))]
        return sorted(keys, key=_rank)

    def open_files(self) -> list[Path]:
        """`.open` WARC files in the spool: live writers' or leftovers of killed ones."""
        return sorted(p for p in self._walk() if p.name.endswith(_OPEN))

    def repair_dead(self, report: SyncReport | None = None) -> SyncReport:
        """Close every `.open` file no live process holds a flock on; skip the live ones."""
        report = report or SyncReport()
        for p in self.open_files():
            try:
                fh = open(p, "r+b")
            except FileNotFoundError:
                continue  # its writer closed it meanwhile; it is pending now
            with fh:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError as e:
                    if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                        raise
                    report.skipped_live += 1
                    report.live_files.append(self._key_of(p.resolve()))
                    continue
                st = os.fstat(fh.fileno())
                if st.st_nlink == 0:
                    continue  # renamed away and replaced before we locked it
                if st.st_size == 0 and time.time() - st.st_mtime < _LIVE_GRACE:
                    report.skipped_live += 1  # a writer between open() and flock()
                    report.live_files.append(self._key_of(p.resolve()))
                    continue
                result = repair_warc(p)  # still under our flock, so no writer can take it
            report.repaired += 1
            if result.path is not None:
                self._write_missing_index(result.path)
                self._recover_state(result.path, report)
            self._quarantine_past_end(self._key_of(p.resolve()).removesuffix(_OPEN),
                                      result.kept_bytes, report)
        return report

    def _recover_state(self, warc: Path, report: SyncReport) -> None:
        """Put the repaired WARC's responses back into its site's state snapshot."""
        key = self._key_of(warc.resolve())
        parts = key.split("/")
        if len(parts) < 3 or parts[0] != "warcs":
            return
        site = parts[1]
        skey = state_key(site)
        entries: dict[str, UrlState] = {}
        for r in response_records(warc):
            if r.status != 200 or not r.url or not r.record_id:
                continue
            ptr = {"file": key, "offset": r.offset, "length": r.length, "record_id": r.record_id}
            entries[r.url] = UrlState(payload_digest=r.payload_digest, record_id=r.record_id, date=r.date,
                                      url=r.url, etag=r.etag, last_modified=r.last_modified, warc=ptr,
                                      published=self._capture_exists(r.url, r.date, r.record_id))
        if not entries:
            return
        current = parse_state(self.spooled(skey) or b"")
        self.keep(skey, merge_state_bytes(site, _state_blob(site, current), _state_blob(site, entries)))
        report.state_entries_recovered += len(entries)

    def _capture_exists(self, url: str, date: str, record_id: str) -> bool:
        try:
            when = datetime.fromisoformat(date.replace("Z", "+00:00"))
        except ValueError:
            return False
        ckey = capture_key(url, when, record_id)
        if self.path_for(ckey).exists():
            return True
        try:
            return self.store.exists(ckey)
        except StoreUnavailable:
            return False  # unknown: the next crawl fetches the page and completes what is missing

    def _quarantine_past_end(self, warc_key: str, end: int, report: SyncReport) -> None:
        """Spooled pointers into a repaired WARC past its new end can never be honoured."""
        for key in self.pending():
            if not key.startswith(_CREATE_ONLY):
                continue
            path = self.path_for(key)
            try:
                obj = json.loads(path.read_bytes())
            except (OSError, ValueError):
                continue
            w = obj.get("warc") if isinstance(obj, dict) else None
            if not isinstance(w, dict) or w.get("file") != warc_key:
                continue
            if int(w.get("offset", 0)) + int(w.get("length", 0)) > end:
                dest = self.dir / ".quarantine" / key
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, dest)
                report.quarantined.append(key)
                logger.error("set aside %s: it points past the end of repaired %s", key, warc_key)

    def _write_missing_index(self, warc: Path) -> None:
        key = self._key_of(warc.resolve())
        if not key.startswith("warcs/"):
            return
        ikey = "indexes/" + key.removeprefix("warcs/").removesuffix(".gz").removesuffix(".warc") + ".cdxj"
        ipath = self.path_for(ikey)
        if not ipath.exists():
            _atomic_write(ipath, rebuild_cdxj(warc, key).encode("utf-8"))

    def sync(self, progress: ProgressFn | None = None) -> SyncReport:
        """Repair dead `.open` files, then publish every pending key once.

        Stops at the first StoreUnavailable (the rest would only wait for the same timeout); the
        report then names the error and counts what is left. Concurrent syncs are serialised.
        """
        report = SyncReport()
        self.store.reset()  # an explicit sync always tries the store
        self.already = self.states_merged = self.locks_released = 0
        self.dir.mkdir(parents=True, exist_ok=True)
        with _flocked(self.dir / ".sync.lock"):
            self.repair_dead(report)
            keys = self.pending()
            for i, key in enumerate(keys):
                path = self.path_for(key)
                try:
                    size = path.stat().st_size
                except FileNotFoundError:
                    continue
                try:
                    done = self.publish(key)
                except StoreConflict as e:
                    report.failed += 1
                    report.failed_keys.append(key)
                    logger.error("not uploaded %s: %s", key, e)
                    continue
                if not done:
                    report.error = self.last_error or f"store {self.store.uri} unavailable"
                    report.failed += len(keys) - i
                    report.failed_keys.extend(keys[i:])
                    break
                report.uploaded += 1
                report.bytes += size
                if progress:
                    progress(i + 1, len(keys), key, report.bytes)
            report.pending = len(self.pending())
        report.already, report.states_merged = self.already, self.states_merged
        report.locks_released = self.locks_released
        return report


@contextmanager
def _flocked(path: Path) -> Iterator[None]:
    with open(path, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _state_blob(site: str, urls: dict[str, UrlState]) -> bytes:
    return merge_state_bytes(site) if not urls else json.dumps(
        {"site": site, "urls": {u: asdict(s) for u, s in urls.items()}}).encode("utf-8")


def _atomic_write(path: Path, data: bytes) -> None:
    """temp + fsync + rename: the spool never holds half an object under its real name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _mkstemp(path.parent, ".", ".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
