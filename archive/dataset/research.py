"""Research columns researchers used to dig out of `metadata_json`: organisations, people,
document type, content id, government, section, BCP 47 language.

The GOV.UK spider keeps the Content API's fields in the document's metadata
(crawler/spiders/govuk.py `content_metadata`): organisations and people as
``{"slug", "title", ...}`` dicts (the Search API fallback gives organisations only), the
government as ``{"title", "slug", "current"}``, ``change_history`` as
``[{"public_timestamp", "note"}]``. Outlets carry a feed category or a URL path section.
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

__all__ = ["research_columns", "bcp47", "section_of", "department_of", "change_history"]

_TAG = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")


def bcp47(value: Any, default: str | None = None) -> str | None:
    """A language code as a BCP 47 tag: ``en_GB`` -> ``en-GB``, ``EN`` -> ``en``, ``zh-hant`` ->
    ``zh-Hant``; None (or `default`) when it is not a language tag at all."""
    if not isinstance(value, str) or not _TAG.match(value.strip()):
        return default
    parts = value.strip().replace("_", "-").split("-")
    out = [parts[0].lower()]
    for p in parts[1:]:
        if len(p) == 4 and p.isalpha():
            out.append(p.title())       # script
        elif (len(p) == 2 and p.isalpha()) or (len(p) == 3 and p.isdigit()):
            out.append(p.upper())       # region
        else:
            out.append(p.lower())
    return "-".join(out)


def _titles(items: Any) -> list[str]:
    out = []
    for x in items if isinstance(items, list) else []:
        t = x.get("title") if isinstance(x, dict) else x if isinstance(x, str) else None
        if isinstance(t, str) and t.strip() and t.strip() not in out:
            out.append(t.strip())
    return out


def department_of(meta: dict[str, Any]) -> str | None:
    """The (first) publishing organisation: the unit whose standard paragraphs repeat."""
    orgs = meta.get("organisations")
    if isinstance(orgs, list) and orgs:
        o = orgs[0]
        if isinstance(o, dict):
            return str(o.get("slug") or o.get("title") or "") or None
        return str(o) or None
    return None


def section_of(url: str | None, meta: dict[str, Any]) -> str | None:
    """Feed category / section if the crawl kept one, else the URL's directory path
    (``news/uk/politics``), numeric ids and the slug dropped."""
    for k in ("section", "category", "categories"):
        v = meta.get(k)
        if isinstance(v, list):
            v = next((x for x in v if isinstance(x, str) and x.strip()), None)
        if isinstance(v, str) and v.strip():
            return v.strip()
    path = urlsplit(url or "").path
    segs = [s for s in path.split("/") if s][:-1]
    segs = [s for s in segs if not s.isdigit() and s not in ("wg", "news.nsf", "articles")]
    return "/".join(segs[:3]) or None


def change_history(meta: dict[str, Any]) -> list[dict[str, str]]:
    out = []
    for c in meta.get("change_history") or []:
        if isinstance(c, dict):
            out.append({"public_timestamp": str(c.get("public_timestamp") or ""),
                        "note": str(c.get("note") or "")})
    return sorted(out, key=lambda c: c["public_timestamp"])


def research_columns(doc: dict[str, Any], meta: dict[str, Any], is_release: bool,
                     url: str | None) -> dict[str, Any]:
    """The documents table's research columns for one stored document."""
    gov: dict[str, Any] = meta["government"] if isinstance(meta.get("government"), dict) else {}
    language = bcp47(doc.get("language")) or bcp47(meta.get("locale"))
    return {
        "organisations": _titles(meta.get("organisations")) if is_release else [],
        "people": _titles(meta.get("people")) if is_release else [],
        "document_type": (meta.get("document_type") or None) if is_release else None,
        "content_id": (meta.get("content_id") or None) if is_release else None,
        "government": (gov.get("title") or meta.get("government_name") or None)
        if is_release else None,
        "section": section_of(url, meta),
        "language": language,
        "change_history": change_history(meta) if is_release else [],
    }
