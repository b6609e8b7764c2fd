"""The scheduling examples run `govwire sync` before each crawl, keep the spool on persistent
storage, and name only environment variables that govwire (or boto3) actually reads."""
from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = [REPO / "docs" / "scheduling.md", *sorted((REPO / "docs" / "examples").glob("*"))]
# read by boto3's credential/region chain, not by govwire's own code
BOTO3_READS = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
               "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE",
               "AWS_SHARED_CREDENTIALS_FILE"}
_NAME = re.compile(r"\b((?:GOVWIRE|AWS)_[A-Z0-9_]+)\b")


def _code() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for d in ("crawler", "archive")
                     for p in (REPO / d).rglob("*.py"))


def test_example_env_names_are_read_by_the_code() -> None:
    code = _code()
    # a name is read if the code asks os.environ for it, or it is a GOVWIRE_* setting (settings.py
    # reads every one of those from the environment variable of the same name)
    read = set(re.findall(r'(?:environ\.get|getenv|_env|_env_int|_env_float)\(\s*"([A-Z0-9_]+)"', code))
    # GOVWIRE_* variables are read through archive/environment.py, which lists every one
    # (tests/test_environment.py checks each listed name is used)
    from archive.environment import VARIABLES

    read |= set(VARIABLES)
    for path in EXAMPLES:
        for name in set(_NAME.findall(path.read_text(encoding="utf-8"))):
            assert name in read or name in BOTO3_READS, f"{path.name} names {name}, which nothing reads"


def test_examples_sync_before_each_crawl_and_keep_the_spool() -> None:
    ex = REPO / "docs" / "examples"
    cron = (ex / "crontab").read_text()
    line = next(ln for ln in cron.splitlines() if ln.startswith("*/"))
    assert line.index("govwire sync") < line.index("govwire crawl")
    unit = (ex / "govwire-crawl.service").read_text()
    assert "ExecStartPre=-/opt/govwire/.venv/bin/govwire sync" in unit
    k8s = (ex / "k8s-cronjob.yaml").read_text()
    assert "govwire sync --quiet; exec govwire crawl" in k8s
    assert "GOVWIRE_SPOOL" in k8s and "persistentVolumeClaim" in k8s
