"""De-identification by the DICOM standard: PS3.15 Annex E, the Basic Application Level
Confidentiality Profile with every option, done by the Rust core.

    >>> import rs_dicom
    >>> from rs_dicom import deid
    >>> ds = rs_dicom.dcmread(rs_dicom.get_testdata_file("CT_small.dcm"))  # doctest: +SKIP
    >>> clean = deid.anonymize(ds, options=("retain_long_modified_dates",), key=b"secret" * 4)

The profile is PS3.15 Table E.1-1 generated into the core (:func:`profile_table` lists its
rows). Replacements come from a secret ``key``: the same UID gives the same ``2.25.`` UID, the
same patient the same date offset and pseudonym, in every file, run and machine with the key,
so studies, series and references in sequences still link up. Without a key a random one is
made (consistent within one :class:`Anonymizer`, not across runs).

Options (names of :data:`OPTIONS`): ``retain_safe_private`` (the private attributes of PS3.15
Table E.3.10-1, :func:`safe_private_table`, plus any ``safe_private`` list and what a file
declares safe; matched by private creator, group and offset in the block), ``retain_uids``,
``retain_device_identity``, ``retain_institution_identity``, ``retain_patient_characteristics``,
``retain_long_full_dates``, ``retain_long_modified_dates`` (dates shifted per patient),
``clean_descriptors``, ``clean_structured_content`` (SR content items, and those of
Acquisition Context and Specimen Preparation, removed, replaced, kept or cleaned by concept
name and value type as the option's table in PS3.15 E.3.4 says; by-reference relationships are
renumbered past removed items), ``clean_graphics``, ``clean_pixel_data`` (burned-in text
blanked in the rectangles of the first matching :class:`PixelRule`; compressed pixel data is
decoded, blanked and stored back in its transfer syntax when that is lossless, else as native
Explicit VR Little Endian keeping Lossy Image Compression "01"; an image with Burned In
Annotation YES and no rule is refused). Under ``retain_safe_private`` a private attribute not
known to be safe that the file names in a Deidentification Action Sequence (0008,0305) is
treated as its Deidentification Action (0008,0307) recommends (D, Z, X or U) instead of
removed.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rs_dicom import _core

if TYPE_CHECKING:
    from rs_dicom import Dataset

__all__ = [
    "OPTIONS",
    "Anonymizer",
    "FileResult",
    "PixelRule",
    "ProfileRow",
    "SafePrivate",
    "SafePrivateRow",
    "anonymize",
    "load_id_map",
    "load_key",
    "profile_table",
    "safe_private_table",
]

OPTIONS: tuple[str, ...] = tuple(_core.Deidentifier.option_names())
"""The option names, as :func:`anonymize` and :class:`Anonymizer` take them."""

PROFILES = ("basic",)
"""The profiles: the Basic Application Level Confidentiality Profile (options add to it)."""

_CHUNK = 64
"""Files per call into the core: the progress callback runs between chunks."""


@dataclass(frozen=True)
class PixelRule:
    """Where burned-in text is, for the images a rule applies to (Clean Pixel Data): every
    condition given must hold; ``regions`` are ``(x, y, width, height)`` rectangles."""

    modality: str | None = None
    manufacturer: str | None = None
    """A part of Manufacturer (0008,0070), without regard to case."""
    rows: int | None = None
    columns: int | None = None
    regions: Sequence[tuple[int, int, int, int]] = ()


@dataclass(frozen=True)
class SafePrivate:
    """A private attribute known to be safe (Retain Safe Private), in addition to those of
    PS3.15 Table E.3.10-1 (:func:`safe_private_table`): the block's creator, the element
    within the block (its low byte; None: all), the group (None: any)."""

    creator: str
    element: int | None = None
    group: int | None = None


@dataclass(frozen=True)
class ProfileRow:
    """One row of PS3.15 Table E.1-1."""

    tag: str
    """``"GGGG,EEEE"``; ``xx`` digits for repeating groups, ``"gggg,eeee"`` for private."""
    name: str
    in_std_iod: bool
    basic: str
    """The Basic Profile's action code (D, Z, X, K, C, U, Z/D, X/Z, X/D, X/Z/D, X/Z/U*)."""
    options: Mapping[str, str] = field(default_factory=dict)
    """Option name → action, for the options that change the row."""


@dataclass(frozen=True)
class SafePrivateRow:
    """One row of PS3.15 Table E.3.10-1 "Safe Private Attributes": the attribute at
    ``(group, xx{element})`` of a block reserved by ``creator``, wherever the block is."""

    group: int
    element: int
    """The offset within the private block (the low byte of the element number)."""
    creator: str
    vr: str | None
    """The VR the table gives (None where it gives none); an element of another VR (other
    than UN) is not taken for the listed one and is removed."""
    vm: str
    meaning: str


@dataclass(frozen=True)
class FileResult:
    """The outcome of one file of :meth:`Anonymizer.anonymize_files`."""

    input: str
    output: str
    error: BaseException | None
    audit: dict[str, Any] | None


def profile_table() -> list[ProfileRow]:
    """The rows of PS3.15 Table E.1-1 the core applies."""
    return [
        ProfileRow(tag, name, std, basic, dict(opts))
        for tag, name, std, basic, opts in _core.Deidentifier.profile_table()
    ]


def safe_private_table() -> list[SafePrivateRow]:
    """The private attributes PS3.15 Table E.3.10-1 lists as safe: the Retain Safe Private
    Option keeps them (UIDs among them mapped like every other UID), besides those of the
    ``safe_private`` list and those a file declares safe in (0008,0300)."""
    return [SafePrivateRow(*row) for row in _core.Deidentifier.safe_private_table()]


def load_key(path: str | os.PathLike[str]) -> bytes:
    """The key in a file (its bytes, without a trailing newline)."""
    with open(path, "rb") as f:
        key = f.read().rstrip(b"\r\n")
    if len(key) < 16:
        raise ValueError(f"{os.fspath(path)}: a key needs at least 16 bytes, this has {len(key)}")
    return key


def load_id_map(path: str | os.PathLike[str]) -> dict[str, str]:
    """Original → pseudonym from a CSV file of two columns (a header row ``original,
    pseudonym`` is skipped)."""
    out: dict[str, str] = {}
    with open(path, newline="", encoding="utf-8") as f:
        for n, row in enumerate(csv.reader(f), start=1):
            if not row or (
                n == 1 and [c.strip().lower() for c in row[:2]] == ["original", "pseudonym"]
            ):
                continue
            if len(row) < 2 or not row[1].strip():
                raise ValueError(f"{os.fspath(path)}:{n}: expected 'original,pseudonym'")
            out[row[0].strip()] = row[1].strip()
    return out


def _key_bytes(key: bytes | str | None) -> bytes:
    if key is None:
        return secrets.token_bytes(32)
    if isinstance(key, str):
        key = key.encode("utf-8")
    if len(key) < 16:
        raise ValueError(f"a key needs at least 16 bytes, this has {len(key)}")
    return bytes(key)


class Anonymizer:
    """A reusable de-identifier: the profile, options and key set once, then any number of
    datasets (:meth:`anonymize`) or files (:meth:`anonymize_files`, read → de-identify →
    write in Rust on all cores)."""

    def __init__(
        self,
        *,
        profile: str = "basic",
        options: Iterable[str] = (),
        key: bytes | str | None = None,
        id_map: Mapping[str, str] | str | os.PathLike[str] | None = None,
        safe_private: Iterable[SafePrivate] = (),
        pixel_rules: Iterable[PixelRule] = (),
        audit: bool = False,
    ) -> None:
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}; the profiles are {', '.join(PROFILES)}")
        if isinstance(id_map, (str, os.PathLike)):
            id_map = load_id_map(id_map)
        self.options: tuple[str, ...] = tuple(options)
        self._engine = _core.Deidentifier(
            _key_bytes(key),
            list(self.options),
            id_map=dict(id_map or {}),
            safe_private=[(s.group, s.creator, s.element) for s in safe_private],
            pixel_rules=[
                (
                    r.modality,
                    r.manufacturer,
                    r.rows,
                    r.columns,
                    [(g[0], g[1], g[2], g[3]) for g in r.regions],
                )
                for r in pixel_rules
            ],
            audit=audit,
        )
        self.audit = audit

    def anonymize(self, ds: Dataset) -> Dataset:
        """A de-identified copy of ``ds`` (``ds`` is left unchanged)."""
        return self.anonymize_with_audit(ds)[0]

    def anonymize_with_audit(self, ds: Dataset) -> tuple[Dataset, dict[str, Any] | None]:
        """A de-identified copy of ``ds`` and its audit (None unless ``audit=True``)."""
        out, audit = self._engine.dataset(ds)
        return out, (json.loads(audit) if audit is not None else None)

    def anonymize_file(
        self,
        src: str | os.PathLike[str],
        dst: str | os.PathLike[str],
        *,
        overwrite: bool = False,
    ) -> dict[str, Any] | None:
        """De-identifies the file ``src`` into ``dst``; returns the audit. Raises what
        reading, de-identifying or writing raised (nothing is written then)."""
        result = self.anonymize_files([(src, dst)], overwrite=overwrite, workers=1)[0]
        if result.error is not None:
            raise result.error
        return result.audit

    def anonymize_files(
        self,
        jobs: Iterable[tuple[str | os.PathLike[str], str | os.PathLike[str]]],
        *,
        overwrite: bool = False,
        workers: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[FileResult]:
        """De-identifies ``(input, output)`` pairs on ``workers`` threads (None: all cores).
        A failing file is reported in its :class:`FileResult` and the others go on;
        ``progress(done, total)`` is called as files finish."""
        pairs = [(os.fspath(i), os.fspath(o)) for i, o in jobs]
        results: list[FileResult] = []
        chunk = _CHUNK if progress is not None else max(len(pairs), 1)
        for start in range(0, len(pairs), chunk):
            part = pairs[start : start + chunk]
            for (src, dst), (error, audit) in zip(
                part, self._engine.files(part, overwrite=overwrite, workers=workers), strict=True
            ):
                results.append(
                    FileResult(src, dst, error, json.loads(audit) if audit is not None else None)
                )
            if progress is not None:
                progress(len(results), len(pairs))
        return results


def anonymize(
    ds: Dataset,
    *,
    profile: str = "basic",
    options: Iterable[str] = (),
    key: bytes | str | None = None,
    id_map: Mapping[str, str] | str | os.PathLike[str] | None = None,
    safe_private: Iterable[SafePrivate] = (),
    pixel_rules: Iterable[PixelRule] = (),
) -> Dataset:
    """A copy of ``ds`` de-identified by PS3.15 Annex E (see the module's documentation)."""
    return Anonymizer(
        profile=profile,
        options=options,
        key=key,
        id_map=id_map,
        safe_private=safe_private,
        pixel_rules=pixel_rules,
    ).anonymize(ds)
