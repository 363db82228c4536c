//! The sample types of decoded pixels (numpy's dtypes) and the corrections pydicom applies
//! to stored values (unused high bits masked or sign-extended).

use super::PixelDescription;
use crate::core::Tag;
use crate::error::{DicomError, ErrorKind, Result};

/// The numpy-compatible sample type of decoded pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sample {
    /// uint8
    U8,
    /// int8
    I8,
    /// uint16
    U16,
    /// int16
    I16,
    /// uint32
    U32,
    /// int32
    I32,
    /// uint64
    U64,
    /// int64
    I64,
    /// float32
    F32,
    /// float64
    F64,
}

impl Sample {
    /// Bytes per sample.
    pub const fn size(self) -> usize {
        match self {
            Sample::U8 | Sample::I8 => 1,
            Sample::U16 | Sample::I16 => 2,
            Sample::U32 | Sample::I32 | Sample::F32 => 4,
            Sample::U64 | Sample::I64 | Sample::F64 => 8,
        }
    }

    /// The numpy dtype name.
    pub const fn numpy(self) -> &'static str {
        match self {
            Sample::U8 => "uint8",
            Sample::I8 => "int8",
            Sample::U16 => "uint16",
            Sample::I16 => "int16",
            Sample::U32 => "uint32",
            Sample::I32 => "int32",
            Sample::U64 => "uint64",
            Sample::I64 => "int64",
            Sample::F32 => "float32",
            Sample::F64 => "float64",
        }
    }

    /// The sample type pydicom uses for a pixel description.
    pub fn for_description(d: &PixelDescription) -> Result<Sample> {
        let signed = d.pixel_representation == 1;
        Ok(match (d.tag, d.bits_allocated, signed) {
            (Tag::FLOAT_PIXEL_DATA, _, _) => Sample::F32,
            (Tag::DOUBLE_FLOAT_PIXEL_DATA, _, _) => Sample::F64,
            (_, 1, _) => Sample::U8,
            (_, 8, false) => Sample::U8,
            (_, 8, true) => Sample::I8,
            (_, 16, false) => Sample::U16,
            (_, 16, true) => Sample::I16,
            (_, 32, false) => Sample::U32,
            (_, 32, true) => Sample::I32,
            (_, 64, false) => Sample::U64,
            (_, 64, true) => Sample::I64,
            (_, b, _) => {
                return Err(DicomError::new(
                    ErrorKind::UnsupportedCodec,
                    None,
                    "(0028,0100)",
                    format!("Bits Allocated {b} is not supported (1 or a multiple of 8 up to 64)"),
                ));
            }
        })
    }
}

macro_rules! per_sample {
    ($data:expr, $sample:expr, |$t:ident, $arr:ident| $body:expr) => {
        match $sample {
            Sample::U8 => {
                type $t = u8;
                let $arr = $data;
                $body
            }
            Sample::I8 => {
                type $t = i8;
                let $arr = $data;
                $body
            }
            Sample::U16 => {
                type $t = u16;
                let $arr = $data;
                $body
            }
            Sample::I16 => {
                type $t = i16;
                let $arr = $data;
                $body
            }
            Sample::U32 => {
                type $t = u32;
                let $arr = $data;
                $body
            }
            Sample::I32 => {
                type $t = i32;
                let $arr = $data;
                $body
            }
            Sample::U64 => {
                type $t = u64;
                let $arr = $data;
                $body
            }
            Sample::I64 => {
                type $t = i64;
                let $arr = $data;
                $body
            }
            Sample::F32 | Sample::F64 => {}
        }
    };
}

/// `v << shift >> shift` with the type's own (logical or arithmetic) shift: what pydicom does.
pub(crate) fn correct_unused_bits(data: &mut [u8], sample: Sample, shift: u32) {
    per_sample!(data, sample, |T, d| {
        const N: usize = std::mem::size_of::<T>();
        for c in d.chunks_exact_mut(N) {
            let mut a = [0u8; N];
            a.copy_from_slice(c);
            let v = T::from_ne_bytes(a);
            let v = v.wrapping_shl(shift).wrapping_shr(shift);
            c.copy_from_slice(&v.to_ne_bytes());
        }
    });
}

/// True when shifting away the unused bits would change nothing: unsigned data must have no
/// bit above Bits Stored; signed data must lie in the range Bits Stored can represent. Each
/// sample is folded into one OR (a signed one with its sign bits flipped away first): one
/// vector OR per block of samples, where a minimum and maximum of unsigned 16-bit words has
/// no SSE2 instruction.
pub(crate) fn unused_bits_clean(data: &[u8], sample: Sample, shift: u32, big_endian: bool) -> bool {
    let mut clean = true;
    per_sample!(data, sample, |T, d| {
        const N: usize = std::mem::size_of::<T>();
        let signed = T::MIN != 0;
        // Values in range have no bit set from this one up (after the flip).
        let kept = T::BITS.saturating_sub(shift);
        let limit = if signed { kept.saturating_sub(1) } else { kept };
        let fold = |acc: T, v: T| {
            acc | if signed {
                v ^ v.wrapping_shr(T::BITS - 1)
            } else {
                v
            }
        };
        for block in d.chunks(N * 4096) {
            let mut acc: T = 0;
            if big_endian {
                for c in block.chunks_exact(N) {
                    let mut a = [0u8; N];
                    a.copy_from_slice(c);
                    acc = fold(acc, T::from_be_bytes(a));
                }
            } else {
                for c in block.chunks_exact(N) {
                    let mut a = [0u8; N];
                    a.copy_from_slice(c);
                    acc = fold(acc, T::from_le_bytes(a));
                }
            }
            // A shift by the whole width keeps every value: nothing is unused.
            if acc.checked_shr(limit).is_some_and(|high| high != 0) {
                clean = false;
                break;
            }
        }
    });
    clean
}

/// C-order byte strides of `shape` for samples of `size` bytes.
pub(crate) fn c_strides(shape: &[usize], size: usize) -> Vec<usize> {
    let mut strides = vec![0; shape.len()];
    let mut step = size;
    for (s, n) in strides.iter_mut().zip(shape).rev() {
        *s = step;
        step = step.saturating_mul(*n);
    }
    strides
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unused_bits_signed_and_unsigned() {
        let mut d: Vec<u8> = [0xF7FFu16, 0x0FFF, 0x0800]
            .iter()
            .flat_map(|v| v.to_ne_bytes())
            .collect();
        correct_unused_bits(&mut d, Sample::U16, 4);
        let v: Vec<u16> = d
            .chunks(2)
            .map(|c| u16::from_ne_bytes([c[0], c[1]]))
            .collect();
        assert_eq!(v, [0x07FF, 0x0FFF, 0x0800]);
        let mut d: Vec<u8> = [0x0800i16, 0x07FF, -1]
            .iter()
            .flat_map(|v| v.to_ne_bytes())
            .collect();
        assert!(!unused_bits_clean(
            &d,
            Sample::I16,
            4,
            cfg!(target_endian = "big")
        ));
        correct_unused_bits(&mut d, Sample::I16, 4);
        let v: Vec<i16> = d
            .chunks(2)
            .map(|c| i16::from_ne_bytes([c[0], c[1]]))
            .collect();
        assert_eq!(v, [-2048, 2047, -1]);
        assert!(unused_bits_clean(
            &d,
            Sample::I16,
            4,
            cfg!(target_endian = "big")
        ));
    }

    /// Every 16-bit value alone, and 8- and 32-bit values around the limits, at every shift:
    /// clean exactly when `v << shift >> shift == v`, in both byte orders.
    #[test]
    fn unused_bits_clean_equals_the_shift_definition() {
        let check = |bytes_le: Vec<u8>, bytes_be: Vec<u8>, sample: Sample, shift: u32, want| {
            assert_eq!(unused_bits_clean(&bytes_le, sample, shift, false), want);
            assert_eq!(unused_bits_clean(&bytes_be, sample, shift, true), want);
        };
        for shift in 0..16 {
            for v in 0..=u16::MAX {
                let (le, be) = (v.to_le_bytes().to_vec(), v.to_be_bytes().to_vec());
                check(
                    le,
                    be,
                    Sample::U16,
                    shift,
                    v.wrapping_shl(shift) >> shift == v,
                );
                let i = v as i16;
                let (le, be) = (i.to_le_bytes().to_vec(), i.to_be_bytes().to_vec());
                check(
                    le,
                    be,
                    Sample::I16,
                    shift,
                    i.wrapping_shl(shift) >> shift == i,
                );
            }
        }
        for shift in 0..8 {
            for v in 0..=u8::MAX {
                check(
                    vec![v],
                    vec![v],
                    Sample::U8,
                    shift,
                    v.wrapping_shl(shift) >> shift == v,
                );
                let i = v as i8;
                let want = i.wrapping_shl(shift) >> shift == i;
                check(vec![v], vec![v], Sample::I8, shift, want);
            }
        }
        for shift in 0..32 {
            for base in [0u32, 1 << 31, 1 << (31 - shift), 1 << (32 - shift.max(1))] {
                for v in [base, base.wrapping_sub(1), base.wrapping_add(1)] {
                    let (le, be) = (v.to_le_bytes().to_vec(), v.to_be_bytes().to_vec());
                    check(
                        le,
                        be,
                        Sample::U32,
                        shift,
                        v.wrapping_shl(shift) >> shift == v,
                    );
                    let i = v as i32;
                    let (le, be) = (i.to_le_bytes().to_vec(), i.to_be_bytes().to_vec());
                    check(
                        le,
                        be,
                        Sample::I32,
                        shift,
                        i.wrapping_shl(shift) >> shift == i,
                    );
                }
            }
        }
        // One bad sample among many clean ones, in a later block.
        let mut d = vec![0u8; 2 * 10_000];
        d[2 * 9_000 + 1] = 0x10;
        assert!(!unused_bits_clean(&d, Sample::U16, 4, false));
        assert!(unused_bits_clean(&d, Sample::U16, 3, false));
    }
}
