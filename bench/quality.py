"""Cost of issue 10's per-page work, each against a baseline timed in the same run:

- the extraction repair (`cleaners.extract_repair.restore_dropped_blocks`, with the tree copy
  it needs) against the whole `clean()` of the same page;
- the crawl's selection (`crawler.selection.gather` on the page Scrapy already parsed)
  against parsing the page with lxml (what Scrapy pays per page anyway).

Pages: golden cases, layout fixtures and the real Independent page in ../shared/real-pages
(read in place; skipped if absent). Median of REPEAT interleaved runs per page.

    python bench/quality.py [--repeat 7]
"""
from __future__ import annotations

import argparse
import copy
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lxml import html as lxml_html  # noqa: E402

from cleaners import clean  # noqa: E402
from cleaners.extract import extract_text, parse_html  # noqa: E402
from cleaners.extract_repair import restore_dropped_blocks  # noqa: E402
from crawler.selection import gather  # noqa: E402

FILTERS = {"sections": ["UK Gov"], "keywords": ["Foreign Secretary", "Home Office"], "bylines": ["UK Gov", "PA"],
           "source_domains": ["gov.uk"]}


def pages() -> list[tuple[str, bytes, str]]:
    out = []
    for page in sorted((ROOT / "tests" / "golden").glob("*/*/page.html*")):
        meta = json.loads((page.parent / "meta.json").read_text(encoding="utf-8"))
        data = page.read_bytes()
        out.append((page.parent.name, gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data, meta["url"]))
    for d in sorted((ROOT / "tests" / "layouts").iterdir()):
        if (d / "meta.json").is_file():
            url = json.loads((d / "meta.json").read_text(encoding="utf-8"))["url"]
            out += [(f"{d.name}/{p.stem}", p.read_bytes(), url) for p in sorted(d.glob("*.html"))]
    for base in (ROOT.parent / "shared", ROOT.parent.parent / "shared"):
        real = base / "real-pages" / "independent.co.uk_2024-11-22_laos-methanol.html.gz"
        if real.is_file():
            out.append(("real/independent-laos", gzip.decompress(real.read_bytes()),
                        "https://www.independent.co.uk/asia/laos-methanol-b2652044.html"))
            break
    return out


def timed(fn, *args):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    items = pages()
    c_clean, c_repair, c_parse, c_select = [], [], [], []
    for _, data, url in items:
        text = data.decode("utf-8", "replace")
        tree = parse_html(text)
        extracted = extract_text(copy.deepcopy(tree), url)
        runs: dict[str, list[float]] = {"clean": [], "repair": [], "parse": [], "select": []}
        for _ in range(args.repeat):
            runs["clean"].append(timed(clean, data, url))
            runs["repair"].append(timed(lambda: restore_dropped_blocks(copy.deepcopy(tree), extracted)))
            runs["parse"].append(timed(lxml_html.document_fromstring, data))
            root = lxml_html.document_fromstring(data)
            runs["select"].append(timed(gather, root, FILTERS))
        c_clean.append(statistics.median(runs["clean"]))
        c_repair.append(statistics.median(runs["repair"]))
        c_parse.append(statistics.median(runs["parse"]))
        c_select.append(statistics.median(runs["select"]))
    n = len(items)
    print(f"{n} pages, median of {args.repeat} runs each")
    print(f"clean()             {sum(c_clean) / n * 1000:7.2f} ms/page")
    print(f"  repair (+copy)    {sum(c_repair) / n * 1000:7.2f} ms/page   ratio to clean(): {sum(c_repair) / sum(c_clean):.3f}")
    print(f"lxml parse          {sum(c_parse) / n * 1000:7.2f} ms/page")
    print(f"  selection gather  {sum(c_select) / n * 1000:7.2f} ms/page   ratio to parse: {sum(c_select) / sum(c_parse):.3f}")
    worst = max(range(n), key=lambda i: c_select[i])
    print(f"slowest selection: {items[worst][0]} {c_select[worst] * 1000:.2f} ms (parse {c_parse[worst] * 1000:.2f} ms)")


if __name__ == "__main__":
    main()
