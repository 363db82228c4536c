//! Base64 (RFC 4648, standard alphabet), the encoding of `InlineBinary` values in the JSON
//! and XML models, through the `base64` crate. Reading is as lenient as the writers in the
//! wild need: white space is ignored (XML and MIME wrap lines), padding is optional, and a
//! text without padding may end with non-zero bits (Python's `b64decode` accepts both).

use base64::Engine;
use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

const WRITE: GeneralPurpose = base64::engine::general_purpose::STANDARD;

const READ: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// The base64 text of `bytes` (padded).
pub fn encode(bytes: &[u8]) -> String {
    WRITE.encode(bytes)
}

/// Appends the base64 text of `bytes` (padded) to `out`.
pub fn encode_to(bytes: &[u8], out: &mut String) {
    WRITE.encode_string(bytes, out);
}

/// The bytes of the base64 `text`; `Err(message)` naming the first character that is not
/// base64 (its index in `text`).
pub fn decode(text: &str) -> Result<Vec<u8>, String> {
    let squeezed;
    let (bytes, map): (&[u8], Option<Vec<usize>>) = if text.bytes().any(|b| b.is_ascii_whitespace())
    {
        // Keep where each kept character was, so that an error names its place in `text`.
        let kept: Vec<usize> = text
            .bytes()
            .enumerate()
            .filter(|(_, b)| !b.is_ascii_whitespace())
            .map(|(i, _)| i)
            .collect();
        squeezed = kept
            .iter()
            .map(|&i| text.as_bytes()[i])
            .collect::<Vec<u8>>();
        (&squeezed, Some(kept))
    } else {
        (text.as_bytes(), None)
    };
    READ.decode(bytes).map_err(|e| {
        let at = |i: usize| map.as_ref().and_then(|m| m.get(i).copied()).unwrap_or(i);
        match e {
            base64::DecodeError::InvalidByte(i, b) => {
                format!(
                    "base64: {:?} at character {} is not base64",
                    b as char,
                    at(i)
                )
            }
            base64::DecodeError::InvalidLength(n) => {
                format!("base64: the text ends inside a byte ({n} base64 characters)")
            }
            base64::DecodeError::InvalidLastSymbol(i, b) => {
                format!(
                    "base64: {:?} at character {} cannot end the text",
                    b as char,
                    at(i)
                )
            }
            base64::DecodeError::InvalidPadding => "base64: misplaced padding ('=')".into(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_rfc4648_vectors() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(plain.as_bytes()), coded);
            assert_eq!(decode(coded).unwrap(), plain.as_bytes());
        }
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(&encode(&all)).unwrap(), all);
        let mut s = String::from("x:");
        encode_to(b"fo", &mut s);
        assert_eq!(s, "x:Zm8=");
    }

    #[test]
    fn lenient_where_writers_differ_strict_elsewhere() {
        assert_eq!(decode("Zm9v\r\n YmFy").unwrap(), b"foobar");
        assert_eq!(decode("Zg").unwrap(), b"f");
        assert_eq!(decode("Zh==").unwrap(), b"f"); // trailing bits set, as Python accepts
        let e = decode("Zm9v\n!").unwrap_err();
        assert!(e.contains("'!' at character 5"), "{e}");
        assert!(decode("Z").is_err());
        assert!(decode("Zg==Zg").is_err());
    }
}
