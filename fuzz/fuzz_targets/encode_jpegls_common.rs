//! The JPEG-LS encoder's invariant, shared by the `encode_jpegls` fuzz target and the core's
//! test over seeded random inputs (`rust/rs_dicom/tests/fuzz_encode_jpegls.rs` includes this
//! file).
//!
//! The first 5 input bytes choose the image (rows and columns up to 256, 1 or 3 samples — or
//! 2, which is refused —, Bits Allocated 8 or 16, Bits Stored 1 to 16, signedness) and NEAR
//! (0 to 3, sometimes far above what the precision allows); the rest of the input gives the
//! samples, repeated, or as (value, length) runs, since a fuzzer rarely writes long runs. The
//! encoder must refuse bad settings and samples out of range with an encoding error; anything
//! else it must encode into CharLS's codestream, byte for byte, which our decoder (CharLS)
//! decodes to the input exactly (NEAR 0) or within NEAR.

use rs_dicom::ErrorKind;
use rs_dicom::pixel::codec::jpegls::{charls_encode::encode_charls, encode::encode};
use rs_dicom::pixel::codec::{FrameInfo, jpegls};
use rs_dicom::pixel::encode::FrameImage;

/// One fuzz input: returns whether a frame was encoded (and checked).
pub fn run(data: &[u8]) -> bool {
    if data.len() < 6 {
        return false;
    }
    let (h, body) = data.split_at(5);
    let rows = u32::from(h[0]) + 1;
    let columns = u32::from(h[1]) + 1;
    let spp = [1u32, 3, 1, 2][usize::from(h[2] & 3)];
    let bits_allocated = if h[2] & 4 != 0 { 16 } else { 8 };
    let bits_stored = (u32::from(h[2] >> 3) % bits_allocated) + 1;
    let signed = h[3] & 1 != 0;
    let near = if h[3] & 0x80 != 0 {
        u32::from(h[4])
    } else {
        u32::from(h[4] & 3)
    };
    let n = (rows * columns * spp) as usize;
    let values: Vec<u16> = if h[3] & 2 == 0 {
        body.chunks(2)
            .cycle()
            .take(n)
            .map(|c| u16::from_le_bytes([c[0], c.get(1).copied().unwrap_or(0)]))
            .collect()
    } else {
        let mut out = Vec::with_capacity(n);
        for pair in body.chunks(2).cycle() {
            if out.len() >= n {
                break;
            }
            let len = 1 + usize::from(pair.get(1).copied().unwrap_or(0));
            out.extend(std::iter::repeat_n(
                u16::from(pair[0]) * 37,
                len.min(n - out.len()),
            ));
        }
        out
    };
    // Mostly in range: the low bits, sign-extended when signed; out-of-range values when
    // the header asks for them.
    let keep = h[3] & 4 == 0;
    let shift = 16 - bits_stored;
    let mut frame_bytes = Vec::with_capacity(n * (bits_allocated as usize / 8));
    for &v in &values {
        let v = if !keep {
            v
        } else if signed {
            (((v << shift) as i16) >> shift) as u16
        } else {
            v & (((1u32 << bits_stored) - 1) as u16)
        };
        if bits_allocated == 8 {
            frame_bytes.push(v as u8);
        } else {
            frame_bytes.extend_from_slice(&v.to_le_bytes());
        }
    }
    let photometric = if spp == 3 { "RGB" } else { "MONOCHROME2" };
    let frame = FrameImage {
        rows,
        columns,
        samples_per_pixel: spp,
        bits_allocated,
        bits_stored,
        signed,
        photometric_interpretation: photometric,
        data: &frame_bytes,
    };
    let ours = encode(&frame, near);
    let theirs = encode_charls(&frame, near);
    let src = match ours {
        Ok(src) => src,
        Err(e) => {
            assert_eq!(e.kind, ErrorKind::Encode, "{e}");
            assert!(theirs.is_err(), "refused what CharLS encodes: {e}");
            return false;
        }
    };
    let want = theirs.unwrap_or_else(|e| panic!("CharLS refuses what we encode: {e}"));
    assert!(src == want, "not CharLS's codestream");
    let info = FrameInfo {
        rows,
        columns,
        samples_per_pixel: spp,
        bits_allocated,
        bits_stored,
        pixel_representation: u32::from(signed),
        planar_configuration: 0,
        photometric_interpretation: photometric.into(),
        as_rgb: false,
    };
    let mut decoded = vec![0xA5u8; frame_bytes.len()];
    if let Err(e) = jpegls::decode(&src, &info, &mut decoded) {
        panic!("our decoder refuses the encoder's output: {e}");
    }
    // Compare as values of Bits Stored bits (the decoder sign-extends from the precision).
    let wide = bits_allocated == 16;
    let value = |b: &[u8], i: usize| -> i32 {
        let raw = if wide {
            i32::from(u16::from_ne_bytes([b[2 * i], b[2 * i + 1]]))
        } else {
            i32::from(b[i])
        };
        let bits = bits_stored.max(2);
        let m = raw & ((1 << bits) - 1);
        if signed && m >= 1 << (bits - 1) {
            m - (1 << bits)
        } else {
            m
        }
    };
    let input: Vec<u8> = if wide && cfg!(target_endian = "big") {
        frame_bytes.chunks(2).flat_map(|c| [c[1], c[0]]).collect()
    } else {
        frame_bytes.clone()
    };
    for i in 0..n {
        let (a, b) = (value(&input, i), value(&decoded, i));
        assert!(
            (a - b).unsigned_abs() <= near,
            "sample {i}: {a} decodes as {b} (NEAR {near})"
        );
    }
    true
}
