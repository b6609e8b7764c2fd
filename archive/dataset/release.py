"""One release and its copies (or one copy and its sources), read back from a built dataset:
the data behind `govwire dataset show-release`.

From a store (no build yet) the dataset is built into a temporary directory first, with the
outlet text, so both paths show the same scores the dataset holds.
"""
from __future__ import annotations

import io
import json
import tempfile
from dataclasses import dataclass, field
from typing import Any

from archive.dataset.build import MANIFEST, BuildOptions, build_dataset, read_table
from archive.dataset.errors import EmptyInput, ReleaseNotFound
from archive.dataset.progress import Progress
from archive.dataset.syndication import normalise_url, paragraphs
from archive.errors import NotFound
from archive.storage import LocalStore, Store

__all__ = ["ReleaseView", "release_view", "release_copies"]


@dataclass
class ReleaseView:
    """What show-release prints. `role` is "release" (url is a GOV.UK release) or "copy"."""

    url: str
    role: str
    document: dict[str, Any]                      # the documents row of the URL
    links: list[dict[str, Any]]                   # syndication rows (linked first)
    alignments: dict[str, list[dict[str, Any]]]   # copy id -> alignment rows
    texts: dict[str, str | None] = field(default_factory=dict)   # document id -> text
    revisions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def release_id(self) -> str:
        return str(self.document["id"])


def _documents(out: Store, manifest: dict[str, Any], ids: set[str]) -> dict[str, dict[str, Any]]:
    """Rows of these ids, reading only the shards that hold them."""
    fmt = manifest.get("file_format", "parquet")
    shards = sorted({manifest["rows"][i]["shard"] for i in ids if i in manifest["rows"]})
    out_rows: dict[str, dict[str, Any]] = {}
    for key in shards:
        raw = out.get_bytes(key)
        if fmt == "jsonl":
            rows = [json.loads(x) for x in raw.decode().splitlines() if x]
        else:
            import pyarrow.parquet as pq
            rows = pq.read_table(io.BytesIO(raw)).to_pylist()
        out_rows.update({r["id"]: r for r in rows if r["id"] in ids})
    return out_rows


def release_view(url: str, out: Store, store: Store | None = None) -> ReleaseView:
    """The release (or copy) at `url` in the dataset at `out`; copy texts from `store` when the
    dataset was built without them."""
    try:
        manifest = json.loads(out.get_bytes(MANIFEST))
    except NotFound:
        raise EmptyInput(f"no dataset in {out.uri} (no {MANIFEST}); run 'govwire dataset build'") from None
    fmt = manifest.get("file_format", "parquet")
    want = normalise_url(url)
    ids = sorted({r["id"] for r in read_table(out, manifest["urls"], fmt)
                  if want in {normalise_url(r.get(k)) for k in ("url", "final_url", "canonical_url")}})
    if not ids:
        raise ReleaseNotFound(f"{url} is not a document in the dataset at {out.uri}")
    docs = _documents(out, manifest, set(ids))
    doc = docs[ids[0]]
    syn = read_table(out, manifest["syndication"], fmt)
    releases = read_table(out, manifest.get("releases"), fmt)
    if doc["is_release"]:
        key = next((r["release_key"] for r in releases if r["id"] == doc["id"]), None)
        revs = sorted((r for r in releases if key and r["release_key"] == key),
                      key=lambda r: r["revision"])
        rev_ids = {r["id"] for r in revs} | {doc["id"]}
        links = [r for r in syn if r["release_id"] in rev_ids]
        role = "release"
    else:
        revs = []
        links = [r for r in syn if r["copy_id"] == doc["id"]]
        role = "copy"
    links.sort(key=lambda r: (not r["linked"], r["delay_seconds"] is None,
                              r["delay_seconds"] or 0, r["copy_url"] or "", r["release_id"] or ""))
    copy_ids = {r["copy_id"] for r in links if r["linked"]}
    aligned: dict[str, list[dict[str, Any]]] = {}
    for a in read_table(out, manifest.get("alignments"), fmt):
        if a["copy_id"] in copy_ids:
            aligned.setdefault(a["copy_id"], []).append(a)
    view = ReleaseView(url=url, role=role, document=doc, links=links, alignments=aligned,
                       revisions=revs)
    need = copy_ids | {doc["id"]} | {r["release_id"] for r in links if r["linked"] and r["release_id"]}
    rows = {**_documents(out, manifest, need - set(docs)), **docs}
    for i in need:
        row = rows.get(i)
        text = row.get("text") if row else None
        if text is None and row and store is not None:
            try:
                text = json.loads(store.get_bytes(row["store_key"])).get("text")
            except (NotFound, ValueError):
                text = None
        view.texts[i] = text
    return view


def view_from_store(url: str, store: Store, progress: Progress | None = None) -> ReleaseView:
    """Build the dataset (with outlet text) into a temp dir, then look the URL up in it."""
    with tempfile.TemporaryDirectory(prefix="govwire-show-") as tmp:
        out = LocalStore(tmp)
        build_dataset(store, out, BuildOptions(outlet_text=True), progress=progress)
        try:
            return release_view(url, out)
        except ReleaseNotFound:
            raise ReleaseNotFound(f"{url} is not a document in {store.uri}") from None


def release_copies(url: str, *, out: Store | None = None, store: Store | None = None,
                   progress: Progress | None = None) -> tuple[str, list[dict[str, Any]]]:
    """(document id, syndication rows) of a URL: from a built dataset, or straight from a store."""
    if out is not None:
        v = release_view(url, out, store)
    else:
        assert store is not None
        v = view_from_store(url, store, progress)
    return v.release_id, v.links


def copy_paragraph_texts(view: ReleaseView, copy_id: str) -> list[str] | None:
    text = view.texts.get(copy_id)
    return paragraphs(text) if text else None
