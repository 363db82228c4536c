//! Pixel data description: image attributes, native frame spans, and encapsulated
//! fragments → frames (PS3.5 A.4). No decoding here.

pub mod codec;
pub mod native;

use std::borrow::Cow;
use std::ops::Range;

use crate::core::{Dataset, Element, ElementValue, Fragment, Tag, VR};
use crate::parser::{DicomError, ErrorKind, Result};
use crate::value::{Scalar, Value, decode};

/// The Image Pixel module attributes that describe pixel data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PixelDescription {
    /// Rows (0028,0010).
    pub rows: u32,
    /// Columns (0028,0011).
    pub columns: u32,
    /// Samples per Pixel (0028,0002); 1 when absent.
    pub samples_per_pixel: u32,
    /// Bits Allocated (0028,0100); 32/64 for float and double float pixel data.
    pub bits_allocated: u32,
    /// Bits Stored (0028,0101); Bits Allocated when absent.
    pub bits_stored: u32,
    /// Pixel Representation (0028,0103): 0 unsigned, 1 two's complement.
    pub pixel_representation: u32,
    /// Planar Configuration (0028,0006): 0 interleaved, 1 by plane.
    pub planar_configuration: u32,
    /// Number of Frames (0028,0008); 1 when absent or invalid.
    pub number_of_frames: u32,
    /// Photometric Interpretation (0028,0004).
    pub photometric_interpretation: String,
    /// The pixel data element's tag (7FE0,0010 / 0008 / 0009).
    pub tag: Tag,
}

fn uint(ds: &Dataset, tag: Tag) -> Option<u32> {
    let e = ds.get(tag)?;
    match decode(ds, e) {
        Value::Ints(v) => v.first().and_then(|&x| u32::try_from(x).ok()),
        Value::Numbers(v) => match v.first() {
            Some(Scalar::Int(i)) => u32::try_from(*i).ok(),
            _ => None,
        },
        _ => None,
    }
}

fn text(ds: &Dataset, tag: Tag) -> Option<String> {
    let e = ds.get(tag)?;
    match decode(ds, e) {
        Value::Text(v) => v.into_iter().next(),
        _ => None,
    }
}

impl PixelDescription {
    /// Reads the description from a dataset that has pixel data.
    pub fn from_dataset(ds: &Dataset) -> Result<PixelDescription> {
        let tag = [
            Tag::PIXEL_DATA,
            Tag::FLOAT_PIXEL_DATA,
            Tag::DOUBLE_FLOAT_PIXEL_DATA,
        ]
        .into_iter()
        .find(|t| ds.contains(*t))
        .ok_or_else(|| {
            DicomError::new(
                ErrorKind::Malformed,
                None,
                "",
                "the dataset has no pixel data",
            )
        })?;
        let missing = |name: &str, t: Tag| {
            DicomError::new(
                ErrorKind::Malformed,
                Some(ds.offset() as u64),
                t.to_string(),
                format!("pixel data without {name} {t}"),
            )
        };
        let rows =
            uint(ds, Tag(0x0028, 0x0010)).ok_or_else(|| missing("Rows", Tag(0x0028, 0x0010)))?;
        let columns =
            uint(ds, Tag(0x0028, 0x0011)).ok_or_else(|| missing("Columns", Tag(0x0028, 0x0011)))?;
        let bits_allocated = match tag {
            Tag::FLOAT_PIXEL_DATA => 32,
            Tag::DOUBLE_FLOAT_PIXEL_DATA => 64,
            _ => uint(ds, Tag(0x0028, 0x0100))
                .ok_or_else(|| missing("Bits Allocated", Tag(0x0028, 0x0100)))?,
        };
        let frames = match ds.get(Tag(0x0028, 0x0008)).map(|e| decode(ds, e)) {
            Some(Value::Numbers(v)) => match v.first() {
                Some(Scalar::Int(n)) if *n >= 1 => u32::try_from(*n).unwrap_or(1),
                _ => 1,
            },
            _ => 1,
        };
        Ok(PixelDescription {
            rows,
            columns,
            samples_per_pixel: uint(ds, Tag(0x0028, 0x0002)).unwrap_or(1),
            bits_allocated,
            bits_stored: uint(ds, Tag(0x0028, 0x0101)).unwrap_or(bits_allocated),
            pixel_representation: uint(ds, Tag(0x0028, 0x0103)).unwrap_or(0),
            planar_configuration: uint(ds, Tag(0x0028, 0x0006)).unwrap_or(0),
            number_of_frames: frames,
            photometric_interpretation: text(ds, Tag(0x0028, 0x0004)).unwrap_or_default(),
            tag,
        })
    }

    /// Bytes of one native (uncompressed) frame; bits are packed for Bits Allocated 1.
    pub fn frame_len(&self) -> Option<usize> {
        let pixels = (self.rows as usize)
            .checked_mul(self.columns as usize)?
            .checked_mul(self.samples_per_pixel as usize)?;
        if self.bits_allocated == 1 {
            return Some(pixels.div_ceil(8));
        }
        pixels.checked_mul((self.bits_allocated as usize).div_ceil(8))
    }

    /// Byte range of native frame `i` within the pixel data value (bit-packed frames may start
    /// mid-byte: the range then covers the bytes that hold the frame's bits).
    pub fn native_frame_range(&self, i: usize) -> Option<Range<usize>> {
        if self.bits_allocated == 1 {
            let bits = (self.rows as usize)
                .checked_mul(self.columns as usize)?
                .checked_mul(self.samples_per_pixel as usize)?;
            let start = bits.checked_mul(i)? / 8;
            let end = (bits.checked_mul(i + 1)?).div_ceil(8);
            return Some(start..end);
        }
        let n = self.frame_len()?;
        Some(n.checked_mul(i)?..n.checked_mul(i + 1)?)
    }
}

/// Encapsulated pixel data split into frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncapsulatedFrames {
    /// Basic Offset Table values (empty when the table is empty).
    pub offset_table: Vec<u32>,
    /// For each frame, the indices of its fragments (consecutive).
    pub frames: Vec<Range<usize>>,
    /// How the frame boundaries were found.
    pub method: FrameMethod,
}

/// How frame boundaries were determined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameMethod {
    /// One frame made of every fragment.
    SingleFrame,
    /// One fragment per frame.
    OneFragmentPerFrame,
    /// From the Basic Offset Table.
    BasicOffsetTable,
    /// From the Extended Offset Table (7FE0,0001).
    ExtendedOffsetTable,
    /// From codestream start markers (JPEG SOI, JPEG 2000 SOC) at fragment starts.
    Markers,
}

fn err(msg: String) -> DicomError {
    DicomError::new(ErrorKind::Malformed, None, "(7FE0,0010)", msg)
}

/// Adds the pixel data element's offset and tag to an error that lacks them.
fn at(elem: &Element, mut e: DicomError) -> DicomError {
    e.offset.get_or_insert(elem.offset as u64);
    e.path = elem.tag.to_string();
    e
}

fn u32s(b: &[u8], be: bool) -> Vec<u32> {
    b.chunks_exact(4)
        .map(|c| {
            let a = [c[0], c[1], c[2], c[3]];
            if be {
                u32::from_be_bytes(a)
            } else {
                u32::from_le_bytes(a)
            }
        })
        .collect()
}

fn u64s(b: &[u8], be: bool) -> Vec<u64> {
    b.chunks_exact(8)
        .map(|c| {
            let mut a = [0u8; 8];
            a.copy_from_slice(c);
            if be {
                u64::from_be_bytes(a)
            } else {
                u64::from_le_bytes(a)
            }
        })
        .collect()
}

/// True when a fragment starts a codestream: JPEG/JPEG-LS SOI, JPEG 2000 SOC, or an RLE
/// header (1-15 segments, the first at offset 64: PS3.5 G.5).
fn starts_codestream(b: &[u8]) -> bool {
    if b.len() >= 3 && b[0] == 0xFF && b[2] == 0xFF && (b[1] == 0xD8 || b[1] == 0x4F) {
        return true;
    }
    b.len() >= 64
        && matches!(u32::from_le_bytes([b[0], b[1], b[2], b[3]]), 1..=15)
        && u32::from_le_bytes([b[4], b[5], b[6], b[7]]) == 64
}

/// Item-header offsets of the fragments, relative to the first fragment's item header.
fn header_offsets(fragments: &[Fragment]) -> Vec<usize> {
    let base = fragments.first().map_or(0, |f| f.offset.saturating_sub(8));
    fragments
        .iter()
        .map(|f| f.offset.saturating_sub(8).saturating_sub(base))
        .collect()
}

/// Maps the fragments of encapsulated pixel data onto `n_frames` frames.
pub fn encapsulated_frames(
    ds: &Dataset,
    elem: &Element,
    n_frames: usize,
) -> Result<EncapsulatedFrames> {
    encapsulated_frames_inner(ds, elem, n_frames).map_err(|e| at(elem, e))
}

fn encapsulated_frames_inner(
    ds: &Dataset,
    elem: &Element,
    n_frames: usize,
) -> Result<EncapsulatedFrames> {
    let ElementValue::Encapsulated {
        offset_table,
        fragments,
    } = &elem.value
    else {
        return Err(err("pixel data is not encapsulated".into()));
    };
    let n_frames = n_frames.max(1);
    let bot = u32s(ds.fragment_bytes(offset_table), ds.big_endian());
    let nf = fragments.len();
    let done = |frames: Vec<Range<usize>>, method| {
        Ok(EncapsulatedFrames {
            offset_table: bot.clone(),
            frames,
            method,
        })
    };
    if nf == 0 {
        return Err(err("encapsulated pixel data has no fragments".into()));
    }
    let starts = header_offsets(fragments);
    let index_of = |off: usize| starts.binary_search(&off).ok();

    // Extended Offset Table: one entry per frame, each the item-header offset of the frame's
    // fragment.
    if let Some(eot) = ds.get(Tag::EXTENDED_OFFSET_TABLE)
        && eot.vr != VR::SQ
    {
        let offs = u64s(ds.bytes_of(eot), ds.big_endian());
        if offs.len() == n_frames {
            let mut firsts = Vec::with_capacity(n_frames);
            for (i, &o) in offs.iter().enumerate() {
                let idx = usize::try_from(o).ok().and_then(index_of).ok_or_else(|| {
                    err(format!(
                        "Extended Offset Table entry {i} ({o}) is not at a fragment boundary"
                    ))
                })?;
                firsts.push(idx);
            }
            if let Some(frames) = ranges_from_firsts(&firsts, nf) {
                return done(frames, FrameMethod::ExtendedOffsetTable);
            }
        }
    }
    if n_frames == 1 {
        return done(std::iter::once(0..nf).collect(), FrameMethod::SingleFrame);
    }
    if !bot.is_empty() && bot.len() == n_frames {
        let firsts: Option<Vec<usize>> = bot.iter().map(|&o| index_of(o as usize)).collect();
        if let Some(frames) = firsts.and_then(|f| ranges_from_firsts(&f, nf)) {
            return done(frames, FrameMethod::BasicOffsetTable);
        }
    }
    if nf == n_frames {
        return done(
            (0..nf).map(|i| i..i + 1).collect(),
            FrameMethod::OneFragmentPerFrame,
        );
    }
    if nf < n_frames {
        return Err(err(format!(
            "{nf} fragments cannot hold {n_frames} frames (Number of Frames)"
        )));
    }
    let firsts: Vec<usize> = (0..nf)
        .filter(|&i| starts_codestream(ds.fragment_bytes(&fragments[i])))
        .collect();
    if firsts.len() == n_frames
        && let Some(frames) = ranges_from_firsts(&firsts, nf)
    {
        return done(frames, FrameMethod::Markers);
    }
    Err(err(format!(
        "cannot find the boundaries of {n_frames} frames in {nf} fragments: the Basic Offset \
         Table is empty or inconsistent and {} fragments start a codestream",
        firsts.len()
    )))
}

/// Turns the first fragment index of each frame into fragment ranges (strictly increasing).
fn ranges_from_firsts(firsts: &[usize], nf: usize) -> Option<Vec<Range<usize>>> {
    if firsts.first() != Some(&0) {
        return None;
    }
    let mut out = Vec::with_capacity(firsts.len());
    for (i, &s) in firsts.iter().enumerate() {
        let e = firsts.get(i + 1).copied().unwrap_or(nf);
        if e <= s || e > nf {
            return None;
        }
        out.push(s..e);
    }
    Some(out)
}

/// The encoded bytes of one frame: borrowed when it is one fragment, joined otherwise.
pub fn frame_bytes<'a>(
    ds: &'a Dataset,
    elem: &'a Element,
    frames: &EncapsulatedFrames,
    index: usize,
) -> Result<Cow<'a, [u8]>> {
    let ElementValue::Encapsulated { fragments, .. } = &elem.value else {
        return Err(err("pixel data is not encapsulated".into()));
    };
    let range = frames.frames.get(index).ok_or_else(|| {
        err(format!(
            "frame {index} out of range ({} frames)",
            frames.frames.len()
        ))
    })?;
    let frags = fragments.get(range.clone()).unwrap_or(&[]);
    if frags.len() == 1 {
        return Ok(Cow::Borrowed(ds.fragment_bytes(&frags[0])));
    }
    let total: usize = frags.iter().map(|f| f.len).sum();
    let mut out = Vec::with_capacity(total);
    for f in frags {
        out.extend_from_slice(ds.fragment_bytes(f));
    }
    Ok(Cow::Owned(out))
}
