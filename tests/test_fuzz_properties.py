"""Property-based fuzzing (hypothesis) of the code that meets hostile input.

Invariants, whatever the input:
- clean(): only CleanerInputError escapes, and every word of the clean text occurs in the page
  (cleaning removes, it never invents);
- URL canonicalisation never raises and drops the fragment; store keys built from any URL or site
  name stay under the store root;
- a WARC record written by our writer reads back byte-exact with warcio, digests verified.
"""
from __future__ import annotations

import hashlib
import html as html_lib
import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from warcio.archiveiterator import ArchiveIterator

from archive import keys
from archive.storage import LocalStore, check_key
from archive.warc import Exchange, RotatingWarcWriter
from cleaners import clean
from cleaners.errors import CleanerInputError
from cleaners.extract import decode_html
from crawler.urlnorm import request_url

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_MARKER = re.compile(r"^(?:- |\| )")

words = st.sampled_from(
    "the minister said council funding schools subscribe newsletter donate today read more "
    "latest news printable version £5m 2025 Café naïve — “quoted” 政府 ministère".split())
sentence = st.lists(words, min_size=3, max_size=25).map(lambda w: " ".join(w).capitalize() + ".")
text_run = st.one_of(sentence, st.text(min_size=0, max_size=40))

JUNK = [
    "<nav><a href='/'>Home</a> | <a href='/news'>News</a></nav>",
    "<aside class='newsletter'><p>Sign up to our newsletter</p><a href='/s'>Subscribe</a></aside>",
    "<div class='share'><a href='https://twitter.com/x'>Share</a></div>",
    "<script>document.write('<p>injected</p>')</script>",
    "<style>p{color:red}</style>",
    "<div class='most-read'><ul><li><a href='/a'>Most read one</a></li></ul></div>",
    "<!-- comment --><![CDATA[ odd ]]>",
    "<p>Unclosed <b>bold <i>italic</p>",
    "</div></div></body>",
    "<table><tr><td>Cell one</td><td>Cell two</td></tr></table>",
]


@st.composite
def pages(draw: st.DrawFn) -> tuple[str, str]:
    blocks: list[str] = []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.integers(0, 4))
        if kind == 0:
            blocks.append(draw(st.sampled_from(JUNK)))
        elif kind == 1:
            items = draw(st.lists(sentence, min_size=1, max_size=4))
            blocks.append("<ul>" + "".join(f"<li>{html_lib.escape(i)}</li>" for i in items) + "</ul>")
        else:
            tag = draw(st.sampled_from(["p", "h2", "blockquote", "div", "span"]))
            blocks.append(f"<{tag}>{html_lib.escape(draw(text_run))}</{tag}>")
    depth = draw(st.integers(0, 30))
    body = "<div>" * depth + "".join(blocks) + "</div>" * depth
    title = html_lib.escape(draw(sentence))
    page = (f"<html><head><title>{title}</title></head><body><article>{body}</article></body></html>")
    encoding = draw(st.sampled_from(["utf-8", "cp1252", "latin-1", "utf-16"]))
    return page, encoding


@FUZZ
@given(pages(), st.booleans())
def test_clean_only_removes(page_enc: tuple[str, str], declare: bool) -> None:
    page, encoding = page_enc
    data = page.encode(encoding, errors="replace")
    try:
        doc = clean(data, "https://example.com/news/story", charset=encoding if declare else None)
    except CleanerInputError:
        return
    # every line is a subsequence of the page as the cleaner saw it (whitespace and the list and
    # table markers aside): cleaning removes and rejoins, it never invents
    seen = "".join(html_lib.unescape(decode_html(data, encoding if declare else None)).split())
    for line in doc.text.split("\n"):
        chars = "".join(_MARKER.sub("", line.strip()).replace("|", "").split())
        rest = iter(seen)
        assert all(c in rest for c in chars), (line, doc.text[:300])
    assert doc.text or doc.fallback_reason  # an empty result always says why


odd_urls = st.one_of(
    st.text(max_size=200),
    st.builds(lambda host, path, frag: f"https://{host}/{path}#{frag}",
              st.text(min_size=1, max_size=30), st.text(max_size=80), st.text(max_size=20)),
    st.sampled_from(["https://x/../../etc/passwd", "https://x/%2e%2e/%2e%2e/", "http://[::1]:80/a",
                     "https://user:pa%2Fss@host/p", "https://x/\\..\\..\\win", "https://xn--e1afmkfd.xn--p1ai/",
                     "https://x/" + "a" * 3000, "https://x/\u202e\u0000/\U0001F600"]),
)


@FUZZ
@given(odd_urls)
def test_url_canonicalisation_never_raises_and_drops_the_fragment(url: str) -> None:
    out = request_url(url)
    assert isinstance(out, str)
    if out != url and "#" in url:
        assert "#" not in out.split("?", 1)[-1] or "#" not in out


@FUZZ
@given(odd_urls, st.text(max_size=80), st.text(min_size=1, max_size=60),
       st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)))
def test_store_keys_stay_under_the_root(url: str, site: str, record_id: str, when: datetime) -> None:
    when = when.replace(tzinfo=timezone.utc)
    digest = "sha1:" + hashlib.sha1(url.encode("utf-8", "surrogatepass")).hexdigest().upper()
    safe = keys.safe_site(site)
    assert safe not in ("", ".", "..") and "/" not in safe
    with tempfile.TemporaryDirectory() as root:
        store = LocalStore(root)
        for key in (keys.capture_key(url, when, record_id), keys.doc_key(site, url, digest),
                    keys.warc_key(site, when, "govwire-x.warc.gz"), keys.state_key(site), keys.lock_key(site)):
            check_key(key)
            path = store._path(key)
            assert Path(root).resolve() in path.parents


header_name = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters=":"),
                      min_size=1, max_size=20)
header_value = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60).map(str.strip)


@FUZZ
@given(st.binary(max_size=5000), st.lists(st.tuples(header_name, header_value), max_size=8),
       st.integers(100, 599), st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-._~/%?=&", max_size=60))
def test_warc_round_trip_is_byte_exact(body: bytes, headers: list[tuple[str, str]], status: int,
                                       path: str) -> None:
    resp_headers = [(k.encode(), v.encode()) for k, v in headers
                    if k.lower() not in ("content-length", "transfer-encoding", "content-encoding")]
    ex = Exchange(url=f"https://www.gov.uk/{path}", method="GET",
                  request_headers=[(b"User-Agent", b"govwire-test")], request_body=b"", status=status,
                  response_headers=resp_headers, body=body, date=datetime(2025, 10, 9, tzinfo=timezone.utc))
    with tempfile.TemporaryDirectory() as tmp:
        closed = []
        w = RotatingWarcWriter(Path(tmp), "govuk", on_close=closed.append)
        w.write_exchange(ex)
        w.close()
        with open(closed[0].path, "rb") as fh:
            records = list(ArchiveIterator(fh, check_digests=True))
            fh.seek(0)
            responses = []
            for rec in ArchiveIterator(fh, check_digests=True):
                if rec.rec_type == "response":
                    responses.append((rec.http_headers.get_statuscode(), rec.http_headers.headers,
                                      rec.raw_stream.read()))
    assert [r.rec_type for r in records] == ["warcinfo", "response", "request"]
    (code, got_headers, payload), = responses
    assert payload == body and code == str(status)
    sent = [(k.encode(), v.encode()) for k, v in got_headers if k.lower() != "content-length"]
    assert sent[: len(resp_headers)] == resp_headers
