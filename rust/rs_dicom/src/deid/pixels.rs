//! Clean Pixel Data (PS3.15 E.3.1): burned-in text blanked in configured rectangles, chosen
//! by modality, manufacturer and image size. An image that declares burned-in annotation and
//! matches no rule is refused, never passed through.
//!
//! Compressed pixel data is decoded, blanked and written back: in the same transfer syntax
//! when it is lossless and rs_dicom encodes it (every pixel outside the rectangles exactly as
//! decoded), else as native pixel data in Explicit VR Little Endian. A lossy source is not
//! compressed a second time (each generation loses more); its Lossy Image Compression stays
//! "01" with its method, as PS3.3 C.7.6.1.1.5 requires of an image once lossy compressed.

use crate::core::{Dataset, ElementValue, Limits, Tag, TransferSyntax, VR};
use crate::error::{DicomError, ErrorKind, Result};
use crate::pixel::transcode::{self, CompressOptions};

use super::values::trim;

const BURNED_IN: Tag = Tag(0x0028, 0x0301);
const MODALITY: Tag = Tag(0x0008, 0x0060);
const MANUFACTURER: Tag = Tag(0x0008, 0x0070);
const ROWS: Tag = Tag(0x0028, 0x0010);
const COLUMNS: Tag = Tag(0x0028, 0x0011);
const SAMPLES: Tag = Tag(0x0028, 0x0002);
const PLANAR: Tag = Tag(0x0028, 0x0006);
const FRAMES: Tag = Tag(0x0028, 0x0008);
const BITS_ALLOCATED: Tag = Tag(0x0028, 0x0100);

/// Where burned-in text is, for the images a rule applies to. Every condition given must
/// hold; a rule with none applies to every image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PixelRule {
    /// Modality (0008,0060), compared without regard to case.
    pub modality: Option<String>,
    /// A part of Manufacturer (0008,0070), compared without regard to case.
    pub manufacturer: Option<String>,
    /// Rows (0028,0010).
    pub rows: Option<u16>,
    /// Columns (0028,0011).
    pub columns: Option<u16>,
    /// Rectangles to blank: (x, y, width, height) in pixels, clipped to the image.
    pub regions: Vec<(u32, u32, u32, u32)>,
}

fn text(ds: &Dataset, tag: Tag) -> String {
    ds.raw(tag)
        .map(|b| String::from_utf8_lossy(trim(b)).to_string())
        .unwrap_or_default()
}

fn number(ds: &Dataset, tag: Tag) -> Option<u16> {
    ds.raw(tag).and_then(|b| ds.byte_order().read::<u16>(b, 0))
}

impl PixelRule {
    fn matches(&self, ds: &Dataset) -> bool {
        self.modality
            .as_ref()
            .is_none_or(|m| text(ds, MODALITY).eq_ignore_ascii_case(m))
            && self.manufacturer.as_ref().is_none_or(|m| {
                text(ds, MANUFACTURER)
                    .to_ascii_lowercase()
                    .contains(&m.to_ascii_lowercase())
            })
            && self.rows.is_none_or(|r| number(ds, ROWS) == Some(r))
            && self.columns.is_none_or(|c| number(ds, COLUMNS) == Some(c))
    }
}

fn refuse(message: String) -> DicomError {
    DicomError::new(ErrorKind::Unsupported, None, "(7FE0,0010)", message)
}

/// What cleaning did to the pixel data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cleaned {
    /// Nothing (no rule applied).
    No,
    /// Native pixel data blanked in place.
    Native,
    /// Compressed pixel data decoded, blanked and stored in this transfer syntax.
    Transcoded(&'static TransferSyntax),
}

/// Applies the first matching rule when Clean Pixel Data is on; refuses an image declaring
/// burned-in annotation that no rule cleaned. `ts` is the transfer syntax the dataset was
/// read in (needed for compressed pixel data).
pub(crate) fn clean_pixels(
    ds: &mut Dataset,
    rules: &[PixelRule],
    enabled: bool,
    ts: Option<&'static TransferSyntax>,
) -> Result<Cleaned> {
    let burned = ds.raw(BURNED_IN).map(trim) == Some(b"YES");
    let rule = if enabled {
        rules.iter().find(|r| r.matches(ds))
    } else {
        None
    };
    let Some(rule) = rule else {
        if burned {
            let size = format!(
                "{}x{}",
                number(ds, COLUMNS).unwrap_or(0),
                number(ds, ROWS).unwrap_or(0)
            );
            return Err(refuse(format!(
                "Burned In Annotation is YES and no Clean Pixel Data rule matches this image \
                 (modality {:?}, {size}): not de-identified",
                text(ds, MODALITY)
            )));
        }
        return Ok(Cleaned::No);
    };
    let encapsulated = ds
        .get(Tag::PIXEL_DATA)
        .is_some_and(|el| matches!(el.value, ElementValue::Encapsulated { .. }));
    let done = if encapsulated {
        let ts = ts.filter(|t| t.encapsulated).ok_or_else(|| {
            refuse("compressed Pixel Data in an unknown transfer syntax: cannot decode it".into())
        })?;
        Cleaned::Transcoded(blank_compressed(ds, &rule.regions, ts)?)
    } else {
        blank(ds, &rule.regions)?;
        Cleaned::Native
    };
    ds.set_bytes(BURNED_IN, VR::CS, b"NO".to_vec());
    Ok(done)
}

/// Decodes, blanks and stores compressed pixel data; returns the transfer syntax it is now
/// in. Nothing changes when decoding or encoding fails.
fn blank_compressed(
    ds: &mut Dataset,
    regions: &[(u32, u32, u32, u32)],
    ts: &'static TransferSyntax,
) -> Result<&'static TransferSyntax> {
    let mut work = ds.clone();
    // The file meta is rewritten by the caller from the dataset and the returned syntax.
    let mut meta = Dataset::new();
    let limits = Limits::default();
    // RGB, not YBR: zero is black in RGB only.
    transcode::decompress(&mut work, &mut meta, ts, true, None, &limits)?;
    blank(&mut work, regions)?;
    let lossless = !ts.lossy && transcode::has_encoder(ts);
    let out = if lossless {
        let native = TransferSyntax::EXPLICIT_VR_LE;
        transcode::compress(
            &mut work,
            &mut meta,
            native,
            ts,
            &CompressOptions::default(),
        )?;
        ts
    } else {
        if ts.lossy {
            work.set_bytes(Tag(0x0028, 0x2110), VR::CS, b"01".to_vec());
            if work.get(Tag(0x0028, 0x2114)).is_none()
                && let Some(method) = transcode::lossy_method(ts)
            {
                let mut v = method.as_bytes().to_vec();
                if v.len() % 2 == 1 {
                    v.push(b' ');
                }
                work.set_bytes(Tag(0x0028, 0x2114), VR::CS, v);
            }
        }
        TransferSyntax::EXPLICIT_VR_LE
    };
    *ds = work;
    Ok(out)
}

fn blank(ds: &mut Dataset, regions: &[(u32, u32, u32, u32)]) -> Result<()> {
    let Some(el) = ds.get(Tag::PIXEL_DATA) else {
        return Ok(());
    };
    if matches!(el.value, ElementValue::Encapsulated { .. }) {
        return Err(refuse("Pixel Data is still compressed".into()));
    }
    let vr = el.vr;
    let rows = usize::from(number(ds, ROWS).unwrap_or(0));
    let cols = usize::from(number(ds, COLUMNS).unwrap_or(0));
    let spp = usize::from(number(ds, SAMPLES).unwrap_or(1).max(1));
    let planar = number(ds, PLANAR).unwrap_or(0) == 1;
    let bits = usize::from(number(ds, BITS_ALLOCATED).unwrap_or(0));
    if bits == 0 || !bits.is_multiple_of(8) {
        return Err(refuse(format!(
            "Clean Pixel Data handles whole-byte samples, not Bits Allocated {bits}"
        )));
    }
    let frames = ds
        .raw(FRAMES)
        .and_then(|b| String::from_utf8_lossy(trim(b)).parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let bpp = bits / 8;
    let mut bytes = ds.bytes_of(el).to_vec();
    let needed = frames
        .checked_mul(rows)
        .and_then(|n| n.checked_mul(cols))
        .and_then(|n| n.checked_mul(spp))
        .and_then(|n| n.checked_mul(bpp));
    if needed.is_none_or(|n| n > bytes.len()) {
        return Err(refuse(
            "Pixel Data is shorter than the image it describes".into(),
        ));
    }
    for &(x, y, w, h) in regions {
        let (x0, y0) = (x as usize, y as usize);
        let x1 = x0.saturating_add(w as usize).min(cols);
        let y1 = y0.saturating_add(h as usize).min(rows);
        for f in 0..frames {
            for s in 0..spp {
                for r in y0..y1 {
                    if x0 >= x1 {
                        continue;
                    }
                    if planar {
                        let base = (((f * spp + s) * rows + r) * cols) * bpp;
                        bytes[base + x0 * bpp..base + x1 * bpp].fill(0);
                    } else {
                        for c in x0..x1 {
                            let at = (((f * rows + r) * cols + c) * spp + s) * bpp;
                            bytes[at..at + bpp].fill(0);
                        }
                    }
                }
            }
        }
    }
    ds.set_bytes(Tag::PIXEL_DATA, vr, bytes);
    Ok(())
}
