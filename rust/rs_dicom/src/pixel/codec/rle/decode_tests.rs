//! Tests of the RLE decoder (`super`).

use super::*;

fn info(rows: u32, columns: u32, spp: u32, bits: u32) -> FrameInfo {
    FrameInfo {
        rows,
        columns,
        samples_per_pixel: spp,
        bits_allocated: bits,
        bits_stored: bits,
        pixel_representation: 0,
        planar_configuration: 0,
        photometric_interpretation: if spp == 3 { "RGB" } else { "MONOCHROME2" }.into(),
        as_rgb: false,
    }
}

/// A simple PackBits encoder (literal runs and repeats) for round trips.
fn packbits(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let mut run = 1;
        while i + run < data.len() && run < 128 && data[i + run] == data[i] {
            run += 1;
        }
        if run >= 2 {
            out.push((257 - run) as u8);
            out.push(data[i]);
            i += run;
            continue;
        }
        let start = i;
        while i < data.len() && i - start < 128 && !(i + 1 < data.len() && data[i + 1] == data[i]) {
            i += 1;
        }
        if i == start {
            i += 1;
        }
        out.push((i - start - 1) as u8);
        out.extend_from_slice(&data[start..i]);
    }
    out
}

fn frame(segments: &[Vec<u8>]) -> Vec<u8> {
    let mut out = vec![0u8; 64];
    out[..4].copy_from_slice(&(segments.len() as u32).to_le_bytes());
    let mut off = 64u32;
    for (i, s) in segments.iter().enumerate() {
        out[4 + 4 * i..8 + 4 * i].copy_from_slice(&off.to_le_bytes());
        off += s.len() as u32;
    }
    for s in segments {
        out.extend_from_slice(s);
    }
    out
}

/// Encodes an interleaved native-endian frame the way an RLE encoder would.
fn encode(pixels: &[u8], spp: usize, bps: usize) -> Vec<u8> {
    let mut segs = Vec::new();
    for s in 0..spp {
        for b in 0..bps {
            let in_sample = if cfg!(target_endian = "little") {
                bps - 1 - b
            } else {
                b
            };
            let plane: Vec<u8> = pixels
                .iter()
                .skip(s * bps + in_sample)
                .step_by(spp * bps)
                .copied()
                .collect();
            let mut seg = packbits(&plane);
            if seg.len() % 2 == 1 {
                seg.push(0);
            }
            segs.push(seg);
        }
    }
    frame(&segs)
}

#[test]
fn hand_made_8bit() {
    // 2x3: literal [1, 2], repeat 7 x4.
    let src = frame(&[vec![1, 1, 2, 0xFD, 7]]);
    let mut out = vec![0u8; 6];
    assert_eq!(
        decode(&src, &info(2, 3, 1, 8), &mut out).ok(),
        Some(ColorOut::AsDataset)
    );
    assert_eq!(out, [1, 2, 7, 7, 7, 7]);
}

#[test]
fn noop_and_padding() {
    // -128 no-op, then a repeat that overshoots (ignored), then a pad byte.
    let src = frame(&[vec![0x80, 0xF0, 9, 0]]);
    let mut out = vec![0u8; 4];
    assert!(decode(&src, &info(2, 2, 1, 8), &mut out).is_ok());
    assert_eq!(out, [9; 4]);
}

#[test]
fn hand_made_16bit() {
    // Two pixels 0x1234, 0xABCD: MSB segment then LSB segment.
    let src = frame(&[vec![1, 0x12, 0xAB], vec![1, 0x34, 0xCD]]);
    let mut out = vec![0u8; 4];
    decode(&src, &info(1, 2, 1, 16), &mut out).unwrap();
    let v: Vec<u16> = out
        .chunks(2)
        .map(|c| u16::from_ne_bytes([c[0], c[1]]))
        .collect();
    assert_eq!(v, [0x1234, 0xABCD]);
}

#[test]
fn hand_made_rgb() {
    // 1x2 RGB: R plane [10, 11], G repeat 20, B literal [30, 31].
    let src = frame(&[vec![1, 10, 11], vec![0xFF, 20], vec![1, 30, 31]]);
    let mut out = vec![0u8; 6];
    decode(&src, &info(1, 2, 3, 8), &mut out).unwrap();
    assert_eq!(out, [10, 20, 30, 11, 20, 31]);
}

#[test]
fn round_trips() {
    let mut seed = 0x1234_5678u32;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    for &(rows, cols, spp, bits) in &[
        (7u32, 13u32, 1u32, 8u32),
        (7, 13, 3, 8),
        (16, 9, 1, 16),
        (5, 5, 3, 16),
        (3, 11, 1, 32),
        (2, 3, 1, 64),
        (300, 1, 1, 8),
        (1, 1, 1, 16),
        (64, 64, 1, 16),
        (37, 100, 1, 16),
        (3, 129, 1, 16),
        (40, 33, 3, 8),
    ] {
        let fi = info(rows, cols, spp, bits);
        let len = fi.frame_len();
        // Mix of runs and noise.
        let pixels: Vec<u8> = (0..len)
            .map(|i| {
                if (i / 37) % 2 == 0 {
                    (i / 200) as u8
                } else {
                    rnd() as u8
                }
            })
            .collect();
        let src = encode(&pixels, spp as usize, bits as usize / 8);
        let mut out = vec![0xEEu8; len];
        decode(&src, &fi, &mut out).unwrap();
        assert_eq!(out, pixels, "{rows}x{cols}x{spp} {bits}-bit");
    }
}

/// Byte-at-a-time PackBits, the reference for [`decode_segment`]'s block writes.
fn reference(seg: &[u8], count: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while out.len() < count && i < seg.len() {
        let h = seg[i];
        i += 1;
        if h < 128 {
            for _ in 0..=h {
                if let Some(&b) = seg.get(i) {
                    out.push(b);
                }
                i += 1;
            }
        } else if h > 128 {
            let Some(&v) = seg.get(i) else { break };
            i += 1;
            out.extend(std::iter::repeat_n(v, 257 - usize::from(h)));
        }
    }
    out.truncate(count);
    out
}

/// Random segments for the reference tests: runs of every length (short ones most often,
/// as in real images), no-ops, and now and then a segment cut short; with the number of
/// bytes to decode (all it holds, or fewer, or more so that it ends early).
fn random_segments() -> impl Iterator<Item = (usize, Vec<u8>, usize)> {
    let mut seed = 0x9E37_79B9u32;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    (0..400).map(move |case| {
        let mut seg = Vec::new();
        for _ in 0..rnd() % 300 {
            let len = if rnd() % 4 == 0 {
                rnd() % 128
            } else {
                rnd() % 12
            } as usize;
            match rnd() % 9 {
                0 => seg.push(128),
                1..=4 => {
                    seg.push(len as u8);
                    seg.extend((0..=len).map(|_| rnd() as u8));
                }
                _ => {
                    seg.push((256 - len.max(1)) as u8);
                    seg.push(rnd() as u8);
                }
            }
        }
        if case % 7 == 0 {
            seg.truncate(seg.len().saturating_sub((rnd() % 40) as usize));
        }
        let full = reference(&seg, usize::MAX).len();
        let count = if case % 3 == 0 {
            full
        } else {
            (rnd() as usize % (full + 50)).max(1)
        };
        (case, seg, count)
    })
}

#[test]
fn segments_match_the_reference() {
    for (case, seg, count) in random_segments() {
        let want = reference(&seg, count);
        // Room for block writes past `count` or none.
        let spare = if case % 2 == 0 { BLOCK } else { 0 };
        let mut out = vec![0xEEu8; count + spare];
        match decode_segment(&seg, &mut out, count) {
            Ok(()) => assert_eq!(&out[..count], &want[..], "case {case}"),
            Err(got) => {
                assert!(want.len() < count, "case {case}: failed but complete");
                assert_eq!(got, want.len(), "case {case}");
                assert_eq!(&out[..got], &want[..], "case {case}");
            }
        }
    }
}

#[test]
fn low_bytes_match_the_reference() {
    for (case, seg, count) in random_segments() {
        let want = reference(&seg, count);
        let hi: Vec<u8> = (0..count).map(|i| (i * 7 + case) as u8).collect();
        let mut out = vec![0xEEu8; 2 * count];
        let result = decode_low_bytes(&seg, &hi, &mut out, count);
        let got = match result {
            Ok(()) => count,
            Err(got) => {
                assert!(want.len() < count, "case {case}: failed but complete");
                got
            }
        };
        assert_eq!(got, want.len(), "case {case}");
        for (i, &l) in want.iter().enumerate() {
            assert_eq!(
                [out[2 * i], out[2 * i + 1]],
                [l, hi[i]],
                "case {case} byte {i}"
            );
        }
    }
}

#[test]
fn malformed_inputs() {
    let fi = info(2, 2, 1, 8);
    let good = frame(&[vec![3, 1, 2, 3, 4]]);
    let mut out = vec![0u8; 4];
    assert!(decode(&good, &fi, &mut out).is_ok());
    // Too short for the header.
    assert!(decode(&good[..63], &fi, &mut out).is_err());
    // Truncated segment.
    assert!(decode(&good[..good.len() - 1], &fi, &mut out).is_err());
    // Wrong segment count.
    let mut bad = good.clone();
    bad[0] = 2;
    bad[8..12].copy_from_slice(&66u32.to_le_bytes());
    assert!(decode(&bad, &fi, &mut out).is_err());
    let mut bad = good.clone();
    bad[0] = 16;
    assert!(decode(&bad, &fi, &mut out).is_err());
    let mut bad = good.clone();
    bad[..4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(decode(&bad, &fi, &mut out).is_err());
    // Offset into the header / past the end.
    let mut bad = good.clone();
    bad[4..8].copy_from_slice(&10u32.to_le_bytes());
    assert!(decode(&bad, &fi, &mut out).is_err());
    let mut bad = good.clone();
    bad[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(decode(&bad, &fi, &mut out).is_err());
    // Decreasing offsets.
    let fi16 = info(1, 2, 1, 16);
    let mut two = frame(&[vec![1, 1, 2], vec![1, 3, 4]]);
    assert!(decode(&two, &fi16, &mut out).is_ok());
    two[8..12].copy_from_slice(&64u32.to_le_bytes());
    assert!(decode(&two, &fi16, &mut out).is_err());
    // Repeat with no value byte, segment too short.
    assert!(decode(&frame(&[vec![0xFD]]), &fi, &mut out).is_err());
    assert!(decode(&frame(&[vec![0xFF, 1]]), &fi, &mut out).is_err());
    // Unsupported bit depths and sizes.
    assert!(decode(&good, &info(2, 2, 1, 12), &mut out).is_err());
    assert!(decode(&good, &info(2, 2, 1, 1), &mut out).is_err());
    assert!(decode(&good, &info(2, 2, 4, 32), &mut out).is_err());
    assert!(decode(&good, &info(2, 2, 0, 8), &mut out).is_err());
    // Output buffer too small.
    assert!(decode(&good, &fi, &mut out[..3]).is_err());
}

#[test]
fn empty_image() {
    let mut out = [];
    assert!(decode(&frame(&[vec![0, 0]]), &info(0, 5, 1, 8), &mut out).is_ok());
}
