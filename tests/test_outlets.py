"""Every seed is a complete outlet: one name for seed, spider, cleaner, golden folder, fixture web.

The walk reports everything missing at once, per seed, so adding an outlet (docs/adding-a-site.md)
is: follow the list until it is empty.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from cleaners import cleaner_by_name
from crawler.errors import ConfigError
from crawler.seeds import DEFAULT_SEEDS_DIR, SeedConfig, load_all, load_seed
from crawler.spider_loader import SeedSpiderLoader, check_outlet, outlet_problems

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden"
FIXTURE_WEB = REPO / "crawler" / "demo" / "web"


def missing(seed: SeedConfig, repo: Path = REPO) -> list[str]:
    """Everything this seed lacks, as lines a person can act on."""
    out = list(outlet_problems(seed))
    if seed.cleaner == "auto":
        return out
    if seed.cleaner != seed.name:
        out.append(f"cleaner is {seed.cleaner!r}: one outlet, one name (cleaners/sites/{seed.name}.py)")
    cases = sorted(p.parent.name for p in (repo / "tests" / "golden" / seed.name).glob("*/page.html*"))
    if len(cases) < 3 or not any(c.startswith("adversarial-") for c in cases):
        out.append(f"tests/golden/{seed.name}/ needs >= 3 cases, one adversarial-… (has {cases})")
    cls = cleaner_by_name(seed.cleaner)
    for src in seed.all_sources():
        host = urlsplit(src.real_base_url or src.base_url).hostname or ""
        if not (repo / "crawler" / "demo" / "web" / host / "_routes.json").exists():
            out.append(f"no fixture web for {host} (crawler/demo/sites/{seed.name}.toml, then "
                       "python -m crawler.demo.build_web)")
        if cls is not None and src.outlet and cls().outlet_for(src.real_base_url or src.base_url) != src.outlet:
            out.append(f"outlet {src.outlet!r} of {src.name} differs from the cleaner's "
                       f"{cls().outlet_for(src.base_url)!r}")
        if cls is not None and not any(host == d or host.endswith("." + d) for d in cls.domains):
            out.append(f"cleaner {cls.name!r} is not registered for {host}")
    return out


@pytest.mark.parametrize("name", sorted(load_all()))
def test_every_seed_is_a_complete_outlet(name: str) -> None:
    seed = load_seed(name)
    problems = missing(seed)
    assert not problems, f"seeds/{name}.toml:\n  " + "\n  ".join(problems)


def test_spiders_are_the_seeds() -> None:
    from crawler.runner import project_settings

    loader = SeedSpiderLoader.from_settings(project_settings(None))
    assert loader.list() == sorted(p.stem for p in DEFAULT_SEEDS_DIR.glob("*.toml"))
    for name in loader.list():
        cls = loader.load(name)
        assert cls.name == name and cls.site == name
    assert list((REPO / "crawler" / "spiders").glob("*.py")) and not any(
        p.stem in loader.list() and p.stem not in ("govuk", "urls")
        for p in (REPO / "crawler" / "spiders").glob("*.py")), "one-line spider files are gone"
    with pytest.raises(KeyError, match="Spider not found: nosuch"):
        loader.load("nosuch")


def test_seed_without_cleaner_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "newsite.toml").write_text(
        'name = "newsite"\ndomains = ["www.newsite.example"]\nbase_url = "https://www.newsite.example"\n'
        'feeds = ["rss"]\n', encoding="utf-8")
    seed = load_seed("newsite", tmp_path)
    assert missing(seed, tmp_path)[0].startswith("cleaner 'newsite' is not registered")
    with pytest.raises(ConfigError, match=r"^seeds/newsite.toml: cleaner 'newsite' is not registered"):
        check_outlet(seed)
    (tmp_path / "odd.toml").write_text('name = "odd"\ndomains = []\ncleaner = "govuk"\nspider = "nope"\n',
                                       encoding="utf-8")
    assert any("unknown spider kind 'nope'" in p for p in outlet_problems(load_seed("odd", tmp_path)))


def test_crawl_all_refuses_an_incomplete_seed(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from crawler.cli import main

    d = tmp_path / "seeds"
    shutil.copytree(DEFAULT_SEEDS_DIR, d)
    (d / "newsite.toml").write_text(
        'name = "newsite"\ndomains = ["www.newsite.example"]\nbase_url = "https://www.newsite.example"\n'
        'feeds = ["rss"]\n', encoding="utf-8")
    monkeypatch.setenv("GOVWIRE_SEEDS_DIR", str(d))
    assert main(["crawl", "--all", "--store", str(tmp_path / "store")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("seeds/newsite.toml: cleaner 'newsite' is not registered "
                        "(add cleaners/sites/newsite.py with @register(...))"), err
    assert not (tmp_path / "store" / "warcs").exists()
