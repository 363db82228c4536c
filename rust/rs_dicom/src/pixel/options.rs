//! What to decode: which frames, colour conversion and limits.

use std::ops::Range;

use crate::core::Limits;

/// Which frames to decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frames {
    /// Every frame, shaped as pydicom's `pixel_array` (a frame axis only when the image has
    /// more than one frame).
    All,
    /// One frame, without a frame axis.
    One(usize),
    /// A run of frames, always with a frame axis.
    Range(Range<usize>),
}

/// How to decode.
#[derive(Debug, Clone, Copy)]
pub struct DecodeOptions {
    /// Convert YBR_FULL / YBR_FULL_422 8-bit colour to RGB (pydicom's `as_rgb`).
    pub as_rgb: bool,
    /// Bounds on frames and decoded size.
    pub limits: Limits,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            as_rgb: true,
            limits: Limits::DEFAULT,
        }
    }
}
