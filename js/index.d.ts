// TypeScript types of the rs-dicom package (hand-written: the generated ones in pkg/ type
// element values and frames as `any`).

/** A tag as a number (`0x00100010`), a keyword (`"PatientName"`), `"00100010"` or
 * `"(0010,0010)"`. */
export type TagKey = number | string;

/** An element value, with pydicom's conventions: one value alone, several as an array. */
export type Value =
  | null
  | string
  | number
  | bigint
  | Uint8Array
  | Array<string | number | bigint | null>
  | Dataset[];

/** One element of a dataset. */
export interface Element {
  /** The tag as a number (`0x00100010`). */
  tag: number;
  /** The VR (`"PN"`, `"US"`, ...). */
  vr: string;
  /** The dictionary keyword, `""` for private and unknown tags. */
  keyword: string;
  /** The encoded length, `null` when undefined. */
  length: number | null;
  /** The byte offset of the element header in the file. */
  offset: number;
  /** The value: text VRs give strings, IS/DS and US SS UL SL FL FD numbers, SV/UV
   * BigInts, AT tag numbers, binary VRs the bytes as stored, SQ an array of datasets. */
  value: Value;
}

/** Decoded stored values of one frame. */
export type PixelArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigUint64Array
  | BigInt64Array
  | Float32Array
  | Float64Array;

/** One decoded frame, values in C order (rows, columns, samples). */
export interface Frame {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  data: PixelArray;
}

/** A frame rendered for display: RGBA for `new ImageData(data, width, height)`. */
export interface RenderedFrame {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** A codec of this build. */
export interface CodecSupport {
  codec: string;
  /** The decoder library, `null` when this build cannot decode the codec. */
  decoder: string | null;
  encoder: string | null;
}

/** A DICOM JSON model object (PS3.18 F.2). */
export type DicomJson = Record<string, { vr: string; Value?: unknown[]; InlineBinary?: string; BulkDataURI?: string }>;

/** Options of `parse`. */
export interface ParseOptions {
  /** Read a dataset without the preamble and file meta. */
  force?: boolean;
  /** Stop before the pixel data. */
  stopBeforePixels?: boolean;
}

/** Errors thrown by `parse`, frames and rendering: `name` is the class of the Python
 * package's exception (`MalformedError`, `TruncatedError`, `InvalidDicomError`,
 * `UnsupportedCodecError`, `UnsupportedTransferSyntaxError`, `InvalidValueError`,
 * `DicomError`). */
export interface DicomError extends Error {
  /** The core's error kind (`"Malformed"`, `"Truncated"`, ...). */
  kind: string;
  /** The byte offset where it happened, when known. */
  offset: number | null;
  /** The tag path such as `(0008,1115)[0].(0008,1150)`; `""` at the top level. */
  tagPath: string;
}

/** A parsed dataset (a file's, or a sequence item). Its memory is freed when it is
 * garbage-collected, or at once by `free()`. */
export class Dataset {
  private constructor();
  free(): void;
  /** The transfer syntax UID the dataset was read with. */
  readonly transferSyntaxUID: string;
  /** The file meta information, `undefined` for a sequence item. */
  readonly meta: Dataset | undefined;
  /** The number of top-level elements. */
  readonly size: number;
  /** The number of frames (0 without pixel data). */
  readonly numberOfFrames: number;
  tags(): Uint32Array;
  has(key: TagKey): boolean;
  element(key: TagKey): Element | undefined;
  get(key: TagKey): Value | undefined;
  elements(): Element[];
  /** The DICOM JSON model as text; `indent` spaces per level (one line without). */
  toJSONString(indent?: number | null, bulkData?: 'inline' | 'omit' | null): string;
  toJSON(): DicomJson;
  /** Frame `index` decoded (throws `RangeError` past the last frame). */
  frame(index: number): Frame;
  /** Frame `index` as the Python package's `to_display` renders it, with an optional
   * window (`center`, `width`) instead of the file's. */
  render(index: number, center?: number | null, width?: number | null): RenderedFrame;
}

/** Parses DICOM Part 10 bytes. Throws a `DicomError`. */
export function parse(bytes: Uint8Array, options?: ParseOptions): Dataset;
/** Loads the WebAssembly module (browser; a no-op promise in Node). */
export function init(input?: string | URL | Response | BufferSource | WebAssembly.Module): Promise<void>;
export function availableCodecs(): CodecSupport[];
/** The tag number of a key (`"PatientName"` → `0x00100010`); a `TypeError` for an unknown
 * keyword or a malformed key. */
export function tagOf(key: TagKey): number;
export function version(): string;
