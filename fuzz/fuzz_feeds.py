"""Coverage-guided fuzzing of the RSS/Atom and sitemap parsers with atheris.

    .venv/bin/python fuzz/fuzz_feeds.py -max_total_time=600 fuzz/corpus/feeds   # or: make fuzz

Only FeedError (an unreadable feed, one line) may escape; anything else is a crash.
"""
from __future__ import annotations

import os
import sys

import atheris

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
with atheris.instrument_imports(include=["crawler.spiders.base"]):
    import targets


def main() -> None:
    atheris.Setup(sys.argv, targets.feeds_target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
