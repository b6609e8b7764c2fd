"""Per-run quality of one site over time, for the site page's charts.

Crawls that record telemetry (issue 10: `telemetry/<site>/<YYYY>/<MM>/<run>.json`) are read
as they are. For older stores the runs are derived from the documents: the documents one run
made share a fetch minute, and give the fallback share, the junk signatures still in their
text and their median words. A sudden change in any of these is how a site's redesign shows.
"""
from __future__ import annotations

import json
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from archive.errors import NotFound
from archive.keys import safe_site
from archive.storage import Store
from crawler.web.catalog import DocRow

__all__ = ["Run", "chart", "site_runs"]


@dataclass
class Run:
    when: str                 # ISO time the run started (or its documents' fetch minute)
    documents: int
    fallback_share: float
    junk_hits: int
    median_words: float
    alarms: list[str] = field(default_factory=list)
    source: str = "telemetry"  # telemetry | documents


def _from_record(rec: dict[str, Any]) -> Run:
    junk = rec.get("junk_hits")
    hits = sum(junk.values()) if isinstance(junk, dict) else int(junk or 0)
    return Run(when=str(rec.get("started") or rec.get("finished") or ""),
               documents=int(rec.get("documents") or 0),
               fallback_share=float(rec.get("fallback_share") or 0.0), junk_hits=hits,
               median_words=float(rec.get("median_words") or 0),
               alarms=[str(a) for a in rec.get("alarms") or []])


def site_runs(store: Store, site: str, rows: list[DocRow]) -> list[Run]:
    """Oldest first."""
    runs = []
    for key in store.list(f"telemetry/{safe_site(site)}/"):
        if not key.endswith(".json"):
            continue
        try:
            runs.append(_from_record(json.loads(store.get_bytes(key))))
        except (NotFound, ValueError, UnicodeDecodeError, TypeError, AttributeError):
            continue
    if runs:
        return sorted(runs, key=lambda r: r.when)
    groups: dict[str, list[DocRow]] = defaultdict(list)
    for r in rows:
        if r.site == site and r.fetched_at:
            groups[r.fetched_at[:16]].append(r)
    out = []
    for when, docs in sorted(groups.items()):
        out.append(Run(when=when, documents=len(docs),
                       fallback_share=sum(d.cleaner == "fallback" for d in docs) / len(docs),
                       junk_hits=sum("junk-leak" in d.alarms for d in docs),
                       median_words=statistics.median(d.word_count for d in docs),
                       alarms=sorted({a for d in docs for a in d.alarms}), source="documents"))
    return out


def chart(values: list[float], width: int = 560, height: int = 120, pad: int = 8
          ) -> dict[str, Any]:
    """Polyline points for a small SVG line chart (numbers only; the template draws it)."""
    if not values:
        return {"points": "", "dots": [], "max": 0, "width": width, "height": height}
    top = max(values) or 1.0
    n = len(values)
    step = (width - 2 * pad) / (n - 1) if n > 1 else 0
    pts = [(round(pad + i * step, 1), round(height - pad - (v / top) * (height - 2 * pad), 1))
           for i, v in enumerate(values)]
    return {"points": " ".join(f"{x},{y}" for x, y in pts), "dots": pts, "max": top,
            "width": width, "height": height}
