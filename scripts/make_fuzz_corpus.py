#!/usr/bin/env python3
"""Seeds the cargo-fuzz corpus of the `parse` target with small DICOM files.

Copies a handful of small test files shipped inside the pydicom package (every transfer
syntax family, sequences, private and UN sequences, no-meta files, a deflated file, a
truncated file) into fuzz/corpus/parse/. The corpus directory is gitignored; run this once
before fuzzing:

    python3 -m venv /tmp/fuzzvenv && /tmp/fuzzvenv/bin/pip install pydicom
    /tmp/fuzzvenv/bin/python scripts/make_fuzz_corpus.py

Usage: make_fuzz_corpus.py [OUT_DIR]   (default: fuzz/corpus/parse under the repo root)
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

# Small files (all under the fuzzer's -max_len of 64 KiB), chosen for structural variety.
SEEDS = [
    "empty_charset_LEI.dcm",  # implicit VR LE, empty Specific Character Set
    "meta_missing_tsyntax.dcm",  # file meta without (0002,0010)
    "nested_priv_SQ.dcm",  # implicit VR, private sequences nested
    "priv_SQ.dcm",  # implicit VR, private sequence
    "no_meta_group_length.dcm",  # meta without group length
    "no_meta.dcm",  # no preamble, no file meta
    "ExplVR_LitEndNoMeta.dcm",  # explicit VR LE without meta
    "ExplVR_BigEndNoMeta.dcm",  # explicit VR BE without meta
    "UN_sequence.dcm",  # UN with undefined length holding a sequence
    "badVR.dcm",  # invalid explicit VR
    "JPEGLSNearLossless_08.dcm",  # encapsulated pixel data
    "JPEG2000-embedded-sequence-delimiter.dcm",  # encapsulated, odd fragment contents
    "SC_rgb_small_odd.dcm",  # odd lengths
    "SC_rgb_small_odd_big_endian.dcm",  # explicit VR BE
    "SC_rgb_rle.dcm",  # RLE, fragments
    "rtdose_1frame.dcm",  # implicit VR, sequences
    "rtplan.dcm",  # deep implicit VR sequences
    "rtplan_truncated.dcm",  # truncated in a sequence
    "rtstruct.dcm",  # nested sequences
    "reportsi.dcm",  # SR: deep nesting
    "test-SR.dcm",  # SR
    "image_dfl.dcm",  # Deflated Explicit VR LE
    "MR_small_implicit.dcm",  # implicit VR LE image
    "MR_small_bigendian.dcm",  # explicit VR BE image
    "MR_truncated.dcm",  # truncated pixel data
    "CT_small.dcm",  # explicit VR LE image with private tags
]

MAX_LEN = 65536


def main() -> int:
    try:
        from pydicom.data import get_testdata_file
    except ImportError:
        print("pydicom is not installed: pip install pydicom", file=sys.stderr)
        return 1
    repo = Path(__file__).resolve().parent.parent
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else repo / "fuzz" / "corpus" / "parse"
    out.mkdir(parents=True, exist_ok=True)
    copied = 0
    for name in SEEDS:
        # get_testdata_file only looks locally unless download=True: never fetch anything.
        path = get_testdata_file(name, download=False)
        if path is None:
            print(f"skip {name}: not shipped with this pydicom", file=sys.stderr)
            continue
        src = Path(path)
        if src.stat().st_size > MAX_LEN:
            print(f"skip {name}: larger than {MAX_LEN} bytes", file=sys.stderr)
            continue
        shutil.copyfile(src, out / name)
        copied += 1
    print(f"{copied} seed files in {out}")
    return 0 if copied else 1


if __name__ == "__main__":
    sys.exit(main())
