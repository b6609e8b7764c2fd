"""Keep pyarrow's S3 filesystem out of the govwire process (imported before anything loads pyarrow).

Why: libarrow's bundled AWS SDK keeps static objects (a curl handle pool, a region resolver)
whose destructors can run after Arrow's thread pools at interpreter exit and call
std::terminate: "terminate called without an active exception", exit 134, about 1 run in 5 after
all output was written (apache/arrow#36346, #15054). govwire never uses pyarrow's S3FileSystem
(stores go through boto3), so `pyarrow.fs` is made to see it as not built; nothing else changes.
"""
from __future__ import annotations

import sys

sys.modules.setdefault("pyarrow._s3fs", None)  # type: ignore[arg-type]
