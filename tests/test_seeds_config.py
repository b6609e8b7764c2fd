"""Seed configs load, validate with one-line errors, and relocate with one override."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crawler.demo.server import FixtureWeb
from crawler.errors import ConfigError
from crawler.seeds import (DEFAULT_SEEDS_DIR, domain_for, load_all, load_seed, seed_names, seeds_dir,
                           with_base_urls, write_relocation)

EXPECTED = {"govuk", "wiredgov", "mirage", "independent", "standard", "iconic", "urls"}


def test_every_seed_loads() -> None:
    seeds = load_all()
    assert set(seeds) == EXPECTED
    for name, s in seeds.items():
        assert s.name == name and s.path.name == f"{name}.toml"
        assert 1 <= s.politeness.concurrency <= 2
        if name != "urls":
            assert s.all_sources(), name
            assert len(s.schedule.split()) == 5
        for src in s.all_sources():
            assert src.base_url.startswith("https://")
            assert all(u.startswith(src.base_url + "/") for u in src.feed_urls + src.sitemap_urls)
    gov = seeds["govuk"]
    assert gov.search is not None and "press_release" in gov.search.document_types
    assert gov.url(gov.search.api_path) == "https://www.gov.uk/api/search.json"
    assert [s.name for s in seeds["independent"].all_sources()] == ["independent"]
    assert seeds["standard"].all_sources()[0].outlet == "The Standard"
    assert [t.domains for t in seeds["iconic"].titles] == [("www.donegallive.ie",), ("www.limerickleader.ie",)]
    assert "UK Gov" in seeds["mirage"].filters.bylines


def _copy(tmp_path: Path) -> Path:
    d = tmp_path / "seeds"
    shutil.copytree(DEFAULT_SEEDS_DIR, d)
    return d


def test_unknown_key_is_one_line(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    p = d / "independent.toml"
    p.write_text(p.read_text().replace("[filters]", 'feeed = ["rss"]\n\n[filters]', 1))
    with pytest.raises(ConfigError) as e:
        load_seed("independent", d)
    assert str(e.value) == "seeds/independent.toml: unknown key 'feeed'"


@pytest.mark.parametrize("override,message", [
    ({"search.pagesize": 10}, "seeds/govuk.toml: unknown key 'search.pagesize'"),
    ({"politeness.concurrency": 8}, "seeds/govuk.toml: 'politeness.concurrency' must be 1 or 2 (be polite), got 8"),
    ({"feeds": ["https://elsewhere.example/feed"]}, "seeds/govuk.toml: 'feeds' entries are paths relative to base_url, got 'https://elsewhere.example/feed'"),
    ({"base_url": "www.gov.uk"}, "seeds/govuk.toml: 'base_url' must be an http(s) URL, got 'www.gov.uk'"),
    ({"schedule": "every hour"}, "seeds/govuk.toml: 'schedule' must be a 5-field cron expression, got 'every hour'"),
    ({"domains": "www.gov.uk"}, "seeds/govuk.toml: 'domains' must be list, not str"),
    ({"name": "gov"}, "seeds/govuk.toml: 'name' is 'gov' but the file is govuk.toml (they must match)"),
    ({"allow": ["(unclosed"]}, "seeds/govuk.toml: bad regex in 'allow': '(unclosed' (missing ), unterminated subpattern at position 0)"),
])
def test_validation_messages(override: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as e:
        load_seed("govuk", overrides=override)
    assert str(e.value) == message
    assert "\n" not in str(e.value)


def test_bad_title_key_and_missing_seed(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    p = d / "iconic.toml"
    p.write_text(p.read_text().replace('outlet = "Limerick Leader"', 'outlet = "Limerick Leader"\nfeed = "rss"'))
    with pytest.raises(ConfigError, match=r"^seeds/iconic.toml: unknown key 'titles\[1\].feed'$"):
        load_seed("iconic", d)
    with pytest.raises(ConfigError, match=r"^seeds/nosuch.toml: no such seed \(known: govuk, iconic"):
        load_seed("nosuch", d)


def test_one_override_relocates_a_site() -> None:
    s = load_seed("mirage", overrides={"base_url": "http://127.0.0.1:8123"})
    assert s.all_sources()[0].feed_urls == ["http://127.0.0.1:8123/feed/"]
    assert s.real_base_url == "https://www.miragenews.com"
    assert domain_for("http://127.0.0.1:8123/uk-x-1436980/", s) == "https://www.miragenews.com/uk-x-1436980/"


def test_with_base_urls_and_domain_for() -> None:
    gov = with_base_urls(load_seed("govuk"), {"www.gov.uk": "http://127.0.0.1:9001"})
    assert gov.url(gov.feeds[0]).startswith("http://127.0.0.1:9001/government/organisations/")
    assert domain_for("http://127.0.0.1:9001/government/news/x?y=1", gov) == "https://www.gov.uk/government/news/x?y=1"
    assert domain_for("http://127.0.0.1:9002/government/news/x", gov) == "http://127.0.0.1:9002/government/news/x"
    ind = with_base_urls(load_seed("independent"), {"www.independent.co.uk": "http://127.0.0.1:9003",
                                                    "www.standard.co.uk": "http://127.0.0.1:9004"})
    assert [s.sitemap_urls for s in ind.all_sources()] == [["http://127.0.0.1:9003/sitemaps/googlenews"]]
    std = with_base_urls(load_seed("standard"), {"www.standard.co.uk": "http://127.0.0.1:9004"})
    assert domain_for("http://127.0.0.1:9004/news/politics/a-b1234567.html", std) == \
        "https://www.standard.co.uk/news/politics/a-b1234567.html"
    unmoved = load_seed("govuk")
    assert domain_for("https://www.gov.uk/x", unmoved) == "https://www.gov.uk/x"


def test_relocated_seeds_dir_via_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_relocation(tmp_path, {"www.donegallive.ie": "http://127.0.0.1:9005"}, politeness={"download_delay": 0.0})
    monkeypatch.setenv("GOVWIRE_SEEDS_DIR", str(tmp_path))
    assert seeds_dir() == tmp_path and set(seed_names()) == EXPECTED
    iconic = load_seed("iconic")
    assert [t.base_url for t in iconic.titles] == ["http://127.0.0.1:9005", "https://www.limerickleader.ie"]
    assert iconic.politeness.download_delay == 0.0
    assert domain_for("http://127.0.0.1:9005/rss", iconic) == "https://www.donegallive.ie/rss"
    assert seeds_dir(settings={"GOVWIRE_SEEDS_DIR": str(DEFAULT_SEEDS_DIR)}) == DEFAULT_SEEDS_DIR


def test_fixture_seeds_cover_every_host(seeds_for_fixture_web: Path, fixture_web: FixtureWeb) -> None:
    """Every seeded host is on the fixture web and every feed URL answers 200 there."""
    import urllib.request
    hosts = set()
    for seed in load_all(seeds_for_fixture_web).values():
        for src in seed.all_sources():
            real_host = src.real_base_url.split("/")[2]
            hosts.add(real_host)
            assert src.base_url == fixture_web.urls[real_host]
            for u in src.feed_urls + src.sitemap_urls:
                with urllib.request.urlopen(u, timeout=10) as r:
                    assert r.status == 200, u
    assert hosts == set(fixture_web.urls)
