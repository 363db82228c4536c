//! Clean Pixel Data (PS3.15 E.3.1): burned-in text blanked in configured rectangles, chosen
//! by modality, manufacturer and image size. An image that declares burned-in annotation and
//! matches no rule is refused, never passed through.

use crate::core::{Dataset, ElementValue, Tag};
use crate::error::{DicomError, ErrorKind, Result};

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

/// Applies the first matching rule when Clean Pixel Data is on; refuses an image declaring
/// burned-in annotation that no rule cleaned. Returns whether pixels were blanked.
pub(crate) fn clean_pixels(ds: &mut Dataset, rules: &[PixelRule], enabled: bool) -> Result<bool> {
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
        return Ok(false);
    };
    blank(ds, &rule.regions)?;
    ds.set_bytes(BURNED_IN, crate::core::VR::CS, b"NO".to_vec());
    Ok(true)
}

fn blank(ds: &mut Dataset, regions: &[(u32, u32, u32, u32)]) -> Result<()> {
    let Some(el) = ds.get(Tag::PIXEL_DATA) else {
        return Ok(());
    };
    if matches!(el.value, ElementValue::Encapsulated { .. }) {
        return Err(refuse(
            "Clean Pixel Data needs native pixel data: decompress the image first".into(),
        ));
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
