"""Time clean() against bare trafilatura.extract on the same pages, in the same run.

Pages: every golden case (tests/golden/*/*/page.html*) and the real eval pages
(../shared/real-pages/trafilatura-eval, read in place; skipped if absent). Each page is run REPEAT times per side, interleaved, and the
median is kept, so both sides see the same caches and CPU state.

    python bench/extract.py [--repeat 7]
"""
from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

import trafilatura

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaners import clean, cleaner_for_url  # noqa: E402


def pages() -> list[tuple[str, bytes, str]]:
    """(name, bytes, url) for every golden page and eval page."""
    out = []
    for page in sorted((ROOT / "tests" / "golden").glob("*/*/page.html*")):
        meta = json.loads((page.parent / "meta.json").read_text(encoding="utf-8"))
        data = page.read_bytes()
        out.append((f"{page.parent.parent.name}/{page.parent.name}",
                    gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data, meta["url"]))
    # ../shared beside the checkout (a clone) or beside its parent (a git worktree)
    eval_dir = next((d for d in (ROOT.parent / "shared" / "real-pages" / "trafilatura-eval",
                                 ROOT.parent.parent / "shared" / "real-pages" / "trafilatura-eval")
                     if (d / "manifest.json").is_file()), ROOT.parent / "shared")
    manifest = eval_dir / "manifest.json"
    for p in json.loads(manifest.read_text(encoding="utf-8")) if manifest.is_file() else []:
        if not p.get("url"):
            continue
        out.append((f"eval/{p['file'].removesuffix('.html.gz')}",
                    gzip.decompress((eval_dir / p["file"]).read_bytes()), p["url"]))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    rows = []
    for name, data, url in pages():
        clean(data, url)  # warm-up (imports, regex caches)
        trafilatura.extract(data, url=url)
        tc, tb = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            trafilatura.extract(data, url=url)
            t1 = time.perf_counter()
            clean(data, url)
            t2 = time.perf_counter()
            tb.append(t1 - t0)
            tc.append(t2 - t1)
        rows.append((name, len(data), statistics.median(tb) * 1e3, statistics.median(tc) * 1e3,
                     cleaner_for_url(url) is not None))
    print(f"{'page':58} {'KB':>6} {'bare ms':>8} {'clean ms':>9} {'ratio':>6}")
    for name, size, b, c, _ in rows:
        print(f"{name[:58]:58} {size / 1024:6.0f} {b:8.2f} {c:9.2f} {c / b:6.2f}")
    print()
    for label, group in (("all", rows),
                         ("site cleaner", [r for r in rows if r[4]]),
                         ("generic (no site cleaner)", [r for r in rows if not r[4]])):
        if not group:
            continue
        tb_sum, tc_sum = sum(r[2] for r in group), sum(r[3] for r in group)
        ratios = [r[3] / r[2] for r in group]
        print(f"{label}: {len(group)} pages: bare {tb_sum:.1f} ms, clean {tc_sum:.1f} ms, "
              f"total ratio {tc_sum / tb_sum:.2f}x, median page ratio {statistics.median(ratios):.2f}x, "
              f"worst {max(ratios):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
