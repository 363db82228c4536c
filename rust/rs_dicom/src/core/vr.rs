use std::fmt;

/// A DICOM value representation (PS3.5 6.2).
#[allow(missing_docs, clippy::upper_case_acronyms)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum VR {
    AE,
    AS,
    AT,
    CS,
    DA,
    DS,
    DT,
    FD,
    FL,
    IS,
    LO,
    LT,
    OB,
    OD,
    OF,
    OL,
    OV,
    OW,
    PN,
    SH,
    SL,
    SQ,
    SS,
    ST,
    SV,
    TM,
    UC,
    UI,
    UL,
    UN,
    UR,
    US,
    UT,
    UV,
}

impl VR {
    /// All value representations, in alphabetical order.
    pub const ALL: [VR; 34] = [
        VR::AE,
        VR::AS,
        VR::AT,
        VR::CS,
        VR::DA,
        VR::DS,
        VR::DT,
        VR::FD,
        VR::FL,
        VR::IS,
        VR::LO,
        VR::LT,
        VR::OB,
        VR::OD,
        VR::OF,
        VR::OL,
        VR::OV,
        VR::OW,
        VR::PN,
        VR::SH,
        VR::SL,
        VR::SQ,
        VR::SS,
        VR::ST,
        VR::SV,
        VR::TM,
        VR::UC,
        VR::UI,
        VR::UL,
        VR::UN,
        VR::UR,
        VR::US,
        VR::UT,
        VR::UV,
    ];

    /// Parses the two ASCII bytes of an explicit VR.
    #[inline]
    pub fn from_bytes(b: [u8; 2]) -> Option<VR> {
        if !(b[0].is_ascii_uppercase() && b[1].is_ascii_uppercase()) {
            return None;
        }
        VR_TABLE[(b[0] - b'A') as usize * 26 + (b[1] - b'A') as usize]
    }

    /// Parses a VR name such as `"PN"`.
    pub fn parse(s: &str) -> Option<VR> {
        let b = s.as_bytes();
        if b.len() != 2 {
            return None;
        }
        VR::from_bytes([b[0], b[1]])
    }

    /// The two-letter name.
    pub const fn as_str(self) -> &'static str {
        match self {
            VR::AE => "AE",
            VR::AS => "AS",
            VR::AT => "AT",
            VR::CS => "CS",
            VR::DA => "DA",
            VR::DS => "DS",
            VR::DT => "DT",
            VR::FD => "FD",
            VR::FL => "FL",
            VR::IS => "IS",
            VR::LO => "LO",
            VR::LT => "LT",
            VR::OB => "OB",
            VR::OD => "OD",
            VR::OF => "OF",
            VR::OL => "OL",
            VR::OV => "OV",
            VR::OW => "OW",
            VR::PN => "PN",
            VR::SH => "SH",
            VR::SL => "SL",
            VR::SQ => "SQ",
            VR::SS => "SS",
            VR::ST => "ST",
            VR::SV => "SV",
            VR::TM => "TM",
            VR::UC => "UC",
            VR::UI => "UI",
            VR::UL => "UL",
            VR::UN => "UN",
            VR::UR => "UR",
            VR::US => "US",
            VR::UT => "UT",
            VR::UV => "UV",
        }
    }

    /// True when explicit VR encoding uses 2 reserved bytes and a 32-bit length (PS3.5 7.1.2).
    pub const fn has_long_length(self) -> bool {
        matches!(
            self,
            VR::OB
                | VR::OD
                | VR::OF
                | VR::OL
                | VR::OV
                | VR::OW
                | VR::SQ
                | VR::SV
                | VR::UC
                | VR::UN
                | VR::UR
                | VR::UT
                | VR::UV
        )
    }

    /// True for character-string VRs.
    pub const fn is_text(self) -> bool {
        matches!(
            self,
            VR::AE
                | VR::AS
                | VR::CS
                | VR::DA
                | VR::DS
                | VR::DT
                | VR::IS
                | VR::LO
                | VR::LT
                | VR::PN
                | VR::SH
                | VR::ST
                | VR::TM
                | VR::UC
                | VR::UI
                | VR::UR
                | VR::UT
        )
    }

    /// True for text VRs whose value may hold several values separated by backslash.
    pub const fn is_multi_valued_text(self) -> bool {
        self.is_text() && !matches!(self, VR::LT | VR::ST | VR::UT | VR::UR)
    }

    /// True for text VRs affected by Specific Character Set (PS3.5 6.1.2.3).
    pub const fn uses_charset(self) -> bool {
        matches!(
            self,
            VR::SH | VR::LO | VR::UC | VR::ST | VR::LT | VR::UT | VR::PN
        )
    }

    /// True for the "other" binary VRs handed out as raw bytes.
    pub const fn is_bulk(self) -> bool {
        matches!(
            self,
            VR::OB | VR::OD | VR::OF | VR::OL | VR::OV | VR::OW | VR::UN
        )
    }

    /// Byte width of one value for fixed-size binary VRs.
    pub const fn fixed_size(self) -> Option<usize> {
        match self {
            VR::US | VR::SS | VR::OW => Some(2),
            VR::UL | VR::SL | VR::FL | VR::OF | VR::OL | VR::AT => Some(4),
            VR::FD | VR::OD | VR::SV | VR::UV | VR::OV => Some(8),
            _ => None,
        }
    }
}

/// Two upper-case letters → VR, indexed by `(first - 'A') * 26 + (second - 'A')`.
static VR_TABLE: [Option<VR>; 676] = {
    let mut t = [None; 676];
    let mut i = 0;
    while i < VR::ALL.len() {
        let vr = VR::ALL[i];
        let b = vr.as_str().as_bytes();
        t[(b[0] - b'A') as usize * 26 + (b[1] - b'A') as usize] = Some(vr);
        i += 1;
    }
    t
};

impl fmt::Display for VR {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_roundtrip() {
        for vr in VR::ALL {
            assert_eq!(VR::parse(vr.as_str()), Some(vr));
        }
        assert_eq!(VR::from_bytes(*b"ZZ"), None);
        assert!(VR::OB.has_long_length());
        assert!(!VR::US.has_long_length());
    }
}
