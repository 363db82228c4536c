#!/usr/bin/env bash
# Installs the test dependencies into .venv and runs every test suite (Rust and Python) plus
# the linters. This is the README's test command and what .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: cmake, nasm and g++ build the vendored codecs (libjpeg-turbo, CharLS), and
# clang builds them faster code (.cargo/config.toml); DCMTK, GDCM, OpenJPH and OpenJPEG tools
# make the reference files of the codec tests; dicom3tools' dciodvfy checks the files the writer
# makes; Orthanc and its DICOMweb plugin are a real PACS peer of rs_dicom.net and rs_dicom.web
# (tests/orthanc_support.py); openssl makes the TLS tests' certificates. rustc-web, cargo-web,
# rust-web-src, lld-22, wasi-libc and nodejs build the core for WebAssembly and run its tests in
# Node (scripts/wasm.sh); chromium runs the JavaScript package's web page headless
# (tests/test_js_browser.py).
need=()
for pkg in cmake nasm g++ clang dcmtk libgdcm-tools openjph-tools libopenjp2-tools \
    dicom3tools rustc-web cargo-web rust-web-src lld-22 wasi-libc nodejs openssl chromium \
    orthanc orthanc-dicomweb; do
    # "install ok installed": a removed package can keep a dpkg record (status rc).
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
        || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    else
        echo "missing system packages: ${need[*]} (install them, e.g. with apt-get)" >&2
        exit 1
    fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet "maturin>=1.7,<2"
# Release build: the conformance suite reads ~260 files and the robustness suite thousands
# of truncated variants; the build also installs the [test] extras from pyproject.toml.
.venv/bin/maturin develop --release --extras test --quiet
.venv/bin/python -c "import rs_dicom; print('rs_dicom', rs_dicom.__version__)"

echo "== cargo fmt / clippy"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings

echo "== ruff"
.venv/bin/ruff check python tests scripts benchmarks
.venv/bin/ruff format --check python tests scripts benchmarks

echo "== mypy (package)"
.venv/bin/python -m mypy --ignore-missing-imports python/rs_dicom

echo "== generated files are up to date"
.venv/bin/python scripts/generate_dictionary.py --check
.venv/bin/python scripts/generate_private_dictionary.py --check
.venv/bin/python scripts/generate_ht_vlc_table.py --check
.venv/bin/python scripts/generate_deid_table.py --check

echo "== Rust tests (the core, its JPEG 2000 decoder crate, the header scan crate)"
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run -p rs_dicom -p rs_dicom_j2k -p rs_dicom_scan -p rs_dicom_net --no-fail-fast
    cargo test -p rs_dicom -p rs_dicom_j2k -p rs_dicom_scan -p rs_dicom_net --doc
else
    cargo test -p rs_dicom -p rs_dicom_j2k -p rs_dicom_scan -p rs_dicom_net
fi

echo "== Rust core without the C codecs (default-features = false: the Rust JPEG 2000 decoder)"
cargo clippy -p rs_dicom --no-default-features --all-targets -- -D warnings
cargo test -p rs_dicom --no-default-features --quiet
# The decoder crate on its own, without rayon (as a user of the crate alone builds it).
cargo clippy -p rs_dicom_j2k --all-targets -- -D warnings
cargo test -p rs_dicom_j2k --quiet

echo "== the core in WebAssembly (the JavaScript package and its Node tests, wasm32-wasip1 tests)"
bash scripts/wasm.sh

echo "== Python tests"
.venv/bin/python -m pytest -q tests

echo "== the manylinux release wheel (built with zig) installs and runs without a Rust toolchain"
wheel=$(bash scripts/build_wheel.sh | tail -n 1)
bash scripts/check_wheel.sh "$wheel"
