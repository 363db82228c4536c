//! The JPEG-LS bit writer (ISO/IEC 14495-1 A.1): bits packed MSB first, and after every
//! 0xFF byte a 0 bit stuffed, so that the next byte carries 7 bits of data.

/// The output of a scan, between lines: bytes `buf[..pos]` and `n < 32` pending bits.
#[derive(Default)]
pub(super) struct BitWriter {
    state: Bits,
    buf: Vec<u8>,
}

/// The bit-level state, copied into a [`LineWriter`] for a line so that it stays in
/// registers (it is `Copy`, and the writer's slow paths take and return it by value).
#[derive(Clone, Copy, Default)]
pub(super) struct Bits {
    /// The pending bits are the low `n` bits; higher bits are stale and ignored.
    acc: u64,
    n: u32,
    /// The last byte written was 0xFF: the next carries 7 bits.
    ff: bool,
    pos: usize,
}

/// Writes one line's codes into room reserved beforehand (no capacity checks per code).
pub(super) struct LineWriter<'a> {
    s: Bits,
    out: &'a mut [u8],
}

/// Not zero when a byte of `w` is 0xFF (the classic zero-byte test on `!w`, exact).
#[inline(always)]
fn ff_bits(w: u32) -> u32 {
    (!w).wrapping_sub(0x0101_0101) & w & 0x8080_8080
}

impl BitWriter {
    /// A writer appending to `out`.
    pub(super) fn new(out: Vec<u8>) -> Self {
        BitWriter {
            state: Bits {
                pos: out.len(),
                ..Bits::default()
            },
            buf: out,
        }
    }

    /// A writer for codes of at most `bits` bits in all (stuffing included: every byte
    /// holds at least 7).
    pub(super) fn line(&mut self, bits: usize) -> LineWriter<'_> {
        let need = self.state.pos + bits / 7 + 16;
        if need > self.buf.len() {
            self.buf.resize(need.max(2 * self.buf.len()), 0);
        }
        LineWriter {
            s: self.state,
            out: &mut self.buf,
        }
    }

    /// Takes back the state of a line's writer.
    pub(super) fn end_line(&mut self, s: Bits) {
        self.state = s;
    }

    /// Pads the last byte with zero bits (and, as CharLS does, follows a final 0xFF with a
    /// 0x00 byte so that it cannot read as a marker prefix), returning the output.
    pub(super) fn finish(mut self) -> Vec<u8> {
        let mut w = self.line(64);
        w.finish();
        let pos = w.s.pos;
        self.buf.truncate(pos);
        self.buf
    }
}

impl LineWriter<'_> {
    /// The state to hand back with [`BitWriter::end_line`].
    pub(super) fn state(&self) -> Bits {
        self.s
    }

    /// Appends the low `len` bits of `bits` (`len <= 32`, higher bits of `bits` zero).
    #[inline(always)]
    pub(super) fn put(&mut self, bits: u32, len: u32) {
        debug_assert!(len <= 32 && (len == 32 || bits >> len == 0));
        let s = &mut self.s;
        s.acc = (s.acc << len) | u64::from(bits);
        s.n += len;
        // 32 pending bits are written at once, without a branch in the usual case: the word
        // is stored either way and only counted when complete. Stuffing (one byte in 256 of
        // coded data is 0xFF) takes the byte-by-byte path.
        let full = s.n >= 32;
        let w = (s.acc >> (s.n.wrapping_sub(32) & 63)) as u32;
        // One test for "complete and needs stuffing", in arithmetic rather than `&&` (which
        // compiles to a branch on completeness alone, a mispredicted one: it varies from code
        // to code).
        let complete = 0u32.wrapping_sub(s.n >> 5);
        if (ff_bits(w) | (u32::from(s.ff) << 7)) & complete != 0 {
            (s.n, s.ff, s.pos) = stuffed(s.acc, s.n, s.ff, self.out, s.pos);
            return;
        }
        self.out[s.pos..s.pos + 4].copy_from_slice(&w.to_be_bytes());
        s.pos += 4 * usize::from(full);
        s.n -= 32 * u32::from(full);
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

    fn finish(&mut self) {
        let s = &mut self.s;
        while s.n > 0 {
            let take = if s.ff { 7 } else { 8 };
            let b = if s.n >= take {
                (s.acc >> (s.n - take)) & ((1 << take) - 1)
            } else {
                (s.acc << (take - s.n)) & ((1 << take) - 1)
            } as u8;
            s.n = s.n.saturating_sub(take);
            self.out[s.pos] = b;
            s.pos += 1;
            s.ff = b == 0xFF;
        }
        if s.ff {
            self.out[s.pos] = 0;
            s.pos += 1;
            s.ff = false;
        }
    }
}

/// Writes whole bytes of the pending bits one at a time, stuffing after each 0xFF; the
/// state goes in and out by value so that the hot path keeps it in registers.
#[cold]
#[inline(never)]
fn stuffed(
    acc: u64,
    mut n: u32,
    mut ff: bool,
    out: &mut [u8],
    mut pos: usize,
) -> (u32, bool, usize) {
    while n >= 8 {
        let take = if ff { 7 } else { 8 };
        let b = ((acc >> (n - take)) & ((1 << take) - 1)) as u8;
        n -= take;
        out[pos] = b;
        pos += 1;
        ff = b == 0xFF;
    }
    (n, ff, pos)
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
            let mut bw = BitWriter::new(Vec::new());
            let mut w = bw.line(33 * 7 * 60);
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
            let s = w.state();
            bw.end_line(s);
            assert_eq!(bw.finish(), reference(&bits), "case {case}");
        }
    }
}
