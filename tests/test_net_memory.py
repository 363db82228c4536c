"""Memory of the extension's allocator under many threads: 100 concurrent associations of
our SCU into our SCP in one process (200 threads) stay far below what mimalloc's eager
arena commit cost (810-870 MiB peak RSS with it, 50-56 MiB without: it is turned off at
load), and the user's MIMALLOC_ARENA_EAGER_COMMIT still wins."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ASSOCIATIONS = 100

# The peak of this process's own memory (VmHWM): ru_maxrss keeps the parent's peak across
# fork and exec on Linux, so in a long pytest run it reports pytest's size.
CHILD = """
import json, sys
from pathlib import Path
from rs_dicom import _core, net

def peak_kib():
    status = Path("/proc/self/status").read_text()
    return int(next(l.split()[1] for l in status.splitlines() if l.startswith("VmHWM")))

src, out = Path(sys.argv[1]), Path(sys.argv[2])
files = sorted(src.iterdir())
with net.StorageServer(0, out, host="127.0.0.1", timeout=60, max_associations=110) as srv:
    results = net.send(files, "127.0.0.1", srv.port, timeout=60, workers=int(sys.argv[3]))
    stored = srv.stats()["stored"]
print(json.dumps({
    "peak_kib": peak_kib(),
    "ok": sum(r.ok for r in results),
    "stored": stored,
    "option": _core._arena_eager_commit(),
}))
"""


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIMALLOC_")}
    env.update(extra)
    return env


def _option(env: dict[str, str]) -> int:
    code = "from rs_dicom import _core; print(_core._arena_eager_commit())"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return int(done.stdout)


def test_eager_commit_off_unless_the_user_asks() -> None:
    assert _option(_env()) == 0
    assert _option(_env(MIMALLOC_ARENA_EAGER_COMMIT="1")) == 1
    assert _option(_env(MIMALLOC_ARENA_EAGER_COMMIT="2")) == 2


@pytest.mark.slow
def test_hundred_associations_peak_rss(tmp_path: Path) -> None:
    from test_net_load import make_files

    src = tmp_path / "src"
    src.mkdir()
    make_files(src, 1000)
    args = [sys.executable, "-c", CHILD, str(src), str(tmp_path / "out"), str(ASSOCIATIONS)]
    done = subprocess.run(
        args, env=_env(), capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    print(f"100 + 100 associations, 1,000 files: peak RSS {got['peak_kib'] // 1024} MiB")
    assert got["ok"] == got["stored"] == 1000, got
    assert got["option"] == 0
    # Measured (1,000 files, VmHWM): 50-56 MiB here; with MIMALLOC_ARENA_EAGER_COMMIT=2
    # (mimalloc's default) 810-870 MiB over runs.
    assert got["peak_kib"] < 160 * 1024, got
