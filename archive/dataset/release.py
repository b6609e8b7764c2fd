"""One release and every copy of it: the per-release view behind `govwire dataset show-release`."""
from __future__ import annotations

import io
import json
from typing import Any

import pyarrow.parquet as pq

from archive.dataset.build import MANIFEST, BuildOptions, _Releases, _rep, analyse, match_copy
from archive.dataset.errors import EmptyInput, ReleaseNotFound
from archive.dataset.progress import Progress
from archive.dataset.syndication import normalise_url
from archive.errors import NotFound
from archive.storage import Store

__all__ = ["release_copies"]


def _table(out: Store, key: str, fmt: str) -> list[dict[str, Any]]:
    raw = out.get_bytes(key)
    if fmt == "jsonl":
        return [json.loads(x) for x in raw.decode().splitlines() if x]
    return pq.read_table(io.BytesIO(raw)).to_pylist()


def _from_dataset(url: str, out: Store) -> tuple[str, list[dict[str, Any]]]:
    try:
        manifest = json.loads(out.get_bytes(MANIFEST))
    except NotFound:
        raise EmptyInput(f"no dataset in {out.uri} (no {MANIFEST}); run 'govwire dataset build'") from None
    fmt = manifest.get("file_format", "parquet")
    want = normalise_url(url)
    ids = {r["id"] for r in _table(out, manifest["urls"], fmt)
           if want in {normalise_url(r.get(k)) for k in ("url", "final_url", "canonical_url")}}
    links = [r for r in _table(out, manifest["syndication"], fmt)
             if r["release_id"] in ids or normalise_url(r["release_url"]) == want]
    if not ids and not links:
        raise ReleaseNotFound(f"{url} is not a document in the dataset at {out.uri}")
    return (sorted(ids)[0] if ids else links[0]["release_id"]), links


def _from_store(url: str, store: Store, progress: Progress) -> tuple[str, list[dict[str, Any]]]:
    a = analyse(store, BuildOptions(), progress)
    targets = a.index.by_url(url)
    if not targets:
        raise ReleaseNotFound(f"{url} is not a GOV.UK release in {store.uri}")
    row_ids = {d: _rep(ms).id for d, ms in {**a.release_groups, **a.groups}.items()}
    want = {row_ids[d] for d in targets}
    releases = _Releases(a, row_ids)
    links = []
    progress.stage("match", len(a.groups))
    for digest, members in sorted(a.groups.items()):
        progress.advance()
        rec = _rep(members)
        if rec.is_release:
            continue
        doc = a.reader.load(rec.key)
        link = match_copy(doc, rec, row_ids[digest], a, releases, True) if doc else None
        if link and link["release_id"] in want:
            links.append(link)
    return sorted(want)[0], links


def release_copies(url: str, *, out: Store | None = None, store: Store | None = None,
                   progress: Progress | None = None) -> tuple[str, list[dict[str, Any]]]:
    """(release id, syndication rows of every copy), from a built dataset or straight from a store.

    Args:
        url: the release's URL (any of requested, final or canonical; scheme/www ignored).
        out: a built dataset (fast: reads the syndication table).
        store: the archive itself (slow: matches every copy now).
    """
    progress = progress or Progress(enabled=False)
    rid, links = _from_dataset(url, out) if out is not None else _from_store(url, store, progress)  # type: ignore[arg-type]
    links.sort(key=lambda r: (r["delay_seconds"] is None, r["delay_seconds"] or 0, r["copy_url"] or ""))
    return rid, links
