"""Issue 6: the researchers' dataset, built from documents made from the seed texts."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from archive.storage import LocalStore
from crawler.cli import main
from tests.dataset_helpers import RELEASE_URL, URLS, seed_store, write_doc


def build(store: Path, out: Path, *extra: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    rc = main(["dataset", "build", "--store", str(store), "--out", str(out), "--json", "--quiet", *extra])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    return json.loads(captured.out)


def table(out: Path, kind: str) -> list[dict[str, Any]]:
    files = sorted((out / kind).glob("*.parquet"))
    assert files, f"no {kind} table in {out}"
    return [r for f in files for r in pq.read_table(f).to_pylist()]


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".spool" not in p.parts}


@pytest.fixture()
def built(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    store, docs = seed_store(tmp_path / "store")
    summary = build(tmp_path / "store", tmp_path / "out", "--include-outlet-text", capsys=capsys)
    return tmp_path / "out", docs, summary


def _links(out: Path) -> dict[str, dict[str, Any]]:
    return {r["copy_url"]: r for r in table(out, "syndication")}


def test_every_copy_links_to_its_release_with_expected_reuse(built: Any) -> None:
    out, docs, summary = built
    links = _links(out)
    release_id = docs["release"]["id"]
    for name in ("wiredgov", "mirage", "iconic", "independent"):
        assert links[URLS[name]]["release_id"] == release_id, name
        assert links[URLS[name]]["release_url"] == RELEASE_URL
    wg, mi = links[URLS["wiredgov"]], links[URLS["mirage"]]
    assert wg["reused_share"] >= 0.8 and "source_url" in wg["method"]
    assert 0.6 <= mi["reused_share"] < wg["reused_share"]  # truncated by the aggregator
    assert mi["copy_share"] >= 0.9 and mi["method"] == "text"
    for name in ("iconic", "independent"):  # PA rewrites quote the release in part
        assert 0.1 <= links[URLS[name]]["reused_share"] <= 0.5, name
        assert 0.2 <= links[URLS[name]]["copy_share"] <= 0.6, name
    assert wg["delay_seconds"] == 50940  # 00:01 BST release, 14:10 BST on Wired-Gov
    assert links[URLS["independent"]]["delay_seconds"] == -3600  # PA ran it before the release
    assert summary["links"] == 4 and summary["unmatched_copies"] == 1


def test_other_release_and_unrelated_story_do_not_link(built: Any) -> None:
    out, docs, _ = built
    rows = table(out, "syndication")
    assert URLS["unrelated"] not in {r["copy_url"] for r in rows}
    assert docs["other_release"]["id"] not in {r["release_id"] for r in rows}
    assert docs["other_release"]["id"] not in {r["copy_id"] for r in rows}  # releases never copies


def test_pa_copies_show_their_added_paragraphs(built: Any) -> None:
    links = _links(built[0])
    for name in ("iconic", "independent"):
        added = links[URLS[name]]["added_paragraphs"]
        assert links[URLS[name]]["added_paragraph_count"] == len(added)
        assert any("34,401" in p for p in added), name          # small boats figures
        assert any("one in, one out" in p for p in added), name  # the France deal
        assert not any("It is in all our interests" in p for p in added), name  # quoted release
    assert links[URLS["wiredgov"]]["added_paragraph_count"] == 0


def test_exact_duplicates_collapse_with_all_urls(built: Any) -> None:
    out, docs, summary = built
    rows = [r for r in table(out, "documents") if r["site"] == "mirage"]
    assert len(rows) == 1
    assert {URLS["mirage"], URLS["mirage_dup"]} <= set(rows[0]["urls"])
    assert rows[0]["id"] == docs["mirage"]["id"]  # earliest fetch represents the group
    assert sorted(rows[0]["revision_ids"]) == sorted([docs["mirage"]["id"], docs["mirage_dup"]["id"]])
    urls = [r for r in table(out, "urls") if r["id"] == rows[0]["id"]]
    assert {r["url"] for r in urls} == {URLS["mirage"], URLS["mirage_dup"]}
    assert summary["duplicates_collapsed"] == 1 and summary["rows_total"] == 7


def test_documents_columns_licences_and_warc_pointer(built: Any) -> None:
    out, docs, _ = built
    rows = {r["url"]: r for r in table(out, "documents")}
    rel = rows[RELEASE_URL]
    assert rel["licence"] == "OGL-3.0" and rel["is_release"]
    assert rows[URLS["iconic"]]["licence"] == "publisher-copyright"
    assert rel["warc_file"] == docs["release"]["warc"]["file"] and rel["warc_offset"] == 1234
    assert rel["warc_length"] == 5678 and rel["cleaner_version"] == "2026.11.23-1"
    assert rel["text"] == docs["release"]["text"] and rel["content_digest"].startswith("sha256:")
    assert rel["published"].isoformat() == "2025-10-08T23:01:00+00:00"
    assert json.loads(rel["metadata_json"])["document_type"] == "press_release"
    assert rows[URLS["wiredgov"]]["source_url"] == RELEASE_URL
    schema = pq.read_schema(next((out / "documents").glob("*.parquet")))
    assert schema.field("licence").metadata[b"description"].startswith(b"OGL-3.0")
    meta = pq.ParquetFile(next((out / "documents").glob("*.parquet"))).metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"


def test_duckdb_reads_the_output(built: Any) -> None:
    out = built[0]
    con = duckdb.connect()
    per_site = dict(con.execute(
        f"SELECT site, count(*) FROM '{out}/documents/*.parquet' GROUP BY site ORDER BY site").fetchall())
    assert per_site == {"govuk": 2, "iconic": 1, "independent": 2, "mirage": 1, "wiredgov": 1}
    joined = con.execute(f"""
        SELECT d.outlet, s.reused_share FROM '{out}/syndication/*.parquet' s
        JOIN '{out}/documents/*.parquet' d ON d.id = s.copy_id ORDER BY s.reused_share DESC""").fetchall()
    assert [o for o, _ in joined][:2] == ["Wired-Gov", "Mirage News"] and len(joined) == 4


def test_card_has_counts_schema_licences_and_loading(built: Any) -> None:
    card = (built[0] / "README.md").read_text()
    assert "| 2025-10 |" in card and "| **all** |" in card
    assert "OGL-3.0" in card and "publisher-copyright" in card
    assert 'load_dataset("DATASET", name="documents"' in card and "duckdb" in card
    assert card.startswith("---\nlicense: other\n") and "- config_name: alignments" in card
    assert "`revision_ids`" in card and "govwire 0.1.0" in card and "wiredgov 2026.11.23-1" in card


def test_rebuild_is_incremental(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = ["release", "other_release", "wiredgov", "mirage", "unrelated"]
    store, docs = seed_store(tmp_path / "store", first)
    s1 = build(tmp_path / "store", tmp_path / "out", capsys=capsys)
    before = tree(tmp_path / "out")
    old_shards = {k: v for k, v in before.items() if k.startswith("documents/")}
    assert len(old_shards) == 1 and s1["rows_new"] == 5
    for name in ("mirage_dup", "iconic", "independent"):
        write_doc(store, docs[name])
    s2 = build(tmp_path / "store", tmp_path / "out", capsys=capsys)
    after = tree(tmp_path / "out")
    for k, v in old_shards.items():
        assert after[k] == v  # untouched, byte for byte
    new = sorted(k for k in after if k.startswith("documents/") and k not in old_shards)
    assert len(new) == 1 and s2["shards_new"] == new and s2["rows_new"] == 2
    assert {r["url"] for r in pq.read_table(tmp_path / "out" / new[0]).to_pylist()} == {
        URLS["iconic"], URLS["independent"]}
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert {s["file"] for s in manifest["shards"]} == set(old_shards) | set(new)
    assert manifest["rows"][docs["iconic"]["id"]]["shard"] == new[0]
    assert sorted(manifest["rows"][docs["mirage"]["id"]]["revisions"]) == sorted(
        [docs["mirage"]["id"], docs["mirage_dup"]["id"]])  # late duplicate recorded
    assert len(_links(tmp_path / "out")) == 4
    urls = {r["url"] for r in table(tmp_path / "out", "urls")}
    assert URLS["mirage_dup"] in urls
    s3 = build(tmp_path / "store", tmp_path / "out", capsys=capsys)
    assert s3["rows_new"] == 0 and s3["shards_new"] == [] and tree(tmp_path / "out") == after


def test_build_is_deterministic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed_store(tmp_path / "store")
    build(tmp_path / "store", tmp_path / "a", "--shard-rows", "3", capsys=capsys)
    build(tmp_path / "store", tmp_path / "b", "--shard-rows", "3", capsys=capsys)
    a, b = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert a == b and len([k for k in a if k.startswith("documents/")]) == 3


def test_outlet_text_is_opt_in(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed_store(tmp_path / "store")
    build(tmp_path / "store", tmp_path / "out", capsys=capsys)
    for r in table(tmp_path / "out", "documents"):
        if r["is_release"]:
            assert r["text"]
        else:
            assert r["text"] is None and r["description"] is None
            assert r["url"] and r["warc_file"] and r["word_count"] > 0 and r["content_digest"]
    links = [r for r in table(tmp_path / "out", "syndication") if r["linked"]]
    assert len(links) == 4 and all(r["added_paragraphs"] == [] for r in links)
    assert max(r["added_paragraph_count"] for r in links) >= 10
    aligned = table(tmp_path / "out", "alignments")
    assert aligned and all(a["copy_text"] is None for a in aligned)  # alignments kept, no text
    assert any(a["release_text"] for a in aligned)                    # the OGL side is kept
    assert "--include-outlet-text" in (tmp_path / "out" / "README.md").read_text()
    rc = main(["dataset", "build", "--store", str(tmp_path / "store"), "--out", str(tmp_path / "out"),
               "--quiet", "--include-outlet-text"])
    assert rc == 1 and "outlet_text" in capsys.readouterr().err


def test_sites_and_since_filters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed_store(tmp_path / "store")
    s = build(tmp_path / "store", tmp_path / "out", "--sites", "iconic,independent",
              "--since", "2025-10-08", capsys=capsys)
    rows = table(tmp_path / "out", "documents")
    assert {r["url"] for r in rows} == {URLS["iconic"], URLS["independent"]}  # unrelated is older
    assert s["filtered_out"] == 1
    links = table(tmp_path / "out", "syndication")  # releases still indexed for matching
    assert {r["copy_url"] for r in links} == {URLS["iconic"], URLS["independent"]}


def test_jsonl_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed_store(tmp_path / "store")
    build(tmp_path / "store", tmp_path / "out", "--format", "jsonl", capsys=capsys)
    lines = [json.loads(x) for f in (tmp_path / "out" / "documents").glob("*.jsonl")
             for x in f.read_text().splitlines()]
    assert len(lines) == 7 and all(isinstance(x["published"], str) for x in lines)
    rc = main(["dataset", "show-release", RELEASE_URL, "--out", str(tmp_path / "out"), "--json"])
    assert rc == 0 and len(json.loads(capsys.readouterr().out)["copies"]) == 4


def test_show_release_from_dataset_and_from_store(built: Any, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = built[0]
    assert main(["dataset", "show-release", RELEASE_URL, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "4 copies linked" in text
    for outlet in ("Wired-Gov", "Mirage News", "The Independent", "Donegal Democrat"):
        assert outlet in text
    url = RELEASE_URL.replace("https://www.", "http://") + "/"
    assert main(["dataset", "show-release", url, "--store", str(tmp_path / "store"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {c["copy_url"] for c in data["copies"]} == {URLS[n] for n in ("wiredgov", "mirage", "iconic", "independent")}
    assert main(["dataset", "show-release", URLS["unrelated"], "--out", str(out)]) == 0  # a copy: no copies of it
    capsys.readouterr()
    assert main(["dataset", "show-release", "https://www.gov.uk/nope", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("govwire: error: ")


@pytest.mark.parametrize("setup", ["missing", "empty", "not-a-dataset"])
def test_bad_inputs_are_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], setup: str) -> None:
    store = tmp_path / "store"
    out = tmp_path / "out"
    if setup == "empty":
        store.mkdir()
    if setup == "not-a-dataset":
        seed_store(store)
        out.mkdir()
        (out / "manifest.json").write_text("{not json")
    rc = main(["dataset", "build", "--store", str(store), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 1 and err.count("\n") == 1 and err.startswith("govwire: error: ")
    assert "Traceback" not in err
    if setup == "missing":
        assert not store.exists()  # never created by a typo


def test_corrupt_documents_are_skipped_and_counted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store, _ = seed_store(tmp_path / "store")
    store.put_bytes("docs/mirage/00/00aa/20251009000000-deadbeef.json", b'{"id": "x", "url": ')
    store.put_bytes("docs/mirage/00/00aa/20251009000001-deadbeef.json", b'\xff\xfe garbage')
    store.put_bytes("docs/mirage/00/00aa/20251009000002-deadbeef.json", json.dumps(
        {"id": "y", "url": "https://x.test/", "text": "", "content_digest": "sha256:e3"}).encode())
    store.put_bytes("docs/mirage/00/00aa/20251009000003-deadbeef.json", b'["a list"]')
    s = build(tmp_path / "store", tmp_path / "out", capsys=capsys)
    assert s["skipped"] == {"corrupt JSON": 2, "empty text": 1, "missing id, url, text, content_digest": 1}
    assert s["rows_total"] == 7 and s["links"] == 4
    rc = main(["dataset", "build", "--store", str(tmp_path / "store"), "--out", str(tmp_path / "o2"),
               "--quiet"])
    assert rc == 0 and "skipped 2: corrupt JSON" in capsys.readouterr().out


def test_progress_lines_when_not_a_tty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from archive.dataset import BuildOptions, build_dataset
    from archive.dataset.progress import Progress
    store, _ = seed_store(tmp_path / "store")
    import io
    buf = io.StringIO()
    build_dataset(store, LocalStore(tmp_path / "out"), BuildOptions(),
                  progress=Progress(stream=buf, interval=0))
    assert "govwire: dataset: scan: 1/8" in buf.getvalue()
    assert "match and write" in buf.getvalue()
