//! Values to bytes: the inverse of decoding. A value is checked against its VR and VM first;
//! nothing is produced for a value that does not fit, and the error names the tag, the VR and
//! the rule.

use crate::core::charset::CharacterSet;
use crate::core::{ByteOrder, Tag, VR};
use crate::error::{DicomError, Result};

use super::validate::{check_text, check_vm};

/// A value to encode, as the caller has it.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// No value (a zero-length element).
    Empty,
    /// Text values (one per value of a multi-valued element).
    Text(Vec<String>),
    /// Integers.
    Int(Vec<i64>),
    /// Unsigned 64-bit integers (UV).
    UInt(Vec<u64>),
    /// Floats.
    Float(Vec<f64>),
    /// Attribute tags (AT).
    Tags(Vec<Tag>),
    /// Raw bytes, in the dataset's byte order (OB OD OF OL OV OW UN, or any value given as
    /// encoded bytes).
    Bytes(Vec<u8>),
}

fn invalid(tag: Tag, vr: VR, msg: impl std::fmt::Display) -> DicomError {
    DicomError::invalid_value(tag.to_string(), format!("{tag} {vr}: {msg}"))
}

/// The shortest text of `f` that reads back as `f` and fits DS's 16 characters.
pub fn format_ds(f: f64) -> Option<String> {
    if !f.is_finite() {
        return None;
    }
    let plain = format!("{f}");
    let plain = plain.strip_suffix(".0").unwrap_or(&plain).to_string();
    if plain.len() <= 16 {
        return Some(plain);
    }
    // Fewer significant digits until it fits, in plain or scientific notation.
    for digits in (1..=16usize).rev() {
        let sci = format!("{f:.*e}", digits - 1);
        let sci = sci.replace("e", "E");
        if sci.len() <= 16 {
            let fixed = format!("{f:.*}", digits.saturating_sub(1));
            if fixed.len() <= 16 && fixed.parse::<f64>().ok() == sci.parse::<f64>().ok() {
                return Some(fixed);
            }
            return Some(sci);
        }
    }
    None
}

fn texts(tag: Tag, vr: VR, input: Input) -> Result<Vec<String>> {
    Ok(match input {
        Input::Empty => Vec::new(),
        Input::Text(t) => t,
        Input::Int(v) if matches!(vr, VR::IS | VR::DS) => v.iter().map(i64::to_string).collect(),
        Input::Float(v) if vr == VR::DS => v
            .iter()
            .map(|&f| {
                format_ds(f).ok_or_else(|| invalid(tag, vr, format!("{f} is not a finite number")))
            })
            .collect::<Result<_>>()?,
        Input::Float(v) if vr == VR::IS => v
            .iter()
            .map(|&f| {
                if f.fract() == 0.0 && f.abs() < 2_147_483_648.0 {
                    Ok(format!("{}", f as i64))
                } else {
                    Err(invalid(tag, vr, format!("{f} is not an integer")))
                }
            })
            .collect::<Result<_>>()?,
        other => {
            return Err(invalid(
                tag,
                vr,
                format!("needs text, not {}", kind(&other)),
            ));
        }
    })
}

fn kind(i: &Input) -> &'static str {
    match i {
        Input::Empty => "nothing",
        Input::Text(_) => "text",
        Input::Int(_) | Input::UInt(_) => "integers",
        Input::Float(_) => "numbers",
        Input::Tags(_) => "tags",
        Input::Bytes(_) => "bytes",
    }
}

/// Encodes `input` as the value of `tag` with `vr`, checked against the VR's rules and
/// against `vm` (the dictionary's VM, when known); text in `charset`, numbers in `order`.
pub fn encode(
    tag: Tag,
    vr: VR,
    input: Input,
    vm: Option<&str>,
    charset: &CharacterSet,
    order: ByteOrder,
) -> Result<Vec<u8>> {
    if let Input::Bytes(b) = input {
        return raw(tag, vr, b);
    }
    let mut out = Vec::new();
    let count;
    if vr.is_text() {
        let values = texts(tag, vr, input)?;
        for v in &values {
            if v.contains('\\') && vr.is_multi_valued_text() {
                return Err(invalid(
                    tag,
                    vr,
                    format!("{v:?}: no backslash in a value (it separates values)"),
                ));
            }
            check_text(vr, v).map_err(|rule| invalid(tag, vr, format!("{v:?} must be {rule}")))?;
        }
        count = values.len();
        let joined = values.join("\\");
        out = if vr.uses_charset() {
            charset.encode(&joined).map_err(|e| {
                invalid(
                    tag,
                    vr,
                    format!(
                        "{:?} cannot be written in {}: set SpecificCharacterSet (0008,0005) to \
                         'ISO_IR 192' (UTF-8) first",
                        e.character, e.charset
                    ),
                )
            })?
        } else if joined.is_ascii() {
            joined.into_bytes()
        } else {
            return Err(invalid(
                tag,
                vr,
                format!("{joined:?}: ASCII characters only"),
            ));
        };
        if out.len() % 2 == 1 {
            out.push(if vr == VR::UI { 0 } else { b' ' });
        }
    } else {
        count = numbers(tag, vr, input, order, &mut out)?;
    }
    if let Some(vm) = vm {
        check_vm(vm, count).map_err(|rule| invalid(tag, vr, rule))?;
    }
    Ok(out)
}

fn numbers(tag: Tag, vr: VR, input: Input, order: ByteOrder, out: &mut Vec<u8>) -> Result<usize> {
    macro_rules! ints {
        ($t:ty, $v:expr) => {{
            for &x in $v {
                let y = <$t>::try_from(x).map_err(|_| {
                    invalid(
                        tag,
                        vr,
                        format!("{x} is out of range ({} to {})", <$t>::MIN, <$t>::MAX),
                    )
                })?;
                order.write(y, out);
            }
            $v.len()
        }};
    }
    let floats = |v: Vec<f64>, out: &mut Vec<u8>| {
        for &f in &v {
            if vr == VR::FL {
                if f.is_finite() && f.abs() > f64::from(f32::MAX) {
                    return Err(invalid(tag, vr, format!("{f} does not fit a 32-bit float")));
                }
                order.write(f as f32, out);
            } else {
                order.write(f, out);
            }
        }
        Ok(v.len())
    };
    Ok(match (vr, input) {
        (_, Input::Empty) => 0,
        (VR::US, Input::Int(v)) => ints!(u16, &v),
        (VR::SS, Input::Int(v)) => ints!(i16, &v),
        (VR::UL, Input::Int(v)) => ints!(u32, &v),
        (VR::SL, Input::Int(v)) => ints!(i32, &v),
        (VR::SV, Input::Int(v)) => ints!(i64, &v),
        (VR::UV, Input::Int(v)) => ints!(u64, &v),
        (VR::UV, Input::UInt(v)) => {
            for &x in &v {
                order.write(x, out);
            }
            v.len()
        }
        (VR::FL | VR::FD, Input::Float(v)) => floats(v, out)?,
        (VR::FL | VR::FD, Input::Int(v)) => floats(v.iter().map(|&i| i as f64).collect(), out)?,
        (VR::AT, Input::Tags(v)) => {
            for t in &v {
                order.write(t.0, out);
                order.write(t.1, out);
            }
            v.len()
        }
        (VR::AT, Input::Int(v)) => {
            for &x in &v {
                let t =
                    u32::try_from(x).map_err(|_| invalid(tag, vr, format!("{x} is not a tag")))?;
                order.write((t >> 16) as u16, out);
                order.write(t as u16, out);
            }
            v.len()
        }
        (VR::SQ, _) => return Err(invalid(tag, vr, "a sequence holds datasets, not a value")),
        (_, other) => {
            return Err(invalid(tag, vr, format!("cannot hold {}", kind(&other))));
        }
    })
}

/// Bytes given as they are stored: padded to even length (OB, UN), or checked to be whole
/// numbers of the VR's word.
fn raw(tag: Tag, vr: VR, mut b: Vec<u8>) -> Result<Vec<u8>> {
    let word = match vr {
        VR::OW | VR::US | VR::SS | VR::AT => 2,
        VR::OF | VR::OL | VR::UL | VR::SL | VR::FL => 4,
        VR::OD | VR::OV | VR::FD | VR::SV | VR::UV => 8,
        _ => 1,
    };
    if word > 1 && !b.len().is_multiple_of(word) {
        return Err(invalid(
            tag,
            vr,
            format!(
                "{} bytes are not a whole number of {word}-byte values",
                b.len()
            ),
        ));
    }
    if b.len() % 2 == 1 {
        b.push(if vr.is_text() && vr != VR::UI {
            b' '
        } else {
            0
        });
    }
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(vr: VR, input: Input, vm: Option<&str>) -> Result<Vec<u8>> {
        encode(
            Tag(0x0011, 0x1010),
            vr,
            input,
            vm,
            &CharacterSet::default(),
            ByteOrder::Little,
        )
    }

    #[test]
    fn text_is_joined_padded_and_checked() {
        let t = |v: &[&str]| Input::Text(v.iter().map(|s| s.to_string()).collect());
        assert_eq!(enc(VR::CS, t(&["A", "B"]), None).unwrap(), b"A\\B ");
        assert_eq!(enc(VR::UI, t(&["1.2.3"]), None).unwrap(), b"1.2.3\0");
        let err = enc(VR::LO, t(&[&"x".repeat(70)]), Some("1")).unwrap_err();
        assert!(
            err.message.contains("LO") && err.message.contains("64"),
            "{err}"
        );
        assert_eq!(err.path, "(0011,1010)");
        assert!(enc(VR::DS, t(&["1", "2"]), Some("1")).is_err());
        assert!(enc(VR::DS, Input::Float(vec![1.0 / 3.0]), None).is_ok());
        assert_eq!(enc(VR::DS, Input::Float(vec![0.5]), None).unwrap(), b"0.5 ");
        assert!(enc(VR::PN, t(&["Müller"]), None).is_ok());
    }

    #[test]
    fn numbers_are_range_checked() {
        assert_eq!(enc(VR::US, Input::Int(vec![513]), None).unwrap(), [1, 2]);
        assert!(enc(VR::US, Input::Int(vec![70000]), None).is_err());
        assert!(enc(VR::SS, Input::Int(vec![-1]), None).is_ok());
        assert_eq!(
            enc(VR::FD, Input::Int(vec![2]), None).unwrap(),
            2f64.to_le_bytes()
        );
        assert!(enc(VR::FL, Input::Float(vec![1e300]), None).is_err());
        assert_eq!(
            enc(VR::AT, Input::Int(vec![0x0010_0020]), None).unwrap(),
            [0x10, 0, 0x20, 0]
        );
        assert!(enc(VR::OW, Input::Bytes(vec![1, 2, 3]), None).is_err());
        assert_eq!(
            enc(VR::OB, Input::Bytes(vec![1, 2, 3]), None).unwrap(),
            [1, 2, 3, 0]
        );
    }

    #[test]
    fn ds_text_fits_sixteen_characters() {
        for f in [
            1.0 / 3.0,
            123_456_789.123_456_78,
            -1.0e-300,
            6.02214076e23,
            0.1,
        ] {
            let s = format_ds(f).unwrap();
            assert!(s.len() <= 16, "{s}");
            let back: f64 = s.parse().unwrap();
            assert!((back - f).abs() <= f.abs() * 1e-9, "{f} -> {s}");
        }
        assert_eq!(format_ds(12.0).unwrap(), "12");
    }
}
