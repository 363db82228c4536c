#!/usr/bin/env bash
# The core in WebAssembly (issue 17): builds the JavaScript package (scripts/build_js.sh:
# `rs_dicom_wasm`, hence the core, for wasm32-unknown-unknown, the browser target) and runs
# its Node tests (js/test), then runs the core's Rust tests compiled for wasm32-wasip1 in
# Node's WASI. Called by scripts/test.sh; under CI=true a missing toolchain is a failure,
# elsewhere the step is skipped. The toolchain check and cargo settings: scripts/wasm_env.sh.
# RS_DICOM_WASM_TARGET sets the target directory (default target/wasm; under CI=true a cache
# directory in ~/.cache that CI's fresh clones share, see scripts/wasm_env.sh).
#
# Toolchain (Debian bookworm): rustup has no wasm32 standard library here, but `rustc-web` +
# `rust-web-src` build one (`-Zbuild-std`, allowed by RUSTC_BOOTSTRAP=1 on this stable
# compiler) and `lld-22` links it; `wasi-libc` is the C library of the wasip1 target. Debian's
# `/usr/bin/cargo` and `/usr/bin/rustc` are used explicitly (rustup's proxies come first on
# PATH). The build has its own target directory (another compiler, another std).
#
# Features: the core without memory maps (`mmap`), threads (`parallel`), the C codecs
# (`jpeg`, `jpegls`, `j2k`) and the long dictionary tables (`private-dictionary`,
# `dictionary-names`: the JS API gives keywords, and private VRs come from the compact
# table); with `deflate` and `jpeg-rs` (pure-Rust JPEG decoding). Native pixels, RLE, JPEG
# 2000/HTJ2K (rs_dicom_j2k), deflate and JPEG through jpeg-decoder decode.
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
# shellcheck source=scripts/wasm_env.sh
source scripts/wasm_env.sh || exit 0

start=$SECONDS
echo "== wasm32-unknown-unknown: the JavaScript package (rs_dicom_wasm and the core)"
bash scripts/build_js.sh
# Issue 17's goal: the parser alone (no decoders, no display) in a module under 1 MB; its
# Node test is in js/test.
echo "== the parser-only module (under 1,000,000 bytes)"
bash scripts/build_js.sh --parser
size=$(stat -c %s js/pkg-parser/rs_dicom_bg.wasm)
if [ "$size" -ge 1000000 ]; then
    echo "wasm: the parser-only module is $size bytes, not under 1,000,000" >&2
    exit 1
fi
echo "parser-only module: $size bytes ($((size * 100 / 1000000))% of 1 MB)"
echo "== the JavaScript package's tests in Node $(node --version)"
node --test js/test/
echo "== wasm32-wasip1: the core's Rust tests in Node"
wasm_cargo test -p rs_dicom --no-default-features --features deflate,jpeg-rs \
    --target wasm32-wasip1 --lib --tests -- \
    --test-threads=1 --skip writer::atomic::tests::all_or_nothing
echo "wasm: done in $((SECONDS - start)) s"
