"""Dump clean()'s full to_dict() for every reference page, to diff two versions of the code.

A speed change that means to leave every document as it was is checked by dumping with the
old code, dumping with the new, and diffing: the golden, layout, real and eval pages and 150
generated bench pages (bench/crawl.py's synthetic site, same seed), ~360 pages in all.

    python bench/clean_identity.py dump OUT_DIR          # with the code of this checkout
    python bench/clean_identity.py diff OLD_DIR NEW_DIR  # exit 1 and the differing pages
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

BENCH_URL = "http://127.0.0.1/news/x.html"
BENCH_PAGES = 150


def _shared() -> Path:
    """../shared beside the checkout (a clone) or beside its parent (a git worktree)."""
    for d in (ROOT.parent / "shared", ROOT.parent.parent / "shared"):
        if (d / "real-pages").is_dir():
            return d
    raise SystemExit("no ../shared/real-pages beside the checkout")


def _read(p: Path) -> bytes:
    data = p.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def pages(bench_root: Path) -> list[tuple[str, bytes, str]]:
    """(name, page bytes, url) of every reference page."""
    out: list[tuple[str, bytes, str]] = []
    for page in sorted((ROOT / "tests" / "golden").glob("*/*/page.html*")):
        url = json.loads((page.parent / "meta.json").read_text(encoding="utf-8"))["url"]
        out.append((f"golden/{page.parent.parent.name}/{page.parent.name}", _read(page), url))
    for page in sorted((ROOT / "tests" / "layouts").glob("*/*.html")):
        url = json.loads((page.parent / "meta.json").read_text(encoding="utf-8"))["url"]
        out.append((f"layout/{page.parent.name}/{page.name}", _read(page), url))
    real = _shared() / "real-pages"
    for page in sorted(real.glob("*.html*")):
        out.append((f"real/{page.name}", _read(page), f"https://www.{page.name.split('_')[0]}/"))
    manifest = json.loads((real / "trafilatura-eval" / "manifest.json").read_text(encoding="utf-8"))
    for p in manifest:
        out.append((f"eval/{p['file']}", _read(real / "trafilatura-eval" / p["file"]),
                    p.get("url") or "https://example.org/"))
    from crawl import generate_site
    generate_site(bench_root, BENCH_PAGES)
    for page in sorted((bench_root / "news").glob("*.html")):
        out.append((f"bench/{page.name}", page.read_bytes(), BENCH_URL))
    return out


def dump(out_dir: Path) -> int:
    from cleaners import clean
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        todo = pages(Path(tmp))
    for name, data, url in todo:
        try:
            d = clean(data, url).to_dict()
        except Exception as e:  # noqa: BLE001 -- an error is an output too
            d = {"error": f"{type(e).__name__}: {e}"}
        (out_dir / (name.replace("/", "__") + ".json")).write_text(
            json.dumps(d, sort_keys=True, indent=0, ensure_ascii=False, default=str), encoding="utf-8")
    print(f"{len(todo)} pages dumped to {out_dir}")
    return 0


def diff(old: Path, new: Path) -> int:
    a = {p.name: p.read_text(encoding="utf-8") for p in old.glob("*.json")}
    b = {p.name: p.read_text(encoding="utf-8") for p in new.glob("*.json")}
    bad = sorted(n for n in a.keys() | b.keys() if a.get(n) != b.get(n))
    for n in bad:
        print("differs:", n)
    print(f"{len(a)} / {len(b)} pages, {len(bad)} differ")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("dump").add_argument("out", type=Path)
    d = sub.add_parser("diff")
    d.add_argument("old", type=Path)
    d.add_argument("new", type=Path)
    a = ap.parse_args(argv)
    return dump(a.out) if a.cmd == "dump" else diff(a.old, a.new)


if __name__ == "__main__":
    sys.exit(main())
