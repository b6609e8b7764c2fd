"""Stored documents made from the seed texts, written where the pipeline writes them.

The seeds' clean texts come from the real cleaners when a site cleaner exists (Wired-Gov,
Mirage, GOV.UK); the PA copies (002 Iconic, 003 Independent) are trimmed here by the seeds
README's "what must go" column, since their site cleaners may not exist yet. The GOV.UK
original of 000/001 is 000's article text without Wired-Gov's furniture.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from archive.keys import doc_key
from archive.storage import LocalStore

SEEDS = Path("/work/shared/seeds")
RELEASE_URL = ("https://www.gov.uk/government/news/foreign-secretary-to-put-boosting-security-and-"
               "tackling-illegal-migration-at-the-heart-of-foreign-policy-during-meeting-of-"
               "european-partners")
OTHER_RELEASE_URL = ("https://www.gov.uk/government/news/foreign-secretary-david-lammy-travels-to-"
                     "kosovo-and-serbia")
PA_TITLE = "Cooper to host talks on security and migration at Western Balkans summit"

URLS = {
    "release": RELEASE_URL,
    "other_release": OTHER_RELEASE_URL,
    "wiredgov": "https://www.wired-gov.net/wg/news.nsf/articles/Foreign+Secretary+to+put+boosting+security+09102025141000",
    "mirage": "https://www.miragenews.com/foreign-secretary-to-put-boosting-security-1545511/",
    "mirage_dup": "https://www.miragenews.com/foreign-secretary-to-put-boosting-security-1545511/amp/",
    "iconic": "https://www.donegaldemocrat.ie/news/national-news/1234567/cooper-to-host-talks-on-security-and-migration-at-western-balkans-summit.html",
    "independent": "https://www.independent.co.uk/news/uk/politics/yvette-cooper-western-balkans-summit-b2841234.html",
    "unrelated": "https://www.independent.co.uk/news/uk/home-news/allotment-waiting-lists-b2840000.html",
}

UNRELATED_TEXT = """Allotment waiting lists grow as gardeners wait years for a plot

Thousands of would-be gardeners are waiting up to a decade for an allotment, a survey of councils has found.

The longest lists were in inner London boroughs, where some sites have closed their lists altogether because no plot has changed hands in years.

Campaigners said councils should divide larger plots and open new sites on unused land near railway lines and schools.

One retired teacher in Bristol said she had been on the list since 2016 and had grown tomatoes on her balcony while she waited."""


def seed(n: str) -> str:
    return next(SEEDS.glob(f"{n}_*.txt")).read_text(encoding="utf-8")


def _clean(n: str, site: str) -> tuple[str, str | None, dict[str, Any]]:
    from cleaners import clean_text
    doc = clean_text(seed(n), site=site)
    return doc.text, doc.title, dict(doc.metadata)


def _paras(raw: str) -> list[str]:
    return [p.strip() for p in raw.split("\n\n") if p.strip()]


def pa_iconic_text() -> str:
    """Seed 002 without "Search", the date line, the repeated headline and the paywall."""
    paras = _paras(seed("002"))
    body = paras[paras.index(PA_TITLE) + 2:]  # headline appears twice
    body = body[:next(i for i, p in enumerate(body) if p.startswith("To continue reading"))]
    return "\n\n".join([PA_TITLE, *body])


def pa_independent_text() -> str:
    """Seed 003 without the date prefix and the donation appeal (its whole first block)."""
    paras = _paras(seed("003"))
    assert paras[0].startswith("date 2025-10-08 Your support")
    return "\n\n".join([PA_TITLE, *paras[1:]])


def release_text() -> str:
    """The GOV.UK original: Wired-Gov's clean article text is the release verbatim."""
    return _clean("000", "wiredgov")[0]


def make_doc(*, site: str, outlet: str, url: str, text: str, title: str | None,
             published: str | None, fetched_at: str, metadata: dict[str, Any] | None = None,
             cleaner: str = "test", canonical_url: str | None = None) -> dict[str, Any]:
    """A document dict with every field the pipeline writes."""
    canonical = canonical_url or url
    payload = "sha1:" + hashlib.sha1(f"{url}\n{text}".encode()).hexdigest().upper()
    warc_file = f"warcs/{site}/2025/10/09/govwire-{site}-20251009120000000-00000-test.warc.gz"
    return {
        "id": hashlib.sha256(f"{canonical}\n{payload}".encode()).hexdigest()[:32],
        "url": url, "final_url": url, "canonical_url": canonical, "site": site, "outlet": outlet,
        "cleaner": cleaner, "cleaner_version": "2026.11.23-1", "title": title, "authors": [],
        "published": published, "modified": None, "language": "en", "description": None,
        "text": text, "word_count": len(text.split()),
        "content_digest": "sha256:" + hashlib.sha256(text.encode()).hexdigest(),
        "removed": [], "metadata": metadata or {},
        "warc": {"file": warc_file, "offset": 1234, "length": 5678,
                 "record_id": "<urn:uuid:00000000-0000-0000-0000-000000000000>"},
        "payload_digest": payload, "fetched_at": fetched_at, "status": 200,
    }


def write_doc(store: LocalStore, doc: dict[str, Any]) -> str:
    """Store a document under the key the pipeline would use; returns the key."""
    key = doc_key(doc["site"], doc["canonical_url"], doc["payload_digest"])
    store.put_bytes(key, json.dumps(doc, ensure_ascii=False, sort_keys=True).encode())
    return key


def seed_docs() -> dict[str, dict[str, Any]]:
    """The seeds' story everywhere, the other release, an unrelated story and a duplicate."""
    rel_text = release_text()
    title = rel_text.split("\n\n")[0]
    wg_text, _, wg_meta = _clean("000", "wiredgov")
    mi_text, mi_title, mi_meta = _clean("001", "mirage")
    other_text, other_title, other_meta = _clean("004", "govuk")
    gov_meta = {"content_id": "5f6b2f3e-0000-4000-8000-000000000001", "document_type": "press_release",
                "organisations": ["Foreign, Commonwealth & Development Office"]}
    return {
        "release": make_doc(site="govuk", outlet="GOV.UK", url=RELEASE_URL, text=rel_text,
                            title=title, published="2025-10-09T00:01:00.000+01:00",
                            fetched_at="2025-10-09T08:00:00+00:00", metadata=gov_meta, cleaner="govuk"),
        "other_release": make_doc(site="govuk", outlet="GOV.UK", url=OTHER_RELEASE_URL,
                                  text=other_text, title=other_title or other_text.split("\n\n")[0],
                                  published="2025-07-24T09:00:00.000+01:00",
                                  fetched_at="2025-10-09T08:00:05+00:00",
                                  metadata={**other_meta, **gov_meta, "content_id": "other"},
                                  cleaner="govuk"),
        "wiredgov": make_doc(site="wiredgov", outlet="Wired-Gov", url=URLS["wiredgov"], text=wg_text,
                             title=title, published="2025-10-09T14:10:00+01:00",
                             fetched_at="2025-10-09T15:00:00+00:00", metadata=wg_meta,
                             cleaner="wiredgov"),
        "mirage": make_doc(site="mirage", outlet="Mirage News", url=URLS["mirage"], text=mi_text,
                           title=mi_title or mi_text.split("\n\n")[0],
                           published="2025-10-09T18:00:00+00:00",
                           fetched_at="2025-10-09T19:00:00+00:00", metadata=mi_meta,
                           cleaner="mirage"),
        "mirage_dup": make_doc(site="mirage", outlet="Mirage News", url=URLS["mirage_dup"],
                               text=mi_text, title=mi_title or mi_text.split("\n\n")[0],
                               published="2025-10-09T18:00:00+00:00",
                               fetched_at="2025-10-09T19:05:00+00:00", metadata=mi_meta,
                               cleaner="mirage"),
        "iconic": make_doc(site="iconic", outlet="Donegal Democrat", url=URLS["iconic"],
                           text=pa_iconic_text(), title=PA_TITLE,
                           published="2025-10-09T07:00:00+01:00",
                           fetched_at="2025-10-09T09:00:00+00:00", metadata={"dateline": "09 Oct 2025"}),
        "independent": make_doc(site="independent", outlet="The Independent", url=URLS["independent"],
                                text=pa_independent_text(), title=PA_TITLE,
                                published="2025-10-08T23:01:00+01:00",
                                fetched_at="2025-10-09T09:30:00+00:00"),
        "unrelated": make_doc(site="independent", outlet="The Independent", url=URLS["unrelated"],
                              text=UNRELATED_TEXT, title=UNRELATED_TEXT.split("\n\n")[0],
                              published="2025-10-07T06:00:00+01:00",
                              fetched_at="2025-10-09T09:31:00+00:00"),
    }


def seed_store(root: Path, names: list[str] | None = None) -> tuple[LocalStore, dict[str, dict[str, Any]]]:
    """A LocalStore holding the seed documents (all, or just `names`)."""
    store = LocalStore(root)
    docs = seed_docs()
    for name, doc in docs.items():
        if names is None or name in names:
            write_doc(store, doc)
    return store, docs
