"""clean() and bare trafilatura on the 169-page eval set: figures, and each failing page's checks.

Pages: ../shared/real-pages/trafilatura-eval (read in place; they belong to their publishers).
A page passes when its text holds every "with" string and no "without" string (whitespace
collapsed). Figures are printed for the whole set, the even/odd halves (manifest order) and a
hash hold-out: pages whose file name's SHA-1 ends in 0-2 (hex), about a fifth of the set, fixed
by the names alone so nobody picks it.

    python bench/generic_eval.py [--trafilatura] [--failures] [NAME ...]
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
from pathlib import Path

import trafilatura

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaners import clean  # noqa: E402
from cleaners.extract import TRAFILATURA_OPTIONS  # noqa: E402


def eval_dir() -> Path | None:
    for parent in (ROOT.parent, ROOT.parent.parent):
        d = parent / "shared" / "real-pages" / "trafilatura-eval"
        if (d / "manifest.json").is_file():
            return d
    return None


def held_out(file: str) -> bool:
    """The hash hold-out: about 3/16 of the pages, chosen by file name only."""
    return hashlib.sha1(file.encode()).hexdigest()[-1] in "012"


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trafilatura", action="store_true", help="score bare trafilatura instead")
    ap.add_argument("--failures", action="store_true", help="list each failing page's checks")
    ap.add_argument("names", nargs="*", help="only pages whose file name contains one of these")
    args = ap.parse_args()
    d = eval_dir()
    if d is None:
        print("eval set not found beside this checkout (../shared/real-pages/trafilatura-eval)")
        return 2
    pages = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    scores: dict[str, tuple[int, int]] = {}
    for p in pages:
        if args.names and not any(n in p["file"] for n in args.names):
            continue
        html = gzip.decompress((d / p["file"]).read_bytes())
        if args.trafilatura:
            text = trafilatura.extract(html, url=p["url"], **TRAFILATURA_OPTIONS) or ""
        else:
            text = clean(html, p["url"] or "").text
        t = _norm(text)
        missing = [s for s in p["with"] if _norm(s) not in t]
        leaked = [s for s in p["without"] if _norm(s) in t]
        scores[p["file"]] = (len(p["with"]) - len(missing), len(p["without"]) - len(leaked))
        if args.failures and (missing or leaked):
            print(f"FAIL {p['file']}{' (held out)' if held_out(p['file']) else ''}")
            for s in missing:
                print(f"    missing {s!r}")
            for s in leaked:
                print(f"    leaked  {s!r}")
    groups = {
        "all": [p for p in pages if p["file"] in scores],
        "even": [p for i, p in enumerate(pages) if i % 2 == 0 and p["file"] in scores],
        "odd": [p for i, p in enumerate(pages) if i % 2 == 1 and p["file"] in scores],
        "hash hold-out": [p for p in pages if held_out(p["file"]) and p["file"] in scores],
    }
    for name, group in groups.items():
        if not group:
            continue
        w = sum(scores[p["file"]][0] for p in group)
        o = sum(scores[p["file"]][1] for p in group)
        nw, no = sum(len(p["with"]) for p in group), sum(len(p["without"]) for p in group)
        passed = sum(scores[p["file"]] == (len(p["with"]), len(p["without"])) for p in group)
        print(f"{name}: pass {passed}/{len(group)}, with {w / nw:.3f} ({w}/{nw}), "
              f"without {o / no:.3f} ({o}/{no})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
