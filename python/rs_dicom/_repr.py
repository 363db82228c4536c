"""Text and HTML representations of datasets and elements (used by ``__repr__``)."""

from __future__ import annotations

from typing import Any

MAX_VALUE_CHARS = 64


def value_text(elem: Any, limit: int = MAX_VALUE_CHARS) -> str:
    """A short printable form of an element's value."""
    vr = elem.vr
    if vr == "SQ":
        n = len(elem.value)
        return f"<Sequence, {n} item{'s' if n != 1 else ''}>"
    value = elem.value
    if isinstance(value, memoryview):
        return f"<{len(value)} bytes>"
    text = repr(value) if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


def element_repr(elem: Any) -> str:
    """pydicom-like one-line form: ``(0010,0010) Patient's Name  PN: 'Doe^John'``."""
    return f"{elem.tag} {elem.name:<35} {elem.vr}: {value_text(elem)}"


def _lines(ds: Any, indent: str, out: list[str]) -> None:
    for elem in ds:
        out.append(indent + element_repr(elem))
        if elem.vr == "SQ":
            for i, item in enumerate(elem.value):
                out.append(f"{indent}  ---- item {i} ----")
                _lines(item, indent + "    ", out)


def dataset_repr(ds: Any) -> str:
    """A dcmdump-like tree of the dataset (file meta first when present)."""
    out: list[str] = []
    meta = ds.file_meta
    if meta is not None and len(meta):
        out.append("File Meta Information")
        _lines(meta, "", out)
        out.append("-" * 20)
    _lines(ds, "", out)
    return "\n".join(out)


def dataset_html(ds: Any) -> str:
    """A minimal HTML table (replaced by a richer one in rs_dicom._html)."""
    import html

    rows = "".join(
        f"<tr><td>{e.tag}</td><td>{html.escape(e.name)}</td><td>{e.vr}</td>"
        f"<td>{html.escape(value_text(e))}</td></tr>"
        for e in ds
    )
    return f"<table>{rows}</table>"
