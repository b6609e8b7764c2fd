"""Only for `scrapyd-deploy`, which builds its egg with `python setup.py bdist_egg` (and would
otherwise write a setup.py of its own into the checkout). All metadata is in pyproject.toml."""
from setuptools import setup

setup()
