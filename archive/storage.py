"""Pluggable stores: local disk by default, any S3-compatible service when configured.

Every store offers the same small interface (`Store`), chosen by URI scheme like Scrapy's feed
storages. WARC files are always written to a local spool first and handed to `put_file` when
closed, so a reader never sees half a WARC in any store.
"""
from __future__ import annotations

import fcntl
import hashlib
import importlib
import itertools
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

from archive import environment
from archive.errors import BadStoreURI, NotFound, StoreConflict, StoreUnavailable

__all__ = ["Store", "LocalStore", "open_store", "STORES_BASE"]


@runtime_checkable
class Store(Protocol):
    """What every backend must do. Keys are '/'-separated relative paths (see archive.keys)."""

    uri: str  # printable, never carries credentials

    @property
    def spool_dir(self) -> Path: ...

    def put_bytes(self, key: str, data: bytes, *, if_absent: bool = False,
                  if_match: str | None = None, content_type: str | None = None) -> str:
        """Write atomically; return the new etag. Raise StoreConflict if a condition fails."""
        ...

    def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> None:
        """Upload a closed local file with integrity check; the caller deletes the spool copy."""
        ...

    def get_bytes(self, key: str) -> bytes: ...

    def get_with_etag(self, key: str) -> tuple[bytes, str]: ...

    def get_range(self, key: str, offset: int, length: int) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str) -> Iterator[str]:
        """Keys under prefix, sorted."""
        ...

    def delete(self, key: str, *, if_match: str | None = None) -> None: ...

    def local_path(self, key: str) -> Path | None:
        """A filesystem path for the key when the store is local, else None."""
        ...


def check_key(key: str) -> str:
    """Refuse keys that could escape a store root, whatever backend they go to."""
    if not key or key.startswith("/") or "\\" in key or "\x00" in key:
        raise ValueError(f"invalid store key: {key!r}")
    parts = key.split("/")
    if any(p in ("", ".", "..") for p in parts[:-1]) or parts[-1] in (".", ".."):
        raise ValueError(f"invalid store key: {key!r}")
    return key


def _read_umask() -> int:
    """The process umask, read without changing it (os.umask would race other threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    old = os.umask(0o022)  # pragma: no cover - no /proc: read it the old way, once, at import
    os.umask(old)
    return old


UMASK = _read_umask()
FILE_MODE = 0o666 & ~UMASK  # what open() would give; mkstemp alone gives 0600


_TEMP_SEQ = itertools.count()
_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def _mkstemp(d: Path, prefix: str, suffix: str = "") -> tuple[int, str]:
    """A new temp file in `d` that honours the umask like any other file the operator's tools create.

    One exclusive open() under a name unique to this process (pid, counter), not
    tempfile.mkstemp's random names plus fchmod: the crawl writes one small capture record per
    page, and the name games cost more than the write. A name taken anyway (another host on a
    shared filesystem) falls back to mkstemp. Raises FileNotFoundError when `d` is missing."""
    tmp = os.path.join(d, f"{prefix}{os.getpid()}-{next(_TEMP_SEQ):x}{suffix}")
    try:
        return os.open(tmp, _TEMP_FLAGS, 0o666), tmp
    except FileExistsError:
        pass
    fd, tmp = tempfile.mkstemp(dir=d, prefix=prefix, suffix=suffix)
    try:
        os.fchmod(fd, FILE_MODE)
    except OSError:
        pass
    return fd, tmp


def _mkstemp_in(d: Path, prefix: str, suffix: str = "") -> tuple[int, str]:
    """_mkstemp, creating `d` (and its parents) only when it is missing: most writes go to a
    directory that exists, and a mkdir per write is two syscalls and an exception."""
    try:
        return _mkstemp(d, prefix, suffix)
    except FileNotFoundError:
        d.mkdir(parents=True, exist_ok=True)
        return _mkstemp(d, prefix, suffix)


def _etag_of(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


class LocalStore:
    """A directory tree. Writes go to a temp file and are renamed, so readers never see halves."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser().resolve()
        self.uri = str(self.root)
        self._dirs: dict[str, Path] = {}  # key directory -> resolved path (see _path)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            (self.root / ".spool").mkdir(exist_ok=True)
        except OSError as e:
            raise StoreUnavailable(f"cannot create store directory {self.root}: {e.strerror}") from None

    @classmethod
    def from_uri(cls, uri: str, **_: Any) -> LocalStore:
        if uri.startswith("file://"):
            uri = urlsplit(uri).path
        return cls(uri)

    @property
    def spool_dir(self) -> Path:
        return self.root / ".spool"

    def _path(self, key: str) -> Path:
        """The file of `key`, refusing one that a symlink inside the store leads out of it.

        check_key already refuses `..` and absolute keys; the remaining escape is a symlink,
        so each directory is resolved once (cached) and the file itself checked with one lstat
        instead of a realpath walk of every component on every call."""
        check_key(key)
        head, _, name = key.rpartition("/")
        d = self._dirs.get(head)
        if d is None:
            d = (self.root / head).resolve() if head else self.root
            if self.root != d and self.root not in d.parents:
                raise ValueError(f"key escapes store root: {key!r}")
            if len(self._dirs) >= 4096:
                self._dirs.clear()
            self._dirs[head] = d
        p = d / name
        if os.path.islink(p):
            p = p.resolve()
            if self.root not in p.parents:
                raise ValueError(f"key escapes store root: {key!r}")
        return p

    @contextmanager
    def _locked(self, path: Path) -> Iterator[None]:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.spool_dir / ".lock", "a+b") as lf:
            fcntl.flock(lf, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lf, fcntl.LOCK_UN)

    def put_bytes(self, key: str, data: bytes, *, if_absent: bool = False,
                  if_match: str | None = None, content_type: str | None = None) -> str:
        path = self._path(key)
        if if_match is None and not if_absent:
            # plain writes need no lock: the rename is atomic
            self._write_atomic(path, data, durable=False)
            return _etag_of(data)
        if if_match is None:
            # create-only (documents, captures, locks): link() fails if the name exists, so
            # this is atomic without the store-wide lock, like S3's If-None-Match: *
            self._create_only(key, path, data)
            return _etag_of(data)
        with self._locked(path):
            if if_absent and path.exists():
                raise StoreConflict(f"{key} already exists")
            if if_match is not None:
                if not path.exists() or _etag_of(path.read_bytes()) != if_match:
                    raise StoreConflict(f"{key} changed since it was read")
            self._write_atomic(path, data, durable=True)
        return _etag_of(data)

    def _create_only(self, key: str, path: Path, data: bytes) -> None:
        fd, tmp = _mkstemp_in(path.parent, ".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise StoreConflict(f"{key} already exists") from None
            except OSError:  # a filesystem without hard links: check and rename under the lock
                with self._locked(path):
                    if path.exists():
                        raise StoreConflict(f"{key} already exists") from None
                    os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)

    @staticmethod
    def _write_atomic(path: Path, data: bytes, *, durable: bool) -> None:
        fd, tmp = _mkstemp_in(path.parent, ".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                if durable:
                    f.flush()
                    os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> None:
        dest = self._path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        src = Path(path)
        if src.resolve() == dest:
            return
        try:
            os.link(src, dest)  # same filesystem: instant, and never a half file
        except FileExistsError:
            raise StoreConflict(f"{key} already exists") from None
        except FileNotFoundError:
            raise  # no source: never leave a temp file behind in the store
        except OSError:
            # another filesystem: copy to a temp name, then link it in create-only, so a full
            # disk leaves no half file under the real name and an existing key is never replaced
            fd, tmp = _mkstemp(dest.parent, ".tmp-")
            try:
                with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
                    while chunk := inp.read(1 << 20):
                        out.write(chunk)
                    out.flush()
                    os.fsync(out.fileno())
                try:
                    os.link(tmp, dest)
                except FileExistsError:
                    raise StoreConflict(f"{key} already exists") from None
            finally:
                Path(tmp).unlink(missing_ok=True)

    def get_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise NotFound(key) from None

    def get_with_etag(self, key: str) -> tuple[bytes, str]:
        data = self.get_bytes(key)
        return data, _etag_of(data)

    def get_range(self, key: str, offset: int, length: int) -> bytes:
        try:
            with open(self._path(key), "rb") as f:
                f.seek(offset)
                return f.read(length)
        except FileNotFoundError:
            raise NotFound(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str) -> Iterator[str]:
        base = self.root / prefix.rstrip("/") if prefix.rstrip("/") else self.root
        if prefix and not prefix.endswith("/"):
            base = base.parent
        if not base.is_dir():
            return iter(())
        keys = []
        root = str(self.root).rstrip(os.sep) + os.sep   # dirpath is root + relative dirs
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            rel = (dirpath + os.sep)[len(root):].replace(os.sep, "/")   # "" or "a/b/"
            for name in filenames:
                if name.startswith("."):
                    continue
                k = rel + name
                if k.startswith(prefix):
                    keys.append(k)
        return iter(sorted(keys))

    def delete(self, key: str, *, if_match: str | None = None) -> None:
        path = self._path(key)
        with self._locked(path):
            if if_match is not None and (not path.exists() or _etag_of(path.read_bytes()) != if_match):
                raise StoreConflict(f"{key} changed since it was read")
            path.unlink(missing_ok=True)

    def local_path(self, key: str) -> Path | None:
        return self._path(key)


STORES_BASE: dict[str, str] = {
    "": "archive.storage.LocalStore",
    "file": "archive.storage.LocalStore",
    "s3": "archive.s3store.S3Store",
}


def open_store(uri: str | None = None, *, stores: dict[str, str] | None = None, **options: Any) -> Store:
    """Build the store for a URI ('./data', 'file:///x', 's3://bucket/prefix').

    Options are passed to the backend's `from_uri` (e.g. endpoint_url, region, spool_dir).
    """
    uri = uri or environment.get("GOVWIRE_STORE")
    scheme = urlsplit(uri).scheme if "://" in uri else ""
    registry = {**STORES_BASE, **(stores or {})}
    if scheme not in registry:
        raise BadStoreURI(f"unsupported store URI scheme {scheme!r} in {uri!r} (use a path, file:// or s3://)")
    modname, _, clsname = registry[scheme].rpartition(".")
    cls = getattr(importlib.import_module(modname), clsname)
    store: Store = cls.from_uri(uri, **options)
    return store
