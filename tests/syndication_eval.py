"""A labelled evaluation set for syndication links, built from real GOV.UK releases.

The releases are the real Content API responses in tests/govuk_content_api/ (copied from
../shared/govuk-content-api-examples; Crown copyright, Open Government Licence v3.0). Their
bodies become release texts; copies are made from them the way outlets make them: verbatim
reprints (Wired-Gov), truncated reprints with re-cased titles (Mirage News), PA-style rewrites
at several reuse levels (own intro and context around some release paragraphs, some lightly
edited), a PA story that only quotes the minister, round-ups of two and three releases, copies
of releases the archive does not hold, same-topic stories that copy nothing, and copies made
before and after a release was revised. Six archived releases (and both held-out ones) carry
the same standard "Notes to editors" block, as a press office's releases do.

`expected` maps each copy to the set of (release key, revision) it copies. Run
``python -m tests.syndication_eval`` to print precision and recall (docs/dataset.md).
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from lxml import html

from archive.storage import LocalStore
from tests.dataset_helpers import make_doc, write_doc

API = Path(__file__).resolve().parent / "govuk_content_api"

ARCHIVED = {
    "xmas": "news_article.json",
    "phe": "news_article_press_release.json",
    "frank": "best-practice-press-release.json",
    "drugdrive": "best-practice-news-story.json",
    "food": "best-practice-government-response.json",
    "fish": "news_article_government_response.json",
    "hc": "news_article_with_image_caption.json",
    "houthi_ar": "news_article_history_mode_translated_arabic.json",
}
NOT_ARCHIVED = {"cde": "best-practice-event.json", "careact": "news_article_history_mode.json"}
WITH_NOTES = {"phe", "frank", "drugdrive", "food", "fish", "hc", "cde", "careact"}

NOTES = [
    "Notes to editors",
    "For media enquiries please contact the government press office on the number below. Journalists "
    "calling out of hours should use the duty press officer line and leave a message with their deadline.",
    "Sign up to receive email alerts whenever this department publishes a news story, a press release, "
    "a speech or a statement, and follow the department on social media for the latest announcements.",
    "Official statistics quoted in this release are published on GOV.UK in line with the Code of Practice "
    "for Statistics, and the underlying data tables are available to download from the statistics page.",
]

# Paragraphs a wire reporter writes around the government's words (own text, no copying).
OWN = {
    "phe": [
        "Middle-aged adults are being told to take a hard look at their habits after figures suggested "
        "most of them are carrying too much weight or drinking above the guidelines.",
        "Health officials launched an online quiz aimed at people in their forties and fifties, hoping a "
        "quick score will nudge them into walking more and cutting back on takeaways.",
        "Campaigners welcomed the drive but warned that councils have seen public health budgets squeezed "
        "year after year, leaving fewer local services to refer people to.",
        "Charities said the festive period was a good moment to reflect, with many people already planning "
        "new year resolutions they rarely keep beyond the middle of January.",
        "Doctors' leaders said GPs see the consequences every day in their surgeries, from joint pain to "
        "high blood pressure, and called for action on food advertising as well.",
        "The campaign will run on television and social media into the spring, officials confirmed.",
    ],
    "drugdrive": [
        "Motorists who get behind the wheel after taking cannabis or cocaine will face prosecution under "
        "tough new limits, ministers announced on Thursday.",
        "Police forces will be able to use roadside swab kits to test drivers, and officers said the change "
        "would close a loophole that let impaired drivers escape conviction.",
        "Road safety groups have long argued that drug driving is under-reported because it was so hard to "
        "prove in court under the old impairment test.",
        "Patients taking prescribed medicine will not be penalised as long as they follow the advice of "
        "their doctor, the announcement made clear.",
        "The rules are expected to be debated by MPs and peers before the end of the year.",
        "Figures from the last year showed dozens of deaths on the roads where drugs were a factor, road "
        "safety charities said.",
        "One campaigner whose son was killed by a driver who had taken drugs said the family had waited "
        "years for the law to change.",
    ],
    "fish": [
        "Thousands of dead fish have washed up on a beach in Cornwall, leaving locals and holidaymakers "
        "baffled over the Christmas break.",
        "Walkers reported piles of mackerel and horse mackerel stretching along the sand near St Michael's "
        "Mount, with gulls feeding on them for days.",
        "Fishermen suggested a trawler may have dumped an unwanted catch, while others blamed a predator "
        "chasing a shoal into shallow water.",
        "Officials have been asked to investigate and residents were told to keep dogs away from the shore.",
    ],
    "xmas": [
        "Theresa May has paid tribute to the armed forces and emergency services in her first Christmas "
        "message as Prime Minister.",
        "The message, released on Christmas Day, looked back on a year dominated by the vote to leave the "
        "European Union and the summer's sporting triumphs in Rio.",
        "The Prime Minister, a vicar's daughter, spoke about her faith and her own memories of a busy "
        "Christmas in the parish.",
    ],
    "frank": [
        "A government drugs advice service is marking ten years with a series of tongue-in-cheek adverts "
        "aimed at teenagers.",
        "The campaign, which will appear on television, radio and online, pokes fun at slang for drugs in "
        "an attempt to get young people talking.",
        "Critics questioned whether jokes were the right way to reach young people, but the service said "
        "humour had worked in previous campaigns.",
        "Drug charities said frank and accurate information was vital because teenagers often relied on "
        "rumours from friends and social media.",
        "Youth workers in several cities said demand for drugs education in schools was rising.",
        "The adverts will be shown around programmes popular with teenagers in the coming weeks.",
        "A spokesman for a parents' group said many families did not know where to turn for advice.",
        "Ministers said the service had answered millions of calls since it was launched in 2003.",
    ],
    "careact": [
        "Councils have been handed the final version of the rules that will govern adult social care "
        "from April, after months of consultation.",
        "Care providers said the changes were welcome but warned that funding had not kept pace with "
        "demand from an ageing population.",
        "Carers' groups said families needed far clearer information about what support they are entitled "
        "to under the new system.",
    ],
}

DECOYS = {
    "decoy_drugs": ("Drivers caught on drugs as police step up roadside tests", [
        "Police in the north west arrested more than forty drivers in a week-long crackdown on drug "
        "driving, using new roadside swab kits for the first time.",
        "Officers said cannabis was the drug most often found, followed by cocaine, and that several of "
        "the drivers had also been drinking.",
        "The force said the limits set in law made it much easier to bring cases to court than in the past, "
        "when officers had to prove a driver was impaired.",
        "A road safety charity said the figures showed why the limits mattered and urged other forces to "
        "run similar operations over the summer.",
    ], "2014-04-02T09:00:00+00:00"),
    "decoy_xmas": ("Royal family attends Christmas service at Sandringham", [
        "Members of the royal family attended the traditional Christmas Day service at Sandringham, "
        "greeting well-wishers who had waited outside the church since dawn.",
        "The Queen, who celebrated her 90th birthday this year, did not attend after a heavy cold, "
        "Buckingham Palace said, but was expected to watch her broadcast with family.",
        "Crowds sang carols and children handed flowers to the Duke and Duchess of Cambridge as they left.",
    ], "2016-12-25T14:00:00+00:00"),
    "decoy_health": ("Gym memberships surge as Britons make new year pledges", [
        "Gyms across the country have reported a surge in sign-ups as people try to get fit after the "
        "festive season.",
        "One chain said January memberships were up by a fifth on last year, with classes for beginners "
        "selling out in the first week.",
        "Experts warned that most people give up within weeks, and suggested walking, cycling and small "
        "changes to diet were more likely to last than expensive plans.",
        "Doctors said middle-aged adults in particular should check their blood pressure and weight before "
        "starting a demanding new routine.",
    ], "2016-12-30T08:00:00+00:00"),
}

FRANK_REV2_EXTRA = ("Correction: an earlier version of this release gave the wrong number for the FRANK "
                    "text service. The correct number is 82111, and the helpline remains free to call "
                    "from landlines and most mobile networks at any time of day or night.")


def body_paragraphs(body_html: str) -> list[str]:
    """Text paragraphs of a Content API `details.body` (govspeak HTML)."""
    root = html.fromstring(f"<div>{body_html}</div>")
    out = []
    for el in root.iter("p", "h2", "h3", "li"):
        if el.tag == "li" and el.find(".//p") is not None:
            continue
        t = " ".join(el.text_content().split())
        if t:
            out.append(t)
    return out


@dataclass
class Release:
    name: str
    api: dict[str, Any]
    paras: list[str]
    published: datetime

    @property
    def key(self) -> str:
        return f"{self.api['content_id']}:{self.api.get('locale') or 'en'}"

    @property
    def url(self) -> str:
        return "https://www.gov.uk" + self.api["base_path"]


@dataclass
class EvalSet:
    store: LocalStore
    releases: dict[str, Release]
    expected: dict[str, set[tuple[str, int]]] = field(default_factory=dict)   # copy url -> links
    categories: dict[str, str] = field(default_factory=dict)                  # copy url -> case
    not_archived: set[str] = field(default_factory=set)                        # copy urls


def _release(name: str, file: str) -> Release:
    api = json.loads((API / file).read_text(encoding="utf-8"))
    if name == "phe":  # the schema examples reuse the fish story's content_id for this release
        api["content_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, api["base_path"]))
    paras = body_paragraphs(api["details"]["body"])
    if name in WITH_NOTES:
        paras = paras + NOTES
    when = datetime.fromisoformat(api["first_published_at"])
    return Release(name, api, paras, when)


def _meta(api: dict[str, Any]) -> dict[str, Any]:
    links = api.get("links") or {}
    details = api.get("details") or {}
    return {
        "content_id": api["content_id"], "base_path": api["base_path"],
        "document_type": api["document_type"], "schema_name": api["schema_name"],
        "locale": api.get("locale"),
        "organisations": [{"slug": (o.get("base_path") or "").rsplit("/", 1)[-1],
                           "title": o.get("title", ""), "content_id": o.get("content_id", "")}
                          for o in links.get("organisations", [])],
        "people": [{"slug": (p.get("base_path") or "").rsplit("/", 1)[-1], "title": p.get("title", "")}
                   for p in links.get("people", [])],
        "first_published_at": details.get("first_public_at") or api.get("first_published_at"),
        "public_updated_at": api.get("public_updated_at"),
        "change_history": details.get("change_history") or [],
        "government": details.get("government") or {},
    }


def _edit(p: str) -> str:
    """A sub-editor's light touch: contractions, a synonym, 'said' to 'says'."""
    for a, b in (("We ", "The department says it "), (" said", " says"), (" is ", " was "),
                 ("important", "vital"), (" and ", " & "), ("will ", "is to ")):
        p = p.replace(a, b, 1)
    return p


def build_eval(root: Path) -> EvalSet:
    store = LocalStore(root)
    rel = {n: _release(n, f) for n, f in {**ARCHIVED, **NOT_ARCHIVED}.items()}
    ev = EvalSet(store, {n: r for n, r in rel.items() if n in ARCHIVED})
    for _name, r in ev.releases.items():
        fetched = (r.published + timedelta(hours=1)).isoformat()
        doc = make_doc(site="govuk", outlet="GOV.UK", url=r.url, text="\n\n".join(r.paras),
                       title=r.api["title"], published=r.api["first_published_at"],
                       fetched_at=fetched, metadata=_meta(r.api), cleaner="govuk")
        doc["language"] = r.api.get("locale")
        doc["modified"] = r.api["first_published_at"]
        write_doc(store, doc)
    # FRANK was revised two days later: a correction paragraph, one paragraph reworded
    frank = ev.releases["frank"]
    rev2_paras = [*frank.paras[:3], frank.paras[3].replace("67 per cent", "two thirds"),
                  *frank.paras[4:9], FRANK_REV2_EXTRA, *frank.paras[9:]]
    rev2_time = frank.published + timedelta(days=2)
    meta2 = _meta(frank.api)
    meta2["change_history"] = [*meta2["change_history"], {
        "public_timestamp": rev2_time.isoformat(), "note": "Corrected the FRANK text number."}]
    meta2["public_updated_at"] = rev2_time.isoformat()
    doc2 = make_doc(site="govuk", outlet="GOV.UK", url=frank.url, text="\n\n".join(rev2_paras),
                    title=frank.api["title"], published=frank.api["first_published_at"],
                    fetched_at=(rev2_time + timedelta(hours=1)).isoformat(), metadata=meta2,
                    cleaner="govuk")
    doc2["modified"] = rev2_time.isoformat()
    write_doc(store, doc2)

    n = 0

    def copy(case: str, site: str, outlet: str, host: str, title: str, paras: list[str],
             when: datetime, links: set[tuple[str, int]], source: str | None = None) -> str:
        nonlocal n
        n += 1
        url = f"https://www.{host}/news/{case}-{n}.html"
        meta = {"source_url": source} if source else {}
        write_doc(store, make_doc(site=site, outlet=outlet, url=url, text="\n\n".join([title, *paras]),
                                  title=title, published=when.isoformat(),
                                  fetched_at=(when + timedelta(hours=2)).isoformat(), metadata=meta))
        ev.expected[url] = links
        ev.categories[url] = case
        return url

    def k(name: str, revision: int = 1) -> tuple[str, int]:
        return (rel[name].key, revision)

    h = timedelta(hours=1)
    x, phe, dd, food, fish = rel["xmas"], rel["phe"], rel["drugdrive"], rel["food"], rel["fish"]
    hc, ar, fr = rel["hc"], rel["houthi_ar"], rel["frank"]
    # verbatim reprints (Wired-Gov), one naming its source
    copy("verbatim", "wiredgov", "Wired-Gov", "wired-gov.net", x.api["title"], x.paras,
         x.published + 5 * h, {k("xmas")}, source=x.url)
    copy("verbatim", "wiredgov", "Wired-Gov", "wired-gov.net", phe.api["title"], phe.paras,
         phe.published + 6 * h, {k("phe")})
    copy("verbatim", "mirage", "Mirage News", "miragenews.com", hc.api["title"].title(), hc.paras,
         hc.published + 30 * h, {k("hc")})
    copy("verbatim", "mirage", "Mirage News", "miragenews.com", ar.api["title"], ar.paras,
         ar.published + 8 * h, {k("houthi_ar")})
    # truncated reprints (Mirage News: re-cased title, first part only, no notes)
    copy("truncated", "mirage", "Mirage News", "miragenews.com", dd.api["title"].title(),
         dd.paras[:len(dd.paras) // 2], dd.published + 9 * h, {k("drugdrive")})
    copy("truncated", "mirage", "Mirage News", "miragenews.com", food.api["title"].title(),
         food.paras[:4], food.published + 20 * h, {k("food")})
    # PA-style rewrites at several reuse levels
    copy("pa_high", "independent", "The Independent", "independent.co.uk",
         "Eight in 10 middle-aged adults unhealthy", OWN["phe"][:3] + phe.paras[8:13] + OWN["phe"][3:5],
         phe.published + 3 * h, {k("phe")})
    copy("pa_mid", "independent", "The Independent", "independent.co.uk",
         "New drug-drive limits approved", OWN["drugdrive"][:3] + dd.paras[3:5] + OWN["drugdrive"][3:],
         dd.published + 4 * h, {k("drugdrive")})
    copy("pa_mid", "iconic", "Limerick Leader", "limerickleader.ie",
         "New drug-drive limits approved", OWN["drugdrive"][:3] + dd.paras[3:5] + OWN["drugdrive"][3:6],
         dd.published + 7 * h, {k("drugdrive")})
    copy("pa_low", "independent", "The Independent", "independent.co.uk",
         "Mystery as thousands of dead fish wash up on Cornwall beach",
         OWN["fish"][:3] + fish.paras[3:4] + OWN["fish"][3:], fish.published + 5 * h, {k("fish")})
    copy("pa_edited", "standard", "The Standard", "standard.co.uk",
         "May praises armed forces in Christmas message",
         OWN["xmas"][:2] + [_edit(p) for p in x.paras[4:7]] + OWN["xmas"][2:], x.published + 2 * h,
         {k("xmas")})
    # a PA story that only quotes the minister (release paragraphs 2-3, nothing else)
    quote = ("Crime prevention minister Jeremy Browne said: “" + fr.paras[2].strip("‘’") + " "
             + fr.paras[3].strip("‘’") + "”")
    copy("quote_only", "independent", "The Independent", "independent.co.uk",
         "Drugs advice service Frank turns 10 with comic adverts",
         OWN["frank"][:3] + [quote] + OWN["frank"][3:], fr.published + 6 * h, {k("frank", 1)})
    fenton = "Professor Kevin Fenton of PHE said: “" + phe.paras[9] + "”"
    copy("quote_only", "iconic", "Donegal Democrat / Donegal Live", "donegallive.ie",
         "Health quiz for the middle-aged", OWN["phe"][:4] + [fenton] + OWN["phe"][4:]
         + OWN["frank"][4:7] + OWN["careact"][1:3], phe.published + 8 * h, {k("phe")})
    # round-ups
    copy("roundup2", "iconic", "Donegal Democrat / Donegal Live", "donegallive.ie",
         "What the government said this Christmas",
         [OWN["xmas"][0], *x.paras[1:3], OWN["phe"][5], *phe.paras[0:2]], phe.published + 10 * h,
         {k("xmas"), k("phe")})
    copy("roundup3", "standard", "The Standard", "standard.co.uk", "News in brief",
         [x.paras[7], x.paras[6], OWN["fish"][0], fish.paras[0], fish.paras[3], OWN["phe"][1],
          phe.paras[2], phe.paras[3]], phe.published + 12 * h, {k("xmas"), k("fish"), k("phe")})
    # copies of releases the archive does not hold (with their notes to editors)
    cde, care = rel["cde"], rel["careact"]
    ev.not_archived.add(copy("not_archived", "wiredgov", "Wired-Gov", "wired-gov.net",
                             cde.api["title"], cde.paras, cde.published + 4 * h, set()))
    ev.not_archived.add(copy("not_archived", "independent", "The Independent", "independent.co.uk",
                             "Final care rules published", OWN["careact"][:2] + care.paras[0:2]
                             + OWN["careact"][2:] + NOTES[1:3], care.published + 3 * h, set()))
    # same-topic stories that copy nothing
    for _name, (title, paras, when) in DECOYS.items():
        copy("decoy", "independent", "The Independent", "independent.co.uk", title, paras,
             datetime.fromisoformat(when), set())
    # revision-aware: a copy of revision 1 (before the correction) and one of revision 2
    copy("revision", "wiredgov", "Wired-Gov", "wired-gov.net", fr.api["title"], fr.paras,
         fr.published + 20 * h, {k("frank", 1)})
    copy("revision", "mirage", "Mirage News", "miragenews.com", fr.api["title"].title(),
         rev2_paras[:10], rev2_time + 5 * h, {k("frank", 2)})
    return ev


@dataclass
class Scores:
    expected: int
    predicted: int
    correct: int
    by_case: dict[str, tuple[int, int, int]]
    wrong: list[str]

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.expected if self.expected else 1.0


def score(ev: EvalSet, links: list[dict[str, Any]]) -> Scores:
    """Precision and recall of linked (copy, release key, revision) pairs."""
    got: dict[str, set[tuple[str, int]]] = {u: set() for u in ev.expected}
    for r in links:
        if r["linked"] and r["copy_url"] in got:
            got[r["copy_url"]].add((r["release_key"], r["release_revision"]))
    by_case: dict[str, list[int]] = {}
    wrong = []
    e = p = c = 0
    for url, want in ev.expected.items():
        have = got[url]
        ok = len(want & have)
        e, p, c = e + len(want), p + len(have), c + ok
        t = by_case.setdefault(ev.categories[url], [0, 0, 0])
        t[0], t[1], t[2] = t[0] + len(want), t[1] + len(have), t[2] + ok
        if have != want:
            wrong.append(f"{ev.categories[url]} {url}: expected {sorted(want)}, got {sorted(have)}")
    return Scores(e, p, c, {k: (v[0], v[1], v[2]) for k, v in by_case.items()}, wrong)


def baseline(ev: EvalSet) -> list[dict[str, Any]]:
    """The previous rule, for comparison: each copy links to the one release revision holding the
    largest raw share of its shingles, when that share is at least 0.15 (no standard-text
    weighting, no date window, one link per copy)."""
    from archive.dataset.reader import DocReader
    from archive.dataset.syndication import shingles
    reader = DocReader(ev.store)
    docs = [(d, reader.record(key, d)) for key in reader.keys() if (d := reader.load(key))]
    rels = [(rec, shingles(d["text"])) for d, rec in docs if rec and rec.is_release]
    revision = {}
    for key in {r.release_key for r, _ in rels}:
        revs = sorted((r for r, _ in rels if r.release_key == key), key=lambda r: r.live_from)
        revision.update({r.id: i + 1 for i, r in enumerate(revs)})
    out = []
    for d, rec in docs:
        if rec is None or rec.is_release:
            continue
        sh = shingles(d["text"])
        best = max(((len(np.intersect1d(sh, rs)) / max(len(sh), 1), r) for r, rs in rels),
                   key=lambda t: t[0], default=(0.0, None))
        if best[1] is not None and best[0] >= 0.15:
            out.append({"copy_url": d["url"], "linked": True, "release_key": best[1].release_key,
                        "release_revision": revision[best[1].id]})
    return out


def main() -> None:
    import tempfile

    import pyarrow.parquet as pq

    from archive.dataset import BuildOptions, build_dataset
    with tempfile.TemporaryDirectory() as tmp:
        ev = build_eval(Path(tmp, "store"))
        build_dataset(ev.store, LocalStore(Path(tmp, "out")), BuildOptions())
        links = [r for f in Path(tmp, "out", "syndication").glob("*.parquet")
                 for r in pq.read_table(f).to_pylist()]
        s = score(ev, links)
        print(f"copies {len(ev.expected)}, expected links {s.expected}, predicted {s.predicted}, "
              f"correct {s.correct}: precision {s.precision:.3f}, recall {s.recall:.3f}")
        print("| case | expected links | predicted | correct |\n|---|---|---|---|")
        for case, (e, p, c) in sorted(s.by_case.items()):
            print(f"| {case} | {e} | {p} | {c} |")
        for w in s.wrong:
            print("WRONG", w)
        b = score(ev, baseline(ev))
        print(f"baseline (best raw copy_share >= 0.15, one link): precision {b.precision:.3f}, "
              f"recall {b.recall:.3f}")
        for w in b.wrong:
            print("  baseline wrong:", w)
        for r in links:
            if ev.categories.get(r["copy_url"]) in ("quote_only", "pa_low", "not_archived", "decoy"):
                print(f"  {ev.categories[r['copy_url']]:<12} linked={r['linked']!s:<5} "
                      f"distinctive={r['distinctive_share']} copy={r['copy_share']} "
                      f"new={r.get('new_share')} method={r['method']}")
        status = {r["copy_url"]: r["source_archived"] for r in links}
        for u in sorted(ev.not_archived):
            print("not archived:", u, "source_archived =", status.get(u))


if __name__ == "__main__":
    main()
