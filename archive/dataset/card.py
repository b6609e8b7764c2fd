"""The dataset card (README.md in the output), rendered from the manifest alone.

Why from the manifest: an incremental build must describe old shards too without reading them,
and the card must be byte-identical for identical input (no build time, no host name).
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from archive.dataset.schema import (DERIVED, DOCUMENTS_SCHEMA, LICENCE_OGL, LICENCE_PUBLISHER,
                                    column_docs)

__all__ = ["render_card", "yaml_header"]


def yaml_header(manifest: dict[str, Any]) -> str:
    """The Hugging Face dataset-card metadata: licence and one config per table, so
    `datasets.load_dataset(DIR, name="syndication")` loads that table (offline, from disk)."""
    fmt = manifest.get("file_format", "parquet")
    lines = ["---", "license: other", "license_name: ogl-3.0-and-publisher-copyright",
             "license_link: https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
             "language:", "- en", "pretty_name: govwire UK government press releases and their copies",
             "tags:", "- news", "- syndication", "- uk-government", "configs:"]
    tables = [("documents", f"documents/*.{fmt}")] + [
        (name, manifest[name]) for name in DERIVED if manifest.get(name)]
    for name, path in tables:
        lines += [f"- config_name: {name}", "  data_files:", "  - split: train", f"    path: {path}"]
        if name == "documents":
            lines.append("  default: true")
    lines.append("---")
    return "\n".join(lines) + "\n"


def _table(schema_rows: list[tuple[str, str, str]]) -> str:
    lines = ["| column | type | description |", "|---|---|---|"]
    lines += [f"| `{n}` | `{t}` | {d.replace('|', '/')} |" for n, t, d in schema_rows]
    return "\n".join(lines)


def render_card(manifest: dict[str, Any], counts: dict[tuple[str, str], int] | None = None) -> str:
    """Markdown card: counts per site and month, schema, licences, provenance, how to load.

    counts: rows per (site, month) when the manifest's row map is not in memory (the build)."""
    if counts is None:
        counts = Counter((r["site"], r["month"]) for r in manifest["rows"].values())
    fmt = manifest.get("file_format", "parquet")
    per = Counter(counts)
    by_site: Counter[str] = Counter()
    for (site, _), n in per.items():
        by_site[site] += n
    months = sorted({m for _, m in per})
    sites = sorted(by_site)
    count_lines = ["| month | " + " | ".join(sites) + " | total |",
                   "|---|" + "---|" * (len(sites) + 1)]
    for m in months:
        cells = [str(per.get((s, m), 0)) for s in sites]
        count_lines.append(f"| {m} | " + " | ".join(cells) + f" | {sum(per[(s, m)] for s in sites)} |")
    count_lines.append("| **all** | " + " | ".join(str(by_site[s]) for s in sites)
                       + f" | {sum(per.values())} |")
    versions = manifest.get("versions") or {}
    builds = "\n".join(f"- `{b}`" for b in manifest.get("builds", []))
    cleaners = ", ".join(f"`{c}`" for c in manifest.get("cleaner_versions", [])) or "unknown"
    text_note = ("Built with `--include-outlet-text`: outlet copies carry their text. Do not "
                 "republish this build." if manifest.get("outlet_text") else
                 "Outlet copies carry metadata, digests, scores, alignments and WARC pointers but "
                 "no text: `text` and `description` are null, `added_paragraphs` empty and "
                 "`alignments.copy_text` null (build with `--include-outlet-text` for them).")
    glob = f"documents/*.{fmt}"
    th = manifest.get("thresholds") or {}
    derived = "\n".join(f"- {name}: `{manifest.get(name)}`" for name in DERIVED)
    schemas = "\n\n".join(f"### {name}\n\n{_table(column_docs(schema))}"
                           for name, (_, schema) in DERIVED.items())
    load = f"""```python
import pandas as pd
docs = pd.read_parquet("DATASET/documents")          # every shard
links = pd.read_parquet("DATASET/syndication")

import duckdb
duckdb.sql("SELECT site, count(*) FROM 'DATASET/{glob}' GROUP BY site").show()
duckdb.sql(\"\"\"SELECT s.release_url, s.copy_outlet, s.reused_share, s.delay_seconds
              FROM 'DATASET/syndication/*.{fmt}' s ORDER BY s.release_url\"\"\").show()

from datasets import load_dataset        # one config per table (see the header)
docs = load_dataset("DATASET", name="documents", split="train")
links = load_dataset("DATASET", name="syndication", split="train")
```""" if fmt == "parquet" else f"""```python
import pandas as pd, glob
docs = pd.concat(pd.read_json(p, lines=True) for p in glob.glob("DATASET/{glob}"))

import duckdb
duckdb.sql("SELECT site, count(*) FROM read_json_auto('DATASET/{glob}') GROUP BY site").show()

from datasets import load_dataset        # one config per table (see the header)
docs = load_dataset("DATASET", name="documents", split="train")
```"""
    return yaml_header(manifest) + f"""
# govwire dataset

UK government press releases from GOV.UK and every press copy of them that govwire archived
(Wired-Gov, Mirage News, The Independent, Iconic Media titles...), as clean text with a pointer
into the WARC holding the page as received, plus links from each copy to the release it copies.

- **{sum(per.values())}** documents (one row per distinct text; exact duplicates collapsed, all their
  URLs kept) in **{len(manifest['shards'])}** shard(s) under `documents/`
{derived}
- `manifest.json`: which row and which stored revisions are in which shard

## Counts per site and month

Month of first publication (else of the fetch).

{chr(10).join(count_lines)}

## Licences

- GOV.UK releases (`is_release = true`): `{LICENCE_OGL}`, the Open Government Licence v3.0
  (https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/). Attribute:
  "Contains public sector information licensed under the Open Government Licence v3.0."
- Outlet copies: `{LICENCE_PUBLISHER}`. The text belongs to the outlet; use it for research
  under your local text-and-data-mining exception, do not republish it.

{text_note}

## How it was built

- govwire {versions.get('govwire', 'unknown')}, pyarrow {versions.get('pyarrow', 'unknown')},
  numpy {versions.get('numpy', 'unknown')}
- cleaners: {cleaners}
- builds (parameters of each build that added to this directory):
{builds}
- Syndication: 5-word shingles of normalised text; shingles in >= {th.get('dept_cut')} releases of
  one department or >= {th.get('all_cut')} overall are standard text and never count; candidates are
  releases published from {th.get('window_back_days')} days before to {th.get('window_ahead_days')} days after the copy sharing
  distinctive text; a candidate is `linked` when the copy names it, or when it explains at
  least {th.get('link_share')} of the copy's distinctive shingles (and {th.get('link_min')} of them) not
  already explained by a better-matching linked release. See docs/dataset.md in govwire.

## Load it

Replace `DATASET` with this directory (or an `s3://` prefix with credentials).

{load}

## Schema

### documents

{_table(column_docs(DOCUMENTS_SCHEMA))}

{schemas}
"""
