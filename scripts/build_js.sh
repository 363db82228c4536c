#!/usr/bin/env bash
# Builds the JavaScript package's WebAssembly (issue 17): `rust/rs_dicom_wasm` for
# wasm32-unknown-unknown with Debian's toolchain (scripts/wasm_env.sh), then its JS glue
# into js/pkg with wasm-bindgen's CLI (`--target web`: one ES module for browsers and Node;
# js/node.js loads it synchronously in Node). Prints the wasm size.
#
# `--parser`: the parser alone (`--no-default-features`: elements, values and DICOM JSON; no
# frames, no rendering) into js/pkg-parser, the module of issue 17's size goal (under 1 MB,
# checked by scripts/wasm.sh).
#
# The name section (function names, for debuggers and stack traces) is left out: 65 kB of
# the parser's module that browsers do not need. `WASM_BINDGEN_FLAGS= bash
# scripts/build_js.sh` keeps it (the variable replaces the stripping flags).
#
# wasm-bindgen-cli must be the exact version of the `wasm-bindgen` crate (pinned `=0.2.130`
# in rust/rs_dicom_wasm/Cargo.toml); it is installed from crates.io with the host's cargo
# (rustup's) when missing, as no Debian package has it.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130
# shellcheck source=scripts/wasm_env.sh
source scripts/wasm_env.sh || exit 0

bindgen=${WASM_BINDGEN:-wasm-bindgen}
if ! "$bindgen" --version 2>/dev/null | grep -qx "wasm-bindgen $WASM_BINDGEN_VERSION"; then
    echo "== installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (crates.io)"
    # The crate's own lock file first; when a version it locks is no longer in the registry
    # (webpki-roots 1.0.11, locked by 0.2.130, was not on 2026-12-07), the newest compatible
    # versions instead.
    (unset RUSTC CARGO_TARGET_DIR RUSTC_BOOTSTRAP
        cargo install --quiet --locked wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION" \
            || cargo install --quiet wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION")
    bindgen="$HOME/.cargo/bin/wasm-bindgen"
fi

features=()
out=js/pkg
if [ "${1:-}" = --parser ]; then
    features=(--no-default-features)
    out=js/pkg-parser
elif [ $# -gt 0 ]; then
    echo "usage: scripts/build_js.sh [--parser]" >&2
    exit 2
fi

wasm_cargo build -p rs_dicom_wasm --target wasm32-unknown-unknown "${features[@]}"
wasm="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/rs_dicom_wasm.wasm"
# shellcheck disable=SC2086 # WASM_BINDGEN_FLAGS: several words
"$bindgen" --target web --out-dir "$out" --out-name rs_dicom \
    ${WASM_BINDGEN_FLAGS---remove-name-section --remove-producers-section} "$wasm"
echo "$out: rs_dicom_bg.wasm $(stat -c %s "$out/rs_dicom_bg.wasm") bytes"
