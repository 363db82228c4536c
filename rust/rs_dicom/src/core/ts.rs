//! The transfer-syntax registry (PS3.5 Section 10 and Annex A; UIDs from PS3.6 Annex A): the
//! only place a transfer syntax UID is interpreted. Everything else asks the registry how a
//! syntax encodes the dataset, whether pixel data is encapsulated, which codec family it uses,
//! whether it is lossy or retired, and its short name for the command line.

use super::endian::ByteOrder;

/// Byte order and VR explicitness of a stretch of the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Encoding {
    /// Explicit VR.
    pub explicit_vr: bool,
    /// Big endian.
    pub big_endian: bool,
}

impl Encoding {
    /// Implicit VR little endian, the encoding of UN sequences (PS3.5 6.2.2).
    pub const IMPLICIT_LE: Encoding = Encoding {
        explicit_vr: false,
        big_endian: false,
    };
    /// Explicit VR little endian, the encoding of the file meta group.
    pub const EXPLICIT_LE: Encoding = Encoding {
        explicit_vr: true,
        big_endian: false,
    };
    /// Explicit VR big endian.
    pub const EXPLICIT_BE: Encoding = Encoding {
        explicit_vr: true,
        big_endian: true,
    };

    /// The byte order.
    #[inline(always)]
    pub const fn byte_order(self) -> ByteOrder {
        ByteOrder::from_big_endian(self.big_endian)
    }
}

/// The codec family of a compressed transfer syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Codec {
    /// RLE Lossless (PS3.5 Annex G).
    Rle,
    /// JPEG (ISO 10918-1): baseline, extended, lossless.
    Jpeg,
    /// JPEG-LS (ISO 14495-1): lossless and near-lossless.
    JpegLs,
    /// JPEG 2000 (ISO 15444-1/-2).
    Jpeg2000,
    /// High-Throughput JPEG 2000 (ISO 15444-15).
    Htj2k,
    /// Deflated Image Frame Compression (frames deflated one by one).
    DeflateFrames,
    /// MPEG-2 video.
    Mpeg2,
    /// MPEG-4 AVC/H.264 video.
    H264,
    /// HEVC/H.265 video.
    Hevc,
    /// JPIP: the pixel data is referenced, not present.
    Jpip,
}

impl Codec {
    /// Name for messages.
    pub const fn name(self) -> &'static str {
        match self {
            Codec::Rle => "RLE Lossless",
            Codec::Jpeg => "JPEG",
            Codec::JpegLs => "JPEG-LS",
            Codec::Jpeg2000 => "JPEG 2000",
            Codec::Htj2k => "HTJ2K",
            Codec::DeflateFrames => "Deflated Image Frame",
            Codec::Mpeg2 => "MPEG-2 video",
            Codec::H264 => "MPEG-4 AVC/H.264 video",
            Codec::Hevc => "HEVC/H.265 video",
            Codec::Jpip => "JPIP (referenced pixel data)",
        }
    }
}

/// How a transfer syntax encodes a dataset and its pixel data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransferSyntax {
    /// The UID.
    pub uid: &'static str,
    /// Name (PS3.6).
    pub name: &'static str,
    /// Short name for the command line (`explicit`, `rle`, `j2k-lossless`, ...); empty when
    /// the syntax has none.
    pub short_name: &'static str,
    /// Explicit VR (false: implicit VR).
    pub explicit_vr: bool,
    /// Big endian byte order.
    pub big_endian: bool,
    /// Dataset after the file meta is deflated (RFC 1951).
    pub deflated: bool,
    /// Pixel data is encapsulated (fragments).
    pub encapsulated: bool,
    /// The codec of encapsulated pixel data (None: native, or encapsulated uncompressed).
    pub codec: Option<Codec>,
    /// The codec may lose information (PS3.5 8.2: lossy or near-lossless).
    pub lossy: bool,
    /// Retired from the standard.
    pub retired: bool,
}

#[allow(clippy::too_many_arguments)]
const fn ts(
    uid: &'static str,
    name: &'static str,
    short_name: &'static str,
    explicit_vr: bool,
    big_endian: bool,
    deflated: bool,
    codec: Option<Codec>,
    lossy: bool,
    retired: bool,
) -> TransferSyntax {
    TransferSyntax {
        uid,
        name,
        short_name,
        explicit_vr,
        big_endian,
        deflated,
        encapsulated: codec.is_some(),
        codec,
        lossy,
        retired,
    }
}

/// A compressed syntax: explicit VR little endian, encapsulated pixel data.
const fn compressed(
    uid: &'static str,
    name: &'static str,
    short_name: &'static str,
    codec: Codec,
    lossy: bool,
    retired: bool,
) -> TransferSyntax {
    ts(
        uid,
        name,
        short_name,
        true,
        false,
        false,
        Some(codec),
        lossy,
        retired,
    )
}

use Codec::*;

/// Every transfer syntax of PS3.6 (and the GE private implicit big endian syntax).
/// `ts(uid, name, short name, explicit VR, big endian, deflated, codec, lossy, retired)`;
/// `compressed(uid, name, short name, codec, lossy, retired)` is explicit VR little endian.
#[rustfmt::skip]
static REGISTRY: &[TransferSyntax] = &[
    ts("1.2.840.10008.1.2", "Implicit VR Little Endian", "implicit", false, false, false, None, false, false),
    ts("1.2.840.10008.1.2.1", "Explicit VR Little Endian", "explicit", true, false, false, None, false, false),
    TransferSyntax { encapsulated: true, ..ts("1.2.840.10008.1.2.1.98", "Encapsulated Uncompressed Explicit VR Little Endian", "encapsulated-uncompressed", true, false, false, None, false, false) },
    ts("1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", "deflated", true, false, true, None, false, false),
    ts("1.2.840.10008.1.2.2", "Explicit VR Big Endian", "big-endian", true, true, false, None, false, true),
    compressed("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", "jpeg-baseline", Jpeg, true, false),
    compressed("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 and 4)", "jpeg-extended", Jpeg, true, false),
    compressed("1.2.840.10008.1.2.4.52", "JPEG Extended (Process 3 and 5)", "", Jpeg, true, true),
    compressed("1.2.840.10008.1.2.4.53", "JPEG Spectral Selection, Non-Hierarchical (Process 6 and 8)", "", Jpeg, true, true),
    compressed("1.2.840.10008.1.2.4.54", "JPEG Spectral Selection, Non-Hierarchical (Process 7 and 9)", "", Jpeg, true, true),
    compressed("1.2.840.10008.1.2.4.55", "JPEG Full Progression, Non-Hierarchical (Process 10 and 12)", "", Jpeg, true, true),
    compressed("1.2.840.10008.1.2.4.56", "JPEG Full Progression, Non-Hierarchical (Process 11 and 13)", "", Jpeg, true, true),
    compressed("1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)", "jpeg-lossless-p14", Jpeg, false, false),
    compressed("1.2.840.10008.1.2.4.58", "JPEG Lossless, Non-Hierarchical (Process 15)", "", Jpeg, false, true),
    compressed("1.2.840.10008.1.2.4.59", "JPEG Extended, Hierarchical (Process 16 and 18)", "", Jpeg, true, true),
    compressed("1.2.840.10008.1.2.4.60", "JPEG Extended, Hierarchical (Process 17 and 19)", "", Jpeg, true, true),
    compressed("1.2.840.10008.1.2.4.61", "JPEG Spectral Selection, Hierarchical (Process 20 and 22)", "", Jpeg, true, true),
    compressed("1.2.840.10008.1.2.4.62", "JPEG Spectral Selection, Hierarchical (Process 21 and 23)", "", Jpeg, true, true),
    compressed("1.2.840.10008.1.2.4.63", "JPEG Full Progression, Hierarchical (Process 24 and 26)", "", Jpeg, true, true),
    compressed("1.2.840.10008.1.2.4.64", "JPEG Full Progression, Hierarchical (Process 25 and 27)", "", Jpeg, true, true),
    compressed("1.2.840.10008.1.2.4.65", "JPEG Lossless, Hierarchical (Process 28)", "", Jpeg, false, true),
    compressed("1.2.840.10008.1.2.4.66", "JPEG Lossless, Hierarchical (Process 29)", "", Jpeg, false, true),
    compressed("1.2.840.10008.1.2.4.70", "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])", "jpeg-lossless", Jpeg, false, false),
    compressed("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless Image Compression", "jpeg-ls", JpegLs, false, false),
    compressed("1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless) Image Compression", "jpeg-ls-near", JpegLs, true, false),
    compressed("1.2.840.10008.1.2.4.90", "JPEG 2000 Image Compression (Lossless Only)", "j2k-lossless", Jpeg2000, false, false),
    compressed("1.2.840.10008.1.2.4.91", "JPEG 2000 Image Compression", "j2k", Jpeg2000, true, false),
    compressed("1.2.840.10008.1.2.4.92", "JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)", "", Jpeg2000, false, false),
    compressed("1.2.840.10008.1.2.4.93", "JPEG 2000 Part 2 Multi-component Image Compression", "", Jpeg2000, true, false),
    compressed("1.2.840.10008.1.2.4.94", "JPIP Referenced", "", Jpip, true, false),
    TransferSyntax { deflated: true, ..compressed("1.2.840.10008.1.2.4.95", "JPIP Referenced Deflate", "", Jpip, true, false) },
    compressed("1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level", "", Mpeg2, true, false),
    compressed("1.2.840.10008.1.2.4.100.1", "Fragmentable MPEG2 Main Profile / Main Level", "", Mpeg2, true, false),
    compressed("1.2.840.10008.1.2.4.101", "MPEG2 Main Profile / High Level", "", Mpeg2, true, false),
    compressed("1.2.840.10008.1.2.4.101.1", "Fragmentable MPEG2 Main Profile / High Level", "", Mpeg2, true, false),
    compressed("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile / Level 4.1", "", H264, true, false),
    compressed("1.2.840.10008.1.2.4.102.1", "Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.1", "", H264, true, false),
    compressed("1.2.840.10008.1.2.4.103", "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1", "", H264, true, false),
    compressed("1.2.840.10008.1.2.4.103.1", "Fragmentable MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1", "", H264, true, false),
    compressed("1.2.840.10008.1.2.4.104", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video", "", H264, true, false),
    compressed("1.2.840.10008.1.2.4.104.1", "Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video", "", H264, true, false),
    compressed("1.2.840.10008.1.2.4.105", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video", "", H264, true, false),
    compressed("1.2.840.10008.1.2.4.105.1", "Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video", "", H264, true, false),
    compressed("1.2.840.10008.1.2.4.106", "MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2", "", H264, true, false),
    compressed("1.2.840.10008.1.2.4.106.1", "Fragmentable MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2", "", H264, true, false),
    compressed("1.2.840.10008.1.2.4.107", "HEVC/H.265 Main Profile / Level 5.1", "", Hevc, true, false),
    compressed("1.2.840.10008.1.2.4.108", "HEVC/H.265 Main 10 Profile / Level 5.1", "", Hevc, true, false),
    compressed("1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 Image Compression (Lossless Only)", "htj2k-lossless", Htj2k, false, false),
    compressed("1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)", "htj2k-lossless-rpcl", Htj2k, false, false),
    compressed("1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000 Image Compression", "htj2k", Htj2k, true, false),
    compressed("1.2.840.10008.1.2.4.204", "JPIP HTJ2K Referenced", "", Jpip, true, false),
    TransferSyntax { deflated: true, ..compressed("1.2.840.10008.1.2.4.205", "JPIP HTJ2K Referenced Deflate", "", Jpip, true, false) },
    compressed("1.2.840.10008.1.2.5", "RLE Lossless", "rle", Rle, false, false),
    compressed("1.2.840.10008.1.2.8.1", "Deflated Image Frame Compression", "deflated-frames", DeflateFrames, false, false),
    ts("1.2.840.113619.5.2", "Implicit VR Big Endian (GE private)", "", false, true, false, None, false, false),
];

/// Read as an unknown compressed syntax: explicit VR little endian, encapsulated, no codec.
static UNKNOWN_COMPRESSED: TransferSyntax = TransferSyntax {
    encapsulated: true,
    ..ts(
        "",
        "Unknown (encapsulated)",
        "",
        true,
        false,
        false,
        None,
        false,
        false,
    )
};

/// A UID as written in a file: trailing NUL/space padding and surrounding blanks removed.
pub fn trim_uid(uid: &str) -> &str {
    uid.trim_end_matches(['\0', ' ']).trim()
}

impl TransferSyntax {
    /// Implicit VR Little Endian, the default transfer syntax.
    pub const IMPLICIT_VR_LE: &'static TransferSyntax = &REGISTRY[0];
    /// Explicit VR Little Endian.
    pub const EXPLICIT_VR_LE: &'static TransferSyntax = &REGISTRY[1];
    /// Deflated Explicit VR Little Endian.
    pub const DEFLATED_EXPLICIT_VR_LE: &'static TransferSyntax = &REGISTRY[3];
    /// Explicit VR Big Endian (retired).
    pub const EXPLICIT_VR_BE: &'static TransferSyntax = &REGISTRY[4];

    /// Every registered transfer syntax.
    pub fn all() -> &'static [TransferSyntax] {
        REGISTRY
    }

    /// Looks up a registered transfer syntax UID; padding is ignored.
    pub fn lookup(uid: &str) -> Option<&'static TransferSyntax> {
        let uid = trim_uid(uid);
        REGISTRY.iter().find(|t| t.uid == uid)
    }

    /// The transfer syntax to read a file with: a registered UID, or any other UID in the
    /// DICOM transfer syntax root, read as a compressed syntax (explicit VR little endian,
    /// encapsulated) whose pixel data no codec decodes. `None` for UIDs outside that root.
    pub fn from_uid(uid: &str) -> Option<&'static TransferSyntax> {
        let uid = trim_uid(uid);
        TransferSyntax::lookup(uid).or_else(|| {
            uid.starts_with("1.2.840.10008.1.2.")
                .then_some(&UNKNOWN_COMPRESSED)
        })
    }

    /// Looks up a UID or a short name (`explicit`, `rle`, `j2k-lossless`, ...; case and `_`
    /// versus `-` do not matter).
    pub fn from_name(name: &str) -> Option<&'static TransferSyntax> {
        let wanted = name.trim().to_ascii_lowercase().replace('_', "-");
        REGISTRY
            .iter()
            .find(|t| !t.short_name.is_empty() && t.short_name == wanted)
            .or_else(|| TransferSyntax::lookup(name))
    }

    /// How the dataset is encoded.
    pub const fn encoding(&self) -> Encoding {
        Encoding {
            explicit_vr: self.explicit_vr,
            big_endian: self.big_endian,
        }
    }

    /// True for the transfer syntaxes whose values are little endian.
    pub const fn little_endian(&self) -> bool {
        !self.big_endian
    }

    /// True when the UID was not registered (read as an unknown compressed syntax).
    pub fn is_unknown(&self) -> bool {
        self.uid.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup() {
        assert!(
            !TransferSyntax::from_uid("1.2.840.10008.1.2\0")
                .unwrap()
                .explicit_vr
        );
        let jpeg = TransferSyntax::from_uid("1.2.840.10008.1.2.4.50").unwrap();
        assert!(jpeg.encapsulated && jpeg.explicit_vr && jpeg.lossy);
        assert_eq!(jpeg.codec, Some(Codec::Jpeg));
        assert!(
            TransferSyntax::from_uid("1.2.840.10008.1.2.1.99")
                .unwrap()
                .deflated
        );
        assert!(TransferSyntax::from_uid("1.2.3").is_none());
        let unknown = TransferSyntax::from_uid("1.2.840.10008.1.2.4.999").unwrap();
        assert!(unknown.is_unknown() && unknown.encapsulated && unknown.codec.is_none());
        assert!(
            TransferSyntax::EXPLICIT_VR_BE.retired && TransferSyntax::EXPLICIT_VR_BE.big_endian
        );
        assert_eq!(
            TransferSyntax::from_name("J2K_lossless").unwrap().uid,
            "1.2.840.10008.1.2.4.90"
        );
        assert_eq!(
            TransferSyntax::from_name("1.2.840.10008.1.2.5")
                .unwrap()
                .codec,
            Some(Codec::Rle)
        );
    }

    #[test]
    fn registry_agrees_with_the_dictionary() {
        for t in TransferSyntax::all() {
            // Deflated Image Frame Compression (2024) is newer than the dictionary's PS3.6.
            if t.uid.starts_with("1.2.840.10008.") && t.codec != Some(Codec::DeflateFrames) {
                let entry = crate::dictionary::uid(t.uid)
                    .unwrap_or_else(|| panic!("{} is not in the UID dictionary", t.uid));
                assert_eq!(entry.kind, "Transfer Syntax", "{}", t.uid);
                assert_eq!(entry.retired, t.retired, "{}", t.uid);
            }
        }
        let short: Vec<_> = TransferSyntax::all()
            .iter()
            .map(|t| t.short_name)
            .filter(|s| !s.is_empty())
            .collect();
        let mut dedup = short.clone();
        dedup.sort_unstable();
        dedup.dedup();
        assert_eq!(short.len(), dedup.len(), "short names are unique");
    }
}
