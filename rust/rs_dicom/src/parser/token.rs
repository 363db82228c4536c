//! The tokens of the streaming reader, and what it knows of tags before it reads a value.

use crate::core::{Tag, VR};
use crate::dictionary;

/// One token of the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// A word-sized tag keeps every field at an aligned offset: with the default layout the fields
// start right after a one-byte tag, each token move is two overlapping 16-byte copies, and
// reading it back stalls on store forwarding (most of the tokenizer's time in a profile).
#[repr(u64)]
pub enum Token {
    /// A non-sequence element whose value is `value_offset..value_offset + length`.
    Element {
        /// Tag.
        tag: Tag,
        /// VR (explicit, or from the dictionary).
        vr: VR,
        /// Offset of the element header.
        offset: usize,
        /// Offset of the value.
        value_offset: usize,
        /// Value length.
        length: u32,
    },
    /// A sequence begins; items follow until the matching `SequenceEnd`.
    SequenceStart {
        /// Tag.
        tag: Tag,
        /// VR as encoded (SQ, or UN for a UN sequence).
        vr: VR,
        /// Offset of the element header.
        offset: usize,
        /// Encoded length; `None` when undefined.
        length: Option<u32>,
    },
    /// An item begins; its elements follow until `ItemEnd`.
    ItemStart {
        /// Offset of the item header.
        offset: usize,
        /// Encoded length; `None` when undefined.
        length: Option<u32>,
    },
    /// The current item ends.
    ItemEnd,
    /// The current sequence ends.
    SequenceEnd,
    /// Encapsulated pixel data begins (undefined length, non-SQ); `Fragment`s follow.
    EncapsulatedStart {
        /// Tag.
        tag: Tag,
        /// VR as encoded.
        vr: VR,
        /// Offset of the element header.
        offset: usize,
        /// Offset of the value (the first item header).
        value_offset: usize,
    },
    /// One item of encapsulated data: the first is the Basic Offset Table.
    Fragment {
        /// Offset of the fragment's bytes (after its item header).
        offset: usize,
        /// Length.
        length: u32,
    },
    /// Encapsulated data ends.
    EncapsulatedEnd,
    /// The data ends inside the value of the top-level pixel data element (after an
    /// `EncapsulatedStart` when it is encapsulated): the stream ends here, and
    /// [`ElementReader::take_truncation`] gives the error for when the pixels are used.
    Truncated {
        /// Tag.
        tag: Tag,
        /// VR as encoded.
        vr: VR,
        /// Offset of the element header.
        offset: usize,
        /// Offset of the value.
        value_offset: usize,
        /// The encoded length (None when undefined).
        length: Option<u32>,
    },
}

/// True if two bytes look like an explicit VR (two upper-case ASCII letters).
pub fn looks_like_vr(b: &[u8]) -> bool {
    b.len() >= 2 && b[0].is_ascii_uppercase() && b[1].is_ascii_uppercase()
}

pub(super) fn is_pixel_data(tag: Tag) -> bool {
    matches!(
        tag,
        Tag::PIXEL_DATA | Tag::FLOAT_PIXEL_DATA | Tag::DOUBLE_FLOAT_PIXEL_DATA
    )
}

pub(super) fn tag_is_pixel_like(tag: Tag) -> bool {
    matches!(tag, Tag::PIXEL_DATA) || (tag.0 & 0xFF00 == 0x6000 && tag.1 == 0x3000)
}

pub(super) fn dictionary_says_sq(tag: Tag) -> bool {
    !tag.is_private() && dictionary::by_tag(tag).is_some_and(|e| e.vrs.first() == Some(&VR::SQ))
}
