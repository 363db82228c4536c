"""What ``rs-dicom find``, ``move`` and ``get`` share: DCMTK's option spellings (``-k
key=value``, ``-P``/``-S``/``-W``), the query built from the keys, and the printed
responses."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from rs_dicom._net_qr import set_key
from rs_dicom.cli._net import add_association, associate, check_network
from rs_dicom.cli._net_tls import add_identity, add_tls
from rs_dicom.cli._report import PROG, error_text
from rs_dicom.cli._tagpath import parse_tag_path


def add_query(parser: argparse.ArgumentParser, *, worklist: bool = False) -> None:
    """HOST PORT, the information model and ``-k``."""
    parser.add_argument("host", metavar="HOST", help="the peer's host name or address")
    parser.add_argument("port", metavar="PORT", type=int, help="the peer's port")
    models = parser.add_mutually_exclusive_group()
    models.add_argument(
        "-P",
        "--patient",
        dest="model",
        action="store_const",
        const="P",
        help="Patient Root information model",
    )
    models.add_argument(
        "-S",
        "--study",
        dest="model",
        action="store_const",
        const="S",
        help="Study Root information model (the default)",
    )
    if worklist:
        models.add_argument(
            "-W",
            "--worklist",
            dest="model",
            action="store_const",
            const="W",
            help="Modality Worklist information model",
        )
    parser.set_defaults(model="S")
    parser.add_argument(
        "-k",
        "--key",
        dest="keys",
        action="append",
        default=[],
        metavar="KEY[=VALUE]",
        help="a query key: keyword or gggg,eeee (Sequence[0].Key for items), empty when "
        "no value is given; repeatable",
    )
    add_association(parser)
    add_identity(parser)
    add_tls(parser)


def build_query(keys: list[str]) -> Any:
    """A Dataset from ``-k`` arguments (raises ValueError on a bad key)."""
    from rs_dicom import Dataset, dictionary

    ds = Dataset()
    for k in keys:
        path, _, value = k.partition("=")
        steps = parse_tag_path(path).steps
        current = ds
        for tag, index in steps[:-1]:
            if tag not in current:
                current.add_new(tag, "SQ", [Dataset()])
            items = current[tag].value
            while index is not None and len(items) <= index:
                items.append(Dataset())
            current = items[index or 0]
        tag = steps[-1][0]
        vr = dictionary.dictionary_VR(tag)
        if vr == "SQ":
            current.add_new(tag, "SQ", [])
        else:
            set_key(current, tag, vr, value)
    return ds


def check_query(args: argparse.Namespace) -> str | None:
    """Keys that parse."""
    try:
        build_query(args.keys)
    except (ValueError, KeyError) as exc:
        return f"-k: {exc}"
    return None


def describe(status: int) -> str:
    """A status as DCMTK's tools name it."""
    names = {
        0x0000: "Success",
        0xFF00: "Pending",
        0xFF01: "Pending (warning)",
        0xFE00: "Cancel",
        0xB000: "Warning: sub-operations complete, one or more failures",
        0xA700: "Refused: out of resources",
        0xA701: "Refused: out of resources (matches)",
        0xA702: "Refused: out of resources (sub-operations)",
        0xA801: "Refused: move destination unknown",
        0xA900: "Error: identifier does not match SOP class",
    }
    return names.get(status, "Failed" if status >= 0xC000 else "Unknown")


def print_identifier(ds: Any, out: TextIO, number: int) -> None:
    """One matched identifier, one element a line."""
    print(f"# response {number}", file=out)
    for elem in ds:
        if elem.keyword in ("SpecificCharacterSet",):
            continue
        value = elem.value
        if elem.vr == "SQ":
            value = f"<{len(value)} item(s)>"
        print(f"{elem.tag} {elem.vr} {elem.keyword}: {value}", file=out)


def fail(args: argparse.Namespace, what: str, exc: BaseException, err: TextIO) -> int:
    """The one-line error of a failed operation; exit status 1."""
    print(f"{PROG}: {what} {args.host}:{args.port}: {error_text(exc)}", file=err)
    return 1


def check(args: argparse.Namespace) -> str | None:
    """The association, TLS and identity options, then the keys."""
    return check_network(args) or check_query(args)


def retrieve(
    args: argparse.Namespace,
    op: str,
    responses: Callable[[Any, Any], Iterable[tuple[Any, Any]]],
    out: TextIO,
    err: TextIO,
    **extra: Any,
) -> int:
    """Runs a C-MOVE or C-GET (``responses(assoc, query)``) to its final status: exit 0
    when every sub-operation succeeded."""
    final = None
    try:
        with associate(args, **extra) as assoc:
            for status, _ in responses(assoc, build_query(args.keys)):
                final = status
    except (OSError, ValueError) as exc:
        return fail(args, op.lower(), exc, err)
    if final is None:
        return 1
    final_line(f"C-{op}", final, out)
    return 0 if int(final) == 0 else 1


def final_line(op: str, status: Any, out: TextIO) -> None:
    """The final status and, for retrievals, the sub-operation counts."""
    line = f"{op} final status 0x{int(status):04X} ({describe(int(status))})"
    if getattr(status, "completed", None) is not None:
        line += f": {status.completed} completed, {status.failed} failed, {status.warning} warning"
    print(line, file=out)
