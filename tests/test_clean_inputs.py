"""clean() on bad input: a one-line CleanerInputError or an empty document, never a crash."""
from __future__ import annotations

import gzip

import pytest

from cleaners import CleanerInputError, clean, clean_text
from cleaners.extract import MAX_INPUT_BYTES

URL = "https://www.example.org/news/story"
ARTICLE = ("<html><head><title>T</title></head><body><article><h1>Council budget agreed</h1>"
           "<p>The council agreed its budget on Tuesday after a long debate about libraries, "
           "roads and the cost of social care in the borough.</p>"
           "<p>Councillors voted 31 to 12 in favour, with two abstentions.</p></article></body></html>")


@pytest.mark.parametrize("data, what", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "PNG"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "JPEG"),
    (b"<html>\x00\x01\x02\x00binary\x00</html>", "NUL"),
    (b"", "empty"),
    (b"   \n\t  ", "empty"),
    (b"\x1f\x8bnot really gzip", "gzip"),
])
def test_bad_bytes_give_one_line_error(data: bytes, what: str) -> None:
    with pytest.raises(CleanerInputError) as e:
        clean(data, URL)
    msg = str(e.value)
    assert what in msg and "\n" not in msg


def test_huge_input_is_refused_before_parsing() -> None:
    with pytest.raises(CleanerInputError, match="too large"):
        clean(b"<p>" + b"x" * (MAX_INPUT_BYTES + 1), URL)


def test_gzip_bomb_is_refused() -> None:
    bomb = gzip.compress(b"<html><body>" + b"a" * (MAX_INPUT_BYTES + 10) + b"</body></html>")
    with pytest.raises(CleanerInputError, match="too large"):
        clean(bomb, URL)


@pytest.mark.parametrize("html", [
    "<html><body><p>unclosed <div><span>tags <table><tr><td>everywhere",
    "<<<>>> </p></div></html>",
    "just some text, no tags at all",
    "<html><head></head><body></body></html>",
])
def test_malformed_html_gives_a_document(html: str) -> None:
    doc = clean(html, URL)
    assert isinstance(doc.text, str) and doc.url == URL


def test_malformed_html_keeps_its_text() -> None:
    broken = ARTICLE.replace("</p>", "").replace("</article>", "<div><span>")
    doc = clean(broken, URL)
    assert "Councillors voted 31 to 12 in favour" in doc.text


def test_meta_charset_decodes_a_non_utf8_page() -> None:
    page = ("<html><head><meta charset='windows-1252'></head><body><article><h1>Caf\u00e9 fund</h1>"
            "<p>The \u00a310 million caf\u00e9 fund \u2013 announced today \u2013 is \u201cwelcome\u201d, "
            "said the minister\u2019s spokesman in a statement on Monday.</p>"
            "<p>Applications open in May and close at the end of June this year.</p></article></body></html>")
    doc = clean(page.encode("cp1252"), URL)
    assert "\u00a310 million caf\u00e9 fund \u2013 announced today \u2013 is \u201cwelcome\u201d" in doc.text


def test_latin1_label_decodes_as_windows_1252() -> None:
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
            "</head><body><article><p>The minister\u2019s \u00a34 million plan was agreed on Monday "
            "after a long debate in the chamber about its cost.</p>"
            "<p>It will be reviewed next year by the committee.</p></article></body></html>")
    assert "minister\u2019s \u00a34 million" in clean(page.encode("cp1252"), URL).text


def test_wrong_declared_charset_does_not_crash() -> None:
    page = ARTICLE.replace("<head>", "<head><meta charset='no-such-charset'>")
    doc = clean(page.encode("utf-8"), URL)
    assert "Council budget agreed" in doc.text or "council agreed its budget" in doc.text


def test_utf16_with_bom_decodes() -> None:
    doc = clean(ARTICLE.encode("utf-16"), URL)
    assert "Councillors voted 31 to 12 in favour" in doc.text


def test_http_charset_wins_over_guessing() -> None:
    page = ARTICLE.replace("two abstentions", "two abstentions at the Caf\u00e9 Royal")
    doc = clean(page.encode("cp1252"), URL, charset="windows-1252")
    assert "Caf\u00e9 Royal" in doc.text


def test_unknown_site_name_is_a_user_error() -> None:
    with pytest.raises(CleanerInputError, match="unknown site"):
        clean_text("Some text here.", site="no-such-site")


@pytest.fixture
def broken_cleaners():
    """Two real SiteCleaner subclasses that fail, registered only for this test."""
    from cleaners import base
    from cleaners.base import SiteCleaner, register, truncate

    @register("raises.invalid")
    class Raises(SiteCleaner):
        name = "test_raises"

        def after_rules(self, text: str, doc):  # type: ignore[no-untyped-def]
            raise RuntimeError("selector drifted")

    @register("empties.invalid")
    class Empties(SiteCleaner):
        name = "test_empties"
        truncate_at = (truncate("everything", r"\A", kind="paywall"),)

    yield
    for d in ("raises.invalid", "empties.invalid"):
        base._BY_DOMAIN.pop(d, None)
    for n in ("test_raises", "test_empties"):
        base._BY_NAME.pop(n, None)


@pytest.mark.parametrize("host, reason", [("raises.invalid", "raised RuntimeError: selector drifted"),
                                          ("empties.invalid", "yielded empty text")])
def test_failing_site_cleaner_falls_back_to_bare_extraction(broken_cleaners, host: str,
                                                            reason: str) -> None:
    doc = clean(ARTICLE, f"https://www.{host}/story")
    assert doc.cleaner == "fallback" and reason in (doc.fallback_reason or "")
    assert "Councillors voted 31 to 12 in favour" in doc.text


@pytest.fixture
def failing_extractor(monkeypatch: pytest.MonkeyPatch) -> None:
    """trafilatura itself raising (it has done so on odd markup): a third-party failure."""
    import trafilatura

    def boom(*args: object, **kwargs: object) -> None:
        raise IndexError("list index out of range")

    monkeypatch.setattr(trafilatura, "bare_extraction", boom)


@pytest.mark.parametrize("url", [URL, "https://www.independent.co.uk/news/uk/story-b1.html"],
                         ids=["generic", "site-cleaner"])
def test_extractor_exception_gives_fallback_document(failing_extractor: None, url: str) -> None:
    doc = clean(ARTICLE, url)
    assert doc.cleaner == "fallback"
    assert "IndexError: list index out of range" in (doc.fallback_reason or "")
    assert "Councillors voted 31 to 12 in favour" in doc.text  # the cheap extraction
    assert doc.title == "Council budget agreed" or doc.title == "T"


def test_extractor_exception_still_refuses_bad_input(failing_extractor: None) -> None:
    with pytest.raises(CleanerInputError):
        clean(b"", URL)


def test_extraction_leaves_the_tree_as_it_was() -> None:
    """The site path reads the page again after extraction (the repair of dropped blocks)
    without a copy of its own: trafilatura must keep working on a copy of the tree it gets."""
    from pathlib import Path

    from lxml import etree

    from cleaners.extract import decode_html, extract_text, parse_html

    pages = sorted(Path(__file__).parent.glob("golden/*/*/page.html*"))
    assert pages
    for page in pages:
        data = page.read_bytes()
        tree = parse_html(decode_html(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data))
        assert tree is not None
        before = etree.tostring(tree)
        assert extract_text(tree, "https://example.org/a"), page
        assert etree.tostring(tree) == before, page
