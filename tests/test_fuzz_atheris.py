"""Coverage-guided fuzzing (atheris) in CI: every kept crash input replays cleanly, and each
harness runs for a bounded time without finding a new crash. `make fuzz` runs them longer."""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REGRESSIONS = REPO / "tests" / "fuzz_regressions"
sys.path.insert(0, str(REPO / "fuzz"))
import targets  # noqa: E402  (fuzz/targets.py: the checks both the harnesses and this replay use)

CASES = sorted(p for p in REGRESSIONS.rglob("*") if p.is_file())


@pytest.mark.parametrize("path", CASES, ids=[f"{p.parent.name}/{p.name}" for p in CASES])
def test_kept_crash_inputs_replay_cleanly(path: Path) -> None:
    target = {"clean": targets.clean_target, "feeds": targets.feeds_target}[path.parent.name]
    target(path.read_bytes())


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("atheris") is None, reason="atheris not installed")
@pytest.mark.parametrize("name", ["clean", "feeds"])
def test_bounded_fuzz_run_finds_no_crash(name: str, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(REPO / "fuzz" / "seeds" / name, corpus)
    for case in (REGRESSIONS / name).iterdir():
        shutil.copy(case, corpus / case.name)
    # a fixed seed and a run count, not a time: the same inputs on every CI run, so CI stays
    # deterministic; `make fuzz` explores for real
    runs = os.environ.get("GOVWIRE_FUZZ_RUNS", {"clean": "300", "feeds": "3000"}[name])
    seconds = 240
    r = subprocess.run([sys.executable, str(REPO / "fuzz" / f"fuzz_{name}.py"), "-seed=1", f"-runs={runs}",
                        "-timeout=30", "-rss_limit_mb=3072", f"-artifact_prefix={tmp_path}/", str(corpus)],
                       capture_output=True, text=True, timeout=seconds + 120, cwd=tmp_path)
    crashes = [p.name for p in tmp_path.iterdir() if p.name.startswith(("crash-", "timeout-", "oom-"))]
    assert r.returncode == 0 and not crashes, (crashes, r.stderr[-3000:])
    assert "Done " in r.stderr and " runs in " in r.stderr
