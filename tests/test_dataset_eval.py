"""Issue 12's proof: precision and recall of syndication links on a labelled set built from real
GOV.UK Content API releases (tests/syndication_eval.py), and the cases one by one."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from archive.dataset import BuildOptions, build_dataset
from archive.storage import LocalStore
from tests.syndication_eval import EvalSet, baseline, build_eval, score


def _table(out: Path, name: str) -> list[dict[str, Any]]:
    return [r for f in (out / name).glob("*.parquet") for r in pq.read_table(f).to_pylist()]


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory) -> tuple[EvalSet, Path]:
    root = tmp_path_factory.mktemp("eval")
    ev = build_eval(root / "store")
    build_dataset(ev.store, LocalStore(root / "out"), BuildOptions(outlet_text=True))
    return ev, root / "out"


def _by_case(ev: EvalSet, rows: list[dict[str, Any]], case: str, key: str = "copy_url") -> list[dict[str, Any]]:
    return [r for r in rows if ev.categories.get(r[key]) == case]


def test_precision_and_recall(evaluated: tuple[EvalSet, Path]) -> None:
    ev, out = evaluated
    s = score(ev, _table(out, "syndication"))
    assert s.expected == 20 and len(ev.expected) == 22
    assert s.precision >= 0.95 and s.recall >= 0.95, s.wrong
    b = score(ev, baseline(ev))  # the previous rule misses round-ups and quote-only copies,
    assert b.recall < s.recall and b.precision < s.precision  # and links unarchived releases' copies


def test_copies_of_unarchived_releases_are_marked_not_linked(evaluated: tuple[EvalSet, Path]) -> None:
    ev, out = evaluated
    rows = _table(out, "syndication")
    for url in ev.not_archived:
        mine = [r for r in rows if r["copy_url"] == url]
        assert mine and not any(r["linked"] for r in mine)
        assert all(r["source_archived"] is False for r in mine)
    copies = {c["url"]: c for c in _table(out, "copies")}
    assert {copies[u]["source_status"] for u in ev.not_archived} == {"source_not_archived"}
    assert all(copies[u]["boilerplate_share"] >= 0.1 for u in ev.not_archived)


def test_round_ups_link_to_every_source_and_decoys_to_none(evaluated: tuple[EvalSet, Path]) -> None:
    ev, out = evaluated
    rows = _table(out, "syndication")
    r3 = [r for r in _by_case(ev, rows, "roundup3") if r["linked"]]
    assert len(r3) == 3 and all(r["method"] == "text" for r in r3)
    assert not [r for r in _by_case(ev, rows, "decoy") if r["linked"]]
    copies = _by_case(ev, _table(out, "copies"), "decoy", key="url")
    assert copies and all(c["source_status"] == "no_match" for c in copies)


def test_quote_only_copies_link_with_a_quote_alignment(evaluated: tuple[EvalSet, Path]) -> None:
    ev, out = evaluated
    rows = _by_case(ev, _table(out, "syndication"), "quote_only")
    assert len(rows) == 2 and all(r["linked"] for r in rows)
    assert min(r["copy_share"] for r in rows) < 0.15  # the old threshold lost this one
    ids = {r["copy_id"] for r in rows}
    kinds = {a["kind"] for a in _table(out, "alignments") if a["copy_id"] in ids}
    assert "quote" in kinds and "added" in kinds


def test_revision_live_at_publication(evaluated: tuple[EvalSet, Path]) -> None:
    ev, out = evaluated
    rows = [r for r in _by_case(ev, _table(out, "syndication"), "revision") if r["linked"]]
    assert sorted(r["release_revision"] for r in rows) == [1, 2]
    assert {r["revision_basis"] for r in rows} == {"live_at_publication"}
    releases = [r for r in _table(out, "releases") if r["release_key"] == rows[0]["release_key"]]
    assert sorted((r["revision"], r["is_latest"], r["revision_count"]) for r in releases) == [
        (1, False, 2), (2, True, 2)]
    docs = {d["id"]: d for d in _table(out, "documents")}
    rev2 = next(r for r in releases if r["revision"] == 2)
    assert [c["note"] for c in docs[rev2["id"]]["change_history"]][-1] == "Corrected the FRANK text number."
    assert releases[0]["live_until"] is not None or releases[1]["live_until"] is not None


def test_alignment_kinds_and_wire_cluster(evaluated: tuple[EvalSet, Path]) -> None:
    ev, out = evaluated
    aligned = _table(out, "alignments")
    syn = _table(out, "syndication")
    edited = {r["copy_id"] for r in _by_case(ev, syn, "pa_edited")}
    assert "edited" in {a["kind"] for a in aligned if a["copy_id"] in edited}
    verbatim = {r["copy_id"] for r in _by_case(ev, syn, "verbatim")}
    kinds = {(a["kind"], a["copy_paragraph"] == 0) for a in aligned if a["copy_id"] in verbatim}
    assert kinds == {("verbatim", False), ("added", True)}  # all but the outlet's headline
    pa_mid = _by_case(ev, _table(out, "copies"), "pa_mid", key="url")
    assert len(pa_mid) == 2 and pa_mid[0]["wire_cluster_id"]
    assert pa_mid[0]["wire_cluster_id"] == pa_mid[1]["wire_cluster_id"]  # one PA story, two titles
    others = [c for c in _table(out, "copies") if c["url"] not in {p["url"] for p in pa_mid}]
    assert pa_mid[0]["wire_cluster_id"] not in {c["wire_cluster_id"] for c in others}


def test_research_columns_from_the_content_api(evaluated: tuple[EvalSet, Path]) -> None:
    _, out = evaluated
    docs = {d["url"]: d for d in _table(out, "documents")}
    frank = docs["https://www.gov.uk/government/news/new-frank-adverts-mark-tenth-anniversary--2"]
    assert frank["organisations"] == ["Home Office"] and frank["people"] == ["Jeremy Browne"]
    assert frank["document_type"] == "press_release" and frank["content_id"] == "5dc52233-7631-11e4-a3cb-005056011aef"
    assert frank["government"] == "2010 to 2015 Conservative and Liberal Democrat coalition government"
    arabic = next(d for d in docs.values() if d["is_release"] and d["language"] == "ar")
    assert arabic["organisations"] == ["Foreign, Commonwealth & Development Office"]
    pa = next(d for d in docs.values() if "independent.co.uk/news/pa_mid" in d["url"])
    assert pa["section"] == "news" and pa["organisations"] == [] and pa["content_id"] is None
