//! Text to bytes with ISO 2022 code extensions (PS3.5 6.1.2.5), the inverse of
//! [`super::iso2022::decode_iso2022`]: each character goes into the set in use when that set
//! has it, else into the first set of the Specific Character Set's terms that has it, after
//! the escape sequence that designates that set (as pydicom chooses). G0 returns to ASCII
//! before any ASCII character and at the end of the value, as the decoders of pydicom and
//! DCMTK expect.

use super::iso2022::{G0, G1, State};
use super::tables::{DoubleByte, SingleByte};
use super::{ESC, term_key};

/// A set that a defined term designates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Set {
    G0(G0),
    G1(G1),
}

/// The set a defined term designates with code extensions, if it has one.
fn designation(term: &str) -> Option<Set> {
    let key = term_key(term);
    Some(match key.as_str() {
        "" | "6" => Set::G0(G0::Ascii),
        "13" => Set::G1(G1::Katakana),
        "87" => Set::G0(G0::Double(DoubleByte::JisX0208)),
        "159" => Set::G0(G0::Double(DoubleByte::JisX0212)),
        "149" => Set::G1(G1::Double(DoubleByte::KsX1001)),
        "58" => Set::G1(G1::Double(DoubleByte::Gb2312)),
        _ => {
            let g1 = super::parse_term(term)?;
            match g1 {
                super::Scheme::Iso2022(State {
                    g1: G1::Single(set),
                    ..
                }) => Set::G1(G1::Single(set)),
                _ => return None,
            }
        }
    })
}

/// The escape sequence (after ESC) that designates `set`.
fn escape(set: Set) -> Vec<u8> {
    match set {
        Set::G0(G0::Ascii) => b"(B".to_vec(),
        Set::G0(G0::Double(DoubleByte::JisX0212)) => b"$(D".to_vec(),
        Set::G0(G0::Double(_)) => b"$B".to_vec(),
        Set::G1(G1::Katakana) => b")I".to_vec(),
        Set::G1(G1::Double(DoubleByte::Gb2312)) => b"$)A".to_vec(),
        Set::G1(G1::Double(_)) => b"$)C".to_vec(),
        Set::G1(G1::Single(s)) => vec![b'-', s.final_byte()],
        Set::G1(G1::Invalid) => Vec::new(),
    }
}

/// The bytes of `c` in `set`, if the set has it.
fn bytes_in(set: Set, c: char) -> Option<Vec<u8>> {
    match set {
        Set::G0(G0::Ascii) => c.is_ascii().then(|| vec![c as u8]),
        Set::G0(G0::Double(db)) => db.find(c).map(|(r, k)| vec![0x21 + r, 0x21 + k]),
        Set::G1(G1::Double(db)) => db.find(c).map(|(r, k)| vec![0xA1 + r, 0xA1 + k]),
        Set::G1(G1::Single(s)) => single(s, c).map(|b| vec![b]),
        Set::G1(G1::Katakana) => {
            let u = u32::from(c);
            (0xFF61..=0xFF9F)
                .contains(&u)
                .then(|| vec![0xA1 + (u - 0xFF61) as u8])
        }
        Set::G1(G1::Invalid) => None,
    }
}

fn single(set: SingleByte, c: char) -> Option<u8> {
    let i = set.table().iter().position(|&t| t == c)?;
    Some(0x80 + i as u8)
}

/// Bytes after which a decoder may return to the initial sets (for some VR).
fn may_reset(b: u8) -> bool {
    matches!(b, b'\r' | b'\n' | 0x0C | b'\t' | b'^' | b'=' | b'\\')
}

/// Encodes `text` starting from `initial` with the sets the `terms` designate; `Err(c)` for
/// the first character none of them has.
pub(super) fn encode_iso2022(
    text: &str,
    initial: State,
    terms: &[String],
) -> Result<Vec<u8>, char> {
    let sets: Vec<Set> = terms.iter().filter_map(|t| designation(t)).collect();
    let mut out = Vec::with_capacity(text.len() * 2);
    let mut g0 = G0::Ascii;
    // `None`: a delimiter may have returned the decoder's G1 to its initial set, or not
    // (that depends on the VR), so the next G1 character designates its set again.
    let mut g1 = Some(initial.g1);
    for c in text.chars() {
        if c.is_ascii() {
            if g0 != G0::Ascii {
                out.push(ESC);
                out.extend_from_slice(b"(B");
                g0 = G0::Ascii;
            }
            out.push(c as u8);
            if may_reset(c as u8) {
                g1 = None;
            }
            continue;
        }
        let current = [g1.map(Set::G1), Some(Set::G0(g0))];
        if let Some(b) = current.iter().flatten().find_map(|&s| bytes_in(s, c)) {
            out.extend_from_slice(&b);
            continue;
        }
        let candidates = std::iter::once(Set::G1(initial.g1)).chain(sets.iter().copied());
        let (set, b) = candidates
            .filter(|s| !matches!(s, Set::G0(G0::Ascii)))
            .find_map(|s| bytes_in(s, c).map(|b| (s, b)))
            .ok_or(c)?;
        out.push(ESC);
        out.extend_from_slice(&escape(set));
        match set {
            Set::G0(s) => g0 = s,
            Set::G1(s) => g1 = Some(s),
        }
        out.extend_from_slice(&b);
    }
    if g0 != G0::Ascii {
        out.push(ESC);
        out.extend_from_slice(b"(B");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::CharacterSet;
    use crate::core::VR;

    fn round_trip(charset: &[u8], text: &str, vr: VR) -> Vec<u8> {
        let cs = CharacterSet::from_value(charset);
        let bytes = cs.encode(text).unwrap();
        assert_eq!(cs.decode(&bytes, vr), text, "{charset:?}");
        bytes
    }

    #[test]
    fn japanese_korean_chinese_and_single_byte_extensions() {
        // PS3.5 H.3.1 / I.2 / K examples (the bytes pydicom writes).
        let bytes = round_trip(
            b"\\ISO 2022 IR 87",
            "Yamada^Tarou=山田^太郎=やまだ^たろう",
            VR::PN,
        );
        assert_eq!(
            bytes,
            b"Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B=\x1b$B$d$^$@\x1b(B^\x1b$B$?$m$&\x1b(B"
        );
        let bytes = round_trip(
            b"ISO 2022 IR 13\\ISO 2022 IR 87",
            "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう",
            VR::PN,
        );
        assert!(bytes.starts_with(b"\xd4\xcf\xc0\xde^"), "{bytes:?}");
        round_trip(b"\\ISO 2022 IR 149", "Hong^Gildong=洪^吉洞=홍^길동", VR::PN);
        round_trip(b"\\ISO 2022 IR 58", "Zhang^XiaoDong=张^小东=", VR::PN);
        round_trip(
            b"ISO 2022 IR 100\\ISO 2022 IR 144",
            "Müller Иван\\Ärzte",
            VR::LO,
        );
        // A JIS X 0212 character (not in JIS X 0208): row 16, cell 1.
        let supplement = super::DoubleByte::JisX0212.lookup(15, 0).unwrap();
        assert!(super::DoubleByte::JisX0208.find(supplement).is_none());
        let text = format!("山田\\{supplement}");
        let bytes = round_trip(b"\\ISO 2022 IR 87\\ISO 2022 IR 159", &text, VR::LO);
        assert!(bytes.windows(4).any(|w| w == b"\x1b$(D"), "{bytes:?}");
        round_trip(b"\\ISO 2022 IR 87", "line 1 山\r\n田", VR::LT);
    }

    #[test]
    fn a_character_no_term_has_is_named() {
        let cs = CharacterSet::from_value(b"\\ISO 2022 IR 87");
        assert_eq!(cs.encode("山Ω한").unwrap_err().character, '한');
    }
}
