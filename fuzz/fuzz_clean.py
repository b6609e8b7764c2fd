"""Coverage-guided fuzzing of clean() with atheris (libFuzzer).

    .venv/bin/python fuzz/fuzz_clean.py -max_total_time=600 fuzz/corpus/clean   # or: make fuzz

Only CleanerInputError (bad input, one line) may escape clean(); anything else is a crash, and
libFuzzer writes the input to crash-<sha1> (keep it in tests/fuzz_regressions/clean/).
"""
from __future__ import annotations

import os
import sys

import atheris

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
with atheris.instrument_imports(include=["cleaners"]):
    import targets
    from cleaners import limits

limits.BUDGET_SECONDS = 0  # libFuzzer owns SIGALRM (-timeout); our own timer would clash with it


def main() -> None:
    atheris.Setup(sys.argv, targets.clean_target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
