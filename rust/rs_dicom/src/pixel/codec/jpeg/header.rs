//! The markers of a JPEG codestream up to its first scan (ISO/IEC 10918-1 B.2), and what they
//! mean for the colour of the decoded components (pydicom's `_conform_jpg_colorspace`).

use std::borrow::Cow;

use crate::core::ByteOrder;
use crate::error::{DicomError, Result};
use crate::pixel::codec::{ColorOut, FrameInfo};

/// What the codestream's markers say (up to the first SOS).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct Header {
    pub(super) precision: u8,
    pub(super) rows: u16,
    pub(super) columns: u16,
    pub(super) component_ids: Vec<u8>,
    /// Per component, the sampling factors byte (H << 4 | V).
    pub(super) sampling: Vec<u8>,
    /// Where each component's quantisation table selector (Tq) is in the codestream.
    pub(super) tq_at: Vec<usize>,
    pub(super) lossless: bool,
    /// SOF marker byte (0xC0..=0xCF).
    pub(super) sof: u8,
    /// An APPn segment starts with "JFIF" (pydicom's test, any APPn).
    pub(super) jfif: bool,
    /// Where the identifiers of the APP0 "JFIF" and APP14 "Adobe" segments start: the markers
    /// from which libjpeg infers a YCbCr colour space.
    pub(super) colour_markers: Vec<usize>,
}

impl Header {
    /// Whether every component is sampled at full resolution (1 x 1, as the first).
    #[cfg_attr(not(feature = "jpeg"), allow(dead_code))] // its own tests use it
    pub(super) fn full_resolution(&self) -> bool {
        self.sampling.iter().all(|&s| s == 0x11)
    }

    /// `src` with the colour space markers libjpeg reads (APP0 "JFIF", APP14 "Adobe") made
    /// unrecognisable, borrowed when it has none. libjpeg-turbo then assumes RGB for a lossless
    /// three-component frame and returns the components as coded: it refuses to convert
    /// colour in lossless mode, and DICOM wants the raw components anyway (pydicom converts
    /// afterwards according to the Photometric Interpretation).
    #[cfg_attr(not(feature = "jpeg"), allow(dead_code))] // its own tests use it
    pub(super) fn without_colour_markers<'a>(&self, src: &'a [u8]) -> Cow<'a, [u8]> {
        if self.colour_markers.is_empty() {
            return Cow::Borrowed(src);
        }
        let mut copy = src.to_vec();
        for &at in &self.colour_markers {
            if let Some(b) = copy.get_mut(at) {
                *b = 0;
            }
        }
        Cow::Owned(copy)
    }

    /// `src` with every quantisation table selector of the frame header set to 0, borrowed
    /// when they already are. Lossless frames use no quantisation tables, but DCMTK and GDCM
    /// write Tq = 1 for chroma, which jpeg-decoder rejects (ISO/IEC 10918-1 says Tq "shall be
    /// zero" in lossless mode; libjpeg ignores it).
    pub(super) fn without_tq<'a>(&self, src: &'a [u8]) -> Cow<'a, [u8]> {
        if self
            .tq_at
            .iter()
            .all(|&at| src.get(at).is_none_or(|&b| b == 0))
        {
            return Cow::Borrowed(src);
        }
        let mut copy = src.to_vec();
        for &at in &self.tq_at {
            if let Some(b) = copy.get_mut(at) {
                *b = 0;
            }
        }
        Cow::Owned(copy)
    }
}

/// Reads the markers of `src` up to the first start of scan.
pub(super) fn parse_header(src: &[u8]) -> Result<Header> {
    let be = ByteOrder::Big;
    // Some encoders pad frames at the front; pydicom's parser requires SOI at the start, but
    // libjpeg skips garbage before SOI, so accept a few leading bytes.
    let start = src
        .windows(2)
        .take(16)
        .position(|w| w == [0xFF, 0xD8])
        .ok_or_else(|| DicomError::bad_codestream("no JPEG start of image marker (FFD8)"))?;
    let mut pos = start + 2;
    let mut header = Header::default();
    let mut seen_sof = false;
    loop {
        // Find the next marker, skipping fill bytes.
        if pos >= src.len() {
            break;
        }
        if src[pos] != 0xFF {
            return Err(DicomError::bad_codestream(format!(
                "expected a JPEG marker at byte {pos}"
            )));
        }
        while pos < src.len() && src[pos] == 0xFF {
            pos += 1;
        }
        let Some(&marker) = src.get(pos) else { break };
        pos += 1;
        match marker {
            0x01 | 0xD0..=0xD8 => continue,
            0xD9 => break,
            _ => {}
        }
        let Some(len) = be.read::<u16>(src, pos).map(usize::from) else {
            break;
        };
        if len < 2 {
            return Err(DicomError::bad_codestream(
                "JPEG marker segment shorter than its length field",
            ));
        }
        let body = pos + 2;
        let seg = src.get(body..pos + len).ok_or_else(|| {
            DicomError::bad_codestream("JPEG marker segment runs past the end of the frame")
        })?;
        match marker {
            0xE0..=0xEF => {
                // pydicom looks for "JFIF" at the start of any APPn segment; libjpeg reads
                // APP0 "JFIF\0" and APP14 "Adobe" (with its transform byte) for the colour.
                header.jfif |= seg.starts_with(b"JFIF");
                let libjpeg = match marker {
                    0xE0 => seg.len() >= 14 && seg.starts_with(b"JFIF\0"),
                    0xEE => seg.len() >= 12 && seg.starts_with(b"Adobe"),
                    _ => false,
                };
                if libjpeg {
                    header.colour_markers.push(body);
                }
            }
            0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF if !seen_sof => {
                seen_sof = true;
                if seg.len() < 6 {
                    return Err(DicomError::bad_codestream("JPEG SOF segment too short"));
                }
                header.sof = marker;
                header.precision = seg[0];
                header.rows = be.decode(&seg[1..3]);
                header.columns = be.decode(&seg[3..5]);
                let n = usize::from(seg[5]);
                let comps = seg.get(6..6 + 3 * n).ok_or_else(|| {
                    DicomError::bad_codestream("JPEG SOF segment too short for its components")
                })?;
                header.component_ids = comps.chunks_exact(3).map(|c| c[0]).collect();
                header.sampling = comps.chunks_exact(3).map(|c| c[1]).collect();
                header.tq_at = (0..n).map(|i| body + 6 + 3 * i + 2).collect();
                header.lossless = matches!(marker, 0xC3 | 0xC7 | 0xCB | 0xCF);
            }
            0xDA => break,
            _ => {}
        }
        pos += len;
    }
    if !seen_sof {
        return Err(DicomError::bad_codestream(
            "no JPEG start of frame marker before the scan",
        ));
    }
    Ok(header)
}

/// How the decoded raw components relate to the dataset's interpretation (pydicom rules).
pub(super) fn color_out(header: &Header, info: &FrameInfo) -> ColorOut {
    if info.samples_per_pixel != 3 {
        return ColorOut::AsDataset;
    }
    let pi = info
        .photometric_interpretation
        .trim_end_matches(['\0', ' ']);
    let rgb_ids = header.component_ids == b"RGB" || header.component_ids == b"rgb";
    if rgb_ids && pi != "RGB" {
        return ColorOut::Rgb;
    }
    if header.jfif && !pi.contains("YBR") {
        return ColorOut::YbrFull;
    }
    ColorOut::AsDataset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_of_garbage_is_an_error() {
        assert!(parse_header(b"").is_err());
        assert!(parse_header(&[0xFF, 0xD8, 0xFF, 0xC0, 0, 3]).is_err());
        assert!(parse_header(&[0xFF, 0xD8, 0xFF, 0xD9]).is_err());
    }

    #[test]
    fn header_reads_sof() {
        let s = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 7, b'J', b'F', b'I', b'F', 0, //
            0xFF, 0xC3, 0, 11, 16, 0, 2, 0, 3, 1, 1, 0x11, 0, //
            0xFF, 0xDA,
        ];
        let h = parse_header(&s).unwrap();
        assert!(h.lossless && h.jfif);
        assert_eq!((h.precision, h.rows, h.columns), (16, 2, 3));
        assert_eq!(h.component_ids, vec![1]);
        // Too short for libjpeg's JFIF test: nothing to neutralise.
        assert!(h.colour_markers.is_empty());
        assert!(matches!(h.without_colour_markers(&s), Cow::Borrowed(_)));
    }

    /// DCMTK's colour lossless frame header: JFIF, components 1, 2, 3 with Tq 0, 1, 1.
    #[test]
    fn colour_markers_and_tq_are_neutralised_in_a_copy() {
        let mut s = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
        s.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        s.extend_from_slice(&[0xFF, 0xEE, 0, 14]);
        s.extend_from_slice(b"Adobe\0\x64\0\0\0\0\x01");
        s.extend_from_slice(&[0xFF, 0xC3, 0, 17, 8, 0, 2, 0, 3, 3]);
        s.extend_from_slice(&[1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1, 0xFF, 0xDA]);
        let h = parse_header(&s).unwrap();
        assert!(h.jfif && h.lossless && h.full_resolution());
        assert_eq!(h.colour_markers, [6, 24]);
        let plain = h.without_colour_markers(&s);
        assert_eq!((plain[6], plain[24]), (0, 0));
        assert_eq!(plain.len(), s.len());
        let reparsed = parse_header(&plain).unwrap();
        assert!(!reparsed.jfif && reparsed.colour_markers.is_empty());
        let no_tq = h.without_tq(&s);
        assert!(h.tq_at.iter().all(|&at| no_tq[at] == 0));
        assert_eq!(
            h.tq_at.iter().map(|&at| s[at]).collect::<Vec<_>>(),
            [0, 1, 1]
        );
        assert!(matches!(h.without_tq(&no_tq), Cow::Borrowed(_)));
    }
}
