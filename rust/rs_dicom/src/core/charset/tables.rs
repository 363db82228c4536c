//! Code tables of the single-byte and 94×94 double-byte sets (from encoding_rs, or exact
//! ISO 8859 / JIS X 0201 tables where encoding_rs has only the windows-125x supersets).

use std::collections::HashMap;
use std::sync::OnceLock;

use encoding_rs::{EUC_JP, EUC_KR, Encoding, GBK};

use super::{DB_SIZE, REPLACEMENT};

/// The right-hand (0x80–0xFF) half of a single-byte character set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SingleByte {
    /// ISO 8859-1 (ISO_IR 100, and pydicom's default for ISO_IR 6).
    Latin1,
    /// ISO 8859-2 (ISO_IR 101).
    Latin2,
    /// ISO 8859-3 (ISO_IR 109).
    Latin3,
    /// ISO 8859-4 (ISO_IR 110).
    Latin4,
    /// ISO 8859-5 (ISO_IR 144).
    Cyrillic,
    /// ISO 8859-6 (ISO_IR 127).
    Arabic,
    /// ISO 8859-7 (ISO_IR 126).
    Greek,
    /// ISO 8859-8 (ISO_IR 138).
    Hebrew,
    /// ISO 8859-9 (ISO_IR 148).
    Latin5,
    /// ISO 8859-15 (ISO_IR 203).
    Latin9,
    /// TIS 620-2533 (ISO_IR 166).
    Thai,
}

impl SingleByte {
    /// Every set, in table order.
    pub(super) const ALL: [SingleByte; 11] = [
        SingleByte::Latin1,
        SingleByte::Latin2,
        SingleByte::Latin3,
        SingleByte::Latin4,
        SingleByte::Cyrillic,
        SingleByte::Arabic,
        SingleByte::Greek,
        SingleByte::Hebrew,
        SingleByte::Latin5,
        SingleByte::Latin9,
        SingleByte::Thai,
    ];

    /// The set designated to G1 by `ESC - final` (PS3.3 table C.12-3).
    pub(super) fn from_final(f: u8) -> Option<SingleByte> {
        SingleByte::ALL.into_iter().find(|s| s.final_byte() == f)
    }

    /// The final byte of the escape sequence `ESC - final` that designates the set to G1.
    pub(super) fn final_byte(self) -> u8 {
        match self {
            SingleByte::Latin1 => b'A',
            SingleByte::Latin2 => b'B',
            SingleByte::Latin3 => b'C',
            SingleByte::Latin4 => b'D',
            SingleByte::Cyrillic => b'L',
            SingleByte::Arabic => b'G',
            SingleByte::Greek => b'F',
            SingleByte::Hebrew => b'H',
            SingleByte::Latin5 => b'M',
            SingleByte::Latin9 => b'b',
            SingleByte::Thai => b'T',
        }
    }

    /// The decoded characters for bytes 0x80–0xFF.
    pub(super) fn table(self) -> &'static [char; 128] {
        static TABLES: OnceLock<[[char; 128]; 11]> = OnceLock::new();
        let tables = TABLES.get_or_init(|| SingleByte::ALL.map(SingleByte::build_table));
        &tables[self as usize]
    }

    /// Builds the 0x80–0xFF table: by hand where encoding_rs has a windows superset instead.
    pub(super) fn build_table(self) -> [char; 128] {
        let mut t = [REPLACEMENT; 128];
        for (i, slot) in t.iter_mut().enumerate() {
            let b = 0x80 + i as u8;
            *slot = match self {
                SingleByte::Latin1 => Some(char::from(b)),
                SingleByte::Latin5 => Some(match b {
                    0xD0 => '\u{011E}',
                    0xDD => '\u{0130}',
                    0xDE => '\u{015E}',
                    0xF0 => '\u{011F}',
                    0xFD => '\u{0131}',
                    0xFE => '\u{015F}',
                    _ => char::from(b),
                }),
                SingleByte::Thai => match b {
                    0x80..=0x9F => Some(char::from(b)),
                    0xA1..=0xDA | 0xDF..=0xFB => char::from_u32(0x0E01 + u32::from(b - 0xA1)),
                    _ => None,
                },
                SingleByte::Latin2 => decode_one(encoding_rs::ISO_8859_2, &[b]),
                SingleByte::Latin3 => decode_one(encoding_rs::ISO_8859_3, &[b]),
                SingleByte::Latin4 => decode_one(encoding_rs::ISO_8859_4, &[b]),
                SingleByte::Cyrillic => decode_one(encoding_rs::ISO_8859_5, &[b]),
                SingleByte::Arabic => decode_one(encoding_rs::ISO_8859_6, &[b]),
                SingleByte::Greek => decode_one(encoding_rs::ISO_8859_7, &[b]),
                SingleByte::Hebrew => decode_one(encoding_rs::ISO_8859_8, &[b]),
                SingleByte::Latin9 => decode_one(encoding_rs::ISO_8859_15, &[b]),
            }
            .unwrap_or(REPLACEMENT);
        }
        t
    }
}

/// A 94×94 double-byte character set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DoubleByte {
    /// JIS X 0208 (ISO 2022 IR 87).
    JisX0208,
    /// JIS X 0212 (ISO 2022 IR 159).
    JisX0212,
    /// KS X 1001 (ISO 2022 IR 149).
    KsX1001,
    /// GB 2312 (ISO 2022 IR 58).
    Gb2312,
}

impl DoubleByte {
    /// The character at zero-based row and cell, if the set defines one.
    pub(super) fn lookup(self, row: usize, cell: usize) -> Option<char> {
        static TABLES: [OnceLock<Box<[char]>>; 4] = [const { OnceLock::new() }; 4];
        let table = TABLES[self as usize].get_or_init(|| self.build_table());
        let c = *table.get(row * DB_SIZE + cell)?;
        (c != '\0').then_some(c)
    }

    /// The zero-based row and cell of `c` in the set, if it has it.
    pub(super) fn find(self, c: char) -> Option<(u8, u8)> {
        static REVERSE: [OnceLock<HashMap<char, (u8, u8)>>; 4] = [const { OnceLock::new() }; 4];
        let map = REVERSE[self as usize].get_or_init(|| {
            let mut map = HashMap::new();
            for row in 0..DB_SIZE {
                for cell in 0..DB_SIZE {
                    if let Some(c) = self.lookup(row, cell) {
                        // The first code of a character that has two (as Python encodes).
                        map.entry(c).or_insert((row as u8, cell as u8));
                    }
                }
            }
            map
        });
        map.get(&c).copied()
    }

    /// Builds the table from encoding_rs's EUC forms, patched to Python's mappings.
    pub(super) fn build_table(self) -> Box<[char]> {
        let mut t = vec!['\0'; DB_SIZE * DB_SIZE];
        for row in 0..DB_SIZE {
            for cell in 0..DB_SIZE {
                let (hi, lo) = (0xA1 + row as u8, 0xA1 + cell as u8);
                let jis = (u16::from(hi & 0x7F) << 8) | u16::from(lo & 0x7F);
                let c = match self {
                    DoubleByte::JisX0208 => {
                        jis0208_override(jis).or_else(|| decode_one(EUC_JP, &[hi, lo]))
                    }
                    DoubleByte::JisX0212 => {
                        // Python's JIS X 0212 has ASCII TILDE at 0x2237 (WHATWG: U+FF5E).
                        if jis == 0x2237 {
                            Some('~')
                        } else {
                            decode_one(EUC_JP, &[0x8F, hi, lo])
                        }
                    }
                    DoubleByte::KsX1001 => decode_one(EUC_KR, &[hi, lo]),
                    DoubleByte::Gb2312 => match jis {
                        // GB2312.TXT mappings (Python's gb2312), where GBK has U+00B7/U+2014.
                        0x2124 => Some('\u{30FB}'),
                        0x212A => Some('\u{2015}'),
                        _ => decode_one(GBK, &[hi, lo]),
                    },
                };
                if let Some(c) = c {
                    t[row * DB_SIZE + cell] = c;
                }
            }
        }
        t.into_boxed_slice()
    }
}

/// JIS X 0208 codes where Python (JIS0208.TXT) and WHATWG (Windows-31J) mappings differ.
pub(super) fn jis0208_override(jis: u16) -> Option<char> {
    Some(match jis {
        0x2141 => '\u{301C}', // WAVE DASH (WHATWG: FULLWIDTH TILDE)
        0x2142 => '\u{2016}', // DOUBLE VERTICAL LINE (WHATWG: PARALLEL TO)
        0x215D => '\u{2212}', // MINUS SIGN (WHATWG: FULLWIDTH HYPHEN-MINUS)
        0x2171 => '\u{00A2}', // CENT SIGN (WHATWG: FULLWIDTH CENT SIGN)
        0x2172 => '\u{00A3}', // POUND SIGN (WHATWG: FULLWIDTH POUND SIGN)
        0x224C => '\u{00AC}', // NOT SIGN (WHATWG: FULLWIDTH NOT SIGN)
        _ => return None,
    })
}

/// Decodes `src` strictly with `enc`, if it is exactly one character.
pub(super) fn decode_one(enc: &'static Encoding, src: &[u8]) -> Option<char> {
    let s = enc.decode_without_bom_handling_and_without_replacement(src)?;
    let mut chars = s.chars();
    let c = chars.next()?;
    chars.next().is_none().then_some(c)
}
