//! Reading the display attributes of a dataset: LUT items, palettes, windows, the
//! Modality LUT / rescale, seen for one frame of an enhanced multi-frame image (the Pixel
//! Value Transformation and Frame VOI LUT functional groups over the top level). This is
//! what `to_display` and the thumbnails of rs_dicom datasets use.

use crate::core::{ByteOrder, Dataset, Element, SharedDataset, Tag};
use crate::error::{DicomError, ErrorKind, Result};
use crate::value::{Scalar, Value, decode};

use super::lut::{LutDescriptor, lut_table};
use super::palette::{ChannelData, Palette, palette};
use super::render::{Grey, Modality, Plan, Voi};
use super::window::{VoiFunction, Window};
use crate::pixel::color::ColorSpace;

const SAMPLES_PER_PIXEL: Tag = Tag(0x0028, 0x0002);
const PHOTOMETRIC: Tag = Tag(0x0028, 0x0004);
const BITS_STORED: Tag = Tag(0x0028, 0x0101);
const PIXEL_REPRESENTATION: Tag = Tag(0x0028, 0x0103);
const WINDOW_CENTER: Tag = Tag(0x0028, 0x1050);
const WINDOW_WIDTH: Tag = Tag(0x0028, 0x1051);
const RESCALE_INTERCEPT: Tag = Tag(0x0028, 0x1052);
const RESCALE_SLOPE: Tag = Tag(0x0028, 0x1053);
const RESCALE_TYPE: Tag = Tag(0x0028, 0x1054);
const VOI_LUT_FUNCTION: Tag = Tag(0x0028, 0x1056);
const PIXEL_PRESENTATION: Tag = Tag(0x0008, 0x9205);
const MODALITY_LUT_SEQUENCE: Tag = Tag(0x0028, 0x3000);
const VOI_LUT_SEQUENCE: Tag = Tag(0x0028, 0x3010);
const LUT_DESCRIPTOR: Tag = Tag(0x0028, 0x3002);
const LUT_DATA: Tag = Tag(0x0028, 0x3006);
const RED_DESCRIPTOR: Tag = Tag(0x0028, 0x1101);
const PALETTE_DATA: [Tag; 4] = [
    Tag(0x0028, 0x1201),
    Tag(0x0028, 0x1202),
    Tag(0x0028, 0x1203),
    Tag(0x0028, 0x1204),
];
const SEGMENTED_DATA: [Tag; 4] = [
    Tag(0x0028, 0x1221),
    Tag(0x0028, 0x1222),
    Tag(0x0028, 0x1223),
    Tag(0x0028, 0x1224),
];
const SHARED_GROUPS: Tag = Tag(0x5200, 0x9229);
const PER_FRAME_GROUPS: Tag = Tag(0x5200, 0x9230);
const PIXEL_VALUE_TRANSFORMATION: Tag = Tag(0x0028, 0x9145);
const FRAME_VOI_LUT: Tag = Tag(0x0028, 0x9132);

#[cold]
fn invalid(path: &str, message: impl Into<String>) -> DicomError {
    DicomError::new(ErrorKind::InvalidValue, None, path, message)
}

/// The element's value as numbers (US SS UL SL IS DS FL FD); `None` when empty; an error
/// when a DS or IS value is not a number.
fn numbers(ds: &Dataset, e: &Element) -> Result<Option<Vec<f64>>> {
    Ok(match decode(ds, e) {
        Value::Ints(v) => Some(v.into_iter().map(|x| x as f64).collect()),
        Value::UInts(v) => Some(v.into_iter().map(|x| x as f64).collect()),
        Value::Floats(v) => Some(v),
        Value::Numbers(v) => Some(
            v.into_iter()
                .map(|s| match s {
                    Scalar::Int(i) => Ok(i as f64),
                    Scalar::Float(f) => Ok(f),
                    Scalar::Str(t) => Err(invalid(
                        &e.tag.to_string(),
                        format!("'{t}' is not a number"),
                    )),
                })
                .collect::<Result<_>>()?,
        ),
        _ => None,
    })
}

fn ints(ds: &Dataset, tag: Tag) -> Option<Vec<i64>> {
    match decode(ds, ds.get(tag)?) {
        Value::Ints(v) => Some(v),
        Value::Numbers(v) => v
            .into_iter()
            .map(|s| match s {
                Scalar::Int(i) => Some(i),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

fn text(ds: &Dataset, tag: Tag) -> Option<String> {
    match decode(ds, ds.get(tag)?) {
        Value::Text(v) => v.into_iter().next(),
        _ => None,
    }
}

fn first_item(ds: &Dataset, tag: Tag) -> Option<SharedDataset> {
    ds.get(tag)?.items()?.first().cloned()
}

/// The descriptor and table of a LUT item (Modality or VOI); `None` when the item has no
/// LUT Descriptor or LUT Data. `root` decides the byte order and, for implicit VR, whether
/// the first mapped value is signed (Pixel Representation 1).
fn lut_item(
    root: &Dataset,
    item: &Dataset,
) -> Result<Option<(LutDescriptor, super::lut::LutTable)>> {
    let (Some(d), Some(data)) = (item.get(LUT_DESCRIPTOR), item.get(LUT_DATA)) else {
        return Ok(None);
    };
    let data = item.bytes_of(data);
    let Some(values) = numbers(item, d)? else {
        return Ok(None);
    };
    if data.is_empty() {
        return Ok(None);
    }
    let desc = LutDescriptor::new(
        &values.iter().map(|&v| v as i64).collect::<Vec<_>>(),
        signed_first(root),
    )?;
    Ok(Some((desc, lut_table(data, root.byte_order(), &desc))))
}

/// pydicom resolves an implicit VR "US or SS" descriptor by Pixel Representation.
fn signed_first(root: &Dataset) -> bool {
    !root.explicit_vr()
        && ints(root, PIXEL_REPRESENTATION).and_then(|v| v.first().copied()) == Some(1)
}

/// A dataset seen for one frame: the Pixel Value Transformation and Frame VOI LUT macros of
/// the shared and this frame's functional groups override the top level.
pub struct FrameView<'a> {
    ds: &'a Dataset,
    over: Vec<(Tag, SharedDataset)>,
}

impl<'a> FrameView<'a> {
    /// The view of frame `frame` (no per-frame group for a frame out of range).
    pub fn new(ds: &'a Dataset, frame: i64) -> FrameView<'a> {
        let mut groups = Vec::new();
        groups.extend(first_item(ds, SHARED_GROUPS));
        if let Some(items) = ds.get(PER_FRAME_GROUPS).and_then(Element::items)
            && let Ok(i) = usize::try_from(frame)
            && let Some(item) = items.get(i)
        {
            groups.push(item.clone());
        }
        let mut over: Vec<(Tag, SharedDataset)> = Vec::new();
        let macros: [(Tag, [Tag; 3]); 2] = [
            (
                PIXEL_VALUE_TRANSFORMATION,
                [RESCALE_SLOPE, RESCALE_INTERCEPT, RESCALE_TYPE],
            ),
            (
                FRAME_VOI_LUT,
                [WINDOW_CENTER, WINDOW_WIDTH, VOI_LUT_FUNCTION],
            ),
        ];
        for group in groups {
            let group = group.read();
            for (seq, tags) in macros {
                let Some(item) = first_item(&group, seq) else {
                    continue;
                };
                let present: Vec<Tag> = {
                    let it = item.read();
                    tags.into_iter().filter(|t| it.contains(*t)).collect()
                };
                for t in present {
                    over.retain(|(k, _)| *k != t);
                    over.push((t, item.clone()));
                }
            }
        }
        FrameView { ds, over }
    }

    fn contains(&self, tag: Tag) -> bool {
        self.over.iter().any(|(t, _)| *t == tag) || self.ds.contains(tag)
    }

    fn numbers(&self, tag: Tag) -> Result<Option<Vec<f64>>> {
        if let Some((_, item)) = self.over.iter().find(|(t, _)| *t == tag) {
            let item = item.read();
            return match item.get(tag) {
                Some(e) => numbers(&item, e),
                None => Ok(None),
            };
        }
        match self.ds.get(tag) {
            Some(e) => numbers(self.ds, e),
            None => Ok(None),
        }
    }

    fn text(&self, tag: Tag) -> Option<String> {
        if let Some((_, item)) = self.over.iter().find(|(t, _)| *t == tag) {
            return text(&item.read(), tag);
        }
        text(self.ds, tag)
    }

    /// The Modality LUT stage: the first Modality LUT Sequence item, else Rescale Slope and
    /// Intercept (when both are present; an empty one counts as 1 resp. 0), else identity.
    pub fn modality(&self) -> Result<Modality> {
        if let Some(item) = first_item(self.ds, MODALITY_LUT_SEQUENCE) {
            let item = item.read();
            let Some((desc, table)) = lut_item(self.ds, &item)? else {
                return Err(invalid(
                    "(0028,3000)[0]",
                    "the Modality LUT has no LUT Descriptor or LUT Data",
                ));
            };
            return Ok(Modality::Lut {
                table,
                first: desc.first_mapped,
                entries: desc.entries,
            });
        }
        if self.contains(RESCALE_SLOPE) && self.contains(RESCALE_INTERCEPT) {
            let first = |t| -> Result<Option<f64>> {
                Ok(self.numbers(t)?.and_then(|v| v.first().copied()))
            };
            return Ok(Modality::Rescale {
                slope: first(RESCALE_SLOPE)?.unwrap_or(1.0),
                intercept: first(RESCALE_INTERCEPT)?.unwrap_or(0.0),
            });
        }
        Ok(Modality::Identity)
    }

    /// The VOI LUT Function (LINEAR when absent or empty).
    pub fn voi_function(&self) -> Result<VoiFunction> {
        VoiFunction::parse(&self.text(VOI_LUT_FUNCTION).unwrap_or_default())
    }

    /// The first window of the file onto 0..=255, if it has a usable one.
    fn file_window(&self) -> Option<Window> {
        let c = self.numbers(WINDOW_CENTER).ok()??;
        let w = self.numbers(WINDOW_WIDTH).ok()??;
        let (c, w) = (*c.first()?, *w.first()?);
        Window::new(c, w, self.voi_function().ok()?, 0.0, 255.0).ok()
    }

    /// The first VOI LUT Sequence item with a descriptor and data, checked.
    pub fn voi_lut(&self) -> Result<Option<Voi>> {
        let Some(item) = first_item(self.ds, VOI_LUT_SEQUENCE) else {
            return Ok(None);
        };
        let item = item.read();
        let Some((desc, table)) = lut_item(self.ds, &item)? else {
            return Ok(None);
        };
        if desc.bits != 8 && !(10..=16).contains(&desc.bits) {
            return Err(DicomError::new(
                ErrorKind::Unsupported,
                None,
                "(0028,3010)[0].(0028,3002)",
                format!("'{}' bits per LUT entry is not supported", desc.bits),
            ));
        }
        Ok(Some(Voi::Lut {
            table,
            first: desc.first_mapped,
            entries: desc.entries,
            bits: desc.bits,
        }))
    }
}

/// The palette of a PALETTE COLOR dataset (plain or segmented LUT Data).
pub fn dataset_palette(ds: &Dataset) -> Result<Palette> {
    if let Some(p) = text(ds, PIXEL_PRESENTATION)
        && (p == "MIXED" || p == "COLOR")
    {
        return Err(invalid(
            "(0008,9205)",
            "Use of this function with the Supplemental Palette Color Lookup Table Module is \
             not currently supported",
        ));
    }
    let none = || {
        invalid(
            "(0028,1101)",
            "No suitable Palette Color Lookup Table Module found",
        )
    };
    let values = ds
        .get(RED_DESCRIPTOR)
        .map(|e| numbers(ds, e))
        .transpose()?
        .flatten()
        .ok_or_else(none)?;
    let desc = LutDescriptor::new(
        &values.iter().map(|&v| v as i64).collect::<Vec<_>>(),
        signed_first(ds),
    )?;
    let segmented = if ds.contains(PALETTE_DATA[0]) {
        false
    } else if ds.contains(SEGMENTED_DATA[0]) {
        true
    } else {
        return Err(none());
    };
    let tags = if segmented {
        SEGMENTED_DATA
    } else {
        PALETTE_DATA
    };
    let order: ByteOrder = ds.byte_order();
    let channels: Vec<Option<ChannelData>> = tags
        .iter()
        .map(|&t| {
            ds.get(t).map(|e| ChannelData {
                bytes: ds.bytes_of(e),
                order,
                us: e.vr == crate::core::VR::US,
            })
        })
        .collect();
    palette(&desc, &channels, segmented)
}

/// How frame `frame` of `ds` becomes an 8-bit picture: `window` (centre, width) replaces
/// the file's VOI for grey images; `ybr_input` says that colour samples are still YBR;
/// `sample_bits` is the size of the samples, for colour images without Bits Stored.
pub fn display_plan(
    ds: &Dataset,
    frame: i64,
    window: Option<(f64, f64)>,
    ybr_input: bool,
    sample_bits: u32,
) -> Result<Plan> {
    let pi = text(ds, PHOTOMETRIC)
        .unwrap_or_default()
        .trim()
        .to_ascii_uppercase();
    if pi == "PALETTE COLOR" {
        return Ok(Plan::Palette(dataset_palette(ds)?));
    }
    let samples = ints(ds, SAMPLES_PER_PIXEL)
        .and_then(|v| v.first().copied())
        .unwrap_or(1);
    if samples > 1 {
        let bits = ints(ds, BITS_STORED)
            .and_then(|v| v.first().copied())
            .filter(|&b| b != 0)
            .map_or(sample_bits, |b| u32::try_from(b).unwrap_or(0));
        let ybr = if ybr_input && pi.starts_with("YBR_FULL") {
            ColorSpace::parse(&pi).ok()
        } else {
            None
        };
        return Ok(Plan::Colour { bits, ybr });
    }
    let view = FrameView::new(ds, frame);
    let modality = view.modality()?;
    let voi = if let Some((center, width)) = window {
        Voi::Window(Window::new(
            center,
            width,
            view.voi_function()?,
            0.0,
            255.0,
        )?)
    } else if let Some(lut) = view.voi_lut()? {
        lut
    } else {
        view.file_window().map_or(Voi::Range, Voi::Window)
    };
    Ok(Plan::Grey(Grey {
        modality,
        voi,
        invert: pi == "MONOCHROME1",
    }))
}

/// Height / width of one pixel: Pixel Spacing (row / column spacing), else Imager Pixel
/// Spacing, else Pixel Aspect Ratio; 1 when none is usable.
pub fn pixel_aspect(ds: &Dataset) -> f64 {
    for tag in [
        Tag(0x0028, 0x0030),
        Tag(0x0018, 0x1164),
        Tag(0x0028, 0x0034),
    ] {
        let Some(Ok(Some(v))) = ds.get(tag).map(|e| numbers(ds, e)) else {
            continue;
        };
        if v.len() >= 2 && v[0] > 0.0 && v[1] > 0.0 {
            let ratio = v[0] / v[1];
            if ratio.is_finite() {
                return ratio;
            }
        }
    }
    1.0
}
