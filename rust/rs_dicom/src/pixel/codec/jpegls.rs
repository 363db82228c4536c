//! JPEG-LS lossless and near-lossless (ISO/IEC 14495-1), decoded with CharLS (`jpegls` feature).
//!
//! The output matches pydicom + pyjpegls: samples interleaved by pixel whatever the codestream's
//! interleave mode, widened to Bits Allocated, and — when Pixel Representation is 1 — sign
//! extended from the codestream's precision (JPEG-LS only stores unsigned samples; pydicom's
//! `_apply_sign_correction` shifts left then arithmetically right by `8 × itemsize − precision`).
// Without CharLS only the error path remains; the helpers stay compiled (and tested) anyway.
#![cfg_attr(not(feature = "jpegls"), allow(dead_code))]

use super::{ColorOut, FrameInfo};
use crate::parser::{DicomError, ErrorKind, Result};

fn malformed(msg: impl Into<String>) -> DicomError {
    DicomError::new(ErrorKind::Malformed, None, "(7FE0,0010)", msg)
}

/// Decodes one frame into `out` (see [`super::decode_frame`]).
#[cfg(not(feature = "jpegls"))]
pub fn decode(_src: &[u8], _info: &FrameInfo, _out: &mut [u8]) -> Result<ColorOut> {
    Err(DicomError::new(
        ErrorKind::UnsupportedCodec,
        None,
        "(7FE0,0010)",
        "JPEG-LS decoding is not available (rs_dicom was built without the `jpegls` feature)",
    ))
}

/// Decodes one frame into `out` (see [`super::decode_frame`]).
#[cfg(feature = "jpegls")]
pub fn decode(src: &[u8], info: &FrameInfo, out: &mut [u8]) -> Result<ColorOut> {
    use charls::CharLS;

    let out_size = match info.bits_allocated {
        8 => 1usize,
        16 => 2usize,
        b => {
            return Err(DicomError::new(
                ErrorKind::UnsupportedCodec,
                None,
                "(0028,0100)",
                format!("JPEG-LS with Bits Allocated {b} is not supported (8 or 16)"),
            ));
        }
    };
    let spp = info.samples_per_pixel as usize;
    if spp != 1 && spp != 3 {
        return Err(malformed(format!(
            "JPEG-LS with Samples per Pixel {spp} is not supported (1 or 3)"
        )));
    }
    if out.len() != info.frame_len() {
        return Err(malformed(format!(
            "output buffer is {} bytes, the frame needs {}",
            out.len(),
            info.frame_len()
        )));
    }
    let charls_err = |e: charls::Error| malformed(format!("corrupt JPEG-LS codestream: {e}"));

    // CharLS 2.4 stalls for seconds (a 2^31-step loop in `read_high_bits`) when entropy-coded
    // data runs into the end of the buffer rather than into a marker; pyjpegls does the same.
    // Ending the buffer with an EOI marker makes it fail fast; valid streams are unaffected.
    let padded;
    let src = if src.ends_with(&[0xFF, 0xD9]) {
        src
    } else {
        padded = [src, &[0xFF, 0xD9]].concat();
        &padded[..]
    };

    // Read the header with a decoder of its own (a CharLS decoder reads one header only) and
    // check it before decoding, so a hostile header cannot make CharLS allocate a huge image.
    let header = CharLS::default().get_frame_info(src).map_err(charls_err)?;
    let bits = header.bits_per_sample;
    if header.width != info.columns
        || header.height != info.rows
        || usize::try_from(header.component_count).ok() != Some(spp)
    {
        return Err(malformed(format!(
            "JPEG-LS frame is {}×{} with {} component(s), the dataset says {}×{} with {}",
            header.width, header.height, header.component_count, info.columns, info.rows, spp
        )));
    }
    if !(2..=16).contains(&bits) || bits > (8 * out_size) as i32 {
        return Err(malformed(format!(
            "JPEG-LS precision {bits} bits does not fit Bits Allocated {}",
            info.bits_allocated
        )));
    }
    let bits = bits as usize;
    let planar = spp > 1 && interleave_mode(src, spp)? == 0;

    let decoded = CharLS::default().decode(src).map_err(charls_err)?;
    let in_size = if bits <= 8 { 1 } else { 2 };
    let samples = out.len() / out_size;
    if decoded.len() != samples * in_size {
        return Err(malformed(format!(
            "JPEG-LS decoder returned {} bytes, expected {}",
            decoded.len(),
            samples * in_size
        )));
    }

    let shift = if info.pixel_representation == 1 {
        8 * out_size - bits
    } else {
        0
    };
    if !planar && in_size == out_size {
        out.copy_from_slice(&decoded);
    } else {
        let pixels = samples / spp;
        let read = |i: usize| -> u16 {
            if in_size == 1 {
                u16::from(decoded[i])
            } else {
                u16::from_ne_bytes([decoded[2 * i], decoded[2 * i + 1]])
            }
        };
        for (k, dst) in out.chunks_exact_mut(out_size).enumerate() {
            let i = if planar {
                (k % spp) * pixels + k / spp
            } else {
                k
            };
            let v = read(i);
            if out_size == 1 {
                dst[0] = v as u8;
            } else {
                dst.copy_from_slice(&v.to_ne_bytes());
            }
        }
    }
    if shift > 0 {
        sign_extend(out, out_size, shift as u32);
    }
    Ok(ColorOut::AsDataset)
}

/// pydicom's JPEG-LS sign correction: `(v << shift) >> shift` on the signed sample type.
fn sign_extend(out: &mut [u8], size: usize, shift: u32) {
    if size == 1 {
        for b in out.iter_mut() {
            *b = (((*b << shift) as i8) >> shift) as u8;
        }
    } else {
        for s in out.chunks_exact_mut(2) {
            let v = u16::from_ne_bytes([s[0], s[1]]);
            s.copy_from_slice(&((((v << shift) as i16) >> shift) as u16).to_ne_bytes());
        }
    }
}

/// The interleave mode (ILV) of the image, 0 none (colour by plane), 1 line, 2 sample, after
/// checking the scans are laid out the one way CharLS handles safely: one scan of all
/// components, or (ILV 0) one single-component scan per component. CharLS 2.4 writes past its
/// output buffer when a stream mixes a by-plane scan with an interleaved one (fuzzer find).
fn interleave_mode(src: &[u8], components: usize) -> Result<u8> {
    let bad = |why: &str| malformed(format!("JPEG-LS codestream {why}"));
    if src.get(..2) != Some(&[0xFF, 0xD8]) {
        return Err(bad("does not start with SOI"));
    }
    let mut scans: Vec<(usize, u8)> = Vec::new();
    let mut i = 2usize;
    loop {
        // The next marker: 0xFF followed by a byte with its high bit set (in entropy-coded
        // data 0xFF is followed by a stuffed 0 bit), fill bytes skipped.
        loop {
            let b = *src.get(i).ok_or_else(|| bad("ends without EOI"))?;
            let next = *src.get(i + 1).ok_or_else(|| bad("ends without EOI"))?;
            i += 1;
            if b == 0xFF && next >= 0x80 && next != 0xFF {
                break;
            }
        }
        let marker = src[i];
        i += 1;
        match marker {
            0xD9 => break,
            0xD0..=0xD8 | 0x01 => continue,
            _ => {}
        }
        let seg = src.get(i..i + 2).ok_or_else(|| bad("is truncated"))?;
        let len = usize::from(u16::from_be_bytes([seg[0], seg[1]]));
        if len < 2 {
            return Err(bad("has a bad segment length"));
        }
        if marker == 0xDA {
            let ns = usize::from(*src.get(i + 2).ok_or_else(|| bad("is truncated"))?);
            let ilv = *src
                .get(i + 3 + 2 * ns + 1)
                .ok_or_else(|| bad("is truncated"))?;
            scans.push((ns, ilv));
        }
        i += len;
    }
    let ok = match scans.as_slice() {
        [(1, _)] if components == 1 => Some(0),
        [(n, ilv @ (1 | 2))] if *n == components && components > 1 => Some(*ilv),
        s if components > 1 && s.len() == components && s.iter().all(|&x| x == (1, 0)) => Some(0),
        _ => None,
    };
    ok.ok_or_else(|| {
        bad(&format!(
            "has scans {scans:?} (components, interleave) not supported for {components} component(s)"
        ))
    })
}

#[cfg(all(test, feature = "jpegls"))]
mod tests {
    use super::*;
    use charls::{CharLS, InterleaveMode};

    fn info(rows: u32, cols: u32, spp: u32, ba: u32, bs: u32, pr: u32) -> FrameInfo {
        FrameInfo {
            rows,
            columns: cols,
            samples_per_pixel: spp,
            bits_allocated: ba,
            bits_stored: bs,
            pixel_representation: pr,
            planar_configuration: 0,
            photometric_interpretation: if spp == 3 { "RGB" } else { "MONOCHROME2" }.into(),
            as_rgb: false,
        }
    }

    fn encode(
        w: u32,
        h: u32,
        bits: i32,
        comps: i32,
        near: i32,
        ilv: InterleaveMode,
        px: &[u8],
    ) -> Vec<u8> {
        let mut c = CharLS::default();
        if comps > 1 {
            c.set_interleave_mode(ilv).unwrap();
        }
        c.encode(
            charls::FrameInfo {
                width: w,
                height: h,
                bits_per_sample: bits,
                component_count: comps,
            },
            near,
            px,
        )
        .unwrap()
    }

    #[test]
    fn gray16_roundtrip_and_sign() {
        let vals: Vec<u16> = (0..64u16).map(|v| (v * 97) & 0x0FFF).collect();
        let px: Vec<u8> = vals.iter().flat_map(|v| v.to_ne_bytes()).collect();
        let enc = encode(8, 8, 12, 1, 0, InterleaveMode::None, &px);
        let mut out = vec![0u8; 128];
        decode(&enc, &info(8, 8, 1, 16, 12, 0), &mut out).unwrap();
        assert_eq!(out, px);
        decode(&enc, &info(8, 8, 1, 16, 12, 1), &mut out).unwrap();
        for (k, s) in out.chunks_exact(2).enumerate() {
            let v = i16::from_ne_bytes([s[0], s[1]]);
            let want = if vals[k] & 0x800 != 0 {
                vals[k] as i16 - 0x1000
            } else {
                vals[k] as i16
            };
            assert_eq!(v, want);
        }
    }

    #[test]
    fn rgb_all_interleave_modes() {
        let rgb: Vec<u8> = (0..4 * 5 * 3).map(|v| (v * 13 % 251) as u8).collect();
        let planar: Vec<u8> = (0..3)
            .flat_map(|c| rgb.iter().skip(c).step_by(3).copied())
            .collect();
        for ilv in [
            InterleaveMode::None,
            InterleaveMode::Line,
            InterleaveMode::Sample,
        ] {
            let src = if ilv == InterleaveMode::None {
                &planar
            } else {
                &rgb
            };
            let enc = encode(5, 4, 8, 3, 0, ilv, src);
            let mut out = vec![0u8; rgb.len()];
            decode(&enc, &info(4, 5, 3, 8, 8, 0), &mut out).unwrap();
            assert_eq!(out, rgb, "{ilv:?}");
        }
    }

    #[test]
    fn truncated_scan_fails_fast() {
        // A fuzzer find: truncated entropy-coded data made CharLS loop ~2^31 times.
        let unit = [
            0xff, 0xd8, 0xff, 0xf7, 0x00, 0x11, 0x08, 0x00, 0x0a, 0x00, 0x0c, 0x03, 0x01, 0x11,
            0x00, 0x02, 0x11, 0x00, 0x03, 0x11, 0x00, 0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00,
            0x02, 0x00, 0x03, 0x00, 0x02, 0x01, 0x00, 0x83, 0x18, 0xce, 0x66, 0x89, 0x8c, 0x22,
            0x03, 0x24, 0x4c, 0x42, 0x22, 0x6c, 0x48, 0xd8,
        ];
        let start = std::time::Instant::now();
        let mut out = vec![0u8; 10 * 12 * 3];
        assert!(decode(&unit, &info(10, 12, 3, 8, 8, 0), &mut out).is_err());
        assert!(start.elapsed().as_secs() < 2);
    }

    #[test]
    fn mixed_scan_layouts_are_rejected() {
        // A by-plane scan followed by a sample-interleaved one made CharLS write past its
        // output buffer (fuzzer find): such streams must be refused before CharLS sees them.
        let rgb: Vec<u8> = (0..6 * 7 * 3).map(|v| (v * 29 % 253) as u8).collect();
        let planar: Vec<u8> = (0..3)
            .flat_map(|c| rgb.iter().skip(c).step_by(3).copied())
            .collect();
        let none = encode(7, 6, 8, 3, 0, InterleaveMode::None, &planar);
        let sample = encode(7, 6, 8, 3, 0, InterleaveMode::Sample, &rgb);
        let sos = |s: &[u8], nth: usize| {
            s.windows(2)
                .enumerate()
                .filter(|(_, w)| w == &[0xFF, 0xDA])
                .nth(nth)
                .unwrap()
                .0
        };
        let mixed = [&none[..sos(&none, 1)], &sample[sos(&sample, 0)..]].concat();
        let mut out = vec![0u8; rgb.len()];
        let e = decode(&mixed, &info(6, 7, 3, 8, 8, 0), &mut out).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Malformed);
        assert!(e.message.contains("scans"), "{}", e.message);
    }

    #[test]
    fn widen_and_mismatch() {
        let px: Vec<u8> = (0..16u8).map(|v| v * 15).collect();
        let enc = encode(4, 4, 8, 1, 0, InterleaveMode::None, &px);
        let mut out = vec![0u8; 32];
        decode(&enc, &info(4, 4, 1, 16, 8, 0), &mut out).unwrap();
        let got: Vec<u8> = out
            .chunks_exact(2)
            .map(|s| u16::from_ne_bytes([s[0], s[1]]) as u8)
            .collect();
        assert_eq!(got, px);
        let mut out = vec![0u8; 20];
        let e = decode(&enc, &info(5, 4, 1, 8, 8, 0), &mut out).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Malformed);
        let mut out = vec![0u8; 16];
        assert!(decode(&enc[..enc.len() / 2], &info(4, 4, 1, 8, 8, 0), &mut out).is_err());
        assert!(decode(&[], &info(4, 4, 1, 8, 8, 0), &mut out).is_err());
        let enc16 = encode(4, 4, 16, 1, 0, InterleaveMode::None, &[0u8; 32]);
        let e = decode(&enc16, &info(4, 4, 1, 8, 8, 0), &mut out).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Malformed);
    }
}
