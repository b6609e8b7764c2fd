"""The built dataset loads as it is with Hugging Face `datasets` (one config per table, from
the card's YAML header, offline), DuckDB and polars; files are world-readable and nothing but
the dataset is left in the output folder."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

from archive.dataset.schema import DERIVED
from crawler.cli import main
from tests.dataset_helpers import RELEASE_URL, seed_store

TABLES = ("documents", *DERIVED)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("load")
    seed_store(root / "store")
    assert main(["dataset", "build", "--store", str(root / "store"), "--out", str(root / "out"),
                 "--quiet"]) == 0
    return root / "out"


def _rows(out: Path, table: str) -> int:
    return sum(pq.read_metadata(p).num_rows for p in (out / table).glob("*.parquet"))


def test_only_the_dataset_world_readable(out: Path) -> None:
    names = {p.name for p in out.iterdir()}
    assert names == {"README.md", "manifest.json", *TABLES}
    for p in out.rglob("*"):
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode & stat.S_IROTH, p
        if p.is_dir():
            assert mode & stat.S_IXOTH, p
        assert not p.name.startswith("."), p


def test_hf_datasets_loads_every_config(out: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf" / "datasets"))
    from datasets import load_dataset
    for table in TABLES:
        ds = load_dataset(str(out), name=table, split="train")
        assert ds.num_rows == _rows(out, table), table
    docs = load_dataset(str(out), split="train")  # the default config
    assert "is_release" in docs.column_names and docs.num_rows == 7
    links = load_dataset(str(out), name="syndication", split="train").filter(lambda r: r["linked"])
    assert sorted(links["release_url"]) == [RELEASE_URL] * 4
    assert sorted(os.listdir(out)) == sorted(["README.md", "manifest.json", *TABLES])  # no cache


def test_duckdb_and_polars(out: Path) -> None:
    con = duckdb.connect()
    kinds = dict(con.execute(f"""
        SELECT a.kind, count(*) FROM '{out}/alignments/*.parquet' a
        JOIN '{out}/syndication/*.parquet' s ON s.copy_id = a.copy_id AND s.linked
        GROUP BY 1""").fetchall())
    assert {"verbatim", "quote", "added"} <= set(kinds)
    owners = dict(con.execute(f"SELECT outlet, kind FROM '{out}/outlets/*.parquet'").fetchall())
    assert owners["Wired-Gov"] == "aggregator" and owners["GOV.UK"] == "government"
    docs = pl.read_parquet(f"{out}/documents/*.parquet")
    rel = docs.filter(pl.col("url") == RELEASE_URL).row(0, named=True)
    assert rel["document_type"] == "press_release" and rel["content_id"]
    assert rel["organisations"] == ["Foreign, Commonwealth & Development Office"]
    assert docs.filter(~pl.col("is_release"))["text"].null_count() == 5
    copies = pl.read_parquet(f"{out}/copies/*.parquet")
    assert copies.filter(pl.col("source_status") == "linked").height == 4


def test_hf_datasets_loads_a_jsonl_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf" / "datasets"))
    seed_store(tmp_path / "store")
    assert main(["dataset", "build", "--store", str(tmp_path / "store"), "--out", str(tmp_path / "out"),
                 "--quiet", "--format", "jsonl"]) == 0
    from datasets import load_dataset
    links = load_dataset(str(tmp_path / "out"), name="syndication", split="train")
    assert sum(links["linked"]) == 4
    assert load_dataset(str(tmp_path / "out"), name="alignments", split="train").num_rows > 20
