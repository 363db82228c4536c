//! Unit tests of tier-1: the look-ahead MQ decoder against a transcription of C.3, the context
//! tables, invalid and empty code-blocks, and encoded blocks decoding back.

use super::mq::Mq;
use super::tables::{QE_TABLE, SC, ZC, initial_contexts};
use super::*;

/// The 0xFF 0xFF marker OpenJPEG appends to a segment for its decoder.
const PAD: usize = 2;

/// A reference MQ decoder written as C.3 describes it (32-bit C, BYTEIN per renormalised
/// byte), to check the look-ahead decoder symbol by symbol.
struct RefMq<'a> {
    buf: &'a [u8],
    bp: usize,
    a: u32,
    c: u32,
    ct: u32,
}

impl RefMq<'_> {
    fn bytein(&mut self) {
        let next = self.buf[self.bp + 1];
        if self.buf[self.bp] == 0xFF {
            if next > 0x8F {
                self.c = self.c.wrapping_add(0xFF00);
                self.ct = 8;
            } else {
                self.bp += 1;
                self.c = self.c.wrapping_add(u32::from(next) << 9);
                self.ct = 7;
            }
        } else {
            self.bp += 1;
            self.c = self.c.wrapping_add(u32::from(next) << 8);
            self.ct = 8;
        }
    }

    fn new(buf: &[u8]) -> RefMq<'_> {
        let mut m = RefMq {
            buf,
            bp: 0,
            a: 0x8000,
            c: if buf.len() > PAD {
                u32::from(buf[0]) << 16
            } else {
                0xFF << 16
            },
            ct: 0,
        };
        m.bytein();
        m.c <<= 7;
        m.ct -= 7;
        m
    }

    fn decode(&mut self, ctx: &mut [u8; CONTEXTS], cx: usize) -> u32 {
        let st = ctx[cx] as usize;
        let (qe, nmps, nlps, switch) = QE_TABLE[st >> 1];
        let qe = u32::from(qe);
        let mps = (st & 1) as u32;
        let d;
        self.a -= qe;
        let mut renorm = true;
        if (self.c >> 16) < qe {
            if self.a < qe {
                d = mps;
                ctx[cx] = 2 * nmps + mps as u8;
            } else {
                d = 1 - mps;
                ctx[cx] = 2 * nlps + (mps as u8 ^ switch);
            }
            self.a = qe;
        } else {
            self.c = self.c.wrapping_sub(qe << 16);
            if self.a & 0x8000 == 0 {
                if self.a < qe {
                    d = 1 - mps;
                    ctx[cx] = 2 * nlps + (mps as u8 ^ switch);
                } else {
                    d = mps;
                    ctx[cx] = 2 * nmps + mps as u8;
                }
            } else {
                d = mps;
                renorm = false;
            }
        }
        if renorm {
            loop {
                if self.ct == 0 {
                    self.bytein();
                }
                self.a <<= 1;
                self.c <<= 1;
                self.ct -= 1;
                if self.a >= 0x8000 {
                    break;
                }
            }
        }
        d
    }
}

fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn lookahead_decoder_matches_the_reference_decoder() {
    let mut seed = 0x1234_5678_9ABC_DEF1u64;
    for case in 0..300 {
        let len = (xorshift(&mut seed) % 200) as usize;
        let mut buf: Vec<u8> = (0..len)
            .map(|_| {
                let r = xorshift(&mut seed);
                // Plenty of 0xFF bytes, some followed by marker-like bytes.
                if r.is_multiple_of(7) {
                    0xFF
                } else {
                    (r >> 8) as u8
                }
            })
            .collect();
        let seg = buf.clone();
        // The reference reads a copy padded with the 0xFF 0xFF marker, as OpenJPEG does;
        // the decoder reads the bare segment.
        buf.extend_from_slice(&[0xFF; PAD]);
        let mut fast = Mq::new(&seg);
        let mut reference = RefMq::new(&buf);
        let mut ctx_a = initial_contexts();
        let mut ctx_b: [u8; CONTEXTS] = initial_contexts().map(|e| (e >> 16) as u8);
        for n in 0..(8 * len + 64) {
            let cx = (xorshift(&mut seed) % CONTEXTS as u64) as usize;
            let a = if n.is_multiple_of(3) {
                fast.decode_skewed(&mut ctx_a, cx, &seg)
            } else {
                fast.decode(&mut ctx_a, cx, &seg)
            };
            let b = reference.decode(&mut ctx_b, cx);
            assert_eq!(a, b, "case {case}, symbol {n}");
            assert_eq!(
                ctx_a.map(|e| (e >> 16) as u8),
                ctx_b,
                "case {case}, symbol {n}"
            );
            assert_eq!(fast.a, reference.a);
        }
    }
}

#[test]
fn context_tables_follow_the_standard() {
    // LL, no neighbours: context 0; two horizontal neighbours: 8.
    assert_eq!(ZC[0], 0);
    assert_eq!(ZC[1 << 3 | 1 << 5], 8);
    // HL swaps the roles: two vertical neighbours give 8 there, 4 in LL.
    assert_eq!(ZC[1 << 9 | 1 << 1 | 1 << 7], 8);
    assert_eq!(ZC[1 << 1 | 1 << 7], 4);
    // HH: three diagonals give 8.
    assert_eq!(ZC[3 << 9 | 1 | 1 << 2 | 1 << 6], 8);
    // Sign: no neighbours → context 9, no flip; one negative west → 12 flipped.
    assert_eq!(SC[0], 9 << 1);
    assert_eq!(SC[0b11], 12 << 1 | 1);
    // Positive north and negative south cancel: V = 0 → with H = 0 context 9.
    assert_eq!(SC[1 << 4 | 1 << 6 | 1 << 7], 9 << 1);
}

#[test]
fn invalid_blocks_are_rejected_and_empty_ones_are_zero() {
    let mut t1 = T1::new();
    let p = BlockParams {
        width: 2048,
        height: 2,
        orientation: 0,
        style: 0,
        numbps: 4,
    };
    assert!(t1.decode(&[], &[], &p).is_err());
    let p = BlockParams {
        width: 5,
        height: 3,
        numbps: 40,
        ..p
    };
    assert!(t1.decode(&[], &[], &p).is_err());
    let p = BlockParams { numbps: 6, ..p };
    let seg = [Segment { len: 0, passes: 3 }];
    let out = t1.decode(&[], &seg, &p).expect("empty data decodes");
    assert_eq!(out.len(), 15);
    let seg = [Segment { len: 9, passes: 1 }];
    assert!(t1.decode(&[1, 2], &seg, &p).is_err());
}

#[test]
fn encoded_blocks_decode_back() {
    // Random code-blocks (full, tiny, one stripe wide, partial stripes; dense and sparse;
    // every orientation) through the encoder, then the decoder: the same coefficients. One
    // encoder codes them all, so that scratch left by a block cannot leak into the next.
    let mut state = 0x7e57_b10c_u64;
    let mut enc = T1Encoder::default();
    let mut t1 = T1::new();
    for case in 0..400 {
        let r = xorshift(&mut state);
        let (w, h) = match case % 5 {
            0 => (64, 64),
            1 => (1 + (r % 7) as usize, 1 + (r >> 8) as usize % 7),
            2 => (1024, 1 + (r % 4) as usize),
            _ => (1 + (r % 64) as usize, 1 + (r >> 8) as usize % 64),
        };
        let bits = 1 + (r >> 16) as u32 % 20;
        let sparse = (r >> 24).is_multiple_of(3);
        let vals: Vec<i32> = (0..w * h)
            .map(|_| {
                let x = xorshift(&mut state);
                if sparse && !x.is_multiple_of(5) {
                    return 0;
                }
                let m = ((x >> 8) & ((1 << bits) - 1)) as i32;
                if x & 1 == 1 { -m } else { m }
            })
            .collect();
        let orientation = (r >> 32) as u8 % 4;
        let mut a = vec![0xAB; case % 3];
        let before = a.len();
        let ca = enc.encode(&vals, w, w, h, orientation, &mut a);
        assert_eq!(a.len(), before + ca.len, "case {case}: appended bytes");
        let a = a.split_off(before);
        let all_zero = vals.iter().all(|&v| v == 0);
        assert_eq!(
            ca.len == 0,
            all_zero,
            "case {case}: empty segment iff all zero"
        );
        let p = BlockParams {
            width: w as u32,
            height: h as u32,
            orientation,
            style: 0,
            numbps: ca.numbps,
        };
        let seg = [Segment {
            len: ca.len,
            passes: ca.passes,
        }];
        let segs: &[Segment] = if ca.len == 0 { &[] } else { &seg };
        let out = t1.decode(&a, segs, &p).expect("the segment decodes");
        let back: Vec<i32> = out.iter().map(|&v| v / 2).collect();
        assert_eq!(back, vals, "case {case}: {w}x{h}, {bits} bits");
    }
}
