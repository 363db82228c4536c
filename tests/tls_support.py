"""Test certificates made with ``openssl``: a CA with a server and a client certificate, and a
rogue CA with a certificate of its own (what a peer must refuse)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from helpers import reference_tool

LEAF_EXTENSIONS = """\
basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=IP:127.0.0.1,DNS:localhost
"""


@dataclass(frozen=True)
class Certs:
    dir: Path

    def cert(self, name: str) -> str:
        return str(self.dir / f"{name}.pem")

    def key(self, name: str) -> str:
        return str(self.dir / f"{name}.key")

    @property
    def ca(self) -> str:
        return self.cert("ca")


def _openssl(openssl: str, cwd: Path, *args: str) -> None:
    proc = subprocess.run(
        [openssl, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, f"openssl {args}: {proc.stderr}"


def make_certs(directory: Path) -> Certs:
    openssl = reference_tool("openssl")
    directory.mkdir(parents=True, exist_ok=True)
    for ca in ("ca", "rogue_ca"):
        _openssl(
            openssl, directory, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", f"/CN={ca}", "-keyout", f"{ca}.key", "-out", f"{ca}.pem",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        )  # fmt: skip
    (directory / "leaf.ext").write_text(LEAF_EXTENSIONS)
    for leaf, ca in (("server", "ca"), ("client", "ca"), ("rogue", "rogue_ca")):
        _openssl(
            openssl, directory, "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={leaf}",
            "-keyout", f"{leaf}.key", "-out", f"{leaf}.csr",
        )  # fmt: skip
        _openssl(
            openssl, directory, "x509", "-req", "-in", f"{leaf}.csr", "-CA", f"{ca}.pem",
            "-CAkey", f"{ca}.key", "-CAcreateserial", "-days", "2", "-out", f"{leaf}.pem",
            "-extfile", "leaf.ext",
        )  # fmt: skip
    return Certs(directory)
