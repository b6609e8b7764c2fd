"""LocalStore's path checks and write path: no key or symlink leads out of the root, files
honour the umask, missing directories appear, a refused create leaves no temp file."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from archive.errors import StoreConflict
from archive.storage import FILE_MODE, LocalStore
from crawler.session import checkpoint_every


def test_keys_and_symlinks_cannot_escape_the_root(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.json").write_bytes(b"{}")
    store = LocalStore(tmp_path / "store")
    store.put_bytes("docs/a/one.json", b"1")
    assert store.get_bytes("docs/a/one.json") == b"1"  # the directory is cached now
    for key in ("../outside/secret.json", "docs/../../outside/secret.json", "/etc/passwd"):
        with pytest.raises(ValueError):
            store.get_bytes(key)
    os.symlink(outside, tmp_path / "store" / "docs" / "link")
    with pytest.raises(ValueError, match="escapes"):
        store.get_bytes("docs/link/secret.json")
    with pytest.raises(ValueError, match="escapes"):
        store.put_bytes("docs/link/new.json", b"x", if_absent=True)
    assert not (outside / "new.json").exists()
    os.symlink(outside / "secret.json", tmp_path / "store" / "docs" / "a" / "file.json")
    with pytest.raises(ValueError, match="escapes"):
        store.get_bytes("docs/a/file.json")
    # a symlink that stays inside the store is followed, as before
    os.symlink(tmp_path / "store" / "docs" / "a" / "one.json", tmp_path / "store" / "docs" / "a" / "alias.json")
    assert store.get_bytes("docs/a/alias.json") == b"1"


def test_writes_create_directories_honour_the_umask_and_leave_no_temp_files(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    store.put_bytes("captures/ab/abcdef/1.json", b"one", if_absent=True)
    store.put_bytes("state/site.json", b"{}")
    store.put_bytes("state/site.json", b'{"a": 1}', if_match=None)
    with pytest.raises(StoreConflict):
        store.put_bytes("captures/ab/abcdef/1.json", b"two", if_absent=True)
    assert store.get_bytes("captures/ab/abcdef/1.json") == b"one"
    for key in ("captures/ab/abcdef/1.json", "state/site.json"):
        assert (tmp_path / "store" / key).stat().st_mode & 0o777 == FILE_MODE
    leftovers = [p for p in (tmp_path / "store").rglob(".tmp-*")]
    assert leftovers == []
    # a directory removed behind the store's back is made again
    (tmp_path / "store" / "captures" / "ab" / "abcdef" / "1.json").unlink()
    (tmp_path / "store" / "captures" / "ab" / "abcdef").rmdir()
    store.put_bytes("captures/ab/abcdef/2.json", b"two", if_absent=True)
    assert store.get_bytes("captures/ab/abcdef/2.json") == b"two"


def test_temp_names_taken_by_someone_else_fall_back(tmp_path: Path) -> None:
    from archive import storage

    d = tmp_path / "d"
    d.mkdir()
    seq = next(storage._TEMP_SEQ) + 1
    (d / f".tmp-{os.getpid()}-{seq:x}").write_bytes(b"theirs")  # the next name we would pick
    fd, name = storage._mkstemp(d, ".tmp-")
    os.close(fd)
    assert Path(name).exists() and Path(name).name != f".tmp-{os.getpid()}-{seq:x}"
    assert (d / f".tmp-{os.getpid()}-{seq:x}").read_bytes() == b"theirs"


def test_checkpoints_space_out_as_the_state_grows() -> None:
    assert checkpoint_every(100, 0) == 100
    assert checkpoint_every(100, 499) == 100
    assert checkpoint_every(100, 2_000) == 400       # a first crawl's state grows by 1/5 between rewrites
    assert checkpoint_every(100, 100_000) == 20_000  # a few state rewrites per full crawl, not 1,000
    assert checkpoint_every(5, 20) == 5
    assert checkpoint_every(0, 100_000) == 0          # page checkpoints off stays off
