#!/usr/bin/env bash
# Builds the release wheel, installs it into a fresh venv with no Rust toolchain on PATH, and
# runs the CLI on the shipped sample: what a user who only has pip gets.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=$(command -v python3)
rm -rf dist/wheelcheck && mkdir -p dist/wheelcheck
.venv/bin/maturin build --release --quiet --out dist/wheelcheck
venv=$(mktemp -d)/venv
"$PY" -m venv "$venv"
# A PATH without ~/.cargo/bin: pip must not find (or need) cargo, rustc or maturin.
clean_path=/usr/local/bin:/usr/bin:/bin
if env -i HOME="$HOME" PATH="$clean_path" sh -c 'command -v cargo || command -v rustc'; then
    echo "a Rust toolchain is still on the clean PATH" >&2
    exit 1
fi
env -i HOME="$HOME" PATH="$clean_path" "$venv/bin/pip" install --quiet --only-binary=:all: \
    dist/wheelcheck/*.whl
out=$(env -i HOME="$HOME" PATH="$clean_path" "$venv/bin/rs-dicom" meta examples/sample_ct.dcm)
echo "$out" | head -5
echo "$out" | grep -q "PatientName" || { echo "rs-dicom meta output lacks PatientName" >&2; exit 1; }
env -i HOME="$HOME" PATH="$clean_path" "$venv/bin/python" -c \
    "import rs_dicom; ds = rs_dicom.dcmread('examples/sample_ct.dcm'); assert len(ds) > 10"
rm -rf "$(dirname "$venv")"
echo "wheel OK: $(ls dist/wheelcheck)"
