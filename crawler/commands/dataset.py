"""govwire dataset build|show-release: the researchers' Parquet dataset and its syndication view."""
from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
import textwrap
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


import crawler.commands._arrow_s3  # noqa: F401  (first: before anything loads pyarrow)
from archive.dataset import BuildOptions, build_dataset
from archive.dataset.release import release_view, view_from_store
from archive.dataset.syndication import paragraphs
from archive.dataset.progress import Progress
from archive.errors import StoreUnavailable
from archive.storage import Store, open_store
from crawler import __version__
from crawler.commands._common import add_engine_arguments
from crawler.commands._store import add_store_arguments, store_from_args, store_options
from crawler.errors import UsageError

HELP = "build the researchers' dataset (Parquet + syndication links + card) from the archive"
DESCRIPTION = """Build the researchers' dataset from the archive, or show one release's copies.

  govwire dataset build --store ./data --out ./dataset
  govwire dataset build --store s3://bucket/archive --out s3://bucket/dataset --since 2025-10-01
  govwire dataset show-release https://www.gov.uk/government/news/... --out ./dataset

Rebuilding into the same --out adds new documents in new shards and never rewrites old ones.
See docs/dataset.md for the schema."""

SMALL_STORE = 2000   # documents: without --workers, a store this small is built in one process
BUILD_DESCRIPTION = """Build or extend the dataset in --out from the documents in --store.

The work is sharded: document keys in ranges of 1,000 (a store prefix at a time) for the scan,
copies in publication-date slices for the matching, and one task per document shard for the
rows. Shards run in a process pool of --workers (default: every core; a store of at most 2,000
documents in this process unless --workers is given), or on a dask cluster
(--engine dask; --scheduler joins a running one, see docs/scaling.md). The dataset is the same,
byte for byte, for any --workers and either engine. manifest.json is written last: a build
that fails (a worker killed, the store gone) publishes nothing, and an earlier dataset in
--out stays as it was.

Prints progress on stderr (a bar on a terminal, a line every 5 s otherwise) and a summary on
stdout (--json: as JSON).

exit status: 0 done; 1 failed (e.g. a shard or worker failed); 2 usage (bad option, dask not
installed, scheduler unreachable).

examples:
  govwire dataset build --store ./data --out ./dataset
  govwire dataset build --store ./data --out ./dataset --workers 8
  govwire dataset build --store s3://bucket/archive --out s3://bucket/dataset \\
      --engine dask --scheduler tcp://10.0.0.5:8786
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="dataset_cmd", required=True, metavar="{build,show-release}")
    b = sub.add_parser("build", help="build or extend the dataset", description=BUILD_DESCRIPTION,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    add_store_arguments(b)
    b.add_argument("--out", metavar="DIR|s3://...", required=True, help="where the dataset goes")
    b.add_argument("--since", metavar="DATE", help="only documents published (else fetched) on or "
                   "after DATE (YYYY-MM-DD); releases are still read for matching")
    b.add_argument("--sites", metavar="a,b", help="only these seed names, e.g. govuk,wiredgov")
    b.add_argument("--format", choices=("parquet", "jsonl"), default="parquet",
                   help="file format of the tables (default: parquet, zstd)")
    b.add_argument("--include-outlet-text", action="store_true",
                   help="keep outlet copies' text and standfirst (not openly licensed: do not "
                   "republish); by default they carry metadata, digests, scores and alignments")
    b.add_argument("--no-outlet-text", action="store_true", help=argparse.SUPPRESS)  # the default
    b.add_argument("--shard-rows", type=int, default=5000, metavar="N",
                   help="rows per document shard (default: 5000); bounds the build's memory")
    b.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes (default: every core); 1 = all in this process; with "
                        "--scheduler, about how many workers the cluster has (the copies are cut "
                        "into 2 date slices per worker)")
    add_engine_arguments(b)
    b.add_argument("--json", action="store_true", help="print a machine-readable summary")
    b.add_argument("--quiet", action="store_true", help="no progress on stderr")

    s = sub.add_parser("show-release", help="a release's copies, scores and aligned text "
                       "(or, for a copy URL, the release(s) it copies)",
                       description="Show every copy of a GOV.UK release with its scores and its "
                       "paragraphs aligned to the release's, side by side or as a word diff; for "
                       "a copy's URL, which release(s) it copies. From a built dataset (--out, "
                       "fast; add --store to read copy texts a dataset built without them "
                       "lacks) or straight from the archive (--store alone: builds first).")
    s.add_argument("url", metavar="URL")
    s.add_argument("--out", metavar="DIR|s3://...", help="a built dataset to read")
    add_store_arguments(s)
    s.add_argument("--view", choices=("side-by-side", "diff", "table"), default="side-by-side",
                   help="aligned paragraphs side by side (default), as a word diff, or the "
                   "score table only")
    s.add_argument("--diff", dest="view", action="store_const", const="diff",
                   help="same as --view diff")
    s.add_argument("--json", action="store_true", help="print the copies and alignments as JSON")


def _existing_store(args: argparse.Namespace) -> Store:
    """Open --store, refusing a local path that does not exist (open_store would create it)."""
    uri = args.store
    if "://" not in uri or uri.startswith("file://"):
        path = Path(urlsplit(uri).path if uri.startswith("file://") else uri).expanduser()
        if not path.is_dir():
            raise StoreUnavailable(f"store {uri}: no such directory")
    return store_from_args(args)


def _versions() -> dict[str, str]:
    out = {"govwire": __version__}
    for pkg in ("pyarrow", "numpy"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "unknown"
    return out


def run_build(args: argparse.Namespace) -> int:
    from archive.cluster import EngineUnavailable
    from archive.dataset.build import Runner

    if args.shard_rows < 1:
        raise UsageError("--shard-rows must be at least 1")
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise UsageError("--workers must be at least 1")
    if args.scheduler and args.engine != "dask":
        raise UsageError("--scheduler needs --engine dask")
    if args.engine == "dask":
        try:
            import dask.distributed  # noqa: F401
        except ImportError:
            raise UsageError("the dask engine needs dask.distributed: pip install -e '.[cluster]'") from None
    # not asked for: a small store is built in this process (a pool costs more than it saves)
    runner = Runner(engine=args.engine, workers=workers, scheduler=args.scheduler,
                    store_options=store_options(args),
                    serial_up_to=SMALL_STORE if args.workers is None and args.engine == "local" else 0)
    sites = [s.strip() for s in args.sites.split(",") if s.strip()] if args.sites else None
    store = _existing_store(args)
    out = open_store(args.out, **store_options(args))
    progress = Progress(enabled=not args.quiet)
    try:
        summary = build_dataset(
            store, out, BuildOptions(sites=sites, since=args.since, format=args.format,
                                     outlet_text=args.include_outlet_text,
                                     shard_rows=args.shard_rows),
            progress=progress, versions=_versions(), runner=runner)
    except EngineUnavailable as e:
        raise UsageError(str(e)) from None
    finally:
        progress.close()
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2, sort_keys=True))
    else:
        s = summary
        skipped = sum(s.skipped.values())
        print(f"dataset {s.out}: {s.rows_total} documents ({s.rows_new} new) in {s.shards_total} "
              f"shard(s), {len(s.shards_new)} new")
        print(f"  read {s.documents_read} stored revisions; {s.duplicates_collapsed} exact duplicates "
              f"collapsed; {s.filtered_out} filtered out; {skipped} skipped")
        for reason, n in s.skipped.items():
            print(f"    skipped {n}: {reason}")
        print(f"  releases {s.releases}, copies {s.copies}: {s.links} syndication links out of "
              f"{s.candidates} candidates "
              f"({', '.join(f'{k} {v}' for k, v in s.links_by_method.items()) or 'none'}); "
              f"{s.unmatched_copies} copies link nowhere, {s.source_not_archived} of them probably "
              f"copy a release not in the archive")
        print(f"  {s.common_shingles} standard-text shingles ignored")
        print("  by site: " + ", ".join(f"{k} {v}" for k, v in s.rows_by_site.items()))
        print(f"  {s.seconds:.1f}s ({args.engine}, {workers} worker{'s' if workers != 1 else ''})")
    return 0


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width) or [""]


def _side_by_side(left: str, right: str, width: int = 58) -> list[str]:
    a, b = _wrap(left, width), _wrap(right, width)
    n = max(len(a), len(b))
    a += [""] * (n - len(a))
    b += [""] * (n - len(b))
    return [f"      {x:<{width}} | {y}" for x, y in zip(a, b)]


def _word_diff(copy: str, release: str) -> str:
    """Release -> copy, word by word: [-release only-] {+copy only+}."""
    a, b = release.split(), copy.split()
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend(a[i1:i2])
        if op in ("delete", "replace"):
            out.append("[-" + " ".join(a[i1:i2]) + "-]")
        if op in ("insert", "replace"):
            out.append("{+" + " ".join(b[j1:j2]) + "+}")
    return " ".join(out)


def _fmt(v: Any, spec: str = ".2f") -> str:
    return "-" if v is None else format(v, spec)


def _print_alignment(view: Any, link: dict[str, Any], mode: str) -> None:
    rows = view.alignments.get(link["copy_id"], [])
    copy_text = view.texts.get(link["copy_id"])
    copy_paras = paragraphs(copy_text) if copy_text else None
    rel_ids = {r["release_id"] for r in rows if r["release_id"]}
    print(f"\n  == {link['copy_outlet'] or link['copy_site']}: {link['copy_url']}")
    print(f"     distinctive {_fmt(link['distinctive_share'])}, copy {_fmt(link['copy_share'])}, "
          f"reused {_fmt(link['reused_share'])}, method {link['method']}, "
          f"revision {link.get('release_revision')} ({link.get('revision_basis')})")
    if copy_paras is None:
        print("     (copy text not in this dataset: built without --include-outlet-text; "
              "add --store to read it from the archive)")
    if mode == "side-by-side":
        print(f"      {'copy':<58} | release")
    for r in rows:
        ctext = r.get("copy_text") or (copy_paras[r["copy_paragraph"]]
                                       if copy_paras and r["copy_paragraph"] < len(copy_paras) else "")
        where = (f"r{r['release_paragraph']}" + ("" if len(rel_ids) < 2 else f"@{r['release_id'][:8]}")
                 if r["release_paragraph"] is not None else "-")
        print(f"    c{r['copy_paragraph']:<3} -> {where:<6} {r['kind']:<8} {r['overlap']:.2f}")
        if mode == "side-by-side":
            for line in _side_by_side(ctext, r.get("release_text") or ""):
                print(line)
        elif mode == "diff" and ctext:
            rtext = r.get("release_text")
            diff = _word_diff(ctext, rtext) if rtext else "{+" + ctext + "+}"
            for line in textwrap.wrap(diff, 110):
                print(f"      {line}")


def _print_view(view: Any, mode: str) -> None:
    doc = view.document
    links = view.links
    linked = [r for r in links if r["linked"]]
    if view.role == "release":
        revs = view.revisions
        rev = next((r for r in revs if r["id"] == doc["id"]), None)
        rev_note = f", revision {rev['revision']} of {rev['revision_count']}" if rev else ""
        print(f"{view.url}\n  {doc.get('title') or ''} (id {doc['id']}{rev_note}): "
              f"{len(linked)} cop{'y' if len(linked) == 1 else 'ies'} linked, "
              f"{len(links) - len(linked)} candidate(s) not linked")
    else:
        sources = ", ".join(r["release_url"] for r in linked) or "none"
        archived = links[0]["source_archived"] if links else None
        print(f"{view.url}\n  {doc.get('title') or ''} (id {doc['id']}, a copy on "
              f"{doc.get('outlet') or doc.get('site')}): copies {len(linked)} release(s): {sources}")
        if not linked:
            print("  source_archived: " + {True: "true", False: "false (probably a copy of a "
                  "release the archive does not hold)", None: "unknown"}[archived])
    if links:
        other = "release" if view.role == "copy" else "copy"
        print(f"  {'outlet':<18} {'linked':<6} {'distinct':>8} {'copy':>5} {'reused':>6} "
              f"{'margin':>6} {'added':>5} {'delay':>8}  method  {other} url")
    for r in links:
        d = r["delay_seconds"]
        delay = "?" if d is None else f"{d / 3600:+.1f}h"
        url = r["copy_url"] if view.role == "release" else (r["release_url"] or "-")
        print(f"  {(r['copy_outlet'] or r['copy_site'] or '')[:18]:<18} "
              f"{'yes' if r['linked'] else 'no':<6} {_fmt(r['distinctive_share']):>8} "
              f"{_fmt(r['copy_share']):>5} {_fmt(r.get('reused_share')):>6} "
              f"{_fmt(r.get('margin')):>6} {_fmt(r.get('added_paragraph_count'), 'd'):>5} "
              f"{delay:>8}  {r['method']}  {url}")
    if mode == "table":
        return
    shown: set[str] = set()
    for r in linked:
        if r["copy_id"] not in shown:
            shown.add(r["copy_id"])
            _print_alignment(view, r, mode)


def _exit_now(rc: int) -> int:
    """Flush, then leave without interpreter finalisation when this process *is* the command.

    Why: libarrow's bundled AWS SDK keeps static objects (curl handle pool, region resolver)
    whose destructors can run after Arrow's thread pools at exit and call std::terminate
    ("terminate called without an active exception", exit 134; apache/arrow#36346, #15054).
    Everything is written and flushed by now, so skipping finalisation loses nothing; called
    in-process (tests, other Python code) it just returns.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    if sys.argv[1:3] == ["dataset", "show-release"]:
        os._exit(rc)
    return rc


def _optional_store(args: argparse.Namespace) -> Store | None:
    """The archive, when there is one to read copy texts from (never created here)."""
    try:
        return _existing_store(args)
    except StoreUnavailable:
        return None


def run_show(args: argparse.Namespace) -> int:
    if args.out:
        store = _optional_store(args)
        view = release_view(args.url, open_store(args.out, **store_options(args)), store)
    else:
        progress = Progress(enabled=sys.stderr.isatty())
        try:
            view = view_from_store(args.url, _existing_store(args), progress)
        finally:
            progress.close()
    if args.json:
        copies = []
        for r in view.links:
            copies.append({**r, "alignments": view.alignments.get(r["copy_id"], [])
                           if r["linked"] else []})
        print(json.dumps({"role": view.role, "id": view.release_id, "release_id": view.release_id,
                          "url": args.url, "copies" if view.role == "release" else "sources": copies,
                          **({"copies": copies} if view.role == "copy" else {}),
                          "revisions": view.revisions},
                         indent=2, ensure_ascii=False, sort_keys=True, default=str))
    else:
        _print_view(view, args.view)
    return _exit_now(0)


def run(args: argparse.Namespace) -> int:
    return run_build(args) if args.dataset_cmd == "build" else run_show(args)
