use super::*;
use crate::core::{ByteOrder, Dataset, ElementValue, Limits, Tag, VR};
use crate::pixel::encode::{EncodeOptions, FrameImage};
use crate::pixel::{DecodeOptions, Frames, PixelBuffer, PixelData};

fn us(ds: &mut Dataset, tag: Tag, v: u16) {
    ds.set_bytes(tag, VR::US, v.to_le_bytes().to_vec());
}

fn text(ds: &mut Dataset, tag: Tag, vr: VR, v: &str) {
    let mut b = v.as_bytes().to_vec();
    if b.len() % 2 == 1 {
        b.push(if vr == VR::UI { 0 } else { b' ' });
    }
    ds.set_bytes(tag, vr, b);
}

/// A native image: `frames` frames of `rows`×`cols`×`spp` samples of `bits`, values from
/// `value(i)`.
fn image(frames: u32, rows: u16, cols: u16, spp: u16, bits: u16, signed: bool) -> Dataset {
    let mut ds = Dataset::new();
    text(&mut ds, Tag(0x0008, 0x0018), VR::UI, "1.2.3.4");
    us(&mut ds, Tag(0x0028, 0x0002), spp);
    let pi = if spp == 3 { "RGB" } else { "MONOCHROME2" };
    text(&mut ds, Tag(0x0028, 0x0004), VR::CS, pi);
    if frames > 1 {
        text(&mut ds, Tag(0x0028, 0x0008), VR::IS, &frames.to_string());
    }
    us(&mut ds, Tag(0x0028, 0x0010), rows);
    us(&mut ds, Tag(0x0028, 0x0011), cols);
    us(&mut ds, Tag(0x0028, 0x0100), bits);
    us(&mut ds, Tag(0x0028, 0x0101), bits);
    us(&mut ds, Tag(0x0028, 0x0102), bits - 1);
    us(&mut ds, Tag(0x0028, 0x0103), u16::from(signed));
    let n = frames as usize * rows as usize * cols as usize * spp as usize;
    let mut bytes = Vec::new();
    for i in 0..n {
        let v = ((i * 7919) ^ (i / 13)) as u32;
        if bits == 8 {
            bytes.push(v as u8);
        } else {
            let v = if signed {
                (v as i16 >> 1) as u16
            } else {
                v as u16
            };
            bytes.extend_from_slice(&v.to_le_bytes());
        }
    }
    ds.set_bytes(
        Tag::PIXEL_DATA,
        if bits == 8 { VR::OB } else { VR::OW },
        bytes,
    );
    ds
}

fn decoded(ds: &Dataset, ts: &TransferSyntax) -> Vec<u8> {
    let px = PixelData::new(ds, ts, &Limits::DEFAULT).unwrap().unwrap();
    let opts = DecodeOptions {
        as_rgb: false,
        ..DecodeOptions::default()
    };
    match px.decode(ds, &Frames::All, &opts).unwrap().buffer {
        PixelBuffer::Owned(v) => v,
        PixelBuffer::Shared { bytes, start, len } => bytes[start..start + len].to_vec(),
        PixelBuffer::View { source, start, len } => source.bytes()[start..start + len].to_vec(),
    }
}

fn ts(uid: &str) -> &'static TransferSyntax {
    TransferSyntax::from_uid(uid).unwrap()
}

#[test]
fn lossless_round_trips_through_the_decoders() {
    let explicit = TransferSyntax::EXPLICIT_VR_LE;
    for uid in [uid::RLE, uid::HTJ2K_LOSSLESS, uid::HTJ2K_LOSSLESS_RPCL] {
        for (frames, spp, bits, signed) in [
            (1, 1, 8, false),
            (3, 1, 16, false),
            (2, 1, 16, true),
            (2, 3, 8, false),
        ] {
            let source = image(frames, 33, 17, spp, bits, signed);
            let mut ds = source.clone();
            let mut meta = Dataset::new();
            let opts = CompressOptions {
                instance_uid: Some("2.25.1".into()),
                ..CompressOptions::default()
            };
            compress(&mut ds, &mut meta, explicit, ts(uid), &opts).unwrap();
            assert!(matches!(
                ds.get(Tag::PIXEL_DATA).unwrap().value,
                ElementValue::Encapsulated { .. }
            ));
            assert_eq!(
                meta.raw(Tag::TRANSFER_SYNTAX_UID).unwrap(),
                pad(uid).as_slice()
            );
            assert_eq!(ds.raw(Tag(0x0008, 0x0018)).unwrap(), b"2.25.1");
            assert!(
                ds.get(Tag(0x0028, 0x2110)).is_none(),
                "lossless is not lossy"
            );
            let want = decoded(&source, explicit);
            assert_eq!(decoded(&ds, ts(uid)), want, "{uid} {frames}x{spp}x{bits}");
            // And back to native, the same pixels.
            let mut back = ds.clone();
            decompress(&mut back, &mut meta, ts(uid), false, None, &Limits::DEFAULT).unwrap();
            assert_eq!(decoded(&back, explicit), want);
            assert_eq!(
                meta.raw(Tag::TRANSFER_SYNTAX_UID).unwrap(),
                pad(explicit.uid)
            );
        }
    }
}

fn pad(uid: &str) -> Vec<u8> {
    let mut b = uid.as_bytes().to_vec();
    if b.len() % 2 == 1 {
        b.push(0);
    }
    b
}

#[test]
fn colour_transform_sets_the_photometric_interpretation() {
    let explicit = TransferSyntax::EXPLICIT_VR_LE;
    for (uid, want) in [
        (uid::HTJ2K_LOSSLESS, "YBR_RCT "),
        (uid::HTJ2K, "YBR_ICT "),
        (uid::RLE, "RGB "),
    ] {
        let mut ds = image(1, 16, 16, 3, 8, false);
        let mut meta = Dataset::new();
        compress(
            &mut ds,
            &mut meta,
            explicit,
            ts(uid),
            &CompressOptions::default(),
        )
        .unwrap();
        assert_eq!(
            ds.raw(Tag(0x0028, 0x0004)).unwrap(),
            want.as_bytes(),
            "{uid}"
        );
        assert_eq!(ds.raw(Tag(0x0028, 0x0006)).unwrap(), &[0, 0]);
    }
}

#[test]
fn lossy_output_records_what_was_lost() {
    let mut ds = image(2, 40, 40, 1, 16, false);
    text(&mut ds, Tag(0x0028, 0x2112), VR::DS, "5");
    text(&mut ds, Tag(0x0028, 0x2114), VR::CS, "ISO_10918_1");
    let mut meta = Dataset::new();
    let explicit = TransferSyntax::EXPLICIT_VR_LE;
    compress(
        &mut ds,
        &mut meta,
        explicit,
        ts(uid::HTJ2K),
        &CompressOptions::default(),
    )
    .unwrap();
    assert_eq!(ds.raw(Tag(0x0028, 0x2110)).unwrap(), b"01");
    let ratios = String::from_utf8_lossy(ds.raw(Tag(0x0028, 0x2112)).unwrap()).to_string();
    let ratios: Vec<&str> = ratios.trim().split('\\').collect();
    assert_eq!(ratios.len(), 2);
    assert!(ratios[1].parse::<f64>().unwrap() > 1.0, "{ratios:?}");
    let methods = String::from_utf8_lossy(ds.raw(Tag(0x0028, 0x2114)).unwrap()).to_string();
    assert_eq!(methods.trim(), "ISO_10918_1\\ISO_15444_15");
}

#[test]
fn offset_tables_point_at_the_frames() {
    let frames: Vec<Vec<u8>> = vec![vec![1; 3], vec![2; 10], vec![3; 5]];
    let basic = encapsulate_frames(&frames, false);
    assert!(basic.extended.is_none());
    let ElementValue::Encapsulated {
        offset_table,
        fragments,
        buffer,
    } = &basic.value
    else {
        panic!("not encapsulated")
    };
    let bytes = buffer.as_ref().unwrap().bytes();
    let table = &bytes[offset_table.offset..offset_table.offset + offset_table.len];
    let entries: Vec<u32> = (0..3)
        .map(|i| ByteOrder::Little.read::<u32>(table, 4 * i).unwrap())
        .collect();
    // Items: 8 + 4 (3 padded), 8 + 10, 8 + 6.
    assert_eq!(entries, [0, 12, 30]);
    assert_eq!(
        fragments.iter().map(|f| f.len).collect::<Vec<_>>(),
        [4, 10, 6]
    );
    let ext = encapsulate_frames(&frames, true);
    let (table, lengths) = ext.extended.unwrap();
    let read = |b: &[u8]| -> Vec<u64> {
        b.chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
            .collect()
    };
    assert_eq!(read(&table), [0, 12, 30]);
    assert_eq!(read(&lengths), [4, 10, 6]);
    let ElementValue::Encapsulated { offset_table, .. } = &ext.value else {
        panic!("not encapsulated")
    };
    assert_eq!(
        offset_table.len, 0,
        "the Basic Offset Table is empty with an extended one"
    );
}

#[test]
fn refusals_leave_the_dataset_as_it_was() {
    let explicit = TransferSyntax::EXPLICIT_VR_LE;
    // 32-bit samples: RLE takes them, HTJ2K does not.
    let mut ds = image(1, 8, 8, 1, 16, false);
    us(&mut ds, Tag(0x0028, 0x0101), 16);
    let before = ds.clone();
    let mut meta = Dataset::new();
    let mut bad = before.clone();
    us(&mut bad, Tag(0x0028, 0x0100), 32);
    bad.set_bytes(Tag::PIXEL_DATA, VR::OW, vec![0; 256]);
    let snapshot = bad.clone();
    let err = compress(
        &mut bad,
        &mut meta,
        explicit,
        ts(uid::HTJ2K_LOSSLESS),
        &CompressOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Encode);
    assert!(err.message.contains("Bits Allocated 32"), "{}", err.message);
    assert_eq!(bad.raw(Tag::PIXEL_DATA), snapshot.raw(Tag::PIXEL_DATA));
    assert!(meta.is_empty());
    // Not a compressed syntax; not yet wired; already native.
    for (uid, kind) in [
        (explicit.uid, ErrorKind::UnsupportedCodec),
        ("1.2.840.10008.1.2.4.51", ErrorKind::UnsupportedCodec),
    ] {
        let mut d = before.clone();
        let e = compress(
            &mut d,
            &mut meta,
            explicit,
            ts(uid),
            &CompressOptions::default(),
        );
        assert_eq!(e.unwrap_err().kind, kind, "{uid}");
    }
    let mut d = before.clone();
    let e = decompress(&mut d, &mut meta, explicit, true, None, &Limits::DEFAULT).unwrap_err();
    assert!(e.message.contains("not compressed"), "{}", e.message);
}

#[test]
fn every_syntax_has_an_arm() {
    for uid in ENCODABLE {
        let t = ts(uid);
        assert!(t.encapsulated && t.codec.is_some(), "{uid}");
    }
    assert!(has_encoder(ts(uid::RLE)));
    assert!(has_encoder(ts(uid::HTJ2K)));
}

#[test]
fn rpcl_codestreams_follow_ps3_5_10_18() {
    // 2200 columns: five levels leave a 69-sample base, so a sixth is needed.
    let (rows, columns) = (128u32, 2200u32);
    let data: Vec<u8> = (0..rows * columns).map(|i| (i % 251) as u8).collect();
    let frame = FrameImage {
        rows,
        columns,
        samples_per_pixel: 1,
        bits_allocated: 8,
        bits_stored: 8,
        signed: false,
        photometric_interpretation: "MONOCHROME2",
        data: &data,
    };
    let cs = encode_frame(
        ts(uid::HTJ2K_LOSSLESS_RPCL),
        &frame,
        &EncodeOptions::default(),
    )
    .unwrap();
    let find = |m: [u8; 2]| cs.windows(2).position(|w| w == m).unwrap();
    let (tlm, sot, cod) = (find([0xFF, 0x55]), find([0xFF, 0x90]), find([0xFF, 0x52]));
    assert_eq!(sot, tlm + 10, "the TLM segment ends the main header");
    assert_eq!(&cs[tlm + 2..tlm + 6], &[0, 8, 0, 0x40]);
    let ptlm = u32::from_be_bytes(cs[tlm + 6..tlm + 10].try_into().unwrap()) as usize;
    assert_eq!(ptlm, cs.len() - sot - 2, "the tile-part runs to EOC");
    assert_eq!(&cs[cs.len() - 2..], &[0xFF, 0xD9]);
    // COD: Scod, progression (2 = RPCL), layers, MCT, then the decomposition levels.
    assert_eq!(cs[cod + 5], 2);
    assert_eq!(cs[cod + 9], 6);
    let info = crate::pixel::codec::FrameInfo {
        rows,
        columns,
        samples_per_pixel: 1,
        bits_allocated: 8,
        bits_stored: 8,
        pixel_representation: 0,
        planar_configuration: 0,
        photometric_interpretation: "MONOCHROME2".into(),
        as_rgb: false,
    };
    let mut out = vec![0u8; data.len()];
    crate::pixel::codec::decode_frame(crate::core::Codec::Htj2k, &cs, &info, &mut out).unwrap();
    assert_eq!(out, data);
}
