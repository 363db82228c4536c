//! The JPEG-LS bit writer (ISO/IEC 14495-1 A.1): bits packed MSB first, and after every
//! 0xFF byte a 0 bit stuffed, so that the next byte carries 7 bits of data.

/// Packs codes into bytes; `n < 32` bits stay pending between calls.
#[derive(Default)]
pub(super) struct BitWriter {
    /// The pending bits are the low `n` bits; higher bits are stale and ignored.
    acc: u64,
    n: u32,
    /// The last byte written was 0xFF: the next carries 7 bits.
    ff: bool,
    /// The output is `buf[..pos]`; `buf` keeps at least 8 bytes of room after `pos`, so that
    /// a word can be stored before knowing whether it is complete.
    buf: Vec<u8>,
    pos: usize,
}

/// Whether any byte of `w` is 0xFF (the classic zero-byte test on `!w`, exact).
#[inline(always)]
fn has_ff(w: u32) -> bool {
    ((!w).wrapping_sub(0x0101_0101) & w & 0x8080_8080) != 0
}

impl BitWriter {
    /// A writer appending to `out`, which it expects to grow by about `hint` bytes.
    pub(super) fn new(out: Vec<u8>, hint: usize) -> Self {
        let pos = out.len();
        let mut buf = out;
        buf.resize(pos + hint.max(64), 0);
        BitWriter {
            acc: 0,
            n: 0,
            ff: false,
            buf,
            pos,
        }
    }

    /// Appends the low `len` bits of `bits` (`len <= 32`, higher bits of `bits` zero).
    #[inline(always)]
    pub(super) fn put(&mut self, bits: u32, len: u32) {
        debug_assert!(len <= 32 && (len == 32 || bits >> len == 0));
        self.acc = (self.acc << len) | u64::from(bits);
        self.n += len;
        self.flush32();
    }

    /// Appends `len` zero bits, any number.
    #[inline(always)]
    pub(super) fn put_zeros(&mut self, mut len: u32) {
        while len > 32 {
            self.put(0, 32);
            len -= 32;
        }
        self.put(0, len);
    }

    /// Writes 32 pending bits when there are, without a branch in the usual case: the word is
    /// stored either way and only counted when complete. Stuffing (one byte in 256 of coded
    /// data is 0xFF) takes the byte-by-byte path.
    #[inline(always)]
    fn flush32(&mut self) {
        let full = self.n >= 32;
        let w = (self.acc >> (self.n.wrapping_sub(32) & 63)) as u32;
        if full && (self.ff || has_ff(w)) {
            (self.n, self.ff, self.pos) =
                Self::flush_stuffed(self.acc, self.n, self.ff, &mut self.buf, self.pos);
            return;
        }
        if self.pos + 8 > self.buf.len() {
            Self::grow(&mut self.buf);
        }
        self.buf[self.pos..self.pos + 4].copy_from_slice(&w.to_be_bytes());
        self.pos += 4 * usize::from(full);
        self.n -= 32 * u32::from(full);
    }

    // The slow paths take and return the state by value, so that the hot path can keep it
    // in registers.
    #[cold]
    #[inline(never)]
    fn grow(buf: &mut Vec<u8>) {
        let more = buf.len().max(64);
        buf.resize(buf.len() + more, 0);
    }

    #[cold]
    #[inline(never)]
    fn flush_stuffed(
        acc: u64,
        mut n: u32,
        mut ff: bool,
        buf: &mut Vec<u8>,
        mut pos: usize,
    ) -> (u32, bool, usize) {
        while n >= 8 {
            let take = if ff { 7 } else { 8 };
            let b = ((acc >> (n - take)) & ((1 << take) - 1)) as u8;
            n -= take;
            if pos + 8 > buf.len() {
                Self::grow(buf);
            }
            buf[pos] = b;
            pos += 1;
            ff = b == 0xFF;
        }
        (n, ff, pos)
    }

    fn push(&mut self, b: u8) {
        if self.pos + 8 > self.buf.len() {
            Self::grow(&mut self.buf);
        }
        self.buf[self.pos] = b;
        self.pos += 1;
        self.ff = b == 0xFF;
    }

    /// Pads the last byte with zero bits (and, as CharLS does, follows a final 0xFF with a
    /// 0x00 byte so that it cannot read as a marker prefix), returning the output.
    pub(super) fn finish(mut self) -> Vec<u8> {
        while self.n > 0 {
            let take = if self.ff { 7 } else { 8 };
            let b = if self.n >= take {
                (self.acc >> (self.n - take)) & ((1 << take) - 1)
            } else {
                (self.acc << (take - self.n)) & ((1 << take) - 1)
            } as u8;
            self.n = self.n.saturating_sub(take);
            self.push(b);
        }
        if self.ff {
            self.push(0);
        }
        self.buf.truncate(self.pos);
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same bits written one at a time, stuffing as the standard says.
    fn reference(bits: &[bool]) -> Vec<u8> {
        let mut out = Vec::new();
        let (mut cur, mut used, mut ff) = (0u8, 0u32, false);
        for &b in bits {
            let cap = if ff { 7 } else { 8 };
            cur = (cur << 1) | u8::from(b);
            used += 1;
            if used == cap {
                out.push(cur);
                ff = cur == 0xFF;
                cur = 0;
                used = 0;
            }
        }
        if used > 0 {
            let cap = if ff { 7 } else { 8 };
            cur <<= cap - used;
            out.push(cur);
            ff = cur == 0xFF;
        }
        if ff {
            out.push(0);
        }
        out
    }

    #[test]
    fn matches_bit_at_a_time_stuffing() {
        let mut rng = crate::pixel::test_rng::Rng::new(7);
        for case in 0..300 {
            let mut w = BitWriter::new(Vec::new(), 0);
            let mut bits = Vec::new();
            for _ in 0..(case % 60) * 7 {
                let len = rng.below(33) as u32;
                // Many ones, so that 0xFF bytes are frequent.
                let v = if rng.below(2) == 0 {
                    u32::MAX
                } else {
                    rng.below(1 << 31) as u32
                };
                let v = if len == 32 {
                    v
                } else {
                    v & ((1u32 << len) - 1)
                };
                w.put(v, len);
                bits.extend((0..len).rev().map(|i| (v >> i) & 1 == 1));
            }
            assert_eq!(w.finish(), reference(&bits), "case {case}");
        }
    }
}
