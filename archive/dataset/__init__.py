"""The researchers' dataset: Parquet shards of clean documents, syndication links and a card.

>>> from archive.dataset import BuildOptions, build_dataset
>>> build_dataset(open_store("./data"), open_store("./dataset"), BuildOptions())

See docs/dataset.md for the schema and how to load it.
"""
from __future__ import annotations

from archive.dataset.build import MANIFEST, Analysis, BuildOptions, BuildSummary, analyse, build_dataset
from archive.dataset.errors import DatasetError, EmptyInput, OutputMismatch, ReleaseNotFound
from archive.dataset.release import release_copies

__all__ = [
    "MANIFEST", "Analysis", "BuildOptions", "BuildSummary", "DatasetError", "EmptyInput",
    "OutputMismatch", "ReleaseNotFound", "analyse", "build_dataset", "release_copies",
]
