#!/usr/bin/env python3
"""Run every benchmark, optionally against an earlier revision, and refresh the README.

    nice python benchmarks/run_all.py --baseline 6d0c234      # the full run (~35 min)
    python benchmarks/run_all.py --baseline 6d0c234 --quick   # smoke test (~15 min)

Steps: generate the data (kept when it is up to date), build the baseline (once per
commit, ``baseline.sh``), run ``bench_read.py``, ``bench_pixels.py``, ``bench_codecs.py``,
``bench_write.py`` and ``bench_encode.py`` (all libraries), each with ``--baseline REV``, and
``bench_codecs.py --libs rs_dicom`` (the
scaling file, rs_dicom alone), then compose the README's benchmark block from their JSON and put it
between the ``<!-- BENCHMARKS:START -->`` / ``END`` markers of README.md.

A full run writes the committed results files (``benchmarks/results*.md``); ``--quick``
writes everything, the README block included, into ``benchmarks/data/quick/`` (gitignored)
and touches no committed file.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from harness.report import replace_block
from readme_block import compose, load

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"

# (name, script, extra options, results file)
BENCHES = (
    ("read", "bench_read.py", [], "results.md"),
    ("pixels", "bench_pixels.py", [], "results_pixels.md"),
    ("codecs", "bench_codecs.py", [], "results_codecs.md"),
    ("write", "bench_write.py", [], "results_write.md"),
    ("encode", "bench_encode.py", [], "results_encode.md"),
    ("deid", "bench_deid.py", [], "results_deid.md"),
    (
        "scaling",
        "bench_codecs.py",
        ["--libs", "rs_dicom", "--repeat", "7"],
        "results_codecs_scaling.md",
    ),
)


# (generator, options, the benchmarks that read its data): --only runs just the ones needed
GENERATORS = (
    ("generate_data.py", ["-q"], {"read", "pixels", "write"}),
    ("generate_codec_data.py", [], {"codecs", "scaling"}),
    ("generate_encode_data.py", [], {"encode"}),
)


def run(cmd: list[str]) -> None:
    print("+ " + " ".join(cmd), file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--baseline", action="append", default=[], metavar="REV", help="repeatable")
    p.add_argument("--quick", action="store_true", help="smoke test; no committed file changes")
    p.add_argument(
        "--only",
        default=",".join(b[0] for b in BENCHES),
        help="comma-separated subset of read,pixels,codecs,write,encode,deid,scaling",
    )
    p.add_argument("--no-generate", action="store_true", help="skip the data generators")
    p.add_argument(
        "--readme",
        type=Path,
        default=None,
        help="README to update (default: README.md on a full run; the quick run writes "
        "data/quick/readme_block.md only)",
    )
    args = p.parse_args(argv)
    py = sys.executable
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    if only - {b[0] for b in BENCHES}:
        p.error(f"unknown in --only: {', '.join(sorted(only - {b[0] for b in BENCHES}))}")
    out_dir = HERE / "data" / "quick" if args.quick else HERE
    json_dir = HERE / "data" / ("quick" if args.quick else "results")
    json_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    if not args.no_generate:
        for script, opts, needed_by in GENERATORS:
            if only & needed_by:
                run([py, str(HERE / script), *opts])
    common = [f"--baseline={rev}" for rev in args.baseline] + (["--quick"] if args.quick else [])
    for name, script, extra, results in BENCHES:
        if name not in only:
            continue
        t0 = time.perf_counter()
        # the scaling file is rs_dicom alone (all cores vs one thread): no baseline twins
        opts = [o for o in common if name != "scaling" or not o.startswith("--baseline")]
        run(
            [py, str(HERE / script), *opts, *extra]
            + ["--output", str(out_dir / results), "--json", str(json_dir / f"{name}.json")]
        )
        print(f"== {name}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)

    names = ("read", "pixels", "codecs", "write", "encode", "deid")
    block = compose(*(load(json_dir / f"{n}.json") for n in names))
    (json_dir / "readme_block.md").write_text(block)
    readme = args.readme or (None if args.quick else README)
    if readme:
        replace_block(readme, block)
        print(f"(README block replaced in {readme})", file=sys.stderr)
    print(f"done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
