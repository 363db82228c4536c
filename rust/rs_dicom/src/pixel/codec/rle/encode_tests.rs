use super::*;
use crate::pixel::codec::{ColorOut, FrameInfo};
use crate::pixel::test_rng::Rng;

fn frame<'a>(rows: u32, columns: u32, spp: u32, bits: u32, data: &'a [u8]) -> FrameImage<'a> {
    FrameImage {
        rows,
        columns,
        samples_per_pixel: spp,
        bits_allocated: bits,
        bits_stored: bits,
        signed: false,
        photometric_interpretation: if spp == 3 { "RGB" } else { "MONOCHROME2" },
        data,
    }
}

fn decode(src: &[u8], f: &FrameImage) -> Vec<u8> {
    let info = FrameInfo {
        rows: f.rows,
        columns: f.columns,
        samples_per_pixel: f.samples_per_pixel,
        bits_allocated: f.bits_allocated,
        bits_stored: f.bits_stored,
        pixel_representation: u32::from(f.signed),
        planar_configuration: 0,
        photometric_interpretation: f.photometric_interpretation.into(),
        as_rgb: false,
    };
    let mut out = vec![0xA5u8; f.frame_len()];
    assert_eq!(
        super::super::decode(src, &info, &mut out).unwrap(),
        ColorOut::AsDataset
    );
    out
}

/// Checks the structure PS3.5 G.5 requires: segment count, increasing offsets, even lengths.
fn check_layout(src: &[u8], segments: usize) {
    assert_eq!(src.len() % 2, 0);
    let word = |i: usize| u32::from_le_bytes(src[4 * i..4 * i + 4].try_into().unwrap()) as usize;
    assert_eq!(word(0), segments);
    for s in 0..segments {
        let start = word(1 + s);
        let end = if s + 1 < segments {
            word(2 + s)
        } else {
            src.len()
        };
        assert!(start >= HEADER_LEN && start < end && end <= src.len());
        assert_eq!((end - start) % 2, 0, "segment {s} has an odd length");
    }
    for s in segments..MAX_SEGMENTS {
        assert_eq!(word(1 + s), 0, "unused offset {s} is not zero");
    }
}

#[test]
fn random_images_round_trip() {
    let mut rng = Rng::new(13);
    for case in 0..400 {
        let rows = 1 + rng.below(300) as u32;
        let columns = 1 + rng.below(if case % 4 == 0 { 300 } else { 40 }) as u32;
        let spp = if rng.below(2) == 0 { 1 } else { 3 };
        let bits = [8, 16, 32][rng.below(3) as usize];
        let len = (rows * columns * spp * bits / 8) as usize;
        // Noise, runs (of every length, across row ends) and flat areas mixed.
        let style = rng.below(3);
        let mut data = Vec::with_capacity(len);
        while data.len() < len {
            let b = rng.next_u64() as u8;
            let n = match style {
                0 => 1,
                1 => 1 + rng.below(300) as usize,
                _ => 1 + rng.below(5) as usize,
            };
            data.extend(std::iter::repeat_n(b, n.min(len - data.len())));
        }
        let f = frame(rows, columns, spp, bits, &data);
        let src = encode(&f).unwrap();
        check_layout(&src, (spp * bits / 8) as usize);
        assert_eq!(
            decode(&src, &f),
            data,
            "case {case}: {rows}x{columns}x{spp} {bits}-bit"
        );
    }
}

#[test]
fn packets_as_dcmtk_writes_them() {
    // A literal of two bytes, a run of 130: 128 + 2, both replicate packets.
    let mut row = vec![1u8, 2];
    row.extend(std::iter::repeat_n(7u8, 130));
    let f = frame(1, row.len() as u32, 1, 8, &row);
    // 1 → literal of 2; 129 = 257 - 128 → 128 sevens; 255 → two sevens; then the pad.
    assert_eq!(&encode(&f).unwrap()[64..], &[1, 1, 2, 129, 7, 255, 7, 0]);
    // A run of 129 then a byte: the 129th seven is a one-byte literal of its own.
    let mut row = vec![1u8, 2];
    row.extend(std::iter::repeat_n(7u8, 129));
    row.push(3);
    let f = frame(1, row.len() as u32, 1, 8, &row);
    assert_eq!(
        &encode(&f).unwrap()[64..],
        &[1, 1, 2, 129, 7, 0, 7, 0, 3, 0]
    );
    // A pair inside a row is literal; ending the row it is a replicate packet.
    let f = frame(1, 5, 1, 8, &[5, 5, 6, 4, 4]);
    assert_eq!(&encode(&f).unwrap()[64..], &[2, 5, 5, 6, 255, 4]);
    // Runs do not cross rows: two rows of the same byte are two packets.
    let f = frame(2, 4, 1, 8, &[9; 8]);
    assert_eq!(&encode(&f).unwrap()[64..], &[253, 9, 253, 9]);
}

#[test]
fn sixteen_bit_segments_most_significant_first() {
    let data = [0x34, 0x12, 0xCD, 0xAB]; // 0x1234, 0xABCD little endian
    let f = frame(1, 2, 1, 16, &data);
    let src = encode(&f).unwrap();
    check_layout(&src, 2);
    // Each three-byte segment is padded to four.
    assert_eq!(&src[64..], &[1, 0x12, 0xAB, 0, 1, 0x34, 0xCD, 0]);
}

#[test]
fn refusals_name_the_reason() {
    let data = [0u8; 64];
    for (f, what) in [
        (frame(2, 2, 1, 1, &data[..1]), "Bits Allocated 1"),
        (frame(2, 2, 1, 12, &data[..8]), "Bits Allocated 12"),
        (frame(2, 2, 4, 32, &data), "16 segments"),
        (frame(2, 2, 0, 8, &data[..0]), "0 samples"),
        (frame(2, 2, 1, 8, &data[..3]), "has 3 bytes"),
    ] {
        let err = encode(&f).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Encode);
        assert!(err.message.contains(what), "{}", err.message);
    }
}

/// DCMTK's packing of one row, written the plain way: maximal runs of equal bytes taken one
/// at a time, byte by byte. What the word-at-a-time scanner must equal packet for packet
/// (`tests/test_encode_rle_dcmtk.py` checks the same against `dcmcrle` itself).
fn pack_row_bytewise(row: &[u8], out: &mut Vec<u8>) {
    let n = row.len();
    let mut literal: Vec<u8> = Vec::new();
    let mut i = 0;
    while i < n {
        let b = row[i];
        let mut j = i + 1;
        while j < n && row[j] == b {
            j += 1;
        }
        let len = j - i;
        if len >= 3 || (len == 2 && j == n) {
            push_literal(&literal, out);
            literal.clear();
            let mut left = len;
            while left > 0 {
                let k = left.min(MAX_PACKET);
                out.push(if k == 1 { 0 } else { (257 - k) as u8 });
                out.push(b);
                left -= k;
            }
        } else {
            literal.extend_from_slice(&row[i..j]);
        }
        i = j;
    }
    push_literal(&literal, out);
}

#[test]
fn word_scanner_equals_the_bytewise_scan() {
    let mut rng = Rng::new(31);
    for case in 0..3000 {
        let n = rng.range(0, if case % 10 == 0 { 700 } else { 40 }) as usize;
        // Runs of random lengths (1..=300) of a few byte values, 0xFF among them.
        let mut row = Vec::with_capacity(n);
        while row.len() < n {
            let b = [0u8, 1, 0xFF, 0x80][rng.range(0, 3) as usize];
            let len = match rng.range(0, 9) {
                0 => rng.range(100, 300),
                1..=3 => rng.range(3, 12),
                _ => rng.range(1, 2),
            } as usize;
            row.extend(std::iter::repeat_n(b, len.min(n - row.len())));
        }
        let (mut fast, mut slow) = (Vec::new(), Vec::new());
        pack_row(&row, &mut fast);
        pack_row_bytewise(&row, &mut slow);
        assert_eq!(fast, slow, "row {row:?}");
    }
}
