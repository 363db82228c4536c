//! Test vectors generated from pydicom and Python's codecs.

use super::*;

/// Vectors generated from pydicom by `scripts/generate_charset_vectors.py`.
const VECTORS: &str = include_str!("../../../tests/data/charset/vectors.tsv");
/// Code tables generated from Python's codecs by the same script.
const TABLES: &str = include_str!("../../../tests/data/charset/tables.tsv");

fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex {s:?}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit"))
        .collect()
}

fn decode(charset: &[u8], vr: VR, value: &[u8]) -> String {
    CharacterSet::from_value(charset).decode(value, vr)
}

/// Checks every vector of one kind; returns how many there were.
fn check_vectors(kind: &str) -> usize {
    let mut count = 0;
    let mut failures = Vec::new();
    for line in VECTORS.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 6, "bad vector line {line:?}");
        if f[0] != kind {
            continue;
        }
        count += 1;
        let vr = VR::parse(f[2]).expect("VR");
        let expected = String::from_utf8(unhex(f[4])).expect("UTF-8");
        let got = decode(&unhex(f[1]), vr, &unhex(f[3]));
        if got != expected {
            failures.push(format!(
                "{} {vr} {}: got {got:?}, want {expected:?} ({})",
                String::from_utf8_lossy(&unhex(f[1])),
                f[3],
                f[5]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    count
}

#[test]
fn pydicom_example_files() {
    assert!(check_vectors("file") >= 130);
}

#[test]
fn pydicom_hand_vectors() {
    assert!(check_vectors("hand") >= 80);
}

#[test]
fn pydicom_random_iso2022_vectors() {
    assert!(check_vectors("random") >= 300);
}

#[test]
fn documented_deviations_from_pydicom() {
    assert!(check_vectors("deviation") >= 40);
}

#[test]
fn single_byte_tables_match_python() {
    let mut sets = 0;
    for line in TABLES.lines().filter(|l| l.starts_with("sb\t")) {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 3 + 128, "bad table line {line:?}");
        let cs = CharacterSet::from_value(f[2].as_bytes());
        for (i, hex) in f[3..].iter().enumerate() {
            let b = 0x80 + i as u8;
            let want = char::from_u32(u32::from_str_radix(hex, 16).expect("hex"));
            let got = cs.decode(&[b], VR::LO);
            assert_eq!(got.chars().next(), want, "{} byte {b:02X}", f[1]);
            assert_eq!(got.chars().count(), 1, "{} byte {b:02X}", f[1]);
        }
        sets += 1;
    }
    assert_eq!(sets, 13);
}

fn fnv1a64(hash: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *hash = (*hash ^ u64::from(b)).wrapping_mul(0x100000001B3);
    }
}

fn bit(hex: &str, i: usize) -> bool {
    let digits = hex.as_bytes();
    let d = char::from(digits[digits.len() - 1 - i / 4])
        .to_digit(16)
        .expect("hex");
    (d >> (i % 4)) & 1 == 1
}

/// Compares one double-byte table with Python's: every code Python decodes must decode to
/// the same single character. `value` builds the bytes of a row's position.
fn check_table(name: &str, charset: &[u8], value: impl Fn(&[u8], usize) -> Vec<u8>) {
    let cs = CharacterSet::from_value(charset);
    let mut rows = 0;
    let mut failures = Vec::new();
    for line in TABLES.lines().filter(|l| l.starts_with("db\t")) {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 5, "bad table line {line:?}");
        if f[1] != name {
            continue;
        }
        rows += 1;
        let row = unhex(f[2]);
        let (bitmap, want) = (f[3], u64::from_str_radix(f[4], 16).expect("hash"));
        let mut hash = 0xCBF29CE484222325;
        let mut odd = Vec::new();
        for pos in (0..bitmap.len() * 4).filter(|&p| bit(bitmap, p)) {
            let got = cs.decode(&value(&row, pos), VR::LO);
            let mut chars = got.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if c != REPLACEMENT => {
                    fnv1a64(&mut hash, &(pos as u32).to_le_bytes());
                    fnv1a64(&mut hash, &u32::from(c).to_le_bytes());
                }
                _ => odd.push(format!("{pos}: {got:?}")),
            }
        }
        if hash != want || !odd.is_empty() {
            failures.push(format!("{name} row {}: {}", f[2], odd.join(", ")));
        }
    }
    assert!(rows > 0, "no rows for {name}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn wrap(prefix: &[u8], body: &[u8], suffix: &[u8]) -> Vec<u8> {
    [prefix, body, suffix].concat()
}

#[test]
fn jis_x_0208_matches_python() {
    check_table("jis0208", b"\\ISO 2022 IR 87", |row, pos| {
        wrap(b"\x1b$B", &[row[0], 0x21 + pos as u8], b"\x1b(B")
    });
}

#[test]
fn jis_x_0212_matches_python() {
    check_table("jis0212", b"\\ISO 2022 IR 159", |row, pos| {
        wrap(b"\x1b$(D", &[row[0], 0x21 + pos as u8], b"\x1b(B")
    });
}

#[test]
fn ks_x_1001_matches_python() {
    check_table("ksx1001", b"\\ISO 2022 IR 149", |row, pos| {
        wrap(b"\x1b$)C", &[row[0] | 0x80, 0xA1 + pos as u8], b"")
    });
}

#[test]
fn gb_2312_matches_python() {
    check_table("gb2312", b"\\ISO 2022 IR 58", |row, pos| {
        wrap(b"\x1b$)A", &[row[0] | 0x80, 0xA1 + pos as u8], b"")
    });
}

/// Trail bytes 0x40–0xFC without 0x7F, by position.
fn sjis_trail(pos: usize) -> u8 {
    let t = 0x40 + pos as u8;
    if t >= 0x7F { t + 1 } else { t }
}

#[test]
fn iso_ir_13_shift_jis_pairs_match_python() {
    check_table("sjis", b"ISO_IR 13", |row, pos| {
        vec![row[0], sjis_trail(pos)]
    });
}

#[test]
fn gbk_matches_python() {
    check_table("gbk", b"GBK", |row, pos| vec![row[0], sjis_trail(pos)]);
}

#[test]
fn gb18030_two_byte_matches_python() {
    check_table("gb18030", b"GB18030", |row, pos| {
        vec![row[0], sjis_trail(pos)]
    });
}

#[test]
fn gb18030_four_byte_bmp_matches_python() {
    check_table("gb18030x4", b"GB18030", |row, pos| {
        vec![
            row[0],
            row[1],
            0x81 + (pos / 10) as u8,
            0x30 + (pos % 10) as u8,
        ]
    });
}

#[test]
fn default_and_terms() {
    let default = CharacterSet::default();
    assert!(default.is_default() && default.terms().is_empty());
    assert_eq!(CharacterSet::from_value(b""), default);
    assert_eq!(CharacterSet::from_value(b" \0"), default);
    assert_eq!(CharacterSet::from_value(b"\\ "), default);
    let ir6 = CharacterSet::from_value(b"ISO_IR 6 ");
    assert!(ir6.is_default() && ir6.unknown_terms().is_empty());
    assert_eq!(ir6.terms(), ["ISO_IR 6"]);
    let h31 = CharacterSet::from_value(b"\\ISO 2022 IR 87 ");
    assert_eq!(h31.terms(), ["", "ISO 2022 IR 87"]);
    assert!(h31.is_default() && !h31.is_stand_alone());
    let unknown = CharacterSet::from_value(b"ISO_IR 999\\ISO 2022 IR 87\\bogus");
    assert!(unknown.is_default());
    assert_eq!(unknown.unknown_terms(), ["ISO_IR 999", "bogus"]);
    for term in [
        &b"ISO_IR 192"[..],
        b"GB18030",
        b"GBK",
        b"ISO_IR 192\\ISO 2022 IR 87",
    ] {
        let cs = CharacterSet::from_value(term);
        assert!(
            cs.is_stand_alone() && cs.unknown_terms().is_empty(),
            "{cs:?}"
        );
    }
    for term in [
        "ISO IR 144",
        "ISO-IR 144",
        "iso_ir_144",
        "ISO_2022_IR_144",
        "ISO 2022 IR 144",
    ] {
        assert_eq!(
            CharacterSet::from_value(term.as_bytes()).scheme,
            CharacterSet::from_value(b"ISO_IR 144").scheme,
            "{term}"
        );
    }
}

#[test]
fn annex_examples() {
    // PS3.5 H.3.1: Japanese, ISO 2022 IR 87 without IR 13.
    let h31 = b"Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B=\x1b$B$d$^$@\x1b(B^\
                \x1b$B$?$m$&\x1b(B";
    assert_eq!(
        decode(b"\\ISO 2022 IR 87", VR::PN, h31),
        "Yamada^Tarou=山田^太郎=やまだ^たろう"
    );
    // PS3.5 H.3.2: Japanese, ISO 2022 IR 13 and IR 87.
    let h32 = b"\xd4\xcf\xc0\xde^\xc0\xdb\xb3=\x1b$B;3ED\x1b(J^\x1b$BB@O:\x1b(J=\
                \x1b$B$d$^$@\x1b(J^\x1b$B$?$m$&\x1b(J";
    assert_eq!(
        decode(b"ISO 2022 IR 13\\ISO 2022 IR 87", VR::PN, h32),
        "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう"
    );
    // PS3.5 I.2: Korean, ISO 2022 IR 149.
    let i2 = b"Hong^Gildong=\x1b$)C\xfb\xf3^\x1b$)C\xd1\xce\xd4\xd7=\x1b$)C\xc8\xab^\
               \x1b$)C\xb1\xe6\xb5\xbf";
    assert_eq!(
        decode(b"\\ISO 2022 IR 149", VR::PN, i2),
        "Hong^Gildong=洪^吉洞=홍^길동"
    );
    // PS3.5 J.1 and J.2: UTF-8 and GB18030.
    let x1 = b"Wang^XiaoDong=\xe7\x8e\x8b^\xe5\xb0\x8f\xe6\x9d\xb1=";
    assert_eq!(decode(b"ISO_IR 192", VR::PN, x1), "Wang^XiaoDong=王^小東=");
    let x2 = b"Wang^XiaoDong=\xcd\xf5^\xd0\xa1\xb6\xab=";
    assert_eq!(decode(b"GB18030", VR::PN, x2), "Wang^XiaoDong=王^小东=");
    // PS3.5 K.1: GB 2312 in G1, ISO 2022 IR 58.
    let k1 = b"Zhang^XiaoDong=\x1b$)A\xd5\xc5^\x1b$)A\xd0\xa1\xb6\xab=";
    assert_eq!(
        decode(b"\\ISO 2022 IR 58", VR::PN, k1),
        "Zhang^XiaoDong=张^小东="
    );
}

#[test]
fn single_byte_sets_and_extensions() {
    assert_eq!(
        decode(b"ISO_IR 100", VR::PN, b"Buc^J\xe9r\xf4me"),
        "Buc^Jérôme"
    );
    assert_eq!(decode(b"ISO_IR 100", VR::LO, b"\x80\x9f"), "\u{80}\u{9f}");
    assert_eq!(decode(b"", VR::LO, b"\xe9\xff"), "éÿ");
    assert_eq!(decode(b"ISO_IR 148", VR::LO, b"\xdd\xfd\x80"), "İı\u{80}");
    assert_eq!(
        decode(b"ISO_IR 166", VR::LO, b"\xca\xa0\x80"),
        "ส\u{FFFD}\u{80}"
    );
    assert_eq!(decode(b"ISO_IR 203", VR::LO, b"\xa4\xbc"), "€Œ");
    assert_eq!(decode(b"ISO_IR 13", VR::LO, b"\\~\xb1"), "\\~ｱ");
    assert_eq!(decode(b"ISO_IR 144", VR::LO, b"\xbb\xee\xda"), "Люк");
    // G1 designations and the return to the initial set at delimiters.
    let cs = b"ISO 2022 IR 100\\ISO 2022 IR 126\\ISO 2022 IR 144";
    assert_eq!(decode(cs, VR::LT, b"\xe9\x1b-F\xe1\r\n\xe9"), "éα\r\né");
    assert_eq!(decode(cs, VR::PN, b"\x1b-L\xbb^\xbb=\x1b-F\xe1"), "Л^»=α");
    assert_eq!(decode(cs, VR::LO, b"\x1b-L\xbb\\\xbb"), "Л\\»");
    assert_eq!(decode(cs, VR::LT, b"\x1b-L\xbb\\\xbb"), "Л\\Л");
    // Unknown and truncated escape sequences stay as ESC.
    assert_eq!(decode(cs, VR::LO, b"\x1b-L\xbb\x1b%G\xbb"), "Л\u{1b}%G»");
    assert_eq!(decode(cs, VR::LO, b"a\x1b"), "a\u{1b}");
    assert_eq!(decode(cs, VR::LO, b"a\x1b$"), "a\u{1b}$");
}

#[test]
fn multi_byte_edge_cases() {
    let jp = b"\\ISO 2022 IR 87";
    // A lone byte at the end of a JIS X 0208 run, and an unmapped pair.
    assert_eq!(decode(jp, VR::LO, b"\x1b$B;"), ";");
    assert_eq!(decode(jp, VR::LO, b"\x1b$B\x7e\x7e\x1b(Ba"), "\u{FFFD}a");
    // High bytes while G1 is Latin-1 stay Latin-1 in a JIS X 0208 run.
    assert_eq!(decode(jp, VR::LO, b"\x1b$B;3\xe9\x1b(B"), "山é");
    // IR 87 as the first term: nothing in G1.
    assert_eq!(decode(b"ISO 2022 IR 87", VR::LO, b"a\xe9"), "a\u{FFFD}");
    let kr = b"\\ISO 2022 IR 149";
    assert_eq!(decode(kr, VR::LO, b"\x1b$)C\xb0\xa1\xb0"), "가\u{FFFD}");
    assert_eq!(
        decode(kr, VR::LO, b"\x1b$)C\xb0a\xff\xa0"),
        "\u{FFFD}a\u{FFFD}\u{FFFD}"
    );
    assert_eq!(decode(b"ISO_IR 13", VR::LO, b"\x88\x9f\x81"), "亜\u{FFFD}");
    assert_eq!(
        decode(b"ISO_IR 192", VR::LO, b"\xe6\x97\xa5\xe6"),
        "日\u{FFFD}"
    );
    assert_eq!(decode(b"GB18030", VR::LO, b"\x95\x32\x82\x36"), "\u{20000}");
    assert_eq!(decode(b"GBK", VR::LO, b"\x81\x40\\"), "丂\\");
}

#[test]
fn non_charset_vrs_are_latin1() {
    for vr in [VR::CS, VR::DA, VR::UI, VR::AE, VR::AS, VR::DS, VR::UR] {
        assert!(!vr.uses_charset());
        assert_eq!(decode(b"ISO_IR 192", vr, b"\xc3\xa9"), "Ã©");
        assert_eq!(decode(b"\\ISO 2022 IR 87", vr, b"\x1b$B;3"), "\u{1b}$B;3");
    }
}

#[test]
fn ascii_is_copied_for_every_set() {
    let text = b"Doe^John\\Smith=Jane \r\n\t~!";
    for cs in [
        &b""[..],
        b"ISO_IR 100",
        b"ISO_IR 13",
        b"ISO_IR 192",
        b"GB18030",
        b"GBK",
        b"\\ISO 2022 IR 87",
        b"ISO 2022 IR 149",
        b"ISO 2022 IR 58",
        b"ISO 2022 IR 159",
    ] {
        for vr in [VR::PN, VR::LO, VR::LT, VR::CS] {
            assert_eq!(decode(cs, vr, text), "Doe^John\\Smith=Jane \r\n\t~!");
        }
    }
}

/// Random bytes, rich in ESC, escape-sequence and high bytes, never panic, and each
/// byte yields at most one character.
#[test]
fn garbage_never_panics() {
    let charsets: [&[u8]; 14] = [
        b"",
        b"ISO_IR 100",
        b"ISO_IR 148",
        b"ISO_IR 166",
        b"ISO_IR 13",
        b"ISO_IR 192",
        b"GB18030",
        b"GBK",
        b"\\ISO 2022 IR 87\\ISO 2022 IR 159",
        b"ISO 2022 IR 13\\ISO 2022 IR 87",
        b"\\ISO 2022 IR 149",
        b"ISO 2022 IR 58",
        b"ISO 2022 IR 87",
        b"ISO 2022 IR 144\\ISO 2022 IR 203",
    ];
    let alphabet = b"\x1b\x1b$()-BJDICAFLT@^=\\\r\n\t \x21\x7e\x80\x8e\x8f\xa1\xb0\xdf\xfe\xff";
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..4000 {
        let len = (next() % 24) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                let r = next();
                if r % 3 == 0 {
                    r as u8
                } else {
                    alphabet[(r >> 8) as usize % alphabet.len()]
                }
            })
            .collect();
        for cs in charsets {
            let cs = CharacterSet::from_value(cs);
            for vr in [VR::PN, VR::LO, VR::LT, VR::SH] {
                let s = cs.decode(&bytes, vr);
                assert!(
                    s.chars().count() <= bytes.len(),
                    "{cs:?} {bytes:02X?} -> {s:?}"
                );
            }
        }
    }
}
