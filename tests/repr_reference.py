"""The Python implementation of rs_dicom's text tree, element repr and HTML table as it was
before the work moved to Rust (``rs_dicom::dump``), kept unchanged as the oracle that the
Rust output must equal character for character (tests/test_repr.py).

Only two things differ from the original module: no ``__all__``, and :func:`dataset_html`
takes ``thumbnail=False`` to leave out the first-frame image (the Rust side gets its images
from the display code, whose PNG encoder is not this one).
"""

from __future__ import annotations

import base64
import html
import math
import struct
from collections.abc import Iterator
from typing import Any

MAX_VALUE_CHARS = 80
"""Values are cut to this many characters by ``repr(dataset)`` (UIDs, dates, names fit)."""
MAX_HTML_ROWS = 2000
"""Element rows shown by :func:`dataset_html` before it stops."""
MAX_HTML_VALUE_CHARS = 200
HTML_THUMBNAIL_SIZE = 256
"""The thumbnail in :func:`dataset_html` has at most this many pixels on a side."""
_KEYWORD_COLUMN = 30  # keywords are padded to this width so that values line up
_MIN_VALUE_CHARS = 16  # values are never cut shorter, even if the line gets too long
_HEX_PREVIEW_BYTES = 32  # --tag / HTML show binary values up to this size in full
_COLUMNS = "# Tag       VR VM Length Keyword" + " " * (_KEYWORD_COLUMN - 6) + "Value"
_CONTROL = {i: f"\\x{i:02x}" for i in range(32)} | {
    0x7F: "\\x7f",
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
}


# --------------------------------------------------------------------------- values


def _one_line(text: str) -> str:
    """Escapes control characters so that a value never breaks a line."""
    return text.translate(_CONTROL)


def _cut(text: str, limit: int | None, closing: str = "") -> str:
    """Cuts ``text`` to at most ``limit`` characters, marking the cut with ``...``."""
    if limit is None or len(text) <= limit:
        return text
    keep = max(limit - 3 - len(closing), 0)
    return text[:keep] + "..." + closing


def _float32_text(value: float) -> str:
    """The shortest text that reads back as the same 32-bit float (``1.9``, not ``1.89999``)."""
    if not math.isfinite(value):
        return str(value)
    for digits in range(6, 10):
        text = f"{value:.{digits}g}"
        if struct.unpack("<f", struct.pack("<f", float(text)))[0] == value:
            return text
    return repr(value)


def _number_text(value: Any, vr: str) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        return _float32_text(value) if vr == "FL" else repr(value)
    return str(value)


def _number_string_text(elem: Any) -> str:
    """DS / IS as written in the file (each value stripped), e.g. ``-32\\-32\\12.5``."""
    raw = bytes(elem.raw).decode("ascii", "replace")
    return "\\".join(part.strip(" \0") for part in raw.split("\\"))


def _hex(data: memoryview | bytes, limit: int) -> str:
    return " ".join(f"{b:02X}" for b in bytes(data[:limit]))


def _binary_text(elem: Any, value: memoryview, budget: int | None, full_up_to: int = 0) -> str:
    """A hex preview of a binary value with its size, fitting in ``budget`` characters.

    Values of at most ``full_up_to`` bytes are shown entirely, without a size.
    """
    fragments = None
    try:
        fragments = elem.fragments
    except Exception:  # a preview must not fail
        fragments = None
    if fragments is not None:
        frags = fragments[1]
        total = sum(len(f) for f in frags)
        suffix = f"({len(frags)} fragment{'s' if len(frags) != 1 else ''}, {total} bytes)"
        data: memoryview | bytes = frags[0] if frags else b""
        size = len(data)
    else:
        size = len(value)
        if size <= full_up_to:
            return _hex(value, size)
        suffix = f"({size} bytes)"
        data = value
    if budget is None:
        budget = len(suffix) + 1 + 8 * 3 + 3
    # Each byte takes 3 characters ("FF "); keep room for "..." and the suffix.
    room = budget - len(suffix) - 1
    count = min(size, max((room - 3) // 3, 0))
    if count == 0:
        return suffix
    preview = _hex(data, count)
    if count < size or fragments is not None:
        preview += " ..."
    return f"{suffix} {preview}"


def _join(values: list[Any], fmt: Any) -> str:
    return "\\".join(fmt(v) for v in values)


def plain_value(elem: Any, *, limit: int | None = None) -> str:
    """An element's value as plain one-line text, as ``rs-dicom meta --tag`` prints it.

    Text values are unquoted and several values are joined with ``\\``; DS and IS are the
    file's own text; AT is ``(gggg,eeee)``; binary values up to 32 bytes are shown in hex,
    longer ones as a hex preview with their size; sequences as ``(Sequence, N items)``;
    an empty value is ``''``. Control characters are escaped (``\\n``) so that the result is
    one line. ``limit`` cuts the text to that many characters.
    """
    vr = elem.vr
    value = elem.value
    if vr == "SQ":
        n = len(value)
        return f"(Sequence, {n} item{'s' if n != 1 else ''})"
    if isinstance(value, memoryview):
        return _binary_text(elem, value, limit, full_up_to=_HEX_PREVIEW_BYTES)
    if value is None or value == "" or value == []:
        return ""
    if vr in ("DS", "IS"):
        text = _number_string_text(elem)
    elif isinstance(value, list):
        text = _join(value, lambda v: _number_text(v, vr) if not isinstance(v, str) else v)
    elif isinstance(value, str):
        text = value
    else:
        text = _number_text(value, vr)
    return _cut(_one_line(text), limit)


def value_text(elem: Any, limit: int | None = MAX_VALUE_CHARS) -> str:
    """The dcmdump-like value column: ``[text]``, numbers, ``(Sequence, N items)``, hex.

    Never raises: a value that cannot be decoded shows as ``(error: ...)``.
    """
    try:
        vr = elem.vr
        value = elem.value
        if vr == "SQ":
            n = len(value)
            return f"(Sequence, {n} item{'s' if n != 1 else ''})"
        if isinstance(value, memoryview):
            return _binary_text(elem, value, limit)
        if value is None or value == "" or value == []:
            return "(no value)"
        if (
            vr in ("DS", "IS")
            or isinstance(value, str)
            or (isinstance(value, list) and any(isinstance(v, str) for v in value))
        ):
            inner = None if limit is None else max(limit - 2, 4)
            return "[" + _cut(plain_value(elem), inner) + "]"
        return _cut(_one_line(plain_value(elem)), limit)
    except Exception as exc:  # a repr must show broken values, not fail
        return _cut(f"(error: {_one_line(str(exc))})", limit)


def _private_creator(ds: Any, tag: int) -> str | None:
    """The private creator of a private data element ``tag`` in ``ds``, if present."""
    element = tag & 0xFFFF
    if element < 0x1000:
        return None
    creator_tag = (tag & 0xFFFF0000) | (element >> 8)
    try:
        if creator_tag in ds:
            value = ds[creator_tag].value
            return value if isinstance(value, str) else None
    except Exception:
        return None
    return None


def keyword_text(elem: Any, ds: Any = None) -> str:
    """The keyword shown for ``elem``: its keyword, or for private and unknown elements
    ``PrivateCreator``, ``[CREATOR]`` (a private element whose creator is in ``ds``),
    ``GroupLength`` or ``Unknown``."""
    keyword = elem.keyword
    if keyword:
        return keyword
    tag = int(elem.tag)
    element = tag & 0xFFFF
    if element == 0:
        return "GroupLength"
    if elem.is_private:
        if 0x0010 <= element <= 0x00FF:
            return "PrivateCreator"
        creator = _private_creator(ds, tag) if ds is not None else None
        return f"[{creator}]" if creator else "PrivateTagData"
    return "Unknown"


def _vm_text(elem: Any) -> str:
    try:
        return str(elem.vm)
    except Exception:
        return "?"


def _length_text(elem: Any) -> str:
    length = elem.length
    return "u/l" if length is None else str(length)


# --------------------------------------------------------------------------- text tree


def _element_line(elem: Any, ds: Any, indent: str, width: int | None, value_limit: int) -> str:
    keyword = keyword_text(elem, ds)
    # Pad the keyword so that values line up at every nesting level.
    column = max(_KEYWORD_COLUMN - len(indent), len(keyword))
    head = (
        f"{indent}{elem.tag} {elem.vr} {_vm_text(elem):>2} {_length_text(elem):>6} "
        f"{keyword:<{column}} "
    )
    if width is None:
        budget: int | None = value_limit
    elif width <= 0:
        budget = None
    else:
        budget = max(width - len(head), _MIN_VALUE_CHARS)
    return head + value_text(elem, budget)


def _transfer_syntax_text(ds: Any) -> str:
    uid = ds.transfer_syntax_uid
    if not uid:
        return ""
    try:
        from rs_dicom import dictionary

        name = dictionary.uid_name(uid)
    except Exception:  # unknown UID
        name = ""
    return f"{name} ({uid})" if name and name != uid else uid


def _tree(ds: Any, indent: str, width: int | None, value_limit: int) -> Iterator[str]:
    for elem in ds:
        yield _element_line(elem, ds, indent, width, value_limit)
        if elem.vr != "SQ":
            continue
        try:
            items = elem.value
        except Exception:  # already shown as (error: ...) on the SQ line
            continue
        for number, item in enumerate(items, start=1):
            n = len(item)
            yield f"{indent}  (FFFE,E000) Item #{number} ({n} element{'s' if n != 1 else ''})"
            yield from _tree(item, indent + "    ", width, value_limit)


def tree_lines(
    ds: Any,
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
    meta = ds.file_meta if file_meta else None
    if meta is not None and len(meta):
        yield _COLUMNS
        yield "# File Meta Information"
        yield from _tree(meta, "", width, value_limit)
        syntax = _transfer_syntax_text(ds)
        yield f"# Dataset: {syntax}" if syntax else "# Dataset"
    yield from _tree(ds, "", width, value_limit)


def dataset_repr(ds: Any) -> str:
    """``repr(dataset)``: the dcmdump-like tree, file meta first, values cut to 80 characters."""
    return "\n".join(tree_lines(ds))


def element_repr(elem: Any) -> str:
    """pydicom-like one-line form: ``(0010,0010) Patient's Name  PN: 'Doe^John'``."""
    try:
        value = elem.value
        if elem.vr == "SQ":
            text = f"<Sequence, {len(value)} item{'s' if len(value) != 1 else ''}>"
        elif isinstance(value, memoryview):
            text = "<" + _binary_text(elem, value, 62, full_up_to=16) + ">"
        elif isinstance(value, list):
            text = _cut(_one_line(repr(value)), MAX_VALUE_CHARS, "]")
        elif isinstance(value, str):
            text = _cut(_one_line(repr(value)), MAX_VALUE_CHARS, "'")
        else:
            text = str(value)
    except Exception as exc:
        text = f"<error: {_one_line(str(exc))}>"
    return f"{elem.tag} {elem.name:<35} {elem.vr}: {text}"


# --------------------------------------------------------------------------- HTML

_CSS = (
    "<style>"
    ".rs-dicom table{border-collapse:collapse;margin:2px 0}"
    ".rs-dicom th,.rs-dicom td{text-align:left;vertical-align:top;padding:1px 8px;"
    "font-family:monospace;white-space:pre-wrap}"
    ".rs-dicom tr:nth-child(even){background:rgba(127,127,127,.08)}"
    ".rs-dicom summary{cursor:pointer}"
    "</style>"
)
_HEAD = "<tr><th>Tag</th><th>Keyword</th><th>VR</th><th>VM</th><th>Length</th><th>Value</th></tr>"


class _Rows:
    """A shared row budget across nested tables."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0
        self.truncated = False

    def take(self) -> bool:
        if self.count >= self.limit:
            self.truncated = True
            return False
        self.count += 1
        return True


def _html_table(ds: Any, rows: _Rows, out: list[str]) -> None:
    out.append(f"<table>{_HEAD}")
    for elem in ds:
        if not rows.take():
            break
        esc = html.escape
        try:
            name = elem.name
        except Exception:
            name = ""
        out.append(
            f'<tr><td>{elem.tag}</td><td title="{esc(name)}">{esc(keyword_text(elem, ds))}</td>'
            f"<td>{elem.vr}</td><td>{_vm_text(elem)}</td><td>{_length_text(elem)}</td><td>"
        )
        if elem.vr == "SQ":
            try:
                items = elem.value
            except Exception as exc:
                out.append(f"{esc(_one_line(f'(error: {exc})'))}</td></tr>")
                continue
            n = len(items)
            out.append(f"<details><summary>{n} item{'s' if n != 1 else ''}</summary>")
            for number, item in enumerate(items, start=1):
                if rows.truncated:
                    break
                size = len(item)
                out.append(
                    f"<details><summary>Item {number} ({size} element"
                    f"{'s' if size != 1 else ''})</summary>"
                )
                _html_table(item, rows, out)
                out.append("</details>")
            out.append("</details>")
        else:
            try:
                text = plain_value(elem, limit=MAX_HTML_VALUE_CHARS)
            except Exception as exc:
                text = f"(error: {_one_line(str(exc))})"
            out.append(esc(text))
        out.append("</td></tr>")
    out.append("</table>")


def _thumbnail_html(ds: Any, size: int = HTML_THUMBNAIL_SIZE) -> str:
    """An ``<img>`` of the first frame (PNG, at most ``size`` pixels), or ``""`` when there is
    no pixel data or it cannot be decoded: the HTML never fails because of the pixels."""
    try:
        if getattr(ds, "pixel_data", None) is None:
            return ""
        from rs_dicom.viz import thumbnail_png

        data = base64.b64encode(thumbnail_png(ds, size)).decode("ascii")
    except Exception:
        return ""
    return f'<div><img src="data:image/png;base64,{data}" alt="first frame"></div>'


def dataset_html(ds: Any, *, max_rows: int = MAX_HTML_ROWS, thumbnail: bool = True) -> str:
    """An HTML table for Jupyter: tag, keyword (name as tooltip), VR, VM, length, value.

    Sequences and their items are collapsible ``<details>`` elements (no JavaScript); the file
    meta group is a collapsed section above the dataset. Text is HTML-escaped and values are
    cut to 200 characters. After ``max_rows`` element rows the output stops with a note, so
    that huge datasets cannot freeze the notebook. A dataset with decodable pixel data shows
    a thumbnail of its first frame (an inline PNG, at most 256 pixels) above the tables.
    """
    rows = _Rows(max_rows)
    out: list[str] = ['<div class="rs-dicom">', _CSS]
    meta = ds.file_meta
    n = len(ds)
    title = f"Dataset: {n} element{'s' if n != 1 else ''}"
    syntax = _transfer_syntax_text(ds)
    if syntax:
        title += f", {syntax}"
    out.append(f"<div><b>{html.escape(title)}</b></div>")
    out.append(_thumbnail_html(ds) if thumbnail else "")
    if meta is not None and len(meta):
        out.append(f"<details><summary>File Meta Information ({len(meta)} elements)</summary>")
        _html_table(meta, rows, out)
        out.append("</details>")
    if not rows.truncated:
        _html_table(ds, rows, out)
    if rows.truncated:
        out.append(
            f"<p><i>Output truncated after {max_rows:,} rows; use repr(), iteration or "
            "rs-dicom meta to see everything.</i></p>"
        )
    out.append("</div>")
    return "".join(out)
