# Sourced by scripts/wasm.sh and scripts/build_js.sh: checks the Debian WebAssembly toolchain
# and sets up cargo for it (see scripts/wasm.sh for why each setting is there). Defines
# `wasm_cargo` and returns 1 (after saying why) when the toolchain is missing outside CI.

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
    return 1
fi

export RUSTC_BOOTSTRAP=1
export RUSTC=/usr/bin/rustc
# CI runs in a fresh clone each time: its wasm builds (two standard libraries built from
# source, the crates) go to a cache directory that later runs on the same machine reuse
# (cargo rebuilds whatever changed); elsewhere target/wasm.
if [ -z "${RS_DICOM_WASM_TARGET:-}" ] && [ "${CI:-}" = true ]; then
    RS_DICOM_WASM_TARGET=${XDG_CACHE_HOME:-$HOME/.cache}/rs_dicom/wasm-target
fi
export CARGO_TARGET_DIR=${RS_DICOM_WASM_TARGET:-target/wasm}
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-22
# 128-bit SIMD (every current browser and Node >= 16 run it): the byte scans of the parser and
# the RLE decoder use it, as the native build uses SSE2.
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128"
export CARGO_TARGET_WASM32_WASIP1_LINKER=wasm-ld-22
export CARGO_TARGET_WASM32_WASIP1_RUSTFLAGS="-C link-self-contained=no \
-C link-arg=-L/usr/lib/wasm32-wasi -C link-arg=/usr/lib/wasm32-wasi/crt1-command.o \
-C link-arg=--allow-undefined -C link-arg=--initial-memory=1073741824 \
-C link-arg=--max-memory=4294967296"
export CARGO_TARGET_WASM32_WASIP1_RUNNER="node --no-warnings $PWD/scripts/wasi_run.mjs"

# `wasm_cargo build|test ARGS...`: the subcommand, then these flags (before any `--`).
wasm_cargo() {
    /usr/bin/cargo "$1" -Zbuild-std=std,panic_abort --release "${@:2}"
}
return 0
