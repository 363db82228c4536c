//! The sample types the display kernels take (numpy's u8..i64, f32, f64), and how a value
//! becomes a LUT index or a float, as numpy does it.

/// A pixel value the display kernels accept.
pub trait Px: Copy + Send + Sync + 'static {
    /// True for the float types.
    const FLOAT: bool;
    /// The value as float64 (numpy's `astype(np.float64)`).
    fn to_f64(self) -> f64;
    /// The value as float32 (numpy's `astype(np.float32)`).
    fn to_f32(self) -> f32;
    /// The index of this value in a LUT whose first entry maps `first`, clamped to
    /// `0..=last`: exact for integers; floats are truncated, NaN gives 0 (numpy's
    /// `clip` + `nan_to_num` + `astype(intp)`).
    fn lut_index(self, first: i64, last: usize) -> usize;
    /// The value as i128 (integers exactly; floats truncated toward zero, saturating).
    fn to_i128(self) -> i128;
    /// The value from an i128, wrapping as numpy's `astype` does for integers.
    fn from_i128(v: i128) -> Self;
    /// The value from an f64 (for the float types).
    fn from_f64(v: f64) -> Self;
}

#[inline(always)]
fn clamp_index(i: i128, last: usize) -> usize {
    if i <= 0 {
        0
    } else if i >= last as i128 {
        last
    } else {
        i as usize
    }
}

/// One `Px` impl per type: `$float` and the LUT index (`|v, first, last| ...`) differ, the
/// conversions (numpy's `astype`, i.e. Rust's `as`) are the same for every type.
macro_rules! px {
    ($float:expr, |$v:ident, $first:ident, $last:ident| $index:expr; $($t:ty),*) => {$(
        impl Px for $t {
            const FLOAT: bool = $float;
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn to_f32(self) -> f32 {
                self as f32
            }
            #[inline(always)]
            fn lut_index(self, $first: i64, $last: usize) -> usize {
                let $v = self;
                $index
            }
            #[inline(always)]
            fn to_i128(self) -> i128 {
                self as i128
            }
            #[inline(always)]
            fn from_i128(v: i128) -> Self {
                v as $t
            }
            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
        }
    )*};
}

px!(false, |v, first, last| {
    if std::mem::size_of_val(&v) < 8 {
        // Saturation keeps the order, so the clamped index is exact; i64 keeps the loop
        // fast where i128 would not.
        let d = (v as i64).saturating_sub(first);
        if d <= 0 {
            0
        } else if d as u64 >= last as u64 {
            last
        } else {
            d as usize
        }
    } else {
        clamp_index(v as i128 - first as i128, last)
    }
}; u8, i8, u16, i16, u32, i32, u64, i64);

px!(true, |v, first, last| {
    // NaN fails both comparisons of `clamp` and stays NaN: `as` gives 0.
    (v as f64 - first as f64).clamp(0.0, last as f64) as usize
}; f32, f64);

/// Pixel values of any sample type, borrowed.
#[derive(Debug, Clone, Copy)]
pub enum Values<'a> {
    /// uint8
    U8(&'a [u8]),
    /// int8
    I8(&'a [i8]),
    /// uint16
    U16(&'a [u16]),
    /// int16
    I16(&'a [i16]),
    /// uint32
    U32(&'a [u32]),
    /// int32
    I32(&'a [i32]),
    /// uint64
    U64(&'a [u64]),
    /// int64
    I64(&'a [i64]),
    /// float32
    F32(&'a [f32]),
    /// float64
    F64(&'a [f64]),
}

/// Runs `$body` with `$s` bound to the typed slice of a [`Values`].
#[macro_export]
#[doc(hidden)]
macro_rules! with_values {
    ($v:expr, $s:ident => $body:expr) => {
        match $v {
            $crate::pixel::display::Values::U8($s) => $body,
            $crate::pixel::display::Values::I8($s) => $body,
            $crate::pixel::display::Values::U16($s) => $body,
            $crate::pixel::display::Values::I16($s) => $body,
            $crate::pixel::display::Values::U32($s) => $body,
            $crate::pixel::display::Values::I32($s) => $body,
            $crate::pixel::display::Values::U64($s) => $body,
            $crate::pixel::display::Values::I64($s) => $body,
            $crate::pixel::display::Values::F32($s) => $body,
            $crate::pixel::display::Values::F64($s) => $body,
        }
    };
}

impl Values<'_> {
    /// Number of values.
    pub fn len(&self) -> usize {
        with_values!(*self, s => s.len())
    }

    /// True when there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True for the float types.
    pub fn is_float(&self) -> bool {
        matches!(self, Values::F32(_) | Values::F64(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lut_indices_clamp_without_wrapping() {
        assert_eq!(0u16.lut_index(10, 5), 0);
        assert_eq!(12u16.lut_index(10, 5), 2);
        assert_eq!(400u16.lut_index(10, 5), 5);
        assert_eq!((-3000i16).lut_index(-2048, 4095), 0);
        assert_eq!(u64::MAX.lut_index(-5, 7), 7);
        assert_eq!(i64::MIN.lut_index(i64::MAX, 7), 0);
        assert_eq!(3.75f64.lut_index(1, 9), 2);
        assert_eq!(f64::NAN.lut_index(0, 9), 0);
        assert_eq!(f32::INFINITY.lut_index(0, 9), 9);
        assert_eq!((-0.5f32).lut_index(0, 9), 0);
    }
}
