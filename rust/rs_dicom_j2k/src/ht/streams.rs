//! The three bit-streams of an HT cleanup segment (ISO/IEC 15444-15 clause 7.3): MagSgn grows
//! forward, MEL grows forward after it, VLC grows backward from the end. Each stuffs bits so
//! that no marker-like byte pair appears, exactly as the decoders unstuff them.

/// MEL exponents per state (the adaptive run-length coder's table).
const MEL_EXP: [u8; 13] = [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5];

/// The forward MagSgn stream: bits first-in-LSB; a byte after 0xFF holds 7 bits.
#[derive(Default)]
pub(super) struct MagSgn {
    pub(super) buf: Vec<u8>,
    acc: u128,
    /// Bits in `acc`, below 64 between calls.
    bits: u32,
    /// The last byte written was 0xFF (the next holds 7 bits).
    after_ff: bool,
}

impl MagSgn {
    pub(super) fn reset(&mut self) {
        self.buf.clear();
        self.acc = 0;
        self.bits = 0;
        self.after_ff = false;
    }

    /// Appends the `n <= 64` low bits of `v` (higher bits must be zero).
    #[inline(always)]
    pub(super) fn put(&mut self, v: u64, n: u32) {
        self.acc |= u128::from(v) << self.bits;
        self.bits += n;
        if self.bits >= 64 {
            self.drain();
        }
    }

    /// Moves whole bytes out of the accumulator: eight at once when no stuffing is involved.
    #[inline(always)]
    fn drain(&mut self) {
        let word = (self.acc as u64).to_le_bytes();
        if !self.after_ff && !word.contains(&0xFF) {
            self.buf.extend_from_slice(&word);
            self.acc >>= 64;
            self.bits -= 64;
            return;
        }
        while self.bits >= 8 {
            self.byte();
        }
    }

    /// Writes one byte (7 bits after 0xFF).
    #[inline(always)]
    fn byte(&mut self) {
        let room = if self.after_ff { 7 } else { 8 };
        let byte = (self.acc & ((1 << room) - 1)) as u8;
        self.buf.push(byte);
        self.acc >>= room;
        self.bits -= room;
        self.after_ff = byte == 0xFF;
    }

    /// Pads the last byte with ones and drops a final 0xFF (a decoder reads 0xFF past the end).
    pub(super) fn finish(&mut self) {
        while self.bits >= 8 {
            self.byte();
        }
        if self.bits > 0 {
            let room = if self.after_ff { 7 } else { 8 };
            let pad = (0xFFu128 << self.bits) & ((1 << room) - 1);
            self.acc |= pad;
            self.bits = room;
            self.byte();
        }
        self.bits = 0;
        self.acc = 0;
        if self.buf.last() == Some(&0xFF) {
            self.buf.pop();
        }
    }
}

/// The MEL stream: adaptive run-length codes of significance events, bits first-in-MSB; a
/// byte after 0xFF holds 7 bits.
#[derive(Default)]
pub(super) struct Mel {
    pub(super) buf: Vec<u8>,
    tmp: u32,
    /// Bits in `tmp`.
    used: u32,
    /// Bits the current byte holds (7 after a 0xFF byte).
    room: u32,
    run: u32,
    k: usize,
}

impl Mel {
    pub(super) fn reset(&mut self) {
        self.buf.clear();
        self.tmp = 0;
        self.used = 0;
        self.room = 8;
        self.run = 0;
        self.k = 0;
    }

    #[inline(always)]
    fn bit(&mut self, b: u32) {
        self.tmp = (self.tmp << 1) | b;
        self.used += 1;
        if self.used == self.room {
            let byte = self.tmp as u8;
            self.buf.push(byte);
            self.room = if byte == 0xFF { 7 } else { 8 };
            self.tmp = 0;
            self.used = 0;
        }
    }

    /// Codes one event: `true` ends a run of zeros.
    #[inline(always)]
    pub(super) fn event(&mut self, one: bool) {
        let e = u32::from(MEL_EXP[self.k]);
        if !one {
            self.run += 1;
            if self.run >= 1 << e {
                self.bit(1);
                self.run = 0;
                self.k = (self.k + 1).min(12);
            }
        } else {
            self.bit(0);
            for t in (0..e).rev() {
                self.bit((self.run >> t) & 1);
            }
            self.run = 0;
            self.k = self.k.saturating_sub(1);
        }
    }

    /// Ends the stream: a pending run becomes a full one (the decoder stops using events when
    /// the block ends), and a partial byte is padded with zeros. A byte always follows 0xFF, so
    /// that a decoder does not unstuff the VLC bytes behind.
    pub(super) fn finish(&mut self) {
        if self.run > 0 {
            self.bit(1);
        }
        if self.used > 0 || self.room == 7 {
            self.buf.push((self.tmp << (self.room - self.used)) as u8);
        }
    }
}

/// The backward VLC stream, stored in writing order (reversed when the segment is assembled):
/// bits first-in-LSB; after a byte above 0x8F, a byte whose 7 low bits are all ones holds only
/// those 7 bits. It starts with the two bytes that end the segment: a placeholder for the high
/// bits of Scup and a byte whose low nibble will hold its low bits.
#[derive(Default)]
pub(super) struct Vlc {
    pub(super) buf: Vec<u8>,
    acc: u64,
    bits: u32,
    above_8f: bool,
}

impl Vlc {
    pub(super) fn reset(&mut self) {
        self.buf.clear();
        self.buf.push(0xFF);
        self.acc = 0xF;
        self.bits = 4;
        self.above_8f = true;
    }

    /// Appends the `n <= 32` low bits of `v`.
    #[inline(always)]
    pub(super) fn put(&mut self, v: u32, n: u32) {
        self.acc |= (u64::from(v) & ((1u64 << n) - 1)) << self.bits;
        self.bits += n;
        if self.bits >= 32 {
            self.drain();
        }
    }

    /// Moves whole bytes out of the accumulator.
    fn drain(&mut self) {
        loop {
            if self.above_8f {
                if self.bits < 7 {
                    break;
                }
                if self.acc & 0x7F == 0x7F {
                    self.buf.push(0x7F);
                    self.acc >>= 7;
                    self.bits -= 7;
                    self.above_8f = false;
                    continue;
                }
            }
            if self.bits < 8 {
                break;
            }
            let byte = self.acc as u8;
            self.buf.push(byte);
            self.acc >>= 8;
            self.bits -= 8;
            self.above_8f = byte > 0x8F;
        }
    }

    /// Writes the last partial byte (unused high bits zero).
    pub(super) fn finish(&mut self) {
        self.drain();
        if self.bits > 0 {
            self.buf.push(self.acc as u8);
            self.bits = 0;
            self.acc = 0;
        }
    }
}
