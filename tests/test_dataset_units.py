"""Units of the dataset build: standard-text counting, research columns, outlets, and the
boilerplate-heavy store that used to make every release a candidate for every copy."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from archive.dataset import BuildOptions, build_dataset
from archive.dataset.docfreq import DocFrequency
from archive.dataset.outlets import outlet_for, outlet_rows
from archive.dataset.research import bcp47, section_of
from archive.dataset.syndication import shingles
from archive.storage import LocalStore

NOTES = "Notes to editors: the press office is open from nine until six on weekdays only."


def test_common_shingles_per_department_and_overall() -> None:
    df = DocFrequency()
    dept_text = shingles("Media enquiries for the Department for Transport go to the roads desk on 020")
    own = ["Rail fares will be frozen next year for season tickets",
           "A new bridge over the estuary opens to traffic on Monday",
           "Bus operators get funding to keep rural routes running"]
    for i in range(3):  # 3 releases of department 1 share a paragraph: common
        df.add(i, 1, np.union1d(shingles(own[i]), dept_text))
    other = shingles("A joint statement by two departments about flooding in the south west")
    df.add(10, 2, other)  # the same passage in 2 releases of 2 departments: still distinctive
    df.add(11, 3, other)
    notes = shingles(NOTES)
    for i in range(20, 25):  # 5 releases of unknown departments: common overall
        df.add(i, 0, notes)
    df.add(0, 1, dept_text)  # a second revision of release 0 counts once
    common = df.common()
    assert np.isin(dept_text, common).all() and np.isin(notes, common).all()
    assert not np.isin(other, common).any()
    assert not any(np.isin(shingles(t), common).any() for t in own)


def test_bcp47_section_and_outlets() -> None:
    assert [bcp47(x) for x in ("en", "EN", "en_GB", "en-gb", "zh-hant-tw", "cy", "", None, "not a tag!")] == [
        "en", "en", "en-GB", "en-GB", "zh-Hant-TW", "cy", None, None, None]
    assert section_of("https://www.independent.co.uk/news/uk/politics/slug-b123.html", {}) == "news/uk/politics"
    assert section_of("https://www.donegallive.ie/news/national-news/1234567/slug.html", {}) == "news/national-news"
    assert section_of("https://x.test/a/b.html", {"categories": ["UK Gov"]}) == "UK Gov"
    assert outlet_for("https://www.limerickleader.ie/news/x").kind == "wire reprint"  # type: ignore[union-attr]
    assert outlet_for("https://miragenews.com/x/").country == "AU"  # type: ignore[union-attr]
    rows = {r["outlet"]: r for r in outlet_rows({"Mystery Gazette": {"gazette.test"},
                                                 "The Independent": {"independent.co.uk"}})}
    assert rows["Mystery Gazette"]["known"] is False and rows["Mystery Gazette"]["owner"] is None
    assert rows["The Independent"]["paywall"] == "registration"


def test_boilerplate_heavy_store_keeps_candidates_near_links(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("bench_dataset", Path(__file__).parents[1] / "bench" / "dataset.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.generate(tmp_path / "store", 800, boilerplate=True, days=7)
    s = build_dataset(LocalStore(tmp_path / "store"), LocalStore(tmp_path / "out"), BuildOptions())
    assert s.common_shingles > 100          # the standard paragraphs were found
    assert s.links > 0.5 * s.copies         # verbatim reprints and PA rewrites still link
    assert s.candidates < 1.3 * s.copies    # not every release of a department for every copy


def test_manifest_rows_are_written_as_json_indents_them() -> None:
    """build.py writes the manifest's row map a row at a time with its own formatter: it must
    give json.dumps(..., sort_keys=True, indent=1, ensure_ascii=False)'s bytes for any row."""
    import json
    import random

    from archive.dataset.build import _manifest_row

    rng = random.Random(5)

    def text() -> str:
        return "".join(rng.choice('ab"\\\u00e9\u2028\n\t/x<\x00') for _ in range(rng.randint(0, 6)))

    def value() -> object:
        return rng.choice([text, lambda: [text() for _ in range(rng.randint(0, 3))], lambda: None,
                           lambda: rng.randint(-5, 99), lambda: rng.random() < 0.5, rng.random,
                           lambda: {"a": [1, {"b": None}]}])()

    for _ in range(3000):
        meta = {k: value() for k in rng.sample(["group", "shard", "site", "month", "revisions", "x", "n"],
                                                rng.randint(0, 6))}
        rid = text()
        want = json.dumps({rid: meta}, sort_keys=True, indent=1, ensure_ascii=False).split("\n")[1:-1]
        assert _manifest_row(rid, meta) == "\n".join(" " + line for line in want)
