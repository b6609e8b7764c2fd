"""The fixture web behaves like the real sites where crawls depend on it: types, 304s, search API,
robots.txt, gzip, updates, throttling, loopback only."""
from __future__ import annotations

import gzip
import json
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from crawler.demo.server import FixtureWeb

SEED_SLUG = ("foreign-secretary-to-put-boosting-security-and-tackling-illegal-migration-at-the-heart-"
             "of-foreign-policy-during-meeting-of-european-partners")
SEED_TITLE = ("Foreign Secretary to put boosting security and tackling illegal migration at the heart of "
              "foreign policy during meeting of European partners")
SEEDS = Path(__file__).resolve().parent.parent / "crawler" / "demo" / "sources"
FCDO_ATOM = "/government/organisations/foreign-commonwealth-development-office.atom"


class Resp:
    def __init__(self, status: int, headers: Any, body: bytes) -> None:
        self.status, self.headers, self.raw = status, headers, body

    @property
    def body(self) -> bytes:
        return gzip.decompress(self.raw) if self.headers.get("Content-Encoding") == "gzip" else self.raw

    @property
    def text(self) -> str:
        m = re.search(r"charset=([\w-]+)", self.headers.get("Content-Type", ""))
        return self.body.decode(m.group(1) if m else "utf-8")

    def json(self) -> Any:
        return json.loads(self.body)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a: Any, **k: Any) -> None:
        return None


_opener = urllib.request.build_opener(NoRedirect)


def get(web: FixtureWeb, host: str, path: str, **headers: str) -> Resp:
    req = urllib.request.Request(web.urls[host] + path, headers={k.replace("_", "-"): v for k, v in headers.items()})
    try:
        with _opener.open(req, timeout=10) as r:
            return Resp(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        return Resp(e.code, e.headers, e.read())


def seed_lines(n: str) -> list[str]:
    return [l.strip() for l in (SEEDS / f"seed_{n}.txt").read_text(encoding="utf-8").splitlines() if l.strip()]


def test_binds_only_loopback(web: FixtureWeb) -> None:
    addrs = web.server_addresses()
    assert set(addrs) == {"www.gov.uk", "www.wired-gov.net", "www.miragenews.com", "www.independent.co.uk",
                          "www.standard.co.uk", "www.donegallive.ie", "www.limerickleader.ie"}
    assert {ip for ip, _ in addrs.values()} == {"127.0.0.1"}
    assert len({port for _, port in addrs.values()}) == len(addrs)
    assert all(u.startswith("http://127.0.0.1:") for u in web.urls.values())


@pytest.mark.parametrize("host,path,ctype", [
    ("www.gov.uk", f"/government/news/{SEED_SLUG}", "text/html; charset=utf-8"),
    ("www.gov.uk", f"/api/content/government/news/{SEED_SLUG}", "application/json; charset=utf-8"),
    ("www.gov.uk", FCDO_ATOM, "application/atom+xml; charset=utf-8"),
    ("www.gov.uk", "/robots.txt", "text/plain; charset=utf-8"),
    ("www.wired-gov.net", "/wg/news.nsf/home?openform&rss", "text/xml; charset=UTF-8"),
    ("www.wired-gov.net", "/wg/news.nsf/articles/foreign+secretary+to+put+boosting+security+and+tackling+illegal+"
     "migration+at+the+heart+of+foreign+policy+during+meeting+of+european+partners+09102025101500?open",
     "text/html; charset=windows-1252"),
    ("www.miragenews.com", "/feed/", "application/rss+xml; charset=UTF-8"),
    ("www.miragenews.com", "/foreign-secretary-to-put-boosting-security-and-1548329/", "text/html; charset=utf-8"),
    ("www.independent.co.uk", "/news/uk/rss", "application/rss+xml; charset=UTF-8"),
    ("www.independent.co.uk", "/sitemaps/googlenews", "text/xml; charset=utf-8"),
    ("www.independent.co.uk", "/news/uk/home-news/western-balkans-yvette-cooper-serbia-north-macedonia-germany-b2842071.html",
     "text/html; charset=utf-8"),
    ("www.standard.co.uk", "/rss", "application/rss+xml; charset=UTF-8"),
    ("www.donegallive.ie", "/rss", "application/rss+xml; charset=UTF-8"),
    ("www.donegallive.ie", "/news/northern-ireland/1914558/cooper-to-host-talks-on-security-and-migration-at-western-balkans-summit.html",
     "text/html; charset=utf-8"),
    ("www.limerickleader.ie", "/news/northern-ireland/1914558/cooper-to-host-talks-on-security-and-migration-at-western-balkans-summit.html",
     "text/html; charset=utf-8"),
])
def test_pages_served_with_type_and_validators(web: FixtureWeb, host: str, path: str, ctype: str) -> None:
    r = get(web, host, path)
    assert r.status == 200
    assert r.headers["Content-Type"] == ctype
    assert r.headers["ETag"] and r.headers["Last-Modified"]
    assert len(r.body) > 100
    assert "{base" not in r.text  # placeholders are always substituted


def test_feeds_point_at_the_fixture_server(web: FixtureWeb) -> None:
    for host, path in [("www.gov.uk", FCDO_ATOM), ("www.wired-gov.net", "/wg/news.nsf/home?openform&rss"),
                       ("www.miragenews.com", "/feed/"), ("www.independent.co.uk", "/sitemaps/googlenews"),
                       ("www.standard.co.uk", "/rss"), ("www.limerickleader.ie", "/rss")]:
        links = re.findall(r"(?:<link>|<loc>|href=\")(http[^<\"]+)", get(web, host, path).text)
        assert links and all(l.startswith(web.urls[host]) for l in links), (host, links[:3])
        article = next(l for l in links if l.count("/") > 3 and not l.endswith(".atom"))
        assert get(web, host, article[len(web.urls[host]):]).status == 200, article


def test_seed_story_everywhere(web: FixtureWeb) -> None:
    gov = get(web, "www.gov.uk", f"/government/news/{SEED_SLUG}").text
    assert f'<h1 class="gem-c-heading__text govuk-heading-xl">{SEED_TITLE}</h1>' in gov
    assert "Foreign Secretary Yvette Cooper said:" in gov and "<blockquote>" in gov
    api = get(web, "www.gov.uk", f"/api/content/government/news/{SEED_SLUG}").json()
    assert api["title"] == SEED_TITLE and api["document_type"] == "press_release"
    assert api["first_published_at"].startswith("2025-10-09")
    assert api["details"]["body"] in gov  # the page body is the Content API body verbatim

    wg = get(web, "www.wired-gov.net", "/wg/news.nsf/articles/foreign+secretary+to+put+boosting+security+and+tackling+"
             "illegal+migration+at+the+heart+of+foreign+policy+during+meeting+of+european+partners+09102025101500?open=")
    for line in seed_lines("000")[3:8]:
        assert line.replace("’", "&rsquo;") in wg.text or line in wg.text
    assert "Original article link:" in wg.text and "Printable version" in wg.text

    mg = get(web, "www.miragenews.com", "/foreign-secretary-to-put-boosting-security-and-1548329/").text
    assert seed_lines("001")[0] in mg and "/Public Release." in mg and "View in full here" in mg

    ind = get(web, "www.independent.co.uk",
              "/news/uk/home-news/western-balkans-yvette-cooper-serbia-north-macedonia-germany-b2842071.html").text
    assert ind.index("Your support helps us to tell the story") < ind.index(seed_lines("003")[1])
    main = ind[ind.index('<div id="main">'):]
    assert main.index("Your support makes all the difference.") < main.index("<p>Yvette Cooper is to host")

    for host in ("www.donegallive.ie", "www.limerickleader.ie"):
        ic = get(web, host, "/news/northern-ireland/1914558/cooper-to-host-talks-on-security-and-migration-at-western-balkans-summit.html").text
        assert "returned after making the journey." in ic and "To continue reading this article," in ic
    assert "Donegal&#x27;s premier news titles" in get(web, "www.donegallive.ie", "/news/northern-ireland/1914558/cooper-to-host-talks-on-security-and-migration-at-western-balkans-summit.html").text or \
        "Donegal's premier news titles" in get(web, "www.donegallive.ie", "/news/northern-ireland/1914558/cooper-to-host-talks-on-security-and-migration-at-western-balkans-summit.html").text


def test_conditional_requests_get_304(web: FixtureWeb) -> None:
    path = f"/government/news/{SEED_SLUG}"
    first = get(web, "www.gov.uk", path)
    etag, lm = first.headers["ETag"], first.headers["Last-Modified"]
    assert get(web, "www.gov.uk", path, If_None_Match=etag).status == 304
    assert get(web, "www.gov.uk", path, If_Modified_Since=lm).status == 304
    assert get(web, "www.gov.uk", path, If_None_Match='W/"other"').status == 200
    assert get(web, "www.gov.uk", path, If_Modified_Since="Mon, 01 Sep 2025 00:00:00 GMT").status == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)
    assert get(web, "www.gov.uk", path, If_None_Match='W/"other"', If_Modified_Since=lm).status == 200
    seen = web.requests("www.gov.uk")
    assert [r.status for r in seen] == [200, 304, 304, 200, 200, 200]
    assert seen[1].headers["if-none-match"] == etag


def test_gzip_when_accepted(web: FixtureWeb) -> None:
    path = f"/government/news/{SEED_SLUG}"
    z = get(web, "www.gov.uk", path, Accept_Encoding="gzip, deflate")
    plain = get(web, "www.gov.uk", path)
    assert z.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    assert z.body == plain.body and len(z.raw) < len(plain.raw)


def search(web: FixtureWeb, query: str) -> Resp:
    return get(web, "www.gov.uk", "/api/search.json?" + query)


def test_search_api_filters_order_and_paging(web: FixtureWeb) -> None:
    base = ("filter_organisations=foreign-commonwealth-development-office"
            "&filter_content_store_document_type=press_release&filter_content_store_document_type=news_story"
            "&order=-public_timestamp&fields=title,link,public_timestamp,content_store_document_type")
    full = search(web, base + "&count=100").json()
    assert full["total"] == len(full["results"]) >= 5
    stamps = [r["public_timestamp"] for r in full["results"]]
    assert stamps == sorted(stamps, reverse=True)
    assert {r["content_store_document_type"] for r in full["results"]} <= {"press_release", "news_story"}
    assert full["results"][0]["link"] == f"/government/news/{SEED_SLUG}"
    assert set(full["results"][0]) >= {"title", "link", "public_timestamp", "_id", "document_type"}
    pages = [search(web, base + f"&count=2&start={s}").json()["results"] for s in range(0, full["total"], 2)]
    assert [r["link"] for p in pages for r in p] == [r["link"] for r in full["results"]]

    window = search(web, "filter_public_timestamp=from:2025-10-01,to:2025-10-09&order=-public_timestamp&count=50").json()
    assert window["results"] and all("2025-10-01" <= r["public_timestamp"][:10] <= "2025-10-09" for r in window["results"])
    home = search(web, "filter_organisations=home-office&count=50").json()
    assert home["total"] >= 4 and all(any(o["slug"] == "home-office" for o in r["organisations"]) for r in home["results"])
    everything = search(web, "count=0").json()
    assert everything["results"] == [] and everything["total"] >= 25


@pytest.mark.parametrize("query", ["feeed=1", "filter_nonsense=1", "order=-relevance", "count=5000", "count=x"])
def test_search_api_rejects_bad_params_with_422(web: FixtureWeb, query: str) -> None:
    r = search(web, query)
    assert r.status == 422 and "error" in r.json()


def test_robots_txt_disallows_a_linked_path(web: FixtureWeb) -> None:
    robots = get(web, "www.wired-gov.net", "/robots.txt").text
    assert "Disallow: /wg/news.nsf/print/" in robots
    rss = get(web, "www.wired-gov.net", "/wg/news.nsf/home?openform&rss").text
    article = re.findall(r"<link>(http[^<]+articles[^<]+)</link>", rss)[0]
    page = get(web, "www.wired-gov.net", article[len(web.urls["www.wired-gov.net"]):]).text
    assert re.search(r'href="/wg/news\.nsf/print/[^"]+"', page)  # linked, so a crawler could try it
    gov = get(web, "www.gov.uk", "/robots.txt").text
    assert "Disallow: /*/print$" in gov and f"Sitemap: {web.urls['www.gov.uk']}/sitemap.xml" in gov


def test_redirects_and_404(web: FixtureWeb) -> None:
    r = get(web, "www.miragenews.com", "/foreign-secretary-to-put-boosting-security-and-1548329")
    assert r.status == 301 and r.headers["Location"].endswith("/foreign-secretary-to-put-boosting-security-and-1548329/")
    assert get(web, "www.gov.uk", "/government/news/no-such-thing").status == 404
    assert get(web, "www.gov.uk", "/api/content/government/news/no-such-thing").json()["error"]["code"] == 404


def test_update_changes_one_page_and_adds_one_item(web: FixtureWeb) -> None:
    path = f"/government/news/{SEED_SLUG}"
    before = {p: get(web, "www.gov.uk", p) for p in (path, FCDO_ATOM)}
    n_before = search(web, "count=0").json()["total"]
    web.apply_update("update-1")
    after_page = get(web, "www.gov.uk", path, If_None_Match=before[path].headers["ETag"])
    assert after_page.status == 200 and "Last updated:" in after_page.text and "10 October 2025" in after_page.text
    assert get(web, "www.gov.uk", path, If_Modified_Since=before[path].headers["Last-Modified"]).status == 200
    assert search(web, "count=0").json()["total"] == n_before + 1
    newest = search(web, "filter_organisations=foreign-commonwealth-development-office"
                    "&order=-public_timestamp&count=2&fields=link,public_timestamp").json()["results"]
    # the changed release (re-stamped 10 Oct 09:30) and the new item (10 Oct 08:00) lead the list
    assert [r["link"] for r in newest] == [f"/government/news/{SEED_SLUG}", "/government/news/uk-and-western-"
                                           "balkans-partners-agree-joint-action-on-organised-immigration-crime"]
    atom = get(web, "www.gov.uk", FCDO_ATOM)
    assert atom.status == 200 and "joint action on organised immigration crime" in atom.text
    assert get(web, "www.gov.uk", newest[1]["link"]).status == 200
    # an unchanged page still answers 304 after the update
    other = "/government/news/uk-announces-flood-relief-support-for-pakistan"
    etag = get(web, "www.gov.uk", other).headers["ETag"]
    assert get(web, "www.gov.uk", other, If_None_Match=etag).status == 304
    web.reset()
    assert get(web, "www.gov.uk", path, If_None_Match=before[path].headers["ETag"]).status == 304
    assert search(web, "count=0").json()["total"] == n_before


def test_throttle_answers_retry_after(web: FixtureWeb) -> None:
    web.throttle("www.miragenews.com", "/feed/", status=503, retry_after=2, times=1)
    r = get(web, "www.miragenews.com", "/feed/")
    assert r.status == 503 and r.headers["Retry-After"] == "2"
    assert get(web, "www.miragenews.com", "/feed/").status == 200


def test_request_log_records_host_method_path_headers(web: FixtureWeb) -> None:
    get(web, "www.standard.co.uk", "/rss", User_Agent="govwire-test")
    (entry,) = web.requests("www.standard.co.uk")
    assert (entry.host, entry.method, entry.path, entry.status) == ("www.standard.co.uk", "GET", "/rss", 200)
    assert entry.headers["user-agent"] == "govwire-test"


def test_web_is_small_and_build_is_deterministic(tmp_path: Path) -> None:
    from crawler.demo import build_web
    root = Path(build_web.__file__).parent
    size = sum(p.stat().st_size for p in (root / "web").rglob("*") if p.is_file())
    assert size < 3_000_000
    build_web.build(tmp_path / "web", tmp_path / "updates")
    for sub in ("web", "updates"):
        committed = {p.relative_to(root / sub): p.read_bytes() for p in (root / sub).rglob("*") if p.is_file()}
        rebuilt = {p.relative_to(tmp_path / sub): p.read_bytes() for p in (tmp_path / sub).rglob("*") if p.is_file()}
        assert committed.keys() == rebuilt.keys()
        assert [k for k in committed if committed[k] != rebuilt[k]] == []  # run build_web after editing templates
