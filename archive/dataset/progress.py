"""Progress on stderr: a rich bar on a terminal, plain periodic lines in logs and cron mail."""
from __future__ import annotations

import sys
import time
from typing import Any, TextIO

__all__ = ["Progress"]


class Progress:
    """One stage at a time (`stage(name, total)`, then `advance()`); silent when disabled."""

    def __init__(self, enabled: bool = True, stream: TextIO | None = None,
                 interval: float = 5.0) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.interval = interval
        self._rich: Any = None
        self._task: Any = None
        self._name = ""
        self._total = 0
        self._done = 0
        self._t0 = self._last = time.monotonic()
        if enabled and self.stream.isatty():
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress as RichProgress,
                                       TextColumn, TimeRemainingColumn)
            self._rich = RichProgress(TextColumn("{task.description}"), BarColumn(),
                                      MofNCompleteColumn(), TimeRemainingColumn(),
                                      console=Console(file=self.stream), transient=False)
            self._rich.start()

    def stage(self, name: str, total: int) -> None:
        self._name, self._total, self._done = name, total, 0
        self._t0 = self._last = time.monotonic()
        if self._rich is not None:
            self._task = self._rich.add_task(name, total=total or None)

    def advance(self, n: int = 1) -> None:
        self._done += n
        if not self.enabled:
            return
        if self._rich is not None:
            self._rich.update(self._task, advance=n)
            return
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            rate = self._done / max(now - self._t0, 1e-9)
            print(f"govwire: dataset: {self._name}: {self._done}/{self._total} ({rate:.0f}/s)",
                  file=self.stream, flush=True)

    def close(self) -> None:
        if self._rich is not None:
            self._rich.stop()
            self._rich = None
