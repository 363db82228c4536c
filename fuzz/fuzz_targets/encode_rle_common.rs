//! The RLE Lossless encoder's invariant, shared by the `encode_rle` fuzz target and the
//! core's test over seeded random inputs (`rust/rs_dicom/tests/fuzz_encode_rle.rs` includes
//! this file).
//!
//! The first 4 input bytes choose the image (rows, columns up to 512, samples 1 to 5, Bits
//! Allocated 8, 16 or 32, or 1 and 12, which RLE cannot hold) and how the rest of the input
//! gives the frame's bytes: repeated as they are, or read as (byte, length) pairs that become
//! runs — 1 to 4, up to 64, about 128 and about 256 long, where packets are split — since a
//! fuzzer rarely writes long runs itself. The encoder must refuse what RLE cannot hold (Bits
//! Allocated not 8, 16 or 32; more than 15 segments) with an encoding error; anything else it
//! must encode into a frame that has the header PS3.5 G.5 describes, holds segment by segment
//! the packets DCMTK's `dcmcrle` writes (modelled here one byte at a time, as DCMTK packs),
//! and decodes to the input exactly.

use rs_dicom::ErrorKind;
use rs_dicom::pixel::codec::{FrameInfo, rle};
use rs_dicom::pixel::encode::FrameImage;

/// One fuzz input: returns whether a frame was encoded (and checked).
pub fn run(data: &[u8]) -> bool {
    if data.len() < 5 {
        return false;
    }
    let (h, body) = data.split_at(4);
    let rows = u32::from(h[0] & 0x3F) + 1;
    let columns = u32::from(h[1]) + 1 + if h[0] & 0x40 != 0 { 256 } else { 0 };
    let spp = [1u32, 3, 1, 3, 2, 4, 5, 1][usize::from(h[2] & 7)];
    let bits = [8u32, 16, 8, 16, 32, 32, 1, 12][usize::from((h[2] >> 3) & 7)];
    let bytes = bits.div_ceil(8) as usize;
    let len = rows as usize * columns as usize * spp as usize * bytes;
    let frame_bytes: Vec<u8> = if h[3] & 1 == 0 {
        body.iter().cycle().take(len).copied().collect()
    } else {
        let mut out = Vec::with_capacity(len);
        for pair in body.chunks(2).cycle() {
            if out.len() >= len {
                break;
            }
            let (b, l) = (pair[0], usize::from(pair.get(1).copied().unwrap_or(0)));
            let n = match l >> 6 {
                0 => 1 + (l & 3),
                1 => 1 + (l & 63),
                2 => 120 + (l & 15),
                _ => 250 + (l & 15),
            };
            out.extend(std::iter::repeat_n(b, n.min(len - out.len())));
        }
        out
    };
    let photometric = if spp == 3 { "RGB" } else { "MONOCHROME2" };
    let frame = FrameImage {
        rows,
        columns,
        samples_per_pixel: spp,
        bits_allocated: bits,
        bits_stored: bits,
        signed: h[3] & 2 != 0,
        photometric_interpretation: photometric,
        data: &frame_bytes,
    };
    let segments = spp as usize * bytes;
    let valid = matches!(bits, 8 | 16 | 32) && segments <= 15;
    let src = match rle::encode::encode(&frame) {
        Ok(src) => src,
        Err(e) => {
            assert!(!valid, "valid frame refused: {e}");
            assert_eq!(e.kind, ErrorKind::Encode, "{e}");
            return false;
        }
    };
    assert!(valid, "{rows}x{columns}x{spp} at {bits} bits accepted");
    check_segments(&src, &frame_bytes, columns as usize, bytes, segments);
    let info = FrameInfo {
        rows,
        columns,
        samples_per_pixel: spp,
        bits_allocated: bits,
        bits_stored: bits,
        pixel_representation: u32::from(frame.signed),
        planar_configuration: 0,
        photometric_interpretation: photometric.into(),
        as_rgb: false,
    };
    let mut decoded = vec![0xA5u8; len];
    if let Err(e) = rle::decode(&src, &info, &mut decoded) {
        panic!("our decoder refuses the encoder's output: {e}");
    }
    // The decoder writes native-endian samples, the frame is little endian.
    if cfg!(target_endian = "little") {
        assert!(
            decoded == frame_bytes,
            "the frame does not decode to its input"
        );
    }
    true
}

/// The header (segment count, offsets from 64 up, unused offsets 0) and every segment equal
/// to DCMTK's packing of its byte plane.
fn check_segments(src: &[u8], frame: &[u8], columns: usize, bytes: usize, segments: usize) {
    assert!(
        src.len() >= 64 && src.len().is_multiple_of(2),
        "frame of {} bytes",
        src.len()
    );
    let word = |i: usize| {
        let mut w = [0u8; 4];
        w.copy_from_slice(&src[4 * i..4 * i + 4]);
        u32::from_le_bytes(w) as usize
    };
    assert_eq!(word(0), segments);
    for i in segments..15 {
        assert_eq!(word(1 + i), 0, "unused offset {i}");
    }
    for s in 0..segments {
        let start = word(1 + s);
        let end = if s + 1 < segments {
            word(2 + s)
        } else {
            src.len()
        };
        assert!(
            start >= 64 && start <= end && end <= src.len(),
            "segment {s} bounds"
        );
        // Segments run sample by sample, most significant byte first (little endian input).
        let (sample, byte) = (s / bytes, s % bytes);
        let at = sample * bytes + (bytes - 1 - byte);
        let plane: Vec<u8> = frame.iter().skip(at).step_by(segments).copied().collect();
        let want = dcmtk_segment(&plane, columns);
        assert!(
            src[start..end] == want[..],
            "segment {s} differs from DCMTK's packets"
        );
    }
}

/// DCMTK's packing of one plane, one byte at a time: a byte equal to the previous one counts
/// a repeat; at a different byte, three or more repeats become replicate packets (of at most
/// 128; a single byte left over is a literal of one), fewer join the pending literal (sent in
/// packets of 128 and the rest before each replicate packet); at the end of a row the
/// pending bytes go out, a final pair as a replicate packet. Padded to an even length.
fn dcmtk_segment(plane: &[u8], columns: usize) -> Vec<u8> {
    fn literal(pending: &mut Vec<u8>, out: &mut Vec<u8>) {
        for chunk in pending.chunks(128) {
            out.push((chunk.len() - 1) as u8);
            out.extend_from_slice(chunk);
        }
        pending.clear();
    }
    fn replicate(b: u8, mut n: usize, out: &mut Vec<u8>) {
        while n > 0 {
            let k = n.min(128);
            out.push(if k == 1 { 0 } else { (257 - k) as u8 });
            out.push(b);
            n -= k;
        }
    }
    let mut out = Vec::new();
    for row in plane.chunks(columns.max(1)) {
        let mut pending = Vec::new();
        let (mut prev, mut count) = (row[0], 0usize);
        for &b in row {
            if count > 0 && b == prev {
                count += 1;
                continue;
            }
            if count >= 3 {
                literal(&mut pending, &mut out);
                replicate(prev, count, &mut out);
            } else {
                pending.extend(std::iter::repeat_n(prev, count));
            }
            (prev, count) = (b, 1);
        }
        if count >= 2 {
            literal(&mut pending, &mut out);
            replicate(prev, count, &mut out);
        } else {
            pending.push(prev);
            literal(&mut pending, &mut out);
        }
    }
    if !out.len().is_multiple_of(2) {
        out.push(0);
    }
    out
}
