//! Unit tests of the JPEG 2000 glue: the Rust decoder on pydicom-data's lossless files, the
//! decoder choice, pydicom's sample conversion, garbage input.

use super::*;

/// pydicom-data's files in the repository's test venv (installed by the test command).
fn pydicom_data() -> Option<std::path::PathBuf> {
    let lib = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/lib");
    std::fs::read_dir(lib).ok()?.flatten().find_map(|py| {
        let dir = py.path().join("site-packages/data_store/data");
        dir.is_dir().then_some(dir)
    })
}

/// The Rust decoder alone (as in builds without OpenJPEG) on pydicom-data's lossless
/// JPEG 2000 files: every frame equals the uncompressed twin's.
#[test]
fn rust_decoder_equals_the_uncompressed_twins() {
    use crate::core::Tag;
    use crate::parser::parse_file;
    use crate::pixel::codec::Encapsulated;
    use crate::pixel::{PixelDescription, encapsulated_frames, frame_bytes};

    let Some(dir) = pydicom_data() else {
        assert!(
            std::env::var("CI").is_err(),
            "pydicom-data is required under CI (the test command installs it)"
        );
        return;
    };
    let mut frames_checked = 0;
    for stem in ["693", "MR2", "RG1", "RG3", "US1"] {
        let comp = parse_file(dir.join(format!("{stem}_J2KR.dcm"))).expect("J2KR file");
        let orig = parse_file(dir.join(format!("{stem}_UNCR.dcm"))).expect("UNCR file");
        let ds = &comp.dataset;
        let desc = PixelDescription::from_dataset(ds).expect("pixel description");
        let elem = ds.get(Tag::PIXEL_DATA).expect("pixel data");
        let frames = encapsulated_frames(ds, elem, desc.number_of_frames as usize).expect("frames");
        let enc = Encapsulated::with_frames(elem, &desc, comp.transfer_syntax, frames.clone())
            .expect("encapsulated");
        let reference = orig
            .dataset
            .raw(Tag::PIXEL_DATA)
            .expect("native pixel data");
        let odesc = PixelDescription::from_dataset(&orig.dataset).expect("description");
        for i in 0..frames.frames.len() {
            let src = frame_bytes(ds, elem, &frames, i).expect("frame bytes");
            let header = Header::read(&src).expect("SIZ");
            let mut out = vec![0u8; enc.info.frame_len()];
            native(&src, &header, Convert::new(&enc.info, &header), &mut out)
                .unwrap_or_else(|e| panic!("{stem} frame {i}: {e}"));
            let range = odesc.native_frame_range(i).expect("frame range");
            assert!(
                out == reference[range],
                "{stem} frame {i} differs from its twin"
            );
            frames_checked += 1;
        }
    }
    assert!(frames_checked >= 5);
}

#[test]
fn decoder_choice_follows_the_environment_value() {
    let openjpeg = if cfg!(feature = "j2k") {
        Decoder::OpenJpeg
    } else {
        Decoder::Rust
    };
    assert_eq!(Decoder::from_env_value(Some("openjpeg")), openjpeg);
    assert_eq!(Decoder::from_env_value(Some(" OpenJPEG ")), openjpeg);
    assert_eq!(Decoder::from_env_value(None), Decoder::Rust);
    assert_eq!(Decoder::from_env_value(Some("rust")), Decoder::Rust);
    assert_eq!(Decoder::from_env_value(Some("anything")), Decoder::Rust);
}

fn info(bits: u32, stored: u32, pr: u32, pi: &str) -> FrameInfo {
    FrameInfo {
        rows: 1,
        columns: 1,
        samples_per_pixel: 1,
        bits_allocated: bits,
        bits_stored: stored,
        pixel_representation: pr,
        planar_configuration: 0,
        photometric_interpretation: pi.into(),
        as_rgb: false,
    }
}

fn header(precision: u32, signed: bool) -> Header {
    Header {
        width: 1,
        height: 1,
        components: 1,
        precision,
        signed,
        jp2: false,
    }
}

#[test]
fn sign_correction_like_pydicom() {
    // Pixel Representation 1, Bits Stored 13, codestream unsigned 13 bit: -2000 stored
    // as 6192 becomes -2000 again.
    let c = Convert::new(&info(16, 13, 1, "MONOCHROME2"), &header(13, false));
    assert_eq!(c.apply(6192), -2000);
    // Pixel Representation 0, codestream signed: -2000 → 6192.
    let c = Convert::new(&info(16, 13, 0, "MONOCHROME2"), &header(13, true));
    assert_eq!(c.apply(-2000), 6192);
    // Not monochrome: no correction, just the container cast.
    let c = Convert::new(&info(16, 13, 0, "RGB"), &header(13, true));
    assert_eq!(c.apply(-2000) as u16, (-2000i16) as u16);
    // Precision 8 in a 16-bit dataset, signed: the 8-bit container is read as int8.
    let c = Convert::new(&info(16, 8, 1, "MONOCHROME2"), &header(8, true));
    assert_eq!(c.apply(-5), -5);
    let c = Convert::new(&info(16, 8, 0, "MONOCHROME2"), &header(8, false));
    assert_eq!(c.apply(200), 200);
}

/// The truncating fast path of `interleave` equals `Convert::apply` sample by sample.
#[test]
fn interleave_fast_path_equals_apply() {
    let values: Vec<i32> = (-70_000..70_000).step_by(7).collect();
    for (bits, stored, pr, precision, signed) in [
        (16, 16, 0, 16, false),
        (16, 12, 1, 12, true),
        (16, 16, 1, 16, true),
        (8, 8, 0, 8, false),
        (8, 8, 1, 8, true),
        (16, 12, 1, 12, false), // sign correction: the general path
    ] {
        let conv = Convert::new(
            &info(bits, stored, pr, "MONOCHROME2"),
            &header(precision, signed),
        );
        let bytes = (bits / 8) as usize;
        // One byte of offset makes the 16-bit output unaligned: the general path.
        for offset in [0, 1] {
            let mut buf = vec![0u8; values.len() * bytes + offset];
            let out = &mut buf[offset..];
            interleave(&[&values], conv, out).unwrap();
            for (chunk, &v) in out.chunks_exact(bytes).zip(&values) {
                let expected = conv.apply(v);
                let got = if bytes == 1 {
                    i64::from(chunk[0])
                } else {
                    i64::from(u16::from_ne_bytes([chunk[0], chunk[1]]))
                };
                let mask = (1i64 << (8 * bytes)) - 1;
                assert_eq!(got, expected & mask, "{bits} {stored} {pr} {v}");
            }
        }
    }
}

#[test]
fn rejects_garbage() {
    let mut out = [0u8; 1];
    let i = info(8, 8, 0, "MONOCHROME2");
    assert!(decode(&[], &i, &mut out).is_err());
    assert!(decode(&[0xFF, 0x4F, 0xFF, 0x51, 0, 41], &i, &mut out).is_err());
    let jp2 = [
        0, 0, 0, 0x0C, b'j', b'P', b' ', b' ', 0x0D, 0x0A, 0x87, 0x0A, 0, 0, 0, 0,
    ];
    assert!(decode(&jp2, &i, &mut out).is_err());
}
