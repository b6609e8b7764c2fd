"""`govwire probe SITE`: fetch a site's feed and a few articles now, clean them, and judge.

Operators run it when a site may have changed; it runs the site's own spider (same discovery,
selection, politeness and cleaners as a crawl) into a scratch store that is thrown away, and
reads the real store only for learned boilerplate. Each page gets a verdict; the site is
"broken" when discovery found nothing, nothing was selected, every text is empty, or known
junk or cleaner fallbacks show on most pages (docs/quality.md).
"""
from __future__ import annotations

import statistics
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.seeds import Quality

__all__ = ["ProbeResult", "page_verdict", "run_probe", "site_problems"]


def page_verdict(page: dict[str, Any], quality: Quality) -> str:
    """ok, rejected, FAILED, EMPTY (too few words), FALLBACK (site cleaner failed), LEAK (junk)."""
    if page.get("failed"):
        return "FAILED"
    if not page.get("selected"):
        return "rejected"
    if page.get("words", 0) < quality.min_words:
        return "EMPTY"
    if page.get("cleaner") == "fallback":
        return "FALLBACK"
    if page.get("junk"):
        return "LEAK"
    return "ok"


def site_problems(rec: dict[str, Any], quality: Quality) -> list[str]:
    """Why the site looks broken (empty when it looks healthy)."""
    pages = rec.get("pages") or []
    selected = [p for p in pages if p.get("selected")]
    verdicts = [page_verdict(p, quality) for p in selected]
    out: list[str] = []
    api = rec.get("search_api")
    if api and not api.get("ok"):
        out.append(f"Search API failed ({api.get('error')}); discovery fell back to the feeds")
    if not rec.get("entries"):
        out.append("discovery found no entries (feed or search empty, moved or unreadable)")
    elif not selected:
        fetched = [p for p in pages if not p.get("failed")]
        out.append(f"nothing selected of {len(fetched)} page(s) fetched" if fetched else
                   "no article page could be fetched")
    if selected and all(v == "EMPTY" for v in verdicts):
        out.append(f"every text empty (under {quality.min_words} words)")
    for verdict, what in (("LEAK", "known junk signatures leak"), ("FALLBACK", "the site cleaner fails")):
        n = verdicts.count(verdict)
        if selected and n * 2 > len(selected):
            out.append(f"{what} on {n} of {len(selected)} page(s)")
    return out


@dataclass
class ProbeResult:
    site: str
    record: dict[str, Any]
    quality: Quality
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> list[dict[str, Any]]:
        return list(self.record.get("pages") or [])

    @property
    def problems(self) -> list[str]:
        return site_problems(self.record, self.quality)

    def median_words(self) -> int:
        words = [p["words"] for p in self.pages if p.get("selected")]
        return int(statistics.median(words)) if words else 0


def run_probe(site: str, *, pages: int, store_uri: str | None, settings: dict[str, Any]) -> ProbeResult:
    """Run SITE's spider for `pages` articles into a scratch store; the real store is read only."""
    from crawler.runner import run_spiders
    from crawler.seeds import load_seed

    quality = load_seed(site, settings=None).quality
    extra = dict(settings)
    extra.update({"GOVWIRE_PROBE": True, "GOVWIRE_LOCK": False, "GOVWIRE_KEEP_OUTCOMES": False})
    if store_uri and ("://" in store_uri or Path(store_uri).expanduser().is_dir()):
        extra["GOVWIRE_QUALITY_STORE"] = store_uri  # learned boilerplate and run history
    with tempfile.TemporaryDirectory(prefix="govwire-probe-") as tmp:
        # no archive yet: learn from an empty one (never create the default ./data)
        extra.setdefault("GOVWIRE_QUALITY_STORE", str(Path(tmp, "empty")))
        summary = run_spiders([(site, {"max_items": str(pages)})], store_uri=str(Path(tmp, "scratch")),
                              settings=extra)
    s = summary.sites.get(site, {})
    return ProbeResult(site, dict(s.get("quality") or {}), quality, s)
