//! Tests of the JPEG backends: the planes path against jpeg-decoder for every sub-sampling,
//! colour lossless frames as DCMTK and GDCM write them, and the backend benchmark.

use std::ffi::c_int;

use turbojpeg_sys as tj;

use super::header::{Header, parse_header};
use super::*;

/// Encodes `samples` (`w` × `h` × `comps`, interleaved) with libjpeg-turbo: lossy at the given
/// chroma subsampling (YCbCr, JFIF) when `lossless` is `None`, else lossless with that
/// predictor (`precision` bits; `comps` 3 is coded as RGB, with an Adobe marker).
fn encode(
    samples: &[u16],
    geometry: (usize, usize, usize),
    precision: u32,
    subsamp: tj::TJSAMP,
    lossless: Option<i32>,
) -> Vec<u8> {
    turbo_encode(samples, geometry, precision, subsamp, lossless, false)
}

/// As [`encode`], with libjpeg-turbo's Huffman table optimisation on or off (the oracle of
/// the lossless encoder's tables).
pub(super) fn turbo_encode(
    samples: &[u16],
    (w, h, comps): (usize, usize, usize),
    precision: u32,
    subsamp: tj::TJSAMP,
    lossless: Option<i32>,
    optimize: bool,
) -> Vec<u8> {
    let pf = if comps == 1 {
        tj::TJPF_TJPF_GRAY
    } else {
        tj::TJPF_TJPF_RGB
    };
    // SAFETY: a fresh compressor; the sample buffers hold w × h × comps samples, the layout
    // of `pf` with pitch 0; TurboJPEG allocates the output, freed with tj3Free once copied.
    unsafe {
        let handle = tj::tj3Init(tj::TJINIT_TJINIT_COMPRESS as c_int);
        assert!(!handle.is_null());
        let set = |p: tj::TJPARAM, v: c_int| assert_eq!(tj::tj3Set(handle, p as c_int, v), 0);
        set(tj::TJPARAM_TJPARAM_QUALITY, 90);
        set(tj::TJPARAM_TJPARAM_SUBSAMP, subsamp as c_int);
        set(tj::TJPARAM_TJPARAM_PRECISION, precision as c_int);
        set(tj::TJPARAM_TJPARAM_OPTIMIZE, c_int::from(optimize));
        if let Some(psv) = lossless {
            set(tj::TJPARAM_TJPARAM_LOSSLESS, 1);
            set(tj::TJPARAM_TJPARAM_LOSSLESSPSV, psv);
        }
        let mut buf: *mut u8 = std::ptr::null_mut();
        let mut size: tj::size_t = 0;
        let (w, h, pf) = (w as c_int, h as c_int, pf as c_int);
        let rc = match precision {
            ..=8 => {
                let s: Vec<u8> = samples.iter().map(|&v| v as u8).collect();
                tj::tj3Compress8(handle, s.as_ptr(), w, 0, h, pf, &mut buf, &mut size)
            }
            9..=12 => {
                let s: Vec<i16> = samples.iter().map(|&v| v as i16).collect();
                tj::tj3Compress12(handle, s.as_ptr(), w, 0, h, pf, &mut buf, &mut size)
            }
            _ => tj::tj3Compress16(handle, samples.as_ptr(), w, 0, h, pf, &mut buf, &mut size),
        };
        assert_eq!(rc, 0);
        let out = std::slice::from_raw_parts(buf, size as usize).to_vec();
        tj::tj3Free(buf.cast());
        tj::tj3Destroy(handle);
        out
    }
}

/// 8-bit RGB coded lossy (YCbCr) at `subsamp`.
fn encode_rgb(rgb: &[u8], w: usize, h: usize, subsamp: tj::TJSAMP) -> Vec<u8> {
    let samples: Vec<u16> = rgb.iter().map(|&v| u16::from(v)).collect();
    encode(&samples, (w, h, 3), 8, subsamp, None)
}

/// A colour lossless codestream rewritten as DCMTK's `dcmcjpeg +el` writes YBR_FULL images:
/// a JFIF marker instead of the Adobe one, component IDs 1, 2, 3 and Tq 0, 1, 1.
fn dcmtk_style(jpeg: &[u8]) -> Vec<u8> {
    let header = parse_header(jpeg).unwrap();
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
    out.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    let mut pos = 2;
    loop {
        let marker = jpeg[pos + 1];
        let len = usize::from(u16::from_be_bytes([jpeg[pos + 2], jpeg[pos + 3]]));
        let mut seg = jpeg[pos..pos + 2 + len].to_vec();
        match marker {
            0xE0..=0xEF => seg.clear(),
            0xC3 => {
                for (i, c) in seg[10..].chunks_exact_mut(3).enumerate() {
                    c[0] = i as u8 + 1;
                    c[2] = u8::from(i > 0);
                }
            }
            0xDA => {
                for (i, c) in seg[5..5 + 2 * 3].chunks_exact_mut(2).enumerate() {
                    c[0] = i as u8 + 1;
                }
            }
            _ => {}
        }
        out.extend_from_slice(&seg);
        pos += 2 + len;
        if marker == 0xDA {
            break;
        }
    }
    out.extend_from_slice(&jpeg[pos..]);
    assert_eq!(header.component_ids, b"RGB");
    out
}

fn colour_info(w: usize, h: usize, bits: u32, pi: &str, as_rgb: bool) -> FrameInfo {
    FrameInfo {
        rows: h as u32,
        columns: w as u32,
        samples_per_pixel: 3,
        bits_allocated: if bits > 8 { 16 } else { 8 },
        bits_stored: bits,
        pixel_representation: 0,
        planar_configuration: 0,
        photometric_interpretation: pi.into(),
        as_rgb,
    }
}

/// Colour lossless frames with DCMTK's and GDCM's headers (JFIF or no marker, IDs 1, 2, 3,
/// chroma Tq 1) decode through libjpeg-turbo to the coded samples, equal to jpeg-decoder's
/// decode of the same frame with Tq zeroed, at 8, 12 and 16 bits and every predictor.
#[test]
fn colour_lossless_with_nonzero_tq_decodes_to_the_coded_samples() {
    let (w, h) = (23, 17);
    for (bits, psv) in [
        (8, 1),
        (8, 6),
        (8, 7),
        (12, 1),
        (12, 5),
        (16, 1),
        (16, 4),
        (5, 2),
    ] {
        let max = (1u32 << bits) - 1;
        let samples: Vec<u16> = (0..w * h * 3)
            .map(|i| ((i as u32).wrapping_mul(2_654_435_761) >> 7) % (max + 1))
            .map(|v| v as u16)
            .collect();
        let coded = encode(&samples, (w, h, 3), bits, tj::TJSAMP_TJSAMP_444, Some(psv));
        let dcmtk = dcmtk_style(&coded);
        // GDCM writes the same header without the JFIF marker.
        let mut gdcm = dcmtk.clone();
        gdcm.drain(2..20);
        for (name, frame, jfif) in [("dcmtk", &dcmtk, true), ("gdcm", &gdcm, false)] {
            let header = parse_header(frame).unwrap();
            assert!(header.lossless && header.full_resolution(), "{name}");
            assert_eq!(header.jfif, jfif, "{name}");
            let info = colour_info(w, h, bits, "YBR_FULL", false);
            let mut out = vec![0u8; info.frame_len()];
            let color = decode(frame, &info, &mut out).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(color, ColorOut::AsDataset);
            let got: Vec<u16> = if bits > 8 {
                out.chunks_exact(2)
                    .map(|c| u16::from_ne_bytes([c[0], c[1]]))
                    .collect()
            } else {
                out.iter().map(|&v| u16::from(v)).collect()
            };
            assert_eq!(got, samples, "{name} {bits}-bit, predictor {psv}");
            // jpeg-decoder (the fallback path) agrees once Tq is zeroed.
            let reference = jpeg_decoder::decode(frame, &header, &info).unwrap();
            let reference: Vec<u16> = if bits == 8 {
                reference.iter().map(|&v| u16::from(v)).collect()
            } else {
                reference
                    .chunks_exact(2)
                    .map(|c| u16::from_ne_bytes([c[0], c[1]]))
                    .collect()
            };
            assert_eq!(reference, samples, "{name} jpeg-decoder {bits}-bit");
        }
        // pydicom's colour rule: JFIF while the dataset says RGB → YBR_FULL.
        let info = colour_info(w, h, bits, "RGB", false);
        let mut out = vec![0u8; info.frame_len()];
        assert_eq!(decode(&dcmtk, &info, &mut out).unwrap(), ColorOut::YbrFull);
        // And libjpeg-turbo's own lossless RGB stream (Adobe marker, 'R','G','B').
        assert_eq!(
            decode(&coded, &info, &mut out).unwrap(),
            ColorOut::AsDataset
        );
    }
}

/// libjpeg-turbo planes + our upsampling give jpeg-decoder's raw components (up to the
/// ±1 of the two IDCTs) for every subsampling, at odd and even sizes, and the fused
/// YBR → RGB conversion equals converting those components afterwards.
#[test]
fn planes_path_matches_jpeg_decoder_for_every_subsampling() {
    for subsamp in [
        tj::TJSAMP_TJSAMP_444,
        tj::TJSAMP_TJSAMP_422,
        tj::TJSAMP_TJSAMP_420,
        tj::TJSAMP_TJSAMP_440,
        tj::TJSAMP_TJSAMP_411,
    ] {
        for (w, h) in [(64, 48), (37, 29), (1, 1), (2, 3), (17, 1)] {
            let rgb: Vec<u8> = (0..w * h)
                .flat_map(|i| {
                    let (x, y) = (i % w, i / w);
                    [
                        (x * 255 / w) as u8,
                        (y * 255 / h) as u8,
                        ((x * y) % 251) as u8,
                    ]
                })
                .collect();
            let jpeg = encode_rgb(&rgb, w, h, subsamp);
            let header = parse_header(&jpeg).unwrap();
            let mut raw = vec![0u8; w * h * 3];
            let planes = turbojpeg::decode_planes(&jpeg, &header).unwrap();
            assert_eq!(
                planes.is_some(),
                subsamp != tj::TJSAMP_TJSAMP_411,
                "{subsamp} {w}x{h}"
            );
            if let Some(p) = &planes {
                p.assemble(&mut raw, false).unwrap();
            }
            let info = colour_info(w, h, 8, "YBR_FULL_422", false);
            let reference = jpeg_decoder::decode(&jpeg, &header, &info).unwrap();
            if planes.is_some() {
                let max = raw
                    .iter()
                    .zip(&reference)
                    .map(|(a, b)| a.abs_diff(*b))
                    .max()
                    .unwrap();
                assert!(max <= 1, "subsampling {subsamp} {w}x{h}: max diff {max}");
            }
            // Through the public entry point, raw and converted.
            let mut out = vec![0u8; w * h * 3];
            let color = decode(&jpeg, &info, &mut out).unwrap();
            assert_eq!(color, ColorOut::AsDataset);
            assert_eq!(&out, if planes.is_some() { &raw } else { &reference });
            let mut converted = vec![0u8; w * h * 3];
            let info = colour_info(w, h, 8, "YBR_FULL_422", true);
            let color = decode(&jpeg, &info, &mut converted).unwrap();
            crate::pixel::color::ybr_full_to_rgb(&mut out);
            if planes.is_some() {
                assert_eq!(color, ColorOut::Rgb);
                assert_eq!(converted, out);
            } else {
                assert_eq!(color, ColorOut::AsDataset);
            }
        }
    }
}

/// Backend comparison used to choose the libraries (see the module docs): decodes each
/// frame file listed in `RS_DICOM_JPEG_BENCH` (path:rows:cols:bits_allocated) with
/// libjpeg-turbo and jpeg-decoder, writes `<path>.turbo` / `<path>.jd` and prints frames/s.
/// `cargo test -p rs_dicom --release --lib jpeg::tests::bench -- --ignored --nocapture`
#[test]
#[ignore = "benchmark; needs RS_DICOM_JPEG_BENCH"]
fn bench_backends() {
    let Ok(list) = std::env::var("RS_DICOM_JPEG_BENCH") else {
        return;
    };
    for item in list.split(',') {
        let parts: Vec<&str> = item.split(':').collect();
        let src = std::fs::read(parts[0]).unwrap();
        let header: Header = parse_header(&src).unwrap();
        let (rows, cols, ba): (usize, usize, u32) = (
            parts[1].parse().unwrap(),
            parts[2].parse().unwrap(),
            parts[3].parse().unwrap(),
        );
        let info = FrameInfo {
            rows: rows as u32,
            columns: cols as u32,
            samples_per_pixel: 1,
            bits_allocated: ba,
            bits_stored: u32::from(header.precision),
            pixel_representation: 0,
            planar_configuration: 0,
            photometric_interpretation: "MONOCHROME2".into(),
            as_rgb: false,
        };
        let (rounds, per) = (10u32, 20u32);
        let mut out = vec![0u8; info.frame_len()];
        let mut jd = Vec::new();
        let mut ok = true;
        let (mut t_turbo, mut t_rust) = (0.0, 0.0);
        for _ in 0..rounds {
            let t = std::time::Instant::now();
            for _ in 0..per {
                decode(&src, &info, &mut out).unwrap();
            }
            t_turbo += t.elapsed().as_secs_f64();
            if !ok {
                continue;
            }
            let t = std::time::Instant::now();
            for _ in 0..per {
                match jpeg_decoder::decode(&src, &header, &info) {
                    Ok(v) => jd = v,
                    Err(e) => {
                        println!("{item}: jpeg-decoder: {e}");
                        ok = false;
                        break;
                    }
                }
            }
            t_rust += t.elapsed().as_secs_f64();
        }
        let turbo = f64::from(rounds * per) / t_turbo;
        let rust = f64::from(rounds * per) / t_rust;
        std::fs::write(format!("{}.turbo", parts[0]), &out).unwrap();
        if ok {
            std::fs::write(format!("{}.jd", parts[0]), &jd).unwrap();
        }
        if ok {
            println!("{item}: libjpeg-turbo {turbo:.1} f/s, jpeg-decoder {rust:.1} f/s");
        } else {
            println!("{item}: libjpeg-turbo {turbo:.1} f/s, jpeg-decoder unsupported");
        }
    }
}

/// The pure-Rust path (`decode_raw`, all a `jpeg-rs`-only build such as WebAssembly has)
/// against libjpeg-turbo on grey frames: lossless exactly, baseline within 1.
#[test]
fn pure_rust_path_matches_libjpeg_turbo_on_grey_frames() {
    let (w, h) = (37usize, 23usize);
    for (precision, lossless) in [
        (8, None),
        (8, Some(1)),
        (12, Some(1)),
        (16, Some(1)),
        (5, Some(7)),
    ] {
        let levels = 1u64 << precision;
        let samples: Vec<u16> = (0..w * h)
            .map(|i| ((i as u64 * 2_654_435_761) % levels) as u16)
            .collect();
        let jpeg = encode(
            &samples,
            (w, h, 1),
            precision,
            tj::TJSAMP_TJSAMP_GRAY,
            lossless,
        );
        let ba = if precision > 8 { 16 } else { 8 };
        let info = FrameInfo {
            rows: h as u32,
            columns: w as u32,
            samples_per_pixel: 1,
            bits_allocated: ba,
            bits_stored: precision,
            pixel_representation: 0,
            planar_configuration: 0,
            photometric_interpretation: "MONOCHROME2".into(),
            as_rgb: false,
        };
        let mut turbo = vec![0u8; info.frame_len()];
        decode(&jpeg, &info, &mut turbo).unwrap();
        let (header, wide, _) = check(&jpeg, &info, &turbo).unwrap();
        let mut rust = vec![0u8; info.frame_len()];
        decode_raw(&jpeg, &header, &info, &mut rust, wide).unwrap();
        let diff = if ba == 8 {
            turbo
                .iter()
                .zip(&rust)
                .map(|(a, b)| u32::from(a.abs_diff(*b)))
                .max()
        } else {
            let u = |s: &[u8]| u32::from(u16::from_ne_bytes([s[0], s[1]]));
            turbo
                .chunks_exact(2)
                .zip(rust.chunks_exact(2))
                .map(|(a, b)| u(a).abs_diff(u(b)))
                .max()
        };
        let limit = if lossless.is_some() { 0 } else { 1 };
        assert!(
            diff.unwrap() <= limit,
            "precision {precision} {lossless:?}: {diff:?}"
        );
    }
}
