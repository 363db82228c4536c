//! Replacement values: dummies consistent with each VR (action D), dates moved by whole days
//! (the Modified Dates option), UIDs mapped value by value, and free text with known
//! identifiers blanked out (action C on descriptors).

use crate::core::VR;
use crate::value::calendar::{civil_from_days, days_from_civil};

/// The dummy text of string VRs (fits SH's 16 characters).
pub const DUMMY_TEXT: &str = "ANONYMIZED";

/// Pads `s` to an even length as the VR wants (NUL for UI, space otherwise).
pub fn padded(mut bytes: Vec<u8>, vr: VR) -> Vec<u8> {
    if !bytes.len().is_multiple_of(2) {
        bytes.push(if vr == VR::UI { 0 } else { b' ' });
    }
    bytes
}

/// A non-empty value consistent with `vr` that identifies nobody (`None` for SQ and for UI,
/// which are never given dummies: sequences are cleaned, UIDs mapped).
pub fn dummy(vr: VR) -> Option<Vec<u8>> {
    let text = |s: &str| Some(padded(s.as_bytes().to_vec(), vr));
    match vr {
        VR::AE | VR::CS => text("ANONYMIZED"),
        VR::AS => text("000D"),
        VR::DA => text("19000101"),
        VR::DT => text("19000101000000"),
        VR::TM => text("000000"),
        VR::DS | VR::IS => text("0"),
        VR::LO | VR::LT | VR::SH | VR::ST | VR::UT | VR::UC | VR::PN => text(DUMMY_TEXT),
        VR::UR => text("urn:anonymized"),
        VR::US | VR::SS => Some(vec![0; 2]),
        VR::UL | VR::SL | VR::FL | VR::AT => Some(vec![0; 4]),
        VR::FD | VR::SV | VR::UV => Some(vec![0; 8]),
        VR::SQ | VR::UI => None,
        _ => Some(vec![0; 2]),
    }
}

fn digits(s: &[u8]) -> Option<i64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// `date` (YYYY, YYYYMM or YYYYMMDD, or the old `YYYY.MM.DD`) moved by `days`, in the same
/// precision; `None` when it is not a date.
fn shift_date(date: &[u8], days: i64) -> Option<String> {
    let compact: Vec<u8> = if date.len() == 10 && date[4] == b'.' && date[7] == b'.' {
        [&date[..4], &date[5..7], &date[8..]].concat()
    } else {
        date.to_vec()
    };
    let (y, m, d) = match compact.len() {
        4 => (digits(&compact)?, 1, 1),
        6 => (digits(&compact[..4])?, digits(&compact[4..])?, 1),
        8 => (
            digits(&compact[..4])?,
            digits(&compact[4..6])?,
            digits(&compact[6..])?,
        ),
        _ => return None,
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let (y, m, d) = civil_from_days(days_from_civil(y, m, d) + days);
    if !(0..=9999).contains(&y) {
        return None;
    }
    Some(match compact.len() {
        4 => format!("{y:04}"),
        6 => format!("{y:04}{m:02}"),
        _ => format!("{y:04}{m:02}{d:02}"),
    })
}

/// A DA or DT value (possibly several, backslash-separated, or a range `A-B` of DA) with
/// each date moved by `days`; the time and offset of DT are kept. `None` when some part is
/// not a date (the caller then empties the value rather than keep what it cannot move).
pub fn shift_dates(value: &[u8], vr: VR, days: i64) -> Option<Vec<u8>> {
    let value = trim(value);
    let mut out = Vec::with_capacity(value.len());
    for (i, v) in value.split(|&b| b == b'\\').enumerate() {
        if i > 0 {
            out.push(b'\\');
        }
        let v = trim(v);
        if vr == VR::DA {
            for (j, part) in v.split(|&b| b == b'-').enumerate() {
                if j > 0 {
                    out.push(b'-');
                }
                if !part.is_empty() {
                    out.extend_from_slice(shift_date(part, days)?.as_bytes());
                }
            }
        } else {
            let n = v.iter().take_while(|b| b.is_ascii_digit()).count().min(8);
            let n = if n >= 8 {
                8
            } else if n >= 6 {
                6
            } else {
                4
            };
            let (date, rest) = v.split_at(n.min(v.len()));
            out.extend_from_slice(shift_date(date, days)?.as_bytes());
            out.extend_from_slice(rest);
        }
    }
    Some(padded(out, vr))
}

/// `value` without leading or trailing spaces and NULs.
pub fn trim(value: &[u8]) -> &[u8] {
    let start = value
        .iter()
        .position(|b| !matches!(b, b' ' | 0))
        .unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !matches!(b, b' ' | 0))
        .map_or(start, |e| e + 1);
    &value[start..end.max(start)]
}

/// Each UID of a UI value replaced by `map`.
pub fn map_uids(value: &[u8], map: impl Fn(&str) -> String) -> Vec<u8> {
    let text = String::from_utf8_lossy(trim(value));
    let mapped: Vec<String> = text
        .split('\\')
        .map(|u| {
            let u = u.trim_matches(|c: char| c == '\0' || c == ' ');
            if u.is_empty() { String::new() } else { map(u) }
        })
        .collect();
    padded(mapped.join("\\").into_bytes(), VR::UI)
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

/// `value` with every whole-word, case-insensitive occurrence of an identifier replaced by
/// asterisks of the same length (the value's length and character set are kept). Returns
/// `None` when nothing was found.
pub fn scrub(value: &[u8], identifiers: &[Vec<u8>]) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    for id in identifiers.iter().filter(|i| !i.is_empty()) {
        let hay = out.as_deref().unwrap_or(value);
        let mut hits = Vec::new();
        let mut i = 0;
        while i + id.len() <= hay.len() {
            let window = &hay[i..i + id.len()];
            let bounded = (i == 0 || !is_word(hay[i - 1]))
                && hay.get(i + id.len()).is_none_or(|&b| !is_word(b));
            if bounded && window.eq_ignore_ascii_case(id) {
                hits.push(i);
                i += id.len();
            } else {
                i += 1;
            }
        }
        if !hits.is_empty() {
            let mut v = hay.to_vec();
            for h in hits {
                v[h..h + id.len()].fill(b'*');
            }
            out = Some(v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_move_by_whole_days_and_keep_their_precision() {
        assert_eq!(
            shift_dates(b"20000301", VR::DA, -1),
            Some(b"20000229".to_vec())
        );
        assert_eq!(
            shift_dates(b"19991231", VR::DA, 1),
            Some(b"20000101".to_vec())
        );
        assert_eq!(
            shift_dates(b"20200115\\20200116", VR::DA, -10),
            Some(b"20200105\\20200106 ".to_vec())
        );
        assert_eq!(
            shift_dates(b"2000.03.01", VR::DA, -1),
            Some(b"20000229".to_vec())
        );
        assert_eq!(
            shift_dates(b"20200115-20200120", VR::DA, -15),
            Some(b"20191231-20200105 ".to_vec())
        );
        assert_eq!(
            shift_dates(b"20200101120000.5+0100", VR::DT, -1),
            Some(b"20191231120000.5+0100 ".to_vec())
        );
        assert_eq!(shift_dates(b"2020", VR::DT, -400), Some(b"2018".to_vec()));
        assert_eq!(shift_dates(b"20201345", VR::DA, 1), None);
        assert_eq!(shift_dates(b"not a date", VR::DA, 1), None);
        for days in [-3650, -1000, -1] {
            let z = days_from_civil(2021, 2, 28);
            assert_eq!(civil_from_days(z), (2021, 2, 28));
            let (y, m, d) = civil_from_days(z + days);
            assert_eq!(days_from_civil(y, m, d) - z, days);
        }
    }

    #[test]
    fn scrubbing_blanks_whole_words_only() {
        let ids = vec![b"DOE".to_vec(), b"JOHN".to_vec()];
        assert_eq!(
            scrub(b"Scan of John Doe, doe-eyed", &ids),
            Some(b"Scan of **** ***, ***-eyed".to_vec())
        );
        assert_eq!(scrub(b"Johnson", &ids), None);
    }

    #[test]
    fn dummies_fit_their_vr() {
        for vr in [
            VR::AE,
            VR::AS,
            VR::CS,
            VR::DA,
            VR::DT,
            VR::TM,
            VR::SH,
            VR::PN,
            VR::US,
        ] {
            let v = dummy(vr).unwrap_or_default();
            assert!(!v.is_empty() && v.len().is_multiple_of(2), "{vr:?}");
        }
        assert_eq!(
            map_uids(b"1.2\\1.3\0", |u| format!("9.{u}")),
            b"9.1.2\\9.1.3\0".to_vec()
        );
    }
}
