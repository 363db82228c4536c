//! Text to bytes in a Specific Character Set: the inverse of decoding, for values that are
//! assigned or written. UTF-8, GB18030 and GBK encode whole values; the single-byte sets
//! (ISO 8859 parts, TIS-620, JIS X 0201) encode through their decoding tables, and several
//! sets with ISO 2022 code extensions ([`super::encode2022`]). A character
//! the set cannot hold is an error naming it, so nothing is replaced silently.

use encoding_rs::{GB18030, GBK};

use super::encode2022::encode_iso2022;
use super::iso2022::{G0, G1};
use super::{CharacterSet, Scheme};

/// Why a text cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unencodable {
    /// The first character that does not fit.
    pub character: char,
    /// The character set (its defined terms, or "the default repertoire").
    pub charset: String,
}

impl CharacterSet {
    /// The bytes of `text` in this character set (no padding).
    pub fn encode(&self, text: &str) -> Result<Vec<u8>, Unencodable> {
        if text.is_ascii() {
            return Ok(text.as_bytes().to_vec());
        }
        let fail = |character| Unencodable {
            character,
            charset: if self.terms().is_empty() {
                "the default repertoire (no Specific Character Set)".into()
            } else {
                self.terms().join("\\")
            },
        };
        match self.scheme {
            Scheme::Utf8 => Ok(text.as_bytes().to_vec()),
            Scheme::Gb18030 | Scheme::Gbk => {
                let enc = if self.scheme == Scheme::Gb18030 {
                    GB18030
                } else {
                    GBK
                };
                let (bytes, _, unmappable) = enc.encode(text);
                if unmappable {
                    let bad = text
                        .chars()
                        .find(|c| enc.encode(&c.to_string()).2)
                        .unwrap_or('\u{FFFD}');
                    return Err(fail(bad));
                }
                Ok(bytes.into_owned())
            }
            Scheme::Iso2022(state) => {
                let one_term = self.terms.len() <= 1;
                let table = match (state.g0, state.g1) {
                    (G0::Ascii, G1::Single(set)) if one_term => set.table(),
                    // Code extensions: escape sequences switch between the terms' sets.
                    _ => return encode_iso2022(text, state, &self.terms).map_err(fail),
                };
                let mut out = Vec::with_capacity(text.len());
                for c in text.chars() {
                    if c.is_ascii() {
                        out.push(c as u8);
                        continue;
                    }
                    let i = table.iter().position(|&t| t == c).ok_or_else(|| fail(c))?;
                    out.push(0x80 + i as u8);
                }
                Ok(out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::CharacterSet;

    fn round_trip(charset: &[u8], text: &str) {
        let cs = CharacterSet::from_value(charset);
        let bytes = cs.encode(text).unwrap();
        assert_eq!(cs.decode(&bytes, crate::core::VR::LO), text);
    }

    #[test]
    fn encodes_what_it_decodes() {
        round_trip(b"ISO_IR 100", "Müller^Jürgen");
        round_trip(b"ISO_IR 144", "Иванов^Иван");
        round_trip(b"ISO_IR 192", "王^小東=Wang");
        round_trip(b"GB18030", "王^小东");
        round_trip(b"", "Plain ASCII");
        round_trip(b"", "Ärzte");
    }

    #[test]
    fn a_character_the_set_lacks_is_named() {
        let cs = CharacterSet::from_value(b"ISO_IR 100");
        let err = cs.encode("Иван").unwrap_err();
        assert_eq!(err.character, 'И');
        assert_eq!(err.charset, "ISO_IR 100");
    }
}
