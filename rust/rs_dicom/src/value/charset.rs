//! Specific Character Set (0008,0005) decoding. PLACEHOLDER: being written.

use crate::core::VR;

/// A parsed Specific Character Set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CharacterSet {
    terms: Vec<String>,
}

impl CharacterSet {
    /// Parses the raw value of (0008,0005) (backslash-separated defined terms, padded).
    pub fn from_value(raw: &[u8]) -> CharacterSet {
        let s = String::from_utf8_lossy(raw);
        CharacterSet {
            terms: s.split('\\').map(|t| t.trim().to_string()).collect(),
        }
    }

    /// Decodes a text value of the given VR (the whole value, backslashes included).
    pub fn decode(&self, bytes: &[u8], _vr: VR) -> String {
        bytes.iter().map(|&b| b as char).collect()
    }
}
