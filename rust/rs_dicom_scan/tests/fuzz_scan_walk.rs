//! The `scan_walk` fuzz target's invariant (fuzz/fuzz_targets/scan_walk_common.rs) over a few
//! thousand seeded mutations of several headers: `examples/sample_ct.dcm` and explicit VR
//! little endian files built here (sequences of defined and undefined length, nested ones,
//! private tags and a private UN sequence, multi-valued DS/IS/US, PN, dates and times, odd
//! lengths, empty values, a header longer than the scan's 64 KiB read). Mutations: byte
//! changes, cuts, length fields set to neighbours and extremes, elements inserted, removed or
//! duplicated, VRs changed.

#[path = "../../../fuzz/fuzz_targets/scan_walk_common.rs"]
mod scan_walk_common;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/sample_ct.dcm");
const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";
const UNDEFINED: u32 = 0xFFFF_FFFF;

/// VRs whose explicit VR header has a 4-byte length.
fn long(vr: &[u8]) -> bool {
    matches!(
        vr,
        b"OB"
            | b"OD"
            | b"OF"
            | b"OL"
            | b"OV"
            | b"OW"
            | b"SQ"
            | b"SV"
            | b"UC"
            | b"UN"
            | b"UR"
            | b"UT"
            | b"UV"
    )
}

fn head(out: &mut Vec<u8>, g: u16, e: u16, vr: &[u8; 2], len: u32) {
    out.extend_from_slice(&g.to_le_bytes());
    out.extend_from_slice(&e.to_le_bytes());
    out.extend_from_slice(vr);
    if long(vr) {
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&len.to_le_bytes());
    } else {
        out.extend_from_slice(&(len as u16).to_le_bytes());
    }
}

fn el(out: &mut Vec<u8>, g: u16, e: u16, vr: &[u8; 2], value: &[u8]) {
    head(out, g, e, vr, value.len() as u32);
    out.extend_from_slice(value);
}

/// An item or delimiter: (FFFE,e) and a length.
fn item(out: &mut Vec<u8>, e: u16, len: u32) {
    out.extend_from_slice(&0xFFFEu16.to_le_bytes());
    out.extend_from_slice(&e.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
}

/// A file: preamble, meta group (transfer syntax `ts`) and `body`.
fn file(ts: &str, body: &[u8]) -> Vec<u8> {
    let mut meta = Vec::new();
    el(&mut meta, 2, 1, b"OB", &[0, 1]);
    el(&mut meta, 2, 2, b"UI", b"1.2.840.10008.5.1.4.1.1.2\0");
    el(&mut meta, 2, 3, b"UI", b"1.2.3.4.5.6.7.8.9\0");
    let mut ts = ts.as_bytes().to_vec();
    if ts.len() % 2 == 1 {
        ts.push(0);
    }
    el(&mut meta, 2, 0x10, b"UI", &ts);
    el(&mut meta, 2, 0x13, b"SH", b"RS_DICOM_TEST ");
    let mut out = vec![0u8; 128];
    out.extend_from_slice(b"DICM");
    el(&mut out, 2, 0, b"UL", &(meta.len() as u32).to_le_bytes());
    out.extend_from_slice(&meta);
    out.extend_from_slice(body);
    out
}

/// Values of many kinds, no sequences; pixel data at the end.
fn plain_seed() -> Vec<u8> {
    let mut b = Vec::new();
    el(&mut b, 8, 0x08, b"CS", b"ORIGINAL\\PRIMARY\\AXIAL ");
    el(&mut b, 8, 0x16, b"UI", b"1.2.840.10008.5.1.4.1.1.2\0");
    el(&mut b, 8, 0x18, b"UI", b"1.2.3.4.5.6.7.8.9");
    el(&mut b, 8, 0x20, b"DA", b"20240229");
    el(&mut b, 8, 0x2A, b"DT", b"20240229123456.123456+0100 ");
    el(&mut b, 8, 0x30, b"TM", b"235959.5 ");
    el(&mut b, 8, 0x60, b"CS", b"CT");
    el(&mut b, 0x10, 0x10, b"PN", b"Doe^John^^Dr=Doe^J==  ");
    el(&mut b, 0x10, 0x30, b"DA", b"19700101");
    el(&mut b, 0x10, 0x1010, b"AS", b"042Y");
    el(&mut b, 0x18, 0x1310, b"US", &[0, 0, 0, 2, 0, 2, 0, 0]);
    el(&mut b, 0x18, 0x9810, b"US", &[7, 0]);
    el(&mut b, 0x20, 0x13, b"IS", b" 12 ");
    el(&mut b, 0x20, 0x32, b"DS", b"-125.5\\-1e2\\ 3.25 ");
    el(&mut b, 0x20, 0x37, b"DS", b"1\\0\\0\\0\\1\\0 ");
    el(&mut b, 0x28, 0x10, b"US", &[0, 2]);
    el(&mut b, 0x28, 0x34, b"IS", b"1\\1 ");
    el(&mut b, 0x28, 0x103, b"US", &[1, 0]);
    el(&mut b, 0x28, 0x1053, b"DS", b"1.5");
    el(&mut b, 0x28, 0x1101, b"US", &[0, 1, 0, 0, 16, 0]);
    el(&mut b, 0x32, 0x1060, b"LO", b"CHEST\\ABDOMEN");
    el(&mut b, 0x40, 0x244, b"DA", b"20240101");
    el(&mut b, 0x7FE0, 0x10, b"OW", &[1, 2, 3, 4]);
    file(EXPLICIT_LE, &b)
}

/// Sequences before and between the requested tags: defined and undefined lengths, nested,
/// an empty one, private ones (one UN of undefined length, implicit VR inside).
fn sequence_seed() -> Vec<u8> {
    let mut b = Vec::new();
    el(&mut b, 8, 0x16, b"UI", b"1.2.840.10008.5.1.4.1.1.4\0");
    el(&mut b, 8, 0x18, b"UI", b"1.2.3.99\0");
    // (0008,1110) undefined length, two items, the second nesting a sequence.
    head(&mut b, 8, 0x1110, b"SQ", UNDEFINED);
    item(&mut b, 0xE000, UNDEFINED);
    el(&mut b, 8, 0x1150, b"UI", b"1.2.3\0");
    item(&mut b, 0xE00D, 0);
    item(&mut b, 0xE000, UNDEFINED);
    head(&mut b, 8, 0x1199, b"SQ", UNDEFINED);
    item(&mut b, 0xE000, 14);
    el(&mut b, 8, 0x1155, b"UI", b"9.8.7\0");
    item(&mut b, 0xE0DD, 0);
    item(&mut b, 0xE00D, 0);
    item(&mut b, 0xE0DD, 0);
    // (0008,1140) defined length, one item of defined length.
    let mut inner = Vec::new();
    el(&mut inner, 8, 0x1150, b"UI", b"1.2.4\0");
    el(&mut inner, 8, 0x1155, b"UI", b"1.2.5\0");
    let mut sq = Vec::new();
    item(&mut sq, 0xE000, inner.len() as u32);
    sq.extend_from_slice(&inner);
    el(&mut b, 8, 0x1140, b"SQ", &sq);
    el(&mut b, 0x10, 0x10, b"PN", b"Roe^Jane");
    // An empty sequence of undefined length.
    head(&mut b, 0x10, 0x1002, b"SQ", UNDEFINED);
    item(&mut b, 0xE0DD, 0);
    el(&mut b, 0x20, 0x32, b"DS", b"0\\0\\0 ");
    el(&mut b, 0x29, 0x10, b"LO", b"RS TEST ");
    el(&mut b, 0x29, 0x1010, b"OB", &[1, 2, 3, 0]);
    // A private sequence as UN of undefined length: implicit VR little endian inside.
    head(&mut b, 0x29, 0x1020, b"UN", UNDEFINED);
    item(&mut b, 0xE000, UNDEFINED);
    b.extend_from_slice(&[0x29, 0, 0x30, 0x10, 4, 0, 0, 0]);
    b.extend_from_slice(b"ABCD");
    item(&mut b, 0xE00D, 0);
    item(&mut b, 0xE0DD, 0);
    el(&mut b, 0x32, 0x1060, b"LO", b"HEAD");
    head(&mut b, 0x40, 0x100, b"SQ", 0);
    el(&mut b, 0x40, 0x244, b"DA", b"19991231");
    file(EXPLICIT_LE, &b)
}

/// Odd and empty values, padding with NULs, separators alone, SS where US or SS is allowed,
/// non-ASCII text (the core reader's decoding), a late tag absent.
fn odd_seed() -> Vec<u8> {
    let mut b = Vec::new();
    el(&mut b, 8, 5, b"CS", b"ISO_IR 100");
    el(&mut b, 8, 0x16, b"UI", b"");
    el(&mut b, 8, 0x18, b"UI", b"1.2.3.4.5");
    el(&mut b, 8, 0x20, b"DA", b"2024");
    el(&mut b, 8, 0x30, b"TM", b"1");
    el(&mut b, 8, 0x60, b"CS", b"\\");
    el(&mut b, 0x10, 0x10, b"PN", b"M\xfcller^J\xf6rg");
    el(&mut b, 0x10, 0x30, b"DA", b"20230230\0");
    el(&mut b, 0x18, 0x9810, b"SS", &[0xFF, 0xFF]);
    el(&mut b, 0x20, 0x13, b"IS", b"+7\\x\\");
    el(&mut b, 0x20, 0x32, b"DS", b"1.\\.5\\1e400");
    el(&mut b, 0x28, 0x10, b"US", &[1]);
    el(&mut b, 0x28, 0x34, b"IS", b"");
    el(&mut b, 0x28, 0x103, b"US", &[1, 0]);
    file(EXPLICIT_LE, &b)
}

/// A header longer than the scan's first two reads (8 and 64 KiB): a sequence across the
/// first, a private value across the second.
fn long_seed() -> Vec<u8> {
    let mut b = Vec::new();
    el(&mut b, 8, 0x16, b"UI", b"1.2.840.10008.5.1.4.1.1.2\0");
    el(&mut b, 8, 0x18, b"UI", b"1.2.3.4\0");
    head(&mut b, 8, 0x1110, b"SQ", UNDEFINED);
    for i in 0..300u32 {
        item(&mut b, 0xE000, UNDEFINED);
        el(
            &mut b,
            8,
            0x1155,
            b"UI",
            format!("1.2.826.0.1.3680043.2.{i:06}").as_bytes(),
        );
        item(&mut b, 0xE00D, 0);
    }
    item(&mut b, 0xE0DD, 0);
    el(&mut b, 0x20, 0x32, b"DS", b"1\\2\\3 ");
    el(&mut b, 0x29, 0x10, b"LO", b"RS TEST ");
    el(&mut b, 0x29, 0x1010, b"OB", &vec![7u8; 60_000]);
    el(&mut b, 0x32, 0x1060, b"LO", b"LONG");
    el(&mut b, 0x40, 0x244, b"DA", b"20000101");
    file(EXPLICIT_LE, &b)
}

/// Offsets of element, item and delimiter headers, nested ones included (a rough walk that
/// stops where it cannot go on).
fn boundaries(data: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut pos = 132;
    while let Some(h) = data.get(pos..pos + 8) {
        out.push(pos);
        if h[0..2] == [0xFE, 0xFF] {
            let len = u32::from_le_bytes([h[4], h[5], h[6], h[7]]);
            // Into an item; past a delimiter.
            pos += 8;
            if h[2..4] == [0, 0xE0] && len != UNDEFINED && len as usize > data.len() {
                break;
            }
            continue;
        }
        let vr = &h[4..6];
        if !vr.iter().all(u8::is_ascii_uppercase) {
            break;
        }
        let (len, value) = if long(vr) {
            match data.get(pos + 8..pos + 12) {
                Some(l) => (u32::from_le_bytes([l[0], l[1], l[2], l[3]]), pos + 12),
                None => break,
            }
        } else {
            (u32::from(u16::from_le_bytes([h[6], h[7]])), pos + 8)
        };
        pos = if vr == b"SQ" || len == UNDEFINED {
            value
        } else {
            value + len as usize
        };
    }
    out
}

/// A deterministic generator (64-bit LCG, high bits).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

const VRS: [&[u8; 2]; 14] = [
    b"UN", b"SQ", b"OB", b"DS", b"IS", b"US", b"SS", b"UL", b"LO", b"PN", b"UT", b"DA", b"xx",
    b"AA",
];

fn mutate(rng: &mut Rng, data: &mut Vec<u8>) {
    let bounds = boundaries(data);
    let at = |rng: &mut Rng| bounds.get(rng.below(bounds.len())).copied().unwrap_or(132);
    match rng.below(7) {
        0 => {
            let header = data.len().min(4096);
            let i = rng.below(header);
            data[i] = match rng.below(5) {
                0 => b' ',
                1 => 0,
                2 => b'\\',
                3 => 0xFF,
                _ => rng.below(256) as u8,
            };
        }
        1 => {
            let cut = match rng.below(2) {
                0 => at(rng) + rng.below(14),
                _ => rng.below(data.len()),
            };
            data.truncate(cut);
        }
        2 => {
            // A length field: its neighbours, zero, odd, extremes.
            let p = at(rng);
            let vr = data
                .get(p + 4..p + 6)
                .map(<[u8]>::to_vec)
                .unwrap_or_default();
            let (off, size) = if data.get(p..p + 2) == Some(&[0xFE, 0xFF]) {
                (4, 4)
            } else if long(&vr) {
                (8, 4)
            } else {
                (6, 2)
            };
            let Some(field) = data.get_mut(p + off..p + off + size) else {
                return;
            };
            let old = if size == 2 {
                u32::from(u16::from_le_bytes([field[0], field[1]]))
            } else {
                u32::from_le_bytes([field[0], field[1], field[2], field[3]])
            };
            let new = match rng.below(7) {
                0 => old.wrapping_add(1),
                1 => old.wrapping_sub(1),
                2 => 0,
                3 => old.wrapping_add(2 + rng.below(64) as u32),
                4 => UNDEFINED,
                5 => old.wrapping_mul(2),
                _ => 0xFFFF,
            };
            if size == 2 {
                field.copy_from_slice(&(new as u16).to_le_bytes());
            } else {
                field.copy_from_slice(&new.to_le_bytes());
            }
        }
        3 => {
            // An element inserted at a boundary: a neighbour's tag or a nearby one.
            let p = at(rng);
            let (g, e) = match data.get(p..p + 4) {
                Some(t) => (
                    u16::from_le_bytes([t[0], t[1]]),
                    u16::from_le_bytes([t[2], t[3]]),
                ),
                None => (8, 0x18),
            };
            let e = match rng.below(3) {
                0 => e,
                1 => e.wrapping_sub(1),
                _ => e.wrapping_add(1),
            };
            let vr = VRS[rng.below(VRS.len())];
            let value: &[u8] = match rng.below(4) {
                0 => b"",
                1 => b"1\\2.5",
                2 => b"X",
                _ => &[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0],
            };
            let mut el_bytes = Vec::new();
            el(&mut el_bytes, g, e, vr, value);
            let p = p.min(data.len());
            data.splice(p..p, el_bytes);
        }
        4 => {
            // An element (or item header) removed, or one copied after itself.
            if bounds.len() < 2 {
                return;
            }
            let i = rng.below(bounds.len() - 1);
            let (a, b) = (bounds[i], bounds[i + 1]);
            if rng.below(2) == 0 {
                data.drain(a..b);
            } else {
                let copy = data[a..b].to_vec();
                data.splice(b..b, copy);
            }
        }
        5 => {
            let p = at(rng);
            if let Some(v) = data.get_mut(p + 4..p + 6) {
                v.copy_from_slice(VRS[rng.below(VRS.len())]);
            }
        }
        _ => {
            // A value's byte set to a separator, space, NUL or non-ASCII.
            let p = at(rng) + 8 + rng.below(8);
            if let Some(b) = data.get_mut(p) {
                *b = [b'\\', b' ', 0, 0xE9, b'.', b'-'][rng.below(6)];
            }
        }
    }
}

#[test]
fn mutated_headers_walk_to_the_core_readers_rows() {
    let seeds = [
        std::fs::read(SAMPLE).unwrap(),
        plain_seed(),
        sequence_seed(),
        odd_seed(),
        long_seed(),
    ];
    let path = std::env::temp_dir().join(format!(
        "rs_dicom_scan_fuzz_walk_{}.dcm",
        std::process::id()
    ));
    // Every seed as it is: the walk takes the plain ones, but for the sample's non-ASCII
    // name (bit 7), which the core reader decodes.
    // Seeds for the fuzz target when asked for: each header behind a few flag bytes.
    if let Some(dir) = std::env::var_os("SCAN_WALK_CORPUS") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (i, seed) in seeds.iter().enumerate() {
            for flags in [0x00u8, 0x0F, 0x7F, 0xFF] {
                let mut input = vec![flags];
                input.extend_from_slice(seed);
                std::fs::write(dir.join(format!("seed{i}_{flags:02x}")), input).unwrap();
            }
        }
    }
    // No input, and an empty file (an error row, with the modification time column).
    assert!(!scan_walk_common::run(&[], &path));
    assert!(!scan_walk_common::run(&[0x10], &path));
    let scans: Vec<_> = (0..=255u8).map(scan_walk_common::scan).collect();
    for (i, seed) in seeds.iter().enumerate() {
        for flags in 0..=255u8 {
            let walked = scan_walk_common::check(&scans[usize::from(flags)], seed, &path);
            let plain = i < 3 && (i != 0 || flags & 0x80 == 0);
            assert!(walked || !plain, "seed {i} flags {flags:#x} not walked");
        }
    }
    let mut rng = Rng(0x5ca7_f022);
    let cases = 5000;
    let mut walked = 0;
    for _ in 0..cases {
        let scan = &scans[rng.below(256)];
        let mut data = seeds[rng.below(seeds.len())].clone();
        for _ in 0..1 + rng.below(3) {
            mutate(&mut rng, &mut data);
        }
        if scan_walk_common::check(scan, &data, &path) {
            walked += 1;
        }
    }
    let _ = std::fs::remove_file(&path);
    eprintln!("{walked} of {cases} mutants walked");
    // Not vacuous: many mutants still take the walk.
    assert!(walked * 5 > cases, "{walked} of {cases} walked");
}

/// A long header cut around the scan's read sizes and its end: rows as the core reader's,
/// walked when the cut falls past the requested tags.
#[test]
fn long_headers_cut_at_the_read_sizes() {
    let seed = long_seed();
    let path =
        std::env::temp_dir().join(format!("rs_dicom_scan_fuzz_cut_{}.dcm", std::process::id()));
    let scans: Vec<_> = (0..=255u8)
        .step_by(17)
        .map(scan_walk_common::scan)
        .collect();
    let mut walked = 0;
    let cuts = (8150..8250)
        .chain(65500..65600)
        .chain(seed.len() - 20..=seed.len());
    for cut in cuts.step_by(3) {
        for s in &scans {
            if scan_walk_common::check(s, &seed[..cut], &path) {
                walked += 1;
            }
        }
    }
    eprintln!("{walked} cut headers walked");
    assert!(walked > 100, "{walked} walked");
}
