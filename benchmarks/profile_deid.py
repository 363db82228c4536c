#!/usr/bin/env python3
"""Where one thread's time goes when rs_dicom de-identifies files: user and system CPU time per
file (getrusage), the Basic Profile, one worker, over the ``ct`` series of
``benchmarks/generate_data.py``. Run it under ``perf record -g`` to see which functions and
system calls dominate (the findings are in ``benchmarks/results_deid.md``, "Profile").

Usage::

    python benchmarks/generate_data.py --out /tmp/deid_data --count 400
    perf record -g python benchmarks/profile_deid.py /tmp/deid_data/ct --repeat 4
    perf report --no-children --sort dso,symbol
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import tempfile
from pathlib import Path

from rs_dicom import deid

KEY = b"benchmark-key-0123456789"


def main() -> None:
    """Times `--repeat` runs and prints the median CPU time per file."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    p.add_argument("data", type=Path, help="a directory of DICOM files")
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args()
    files = sorted(args.data.glob("*.dcm"))
    engine = deid.Anonymizer(key=KEY)
    user, system = [], []
    with tempfile.TemporaryDirectory(dir=args.data.parent) as tmp:
        for r in range(args.repeat):
            out = Path(tmp) / f"run{r}"
            out.mkdir()
            jobs = [(f, out / f.name) for f in files]
            before = resource.getrusage(resource.RUSAGE_SELF)
            results = engine.anonymize_files(jobs, workers=1)
            after = resource.getrusage(resource.RUSAGE_SELF)
            assert all(r.error is None for r in results)
            user.append((after.ru_utime - before.ru_utime) / len(files))
            system.append((after.ru_stime - before.ru_stime) / len(files))
            shutil.rmtree(out)
    print(
        f"{len(files)} files, one worker, median of {args.repeat}: "
        f"user {1e3 * statistics.median(user):.3f} ms/file, "
        f"system {1e3 * statistics.median(system):.3f} ms/file"
    )


if __name__ == "__main__":
    main()
