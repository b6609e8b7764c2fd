"""A release's copies (or a copy's sources) for the UI, read from the researchers' dataset.

The release page must never disagree with `govwire dataset build` / `show-release`, so it
shows their rows rather than measuring anything itself: `archive.dataset.release.release_view`
on a built dataset. That dataset is the one given with `govwire serve --dataset DIR` when it
holds the URL; otherwise the UI builds one from the store exactly as
`show-release --store` does (`build_dataset` with the outlet text) into a private temporary
directory, once, and again only when the store's document keys change.
"""
from __future__ import annotations

import hashlib
import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from archive.dataset.build import BuildOptions, build_dataset
from archive.dataset.errors import DatasetError, ReleaseNotFound
from archive.dataset.release import ReleaseView, release_view
from archive.dataset.syndication import paragraphs
from archive.storage import LocalStore, Store

__all__ = ["AlignedRow", "CopyLinks", "Syndication", "copy_links"]


@dataclass
class AlignedRow:
    """One copy paragraph as the dataset's `alignments` table has it, with its text."""

    kind: str                 # verbatim | quote | edited | added
    copy_paragraph: int
    copy_text: str
    release_paragraph: int | None
    release_text: str | None
    release_id: str | None
    overlap: float


@dataclass
class CopyLinks:
    """One syndication row (a copy scored against one release revision) and, when linked,
    the copy's aligned paragraphs."""

    link: dict[str, Any]
    aligned: list[AlignedRow]

    @property
    def counts(self) -> dict[str, int]:
        return {k: sum(a.kind == k for a in self.aligned)
                for k in ("verbatim", "quote", "edited", "added")}


def copy_links(view: ReleaseView) -> list[CopyLinks]:
    """The view's syndication rows in show-release's order, each linked one with its paragraphs."""
    out = []
    for link in view.links:
        rows: list[AlignedRow] = []
        if link["linked"]:
            text = view.texts.get(link["copy_id"])
            paras = paragraphs(text) if text else []
            for a in sorted(view.alignments.get(link["copy_id"], []),
                            key=lambda a: a["copy_paragraph"]):
                i = int(a["copy_paragraph"])
                copy_text = a.get("copy_text") or (paras[i] if i < len(paras) else "")
                rows.append(AlignedRow(kind=str(a["kind"]), copy_paragraph=i, copy_text=copy_text,
                                       release_paragraph=a.get("release_paragraph"),
                                       release_text=a.get("release_text"),
                                       release_id=a.get("release_id"),
                                       overlap=float(a.get("overlap") or 0.0)))
        out.append(CopyLinks(link=link, aligned=rows))
    return out


class Syndication:
    """Release views for the UI, from `--dataset` or from a private build of the store.

    `fingerprint` names the store's current documents (the catalog's key list): a private
    build is redone when it changes, so a crawl running next to the UI shows up.
    """

    def __init__(self, store: Store, fingerprint: Callable[[], str],
                 dataset: Store | None = None) -> None:
        self.store = store
        self.dataset = dataset
        self.fingerprint = fingerprint
        self._lock = threading.Lock()
        self._built: tuple[str, str] | None = None   # (fingerprint, directory)
        self._remove: weakref.finalize | None = None  # removes it, at the latest at exit

    def view(self, url: str) -> tuple[ReleaseView | None, str]:
        """(view or None when the URL is in no dataset, where the rows came from)."""
        if self.dataset is not None:
            try:
                return release_view(url, self.dataset, self.store), f"dataset {self.dataset.uri}"
            except DatasetError:
                pass  # not built yet, or built before this URL was archived: build our own
        with self._lock:  # a rebuild must not remove the directory under a reader
            out = self._private()
            try:
                return release_view(url, LocalStore(out)), "dataset built from the store for this view"
            except ReleaseNotFound:
                return None, "not in the dataset built from the store (no readable text?)"

    def _private(self) -> str:
        """The private build's directory, rebuilt when the store changed (lock held)."""
        fp = self.fingerprint()
        if self._built is not None and self._built[0] == fp:
            return self._built[1]
        tmp = tempfile.mkdtemp(prefix="govwire-serve-dataset-")
        try:
            build_dataset(self.store, LocalStore(tmp), BuildOptions(outlet_text=True))
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        if self._remove is not None:
            self._remove()
        self._built = (fp, tmp)
        self._remove = weakref.finalize(self, shutil.rmtree, tmp, True)
        return tmp

    def close(self) -> None:
        """Remove the private build (called when the server stops)."""
        with self._lock:
            if self._remove is not None:
                self._remove()
            self._built = self._remove = None


def keys_fingerprint(keys: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()
