"""Build the fixture web (crawler/demo/web/ and crawler/demo/updates/) from the seeds and stories.

Run `python -m crawler.demo.build_web` after changing a template or a story; the output is
deterministic (no clock, no randomness) and committed, so tests never depend on this script.

What is imitated and how faithfully (see shared/sites.md):
- www.gov.uk: the reconstructed frontend skeleton of §1a with govspeak bodies; real bodies from
  publishing-api Content API examples (sources/content-api/) plus the seeds and invented stories;
  Content API JSON (§1b), Search API via the server's handler over `_search_index.json` (§1c),
  organisation Atom feeds, sitemap and the live robots.txt (§1d).
- www.independent.co.uk / www.standard.co.uk: element structure from the saved real pages (§2c/§2e:
  ids, data-component, header#articleHeader, div#main > p). The donation block's DOM is invented
  (no saved HTML exists), with exactly the strings of seed 003.
- www.wired-gov.net, www.miragenews.com, www.donegallive.ie, www.limerickleader.ie: no saved HTML
  exists, so the DOM is INVENTED around the text layouts of §2a/§2b/§2d; each page says so in a comment.
"""
from __future__ import annotations

import html
import json
import re
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from crawler.demo.stories import (DSIT, FCDO, HO, INDEPENDENT_OTHER, ICONIC_LOCAL, MIRAGE_OTHER,
                                  NEW_IN_UPDATE_1, ORGS, PEOPLE, STANDARD_OTHER, STORIES,
                                  UPDATE_1_AT, UPDATE_1_NOTE, UPDATE_1_PARA, GovStory, Org)

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"
TEMPLATES = HERE / "sites"   # one small template per outlet added without code (docs/adding-a-site.md)
E = html.escape
NS = uuid.UUID("6f1c0d52-8a3e-4b7a-9d0e-2f4f3c1a9b10")

HTML = "text/html; charset=utf-8"
JSON_T = "application/json; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
RSS = "application/rss+xml; charset=UTF-8"
XML = "application/xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
LABELS = {"press_release": "Press release", "news_story": "News story",
          "government_response": "Government response", "world_news_story": "World news story",
          "guidance": "Guidance"}


# ------------------------------------------------------------------------------------------------
class Site:
    """Files and routes of one host, written as <out>/<host>/… plus _routes.json."""

    def __init__(self, host: str, **host_cfg: Any) -> None:
        self.host = host
        self.files: dict[str, bytes] = {}
        self.routes: dict[str, Any] = {"_host": host_cfg} if host_cfg else {}

    def add(self, key: str, file: str, content: str | bytes, ctype: str = HTML, *,
            last_modified: str | None = None, template: bool = False, **extra: Any) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        self.files[file] = data
        route: dict[str, Any] = {"file": file, "type": ctype}
        if last_modified:
            route["last_modified"] = iso_z(last_modified)
        if template:
            route["template"] = True
        route.update(extra)
        self.routes[key] = route

    def redirect(self, key: str, target: str, status: int = 301) -> None:
        self.routes[key] = {"redirect": target, "status": status}

    def write(self, out: Path) -> None:
        d = out / self.host
        for rel, data in self.files.items():
            p = d / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        (d / "_routes.json").write_text(dumps(self.routes), encoding="utf-8")


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def iso_z(value: str) -> str:
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def dt(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def long_date(value: str) -> str:
    d = dt(value)
    return f"{d.day} {d.strftime('%B %Y')}"


def rfc822(value: str) -> str:
    return format_datetime(dt(value).astimezone(timezone.utc), usegmt=True)


def cid(*parts: str) -> str:
    return str(uuid.uuid5(NS, "/".join(parts)))


def slugify(text: str, words: int | None = None) -> str:
    w = re.sub(r"[^a-z0-9]+", " ", text.lower().replace("’", "").replace("'", "")).split()
    return "-".join(w[:words] if words else w)


def title_case(text: str) -> str:
    small = {"a", "an", "and", "at", "of", "the", "to", "in", "on", "for", "with", "by"}
    out = [w if (w.lower() in small and i) else w[:1].upper() + w[1:] for i, w in enumerate(text.split())]
    return " ".join(x if x.lower() not in ("at", "of") else x.title() for x in out)


def straight(text: str) -> str:
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').replace("–", "-")


# ------------------------------------------------------------------------------------------------
# GOV.UK items: one normalised dict per news item, whatever its source.

@dataclass
class GovItem:
    slug: str
    title: str
    description: str
    doc_type: str
    first_published: str
    public_updated: str
    body: str                          # govspeak HTML, <div class="govspeak">…</div>
    orgs: list[dict[str, Any]]         # Content API link objects
    people: list[dict[str, Any]] = field(default_factory=list)
    change_history: list[dict[str, str]] = field(default_factory=list)
    content_id: str = ""
    raw: dict[str, Any] | None = None  # the real Content API JSON when the item comes from one
    political: bool = True
    government: dict[str, Any] = field(default_factory=lambda: {
        "current": True, "slug": "2024-labour-government", "title": "2024 Labour government"})

    @property
    def path(self) -> str:
        return f"/government/news/{self.slug}"


def org_link(o: Org) -> dict[str, Any]:
    return {"analytics_identifier": o.analytics_id, "api_path": f"/api/content/government/organisations/{o.slug}",
            "api_url": f"https://www.gov.uk/api/content/government/organisations/{o.slug}",
            "base_path": f"/government/organisations/{o.slug}", "content_id": cid("org", o.slug),
            "details": {"brand": o.slug, "logo": {"crest": "single-identity", "formatted_title": o.title}},
            "document_type": "organisation", "links": {}, "locale": "en", "schema_name": "organisation",
            "title": o.title, "web_url": f"https://www.gov.uk/government/organisations/{o.slug}",
            "withdrawn": False}


def person_link(slug: str) -> dict[str, Any]:
    return {"api_path": f"/api/content/government/people/{slug}", "base_path": f"/government/people/{slug}",
            "content_id": cid("person", slug), "document_type": "person", "locale": "en",
            "schema_name": "person", "title": PEOPLE[slug], "web_url": f"https://www.gov.uk/government/people/{slug}",
            "withdrawn": False, "links": {}}


def govspeak(paras: list[str] | tuple[str, ...], quote_by: str = "", quote: tuple[str, ...] | list[str] = (),
             after: tuple[str, ...] | list[str] = (), notes_heading: str = "", notes: list[str] | tuple[str, ...] = (),
             lead_bullets: list[str] | tuple[str, ...] = ()) -> str:
    out = ['<div class="govspeak">']
    if lead_bullets:
        out.append("<ul>\n" + "".join(f"  <li>{b}</li>\n" for b in lead_bullets) + "</ul>")
    out += [f"<p>{p}</p>" for p in paras]
    if quote:
        out.append(f"<p>{quote_by}</p>")
        qs = [f"<p>{q}</p>" for q in quote]
        qs[-1] = qs[-1].replace("<p>", '<p class="last-child">', 1)
        out.append("<blockquote>\n  " + "\n  ".join(qs) + "\n</blockquote>")
    out += [f"<p>{p}</p>" for p in after]
    if notes:
        hid = slugify(notes_heading or "Notes to editors")
        out.append(f'<h2 id="{hid}">{notes_heading or "Notes to editors"}</h2>')
        out.append("<ul>\n" + "".join(f"  <li>{n}</li>\n" for n in notes) + "</ul>")
    out.append("</div>")
    return "\n".join(out)


def from_story(s: GovStory) -> GovItem:
    body = govspeak([E(p, False) for p in s.paras], E(s.quote_by, False), [E(q, False) for q in s.quote],
                    [E(a, False) for a in s.after], "Notes to editors", [E(n, False) for n in s.notes])
    return GovItem(s.slug, s.title, s.description, s.doc_type, s.published, s.published, body,
                   [org_link(s.org)], [person_link(p) for p in s.people],
                   [{"public_timestamp": s.published, "note": "First published."}], cid("news", s.slug))


def read_seed(n: str) -> list[str]:
    return (SOURCES / f"seed_{n}.txt").read_text(encoding="utf-8").split("\n")


def seed_release() -> tuple[GovItem, dict[str, Any]]:
    """The GOV.UK original of seeds 000/001, from the Wired-Gov capture (which keeps curly quotes)."""
    lines = read_seed("000")
    title, lead = lines[2], lines[3]
    i_bg = lines.index("Background:")
    body_lines = lines[4:i_bg]
    i_orig = next(i for i, l in enumerate(lines) if l.startswith("Original article link:"))
    bullets = [l[2:] for l in lines[i_bg + 1:i_orig]]
    latest = lines[i_orig + 3:]
    qstart = body_lines.index("Foreign Secretary Yvette Cooper said:")
    paras, quote, after = body_lines[:qstart], body_lines[qstart + 1:qstart + 4], body_lines[qstart + 4:]
    notes = []
    for b in bullets:
        b = E(b, False)
        b = b.replace("https://www.berlinprocess.de/",
                      '<a rel="external" href="https://www.berlinprocess.de/" class="govuk-link">https://www.berlinprocess.de/</a>')
        b = b.replace("Further information can be seen here.",
                      'Further information can be seen <a href="/government/collections/uk-sanctions-relating-to-irregular-migration" class="govuk-link">here</a>.')
        notes.append(b)
    body = govspeak([E(p, False) for p in paras], E(lines[4 + qstart], False), [E(q, False) for q in quote],
                    [E(a, False) for a in after], "Background:", notes)
    slug = "foreign-secretary-to-put-boosting-security-and-tackling-illegal-migration-at-the-heart-of-foreign-policy-during-meeting-of-european-partners"
    pub = "2025-10-09T09:30:00.000+01:00"
    item = GovItem(slug, title, lead, "press_release", pub, pub, body, [org_link(FCDO)],
                   [person_link("yvette-cooper")], [{"public_timestamp": pub, "note": "First published."}],
                   cid("news", slug))
    parsed = {"title": title, "lead": lead, "paras": paras, "quote_by": lines[4 + qstart], "quote": quote,
              "after": after, "bullets": bullets, "latest": latest, "dept": lines[0]}
    return item, parsed


def seed_lammy() -> tuple[GovItem, dict[str, Any]]:
    lines = [l for l in read_seed("004") if l.strip()]
    title = lines[0]
    bullets = [l[2:] for l in lines[1:4]]
    rest = lines[4:]
    q = rest.index("Foreign Secretary David Lammy said:")
    paras, quote, after = rest[:q], rest[q + 1:q + 5], rest[q + 5:]
    slug = "foreign-secretary-travels-to-kosovo-and-serbia-to-tackle-irregular-migration-and-organised-crime"
    pub = "2025-04-02T11:30:00.000+01:00"
    desc = ("Foreign Secretary travels to Kosovo and Serbia to strengthen cooperation on tackling irregular "
            "migration and serious organised crime, ahead of the UK hosting the Berlin Process Summit.")
    body = govspeak([E(p, False) for p in paras], E(rest[q], False), [E(x, False) for x in quote],
                    [E(a, False) for a in after], lead_bullets=[E(b, False) for b in bullets])
    item = GovItem(slug, title, desc, "press_release", pub, pub, body, [org_link(FCDO)],
                   [person_link("david-lammy")], [{"public_timestamp": pub, "note": "First published."}],
                   cid("news", slug))
    return item, {"title": title, "bullets": bullets, "paras": paras, "quote_by": rest[q], "quote": quote,
                  "after": after}


def example_items() -> list[GovItem]:
    """Real Content API examples (publishing-api), served under their own base paths and dates."""
    items = []
    for p in sorted((SOURCES / "content-api").glob("*.json")):
        d = json.loads(p.read_text(encoding="utf-8"))
        det = d["details"]
        orgs = d["links"].get("organisations", [])
        items.append(GovItem(
            d["base_path"].rsplit("/", 1)[1], d["title"], d["description"], d["document_type"],
            det.get("first_public_at") or d.get("first_published_at"), d["public_updated_at"], det["body"],
            orgs, d["links"].get("people", []), det.get("change_history", []), d["content_id"], raw=d,
            political=bool(det.get("political")),
            government=det.get("government") or {"current": False, "slug": "", "title": ""}))
    return items


def content_api_json(it: GovItem) -> dict[str, Any]:
    if it.raw is not None:
        return it.raw
    return {
        "analytics_identifier": None, "base_path": it.path, "content_id": it.content_id,
        "description": it.description,
        "details": {"body": it.body, "change_history": it.change_history,
                    "emphasised_organisations": [o["content_id"] for o in it.orgs[:1]],
                    "first_public_at": it.first_published, "government": it.government,
                    "political": it.political, "tags": {"browse_pages": [], "policies": []}},
        "document_type": it.doc_type, "first_published_at": it.first_published,
        "links": {"organisations": it.orgs, "primary_publishing_organisation": it.orgs[:1],
                  "people": it.people, "available_translations": [{
                      "api_path": f"/api/content{it.path}", "base_path": it.path, "content_id": it.content_id,
                      "document_type": it.doc_type, "locale": "en", "public_updated_at": it.public_updated,
                      "schema_name": "news_article", "title": it.title, "web_url": f"https://www.gov.uk{it.path}",
                      "withdrawn": False}]},
        "locale": "en", "phase": "live", "public_updated_at": it.public_updated, "publishing_app": "whitehall",
        "publishing_request_id": cid("req", it.slug, it.public_updated), "rendering_app": "frontend",
        "schema_name": "news_article", "title": it.title, "updated_at": it.public_updated, "withdrawn_notice": {},
    }


def search_item(it: GovItem) -> dict[str, Any]:
    orgs = [{"acronym": ORGS[o["base_path"].rsplit("/", 1)[1]].acronym if o["base_path"].rsplit("/", 1)[1] in ORGS else "",
             "analytics_identifier": o.get("analytics_identifier"), "content_id": o["content_id"],
             "link": o["base_path"], "organisation_state": "live",
             "organisation_type": "ministerial_department", "slug": o["base_path"].rsplit("/", 1)[1],
             "title": o["title"]} for o in it.orgs]
    return {"content_id": it.content_id, "content_purpose_subgroup": "news",
            "content_purpose_supergroup": "news_and_communications",
            "content_store_document_type": it.doc_type, "description": it.description,
            "display_type": LABELS[it.doc_type], "expanded_organisations": orgs, "format": it.doc_type,
            "government_name": it.government.get("title", ""), "is_historic": not it.government.get("current", True),
            "link": it.path, "organisation_content_ids": [o["content_id"] for o in orgs], "organisations": orgs,
            "people": [p["base_path"].rsplit("/", 1)[1] for p in it.people],
            "public_timestamp": iso_z(it.public_updated), "slug": it.slug, "title": it.title,
            "topical_events": [], "world_locations": []}


# ------------------------------------------------------------------------------------------------
# GOV.UK page (reconstructed from frontend + govuk_publishing_components templates, sites.md §1a)

GOVUK_COOKIE = """<div id="global-cookie-message" class="gem-c-cookie-banner govuk-clearfix govuk-cookie-banner js-banner-wrapper" data-module="cookie-banner" data-nosnippet role="region" aria-label="Cookies on GOV.UK" hidden>
  <div class="govuk-cookie-banner__message govuk-width-container"><div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
    <h2 class="govuk-cookie-banner__heading govuk-heading-m">Cookies on GOV.UK</h2>
    <div class="govuk-cookie-banner__content"><p class="govuk-body">We use some essential cookies to make this website work.</p>
    <p class="govuk-body">We’d like to set additional cookies to understand how you use GOV.UK, remember your settings and improve government services.</p>
    <p class="govuk-body">We also use cookies set by other sites to help us deliver content from their services.</p></div></div></div>
    <div class="govuk-button-group"><button class="gem-c-button govuk-button" type="submit" data-accept-cookies="true">Accept additional cookies</button>
    <button class="gem-c-button govuk-button" type="submit" data-reject-cookies="true">Reject additional cookies</button>
    <a class="govuk-link" href="/help/cookies">View cookies</a></div></div>
  <div hidden class="gem-c-cookie-banner__confirmation govuk-width-container" tabindex="-1"><p class="gem-c-cookie-banner__confirmation-message" role="alert"></p>
  <div class="govuk-button-group"><button class="gem-c-cookie-banner__hide-button govuk-button" data-hide-cookie-banner="true">Hide cookie message</button></div></div>
</div>"""

GOVUK_HEADER = """<header role="banner" data-module="gem-track-click" class="gem-c-layout-super-navigation-header">
  <div class="gem-c-layout-super-navigation-header__container govuk-width-container">
    <a href="/" class="govuk-header__link govuk-header__link--homepage" id="logo" aria-label="Go to the GOV.UK homepage"><span class="govuk-header__logotype">GOV.UK</span></a>
    <nav aria-labelledby="super-navigation-menu-heading" class="gem-c-layout-super-navigation-header__content">
      <h2 id="super-navigation-menu-heading" class="govuk-visually-hidden">Navigation menu</h2>
      <button aria-controls="super-navigation-menu" aria-expanded="false" class="gem-c-layout-super-navigation-header__navigation-top-toggle-button" hidden>Menu</button>
      <button aria-controls="super-search-menu" aria-expanded="true" class="gem-c-layout-super-navigation-header__search-toggle-button" hidden>Search GOV.UK</button>
      <form class="gem-c-layout-super-navigation-header__search-form" id="search" action="/search/all" method="get" role="search">
        <label for="search-main" class="govuk-label">Search GOV.UK</label><input type="search" name="keywords" id="search-main" class="gem-c-search__input"><button class="gem-c-search__submit" type="submit">Search</button></form>
    </nav></div>
</header>"""

GOVUK_FEEDBACK = """<div class="govuk-width-container"><div class="gem-c-feedback govuk-!-display-none-print" data-module="feedback ga4-event-tracker">
  <div class="gem-c-feedback__prompt gem-c-feedback__js-show js-prompt" tabindex="-1"><div class="gem-c-feedback__prompt-content">
    <div class="gem-c-feedback__prompt-questions js-prompt-questions"><h2 class="gem-c-feedback__prompt-question">Is this page useful?</h2>
      <ul class="gem-c-feedback__option-list"><li class="gem-c-feedback__option-list-item govuk-visually-hidden" hidden><a class="gem-c-feedback__prompt-link" href="/contact/govuk">Maybe</a></li>
      <li class="gem-c-feedback__option-list-item"><button class="govuk-button gem-c-feedback__prompt-link js-page-is-useful">Yes <span class="govuk-visually-hidden">this page is useful</span></button></li>
      <li class="gem-c-feedback__option-list-item"><button class="govuk-button gem-c-feedback__prompt-link js-toggle-form">No <span class="govuk-visually-hidden">this page is not useful</span></button></li></ul></div>
    <div class="gem-c-feedback__prompt-questions gem-c-feedback__prompt-success js-prompt-success" role="alert" hidden>Thank you for your feedback</div>
    <div class="gem-c-feedback__prompt-questions gem-c-feedback__prompt-questions--something-is-wrong js-prompt-questions">
      <button class="govuk-button gem-c-feedback__prompt-link js-toggle-form">Report a problem with this page</button></div></div></div>
  <form action="/contact/govuk/problem_reports" id="something-is-wrong" class="gem-c-feedback__form js-feedback-form" method="post" hidden>
    <h3 class="gem-c-feedback__form-heading">Help us improve GOV.UK</h3>
    <p class="gem-c-feedback__form-paragraph">Don’t include personal or financial information like your National Insurance number or credit card details.</p>
    <div class="govuk-visually-hidden" aria-hidden="true"><label for="giraffe">This field is for robots only. Please leave blank</label><input id="giraffe" name="giraffe" type="text" tabindex="-1"></div>
    <button class="gem-c-button govuk-button" type="submit">Send me the survey</button></form>
</div></div>"""

GOVUK_FOOTER = """<footer class="gem-c-layout-footer govuk-footer" role="contentinfo"><div class="govuk-width-container">
  <div class="govuk-footer__navigation"><div class="govuk-grid-column-two-thirds"><h2 class="govuk-footer__heading govuk-heading-m">Services and information</h2>
    <ul class="govuk-footer__list govuk-footer__list--columns-2"><li class="govuk-footer__list-item"><a class="govuk-footer__link" href="/browse/benefits">Benefits</a></li>
    <li class="govuk-footer__list-item"><a class="govuk-footer__link" href="/browse/citizenship">Citizenship and living in the UK</a></li>
    <li class="govuk-footer__list-item"><a class="govuk-footer__link" href="/browse/visas-immigration">Visas and immigration</a></li>
    <li class="govuk-footer__list-item"><a class="govuk-footer__link" href="/browse/working">Working, jobs and pensions</a></li></ul></div>
  <div class="govuk-grid-column-one-third"><h2 class="govuk-footer__heading govuk-heading-m">Government activity</h2>
    <ul class="govuk-footer__list"><li class="govuk-footer__list-item"><a class="govuk-footer__link" href="/government/organisations">Departments</a></li>
    <li class="govuk-footer__list-item"><a class="govuk-footer__link" href="/search/news-and-communications">News</a></li>
    <li class="govuk-footer__list-item"><a class="govuk-footer__link" href="/search/guidance-and-regulation">Guidance and regulation</a></li></ul></div></div>
  <hr class="govuk-footer__section-break"><div class="govuk-footer__meta"><div class="govuk-footer__meta-item govuk-footer__meta-item--grow">
    <h2 class="govuk-visually-hidden">Support links</h2><ul class="govuk-footer__inline-list"><li class="govuk-footer__inline-list-item"><a class="govuk-footer__link" href="/help">Help</a></li>
    <li class="govuk-footer__inline-list-item"><a class="govuk-footer__link" href="/help/privacy-notice">Privacy</a></li><li class="govuk-footer__inline-list-item"><a class="govuk-footer__link" href="/help/cookies">Cookies</a></li></ul>
    <span class="govuk-footer__licence-description">All content is available under the <a class="govuk-footer__link" href="https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/" rel="license">Open Government Licence v3.0</a>, except where otherwise stated</span></div>
    <div class="govuk-footer__meta-item"><a class="govuk-footer__link govuk-footer__copyright-logo" href="https://www.nationalarchives.gov.uk/information-management/re-using-public-sector-information/uk-government-licensing-framework/crown-copyright/">© Crown copyright</a></div></div>
</div></footer>"""


def govuk_page(it: GovItem, related: list[GovItem]) -> str:
    label = LABELS[it.doc_type]
    canonical = f"https://www.gov.uk{it.path}"
    from_links = " and ".join(f'<a class="govuk-link" href="{E(o["base_path"])}">{E(o["title"])}</a>'
                              for o in it.orgs + it.people)
    updated = it.public_updated != it.first_published
    ld = {"@context": "http://schema.org", "@type": "NewsArticle",
          "mainEntityOfPage": {"@type": "WebPage", "@id": canonical}, "name": it.title,
          "datePublished": it.first_published, "dateModified": it.public_updated, "text": it.description,
          "publisher": {"@type": "Organization", "name": "GOV.UK", "url": "https://www.gov.uk",
                        "logo": {"@type": "ImageObject", "url": "https://www.gov.uk/assets/frontend/govuk_publishing_components/govuk-logo-e5962881254c9adb48f94d2f627d3bb67f258a6cbccc969e80abb7bbe4622d7a.png"}},
          "author": {"@type": "Organization", "name": it.orgs[0]["title"] if it.orgs else "GOV.UK",
                     "url": f"https://www.gov.uk{it.orgs[0]['base_path']}" if it.orgs else "https://www.gov.uk"},
          "headLine": it.title, "description": it.description, "articleBody": it.body}
    meta = [("govuk:format", it.doc_type), ("govuk:publishing-app", "whitehall"),
            ("govuk:rendering-app", "frontend"), ("govuk:schema-name", "news_article"),
            ("govuk:content-id", it.content_id), ("govuk:navigation-page-type", "Content Page"),
            ("govuk:ga4-base-path", it.path), ("govuk:first-published-at", it.first_published),
            ("govuk:updated-at", it.public_updated), ("govuk:public-updated-at", it.public_updated),
            ("govuk:primary-publishing-organisation", it.orgs[0]["title"] if it.orgs else ""),
            ("govuk:organisations", "".join(f"<{o.get('analytics_identifier') or ''}>" for o in it.orgs)),
            ("govuk:political-status", "political" if it.political else "non-political"),
            ("govuk:publishing-government", it.government.get("slug", ""))]
    if updated:
        meta.append(("govuk:content-has-history", "true"))
    ld_json = json.dumps(ld, ensure_ascii=False).replace("</", "<\\/")
    meta_html = "\n  ".join(f'<meta name="{k}" content="{E(v)}">' for k, v in meta if v)
    lu_top = (f'<dt class="gem-c-metadata__term">Last updated:</dt><dd class="gem-c-metadata__definition">{long_date(it.public_updated)}'
              f' — <a href="#full-publication-update-history" class="gem-c-metadata__definition-link govuk-!-display-none-print js-see-all-updates-link">See all updates</a></dd>'
              if updated else "")
    history = ""
    if updated:
        lis = "".join(f'<li class="gem-c-published-dates__change-item"><time class="gem-c-published-dates__change-date timestamp" datetime="{c["public_timestamp"]}">{long_date(c["public_timestamp"])}</time>'
                      f'<p class="gem-c-published-dates__change-note">{E(c["note"])}</p></li>'
                      for c in sorted(it.change_history, key=lambda c: c["public_timestamp"], reverse=True))
        history = (f'<div>Last updated {long_date(it.public_updated)}<br><a class="gem-c-published-dates__toggle govuk-link" href="#full-history">show all updates</a></div>'
                   f'<div class="gem-c-published-dates__change-history js-hidden" id="full-history"><ol class="gem-c-published-dates__list">{lis}</ol></div>')
    rel = "".join(f'<li class="gem-c-related-navigation__link"><a class="govuk-link gem-c-related-navigation__section-link" href="{r.path}">{E(r.title)}</a></li>'
                  for r in related)
    org_for_crumb = it.orgs[0] if it.orgs else None
    crumbs = ('<li class="govuk-breadcrumbs__list-item"><a class="govuk-breadcrumbs__link" href="/">Home</a></li>'
              '<li class="govuk-breadcrumbs__list-item"><a class="govuk-breadcrumbs__link" href="/government/organisations">Organisations</a></li>'
              + (f'<li class="govuk-breadcrumbs__list-item"><a class="govuk-breadcrumbs__link" href="{org_for_crumb["base_path"]}">{E(org_for_crumb["title"])}</a></li>' if org_for_crumb else ""))
    return f"""<!DOCTYPE html>
<html class="govuk-template" lang="en">
<head>
  <meta charset="utf-8">
  <title>{E(it.title)} - GOV.UK</title>
  <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
  <meta name="govuk:components_gem_version" content="61.1.0">
  <meta property="og:image" content="https://www.gov.uk/assets/static/govuk-opengraph-image-03837e1cec82f217cf32514635a13c879b8c400ae3b1c207c5744411658c7635.png">
  <meta name="description" content="{E(it.description)}">
  <script type="application/ld+json">{ld_json}</script>
  <link rel="canonical" href="{canonical}">
  <meta property="og:site_name" content="GOV.UK">
  <meta property="og:type" content="article">
  <meta property="og:url" content="{canonical}">
  <meta property="og:title" content="{E(it.title)}">
  <meta property="og:description" content="{E(it.description)}">
  <meta name="twitter:card" content="summary">
  {meta_html}
  <link rel="stylesheet" href="/assets/frontend/application.css">
</head>
<body class="gem-c-layout-for-public govuk-template__body">
<script>document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');</script>
{GOVUK_COOKIE}
<a href="#content" class="gem-c-skip-link govuk-skip-link govuk-!-display-none-print" data-module="govuk-skip-link">Skip to main content</a>
{GOVUK_HEADER}
<div class="govuk-width-container">
  <div class="gem-c-contextual-breadcrumbs"><nav data-module="ga4-link-tracker" aria-label="Breadcrumb" class="gem-c-breadcrumbs govuk-breadcrumbs govuk-breadcrumbs--collapse-on-mobile">
    <ol class="govuk-breadcrumbs__list">{crumbs}</ol></nav></div>
  <main role="main" id="content" class="govuk-main-wrapper govuk-main-wrapper--auto-spacing" lang="en"><span id="Top"></span>
    <div class="govuk-grid-row gem-print-columns-none"><div class="govuk-grid-column-two-thirds">
      <div class="gem-c-heading govuk-!-margin-bottom-8"><span class="govuk-caption-xl gem-c-heading__context">{label}</span>
        <h1 class="gem-c-heading__text govuk-heading-xl">{E(it.title)}</h1></div></div></div>
    <div class="govuk-grid-row gem-print-columns-none"><div class="govuk-grid-column-two-thirds">
      <p class="gem-c-lead-paragraph govuk-!-margin-bottom-8">{E(it.description)}</p></div></div>
    <div class="govuk-grid-row"><div class="metadata-wrapper gem-print-columns-none"><div class="govuk-grid-column-two-thirds metadata-column">
      <div class="gem-c-metadata" data-module="metadata"><dl class="gem-c-metadata__list">
        <dt class="gem-c-metadata__term">From:</dt><dd class="gem-c-metadata__definition">{from_links}</dd>
        <dt class="gem-c-metadata__term">Published:</dt><dd class="gem-c-metadata__definition">{long_date(it.first_published)}</dd>
        {lu_top}
      </dl></div></div></div></div>
    <div class="govuk-grid-row gem-print-columns-none">
      <div class="govuk-grid-column-two-thirds "><div class="content-bottom-margin"><div class="responsive-bottom-margin">
        <div class="gem-c-govspeak govuk-!-margin-bottom-0 gem-c-govspeak--direction-ltr" data-module="govspeak">
{it.body}
        </div></div>
        <div class="govuk-!-display-none-print responsive-bottom-margin">
          <div class="gem-c-share-links govuk-!-display-none-print" data-module="ga4-link-tracker"><h2 class="govuk-heading-s">Share this page</h2>
            <p class="govuk-body-s">The following links open in a new tab</p>
            <ul class="gem-c-share-links__list"><li class="gem-c-share-links__list-item"><a class="govuk-link gem-c-share-links__link" target="_blank" rel="noopener noreferrer external" href="https://www.facebook.com/sharer/sharer.php?u={canonical}"><span class="govuk-visually-hidden">Share on </span>Facebook <span class="govuk-visually-hidden">(opens in new tab)</span></a></li>
            <li class="gem-c-share-links__list-item"><a class="govuk-link gem-c-share-links__link" target="_blank" rel="noopener noreferrer external" href="https://twitter.com/share?url={canonical}"><span class="govuk-visually-hidden">Share on </span>X <span class="govuk-visually-hidden">(opens in new tab)</span></a></li></ul></div></div>
        <div class="gem-c-published-dates" lang="en" id="full-publication-update-history"><h2 class="govuk-visually-hidden">Updates to this page</h2>
          <div>Published {long_date(it.first_published)}</div>{history}</div>
      </div></div>
      <div class="govuk-grid-column-one-third sidebar-navigation"><div class="gem-c-contextual-sidebar govuk-!-display-none-print">
        <div class="gem-c-related-navigation govuk-!-display-none-print" data-module="ga4-link-tracker"><h2 class="gem-c-related-navigation__main-heading">Related content</h2>
          <nav class="gem-c-related-navigation__nav-section" aria-label="Related content"><ul class="gem-c-related-navigation__link-list">{rel}</ul></nav></div></div></div>
    </div>
    <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds"><div class="gem-c-contextual-footer govuk-!-display-none-print">
      <div class="gem-c-related-navigation"><h2 class="gem-c-related-navigation__sub-heading">Explore the topic</h2>
        <ul class="gem-c-related-navigation__link-list"><li><a class="govuk-link" href="/world/all">Foreign affairs</a></li><li><a class="govuk-link" href="/crime-justice-and-law">Crime, justice and law</a></li></ul></div></div></div></div>
  </main>
</div>
{GOVUK_FEEDBACK}
{GOVUK_FOOTER}
<script src="/assets/frontend/application.js" type="module"></script>
</body>
</html>
"""


def govuk_atom(org: Org, items: list[GovItem], extra_entries: list[dict[str, str]]) -> str:
    entries = [{"url": f"{{base}}{it.path}", "ts": iso_z(it.public_updated), "title": it.title,
                "label": LABELS[it.doc_type], "summary": it.description} for it in items]
    entries += extra_entries
    entries.sort(key=lambda e: e["ts"], reverse=True)
    entries = entries[:20]
    body = "".join(f"""  <entry>
    <id>{e["url"]}#{e["ts"]}</id>
    <updated>{e["ts"]}</updated>
    <link rel="alternate" type="text/html" href="{e["url"]}"/>
    <title>{E(e["label"])}: {E(e["title"])}</title>
    <category label="{E(e["label"])}" term="{E(e["label"])}"/>
    <summary>{E(e["summary"])}</summary>
  </entry>
""" for e in entries)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xml:lang="en-GB" xmlns="http://www.w3.org/2005/Atom">
  <id>tag:www.gov.uk,2005:/government/organisations/{org.slug}</id>
  <link rel="alternate" type="text/html" href="{{base}}/government/organisations/{org.slug}"/>
  <link rel="self" type="application/atom+xml" href="{{base}}/government/organisations/{org.slug}.atom"/>
  <title>{E(org.title)} - Activity on GOV.UK</title>
  <author>
    <name>HM Government</name>
  </author>
  <updated>{entries[0]["ts"] if entries else "2025-01-01T00:00:00Z"}</updated>
{body}</feed>
"""


GUIDANCE = {"url": "{base}/foreign-travel-advice/serbia", "ts": "2025-10-06T14:02:11Z", "title": "Serbia travel advice",
            "label": "Guidance", "summary": "FCDO travel advice for Serbia. Includes safety and security, insurance, entry requirements and legal differences."}


def build_govuk(items: list[GovItem], update: bool = False) -> Site:
    s = Site("www.gov.uk", gzip=True, search_index="_search_index.json",
             headers={"Cache-Control": "max-age=300, public", "Access-Control-Allow-Origin": "*",
                      "Strict-Transport-Security": "max-age=31536000; preload"})
    return s


def add_govuk_item(s: Site, it: GovItem, related: list[GovItem]) -> None:
    s.add(it.path, f"government/news/{it.slug}.html", govuk_page(it, related), last_modified=it.public_updated)
    s.add(f"/api/content{it.path}", f"api/content/government/news/{it.slug}.json", dumps(content_api_json(it)),
          JSON_T, last_modified=it.public_updated)


def add_govuk_feeds(s: Site, items: list[GovItem], orgs: list[Org]) -> None:
    for org in orgs:
        mine = [it for it in items if any(o["base_path"].endswith("/" + org.slug) for o in it.orgs)]
        extra = [GUIDANCE] if org is FCDO else []
        newest = max([it.public_updated for it in mine] + [e["ts"] for e in extra])
        s.add(f"/government/organisations/{org.slug}.atom", f"government/organisations/{org.slug}.atom",
              govuk_atom(org, mine, extra), ATOM, last_modified=newest, template=True)


# ------------------------------------------------------------------------------------------------
# Wired-Gov (INVENTED DOM around the text layout of sites.md §2b)

def wg_key(title: str, when: str) -> str:
    d = dt(when)
    words = "+".join(re.sub(r"[^a-z0-9 ]+", "", straight(title).lower().replace("-", " ")).split())
    return f"{words}+{d.strftime('%d%m%Y%H%M%S')}"


def wiredgov_page(dept: str, title: str, lead: str, body_html: str, source_url: str, key: str,
                  latest: list[tuple[str, str, str, str]]) -> str:
    lis = "\n".join(f'    <li><a href="{E(href)}">{E(t)}</a><span class="wg-date">{E(d)}</span>\n      <p>{E(summ)}</p></li>'
                    for t, d, summ, href in latest)
    return f"""<!DOCTYPE html>
<!-- govwire fixture: Wired-Gov DOM is INVENTED (no saved HTML exists); text layout follows sites.md §2b / seed 000. -->
<html lang="en-GB">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">
<title>{E(title)} | Wired-Gov</title>
<meta name="description" content="{E(lead)}">
<link rel="stylesheet" href="/wg/wg.css">
</head>
<body class="wg">
<div id="wg-header"><a href="/wg/news.nsf/home?openform" id="wg-logo">Wired-Gov</a>
  <ul id="wg-nav"><li><a href="/wg/news.nsf/home?openform">Home</a></li><li><a href="/wg/news.nsf/depts?openform">Departments</a></li><li><a href="/wg/news.nsf/search?openform">Search</a></li></ul></div>
<div id="wg-content">
 <div class="wg-article">
  <div class="wg-dept"><a href="/wg/news.nsf/dept?openform&amp;d={E(dept.replace(' ', '+'))}">{E(dept)}</a></div>
  <div class="wg-tools">|<a href="/wg/news.nsf/print/{key}" class="wg-print">Printable version</a></div>
  <h1 class="wg-title">{E(title)}</h1>
  <p class="wg-lead"><strong>{E(lead)}</strong></p>
  <div class="wg-body">
{body_html}
  </div>
  <p class="wg-source">Original article link: <a href="{E(source_url)}">{E(source_url)}</a></p>
 </div>
 <div class="wg-latest">
  <h3>Latest News from</h3>
  <h4>{E(dept)}</h4>
  <ul>
{lis}
  </ul>
 </div>
</div>
<div id="wg-footer"><p>Wired-Gov is a free news service for the public sector.</p><p><a href="/wg/news.nsf/about?openform">About</a> | <a href="/wg/news.nsf/privacy?openform">Privacy</a></p></div>
</body>
</html>
"""


def paras_html(paras: list[str], bullets: list[str] | None = None, heading: str = "") -> str:
    out = [f"<p>{E(p, False)}</p>" for p in paras]
    if heading:
        out.append(f"<p><strong>{E(heading, False)}</strong></p>")
    if bullets:
        out.append("<ul>" + "".join(f"<li>{E(b, False)}</li>" for b in bullets) + "</ul>")
    return "\n".join(out)


def rss(title: str, link: str, desc: str, items: list[dict[str, str]], *, generator: str = "",
        extra_ns: str = "") -> str:
    body = "".join(f"""  <item>
    <title>{E(i["title"])}</title>
    <link>{i["link"]}</link>
    <guid isPermaLink="{i.get("permalink", "true")}">{i.get("guid", i["link"])}</guid>
    <pubDate>{i["date"]}</pubDate>
    {"<category>" + E(i["category"]) + "</category>" if i.get("category") else ""}
    <description>{E(i["desc"])}</description>
  </item>
""" for i in items)
    gen = f"\n  <generator>{generator}</generator>" if generator else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"{extra_ns}>
<channel>
  <title>{E(title)}</title>
  <link>{link}</link>
  <description>{E(desc)}</description>
  <language>en-gb</language>{gen}
{body}</channel>
</rss>
"""


# ------------------------------------------------------------------------------------------------
# Mirage News (INVENTED WordPress-like DOM around sites.md §2a / seed 001)

MIRAGE_DISCLAIMER = ("/Public Release. This material from the originating organization/author(s) might be of the "
                     "point-in-time nature, and edited for clarity, style and length. Mirage.News does not take "
                     "institutional positions or sides, and all views, positions, and conclusions expressed herein "
                     "are solely those of the author(s).")


def mirage_page(title: str, label: str, when: str, body_html: str, source_url: str, path: str) -> str:
    return f"""<!DOCTYPE html>
<!-- govwire fixture: Mirage News DOM is INVENTED (no saved HTML exists); text layout follows sites.md §2a / seed 001. -->
<html lang="en-AU">
<head>
<meta charset="UTF-8">
<title>{E(title)} | Mirage News</title>
<link rel="canonical" href="https://www.miragenews.com{path}">
<meta property="og:site_name" content="Mirage News">
<meta property="og:title" content="{E(title)}">
<meta itemprop="datePublished" content="{when}">
<link rel="alternate" type="application/rss+xml" title="Mirage News &raquo; Feed" href="/feed/">
</head>
<body class="post-template-default single single-post">
<header class="site-header"><a class="site-title" href="/">Mirage News</a>
  <nav class="main-navigation"><ul><li><a href="/category/australia/">Australia</a></li><li><a href="/category/uk-gov/">UK Gov</a></li><li><a href="/category/science/">Science</a></li></ul></nav>
  <form role="search" method="get" class="search-form" action="/"><input type="search" name="s" placeholder="Search"></form></header>
<main id="main" class="site-main">
<article class="post type-post status-publish" itemscope itemtype="https://schema.org/NewsArticle">
  <header class="entry-header"><h1 class="entry-title" itemprop="headline">{E(title)}</h1>
    <div class="entry-meta"><span class="source-label"><a href="/category/{slugify(label)}/" rel="category tag">{E(label)}</a></span>
      <time class="entry-date published" datetime="{when}">{dt(when).strftime('%d %B %Y %I:%M %p')}</time></div></header>
  <div class="entry-content" itemprop="articleBody">
{body_html}
<p class="release-disclaimer">{E(MIRAGE_DISCLAIMER)}<a href="{E(source_url)}" rel="nofollow noopener" target="_blank">View in full here</a>.</p>
  </div>
</article>
<aside class="related-posts"><h3>Related</h3><ul><li><a href="/category/uk-gov/">More from UK Gov</a></li></ul></aside>
</main>
<footer class="site-footer"><p>&copy; Mirage News. All rights reserved.</p></footer>
</body>
</html>
"""


def mirage_body(paras: list[str], bullets: list[str], heading: str = "Background:") -> str:
    out = [f"<p>{E(p, False)}</p>" for p in paras]
    if bullets:
        out.append(f"<p>{E(heading, False)}</p>")
        out.append("<ul>" + "".join(f"<li>{E(b, False)}</li>" for b in bullets) + "</ul>")
    return "\n".join(out)


# ------------------------------------------------------------------------------------------------
# The Independent / Evening Standard (structure from saved real pages, sites.md §2c/§2e)

DONATION_HEADING = "Your support helps us to tell the story"


def donation_paras() -> list[str]:
    line = read_seed("003")[0]
    start = line.index("From reproductive rights")
    end = line.index("Your support makes all the difference.") + len("Your support makes all the difference.")
    text = line[start:end]
    cuts = ["Whether it's investigating", "At such a critical moment", "The Independent is trusted",
            "Your support makes all the difference."]
    parts, rest = [], text
    for c in cuts:
        i = rest.index(c)
        parts.append(rest[:i].strip())
        rest = rest[i:]
    parts.append(rest.strip())
    return parts


def esi_page(*, site: str, host: str, path: str, title: str, standfirst: str, paras: list[str], when: str,
             author: str, author_slug: str, section: str, subsection: str, donation: bool,
             keywords: list[str], caption: str = "") -> str:
    """The Independent / Standard share one platform (ESI): header#articleHeader, div#main > p."""
    canonical = f"https://{host}{path}"
    site_name = "The Independent" if site == "independent" else "The Standard"
    publisher = "The Independent" if site == "independent" else "Evening Standard"
    d = dt(when)
    shown = d.strftime("%A %d %B %Y %H:%M GMT")
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title, "datePublished": iso_z(when),
          "dateModified": iso_z(when), "description": standfirst, "articleSection": section,
          "author": [{"@type": "Person", "name": author, "url": f"https://{host}/author/{author_slug}"}],
          "publisher": {"@type": "Organization", "name": publisher}, "isAccessibleForFree": True,
          "isPartOf": {"@type": ["CreativeWork", "Product"], "productID": f"{host.removeprefix('www.')}:showcase"},
          "mainEntityOfPage": canonical}
    crumbs = {"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": i + 1, "name": n.replace("-", " ").title(), "item": f"https://{host}/{'/'.join(section.split('/')[:i + 1])}"}
        for i, n in enumerate(section.split("/"))]}
    body: list[str] = []
    if donation:
        dp = donation_paras()
        body.append(f"""<div class="donation-appeal" data-component="ArticleDonationAppeal">
  <h3>{DONATION_HEADING}</h3><button type="button" class="appeal-toggle">Read more</button>
  <a class="appeal-cta" href="/donate?source=article">Support Now</a>
  <div class="appeal-body">{"".join(f"<p>{E(p, False)}</p>" for p in dp[:-1])}<p><strong>{E(dp[-1], False)}</strong></p></div>
  <button type="button" class="appeal-toggle">Read more</button>
</div>""")
    for i, p in enumerate(paras):
        body.append(f"<p>{E(p, False)}</p>")
        if i == 1:
            body.append("""<div class="hydrate-root" data-component="Newsletter"><div><p>Sign up to our free breaking news emails</p><p>I would like to be emailed about offers, events and updates from {site}. Read our privacy notice</p></div><script type="application/json">{"newsletterId":"breaking-news"}</script></div>""".replace("{site}", site_name))
        if i == 3:
            body.append('<div data-mpu="1" class="mpu-ad"></div><div class="teads"></div><div id="article-im-prompt"></div>')
        if i == 5:
            body.append('<div id="taboola-mid-article-thumbnails-ii"></div>')
    figure = (f'<figure><picture><img src="https://static.{host.removeprefix("www.")}/2025/10/08/21/hero.jpeg" alt=""></picture>'
              f'<figcaption>{E(caption)}</figcaption><button type="button">open image in gallery</button></figure>' if caption else "")
    wall = ('<div id="piano-register-wall"></div>' if site == "independent" else
            '<div id="piano-reg-wall"><div id="reg-wall-form"><h3>Register for free to continue reading</h3><label>First name</label><input name="first"><label>Last name</label><input name="last"><label>Birth year</label><input name="year"></div></div>')
    comments = ('<div class="show-comments"><p>Join our commenting forum</p><p>Join thought-provoking conversations, follow other Independent readers and see their replies</p></div><div id="comments"></div>'
                if site == "independent" else
                '<div id="comments"><p>There are no comments yet</p><p>Be part of the conversation</p></div><div id="next-article-element"></div>')
    sidebar = ('<aside class="sidebar"><h2>Most Popular</h2><ul><li><a href="/">Popular videos</a></li></ul></aside>' if site == "independent"
               else '<aside id="trendingSidebar"><h2>Trending</h2><p>This is London Magazine</p></aside>')
    topics = "".join(f'<a href="/topic/{slugify(k)}">{E(k)}</a>' for k in keywords)
    sub = "/".join(section.split("/")[:2])
    return f"""<!DOCTYPE html>
<!-- govwire fixture: element structure imitates saved real {site_name} pages (sites.md §2c/§2e); content invented or from seeds; the donation block's DOM is invented. -->
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>{E(title)} | {site_name}</title>
<meta name="description" content="{E(standfirst)}">
<link rel="canonical" href="{canonical}">
<meta property="og:site_name" content="{site_name}">
<meta property="og:type" content="article">
<meta property="og:title" content="{E(title)}">
<meta property="og:url" content="{canonical}">
<meta property="article:published_time" content="{iso_z(when)}">
<meta property="article:modified_time" content="{iso_z(when)}">
<meta property="article:section" content="{E(section.split('/')[0].title())}">
<meta property="article:subsection" content="{E(subsection)}">
<meta property="article:author_name" content="{E(author)}">
<meta name="author" content="{E(author)}">
<meta property="article:content_type" content="story">
<meta property="article:word_count" content="{sum(len(p.split()) for p in paras)}">
<meta name="keywords" content="{E(', '.join(keywords))}">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
<script type="application/ld+json">{json.dumps(crumbs, ensure_ascii=False)}</script>
</head>
<body>
<div class="hydrate-root" data-component="DrawerMenu"></div>
<header class="site-header"><a href="/" aria-label="{site_name} homepage">{site_name}</a><div class="hydrate-root" data-component="RegisterLoginButton"><button>Log in / Register</button></div></header>
<main id="content">
<article data-is-premium="false" class="article-default">
  <header id="articleHeader">
    <nav aria-label="breadcrumb"><ol><li><a href="/{section.split('/')[0]}">{E(section.split('/')[0].title())}</a></li><li><a href="/{sub}">{E(subsection)}</a></li></ol></nav>
    <h1>{E(title)}</h1>
    <h2><p>{E(standfirst)}</p></h2>
    <div class="byline"><a href="/author/{author_slug}">{E(author)}</a></div>
    <div id="article-published-date"><time datetime="{iso_z(when)}">{shown}</time></div>
    <div class="hydrate-root" data-component="SocialShareButtons"></div>
    {figure}
  </header>
  <div id="main">
{chr(10).join(body)}
  </div>
  {wall}
  <nav class="topics"><span>More about</span>{topics}</nav>
  {comments}
  <div id="taboola-below-article-thumbnails"></div><div id="partners"></div>
</article>
{sidebar}
</main>
<footer class="site-footer"><p>© {publisher} Ltd</p></footer>
</body>
</html>
"""


# ------------------------------------------------------------------------------------------------
# Iconic Media titles (INVENTED DOM around sites.md §2d / seed 002)

ICONIC = {
    "www.donegallive.ie": {"name": "Donegal Live", "paper": "Donegal Democrat",
                           "epaper": "Buy the e-paper of the Donegal Democrat, Donegal People's Press, Donegal Post and Inish Times here for instant access to Donegal's premier news titles.",
                           "newsletter": "Keep up with the latest news from Donegal with our daily newsletter featuring the most important stories of the day delivered to your inbox every evening at 5pm."},
    "www.limerickleader.ie": {"name": "Limerick Leader", "paper": "Limerick Leader",
                              "epaper": "Buy the e-paper of the Limerick Leader here for instant access to Limerick's premier news titles.",
                              "newsletter": "Keep up with the latest news from Limerick with our daily newsletter featuring the most important stories of the day delivered to your inbox every evening at 5pm."},
}


def iconic_page(host: str, path: str, title: str, paras: list[str], when: str, section: str) -> str:
    t = ICONIC[host]
    d = dt(when)
    return f"""<!DOCTYPE html>
<!-- govwire fixture: Iconic Media DOM is INVENTED (no saved HTML exists); text layout follows sites.md §2d / seed 002. -->
<html lang="en-IE">
<head>
<meta charset="utf-8">
<title>{E(title)} | {t["name"]}</title>
<link rel="canonical" href="https://{host}{path}">
<meta property="og:site_name" content="{t["name"]}">
<meta property="og:title" content="{E(title)}">
<meta property="article:published_time" content="{iso_z(when)}">
<meta property="article:section" content="{E(section)}">
</head>
<body class="article-page">
<header class="site-header"><a class="logo" href="/">{t["name"]}</a>
  <form class="site-search" action="/search" method="get"><label for="q">Search</label><input id="q" name="q" type="search"></form>
  <nav class="sections"><a href="/news">News</a> <a href="/sport">Sport</a> <a href="/whats-on">What's On</a></nav></header>
<main class="container">
<article class="article" data-section="{E(section)}">
  <div class="article-date"><time datetime="{iso_z(when)}">{d.strftime('%d %b %Y')}</time></div>
  <h1 class="article-title">{E(title)}</h1>
  <div class="article-share"><span class="share-title">{E(title)}</span><a class="share-fb" href="https://www.facebook.com/sharer.php?u=https://{host}{path}">Facebook</a></div>
  <figure class="article-image"><img src="/resizer/750/563/true/GN4_DAT_{path.split('/')[-2] if path.count('/') > 3 else '0'}.jpg--{slugify(title, 6)}.jpg" alt="{E(title)}"></figure>
  <div class="article-body">
{chr(10).join(f"<p>{E(p, False)}</p>" for p in paras)}
  </div>
  <div class="article-paywall">
    <div class="paywall-subscribe"><p>To continue reading this article,<br>please subscribe and support local journalism!</p>
      <p>Subscribing will allow you access to all of our premium content and archived articles.</p><a class="btn" href="/subscribe">Subscribe</a></div>
    <div class="paywall-register"><p>To continue reading this article for FREE,<br>please kindly register and/or log in.</p>
      <p>Registration is absolutely 100% FREE and will help us personalise your experience on our sites. You can also sign up to our carefully curated newsletter(s) to keep up to date with your latest local news!</p><a class="btn" href="/login">Register / Login</a></div>
  </div>
  <div class="promo epaper"><p>{E(t["epaper"], False)}</p></div>
  <div class="promo newsletter"><p>{E(t["newsletter"], False)}</p></div>
</article>
</main>
<footer class="site-footer"><p>© Iconic Media Holdings</p></footer>
</body>
</html>
"""


# ------------------------------------------------------------------------------------------------

def homepage(site_name: str, links: list[tuple[str, str]]) -> str:
    lis = "\n".join(f'<li><a href="{E(h)}">{E(t)}</a></li>' for h, t in links)
    return (f"<!DOCTYPE html>\n<!-- govwire fixture: minimal home page (invented), lists this host's fixture articles. -->\n"
            f"<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{E(site_name)}</title></head>"
            f"<body><h1>{E(site_name)}</h1><ul>\n{lis}\n</ul></body></html>\n")


def pa_balkans_paras() -> tuple[str, list[str]]:
    lines = [l for l in read_seed("002") if l.strip()]
    title = lines[2]
    end = lines.index("To continue reading this article,")
    return title, lines[4:end]


def build(out_web: Path, out_updates: Path) -> dict[str, int]:
    for d in (out_web, out_updates):
        if d.exists():
            shutil.rmtree(d)
    seed, seedp = seed_release()
    lammy, lammyp = seed_lammy()
    invented = [from_story(s) for s in STORIES]
    examples = example_items()
    items = [seed, lammy, *invented, *examples]
    sites: list[Site] = []

    # ---- GOV.UK -------------------------------------------------------------------------------
    gov = build_govuk(items)
    by_org: dict[str, list[GovItem]] = {}
    for it in items:
        by_org.setdefault(it.orgs[0]["base_path"] if it.orgs else "", []).append(it)
    for it in items:
        peers = [x for x in by_org[it.orgs[0]["base_path"] if it.orgs else ""] if x is not it][:3]
        add_govuk_item(gov, it, peers)
    add_govuk_feeds(gov, items, [FCDO, HO, DSIT])
    for org in (FCDO, HO, DSIT):
        mine = [it for it in items if it.orgs and it.orgs[0]["base_path"].endswith("/" + org.slug)]
        gov.add(f"/government/organisations/{org.slug}", f"government/organisations/{org.slug}.html",
                homepage(f"{org.title} - GOV.UK", [(it.path, it.title) for it in mine]))
    search_index = [search_item(it) for it in items]
    search_index.append({"content_id": cid("guidance", "serbia"), "content_purpose_subgroup": "guidance",
                         "content_purpose_supergroup": "guidance_and_regulation",
                         "content_store_document_type": "travel_advice", "description": GUIDANCE["summary"],
                         "display_type": "Travel advice", "format": "travel_advice", "link": "/foreign-travel-advice/serbia",
                         "organisations": [search_item(seed)["organisations"][0]], "public_timestamp": GUIDANCE["ts"],
                         "title": GUIDANCE["title"], "government_name": "2024 Labour government"})
    gov.files["_search_index.json"] = dumps(sorted(search_index, key=lambda x: x["link"])).encode()
    gov.add("/foreign-travel-advice/serbia", "foreign-travel-advice/serbia.html",
            homepage("Serbia travel advice - GOV.UK", [("/", "GOV.UK")]), last_modified=GUIDANCE["ts"])
    gov.add("/robots.txt", "robots.txt", """User-agent: *
Disallow: /*/print$
# Don't allow indexing of site search
Disallow: /search/all*
Sitemap: {base}/sitemap.xml

User-agent: meta-externalagent
Disallow: /search/all*

User-agent: AhrefsBot
Crawl-delay: 10

User-agent: deepcrawl
Disallow: /

User-agent: MS Search 6.0 Robot
Disallow: /
""", TEXT, template=True)
    gov.add("/sitemap.xml", "sitemap.xml", """<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>{base}/sitemaps/sitemap_1.xml</loc><lastmod>2025-11-13T02:50:11+00:00</lastmod></sitemap>
</sitemapindex>
""", XML, template=True)
    urls = "".join(f"  <url><loc>{{base}}{it.path}</loc><lastmod>{iso_z(it.public_updated)}</lastmod><priority>0.5</priority></url>\n"
                   for it in sorted(items, key=lambda i: i.path))
    gov.add("/sitemaps/sitemap_1.xml", "sitemaps/sitemap_1.xml",
            f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n',
            XML, template=True)
    gov.add("/", "index.html", homepage("Welcome to GOV.UK", [(it.path, it.title) for it in items]))
    sites.append(gov)

    # ---- Wired-Gov ----------------------------------------------------------------------------
    wg = Site("www.wired-gov.net")
    seed_key = wg_key(seed.title, "2025-10-09T10:15:00")
    assert seed_key.endswith("09102025101500")
    wg_entries: list[dict[str, Any]] = []

    def wg_add(dept: str, title: str, lead: str, body_html: str, src: str, when: str,
               latest: list[tuple[str, str, str, str]] | None = None) -> None:
        key = wg_key(title, when)
        wg_entries.append({"dept": dept, "title": title, "lead": lead, "body": body_html, "src": src,
                           "when": when, "key": key, "latest": latest})

    seed_latest = []
    lat = seedp["latest"]
    for i in range(0, len(lat) - 1, 2):
        m = re.match(r"^(.*?)(\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2})$", lat[i])
        assert m, lat[i]
        when = datetime.strptime(m.group(2), "%d/%m/%Y %H:%M:%S").isoformat()
        seed_latest.append((m.group(1), m.group(2), lat[i + 1], f"/wg/news.nsf/articles/{wg_key(m.group(1), when)}?open"))
    wg_add(seedp["dept"], seed.title, seed.description,
           paras_html(seedp["paras"] + [seedp["quote_by"]] + seedp["quote"] + seedp["after"], seedp["bullets"], "Background:"),
           f"https://www.gov.uk{seed.path}", "2025-10-09T10:15:00", seed_latest)
    wg_add(FCDO.wiredgov_name, lammy.title, lammy.description,
           paras_html(lammyp["bullets"] + lammyp["paras"] + [lammyp["quote_by"]] + lammyp["quote"] + lammyp["after"]),
           f"https://www.gov.uk{lammy.path}", "2025-04-02T12:05:00")
    for s in STORIES:
        if s.slug in ("new-powers-to-seize-phones-of-suspected-people-smugglers", "quantum-computing-testbeds-funding-announced",
                      "uk-sanctions-smuggling-network-supplying-small-boat-engines", "gigabit-broadband-reaches-5000-rural-premises-in-cumbria"):
            it = from_story(s)
            when = dt(s.published).replace(tzinfo=None)
            when = when.replace(hour=(when.hour + 1) % 24, minute=15, second=0)
            wg_add(s.org.wiredgov_name, s.title, s.description,
                   paras_html(list(s.paras) + ([s.quote_by, *s.quote] if s.quote else []) + list(s.after)),
                   f"https://www.gov.uk{it.path}", when.isoformat())
    wg_add("Local Government Association", "Councils warn of winter pressures on adult social care",
           "Councils face a £2 billion funding gap in adult social care this winter, the Local Government Association warns.",
           paras_html(["The Local Government Association said rising demand and the cost of care packages meant councils would have to make difficult choices this winter.",
                       "It is calling for a multi-year funding settlement so that councils can plan ahead."]),
           "https://www.local.gov.uk/about/news/councils-warn-winter-pressures-adult-social-care", "2025-10-08T11:20:00")
    for e in wg_entries:
        latest = e["latest"] or [
            (o["title"], dt(o["when"]).strftime("%d/%m/%Y %H:%M:%S"), o["lead"], f"/wg/news.nsf/articles/{o['key']}?open")
            for o in sorted(wg_entries, key=lambda x: x["when"], reverse=True) if o is not e and o["dept"] == e["dept"]][:5]
        page = wiredgov_page(e["dept"], e["title"], e["lead"], e["body"], e["src"], e["key"], latest)
        data = page.encode("cp1252", errors="xmlcharrefreplace")
        wg.add(f"/wg/news.nsf/articles/{e['key']}", f"wg/news.nsf/articles/{e['key']}.html", data,
               "text/html; charset=windows-1252", last_modified=e["when"] + "+01:00")
        printable = (f"<!DOCTYPE html>\n<!-- govwire fixture: Wired-Gov print view (INVENTED DOM); disallowed by robots.txt -->\n"
                     f"<html><head><meta charset=\"utf-8\"><title>{E(e['title'])}</title></head><body><h1>{E(e['title'])}</h1>"
                     f"<p>{E(e['lead'])}</p>{e['body']}</body></html>\n")
        wg.add(f"/wg/news.nsf/print/{e['key']}", f"wg/news.nsf/print/{e['key']}.html", printable,
               last_modified=e["when"] + "+01:00")
    wg_items = [{"title": e["title"], "link": f"{{base}}/wg/news.nsf/articles/{e['key']}?open",
                 "date": rfc822(e["when"] + "+01:00"), "desc": e["lead"], "category": e["dept"]}
                for e in sorted(wg_entries, key=lambda x: x["when"], reverse=True)]
    wg.add("/wg/news.nsf/home?openform&rss", "wg/news.nsf/home-rss.xml",
           rss("Wired-Gov: latest news", "{base}/wg/news.nsf/home?openform", "Public sector news from government departments and agencies", wg_items),
           "text/xml; charset=UTF-8", last_modified="2025-10-09T10:15:00+01:00", template=True)
    wg.add("/wg/news.nsf/home?openform", "wg/news.nsf/home.html",
           homepage("Wired-Gov", [(f"/wg/news.nsf/articles/{e['key']}?open", e["title"]) for e in wg_entries]))
    wg.redirect("/", "/wg/news.nsf/home?openform", 302)
    wg.add("/robots.txt", "robots.txt", "User-agent: *\nDisallow: /wg/news.nsf/print/\nDisallow: /wg/news.nsf/search\n", TEXT)
    sites.append(wg)

    # ---- Mirage News --------------------------------------------------------------------------
    mg = Site("www.miragenews.com", gzip=True)
    m_lines = read_seed("001")
    m_blocks = [l.strip() for l in m_lines if l.strip()]
    m_title, m_label = m_blocks[0], m_blocks[1]
    i_bg = m_blocks.index("Background:")
    m_paras = m_blocks[2:i_bg]
    m_bullets = [b.lstrip("• ").strip() for b in m_blocks[i_bg + 1:] if b.startswith("•")]
    mirage_items: list[dict[str, Any]] = []

    def mg_add(slug: str, title: str, label: str, when: str, body_html: str, src: str, desc: str) -> None:
        path = f"/{slug}/"
        mg.add(path, f"{slug}/index.html", mirage_page(title, label, when, body_html, src, path), last_modified=when)
        mg.redirect(f"/{slug}", path, 301)
        mirage_items.append({"title": title, "link": f"{{base}}{path}", "date": rfc822(when), "desc": desc,
                             "category": label, "when": when})

    mg_add("foreign-secretary-to-put-boosting-security-and-1548329", m_title, m_label, "2025-10-09T10:47:21+00:00",
           mirage_body(m_paras, m_bullets), f"https://www.gov.uk{seed.path}", straight(seed.description))
    mg_add("uk-targets-balkan-migrant-routes-crime-with-new-1436980",
           "UK Targets Balkan Migrant Routes, Crime With New Serbia Pact", "UK Gov", "2025-04-02T12:31:05+00:00",
           mirage_body([straight(x) for x in lammyp["bullets"] + lammyp["paras"] + [lammyp["quote_by"]] + lammyp["quote"] + lammyp["after"]], []),
           f"https://www.gov.uk{lammy.path}", straight(lammy.description))
    for n, s in enumerate(STORIES):
        if s.slug in ("new-powers-to-seize-phones-of-suspected-people-smugglers", "quantum-computing-testbeds-funding-announced"):
            it = from_story(s)
            slug = f"{slugify(s.title, 6)}-{1500000 + n * 7919}"
            mg_add(slug, title_case(straight(s.title)), "UK Gov", iso_z(s.published).replace("Z", "+00:00"),
                   mirage_body([straight(p) for p in [s.description, *s.paras, *( [s.quote_by, *s.quote] if s.quote else [])]], []),
                   f"https://www.gov.uk{it.path}", straight(s.description))
    for n, o in enumerate(MIRAGE_OTHER):
        mg_add(f"{o.key}-{1445117 + n * 103001}", o.title, o.label, o.published, mirage_body(list(o.paras), []),
               "https://example.org/media-release", o.paras[0])
    mirage_items.sort(key=lambda i: i["when"], reverse=True)
    mg.add("/feed/", "feed/index.xml",
           rss("Mirage News", "{base}/", "Mirage News - Public Releases", mirage_items,
               generator="https://wordpress.org/?v=6.6.2", extra_ns=' xmlns:dc="http://purl.org/dc/elements/1.1/"'),
           RSS, last_modified=mirage_items[0]["when"], template=True)
    mg.redirect("/feed", "/feed/", 301)
    mg.add("/", "index.html", homepage("Mirage News", [(i["link"].replace("{base}", ""), i["title"]) for i in mirage_items]))
    mg.add("/robots.txt", "robots.txt", "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\nDisallow: /?s=\n", TEXT)
    sites.append(mg)

    # ---- The Independent + Evening Standard ----------------------------------------------------
    pa_title, pa_paras = pa_balkans_paras()
    ind_paras = [l for l in read_seed("003")[1:] if l.strip()]
    assert ind_paras == pa_paras, "seeds 002 and 003 are one PA story"
    phones = next(s for s in STORIES if s.slug.startswith("new-powers-to-seize-phones"))
    phones_pa = [
        "Border officials will be able to seize the phones of migrants arriving in the UK illegally if they are suspected of having information about smuggling gangs, under powers coming into force on Tuesday.",
        *phones.paras[1:3],
        f"Home Secretary Shabana Mahmood said: “{phones.quote[0]}”",
        "More than 25,000 people have crossed the Channel in small boats so far this year, according to PA news agency analysis of Home Office figures.",
    ]
    for host, site, sources in (
        ("www.independent.co.uk", "independent", [
            ("news/uk/home-news", "western-balkans-yvette-cooper-serbia-north-macedonia-germany", 2842071, pa_title,
             "The Foreign Secretary will host counterparts at Hillsborough Castle on Thursday.", pa_paras,
             "2025-10-08T21:30:00Z", "Press Association", "press-association", True, ["Yvette Cooper", "Western Balkans", "Migration"], "Foreign Secretary Yvette Cooper (Stefan Rousseau/PA)"),
            ("news/uk/politics", "phone-seizure-powers-small-boats-smugglers-home-office", 2802613,
             "Border officials given powers to seize migrants’ phones to target smuggling gangs",
             "The Home Secretary said smuggling gangs ‘run their businesses through their phones’.", phones_pa,
             "2025-08-04T23:01:00Z", "Press Association", "press-association", True, ["Home Office", "Small boats"], "(PA Wire)"),
        ]),
        ("www.standard.co.uk", "standard", [
            ("news/politics", "yvette-cooper-western-balkans-summit-hillsborough-migration", 1252730, pa_title,
             "The Foreign Secretary will announce funding for border security and cyber defences.", pa_paras,
             "2025-10-08T21:35:00Z", "PA Political Staff", "pa-political-staff", False, ["Yvette Cooper", "Western Balkans"], "Yvette Cooper (PA)"),
            ("news/politics", "home-office-phones-seized-small-boats-smugglers", 1243315,
             "Migrants’ phones can be seized under new border powers",
             "Officers can search devices for evidence of smuggling networks.", phones_pa,
             "2025-08-04T23:05:00Z", "PA Political Staff", "pa-political-staff", False, ["Home Office"], "(Stefan Rousseau/PA)"),
        ]),
    ):
        s = Site(host, gzip=True, headers={"Cache-Control": "public, max-age=60"})
        entries: list[dict[str, Any]] = []
        others = INDEPENDENT_OTHER if site == "independent" else STANDARD_OTHER
        allsrc = list(sources) + [
            (o.section, o.key, (2830000 if site == "independent" else 1250000) + 977 * n, o.title, o.standfirst,
             list(o.paras), o.published, "Sports Staff" if o.section.startswith("sport") else "Staff Reporter",
             "staff", site == "independent", [o.section.split("/")[-1].title()], "") for n, o in enumerate(others)]
        for section, slug, num, title, stand, paras, when, author, aslug, donation, kws, cap in allsrc:
            prefix = "b"
            path = f"/{section}/{slug}-{prefix}{num}.html"
            subsection = section.split("/")[1].replace("-", " ").title() if "/" in section else section.title()
            s.add(path, path.lstrip("/"), esi_page(site=site, host=host, path=path, title=title, standfirst=stand,
                                                   paras=paras, when=when, author=author, author_slug=aslug,
                                                   section=section, subsection=subsection, donation=donation,
                                                   keywords=kws, caption=cap), last_modified=when)
            entries.append({"title": title, "link": f"{{base}}{path}", "date": rfc822(when), "desc": stand,
                            "when": when, "section": section, "keywords": kws, "category": subsection})
        entries.sort(key=lambda e: e["when"], reverse=True)
        if site == "independent":
            uk = [e for e in entries if e["section"].startswith("news/uk")]
            s.add("/news/uk/rss", "news/uk/rss.xml", rss("The Independent", "{base}/news/uk", "UK news", uk),
                  RSS, last_modified=uk[0]["when"], template=True)
            s.add("/rss", "rss.xml", rss("The Independent", "{base}/", "All the latest news", entries),
                  RSS, last_modified=entries[0]["when"], template=True)
            urlset = "".join(f"""  <url>
    <loc>{e["link"]}</loc>
    <news:news>
      <news:publication><news:name>The Independent</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>{iso_z(e["when"])}</news:publication_date>
      <news:title>{E(e["title"])}</news:title>
      <news:keywords>{E(", ".join(e["keywords"]))}</news:keywords>
    </news:news>
    <lastmod>{iso_z(e["when"])}</lastmod>
  </url>
""" for e in entries)
            s.add("/sitemaps/googlenews", "sitemaps/googlenews.xml",
                  '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                  f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n{urlset}</urlset>\n',
                  "text/xml; charset=utf-8", last_modified=entries[0]["when"], template=True)
            robots = "User-agent: *\nDisallow: /search\nDisallow: /api/\nDisallow: /topic/*?*\n\nSitemap: {base}/sitemap.xml\nSitemap: {base}/sitemaps/googlenews\n"
        else:
            s.add("/rss", "rss.xml", rss("Evening Standard", "{base}/", "The latest news from the Standard", entries),
                  RSS, last_modified=entries[0]["when"], template=True)
            robots = "User-agent: *\nDisallow: /search\nDisallow: /api/\n\nSitemap: {base}/sitemap.xml\n"
        s.add("/robots.txt", "robots.txt", robots, TEXT, template=True)
        s.add("/", "index.html", homepage("The Independent" if site == "independent" else "The Standard",
                                          [(e["link"].replace("{base}", ""), e["title"]) for e in entries]))
        sites.append(s)

    # ---- Iconic Media titles ------------------------------------------------------------------
    for host in ICONIC:
        s = Site(host)
        entries = []
        stories = [("news/northern-ireland", "1914558", "cooper-to-host-talks-on-security-and-migration-at-western-balkans-summit",
                    pa_title, pa_paras, "2025-10-09T05:00:00Z")]
        if host == "www.donegallive.ie":
            stories.append(("news/national", "1872310", "migrants-phones-can-be-seized-under-new-border-powers",
                            "Migrants' phones can be seized under new border powers", [straight(p) for p in phones_pa], "2025-08-05T06:10:00Z"))
        for o in ICONIC_LOCAL[host]:
            num, slug = o.key.split("/")
            stories.append((o.section, num, slug, o.title, list(o.paras), o.published))
        for section, num, slug, title, paras, when in stories:
            path = f"/{section}/{num}/{slug}.html"
            s.add(path, path.lstrip("/"), iconic_page(host, path, title, paras, when, section), last_modified=when)
            entries.append({"title": title, "link": f"{{base}}{path}", "date": rfc822(when), "desc": paras[0],
                            "when": when, "category": section.split("/")[-1].replace("-", " ").title()})
        entries.sort(key=lambda e: e["when"], reverse=True)
        s.add("/rss", "rss.xml", rss(ICONIC[host]["name"], "{base}/", f"Latest news from {ICONIC[host]['name']}", entries),
              RSS, last_modified=entries[0]["when"], template=True)
        s.add("/robots.txt", "robots.txt", "User-agent: *\nDisallow: /search\nDisallow: /login\n", TEXT)
        s.add("/", "index.html", homepage(ICONIC[host]["name"], [(e["link"].replace("{base}", ""), e["title"]) for e in entries]))
        sites.append(s)

    # ---- outlets added the declarative way: crawler/demo/sites/<seed>.toml ----------------------
    for tpl in sorted(TEMPLATES.glob("*.toml")):
        sites.append(template_site(tpl))

    for s in sites:
        s.write(out_web)

    # ---- update-1: one changed GOV.UK page, one new item (GOV.UK only; outlets unchanged) --------
    upd = Site("www.gov.uk")
    changed = GovItem(**{**seed.__dict__})
    changed.public_updated = UPDATE_1_AT
    changed.body = seed.body.replace("<p>The meeting lays the groundwork",
                                     f"<p>{E(UPDATE_1_PARA, False)}</p>\n<p>The meeting lays the groundwork", 1)
    changed.change_history = [*seed.change_history, {"public_timestamp": UPDATE_1_AT, "note": UPDATE_1_NOTE}]
    new = from_story(NEW_IN_UPDATE_1)
    items2 = [changed if it is seed else it for it in items] + [new]
    add_govuk_item(upd, changed, by_org[seed.orgs[0]["base_path"]][1:4])
    add_govuk_item(upd, new, [changed])
    add_govuk_feeds(upd, items2, [FCDO])
    upd.files["_search_index.json"] = dumps([search_item(changed), search_item(new)]).encode()
    upd.write(out_updates / "update-1")
    from crawler.demo.variants import build_variants

    build_variants(out_web, out_updates)  # restyled / redesigned outlets (probe and selection tests)
    return {s.host: len([k for k in s.routes if not k.startswith("_")]) for s in sites}


def _fill(template: str, values: dict[str, str]) -> str:
    """`{name}` placeholders only (str.format would trip over CSS/JS braces in a page)."""
    for k, v in values.items():
        template = template.replace("{" + k + "}", v)
    return template


_TEMPLATE_KEYS = {"host", "site_name", "feed", "robots", "page", "articles"}
_ARTICLE_KEYS = {"path", "title", "published", "section", "paragraphs", "author"}


def template_site(path: Path, seeds: Path | None = None) -> Site:
    """The fixture host of one outlet from its small template (crawler/demo/sites/<seed>.toml).

    The template holds the page skeleton with `{title}`, `{paragraphs}`, `{published}`,
    `{section}`, `{author}`, `{url}` and `{site_name}` placeholders, and the articles; the host
    and feed path default to the seed's base_url and first feed. Built here: every article
    page, an RSS 2.0 feed of them, robots.txt and a home page. No code per outlet.
    """
    import tomllib

    from crawler.seeds import load_seed

    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    unknown = set(raw) - _TEMPLATE_KEYS
    if unknown:
        raise ValueError(f"{path.name}: unknown key {sorted(unknown)[0]!r} (known: {sorted(_TEMPLATE_KEYS)})")
    seed = load_seed(path.stem, seeds)
    src = seed.all_sources()[0]
    host = raw.get("host") or (src.real_base_url or src.base_url).split("://", 1)[1].split("/", 1)[0]
    name = raw.get("site_name") or seed.outlet or seed.name
    feed = "/" + (raw.get("feed") or (src.feeds[0] if src.feeds else "rss")).lstrip("/")
    s = Site(host)
    entries: list[dict[str, Any]] = []
    for i, a in enumerate(raw.get("articles", [])):
        bad = set(a) - _ARTICLE_KEYS
        if bad or not {"path", "title", "published", "paragraphs"} <= set(a):
            raise ValueError(f"{path.name}: articles[{i}] needs path, title, published, paragraphs"
                             + (f"; unknown key {sorted(bad)[0]!r}" if bad else ""))
        paras = "\n".join(f"<p>{E(p, False)}</p>" for p in a["paragraphs"])
        page = _fill(raw["page"], {"title": E(a["title"]), "paragraphs": paras, "published": a["published"],
                                   "section": E(a.get("section", "")), "author": E(a.get("author", "")),
                                   "url": "{base}" + a["path"], "site_name": E(name)})
        s.add(a["path"], a["path"].lstrip("/"), page, last_modified=a["published"], template=True)
        entries.append({"title": a["title"], "link": "{base}" + a["path"], "date": rfc822(a["published"]),
                        "desc": a["paragraphs"][0], "when": a["published"], "category": a.get("section", "")})
    entries.sort(key=lambda e: e["when"], reverse=True)
    if entries:
        s.add(feed, feed.lstrip("/").replace("/", "-") + ".xml", rss(name, "{base}/", f"Latest from {name}", entries),
              RSS, last_modified=entries[0]["when"], template=True)
    s.add("/robots.txt", "robots.txt", raw.get("robots", "User-agent: *\nDisallow: /search\n"), TEXT)
    s.add("/", "index.html", homepage(name, [(e["link"].replace("{base}", ""), e["title"]) for e in entries]))
    return s


def main() -> None:
    counts = build(HERE / "web", HERE / "updates")
    for host, n in counts.items():
        print(f"{host:26} {n:3} routes")
    size = sum(p.stat().st_size for p in (HERE / "web").rglob("*") if p.is_file())
    print(f"web size: {size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
