//! Encoded frames → an encapsulated Pixel Data value (PS3.5 A.4): one fragment per frame,
//! padded to an even length, with a Basic Offset Table — or an empty one and an Extended
//! Offset Table with its lengths (PS3.3 C.7.6.3.1.8) when asked, or when an offset does not
//! fit the Basic table's 32 bits.

use crate::core::{ElementValue, Tag};
use crate::writer::encapsulate;

/// An encapsulated Pixel Data value and, when used, the Extended Offset Table and its
/// lengths (little-endian 64-bit values, as (7FE0,0001) and (7FE0,0002) hold them).
#[derive(Debug, Clone)]
pub struct EncapsulatedValue {
    /// The Pixel Data (7FE0,0010) value.
    pub value: ElementValue,
    /// Extended Offset Table (7FE0,0001) and Extended Offset Table Lengths (7FE0,0002).
    pub extended: Option<(Vec<u8>, Vec<u8>)>,
}

impl EncapsulatedValue {
    /// The tags the extended table is written as.
    pub const EXTENDED_TAGS: [Tag; 2] = [
        Tag::EXTENDED_OFFSET_TABLE,
        Tag::EXTENDED_OFFSET_TABLE_LENGTHS,
    ];
}

/// Encapsulates `frames` (one fragment each). `extended` asks for an Extended Offset Table
/// (pydicom's `encapsulate_ext=True`); it is used anyway when the last frame starts 4 GiB or
/// more after the first, where a Basic Offset Table cannot point.
pub fn encapsulate_frames<F: AsRef<[u8]>>(frames: &[F], extended: bool) -> EncapsulatedValue {
    let mut offsets = Vec::with_capacity(frames.len());
    let mut lengths = Vec::with_capacity(frames.len());
    let mut at = 0u64;
    for f in frames {
        let len = f.as_ref().len() as u64;
        let padded = len + len % 2;
        offsets.push(at);
        lengths.push(padded);
        at += 8 + padded;
    }
    let too_far = offsets.last().is_some_and(|&o| o > u64::from(u32::MAX));
    let use_extended = extended || too_far;
    let slices: Vec<&[u8]> = frames.iter().map(AsRef::as_ref).collect();
    let value = encapsulate(&slices, !use_extended);
    let extended = use_extended.then(|| {
        let table = offsets.iter().flat_map(|o| o.to_le_bytes()).collect();
        let lens = lengths.iter().flat_map(|l| l.to_le_bytes()).collect();
        (table, lens)
    });
    EncapsulatedValue { value, extended }
}
