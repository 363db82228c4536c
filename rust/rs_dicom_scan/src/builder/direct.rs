//! Rows from a header walk ([`crate::walk`]): values go from the file's bytes into the
//! builders with no dataset, element or `String` per value in between. Only the cases where
//! the result is plainly that of [`crate::values::cell`] are taken: text that is ASCII with no
//! escape (which every character set decodes to itself), and numbers written with the VRs
//! their column expects; [`BatchBuilder::direct_fits`] says whether a row qualifies, before
//! anything is appended.

use rs_dicom::VR;
use rs_dicom::value::{parse_ds, parse_is};

use super::{BatchBuilder, ColumnBuilder, Push, Slot};
use crate::columns::{Column, Kind};
use crate::datetime;
use crate::walk::Span;

/// Whether every character set decodes the bytes to themselves: ASCII without ISO 2022
/// escapes.
fn is_plain(b: &[u8]) -> bool {
    b.is_ascii() && !b.contains(&0x1B)
}

/// Plain text (see [`is_plain`]) as `str`.
fn plain(b: &[u8]) -> Option<&str> {
    if is_plain(b) {
        std::str::from_utf8(b).ok()
    } else {
        None
    }
}

/// Text that [`fits`] checked is plain, as `str`.
fn checked(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or("")
}

fn is_text_vr(vr: VR) -> bool {
    use VR::*;
    matches!(
        vr,
        AE | AS | CS | DA | DT | LO | LT | PN | SH | ST | TM | UC | UI | UR | UT
    )
}

#[derive(Clone, Copy)]
enum Strip {
    None,
    NulSpace,
    White,
    Equals,
}

fn rstrip_nul_space(s: &str) -> &str {
    s.trim_end_matches(['\0', ' '])
}

/// The values of text of VR `vr`, split and stripped as `rs_dicom::value::text_values` does.
fn text_values(vr: VR, s: &str) -> impl Iterator<Item = &str> + Clone {
    let (body, split, strip) = match vr {
        VR::PN => {
            let end = s
                .bytes()
                .rposition(|c| c != 0 && c != b' ')
                .map_or(0, |p| p + 1);
            (&s[..end], true, Strip::Equals)
        }
        VR::AE => (s, true, Strip::White),
        VR::LT | VR::ST | VR::UT => (rstrip_nul_space(s), false, Strip::None),
        VR::UR => (s.trim_end(), false, Strip::None),
        VR::SH | VR::LO | VR::UC => (s, true, Strip::NulSpace),
        _ => (rstrip_nul_space(s), true, Strip::None),
    };
    body.splitn(if split { usize::MAX } else { 1 }, '\\')
        .map(move |v| match strip {
            Strip::None => v,
            Strip::NulSpace => rstrip_nul_space(v),
            Strip::White => v.trim(),
            Strip::Equals => v.trim_end_matches('='),
        })
}

fn white(c: &u8) -> bool {
    matches!(c, b'\t'..=b'\r' | b' ')
}

fn trim_white(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|c| !white(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !white(c)).map_or(start, |p| p + 1);
    &b[start..end]
}

/// DS values as `rs_dicom::value::decode` reads ASCII DS, then as the float column takes them.
fn ds_values(b: &[u8]) -> impl Iterator<Item = Option<f64>> + '_ {
    trim_white(b).split(|&c| c == b'\\').map(|v| {
        let t = std::str::from_utf8(trim_white(v)).unwrap_or("");
        match t.parse::<f64>() {
            Ok(f) if !t.is_empty() => Some(f),
            _ => parse_ds(std::str::from_utf8(v).unwrap_or("")),
        }
    })
}

fn binary_ints(vr: VR, b: &[u8]) -> impl Iterator<Item = Option<i64>> + '_ {
    let size = if matches!(vr, VR::US | VR::SS) { 2 } else { 4 };
    b.chunks_exact(size).map(move |c| {
        Some(match vr {
            VR::US => i64::from(u16::from_le_bytes([c[0], c[1]])),
            VR::SS => i64::from(i16::from_le_bytes([c[0], c[1]])),
            VR::UL => i64::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            _ => i64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        })
    })
}

/// The first non-empty text value (the fixed UID columns), if the bytes are plain text.
pub(crate) fn first_text(vr: VR, b: &[u8]) -> Option<Option<&str>> {
    if !is_text_vr(vr) {
        return None;
    }
    let s = plain(b)?;
    if b.is_empty() {
        return Some(None);
    }
    Some(text_values(vr, s).next().filter(|v| !v.is_empty()))
}

/// Whether a column's cell from `b` (VR `vr`) is one this module builds.
fn fits(col: &Column, vr: VR, b: &[u8]) -> bool {
    match col.kind {
        Kind::Binary => true,
        Kind::Text | Kind::Date | Kind::Time | Kind::DateTime => is_text_vr(vr) && is_plain(b),
        Kind::Float => match vr {
            VR::DS => b.is_ascii(),
            VR::FL | VR::FD => true,
            _ => false,
        },
        Kind::Int => match vr {
            VR::IS => b.is_ascii(),
            VR::US | VR::SS | VR::UL | VR::SL => true,
            _ => false,
        },
        Kind::UInt => false,
    }
}

impl<B: Push> Slot<B> {
    /// Appends a row's values (the first only in a scalar column), with no `Vec` between.
    fn each(&mut self, mut vals: impl Iterator<Item = Option<B::Item>>) {
        match self {
            Slot::One(b) => b.push(vals.next().flatten()),
            Slot::Many(l) => {
                for v in vals {
                    l.values().push(v);
                }
                l.append(true);
            }
        }
    }
}

fn parsed<'a>(
    vr: VR,
    b: &'a [u8],
    parse: impl Fn(&str) -> Option<i64> + 'a,
) -> impl Iterator<Item = Option<i64>> + 'a {
    let s = (!b.is_empty()).then(|| checked(b));
    s.into_iter()
        .flat_map(move |s| text_values(vr, s))
        .map(parse)
}

impl ColumnBuilder {
    /// Appends the cell of `b` (VR `vr`), which [`fits`] the column.
    fn direct(&mut self, list: bool, vr: VR, b: &[u8], scratch: &mut String) {
        match self {
            Self::Binary(builder) => builder.append_value(b),
            Self::Text(slot) => text(slot, list, vr, b, scratch),
            Self::Float(slot) => match vr {
                VR::DS if !b.is_empty() => slot.each(ds_values(b)),
                VR::FL => slot.each(
                    b.chunks_exact(4)
                        .map(|c| Some(f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])))),
                ),
                VR::FD => slot.each(b.chunks_exact(8).map(|c| {
                    let mut a = [0u8; 8];
                    a.copy_from_slice(c);
                    Some(f64::from_le_bytes(a))
                })),
                _ => slot.each(std::iter::empty()),
            },
            Self::Int(slot) => match vr {
                VR::IS if !b.is_empty() => {
                    let s = rstrip_nul_space(std::str::from_utf8(b).unwrap_or(""));
                    slot.each(s.split('\\').map(parse_is));
                }
                VR::IS => slot.each(std::iter::empty()),
                _ => slot.each(binary_ints(vr, b)),
            },
            Self::Date(slot) => slot.each(
                parsed(vr, b, |s| datetime::date(s).map(i64::from))
                    .map(|d| d.and_then(|d| i32::try_from(d).ok())),
            ),
            Self::Time(slot) => slot.each(parsed(vr, b, datetime::time)),
            Self::DateTime(slot) => slot.each(parsed(vr, b, datetime::datetime)),
            Self::UInt(slot) => slot.null(),
        }
    }
}

/// Text into a string column: a scalar column keeps several values joined by `\`.
fn text(
    slot: &mut Slot<arrow_array::builder::StringBuilder>,
    list: bool,
    vr: VR,
    b: &[u8],
    scratch: &mut String,
) {
    let values = (!b.is_empty()).then(|| text_values(vr, checked(b)));
    match slot {
        Slot::Many(l) => {
            for v in values.into_iter().flatten() {
                l.values().append_value(v);
            }
            l.append(true);
        }
        Slot::One(builder) => match values {
            None => builder.append_null(),
            Some(mut vals) => {
                let first = vals.next().unwrap_or("");
                if list || vals.clone().next().is_none() {
                    builder.append_value(first);
                } else {
                    scratch.clear();
                    scratch.push_str(first);
                    for v in vals {
                        scratch.push('\\');
                        scratch.push_str(v);
                    }
                    builder.append_value(scratch.as_str());
                }
            }
        },
    }
}

impl BatchBuilder<'_> {
    /// Appends a row from a walk's cells (checked by [`Self::direct_fits`]).
    pub(crate) fn direct(
        &mut self,
        head: super::RowHead<'_>,
        bytes: &[u8],
        spans: &[Option<Span>],
    ) {
        self.head(head);
        self.direct_row(bytes, spans);
    }

    /// Whether every found cell of a walk is one [`Self::direct_row`] builds.
    pub(crate) fn direct_fits(&self, bytes: &[u8], spans: &[Option<Span>]) -> bool {
        self.columns
            .iter()
            .zip(spans)
            .all(|(c, s)| s.is_none_or(|s| fits(c, s.vr, s.of(bytes))))
    }

    /// Appends the values of a walk's cells (`spans`: one per column, checked by
    /// [`Self::direct_fits`]).
    fn direct_row(&mut self, bytes: &[u8], spans: &[Option<Span>]) {
        for ((b, c), s) in self.cols.iter_mut().zip(self.columns).zip(spans) {
            match s {
                Some(s) => b.direct(c.list, s.vr, s.of(bytes), &mut self.scratch),
                None => b.null(),
            }
        }
    }
}
