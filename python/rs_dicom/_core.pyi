"""Type stubs for the native module ``rs_dicom._core`` (PyO3)."""

from collections.abc import Callable, Iterator
from os import PathLike
from typing import Any, BinaryIO, Literal, final, overload

from typing_extensions import disjoint_base

from rs_dicom._keywords import _DatasetKeywords
from rs_dicom.tag import Tag

__version__: str
__all__ = [
    "ArrowBatch",
    "ArrowSchema",
    "Scanner",
    "dcmwrite",
    "_unpickle",
    "_set_sequence",
    "_register_sequence_type",
    "InvalidValueError",
    "FileMetaDataset",
    "Dataset",
    "Deidentifier",
    "Association",
    "AssociationAbortedError",
    "AssociationRejectedError",
    "NetworkError",
    "StorageServer",
    "QrOperation",
    "QueryRetrieveServer",
    "net_associate",
    "net_echo",
    "net_send",
    "MultipartReader",
    "web_multipart_head",
    "web_parse_content_type",
    "web_split_multipart",
    "web_write_multipart",
    "DicomError",
    "Element",
    "ElementIter",
    "InvalidDicomError",
    "MalformedError",
    "PixelData",
    "PrivateBlock",
    "SourceBytes",
    "SourceChangedError",
    "TreeLines",
    "TruncatedError",
    "UnsupportedCodecError",
    "UnsupportedTransferSyntaxError",
    "__version__",
    "_dataset_html",
    "_dicomdir_check_file_id",
    "_dicomdir_file_id",
    "_dicomdir_instance_records",
    "_dicomdir_records",
    "_dicomdir_write",
    "_keyword_text",
    "_plain_value",
    "_register_tag_type",
    "_register_value_types",
    "_tree_lines",
    "_value_text",
    "convert_color_space",
    "dcmread",
    "dictionary_entries",
    "dictionary_entry",
    "encode_png",
    "encoders",
    "transfer_syntax_for_name",
    "expand_segmented_lut",
    "keyword_entry",
    "lut_lookup",
    "lut_table_of",
    "overlay_bits",
    "palette_table",
    "presentation_lut",
    "private_dictionary_entry",
    "render_grey",
    "resample",
    "rescale",
    "scale_to_uint8",
    "shrink_image",
    "tag_for_keyword",
    "thumbnail_png",
    "to_display",
    "transfer_syntax_info",
    "uid_entries",
    "uid_entry",
    "uid_for_keyword",
    "window",
]

_Key = int | tuple[int, int] | str

class DicomError(ValueError):
    offset: int | None
    tag_path: str

class InvalidDicomError(DicomError): ...
class TruncatedError(DicomError): ...
class MalformedError(DicomError): ...
class UnsupportedTransferSyntaxError(DicomError): ...
class UnsupportedCodecError(DicomError): ...
class SourceChangedError(DicomError): ...
class InvalidValueError(DicomError): ...
class NetworkError(ConnectionError): ...
class AssociationRejectedError(NetworkError): ...
class AssociationAbortedError(NetworkError): ...

@final
class SourceBytes:
    """Read-only bytes of a source; exports the buffer protocol (no copy)."""

    def __len__(self) -> int: ...

@final
class Element:
    @property
    def tag(self) -> Tag: ...
    @property
    def vr(self) -> str: ...
    @property
    def length(self) -> int | None: ...
    @property
    def value(self) -> Any: ...
    @value.setter
    def value(self, value: Any) -> None: ...
    @property
    def keyword(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def vm(self) -> int: ...
    @property
    def offset(self) -> int | None: ...
    @property
    def is_private(self) -> bool: ...
    @property
    def is_undefined_length(self) -> bool: ...
    @property
    def is_truncated(self) -> bool: ...
    @property
    def VR(self) -> str: ...
    @property
    def VM(self) -> int: ...
    @property
    def raw(self) -> memoryview: ...
    @property
    def fragments(self) -> tuple[memoryview, list[memoryview]] | None: ...
    # DICOM JSON (rust/rs_dicom_py/src/json.rs)
    def to_json_dict(
        self,
        bulk_data_element_handler: Callable[[Element], str] | None = None,
        bulk_data_threshold: int = 1024,
        *,
        bulk_data: Literal["inline", "omit"] = "inline",
    ) -> dict[str, Any]: ...

@final
class PixelData:
    @property
    def rows(self) -> int: ...
    @property
    def columns(self) -> int: ...
    @property
    def frames(self) -> int: ...
    @property
    def samples_per_pixel(self) -> int: ...
    @property
    def bits_allocated(self) -> int: ...
    @property
    def bits_stored(self) -> int: ...
    @property
    def pixel_representation(self) -> int: ...
    @property
    def planar_configuration(self) -> int: ...
    @property
    def photometric_interpretation(self) -> str: ...
    @property
    def is_encapsulated(self) -> bool: ...
    @property
    def dtype(self) -> str: ...
    @property
    def shape(self) -> list[int]: ...
    @property
    def offset_table(self) -> list[int]: ...
    @property
    def frame_fragments(self) -> list[tuple[int, int]] | None: ...
    @property
    def frame_method(self) -> str | None: ...
    def frame_bytes(self, i: int) -> memoryview | bytes: ...
    def frame(self, i: int, *, as_rgb: bool = True) -> Any: ...
    def array(self, *, as_rgb: bool = True) -> Any: ...
    def __array__(self, dtype: Any = None, copy: bool | None = None) -> Any: ...

# Every dictionary keyword is a typed property of Dataset in the stubs (generated, see
# _keywords.pyi); at runtime __getattr__ (and __setattr__) do the work.
@disjoint_base
class Dataset(_DatasetKeywords):
    def __init__(self) -> None: ...
    def __getitem__(self, key: _Key, /) -> Element: ...
    def __setitem__(self, key: _Key, value: Element, /) -> None: ...
    def __delitem__(self, key: _Key, /) -> None: ...
    def __setattr__(self, name: str, value: Any, /) -> None: ...
    def __delattr__(self, name: str, /) -> None: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __copy__(self) -> Dataset: ...
    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Dataset: ...
    def __reduce__(self) -> tuple[Any, tuple[bytes]]: ...
    def pop(self, key: _Key, *default: Any) -> Element | Any: ...
    def add_new(self, tag: _Key, vr: str, value: Any) -> None: ...
    def add(self, element: Element) -> None: ...
    def clear(self) -> None: ...
    def remove_private_tags(self) -> None: ...
    def save_as(
        self,
        filename: str | PathLike[str] | BinaryIO,
        /,
        implicit_vr: bool | None = None,
        little_endian: bool | None = None,
        enforce_file_format: bool = False,
        overwrite: bool = True,
        *,
        undefined_length: bool | None = None,
    ) -> None: ...
    @property
    def filename(self) -> str | None: ...
    def private_block(
        self, group: int, private_creator: str, create: bool = False
    ) -> PrivateBlock: ...
    def set_pixel_data(
        self,
        arr: Any,
        photometric_interpretation: str,
        bits_stored: int,
        *,
        generate_instance_uid: bool = True,
    ) -> None: ...
    def compress(
        self,
        transfer_syntax_uid: str,
        arr: Any = None,
        *,
        encapsulate_ext: bool = False,
        generate_instance_uid: bool = True,
        jls_error: int | None = None,
        j2k_cr: float | list[float] | None = None,
        j2k_psnr: Any = None,
        **kwargs: Any,
    ) -> None: ...
    def decompress(self, *, as_rgb: bool = True, generate_instance_uid: bool = True) -> None: ...
    def dir(self, *filters: str) -> list[str]: ...
    def iterall(self) -> Iterator[Element]: ...
    def walk(self, callback: Any, recursive: bool = True) -> None: ...
    def group_dataset(self, group: int) -> Dataset: ...
    @property
    def original_encoding(self) -> tuple[bool, bool]: ...
    @property
    def is_implicit_VR(self) -> bool: ...
    @overload
    def get(self, key: str, default: Any = None) -> Any: ...
    @overload
    def get(self, key: int | tuple[int, int], default: Any = None) -> Element | Any: ...
    def __getattr__(self, name: str, /) -> Any: ...
    def __contains__(self, key: object, /) -> bool: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Element]: ...
    def __bool__(self) -> bool: ...
    def keys(self) -> list[Tag]: ...
    def values(self) -> list[Element]: ...
    def items(self) -> list[tuple[Tag, Element]]: ...
    @property
    def file_meta(self) -> Dataset | None: ...
    @property
    def transfer_syntax_uid(self) -> str | None: ...
    @property
    def is_little_endian(self) -> bool: ...
    @property
    def is_implicit_vr(self) -> bool: ...
    @property
    def offset(self) -> int: ...
    @property
    def preamble(self) -> bytes | None: ...
    @property
    def pixel_data(self) -> PixelData | None: ...
    @property
    def pixel_array(self) -> Any: ...
    def _repr_html_(self) -> str: ...
    def _repr_png_(self) -> bytes | None: ...
    # DICOM JSON (rust/rs_dicom_py/src/json.rs)
    @classmethod
    def from_json(
        cls,
        json_dataset: str | bytes | bytearray | dict[str, Any],
        bulk_data_uri_handler: Callable[..., bytes | str | int | float | None] | None = None,
        *,
        validate: bool | None = None,
    ) -> Dataset: ...
    def to_json_dict(
        self,
        bulk_data_threshold: int = 1024,
        bulk_data_element_handler: Callable[[Element], str] | None = None,
        suppress_invalid_tags: bool = False,
        *,
        bulk_data: Literal["inline", "omit"] = "inline",
        include_meta: bool = False,
    ) -> dict[str, Any]: ...
    def to_json(
        self,
        bulk_data_threshold: int = 1024,
        bulk_data_element_handler: Callable[[Element], str] | None = None,
        dump_handler: Callable[[dict[str, Any]], Any] | None = None,
        suppress_invalid_tags: bool = False,
        *,
        bulk_data: Literal["inline", "omit"] = "inline",
        include_meta: bool = False,
        indent: int | None = None,
        ensure_ascii: bool = False,
    ) -> str: ...
    # Native DICOM Model XML (rust/rs_dicom_py/src/xml.rs)
    @classmethod
    def from_xml(
        cls,
        xml_dataset: str | bytes | bytearray,
        bulk_data_uri_handler: Callable[..., bytes | str | int | float | None] | None = None,
        *,
        validate: bool | None = None,
    ) -> Dataset: ...
    def to_xml(
        self,
        bulk_data_threshold: int = 1024,
        bulk_data_element_handler: Callable[[Element], str] | None = None,
        *,
        bulk_data: Literal["inline", "omit"] = "inline",
        include_meta: bool = False,
    ) -> str: ...

@final
class TreeLines:
    """The lines of a dataset's text tree, made as they are asked for."""

    def __iter__(self) -> TreeLines: ...
    def __next__(self) -> str: ...

@final
class ElementIter:
    def __iter__(self) -> ElementIter: ...
    def __next__(self) -> Element: ...

def dcmread(
    src: str | PathLike[str] | bytes | bytearray | memoryview | BinaryIO,
    *,
    stop_before_pixels: bool = False,
    force: bool = False,
    mmap: bool | None = None,
    specific_tags: list[int | str | tuple[int, int]] | None = None,
    defer_size: int | str | float | None = None,
) -> Dataset: ...
def _register_tag_type(cls: type[Tag]) -> None: ...
def _register_sequence_type(cls: type[list[Any]]) -> None: ...
def _set_sequence(ds: Dataset, tag: int, new_items: Any) -> None: ...
def _unpickle(data: bytes, syntax: str | None = None) -> Dataset: ...
def dcmwrite(
    filename: str | PathLike[str] | BinaryIO,
    dataset: Dataset,
    /,
    *,
    implicit_vr: bool | None = None,
    little_endian: bool | None = None,
    enforce_file_format: bool = False,
    overwrite: bool = True,
    undefined_length: bool | None = None,
) -> None: ...

@final
class PrivateBlock:
    @property
    def private_creator(self) -> str: ...
    @property
    def group(self) -> int: ...
    def get_tag(self, offset: int) -> int: ...
    def add_new(self, offset: int, vr: str, value: Any) -> None: ...
    def __getitem__(self, key: int, /) -> Element: ...
    def __contains__(self, key: int, /) -> bool: ...
    def __delitem__(self, key: int, /) -> None: ...

@final
class FileMetaDataset(Dataset):
    def __init__(self) -> None: ...

def _register_value_types(
    *, person_name: type[str] | None = None, uid: type[str] | None = None
) -> None: ...

# Transfer-syntax registry (see rs_dicom.valuerep.UID): (uid, name, short_name, explicit_vr,
# big_endian, deflated, encapsulated, codec, lossy, retired); uid '' for an unregistered UID
# of the DICOM transfer syntax root (read as encapsulated).
def transfer_syntax_info(
    uid: str,
) -> tuple[str, str, str, bool, bool, bool, bool, str | None, bool, bool] | None: ...

# Text and HTML representations (see rs_dicom._repr for the Python API)
def _tree_lines(ds: Dataset, width: int | None, value_limit: int, file_meta: bool) -> TreeLines: ...
def _plain_value(elem: Element, limit: int | None) -> str: ...
def _value_text(elem: Element, limit: int | None) -> str: ...
def _keyword_text(elem: Element, ds: Dataset | None) -> str: ...
def _dataset_html(ds: Dataset, max_rows: int) -> str: ...

# Data dictionary (see rs_dicom.dictionary for the public API)
def dictionary_entry(
    tag: int, repeaters: bool = True
) -> tuple[str, str, str, bool, str] | None: ...
def tag_for_keyword(keyword: str) -> int | None: ...
def keyword_entry(keyword: str) -> tuple[int, int, str, str, str, bool, str] | None: ...
def dictionary_entries() -> list[tuple[int, int, str, str, str, bool, str]]: ...
def uid_entry(uid: str) -> tuple[str, str, str, bool, str] | None: ...
def uid_for_keyword(keyword: str) -> str | None: ...
def uid_entries() -> list[tuple[str, str, str, str, bool, str]]: ...
def private_dictionary_entry(creator: str, tag: int) -> tuple[str, str, str, bool] | None: ...

# Display kernels (see rs_dicom.display, rs_dicom.viz, rs_dicom.png for the public API).
# Arrays are numpy arrays of any integer or float dtype unless a dtype is named.
_Buffer = bytes | bytearray | memoryview

def lut_table_of(data: _Buffer, nr_entries: int, bits: int, little_endian: bool) -> Any: ...
def lut_lookup(arr: Any, table: Any, first_map: int, nr_entries: int) -> Any: ...
def rescale(arr: Any, slope: float, intercept: float) -> Any: ...
def window(
    arr: Any, center: float, width: float, function: str, y_min: float, y_max: float
) -> Any: ...
def presentation_lut(
    arr: Any, data: _Buffer, nr_entries: int, bits: int, little_endian: bool, is_us: bool
) -> Any: ...
def palette_table(
    channels: list[tuple[_Buffer, bool, bool] | None],
    nr_entries: int,
    bits: int,
    segmented: bool,
) -> Any: ...
def expand_segmented_lut(
    data: list[int], byte_indirect: bool, little_endian: bool
) -> list[int]: ...
def convert_color_space(arr: Any, current: str, desired: str, in_place: bool = False) -> Any: ...
def overlay_bits(
    data: _Buffer, rows: int, columns: int, frames: int, swap_words: bool
) -> tuple[Any, str | None]: ...
def scale_to_uint8(arr: Any, bits: int) -> Any: ...
def render_grey(
    arr: Any,
    *,
    slope: float | None = None,
    intercept: float | None = None,
    modality_lut: tuple[Any, int, int] | None = None,
    window: tuple[float, float, str] | None = None,
    voi_lut: tuple[Any, int, int, int] | None = None,
    invert: bool = False,
) -> Any: ...
def to_display(
    ds: Dataset,
    frame: int = 0,
    window: tuple[float, float] | None = None,
    *,
    ybr_input: bool = False,
    pixels: Any = None,
) -> Any: ...
def shrink_image(image: Any, size: int, aspect: float = 1.0) -> Any: ...
def resample(image: Any, rows: int, columns: int) -> Any: ...
def thumbnail_png(
    ds: Dataset, size: int = 256, frame: int = 0, window: tuple[float, float] | None = None
) -> bytes: ...
def encode_png(image: Any, level: int = 6) -> bytes: ...
def encoders() -> list[str]: ...
def transfer_syntax_for_name(name: str) -> str | None: ...
def _dicomdir_records(ds: Dataset) -> list[tuple[int, int, Dataset]]: ...
def _dicomdir_instance_records(ds: Dataset, file_id: str) -> list[Dataset]: ...
def _dicomdir_file_id(root: str | PathLike[str], path: str | PathLike[str]) -> str: ...
def _dicomdir_check_file_id(file_id: str) -> list[str]: ...
def _dicomdir_write(
    path: str | PathLike[str],
    records: list[tuple[Dataset, int]],
    file_set_id: str,
    sop_instance_uid: str,
    *,
    descriptor_file_id: str | None = None,
    descriptor_charset: str | None = None,
    implicit_vr: bool = False,
) -> None: ...

# De-identification (deid.rs), the engine of rs_dicom.deid.
@final
class Deidentifier:
    def __new__(
        cls,
        key: bytes,
        options: list[str],
        *,
        id_map: dict[str, str] | None = None,
        safe_private: list[tuple[int | None, str, int | None]] | None = None,
        pixel_rules: list[
            tuple[str | None, str | None, int | None, int | None, list[tuple[int, int, int, int]]]
        ]
        | None = None,
        audit: bool = False,
    ) -> Deidentifier: ...
    def dataset(self, ds: Dataset) -> tuple[Dataset, str | None]: ...
    def files(
        self,
        jobs: list[tuple[str, str]],
        *,
        overwrite: bool = False,
        workers: int | None = None,
    ) -> list[tuple[BaseException | None, str | None]]: ...
    @staticmethod
    def option_names() -> list[str]: ...
    @staticmethod
    def profile_table() -> list[tuple[str, str, bool, str, list[tuple[str, str]]]]: ...
    @staticmethod
    def safe_private_table() -> list[tuple[int, int, str, str | None, str, str]]: ...

@final
class ArrowBatch:
    def __len__(self) -> int: ...
    def __arrow_c_array__(
        self, requested_schema: object | None = None
    ) -> tuple[object, object]: ...

@final
class ArrowSchema:
    def __arrow_c_schema__(self) -> object: ...

@final
class Scanner:
    def __new__(cls, tags: list[int], *, mtime: bool = False) -> Scanner: ...
    @property
    def names(self) -> list[str]: ...
    def schema(self) -> ArrowSchema: ...
    def read(self, paths: list[str], workers: int | None = None) -> list[ArrowBatch]: ...

def net_echo(
    host: str,
    port: int,
    ae_title: str,
    called_ae: str,
    timeout: float | None = None,
    max_pdu: int = 262144,
    username: str | None = None,
    password: str | None = None,
    tls: tuple[Any, ...] | None = None,
) -> int: ...
def net_send(
    items: list[Any],
    host: str,
    port: int,
    ae_title: str,
    called_ae: str,
    timeout: float | None = None,
    max_pdu: int = 262144,
    workers: int = 1,
    callback: Callable[[int, int | None, str | None], None] | None = None,
    username: str | None = None,
    password: str | None = None,
    tls: tuple[Any, ...] | None = None,
) -> list[tuple[int | None, str | None]]: ...
def net_associate(
    host: str,
    port: int,
    ae_title: str,
    called_ae: str,
    contexts: list[tuple[str, list[str]]] | None = None,
    timeout: float | None = None,
    max_pdu: int = 262144,
    username: str | None = None,
    password: str | None = None,
    tls: tuple[Any, ...] | None = None,
) -> Association: ...

@final
class Association:
    def echo(self) -> int: ...
    def send(self, item: Dataset | str) -> int: ...
    @property
    def accepted_contexts(self) -> list[tuple[str, str]]: ...
    @property
    def is_established(self) -> bool: ...
    def release(self) -> None: ...
    def abort(self) -> None: ...
    def qr_start(
        self,
        op: str,
        sop_class: str,
        identifier: Dataset,
        destination: str | None = None,
        directory: str | PathLike[str] | None = None,
    ) -> QrOperation: ...

@final
class QrOperation:
    def next(
        self, assoc: Association
    ) -> tuple[int, Dataset | None, tuple[int, int, int, int] | None, str | None] | None: ...
    def cancel(self, assoc: Association) -> None: ...
    @property
    def received(self) -> list[str]: ...
    @property
    def done(self) -> bool: ...

@final
class QueryRetrieveServer:
    def __new__(
        cls,
        port: int,
        directory: str | PathLike[str],
        host: str = "0.0.0.0",
        ae_title: str = "RS_DICOM",
        destinations: dict[str, tuple[str, int]] | None = None,
        require_called_ae: bool = False,
        max_pdu: int = 262144,
        timeout: float | None = None,
        max_associations: int = 64,
    ) -> QueryRetrieveServer: ...
    @property
    def port(self) -> int: ...
    @property
    def indexed(self) -> int: ...
    @property
    def unreadable(self) -> list[tuple[str, str]]: ...
    @property
    def running(self) -> bool: ...
    def stats(self) -> list[tuple[str, int]]: ...
    def stop(self) -> None: ...

@final
class StorageServer:
    def __new__(
        cls,
        port: int,
        directory: str | PathLike[str],
        host: str = "0.0.0.0",
        ae_title: str = "RS_DICOM",
        require_called_ae: bool = False,
        handler: Callable[[str, str, str, str, str], int | None] | None = None,
        max_pdu: int = 262144,
        timeout: float | None = None,
        max_associations: int = 64,
        tls: tuple[Any, ...] | None = None,
        accepted_calling_aets: list[str] | None = None,
        identity_handler: Callable[[int, bytes, bytes, str], Any] | None = None,
        require_identity: bool = False,
    ) -> StorageServer: ...
    @property
    def port(self) -> int: ...
    @property
    def running(self) -> bool: ...
    def stats(self) -> list[tuple[str, int]]: ...
    def stop(self) -> None: ...

# DICOMweb bodies (rust/rs_dicom_py/src/web.rs)
def web_parse_content_type(text: str) -> tuple[str, list[tuple[str, str]]]: ...
def web_split_multipart(
    body: bytes, boundary: str
) -> list[tuple[list[tuple[str, str]], int, int]]: ...
def web_write_multipart(parts: list[tuple[str, bytes]], boundary: str) -> bytes: ...
def web_multipart_head(boundary: str, content_type: str, first: bool) -> bytes: ...

@final
class MultipartReader:
    def __new__(cls, boundary: str) -> MultipartReader: ...
    def feed(self, chunk: bytes) -> list[tuple[list[tuple[str, str]], bytes, int]]: ...
    def finish(self) -> None: ...
    @property
    def done(self) -> bool: ...
