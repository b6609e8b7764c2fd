"""The local spool: nothing we captured is lost because the store was down.

Every store has a `spool_dir` that mirrors the store's key layout. WARC files are written there
(`<key>.open`, flock-held while live, renamed on close) and published with `publish(key)`;
small objects try the store first and fall back to the spool with `put_bytes`. A spool copy is
deleted only after the store confirmed a verified upload. `sync()` mends `.open` files whose
writer died and publishes everything pending, WARCs first so no index or document ever points
at a WARC the store does not have yet.

Same code path for every backend: for LocalStore the spool is `<root>/.spool` and put_file is
a hard link.
"""
from __future__ import annotations

import errno
import fcntl
import filecmp
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from archive.errors import StoreConflict, StoreUnavailable
from archive.repair import rebuild_cdxj, repair_warc
from archive.storage import Store, check_key

__all__ = ["Spool", "SyncReport", "content_type_for"]

logger = logging.getLogger(__name__)

_OPEN = ".open"
_LIVE_GRACE = 60.0  # an empty unlocked .open younger than this may be a writer between open and flock
# Publish order: data before anything that points into it.
_ORDER = ("warcs/", "indexes/", "docs/", "captures/")
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
    return len(_ORDER), key  # state/ and anything else last


@dataclass
class SyncReport:
    """What one sync did; `failed_keys`/`error` say why something is still pending."""

    uploaded: int = 0
    repaired: int = 0
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

    def __init__(self, store: Store, *, retry_after: float = 30.0) -> None:
        self.store = store
        self.dir = Path(store.spool_dir)
        self.retry_after = retry_after
        self._down_until = 0.0
        self.last_error: str | None = None

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
    def _store_down(self) -> bool:
        return time.monotonic() < self._down_until

    def _mark_down(self, e: StoreUnavailable) -> None:
        self.last_error = str(e)
        self._down_until = time.monotonic() + self.retry_after

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> bool:
        """Store a small object; True if the store has it, False if it waits in the spool."""
        path = self.path_for(key)
        if not self._store_down():
            try:
                self.store.put_bytes(key, data, content_type=content_type or content_type_for(key))
            except StoreUnavailable as e:
                self._mark_down(e)
                logger.warning("store unavailable, spooling %s: %s", key, e)
            else:
                # An older spooled copy of the same key must not overwrite this one at sync time.
                if path.exists():
                    path.unlink(missing_ok=True)
                return True
        _atomic_write(path, data)
        return False

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
            self.store.put_file(key, path, content_type=content_type_for(key))
        except FileNotFoundError:
            return True  # a concurrent publisher moved it between our check and the upload
        except StoreUnavailable as e:
            self._mark_down(e)
            logger.warning("store unavailable, keeping %s in the spool: %s", key, e)
            return False
        except StoreConflict:
            if not self._same_in_store(key, path):
                raise
        path.unlink(missing_ok=True)
        self._prune(path.parent)
        return True

    def _same_in_store(self, key: str, path: Path) -> bool:
        """An earlier publish of this very file may have landed before we could delete it."""
        local = self.store.local_path(key)
        if local is not None:
            return local.is_file() and filecmp.cmp(local, path, shallow=False)
        return bool(self.store.get_bytes(key) == path.read_bytes())

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
        return report

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
        self._down_until = 0.0  # an explicit sync always tries the store
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
                    report.error = self.last_error
                    report.failed += len(keys) - i
                    report.failed_keys.extend(keys[i:])
                    break
                report.uploaded += 1
                report.bytes += size
                if progress:
                    progress(i + 1, len(keys), key, report.bytes)
            report.pending = len(self.pending())
        return report


@contextmanager
def _flocked(path: Path) -> Iterator[None]:
    with open(path, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _atomic_write(path: Path, data: bytes) -> None:
    """temp + fsync + rename: the spool never holds half an object under its real name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
