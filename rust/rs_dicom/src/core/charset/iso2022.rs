//! The ISO 2022 code extension state machine (PS3.5 6.1.2.5): G0/G1 designations by escape
//! sequences, resets at delimiters.

use super::tables::{DoubleByte, SingleByte};
use super::{DB_SIZE, ESC, REPLACEMENT};
use crate::core::VR;

/// The set invoked for bytes 0x21–0x7E.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum G0 {
    /// ISO 646 (IR 6), also used for JIS X 0201 Roman (IR 14) as pydicom does.
    Ascii,
    /// A 94×94 set: bytes pair up.
    Double(DoubleByte),
}

/// The set invoked for bytes 0x80–0xFF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum G1 {
    /// A 96-character single-byte set.
    Single(SingleByte),
    /// JIS X 0201 katakana (IR 13), decoded like Python's `shift_jis`.
    Katakana,
    /// A 94×94 set in G1 (EUC style: both bytes 0xA1–0xFE).
    Double(DoubleByte),
    /// Nothing designated (the first term was IR 87 or IR 159): every byte is invalid.
    Invalid,
}

/// The designations in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct State {
    pub(super) g0: G0,
    pub(super) g1: G1,
}

impl State {
    /// ISO_IR 6 as pydicom reads it: ASCII plus Latin-1.
    pub(super) const DEFAULT: State = State {
        g0: G0::Ascii,
        g1: G1::Single(SingleByte::Latin1),
    };

    /// ASCII in G0 and `g1` in G1.
    pub(super) const fn with_g1(g1: G1) -> State {
        State { g0: G0::Ascii, g1 }
    }
}

/// A designation made by an escape sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Designation {
    G0(G0),
    G1(G1),
}

/// Parses the escape sequence following an ESC byte: its length (without ESC) and effect.
pub(super) fn parse_escape(rest: &[u8]) -> Option<(usize, Designation)> {
    use Designation as D;
    Some(match rest {
        [b'(', b'B' | b'J', ..] => (2, D::G0(G0::Ascii)),
        [b'$', b'B' | b'@', ..] => (2, D::G0(G0::Double(DoubleByte::JisX0208))),
        [b'$', b'(', b'B' | b'@', ..] => (3, D::G0(G0::Double(DoubleByte::JisX0208))),
        [b'$', b'(', b'D', ..] => (3, D::G0(G0::Double(DoubleByte::JisX0212))),
        [b')', b'I', ..] => (2, D::G1(G1::Katakana)),
        [b'$', b')', b'C', ..] => (3, D::G1(G1::Double(DoubleByte::KsX1001))),
        [b'$', b')', b'A', ..] => (3, D::G1(G1::Double(DoubleByte::Gb2312))),
        [b'-', f, ..] => (2, D::G1(G1::Single(SingleByte::from_final(*f)?))),
        _ => return None,
    })
}

/// Which bytes return the state to the initial designations (PS3.5 6.1.2.5.3).
#[derive(Debug, Clone, Copy)]
pub(super) struct Delimiters {
    /// `^` and `=` (PN).
    person_name: bool,
    /// `\` (multi-valued VRs).
    backslash: bool,
}

impl Delimiters {
    /// The delimiters of a VR.
    pub(super) fn for_vr(vr: VR) -> Delimiters {
        Delimiters {
            person_name: vr == VR::PN,
            backslash: matches!(vr, VR::SH | VR::LO | VR::UC | VR::PN),
        }
    }

    /// True if the single byte `b` resets the state.
    pub(super) fn resets(self, b: u8) -> bool {
        match b {
            b'\r' | b'\n' | 0x0C | b'\t' => true,
            b'^' | b'=' => self.person_name,
            b'\\' => self.backslash,
            _ => false,
        }
    }
}

/// Converts a Shift_JIS double-byte code to a zero-based JIS X 0208 row and cell.
pub(super) fn sjis_to_jis(lead: u8, trail: u8) -> Option<(usize, usize)> {
    let lead_index = match lead {
        0x81..=0x9F => lead - 0x81,
        0xE0..=0xEF => lead - 0xC1,
        _ => return None,
    };
    let trail_index = match trail {
        0x40..=0x7E => trail - 0x40,
        0x80..=0xFC => trail - 0x41,
        _ => return None,
    };
    let row = usize::from(lead_index) * 2 + usize::from(trail_index >= DB_SIZE as u8);
    Some((row, usize::from(trail_index) % DB_SIZE))
}

/// Decodes a value in the ISO 2022 scheme starting from `initial`.
pub(super) fn decode_iso2022(bytes: &[u8], initial: State, delimiters: Delimiters) -> String {
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 2);
    if let (G0::Ascii, G1::Single(set)) = (initial.g0, initial.g1)
        && !bytes.contains(&ESC)
    {
        // No escape sequence, so the state never changes: a plain table lookup.
        let table = set.table();
        out.extend(bytes.iter().map(|&b| match b {
            0..0x80 => char::from(b),
            _ => table[usize::from(b - 0x80)],
        }));
        return out;
    }
    let mut state = initial;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let next = bytes.get(i + 1).copied();
        if b == ESC {
            match parse_escape(&bytes[i + 1..]) {
                Some((len, Designation::G0(g0))) => {
                    state.g0 = g0;
                    i += 1 + len;
                }
                Some((len, Designation::G1(g1))) => {
                    state.g1 = g1;
                    i += 1 + len;
                }
                None => {
                    // As pydicom: kept literally, and what follows reads in the initial sets.
                    out.push('\u{1B}');
                    state = initial;
                    i += 1;
                }
            }
            continue;
        }
        if b < 0x80 {
            if let G0::Double(set) = state.g0
                && let (0x21..=0x7E, Some(n @ 0x21..=0x7E)) = (b, next)
            {
                let c = set.lookup(usize::from(b - 0x21), usize::from(n - 0x21));
                out.push(c.unwrap_or(REPLACEMENT));
                i += 2;
                continue;
            }
            // Otherwise (ASCII in G0, or controls, SPACE, DEL and unpaired bytes in a
            // two-byte G0) the byte reads as ASCII.
            if delimiters.resets(b) {
                state = initial;
            }
            out.push(char::from(b));
            i += 1;
            continue;
        }
        match state.g1 {
            G1::Single(set) => {
                out.push(set.table()[usize::from(b - 0x80)]);
                i += 1;
            }
            G1::Double(set) => match (b, next) {
                (0xA1..=0xFE, Some(n @ 0xA1..=0xFE)) => {
                    let c = set.lookup(usize::from(b - 0xA1), usize::from(n - 0xA1));
                    out.push(c.unwrap_or(REPLACEMENT));
                    i += 2;
                }
                _ => {
                    out.push(REPLACEMENT);
                    i += 1;
                }
            },
            G1::Katakana => {
                if (0xA1..=0xDF).contains(&b) {
                    out.push(char::from_u32(0xFF61 + u32::from(b - 0xA1)).unwrap_or(REPLACEMENT));
                    i += 1;
                } else if let Some(c) = next
                    .and_then(|n| sjis_to_jis(b, n))
                    .and_then(|(row, cell)| DoubleByte::JisX0208.lookup(row, cell))
                {
                    // A Shift_JIS double-byte character, as Python's shift_jis reads it.
                    out.push(c);
                    i += 2;
                } else {
                    // Only the lead byte is consumed, as in Python's shift_jis.
                    out.push(REPLACEMENT);
                    i += 1;
                }
            }
            G1::Invalid => {
                out.push(REPLACEMENT);
                i += 1;
            }
        }
    }
    out
}

/// Latin-1: each byte is the code point of the same value.
pub(super) fn decode_latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}
