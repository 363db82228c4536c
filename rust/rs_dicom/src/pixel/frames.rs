//! Encapsulated pixel data: fragments → frames (PS3.5 A.4), from the Extended or Basic
//! Offset Table, one fragment per frame, or codestream start markers.

use std::borrow::Cow;
use std::ops::Range;

use crate::core::{Dataset, Element, ElementValue, Fragment, Tag, VR};
use crate::error::{DicomError, ErrorKind, Result};

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

/// True when a fragment starts a codestream: JPEG/JPEG-LS SOI, JPEG 2000 SOC, or an RLE
/// header (1-15 segments, the first at offset 64: PS3.5 G.5).
pub(super) fn starts_codestream(b: &[u8]) -> bool {
    if b.len() >= 3 && b[0] == 0xFF && b[2] == 0xFF && (b[1] == 0xD8 || b[1] == 0x4F) {
        return true;
    }
    b.len() >= 64
        && matches!(u32::from_le_bytes([b[0], b[1], b[2], b[3]]), 1..=15)
        && u32::from_le_bytes([b[4], b[5], b[6], b[7]]) == 64
}

/// Item-header offsets of the fragments, relative to the first fragment's item header: each
/// fragment is an 8-byte item header and its bytes, one after the other.
fn header_offsets(fragments: &[Fragment]) -> Vec<usize> {
    let mut at = 0usize;
    fragments
        .iter()
        .map(|f| {
            let here = at;
            at = at.saturating_add(8).saturating_add(f.len);
            here
        })
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
        ..
    } = &elem.value
    else {
        return Err(err("pixel data is not encapsulated".into()));
    };
    let n_frames = n_frames.max(1);
    let bot: Vec<u32> = ds
        .byte_order()
        .values(ds.fragment_bytes(elem, offset_table))
        .collect();
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
        let offs: Vec<u64> = ds.byte_order().values(ds.bytes_of(eot)).collect();
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
        .filter(|&i| starts_codestream(ds.fragment_bytes(elem, &fragments[i])))
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
        return Ok(Cow::Borrowed(ds.fragment_bytes(elem, &frags[0])));
    }
    let total: usize = frags.iter().map(|f| f.len).sum();
    let mut out = Vec::with_capacity(total);
    for f in frags {
        out.extend_from_slice(ds.fragment_bytes(elem, f));
    }
    Ok(Cow::Owned(out))
}
