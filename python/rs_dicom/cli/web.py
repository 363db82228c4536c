"""``rs-dicom web search|get|store URL``: a DICOMweb client on the command line (QIDO-RS,
WADO-RS, STOW-RS through :mod:`rs_dicom.web`)."""

from __future__ import annotations

import argparse
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TextIO

from rs_dicom.cli._command import Command
from rs_dicom.cli._progress import Progress
from rs_dicom.cli._report import PROG, Reporter, error_text
from rs_dicom.cli.send import files

DESCRIPTION = """\
Talk to a DICOMweb server at URL (its root, e.g. http://pacs:8042/dicom-web).

  search  QIDO-RS: list studies, series or instances matching -k KEY=VALUE filters, one line
          per result (UIDs and the values returned), or the DICOM JSON with --json.
  get     WADO-RS: download a study, series or instance into -o DIR as <SOPInstanceUID>.dcm,
          instance by instance as they arrive.
  store   STOW-RS: upload files and directories, --batch files per request, -j requests in
          parallel.

On a terminal get and store show a progress bar; a file the server refuses prints
'rs-dicom: FILE: MESSAGE' on stderr and the others go on. A summary line ends the run."""

EPILOG = """\
examples:
  rs-dicom web search http://pacs:8042/dicom-web -k PatientID=123
  rs-dicom web search URL --level instances --study 1.2.3 --json
  rs-dicom web get URL --study 1.2.3 -o study/
  rs-dicom web store URL study/ -u user:password

exit status: 0 success, 1 a request or a file failed, 2 wrong usage."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``rs-dicom web``."""
    parser.add_argument("action", choices=["search", "get", "store"], help="what to do")
    parser.add_argument("url", metavar="URL", help="the DICOMweb root URL")
    parser.add_argument("paths", metavar="PATH", nargs="*", help="store: files or directories")
    parser.add_argument(
        "--level",
        choices=["studies", "series", "instances"],
        default="studies",
        help="search: what to list (default studies)",
    )
    parser.add_argument("--study", metavar="UID", help="the Study Instance UID")
    parser.add_argument("--series", metavar="UID", help="the Series Instance UID")
    parser.add_argument("--instance", metavar="UID", help="get: one SOP Instance UID")
    parser.add_argument(
        "-k",
        "--key",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="search: a matching key (keyword or tag), as in findscu; repeatable",
    )
    parser.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="KEY",
        help="search: also return this attribute (includefield)",
    )
    parser.add_argument("--limit", type=int, metavar="N", help="search: at most N results")
    parser.add_argument("--offset", type=int, metavar="N", help="search: skip N results")
    parser.add_argument("--json", action="store_true", help="search: print the DICOM JSON")
    parser.add_argument("-o", "--output", metavar="DIR", help="get: the output directory")
    parser.add_argument(
        "--batch",
        type=int,
        default=10,
        metavar="N",
        help="store: files per STOW-RS request (default 10)",
    )
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=2,
        metavar="N",
        help="store: requests in parallel (default 2)",
    )
    parser.add_argument("-u", "--user", metavar="USER:PASSWORD", help="HTTP basic authentication")
    parser.add_argument(
        "-H",
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="an HTTP header for every request; repeatable",
    )
    parser.add_argument(
        "--timeout", type=float, default=60.0, metavar="SECONDS", help="per request (default 60)"
    )


def check(args: argparse.Namespace) -> str | None:
    """Usage errors."""
    if args.action == "store" and not args.paths:
        return "store needs at least one PATH"
    if args.action != "store" and args.paths:
        return f"{args.action} takes no PATH"
    if args.action == "get":
        if not args.study or not args.output:
            return "get needs --study and -o DIR"
        if args.instance and not args.series:
            return "--instance needs --series"
    if args.series and not args.study and args.action != "search":
        return "--series needs --study"
    if args.batch < 1 or args.jobs < 1:
        return "--batch and --jobs must be 1 or more"
    for k in args.key:
        if "=" not in k:
            return f"-k {k!r}: KEY=VALUE expected"
    for h in args.header:
        if ":" not in h:
            return f"-H {h!r}: 'NAME: VALUE' expected"
    if args.user is not None and ":" not in args.user:
        return "-u USER:PASSWORD expected"
    return None


def client(args: argparse.Namespace) -> Any:
    from rs_dicom import web

    headers = dict((n.strip(), v.strip()) for n, v in (h.split(":", 1) for h in args.header))
    auth = tuple(args.user.split(":", 1)) if args.user else None
    return web.Client(args.url, headers=headers, auth=auth, timeout=args.timeout)  # type: ignore[arg-type]


def _text(value: dict[str, Any]) -> str:
    vals = value.get("Value")
    if not vals:
        return ""
    out = []
    for v in vals:
        if isinstance(v, dict):
            out.append(v.get("Alphabetic", "") if value.get("vr") == "PN" else "(item)")
        else:
            out.append(str(v))
    return "\\".join(out)


def search(args: argparse.Namespace, out: TextIO) -> int:
    from rs_dicom.dictionary import keyword_for_tag

    c = client(args)
    filters = dict(k.split("=", 1) for k in args.key)
    common = {
        "limit": args.limit,
        "offset": args.offset,
        "fields": args.field or None,
        "search_filters": filters,
        "get_remaining": args.limit is None,
    }
    if args.level == "studies":
        results = c.search_for_studies(**common)
    elif args.level == "series":
        results = c.search_for_series(args.study, **common)
    else:
        results = c.search_for_instances(args.study, args.series, **common)
    if args.json:
        json.dump(results, out, indent=1)
        out.write("\n")
        return 0
    for r in results:
        cells = []
        for tag in sorted(r):
            text = _text(r[tag])
            if text:
                keyword = keyword_for_tag(int(tag, 16)) or tag
                cells.append(f"{keyword}={text}")
        print("  ".join(cells), file=out)
    print(f"{len(results)} {args.level} found", file=out)
    return 0


def get(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from rs_dicom import dcmread

    c = client(args)
    os.makedirs(args.output, exist_ok=True)
    # QIDO first: the number of instances sizes the progress bar.
    if args.instance:
        total = 1
    else:
        total = len(c.search_for_instances(args.study, args.series, get_remaining=True))
    progress = Progress(total, err, "get")
    path = f"/studies/{args.study}"
    if args.series:
        path += f"/series/{args.series}"
        if args.instance:
            path += f"/instances/{args.instance}"
    count = 0
    size = 0
    try:
        for content in c._iter_instance_bytes(path):
            ds = dcmread(content, stop_before_pixels=True)
            name = os.path.join(args.output, f"{ds.SOPInstanceUID}.dcm")
            with open(name, "wb") as f:
                f.write(content)
            count += 1
            size += len(content)
            progress.step(True)
    finally:
        progress.clear()
    print(f"{count} instances ({size / 1e6:.1f} MB) written to {args.output}", file=out)
    return 0


def store(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from rs_dicom import dcmread

    report = Reporter(out, err)
    todo = files(args.paths, report)
    if not todo:
        print(f"{PROG}: no files to store", file=err)
        return 1
    c = client(args)
    progress = Progress(len(todo), err, "store")
    lock = threading.Lock()
    batches = [todo[i : i + args.batch] for i in range(0, len(todo), args.batch)]
    stored = 0

    def one(batch: list[str]) -> None:
        nonlocal stored
        uids: dict[str, str] = {}
        errors: dict[str, str] = {}
        for p in batch:
            try:
                uids[str(dcmread(p, stop_before_pixels=True).SOPInstanceUID)] = p
            except (OSError, ValueError) as exc:
                errors[p] = error_text(exc)
        good = list(uids.values())
        if good:
            try:
                answer = c.store_instances(good)
                failed = answer.get("00081198", {}).get("Value", [])
                for item in failed:
                    uid = item.get("00081155", {}).get("Value", [""])[0]
                    reason = item.get("00081197", {}).get("Value", ["?"])[0]
                    if uid in uids:
                        errors[uids[uid]] = f"the server refused it (failure reason {reason})"
            except (OSError, ValueError) as exc:
                for p in good:
                    errors[p] = error_text(exc)
        with lock:
            for p in batch:
                if p in errors:
                    report.error(p, errors[p])
                else:
                    stored += 1
                progress.step(p not in errors)

    try:
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            list(pool.map(one, batches))
    finally:
        progress.clear()
    print(f"{stored} of {len(todo)} files stored, {len(todo) - stored} failed", file=out)
    return 1 if report.status else 0


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Runs ``rs-dicom web``."""
    try:
        if args.action == "search":
            return search(args, out)
        if args.action == "get":
            return get(args, out, err)
        return store(args, out, err)
    except (OSError, ValueError) as exc:
        print(f"{PROG}: web {args.action} {args.url}: {error_text(exc)}", file=err)
        return 1


COMMAND = Command(
    name="web",
    help="search, download and upload over DICOMweb (QIDO-RS, WADO-RS, STOW-RS)",
    description=DESCRIPTION,
    epilog=EPILOG,
    add_arguments=add_arguments,
    run=run,
    check=check,
)
