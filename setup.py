"""For `scrapyd-deploy` (which builds its egg with `python setup.py bdist_egg`) and every other
build: all metadata is in pyproject.toml. build_py also copies the checkout's seeds/ into the
package as crawler/bundled_seeds/, so an installed wheel or a deployed egg crawls with the
bundled seeds when GOVWIRE_SEEDS_DIR is unset (crawler/seeds.py)."""
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithSeeds(build_py):
    def run(self) -> None:
        super().run()
        out = Path(self.build_lib) / "crawler" / "bundled_seeds"
        out.mkdir(parents=True, exist_ok=True)
        for seed in sorted((Path(__file__).resolve().parent / "seeds").glob("*.toml")):
            if not seed.name.startswith("_"):
                self.copy_file(str(seed), str(out / seed.name))


setup(cmdclass={"build_py": BuildWithSeeds})
