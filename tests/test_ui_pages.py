"""The UI's pages on a small hand-made store (Flask's test client): telemetry runs, run alarms,
filters, pagination and revision diffs. Browser behaviour is in test_ui_browser.py."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from archive.keys import doc_key
from archive.storage import LocalStore
from crawler.web.app import create_app


def _doc(store: LocalStore, url: str, *, site: str, title: str, text: str, fetched: str,
         digest: str, cleaner: str = "gov_uk", published: str = "2026-11-02T09:00:00+00:00") -> str:
    key = doc_key(site, url, f"sha1:{digest}")
    doc: dict[str, Any] = {"url": url, "final_url": url, "canonical_url": url, "site": site,
                           "outlet": "GOV.UK" if site == "govuk" else "Mirage News", "title": title,
                           "text": text, "word_count": len(text.split()), "cleaner": cleaner,
                           "published": published, "fetched_at": fetched, "removed": [],
                           "metadata": {}, "warc": {}, "id": digest.lower(),
                           "content_digest": "sha256:" + hashlib.sha256(text.encode()).hexdigest()}
    store.put_bytes(key, json.dumps(doc).encode())
    return key


def _run(store: LocalStore, site: str, started: str, finished: str, **fields: Any) -> None:
    rec = {"site": site, "started": started, "finished": finished, "documents": 1,
           "fallback_share": 0.0, "junk_hits": {}, "median_words": 100, "alarms": [], **fields}
    store.put_bytes(f"telemetry/{site}/2026/11/{started.replace(':', '')}.json", json.dumps(rec).encode())


@pytest.fixture
def client(tmp_path: Path) -> Any:
    store = LocalStore(tmp_path / "store")
    body = "\n\n".join(f"Paragraph {i} of the release about flood defences and rivers." for i in range(8))
    _doc(store, "https://www.gov.uk/government/news/floods", site="govuk", title="Flood defences",
         text="Flood defences\n\n" + body, fetched="2026-11-01T10:00:05.5+00:00", digest="AAAA1111")
    _doc(store, "https://www.gov.uk/government/news/floods", site="govuk", title="Flood defences",
         text="Flood defences\n\n" + body + "\n\nA new paragraph added on update.",
         fetched="2026-11-03T10:00:07+00:00", digest="BBBB2222")
    _doc(store, "https://www.miragenews.com/floods-1/", site="mirage", title="Floods <i>copy</i>",
         text="Floods copy\n\n" + body, fetched="2026-11-03T11:00:00+00:00", digest="CCCC3333",
         cleaner="fallback", published="2026-11-02T12:00:00+00:00")
    for i in range(60):
        _doc(store, f"https://www.miragenews.com/other-{i}/", site="mirage", title=f"Other {i}",
             text=f"Other story number {i} " * 30, fetched="2026-11-04T09:00:00+00:00",
             digest=f"D{i:07d}")
    _run(store, "govuk", "2026-11-01T10:00:00+00:00", "2026-11-01T10:00:09+00:00")
    _run(store, "govuk", "2026-11-02T10:00:00+00:00", "2026-11-02T10:00:09+00:00", documents=0)
    _run(store, "govuk", "2026-11-03T10:00:00+00:00", "2026-11-03T10:00:07+00:00",
         fallback_share=0.5, junk_hits={"govuk-cookies": 2},
         alarms=["selection dropped: 1 selected against a median of 9"])
    return create_app(store).test_client()


def test_site_page_reads_telemetry_runs(client: Any) -> None:
    page = client.get("/site/govuk").get_data(as_text=True)
    assert page.count("<tr><td>2026-11-0") == 3
    assert "selection dropped: 1 selected against a median of 9" in page
    assert page.count("<polyline") == 4  # one line per chart
    assert "derived from the documents" not in page
    # a site without telemetry: runs derived from its documents
    assert "derived from the documents" in client.get("/site/mirage").get_data(as_text=True)
    assert client.get("/site/nosuchsite").status_code == 404


def test_run_alarm_and_filters(client: Any) -> None:
    alarmed = client.get("/?alarm=run-alarm").get_data(as_text=True)
    assert "Flood defences" in alarmed and "Other 1" not in alarmed
    fallback = client.get("/?cleaner=fallback").get_data(as_text=True)
    assert "Floods &lt;i&gt;copy&lt;/i&gt;" in fallback and "Flood defences" not in fallback
    releases = client.get("/?kind=release").get_data(as_text=True)
    assert "Flood defences" in releases and "Other 1" not in releases
    assert "Other 3" not in client.get("/?since=2026-11-05").get_data(as_text=True)
    assert "Other 3" in client.get("/?q=story+number+3&site=mirage").get_data(as_text=True)


def test_pagination(client: Any) -> None:
    first = client.get("/?site=mirage").get_data(as_text=True)
    assert "page 1 of 2" in first and first.count('class="doc-row"') == 50
    second = client.get("/?site=mirage&page=2").get_data(as_text=True)
    assert second.count('class="doc-row"') == 11 and 'rel="prev"' in second


def test_document_diff_between_revisions(client: Any) -> None:
    home = client.get("/?kind=release").get_data(as_text=True)
    start = home.index('href="/doc/') + len('href="')
    path = home[start:home.index('"', start)]
    page = client.get(path).get_data(as_text=True)
    assert "Revisions (2)" in page
    assert '<span class="add">+A new paragraph added on update.</span>' in page


def test_release_page_lists_the_copy_with_scores(client: Any) -> None:
    home = client.get("/?kind=release").get_data(as_text=True)
    start = home.index('href="/release/') + len('href="')
    page = client.get(home[start:home.index('"', start)]).get_data(as_text=True)
    assert page.count('class="copy-row"') == 1 and "Mirage News" in page
    assert "<td>3.0 h</td>" in page  # copy published 3 h after the release
    assert 'data-kind="verbatim"' in page


def test_copy_page_names_the_release_it_copies(client: Any) -> None:
    home = client.get("/?cleaner=fallback").get_data(as_text=True)
    start = home.index('href="/doc/') + len('href="')
    page = client.get(home[start:home.index('"', start)]).get_data(as_text=True)
    assert '<p id="sources">Copies <a href="/release/govuk/' in page and "Flood defences" in page
