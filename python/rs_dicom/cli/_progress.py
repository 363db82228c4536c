"""A one-line progress bar on stderr, drawn only when stderr is a terminal."""

from __future__ import annotations

import time
from typing import TextIO

from rs_dicom.cli._report import isatty

_WIDTH = 30


class Progress:
    """Counts finished items out of ``total`` and redraws at most ten times a second."""

    def __init__(self, total: int, err: TextIO, label: str) -> None:
        self.total = total
        self.err = err
        self.label = label
        self.done = 0
        self.failed = 0
        self.shown = isatty(err) and total > 0
        self._last = 0.0

    def step(self, ok: bool) -> None:
        """One item finished (``ok`` False: it failed)."""
        self.done += 1
        self.failed += 0 if ok else 1
        now = time.monotonic()
        if self.shown and (now - self._last > 0.1 or self.done == self.total):
            self._last = now
            self._draw()

    def _draw(self) -> None:
        filled = _WIDTH * self.done // max(self.total, 1)
        bar = "#" * filled + "-" * (_WIDTH - filled)
        failed = f", {self.failed} failed" if self.failed else ""
        self.err.write(f"\r{self.label} [{bar}] {self.done}/{self.total}{failed}")
        self.err.flush()

    def clear(self) -> None:
        """Removes the bar (before a message is printed, and at the end)."""
        if self.shown:
            self.err.write("\r" + " " * (len(self.label) + _WIDTH + 40) + "\r")
            self.err.flush()
