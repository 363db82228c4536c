"""Text and HTML representations of datasets and elements.

The work is done in Rust, by the core crate's ``rs_dicom::dump`` (so that Rust users and the
WebAssembly package print the same tree): ``Dataset.__repr__``, ``Element.__repr__`` and
``Dataset._repr_html_`` (Jupyter) call it directly. These functions are its Python face; the
command line tool (``rs-dicom meta``) prints :func:`tree_lines` and :func:`plain_value`.
They take rs_dicom datasets and elements (pydicom's are not accepted: ``TypeError``).

The text tree is dcmdump-like, one element per line: tag, VR, VM, length (``u/l`` when
undefined), keyword, value; sequence items are marked and their elements indented::

    (0010,0010) PN  1     14 PatientName                      [Müller^Jürgen]
    (0008,1140) SQ  2    u/l ReferencedImageSequence          (Sequence, 2 items)
      (FFFE,E000) Item #1 (2 elements)
        (0008,1150) UI  1     26 ReferencedSOPClassUID        [1.2.840.10008.5.1.4.1.1.2]

Text values are in brackets, several values are separated by ``\\``, DS and IS show the
file's own text, binary values show their size and a short hex preview. Only the value is
ever cut (to ``value_limit`` characters, or to what fits in ``width``). Private elements show
their creator as keyword (``[CREATOR]``) when the creator element is in the same dataset.
"""

from __future__ import annotations

from collections.abc import Iterator

from rs_dicom import _core
from rs_dicom._core import Dataset, Element

__all__ = [
    "MAX_HTML_ROWS",
    "MAX_VALUE_CHARS",
    "dataset_html",
    "dataset_repr",
    "element_repr",
    "keyword_text",
    "plain_value",
    "tree_lines",
    "value_text",
]

MAX_VALUE_CHARS = 80
"""Values are cut to this many characters by ``repr(dataset)`` (UIDs, dates, names fit)."""
MAX_HTML_ROWS = 2000
"""Element rows shown by :func:`dataset_html` before it stops."""
MAX_HTML_VALUE_CHARS = 200
HTML_THUMBNAIL_SIZE = 256
"""The thumbnail in :func:`dataset_html` has at most this many pixels on a side."""


def plain_value(elem: Element, *, limit: int | None = None) -> str:
    """An element's value as plain one-line text, as ``rs-dicom meta --tag`` prints it.

    Text values are unquoted and several values are joined with ``\\``; DS and IS are the
    file's own text; AT is ``(gggg,eeee)``; binary values up to 32 bytes are shown in hex,
    longer ones as a hex preview with their size; sequences as ``(Sequence, N items)``;
    an empty value is ``''``. Control characters are escaped (``\\n``) so that the result is
    one line. ``limit`` cuts the text to that many characters.
    """
    return _core._plain_value(elem, limit)


def value_text(elem: Element, limit: int | None = MAX_VALUE_CHARS) -> str:
    """The dcmdump-like value column: ``[text]``, numbers, ``(Sequence, N items)``, hex.

    Never raises: a value that cannot be read shows as ``(error: ...)``.
    """
    return _core._value_text(elem, limit)


def keyword_text(elem: Element, ds: Dataset | None = None) -> str:
    """The keyword shown for ``elem``: its keyword, or for private and unknown elements
    ``PrivateCreator``, ``[CREATOR]`` (a private element whose creator is in ``ds``),
    ``GroupLength`` or ``Unknown``."""
    return _core._keyword_text(elem, ds)


def tree_lines(
    ds: Dataset,
    *,
    width: int | None = None,
    value_limit: int = MAX_VALUE_CHARS,
    file_meta: bool = True,
) -> Iterator[str]:
    """Yields the dcmdump-like tree of ``ds`` line by line (no newlines).

    ``width``: cut values so that lines fit in this many columns (deeply nested lines may
    still be longer); ``0`` never cuts; ``None`` cuts values to ``value_limit`` characters.
    ``file_meta``: start with the File Meta Information group when the dataset has one
    (then headings ``# File Meta Information`` and ``# Dataset: <transfer syntax>`` are shown).
    """
    return _core._tree_lines(ds, width, value_limit, file_meta)


def dataset_repr(ds: Dataset) -> str:
    """``repr(dataset)``: the dcmdump-like tree, file meta first, values cut to 80 characters."""
    return Dataset.__repr__(ds)


def element_repr(elem: Element) -> str:
    """pydicom-like one-line form: ``(0010,0010) Patient's Name  PN: 'Doe^John'``."""
    return Element.__repr__(elem)


def dataset_html(ds: Dataset, *, max_rows: int = MAX_HTML_ROWS) -> str:
    """An HTML table for Jupyter: tag, keyword (name as tooltip), VR, VM, length, value.

    Sequences and their items are collapsible ``<details>`` elements (no JavaScript); the file
    meta group is a collapsed section above the dataset. Text is HTML-escaped and values are
    cut to 200 characters. After ``max_rows`` element rows the output stops with a note, so
    that huge datasets cannot freeze the notebook. A dataset with decodable pixel data shows
    a thumbnail of its first frame (an inline PNG, at most 256 pixels) above the tables.
    """
    return _core._dataset_html(ds, max_rows)
