#!/usr/bin/env bash
# The core in WebAssembly (issue 17): builds `rs_dicom` for wasm32-unknown-unknown (the browser
# target) and runs its Rust tests compiled for wasm32-wasip1 in Node's WASI. Called by
# scripts/test.sh; under CI=true a missing toolchain is a failure, elsewhere the step is skipped.
#
# Toolchain (Debian bookworm): rustup has no wasm32 standard library here, but `rustc-web` +
# `rust-web-src` build one (`-Zbuild-std`, allowed by RUSTC_BOOTSTRAP=1 on this stable
# compiler) and `lld-22` links it; `wasi-libc` is the C library of the wasip1 target. Debian's
# `/usr/bin/cargo` and `/usr/bin/rustc` are used explicitly (rustup's proxies come first on
# PATH). The build has its own target directory (another compiler, another std).
#
# Features: the core without memory maps (`mmap`), threads (`parallel`) and the C codecs
# (`jpeg`, `jpegls`, `j2k`); with `deflate` and `jpeg-rs` (pure-Rust JPEG decoding). Native
# pixels, RLE, JPEG 2000/HTJ2K (rs_dicom_j2k), deflate and JPEG through jpeg-decoder decode.
#
# Snags worked around (see issue 17):
# * bookworm's wasi-libc lacks pthread_join/pthread_detach: linked with --allow-undefined
#   and supplied as ENOSYS stubs by scripts/wasi_run.mjs;
# * Node 20's WASI fails after memory.grow: memory is pre-sized (--initial-memory, 1 GiB);
# * Debian's `wasi-node` does not pass `version: 'preview1'`: scripts/wasi_run.mjs does.
#
# Tests excluded under WASI, and why (panic = abort: a failing test ends the whole binary):
# * writer::atomic::tests::all_or_nothing: names its scratch directory by
#   std::process::id(), which WASI does not have.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for pkg in rustc-web cargo-web rust-web-src lld-22 wasi-libc; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$pkg")
done
command -v node >/dev/null || missing+=(node)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "${CI:-}" = true ]; then
        echo "wasm: missing ${missing[*]} (scripts/test.sh installs them)" >&2
        exit 1
    fi
    echo "wasm: skipped, missing ${missing[*]} (apt-get install rustc-web cargo-web" \
        "rust-web-src lld-22 wasi-libc nodejs)"
    exit 0
fi

export RUSTC_BOOTSTRAP=1
export RUSTC=/usr/bin/rustc
export CARGO_TARGET_DIR=target/wasm
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-22
export CARGO_TARGET_WASM32_WASIP1_LINKER=wasm-ld-22
export CARGO_TARGET_WASM32_WASIP1_RUSTFLAGS="-C link-self-contained=no \
-C link-arg=-L/usr/lib/wasm32-wasi -C link-arg=/usr/lib/wasm32-wasi/crt1-command.o \
-C link-arg=--allow-undefined -C link-arg=--initial-memory=1073741824 \
-C link-arg=--max-memory=4294967296"
export CARGO_TARGET_WASM32_WASIP1_RUNNER="node --no-warnings $PWD/scripts/wasi_run.mjs"
cargo=(/usr/bin/cargo)
features=(-p rs_dicom --no-default-features --features deflate,jpeg-rs -Zbuild-std=std,panic_abort
    --release)

start=$SECONDS
echo "== wasm32-unknown-unknown: the core builds"
"${cargo[@]}" build "${features[@]}" --target wasm32-unknown-unknown
echo "== wasm32-wasip1: the core's Rust tests in Node $(node --version)"
"${cargo[@]}" test "${features[@]}" --target wasm32-wasip1 --lib --tests -- \
    --test-threads=1 --skip writer::atomic::tests::all_or_nothing
echo "wasm: done in $((SECONDS - start)) s"
