"""The dataset's tables, in one place, so docs/dataset.md, the card and the writer never disagree.

Every column carries a description in its Arrow field metadata: a researcher who only has a
shard can still read what each column means (``pq.read_schema(path).field("licence").metadata``).
"""
from __future__ import annotations

import pyarrow as pa

__all__ = [
    "DATASET_FORMAT", "DOCUMENTS_SCHEMA", "SYNDICATION_SCHEMA", "URLS_SCHEMA",
    "LICENCE_OGL", "LICENCE_PUBLISHER", "column_docs",
]

DATASET_FORMAT = "govwire-dataset/1"
LICENCE_OGL = "OGL-3.0"  # Open Government Licence v3.0: GOV.UK releases
LICENCE_PUBLISHER = "publisher-copyright"  # outlet copies: the outlet's own copyright

_UTC = pa.timestamp("us", tz="UTC")


def _f(name: str, typ: pa.DataType, doc: str, nullable: bool = True) -> pa.Field:
    return pa.field(name, typ, nullable=nullable, metadata={"description": doc})


DOCUMENTS_SCHEMA = pa.schema([
    _f("id", pa.string(), "Document revision id (the stored document's `id`); for collapsed "
       "exact duplicates, the id of the earliest-fetched revision.", False),
    _f("revision_ids", pa.list_(pa.string()), "Every stored revision id collapsed into this row "
       "(same content_digest), sorted."),
    _f("url", pa.string(), "URL as requested by the crawler."),
    _f("final_url", pa.string(), "URL after redirects."),
    _f("canonical_url", pa.string(), "Canonical URL (rel=canonical, else final URL)."),
    _f("urls", pa.list_(pa.string()), "Every URL (requested, final, canonical) of every "
       "collapsed duplicate known when the row was written, sorted. The `urls` table is the "
       "complete, always-current list."),
    _f("site", pa.string(), "Seed name: govuk, wiredgov, mirage, independent, iconic, urls..."),
    _f("outlet", pa.string(), "Outlet name: GOV.UK, Wired-Gov, Mirage News, Donegal Democrat..."),
    _f("is_release", pa.bool_(), "True for GOV.UK originals, false for outlet copies."),
    _f("title", pa.string(), "Headline."),
    _f("authors", pa.list_(pa.string()), "Bylines."),
    _f("published", _UTC, "First publication time (UTC), as the page or the Content API says."),
    _f("modified", _UTC, "Last public update time (UTC)."),
    _f("month", pa.string(), "YYYY-MM of `published` (else of the fetch); the card counts by it."),
    _f("language", pa.string(), "Language code."),
    _f("description", pa.string(), "Standfirst / meta description."),
    _f("text", pa.string(), "Clean text, paragraphs separated by a blank line (docs/clean-text.md). "
       "Null for outlet copies when built with --no-outlet-text."),
    _f("word_count", pa.int32(), "Words in the clean text (whitespace split)."),
    _f("content_digest", pa.string(), "sha256:<hex> of the clean text; the duplicate key."),
    _f("licence", pa.string(), "OGL-3.0 for GOV.UK releases; publisher-copyright for copies."),
    _f("source_url", pa.string(), "Original link the outlet names (Wired-Gov), if any."),
    _f("cleaner", pa.string(), "Cleaner that produced the text (site name, generic, fallback)."),
    _f("cleaner_version", pa.string(), "Version of the cleaning rules."),
    _f("warc_file", pa.string(), "Store key of the WARC file holding the raw response."),
    _f("warc_offset", pa.int64(), "Byte offset of the WARC record in that file."),
    _f("warc_length", pa.int64(), "Byte length of the (gzip member of the) WARC record."),
    _f("warc_record_id", pa.string(), "WARC-Record-ID of the response."),
    _f("payload_digest", pa.string(), "WARC-Payload-Digest of the response body."),
    _f("fetched_at", _UTC, "When the page was fetched (UTC)."),
    _f("status", pa.int32(), "HTTP status of the response."),
    _f("store_key", pa.string(), "Store key of the clean-document JSON this row came from."),
    _f("metadata_json", pa.string(), "The document's site metadata as sorted JSON (GOV.UK "
       "content_id, document_type, organisations, change_history...; outlet byline, dateline)."),
], metadata={"format": DATASET_FORMAT, "table": "documents"})

SYNDICATION_SCHEMA = pa.schema([
    _f("copy_id", pa.string(), "Documents-table id of the outlet copy.", False),
    _f("copy_url", pa.string(), "Canonical URL of the copy."),
    _f("copy_site", pa.string(), "Seed name of the copy's site."),
    _f("copy_outlet", pa.string(), "Outlet name of the copy."),
    _f("copy_title", pa.string(), "Headline of the copy."),
    _f("release_id", pa.string(), "Documents-table id of the GOV.UK release it copies.", False),
    _f("release_url", pa.string(), "Canonical URL of the release."),
    _f("release_title", pa.string(), "Title of the release."),
    _f("method", pa.string(), "How the link was found: source_url (the outlet names the "
       "release), minhash (LSH on word shingles, verified exactly), or source_url+minhash."),
    _f("similarity", pa.float64(), "Jaccard similarity of the two texts' 5-word shingle sets."),
    _f("reused_share", pa.float64(), "Share of the release's shingles found in the copy: how "
       "much of the release the outlet reused."),
    _f("copy_share", pa.float64(), "Share of the copy's shingles found in the release: how much "
       "of the copy is the release."),
    _f("copy_paragraphs", pa.int32(), "Paragraphs in the copy."),
    _f("added_paragraph_count", pa.int32(), "Copy paragraphs with no counterpart in the release."),
    _f("added_paragraphs", pa.list_(pa.string()), "Those paragraphs' text (empty when built "
       "with --no-outlet-text)."),
    _f("delay_seconds", pa.int64(), "Copy published minus release published, in seconds "
       "(null when either date is unknown)."),
], metadata={"format": DATASET_FORMAT, "table": "syndication"})

URLS_SCHEMA = pa.schema([
    _f("id", pa.string(), "Documents-table id the URL belongs to.", False),
    _f("revision_id", pa.string(), "Stored revision id that had this URL."),
    _f("url", pa.string(), "Requested URL of that revision."),
    _f("final_url", pa.string(), "Final URL of that revision."),
    _f("canonical_url", pa.string(), "Canonical URL of that revision."),
    _f("site", pa.string(), "Seed name."),
    _f("fetched_at", _UTC, "When that revision was fetched."),
    _f("store_key", pa.string(), "Store key of that revision's document JSON."),
], metadata={"format": DATASET_FORMAT, "table": "urls"})


def column_docs(schema: pa.Schema) -> list[tuple[str, str, str]]:
    """(name, type, description) for each column, for the card and docs/dataset.md."""
    out = []
    for f in schema:
        desc = (f.metadata or {}).get(b"description", b"").decode()
        out.append((f.name, str(f.type), desc))
    return out
