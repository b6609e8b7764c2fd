"""The dataset's tables, in one place, so docs/dataset.md, the card and the writer never disagree.

Every column carries a description in its Arrow field metadata: a researcher who only has a
shard can still read what each column means (``pq.read_schema(path).field("licence").metadata``).
"""
from __future__ import annotations

import pyarrow as pa

__all__ = [
    "DATASET_FORMAT", "DOCUMENTS_SCHEMA", "SYNDICATION_SCHEMA", "ALIGNMENTS_SCHEMA",
    "RELEASES_SCHEMA", "COPIES_SCHEMA", "OUTLETS_SCHEMA", "URLS_SCHEMA", "DERIVED", "TABLES",
    "LICENCE_OGL", "LICENCE_PUBLISHER", "column_docs",
]

DATASET_FORMAT = "govwire-dataset/2"
LICENCE_OGL = "OGL-3.0"  # Open Government Licence v3.0: GOV.UK releases
LICENCE_PUBLISHER = "publisher-copyright"  # outlet copies: the outlet's own copyright

_UTC = pa.timestamp("us", tz="UTC")
_CHANGE = pa.struct([("public_timestamp", pa.string()), ("note", pa.string())])



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
    _f("language", pa.string(), "BCP 47 language tag (en, en-GB, cy, ar...) of the text."),
    _f("description", pa.string(), "Standfirst / meta description (null for outlet copies unless "
       "built with --include-outlet-text)."),
    _f("text", pa.string(), "Clean text, paragraphs separated by a blank line (docs/clean-text.md). "
       "Null for outlet copies unless built with --include-outlet-text."),
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
    _f("organisations", pa.list_(pa.string()), "GOV.UK: publishing organisations (titles)."),
    _f("people", pa.list_(pa.string()), "GOV.UK: people (ministers) the release is tagged with."),
    _f("document_type", pa.string(), "GOV.UK: press_release, news_story, government_response..."),
    _f("content_id", pa.string(), "GOV.UK: content_id (stable across revisions and URL changes)."),
    _f("government", pa.string(), "GOV.UK: the government in office, e.g. '2024 Labour government'."),
    _f("change_history", pa.list_(_CHANGE), "GOV.UK: the release's public change notes "
       "(public_timestamp, note), oldest first, as of this revision."),
    _f("section", pa.string(), "Outlet section / feed category, else the URL's directory path "
       "(news/uk/politics)."),
    _f("metadata_json", pa.string(), "The document's site metadata as sorted JSON (GOV.UK "
       "content_id, document_type, organisations, change_history...; outlet byline, dateline)."),
], metadata={"format": DATASET_FORMAT, "table": "documents"})

SYNDICATION_SCHEMA = pa.schema([
    _f("copy_id", pa.string(), "Documents-table id of the outlet copy.", False),
    _f("copy_url", pa.string(), "Canonical URL of the copy."),
    _f("copy_site", pa.string(), "Seed name of the copy's site."),
    _f("copy_outlet", pa.string(), "Outlet name of the copy."),
    _f("copy_title", pa.string(), "Headline of the copy."),
    _f("release_id", pa.string(), "Documents-table id of the release revision compared (the one "
       "live when the copy was published). Null on a copy's single `boilerplate_only` row."),
    _f("release_key", pa.string(), "The release across its revisions: content_id:locale, else "
       "its canonical URL."),
    _f("release_url", pa.string(), "Canonical URL of the release."),
    _f("release_title", pa.string(), "Title of the release."),
    _f("release_revision", pa.int32(), "Revision number (1 = first) of the release compared."),
    _f("revision_basis", pa.string(), "How that revision was chosen: live_at_publication (the "
       "latest revision live at the copy's publication time), first_revision_copy_predates (the "
       "copy ran before any revision went live: embargo), best_text (copy time unknown)."),
    _f("linked", pa.bool_(), "The decision: the copy copies this release (docs/dataset.md, "
       "thresholds)."),
    _f("method", pa.string(), "What decided `linked`: source_url (the copy names the release), "
       "text (distinctive-text containment over the threshold), source_url+text; not linked: "
       "covered (its shared text is explained by a better-matching linked release), "
       "below_threshold, boilerplate_only (the copy shares only standard government text "
       "with releases; release_id null)."),
    _f("source_archived", pa.bool_(), "Per copy: true when it links to a release; false when it "
       "does not but is mostly standard government text (probably a copy of a release the "
       "archive does not hold); null when there is no evidence either way."),
    _f("copy_share", pa.float64(), "Share of the copy's 5-word shingles found in the release "
       "(raw: standard paragraphs included)."),
    _f("distinctive_share", pa.float64(), "Share of the copy's distinctive shingles (not standard "
       "text, see docs/dataset.md) found in the release."),
    _f("new_share", pa.float64(), "Share of the copy's distinctive shingles found in this release "
       "and in no better-ranked linked release: what the decision uses."),
    _f("reused_share", pa.float64(), "Share of the release's shingles found in the copy: how "
       "much of the release the outlet reused."),
    _f("similarity", pa.float64(), "Jaccard similarity of the two shingle sets."),
    _f("margin", pa.float64(), "distinctive_share minus the best other candidate's (negative for "
       "runners-up; equal to distinctive_share when there is no other candidate)."),
    _f("shared_distinctive_shingles", pa.int32(), "Distinctive shingles the two texts share."),
    _f("copy_paragraphs", pa.int32(), "Paragraphs in the copy."),
    _f("aligned_paragraphs", pa.int32(), "Copy paragraphs aligned to this release (alignments "
       "table); 0 when not linked."),
    _f("added_paragraph_count", pa.int32(), "Copy paragraphs aligned to no linked release (the "
       "outlet's own text); null when the copy links nowhere."),
    _f("added_paragraphs", pa.list_(pa.string()), "Those paragraphs' text (empty unless built "
       "with --include-outlet-text)."),
    _f("delay_seconds", pa.int64(), "Copy published minus release first published, in seconds "
       "(null when either date is unknown)."),
], metadata={"format": DATASET_FORMAT, "table": "syndication"})

ALIGNMENTS_SCHEMA = pa.schema([
    _f("copy_id", pa.string(), "Documents-table id of the copy.", False),
    _f("copy_url", pa.string(), "Canonical URL of the copy."),
    _f("copy_paragraph", pa.int32(), "0-based index of the copy paragraph (paragraphs: the text "
       "split on blank lines, empty ones dropped).", False),
    _f("kind", pa.string(), "verbatim | quote | edited | added (docs/dataset.md).", False),
    _f("overlap", pa.float64(), "Share of the copy paragraph's 5-word shingles found in the "
       "aligned release paragraph (for added: in the best release paragraph)."),
    _f("release_id", pa.string(), "Documents-table id of the release revision the paragraph "
       "reuses; null when added."),
    _f("release_paragraph", pa.int32(), "0-based index of that release paragraph; null when added."),
    _f("copy_text", pa.string(), "The copy paragraph (null unless built with "
       "--include-outlet-text)."),
    _f("release_text", pa.string(), "The release paragraph (OGL text; null when added)."),
], metadata={"format": DATASET_FORMAT, "table": "alignments"})

RELEASES_SCHEMA = pa.schema([
    _f("id", pa.string(), "Documents-table id of the release revision.", False),
    _f("release_key", pa.string(), "The release across revisions: content_id:locale, else its "
       "canonical URL."),
    _f("content_id", pa.string(), "GOV.UK content_id."),
    _f("url", pa.string(), "Canonical URL."),
    _f("revision", pa.int32(), "1 for the first revision archived, 2 for the next..."),
    _f("revision_count", pa.int32(), "Revisions of this release in the archive."),
    _f("is_latest", pa.bool_(), "True for the newest revision archived."),
    _f("live_from", _UTC, "When this revision went live (public_updated_at, else published, "
       "else first fetched)."),
    _f("live_until", _UTC, "When the next revision went live (null for the latest)."),
    _f("published", _UTC, "First publication of the release (all revisions)."),
    _f("copies_linked", pa.int32(), "Copies linked to this revision."),
], metadata={"format": DATASET_FORMAT, "table": "releases"})

COPIES_SCHEMA = pa.schema([
    _f("id", pa.string(), "Documents-table id of the outlet copy.", False),
    _f("url", pa.string(), "Canonical URL."),
    _f("site", pa.string(), "Seed name."),
    _f("outlet", pa.string(), "Outlet name."),
    _f("published", _UTC, "Publication time (UTC)."),
    _f("source_status", pa.string(), "linked (copies at least one archived release), "
       "source_not_archived (mostly standard government text, no archived source), no_match."),
    _f("source_archived", pa.bool_(), "true / false / null as in the syndication table."),
    _f("linked_release_ids", pa.list_(pa.string()), "Release revisions it copies (round-ups: "
       "several)."),
    _f("best_distinctive_share", pa.float64(), "Highest distinctive_share over its candidates."),
    _f("boilerplate_share", pa.float64(), "Share of its shingles that are standard government "
       "text (common shingles)."),
    _f("wire_cluster_id", pa.string(), "Same wire (PA) story across titles: copies from "
       "different newspapers / wire reprints whose distinctive text is near-identical share it; "
       "null when alone."),
], metadata={"format": DATASET_FORMAT, "table": "copies"})

OUTLETS_SCHEMA = pa.schema([
    _f("outlet", pa.string(), "Outlet name, as in documents.outlet.", False),
    _f("hosts", pa.list_(pa.string()), "Web hosts its documents came from."),
    _f("domains", pa.list_(pa.string()), "Registered domains of the outlet."),
    _f("owner", pa.string(), "Publisher / owner."),
    _f("country", pa.string(), "ISO 3166-1 alpha-2 country of the publisher."),
    _f("kind", pa.string(), "government | aggregator | newspaper | wire reprint."),
    _f("paywall", pa.string(), "none | registration | soft | metered."),
    _f("language", pa.string(), "BCP 47 language of its text."),
    _f("known", pa.bool_(), "False when the outlet is not in govwire's registry (facts null)."),
], metadata={"format": DATASET_FORMAT, "table": "outlets"})

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

# Derived tables (recomputed on every build), their id column, their schema.
DERIVED = {
    "syndication": ("copy_id", SYNDICATION_SCHEMA),
    "alignments": ("copy_id", ALIGNMENTS_SCHEMA),
    "releases": ("id", RELEASES_SCHEMA),
    "copies": ("id", COPIES_SCHEMA),
    "outlets": ("outlet", OUTLETS_SCHEMA),
    "urls": ("id", URLS_SCHEMA),
}
TABLES = ("documents", *DERIVED)


def column_docs(schema: pa.Schema) -> list[tuple[str, str, str]]:
    """(name, type, description) for each column, for the card and docs/dataset.md."""
    out = []
    for f in schema:
        desc = (f.metadata or {}).get(b"description", b"").decode()
        out.append((f.name, str(f.type), desc))
    return out
