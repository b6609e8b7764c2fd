"""Write-ahead cost: the WARC group commit (fsync before any pointer is handed out) against
plain appends, in one run on the same disk.

    python bench/warc_commit.py [--records 2000] [--dir DIR]

(a) baseline: RotatingWarcWriter.write_exchange in a loop, one fsync at close (the old path);
(b) SiteWriter, all records queued at once (a busy crawl: one fsync per batch);
(c) SiteWriter, each record awaited before the next is queued (worst case: one fsync per record).
Records are ~111 KB HTML responses, like bench/crawl.py's pages. Prints records/s and ratios.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.warc import Exchange, RotatingWarcWriter  # noqa: E402
from crawler.session import SiteWriter  # noqa: E402


def exchanges(n: int) -> list[Exchange]:
    rng = random.Random(1)
    words = "government minister council funding report policy public service people local".split()
    out = []
    for i in range(n):
        body = ("<html><body>" + " ".join(rng.choice(words) for _ in range(16000)) + "</body></html>").encode()
        out.append(Exchange(url=f"https://www.gov.uk/news/{i}", method="GET",
                            request_headers=[(b"Host", b"www.gov.uk")], request_body=b"", status=200,
                            response_headers=[(b"Content-Type", b"text/html")], body=body))
    return out


def run(kind: str, exs: list[Exchange], root: Path) -> float:
    d = root / kind
    d.mkdir()
    w = RotatingWarcWriter(d, "bench")
    t = time.perf_counter()
    if kind == "baseline":
        for ex in exs:
            w.write_exchange(ex)
        w.close()
    else:
        sw = SiteWriter(w)
        if kind == "batched":
            futs = [sw.submit(ex, None) for ex in exs]
            for f in futs:
                f.result()
        else:
            for ex in exs:
                sw.submit(ex, None).result()
        sw.close()
    return len(exs) / (time.perf_counter() - t)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=2000)
    ap.add_argument("--dir", help="where to write (default: a temp dir on the current disk)")
    a = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="govwire-bench-", dir=a.dir or os.getcwd()))
    try:
        exs = exchanges(a.records)
        base = run("baseline", exs, root)
        batched = run("batched", exs, root)
        each = run("each", exs, root)
        print(f"baseline (no fsync until close)   {base:8.1f} records/s")
        print(f"group commit, queued at once      {batched:8.1f} records/s  ratio {batched / base:.2f}")
        print(f"group commit, one fsync per record {each:7.1f} records/s  ratio {each / base:.2f}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
