#!/usr/bin/env bash
# Build rs_dicom at a git revision into a venv of its own, for "before and after" benchmarks.
#
#   bash benchmarks/baseline.sh REV      # e.g. 6d0c234, main~3, a tag
#
# Prints the venv's interpreter on the last line of stdout (the build log goes to stderr).
# The benchmark scripts call this for a library label `rs_dicom@REV` and run that label's
# workers with the interpreter printed here, interleaved with the current build's.
#
# What it does, once per commit (cached in benchmarks/.baseline/<full hash>/, gitignored):
#   1. a detached `git worktree` of the commit in .baseline/src (removed afterwards; always
#      the same path, because the C codecs' CMake caches in the shared target directory
#      record the compiler wrapper's absolute path; a lock keeps two builds apart);
#   2. a venv from the same Python as the benchmarks ($PYTHON, default python3) with maturin
#      and the numpy version of that Python (so both sides run the same numpy);
#   3. `maturin build --release` of the worktree -- the release profile and the revision's own
#      .cargo/config.toml, as `maturin develop --release` builds the current tree -- into
#      .baseline/<hash>/wheel, with a cargo target directory shared by all baselines
#      (.baseline/target, so a second revision reuses the compiled dependencies; if a build
#      fails there, it is wiped and the build tried once more from scratch);
#   4. the wheel installed into the venv, imported once, and .baseline/<hash>/ok written.
# A partial build (no `ok`) is redone from scratch. `--force` rebuilds a cached revision.
set -euo pipefail

force=0
if [[ "${1:-}" == "--force" ]]; then
    force=1
    shift
fi
rev="${1:?usage: benchmarks/baseline.sh [--force] REV}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(git -C "$here" rev-parse --show-toplevel)"
if ! sha="$(git -C "$repo" rev-parse --verify --quiet "${rev}^{commit}")"; then
    echo "baseline.sh: unknown revision '$rev'" >&2
    exit 2
fi
cache="${RS_DICOM_BASELINE_CACHE:-$here/.baseline}"
dir="$cache/$sha"
py="$dir/venv/bin/python"
if [[ $force == 0 && -f "$dir/ok" && -x "$py" ]]; then
    echo "$py"
    exit 0
fi

python="${PYTHON:-python3}"
numpy_version="$("$python" -c 'import numpy; print(numpy.__version__)' 2>/dev/null || true)"
numpy_spec="numpy${numpy_version:+==$numpy_version}"

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [[ $force == 0 && -f "$dir/ok" && -x "$py" ]]; then # built while we waited for the lock
    echo "$py"
    exit 0
fi
echo "baseline.sh: building rs_dicom at $rev ($sha) into $dir" >&2
rm -rf "$dir"
mkdir -p "$dir"
src="$cache/src"
git -C "$repo" worktree remove --force "$src" >/dev/null 2>&1 || rm -rf "$src"
git -C "$repo" worktree prune
cleanup() {
    git -C "$repo" worktree remove --force "$src" >/dev/null 2>&1 || rm -rf "$src"
    git -C "$repo" worktree prune >/dev/null 2>&1 || true
}
trap cleanup EXIT
git -C "$repo" worktree add --detach --quiet "$src" "$sha" >&2

"$python" -m venv "$dir/venv"
"$dir/venv/bin/python" -m pip install --quiet "maturin>=1.7,<2" "$numpy_spec" >&2
started=$SECONDS
build() {
    (
        cd "$src"
        CARGO_TARGET_DIR="$cache/target" "$dir/venv/bin/maturin" build --release \
            --compatibility linux --interpreter "$py" --out "$dir/wheel" >&2
    )
}
if ! build; then
    echo "baseline.sh: build failed; retrying with an empty target directory" >&2
    rm -rf "$cache/target"
    build
fi
wheel="$(ls "$dir"/wheel/*.whl)"
"$dir/venv/bin/python" -m pip install --quiet --no-deps "$wheel" >&2
"$py" -c 'import rs_dicom; rs_dicom.dcmread' >&2
printf '{"rev": "%s", "commit": "%s", "wheel": "%s", "numpy": "%s", "build_seconds": %d}\n' \
    "$rev" "$sha" "$(basename "$wheel")" "$numpy_version" "$((SECONDS - started))" >"$dir/ok"
echo "baseline.sh: done in $((SECONDS - started)) s" >&2
echo "$py"
