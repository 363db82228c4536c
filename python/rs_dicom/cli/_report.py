"""How the subcommands report: one line ``rs-dicom: PATH: MESSAGE`` on stderr per problem (no
traceback), the other files are still processed, and the exit status becomes 1."""

from __future__ import annotations

import re
from typing import TextIO

PROG = "rs-dicom"

ERRORS = (OSError, ValueError, RuntimeError, LookupError, TypeError, ImportError)
"""What reading, decoding or writing one file may raise: reported per file."""

# The core's messages are written for Python callers ("use force=True ..."); on the command
# line the same switch is --force.
_FORCE_HINT = re.compile(r"\bforce=True\b")


class OutputError(OSError):
    """Writing an output file failed: the message names that file, not the input."""

    def __init__(self, target: str, cause: OSError) -> None:
        super().__init__(f"cannot write: {cause.strerror or cause}")
        self.target = target


def error_text(exc: BaseException) -> str:
    """The message of ``exc`` as one line for the command line user."""
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc) or type(exc).__name__
    return _FORCE_HINT.sub("--force", " ".join(text.split()))  # always one line


class Reporter:
    """Prints per-file errors on ``err`` and remembers that one happened (``status`` 1)."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out = out
        self.err = err
        self.status = 0

    def error(self, path: str, message: str) -> None:
        """Reports ``message`` about ``path``."""
        self.status = 1
        self.out.flush()  # keep stdout and stderr in order on a shared terminal
        print(f"{PROG}: {path}: {message}", file=self.err, flush=True)

    def exception(self, path: str, exc: BaseException) -> None:
        """Reports ``exc`` raised while handling ``path`` (or writing an output for it).

        A broken pipe (the reader went away, e.g. ``| head``) is raised again: it ends the
        run quietly in ``main``."""
        if isinstance(exc, BrokenPipeError):
            raise exc
        self.error(exc.target if isinstance(exc, OutputError) else path, error_text(exc))


def isatty(stream: TextIO) -> bool:
    """Whether ``stream`` is a terminal (``False`` for anything that cannot tell)."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def can_encode(stream: TextIO, text: str) -> bool:
    """Whether ``stream``'s encoding can write ``text``."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True
