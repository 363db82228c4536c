//! Numbers of either byte order: the one place bytes become integers and floats.
//!
//! Every reader of binary values (element headers, US/UL/FL/FD values, offset tables, codec
//! headers) goes through [`ByteOrder`], so no module spells out its own `from_le_bytes` loop.

/// A fixed-size number that can be read from bytes in either byte order.
pub trait Number: Copy {
    /// Size in bytes.
    const SIZE: usize;
    /// Reads from the first `SIZE` bytes of `b` (little endian); `b` must hold them.
    fn from_le_slice(b: &[u8]) -> Self;
    /// Reads from the first `SIZE` bytes of `b` (big endian); `b` must hold them.
    fn from_be_slice(b: &[u8]) -> Self;
    /// The little-endian bytes.
    fn to_le_vec(self, out: &mut Vec<u8>);
    /// The big-endian bytes.
    fn to_be_vec(self, out: &mut Vec<u8>);
}

macro_rules! number {
    ($($t:ty),*) => {$(
        impl Number for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            #[inline(always)]
            fn from_le_slice(b: &[u8]) -> Self {
                let mut a = [0u8; std::mem::size_of::<$t>()];
                a.copy_from_slice(&b[..Self::SIZE]);
                <$t>::from_le_bytes(a)
            }
            #[inline(always)]
            fn from_be_slice(b: &[u8]) -> Self {
                let mut a = [0u8; std::mem::size_of::<$t>()];
                a.copy_from_slice(&b[..Self::SIZE]);
                <$t>::from_be_bytes(a)
            }
            #[inline(always)]
            fn to_le_vec(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            #[inline(always)]
            fn to_be_vec(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_be_bytes());
            }
        }
    )*};
}

number!(u8, i8, u16, i16, u32, i32, u64, i64, f32, f64);

/// The byte order of encoded values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ByteOrder {
    /// Least significant byte first (every transfer syntax but Explicit VR Big Endian).
    #[default]
    Little,
    /// Most significant byte first.
    Big,
}

impl ByteOrder {
    /// Big endian when `big_endian`, else little endian.
    #[inline(always)]
    pub const fn from_big_endian(big_endian: bool) -> ByteOrder {
        if big_endian {
            ByteOrder::Big
        } else {
            ByteOrder::Little
        }
    }

    /// True for big endian.
    #[inline(always)]
    pub const fn is_big(self) -> bool {
        matches!(self, ByteOrder::Big)
    }

    /// The byte order of this machine.
    pub const fn native() -> ByteOrder {
        ByteOrder::from_big_endian(cfg!(target_endian = "big"))
    }

    /// Reads a number at `at`; `None` when `b` is too short.
    #[inline(always)]
    pub fn read<T: Number>(self, b: &[u8], at: usize) -> Option<T> {
        let s = b.get(at..at.checked_add(T::SIZE)?)?;
        Some(self.decode(s))
    }

    /// Decodes the first `T::SIZE` bytes of `chunk`, which must hold them (a `chunks_exact`
    /// piece, or a range checked before).
    #[inline(always)]
    pub fn decode<T: Number>(self, chunk: &[u8]) -> T {
        match self {
            ByteOrder::Little => T::from_le_slice(chunk),
            ByteOrder::Big => T::from_be_slice(chunk),
        }
    }

    /// Every whole number in `b` (a trailing partial number is ignored).
    pub fn values<T: Number>(self, b: &[u8]) -> impl ExactSizeIterator<Item = T> + '_ {
        b.chunks_exact(T::SIZE).map(move |c| self.decode(c))
    }

    /// Appends the bytes of `v`.
    #[inline(always)]
    pub fn write<T: Number>(self, v: T, out: &mut Vec<u8>) {
        match self {
            ByteOrder::Little => v.to_le_vec(out),
            ByteOrder::Big => v.to_be_vec(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_orders() {
        let b = [0x01, 0x02, 0x03, 0x04, 0x05];
        assert_eq!(ByteOrder::Little.read::<u16>(&b, 0), Some(0x0201));
        assert_eq!(ByteOrder::Big.read::<u16>(&b, 0), Some(0x0102));
        assert_eq!(ByteOrder::Big.read::<u32>(&b, 1), Some(0x0203_0405));
        assert_eq!(ByteOrder::Little.read::<u32>(&b, 2), None);
        assert_eq!(ByteOrder::Little.read::<u32>(&b, usize::MAX), None);
        let v: Vec<u16> = ByteOrder::Little.values(&b).collect();
        assert_eq!(v, [0x0201, 0x0403]);
        let mut out = Vec::new();
        ByteOrder::Big.write(0x0102u16, &mut out);
        ByteOrder::Little.write(-2i32, &mut out);
        assert_eq!(out, [1, 2, 0xFE, 0xFF, 0xFF, 0xFF]);
    }
}
