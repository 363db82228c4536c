#!/usr/bin/env bash
# Builds the release wheel into dist/ for the Linux machines users have: tagged manylinux2014
# (manylinux_2_17: glibc 2.17 or newer, i.e. RHEL/CentOS 7, Ubuntu 18.04, Debian 9 and later)
# instead of linux_x86_64 with this machine's glibc (2.36 here; the wheel built by plain
# `maturin build` needed 2.34). zig (the `ziglang` package from PyPI) is the C/C++ compiler and
# linker: it compiles and links against the symbols of the chosen glibc version, so no
# manylinux container is needed. The vendored codecs follow: maturin sets CC_<target> and
# CXX_<target> to its zig wrappers, which the cc crate (OpenJPEG) and the cmake crate
# (libjpeg-turbo, CharLS, through a CMake toolchain file) use, and which win over
# scripts/cc-prefer-clang in .cargo/config.toml ([env] never overrides a variable that is
# already set); zig's compiler is a clang, so the codecs still get the clang code generation
# that script chooses. C++ (CharLS) is linked with zig's libc++, statically and hidden, so the
# wheel needs no libstdc++ either. The code is built for the baseline x86-64 CPU (the codecs
# pick SIMD at run time, as in any build). `auditwheel show` (PyPA's checker) must agree with
# the tag. Prints the wheel's path as the last line; the build's own output goes to stderr.
#
#   bash scripts/build_wheel.sh                           # manylinux_2_17 (manylinux2014)
#   RS_DICOM_MANYLINUX=2_28 bash scripts/build_wheel.sh   # another glibc, 2_17 to 2_28
#
# Needs what a source build needs (Rust, cmake, nasm) and .venv (scripts/test.sh makes it;
# PYTHON=... names the interpreter for a new one); installs maturin, ziglang and auditwheel
# into it. From nothing it takes ~4.5 minutes on 2 cores (its own target/<triple>/ directory,
# so development builds are not disturbed). Linux x86_64 and aarch64 hosts only: the macOS and
# Windows wheels come from .github/workflows/wheels.yml.
set -euo pipefail
cd "$(dirname "$0")/.."

glibc=${RS_DICOM_MANYLINUX:-2_17}
if ! [[ $glibc =~ ^2_([0-9]+)$ ]] || [ "${BASH_REMATCH[1]}" -gt 28 ] || [ "${BASH_REMATCH[1]}" -lt 17 ]; then
    echo "RS_DICOM_MANYLINUX=$glibc: give a glibc version from 2_17 to 2_28" >&2
    exit 2
fi
if [ "$(uname -s)" != Linux ]; then
    echo "build_wheel.sh builds Linux wheels; on $(uname -s) use maturin build --release" >&2
    exit 2
fi
case "$(uname -m)" in
    x86_64 | amd64) target=x86_64-unknown-linux-gnu arch=x86_64 ;;
    aarch64 | arm64) target=aarch64-unknown-linux-gnu arch=aarch64 ;;
    *) echo "no manylinux wheel build for $(uname -m)" >&2; exit 2 ;;
esac

if [ ! -x .venv/bin/python ]; then
    "${PYTHON:-python3}" -m venv .venv
fi
# zig is pinned: it is the compiler and the glibc stubs, so a new release changes the wheel.
.venv/bin/python -m pip install --quiet "maturin>=1.9,<2" "ziglang==0.17.1" "auditwheel>=6.1,<7"
# The zig of that package, whatever else is on PATH (maturin would take a `zig` from PATH first).
CARGO_ZIGBUILD_ZIG_PATH=$(.venv/bin/python -c \
    "import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), 'zig'))")
export CARGO_ZIGBUILD_ZIG_PATH

tag=manylinux_${glibc}_${arch}
mkdir -p dist
out=$(mktemp -d dist/.build.XXXXXX)
trap 'rm -rf "$out"' EXIT
start=$SECONDS
.venv/bin/maturin build --release --quiet --zig --target "$target" \
    --compatibility "manylinux_${glibc}" --out "$out" >&2
built=("$out"/*.whl)
if [ ${#built[@]} -ne 1 ] || [ ! -f "${built[0]}" ]; then
    echo "maturin did not write one wheel: ${built[*]}" >&2
    exit 1
fi
wheel=dist/$(basename "${built[0]}")
mv -f "${built[0]}" "$wheel"
echo "built $wheel in $((SECONDS - start)) s" >&2

# auditwheel (PyPA's checker) must agree: only the libraries every manylinux system has, and
# symbol versions no newer than the tag's glibc.
report=$(.venv/bin/auditwheel show "$wheel")
echo "$report" >&2
consistent=$(echo "$report" | tr '\n' ' ' | tr -s ' ' \
    | sed -n 's/.*is consistent with the following platform tag: "\([^"]*\)".*/\1/p')
if ! [[ $consistent =~ ^manylinux_2_([0-9]+)_${arch}$ ]] \
    || [ "${BASH_REMATCH[1]}" -gt "${glibc#2_}" ]; then
    echo "auditwheel: $wheel is not a $tag wheel (consistent with: ${consistent:-nothing})" >&2
    exit 1
fi
echo "$wheel"
