"""The release page shows exactly the dataset's links, scores and alignments: for every GOV.UK
release of the demo store, what the page carries equals `govwire dataset show-release --json`,
both when the UI builds the dataset itself and when it is given one (`--dataset`)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from archive.storage import LocalStore
from crawler.cli import main
from crawler.web.app import create_app
from crawler.web.catalog import Catalog

SCORES = ("copy_id", "release_id", "linked", "method", "copy_share", "distinctive_share",
          "reused_share", "margin", "source_archived", "delay_seconds")


def _show_release(url: str, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["dataset", "show-release", url, "--json", *args]) == 0
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


def _expected(shown: dict[str, Any]) -> tuple[list[tuple[Any, ...]], dict[str, list[tuple[Any, ...]]]]:
    links = [tuple(c.get(k) for k in SCORES) for c in shown["copies"]]
    aligned = {c["copy_id"]: [(a["copy_paragraph"], a["kind"], a["release_paragraph"],
                               a["release_id"]) for a in c["alignments"]]
               for c in shown["copies"] if c["linked"]}
    return links, aligned


def _on_page(html: str) -> tuple[list[tuple[Any, ...]], dict[str, list[tuple[Any, ...]]]]:
    root = lxml.html.fromstring(html)
    links = []
    for tr in root.cssselect("#copies tr.copy-row"):
        def attr(name: str) -> Any:
            return json.loads(tr.get(f"data-{name.replace('_', '-')}"))
        links.append((tr.get("data-copy-id"), tr.get("data-release-id") or None, attr("linked"),
                      tr.get("data-method"), *(attr(k) for k in SCORES[4:])))
    aligned: dict[str, list[tuple[Any, ...]]] = {}
    for sec in root.cssselect("section.aligned"):
        aligned[sec.get("data-copy-id")] = [
            (int(r.get("data-copy-paragraph")), r.get("data-kind"),
             int(r.get("data-release-paragraph")) if r.get("data-release-paragraph") else None,
             r.get("data-release-id") or None)
            for r in sec.cssselect("tr[data-kind]")]
    return links, aligned


def _releases(store: Path) -> list[Any]:
    return [r for r in Catalog(LocalStore(store)).latest() if r.is_release]


def test_release_page_equals_show_release(demo_store: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    client = create_app(LocalStore(demo_store)).test_client()
    releases = _releases(demo_store)
    assert len(releases) >= 5
    linked_total = 0
    for row in releases:
        expected = _expected(_show_release(row.url, capsys, "--store", str(demo_store)))
        page = client.get(f"/release/{row.site}/{row.urlhash}/{row.rev}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert _on_page(html) == expected, row.url
        linked_total += sum(1 for link in expected[0] if link[2])
        if expected[1]:  # colours by kind: each aligned row carries its kind's class
            assert 'class="k-verbatim" data-kind="verbatim"' in html
    assert linked_total >= 5  # the demo's Wired-Gov, Mirage and PA copies


def test_release_page_reads_a_given_dataset(demo_store: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "dataset"
    assert main(["dataset", "build", "--store", str(demo_store), "--out", str(out), "--quiet"]) == 0
    client = create_app(LocalStore(demo_store), dataset=LocalStore(out)).test_client()
    row = next(r for r in _releases(demo_store) if "security" in r.title.lower())
    expected = _expected(_show_release(row.url, capsys, "--out", str(out), "--store",
                                       str(demo_store)))
    html = client.get(f"/release/{row.site}/{row.urlhash}/{row.rev}").get_data(as_text=True)
    assert _on_page(html) == expected and expected[1]
    assert f"dataset {LocalStore(out).uri}" in html
    # copy text comes from the store when the dataset has none (built without outlet text)
    assert "Ms Cooper said" in html


def test_copy_page_names_its_linked_release(demo_store: Path) -> None:
    client = create_app(LocalStore(demo_store)).test_client()
    copy = next(r for r in Catalog(LocalStore(demo_store)).latest() if r.site == "wiredgov")
    html = client.get(f"/doc/{copy.site}/{copy.urlhash}/{copy.rev}").get_data(as_text=True)
    assert '<p id="sources">Copies <a href="/release/govuk/' in html


def test_private_build_follows_the_store_and_is_removed(demo_store: Path) -> None:
    from crawler.web.syndication import Syndication
    state = ["first"]
    syn = Syndication(LocalStore(demo_store), lambda: state[0])
    url = _releases(demo_store)[0].url
    view, origin = syn.view(url)
    assert view is not None and "built from the store" in origin
    first = Path(syn._built[1]) if syn._built else None
    assert first is not None and (first / "manifest.json").exists()
    syn.view(url)
    assert syn._built and Path(syn._built[1]) == first      # unchanged store: no rebuild
    state[0] = "second"                                      # the store's keys changed
    syn.view(url)
    assert syn._built and Path(syn._built[1]) != first and not first.exists()
    second = Path(syn._built[1])
    syn.close()
    assert not second.exists()
