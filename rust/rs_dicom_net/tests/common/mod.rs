//! Instances for the Q/R tests, made from the sample CT.

use rs_dicom::core::{Tag, VR};
use rs_dicom::{Dataset, TransferSyntax};
use rs_dicom_net::qr::set_text;

/// A copy of the sample CT with its own identity.
pub struct Sample {
    pub meta: Dataset,
    pub dataset: Dataset,
    pub ts: &'static TransferSyntax,
}

/// The sample CT as patient `p` (name `DOE^p`), study `{root}.{st}`, series
/// `{study}.{se}`, instance `{series}.{i}`, with a study date.
pub fn sample_ct(root: &str, p: &str, st: &str, se: &str, i: u32, date: &str) -> Sample {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/sample_ct.dcm");
    let file = rs_dicom::parse_file(path).unwrap();
    let mut ds = file.dataset.clone();
    let study = format!("{root}.{st}");
    let series = format!("{study}.{se}");
    let sop = format!("{series}.{i}");
    set_text(&mut ds, Tag(0x0010, 0x0010), VR::PN, &format!("DOE^{p}"));
    set_text(&mut ds, Tag(0x0010, 0x0020), VR::LO, p);
    set_text(&mut ds, Tag(0x0020, 0x000D), VR::UI, &study);
    set_text(&mut ds, Tag(0x0020, 0x000E), VR::UI, &series);
    set_text(&mut ds, Tag(0x0008, 0x0018), VR::UI, &sop);
    set_text(&mut ds, Tag(0x0008, 0x0020), VR::DA, date);
    let mut meta = file.meta.clone();
    set_text(&mut meta, Tag(0x0002, 0x0003), VR::UI, &sop);
    Sample {
        meta,
        dataset: ds,
        ts: file.transfer_syntax,
    }
}
