"""Every verb's usage errors exit 2 with one `govwire…: error:` line (docs/scheduling.md).

In-process through `crawler.cli.main`: each case fails before any crawl, store write or server
start, which is itself part of the contract (bad input costs nothing).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from crawler import exitcodes
from crawler.cli import COMMANDS, build_parser, main


def _code(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as e:  # argparse's own usage errors
        return int(e.code or 0)


def test_every_verb_is_checked() -> None:
    built = set(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    assert built == set(COMMANDS)


@pytest.mark.parametrize("verb", COMMANDS)
def test_unknown_option_is_a_usage_error(verb: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _code([verb, "--no-such-option"]) == exitcodes.USAGE
    err = capsys.readouterr().err
    # verbs with required arguments name those first; either way one usage line, exit 2
    assert ("unrecognized arguments: --no-such-option" in err or "arguments are required" in err), err
    assert "Traceback" not in err


@pytest.mark.parametrize("argv,message", [
    (["archive"], "no URL given"),
    (["archive", "-s", "BAD", "http://127.0.0.1:9/x"], "bad --set"),
    (["crawl"], "name at least one site"),
    (["crawl", "nosuchsite"], "unknown site 'nosuchsite'"),
    (["crawl", "govuk", "--since", "yesterday"], "bad date 'yesterday'"),
    (["crawl", "govuk", "--max-items", "0"], "--max-items must be at least 1"),
    (["crawl", "govuk", "-s", "BAD"], "bad --set"),
    (["show"], "the following arguments are required: URL"),
    (["show", "not a url"], "bad URL"),
    (["show", "http://user:secret@127.0.0.1:9/x"], "http://***@127.0.0.1:9/x"),
    (["clean"], "the following arguments are required: FILE"),
    (["dataset"], "error:"),
    (["export"], "the following arguments are required:"),
    (["unlock"], "error:"),
    (["unlock", "nosuchsite"], "unknown site 'nosuchsite'"),
    (["reclean", "--site", "nosuchsite"], "unknown site 'nosuchsite'"),
    (["serve", "--port", "abc"], "invalid int value"),
])
def test_usage_errors_exit_2(argv: list[str], message: str, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    assert _code([*argv, "--store", str(tmp_path)] if argv[0] in ("archive", "crawl", "show", "unlock", "reclean")
                 and len(argv) > 1 else argv) \
        == exitcodes.USAGE
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and "secret" not in err
    assert err.strip().splitlines()[-1].startswith(("govwire: error:", "govwire ")), err


def test_sites_with_no_seeds_is_a_config_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _code(["sites", "--seeds-dir", str(tmp_path)]) == exitcodes.USAGE
    assert capsys.readouterr().err.startswith("govwire: error: no seed configs")
