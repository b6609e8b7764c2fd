"""An installed govwire (a wheel) and the egg scrapyd runs carry the seeds: with
GOVWIRE_SEEDS_DIR unset they crawl with the bundled seeds/ instead of finding no site."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SKIP = {".venv", ".venv-replay", ".git", "data", "build", "dist", "__pycache__", ".pytest_cache",
        "demo-data", ".cache", "tests", "bench", "fuzz", "docs"}
SEEDS = sorted(p.stem for p in (REPO / "seeds").glob("*.toml") if not p.name.startswith("_"))
PROBE = ("import crawler, crawler.seeds as s; "
         "print(crawler.__file__); print(s.DEFAULT_SEEDS_DIR); print(','.join(s.seed_names())); "
         "print(s.load_seed('govuk').base_url)")


def _copy(dest: Path) -> Path:
    shutil.copytree(REPO, dest, ignore=lambda _d, names: {
        n for n in names if n in SKIP or n.endswith(".egg-info")})
    return dest


def _probe(path_entry: Path, cwd: Path) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVWIRE_")}
    env["PYTHONPATH"] = str(path_entry)
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=cwd, env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip().splitlines()


@pytest.mark.slow
def test_wheel_carries_the_seeds(tmp_path: Path) -> None:
    src = _copy(tmp_path / "src")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path / "dist"), str(src)], check=True, timeout=300)
    wheel = next((tmp_path / "dist").glob("govwire-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert sorted(n.split("/")[-1][:-5] for n in names if n.startswith("crawler/bundled_seeds/")) == SEEDS
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site),
                    str(wheel)], check=True, timeout=300)
    where, seeds_dir, found, base = _probe(site, tmp_path)
    assert where.startswith(str(site)), where  # the installed copy, not the checkout
    assert seeds_dir == str(site / "crawler" / "bundled_seeds")
    assert found.split(",") == SEEDS and base == "https://www.gov.uk"


@pytest.mark.slow
def test_scrapyd_egg_carries_the_seeds(tmp_path: Path) -> None:
    """scrapyd imports the egg as a zip: the seeds are copied out of it once."""
    src = _copy(tmp_path / "src")
    subprocess.run([sys.executable, "setup.py", "-q", "bdist_egg", "--dist-dir", str(tmp_path / "eggs")],
                   cwd=src, check=True, timeout=300, capture_output=True)
    egg = next((tmp_path / "eggs").glob("govwire-*.egg"))
    where, seeds_dir, found, base = _probe(egg, tmp_path)
    assert where.startswith(str(egg)), where
    assert not seeds_dir.startswith(str(egg)) and found.split(",") == SEEDS
    assert base == "https://www.gov.uk"
