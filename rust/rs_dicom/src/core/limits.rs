//! The limits that keep hostile input from costing more than it should: nesting depth, value
//! lengths, frame counts, decoded and inflated sizes. Reading and decoding apply them;
//! scanning and networking tighten them.

/// Upper bounds on what a file may make the reader do. A length field is a claim: these
/// bound what any claim can cost, whatever the file says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of sequences accepted (real files rarely exceed 10).
    pub max_depth: usize,
    /// Longest value accepted, in bytes (a longer defined length is an error).
    pub max_value_length: u64,
    /// Most frames a pixel data element may claim (Number of Frames).
    pub max_frames: u32,
    /// Most bytes one decode may produce (all frames asked for together).
    pub max_decoded_bytes: u64,
    /// Largest ratio of decoded to encoded bytes for compressed frames; real codestreams stay
    /// far below it (a blank 512x512 16-bit JPEG 2000 frame is ~2,600:1).
    pub max_expansion: u64,
    /// Decoded bytes always allowed, whatever the ratio.
    pub min_output_allowed: u64,
    /// Largest ratio of inflated to deflated bytes for Deflated Explicit VR Little Endian:
    /// deflate allows ~1032:1, real deflated DICOM stays far below 128:1.
    pub max_inflate_ratio: u64,
    /// Inflated bytes always allowed, whatever the ratio.
    pub min_inflate_allowed: u64,
}

impl Limits {
    /// The defaults: generous for real files, bounded for hostile ones.
    pub const DEFAULT: Limits = Limits {
        max_depth: 64,
        max_value_length: u32::MAX as u64,
        max_frames: u32::MAX,
        max_decoded_bytes: u64::MAX,
        max_expansion: 8192,
        min_output_allowed: 64 << 20,
        max_inflate_ratio: 128,
        min_inflate_allowed: 64 << 20,
    };

    /// The most bytes frames encoded in `encoded` bytes may decode to.
    pub fn decoded_allowed(&self, encoded: u64) -> u64 {
        encoded
            .saturating_mul(self.max_expansion)
            .max(self.min_output_allowed)
            .min(self.max_decoded_bytes)
    }

    /// The most bytes `deflated` bytes may inflate to.
    pub fn inflate_allowed(&self, deflated: u64) -> u64 {
        deflated
            .saturating_mul(self.max_inflate_ratio)
            .max(self.min_inflate_allowed)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}
