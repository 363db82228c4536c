#!/usr/bin/env bash
# Installs the release wheel into a fresh venv and runs it the way a user who only has pip
# does: no Rust toolchain, no compiler, nothing of this machine's own tools. The wheel is the
# manylinux one that scripts/build_wheel.sh builds (or the wheel given as the argument).
#
# The clean environment is built, not found: `env -i` with a PATH holding only an empty
# directory of our own, and the venv's programs called by absolute path, so what the system
# happens to have installed (a distribution's /usr/bin/cargo, say) cannot leak in.
#
# Besides the CLI and the Python API on the shipped sample, every pydicom and pydicom-data test
# file is decoded by the wheel and by the development build in .venv, and the pixels must be
# the same: the wheel's codecs are compiled by zig, the development build's by the system
# compiler (scripts/test.sh runs this after `maturin develop --extras test`; --no-pixels
# skips it where there is no development build).
#
#   bash scripts/check_wheel.sh [--no-pixels] [WHEEL]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
PY=$(command -v "${PYTHON:-python3}")

pixels=compare
if [ "${1:-}" = --no-pixels ]; then # no development build to compare with (wheels.yml)
    pixels=skip
    shift
fi
if [ $# -gt 1 ]; then
    echo "usage: check_wheel.sh [--no-pixels] [WHEEL]" >&2
    exit 2
elif [ $# -eq 1 ]; then
    wheel=$1
else
    wheel=$(bash scripts/build_wheel.sh | tail -n 1)
fi
[ -f "$wheel" ] || { echo "no wheel at '$wheel'" >&2; exit 1; }
wheel=$(cd "$(dirname "$wheel")" && pwd)/$(basename "$wheel")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin" # the only directory on the clean PATH, and it stays empty
"$PY" -m venv "$work/venv"
venv=$work/venv/bin

clean() {
    # cwd is the repository, for examples/sample_ct.dcm.
    (cd "$repo" && env -i HOME="$HOME" PATH="$work/bin" LANG=C.UTF-8 "$@")
}

# The guard of the check itself: nothing that builds Rust (or C) is reachable.
for tool in cargo rustc rustup maturin cc gcc clang zig; do
    if clean /bin/sh -c "command -v $tool" >/dev/null; then
        echo "the clean PATH still finds $tool" >&2
        exit 1
    fi
done

# Binaries only: pip must neither build anything nor need a compiler to install the wheel.
clean "$venv/pip" install --quiet --disable-pip-version-check --only-binary=:all: "$wheel"

out=$(clean "$venv/rs-dicom" meta examples/sample_ct.dcm)
echo "$out" | head -5
echo "$out" | grep -q "PatientName" || { echo "rs-dicom meta output lacks PatientName" >&2; exit 1; }
picture=$(clean "$venv/rs-dicom" show --width 32 examples/sample_ct.dcm)
if [ "$(echo "$picture" | wc -l)" -ne 16 ] || [[ $picture == *$'\e'* ]]; then
    echo "rs-dicom show did not draw 16 plain-text lines:" >&2
    echo "$picture" >&2
    exit 1
fi
clean "$venv/python" -c "
import rs_dicom
ds = rs_dicom.dcmread('examples/sample_ct.dcm')
assert len(ds) > 10 and ds.pixel_array.shape == (64, 64), ds.pixel_array.shape
assert rs_dicom._core.__file__.startswith('$work/venv/'), rs_dicom._core.__file__
"

# The same pixels as the development build, on every file of the corpus, with both JPEG 2000
# decoders (the project's own and the zig-compiled OpenJPEG).
digests='
import hashlib, sys
import numpy as np
import rs_dicom
for path in sys.stdin.read().splitlines():
    try:
        arr = np.ascontiguousarray(rs_dicom.dcmread(path).pixel_array)
        digest = f"{arr.dtype.str} {arr.shape} {hashlib.sha256(arr.tobytes()).hexdigest()}"
    except Exception as exc:
        digest = type(exc).__name__
    print(f"{path}\t{digest}")
'
if [ $pixels = skip ]; then
    echo "pixels not compared (--no-pixels)"
elif .venv/bin/python -c "import pydicom" 2>/dev/null; then
    # The corpus of the conformance suite (tests/conformance.py), files up to 32 MiB.
    .venv/bin/python -c "
import sys
sys.path.insert(0, 'tests')
from conformance import corpus_files
for path in corpus_files():
    if path.stat().st_size < 32 << 20:
        print(path)
" >"$work/files"
    for decoder in rust openjpeg; do
        RS_DICOM_J2K_DECODER=$decoder .venv/bin/python -c "$digests" \
            <"$work/files" >"$work/dev.txt"
        clean RS_DICOM_J2K_DECODER=$decoder "$venv/python" -c "$digests" \
            <"$work/files" >"$work/wheel.txt"
        decoded=$(grep -c '[0-9a-f]\{64\}$' "$work/wheel.txt" || true)
        if ! diff "$work/dev.txt" "$work/wheel.txt" >&2; then
            echo "the wheel decodes differently from the development build ($decoder)" >&2
            exit 1
        fi
        echo "same pixels as the development build: $decoded of $(wc -l <"$work/files") files" \
            "(JPEG 2000: $decoder)"
        [ "$decoded" -gt 100 ] || { echo "too few files decoded" >&2; exit 1; }
    done
elif [ "${CI:-}" = true ]; then
    echo "pydicom is not installed in .venv: cannot compare the wheel's pixels" >&2
    exit 1
else
    echo "pydicom is not installed in .venv: pixels not compared (pip install -e .[test])"
fi
echo "wheel OK: $(basename "$wheel")"
