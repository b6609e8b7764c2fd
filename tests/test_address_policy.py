"""The address policy: unit tests of the rule, end-to-end refusals on loopback only.

Only 127.0.0.1 / localhost ever receive a connection here; the other ranges are checked with the
pure policy function, never with a request (a refused request would still open a socket).
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from crawler.address_policy import AddressPolicy, embedded_ipv4, parse_allow_entry

REFUSED = [
    "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.254", "192.168.1.1",
    "127.0.0.1", "127.9.9.9", "0.0.0.0", "169.254.169.254", "169.254.170.2", "169.254.1.1",
    "100.64.0.1", "100.100.100.200", "224.0.0.1", "239.255.255.250", "255.255.255.255",
    "240.0.0.1", "192.0.2.1", "198.18.0.1",
    "::1", "::", "fe80::1", "fc00::1", "fd00:ec2::254", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
    "64:ff9b::a9fe:a9fe",          # NAT64 form of 169.254.169.254
    "2002:7f00:1::1",              # 6to4 around 127.0.0.1
    "fe80::1%eth0",
]
PUBLIC = ["151.101.0.144", "8.8.8.8", "2a04:4e42::144", "::ffff:151.101.0.144"]


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_addresses_are_refused(address: str) -> None:
    reason = AddressPolicy().refusal(address)
    assert reason is not None and reason.startswith("refused: ")
    assert "GOVWIRE_ALLOW_ADDRESSES" in reason and "\n" not in reason


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert AddressPolicy().refusal(address) is None


def test_reasons_name_the_kind() -> None:
    p = AddressPolicy()
    assert "cloud metadata" in (p.refusal("169.254.169.254") or "")
    assert "loopback" in (p.refusal("::ffff:127.0.0.1") or "")
    assert "private" in (p.refusal("10.1.2.3") or "")


def test_embedded_ipv4_forms() -> None:
    assert str(embedded_ipv4(__import__("ipaddress").ip_address("::ffff:127.0.0.1"))) == "127.0.0.1"
    assert embedded_ipv4(__import__("ipaddress").ip_address("127.0.0.1")) is None


def test_allow_list_opts_in_by_network_port_and_name() -> None:
    p = AddressPolicy.from_entries("10.20.0.0/16, 127.0.0.1:8080")
    assert p.refusal("10.20.3.4") is None
    assert p.refusal("10.21.3.4") is not None
    assert p.refusal("127.0.0.1", port=8080) is None
    assert p.refusal("127.0.0.1", port=8081) is not None
    assert p.refusal("::ffff:10.20.0.9") is None  # the mapped form of an allowed address
    assert AddressPolicy.from_entries("localhost").refusal("127.0.0.1") is None
    assert AddressPolicy.from_entries(["[::1]"]).refusal("::1") is None
    assert AddressPolicy.from_entries("[::1]:99").refusal("::1", port=98) is not None


@pytest.mark.parametrize("entry", ["", "10.0.0.0/33x", "host name", "a:b", "1.2.3.4:99999", "[::1", "x/y"])
def test_bad_allow_entries_are_one_line_errors(entry: str) -> None:
    with pytest.raises(ValueError) as e:
        parse_allow_entry(entry)
    assert "\n" not in str(e.value)


# --- end to end, loopback only ----------------------------------------------------------------
class CountingServer:
    """Accepts connections on 127.0.0.1 and counts the bytes clients send; answers 200."""

    def __init__(self, answer: bytes = b"") -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.received = 0
        self.answer = answer or (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 60\r\n"
                                 b"Connection: close\r\n\r\n<html><body><p>a page on loopback, fetched.</p></body></html>"[:0])
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(3)
        buf = b""
        try:
            while b"\r\n\r\n" not in buf:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                buf += chunk
                self.received += len(chunk)
            if buf:
                conn.sendall(self.answer)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.sock.close()


def _page(body: str, status: str = "200 OK", extra: str = "") -> bytes:
    data = body.encode()
    return (f"HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n{extra}"
            f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n").encode() + data


def _govwire(args: list[str], allow: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "GOVWIRE_ALLOW_ADDRESSES"}
    if allow is not None:
        env["GOVWIRE_ALLOW_ADDRESSES"] = allow
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], capture_output=True, text=True,
                          env=env, timeout=120, cwd=Path(__file__).resolve().parents[1])


@pytest.fixture
def server() -> CountingServer:
    s = CountingServer(_page("<html><head><title>Loopback</title></head><body><article><p>"
                             + "A page served on loopback for the address policy test. " * 5
                             + "</p></article></body></html>"))
    yield s
    s.close()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_archive_refuses_loopback_before_sending_a_byte(server: CountingServer, tmp_path: Path, host: str) -> None:
    url = f"http://{host}:{server.port}/page"
    r = _govwire(["archive", url, "--store", str(tmp_path / "s"), "--ignore-robots"], allow=None)
    assert r.returncode == 1, r.stderr
    assert "refused:" in r.stdout and "loopback address" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr
    assert server.received == 0  # not even the request line went out
    # the refusal is archived as a failed capture with no body, and nothing else
    files = [p for p in (tmp_path / "s").rglob("*") if p.is_file()]
    assert [p for p in files if "warcs" in p.parts] == []
    caps = [json.loads(p.read_text()) for p in files if "captures" in p.parts]
    assert len(caps) == 1 and caps[0]["failed"].startswith("refused:") and caps[0]["warc"] is None
    shown = _govwire(["show", url, "--store", str(tmp_path / "s")], allow=None)
    assert shown.returncode == 0 and "failed    refused:" in shown.stdout


def test_archive_works_with_the_allow_list(server: CountingServer, tmp_path: Path) -> None:
    url = f"http://localhost:{server.port}/page"
    r = _govwire(["archive", url, "--store", str(tmp_path / "s"), "--ignore-robots"],
                 allow=f"127.0.0.1:{server.port}")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("OK") and server.received > 0
    r2 = _govwire(["archive", url, "--store", str(tmp_path / "s2"), "--ignore-robots",
                   "--allow-address", "localhost"], allow=None)
    assert r2.returncode == 0, r2.stdout + r2.stderr


def test_a_redirect_into_a_refused_address_is_refused_at_the_hop(tmp_path: Path) -> None:
    target = CountingServer(_page("<html><body><p>secret</p></body></html>"))
    hop = CountingServer(_page("", status="302 Found",
                               extra=f"Location: http://127.0.0.1:{target.port}/secret\r\n"))
    try:
        url = f"http://127.0.0.1:{hop.port}/start"
        r = _govwire(["archive", url, "--store", str(tmp_path / "s"), "--ignore-robots"],
                     allow=f"127.0.0.1:{hop.port}")
        assert hop.received > 0
        assert target.received == 0
        assert r.returncode == 1 and "refused:" in r.stdout, r.stdout + r.stderr
        assert "Traceback" not in r.stdout + r.stderr
    finally:
        hop.close()
        target.close()


def test_a_bad_allow_entry_is_a_usage_error(tmp_path: Path) -> None:
    r = _govwire(["archive", "http://localhost:1/", "--store", str(tmp_path / "s"),
                  "--allow-address", "not a host!"], allow=None)
    assert r.returncode == 2
    assert r.stderr.strip().startswith("govwire: error: bad allow-address entry")
    assert len(r.stderr.strip().splitlines()) == 1
