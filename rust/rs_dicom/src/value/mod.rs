//! Typed, lazy value decoding: text (with character sets), numbers, tags.

pub mod charset;
