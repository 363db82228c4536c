//! Compressing and decompressing a dataset's pixel data, and the attributes that change with
//! it (PS3.3 C.7.6.3 Image Pixel, C.7.6.1.1.5 Lossy Image Compression, PS3.10 file meta).
//!
//! Every frame is encoded (or decoded) first, in parallel; only when all succeeded is the
//! dataset changed, so a refusal leaves it as it was.

use super::offsets::{EncapsulatedValue, encapsulate_frames};
use super::source::{DatasetFrames, Geometry};
use super::{encode_frame, is_lossy, lossy_method, photometric_after};
use crate::core::{Dataset, Element, Limits, NO_OFFSET, Tag, TransferSyntax, VR};
use crate::error::{DicomError, ErrorKind, Result};
use crate::pixel::encode::EncodeOptions;
use crate::pixel::{DecodeOptions, Frames, PixelBuffer, PixelData};
use crate::value::encode::{Input, encode, format_ds};

const PHOTOMETRIC: Tag = Tag(0x0028, 0x0004);
const PLANAR_CONFIGURATION: Tag = Tag(0x0028, 0x0006);
const LOSSY: Tag = Tag(0x0028, 0x2110);
const LOSSY_RATIO: Tag = Tag(0x0028, 0x2112);
const LOSSY_METHOD: Tag = Tag(0x0028, 0x2114);
const SOP_INSTANCE_UID: Tag = Tag(0x0008, 0x0018);
const MEDIA_SOP_INSTANCE_UID: Tag = Tag(0x0002, 0x0003);

/// How to compress.
#[derive(Debug, Clone, Default)]
pub struct CompressOptions {
    /// The encoders' options.
    pub encode: EncodeOptions,
    /// Write an Extended Offset Table (pydicom's `encapsulate_ext`).
    pub extended_offset_table: bool,
    /// The new SOP Instance UID (None keeps the dataset's).
    pub instance_uid: Option<String>,
    /// Limits on decoding a compressed source.
    pub limits: Limits,
}

fn refuse(msg: impl Into<String>) -> DicomError {
    DicomError::codec(ErrorKind::Encode, msg)
}

/// Runs `f` over `0..n`, in parallel with the `parallel` feature, the results in order.
fn map_frames<T: Send>(n: usize, f: impl Fn(usize) -> Result<T> + Sync + Send) -> Result<Vec<T>> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        // A job per frame (frames differ in cost), so no core is left alone with a run of them.
        (0..n).into_par_iter().with_max_len(1).map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    (0..n).map(f).collect()
}

/// Compresses the pixel data of `ds` (read with `read_ts`; compressed data is decoded
/// first) into `ts`, and changes the attributes that go with it in `ds` and `meta`.
/// Frames are encoded in parallel; nothing changes when any frame fails.
pub fn compress(
    ds: &mut Dataset,
    meta: &mut Dataset,
    read_ts: &TransferSyntax,
    ts: &'static TransferSyntax,
    opts: &CompressOptions,
) -> Result<()> {
    if !ts.encapsulated || ts.codec.is_none() {
        return Err(DicomError::codec(
            ErrorKind::UnsupportedCodec,
            format!(
                "{} ({}) is not a compressed transfer syntax",
                ts.name, ts.uid
            ),
        ));
    }
    let (frames, geometry, photometric, enc) = {
        let source = DatasetFrames::new(ds, read_ts, &opts.limits)?;
        let geometry = source.geometry.clone();
        // The source photometric decides the colour transform (only RGB has one); frame 0
        // tells it, and is encoded from the same decode.
        let (first, photometric) = source.frame(0)?;
        let enc = EncodeOptions {
            color_transform: opts.encode.color_transform
                && geometry.template.samples_per_pixel == 3
                && photometric == "RGB",
            ..opts.encode
        };
        let frames = map_frames(geometry.frames, |i| {
            let decoded;
            let (bytes, pi) = if i == 0 {
                (first.bytes(), &photometric)
            } else {
                decoded = source.frame(i)?;
                (decoded.0.bytes(), &decoded.1)
            };
            encode_frame(ts, &geometry.image(bytes, pi), &enc).map_err(|e| in_frame(e, i))
        })?;
        source.check()?;
        (frames, geometry, photometric, enc)
    };
    let encoded: usize = frames.iter().map(Vec::len).sum();
    let value = encapsulate_frames(&frames, opts.extended_offset_table);
    drop(frames);
    set_encapsulated(ds, value);
    let pi = photometric_after(ts, &enc, geometry.template.samples_per_pixel, &photometric);
    set_image_attributes(ds, &geometry, &pi)?;
    if is_lossy(ts, &enc) {
        let raw = geometry.template.frame_len() * geometry.frames;
        let ratio = raw as f64 / encoded.max(1) as f64;
        mark_lossy(ds, ratio, lossy_method(ts))?;
    }
    finish(ds, meta, ts, opts.instance_uid.as_deref())
}

/// Decompresses the pixel data of `ds` (read with `read_ts`) into native pixel data in
/// Explicit VR Little Endian: YBR converted to RGB when `as_rgb` (pydicom 3's
/// `decompress`), Planar Configuration 0, no offset tables.
pub fn decompress(
    ds: &mut Dataset,
    meta: &mut Dataset,
    read_ts: &TransferSyntax,
    as_rgb: bool,
    instance_uid: Option<&str>,
    limits: &Limits,
) -> Result<()> {
    let px = PixelData::new(ds, read_ts, limits)?
        .ok_or_else(|| refuse("the dataset has no pixel data to decompress"))?;
    if px.frame_map().is_none() {
        return Err(refuse(format!(
            "the pixel data is not compressed ({}): there is nothing to decompress",
            read_ts.name
        )));
    }
    let geometry = Geometry::of(px.description(), px.sample())?;
    let opts = DecodeOptions {
        as_rgb,
        limits: *limits,
    };
    let pixels = px.decode(ds, &Frames::All, &opts)?;
    let PixelBuffer::Owned(mut bytes) = pixels.buffer else {
        return Err(refuse("decoded pixel data was not handed out as a buffer"));
    };
    let size = pixels.sample.size();
    if cfg!(target_endian = "big") && size > 1 {
        bytes.chunks_exact_mut(size).for_each(<[u8]>::reverse);
    }
    if bytes.len() % 2 == 1 {
        bytes.push(0);
    }
    let photometric = match pixels.photometric_interpretation.as_str() {
        // The decoders hand out full-resolution samples.
        "YBR_FULL_422" => "YBR_FULL".to_string(),
        other => other.to_string(),
    };
    let vr = if geometry.template.bits_allocated > 8 {
        VR::OW
    } else {
        VR::OB
    };
    for t in EncapsulatedValue::EXTENDED_TAGS {
        ds.remove(t);
    }
    ds.set_bytes(Tag::PIXEL_DATA, vr, bytes);
    set_image_attributes(ds, &geometry, &photometric)?;
    finish(ds, meta, TransferSyntax::EXPLICIT_VR_LE, instance_uid)
}

fn in_frame(mut e: DicomError, i: usize) -> DicomError {
    e.message = format!("frame {i}: {}", e.message);
    e
}

/// Pixel Data as `value`, with or without the extended offset table.
fn set_encapsulated(ds: &mut Dataset, value: EncapsulatedValue) {
    ds.insert(Element {
        tag: Tag::PIXEL_DATA,
        vr: VR::OB,
        length: None,
        offset: NO_OFFSET,
        value: value.value,
    });
    for t in EncapsulatedValue::EXTENDED_TAGS {
        ds.remove(t);
    }
    if let Some((table, lengths)) = value.extended {
        let [t, l] = EncapsulatedValue::EXTENDED_TAGS;
        ds.set_bytes(t, VR::OV, table);
        ds.set_bytes(l, VR::OV, lengths);
    }
}

fn set(ds: &mut Dataset, tag: Tag, vr: VR, input: Input) -> Result<()> {
    let mut bytes = encode(tag, vr, input, None, ds.charset(), ds.byte_order())?;
    if bytes.len() % 2 == 1 {
        bytes.push(if vr == VR::UI { 0 } else { b' ' });
    }
    ds.set_bytes(tag, vr, bytes);
    Ok(())
}

/// Photometric Interpretation and Planar Configuration of interleaved frames.
fn set_image_attributes(ds: &mut Dataset, g: &Geometry, photometric: &str) -> Result<()> {
    set(
        ds,
        PHOTOMETRIC,
        VR::CS,
        Input::Text(vec![photometric.into()]),
    )?;
    if g.template.samples_per_pixel > 1 {
        set(ds, PLANAR_CONFIGURATION, VR::US, Input::Int(vec![0]))?;
    } else {
        ds.remove(PLANAR_CONFIGURATION);
    }
    Ok(())
}

/// The values of a multi-valued text attribute, as stored.
fn texts(ds: &Dataset, tag: Tag) -> Vec<String> {
    let Some(raw) = ds.raw(tag) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(raw);
    let text = text.trim_matches(|c: char| c == ' ' || c == '\0');
    if text.is_empty() {
        return Vec::new();
    }
    text.split('\\').map(|v| v.trim().to_string()).collect()
}

/// Lossy Image Compression "01", the ratio and the method appended to those of earlier
/// lossy steps (PS3.3 C.7.6.1.1.5).
fn mark_lossy(ds: &mut Dataset, ratio: f64, method: Option<&str>) -> Result<()> {
    set(ds, LOSSY, VR::CS, Input::Text(vec!["01".into()]))?;
    let mut ratios = texts(ds, LOSSY_RATIO);
    ratios.push(format_ds((ratio * 100.0).round() / 100.0).unwrap_or_else(|| "1".into()));
    set(ds, LOSSY_RATIO, VR::DS, Input::Text(ratios))?;
    if let Some(m) = method {
        let mut methods = texts(ds, LOSSY_METHOD);
        methods.push(m.into());
        set(ds, LOSSY_METHOD, VR::CS, Input::Text(methods))?;
    }
    Ok(())
}

/// The transfer syntax in the file meta and, when given, the new SOP Instance UID.
fn finish(
    ds: &mut Dataset,
    meta: &mut Dataset,
    ts: &TransferSyntax,
    instance_uid: Option<&str>,
) -> Result<()> {
    let ui = |v: &str| Input::Text(vec![v.into()]);
    set(meta, Tag::TRANSFER_SYNTAX_UID, VR::UI, ui(ts.uid))?;
    if let Some(new) = instance_uid {
        set(ds, SOP_INSTANCE_UID, VR::UI, ui(new))?;
        set(meta, MEDIA_SOP_INSTANCE_UID, VR::UI, ui(new))?;
    }
    Ok(())
}
