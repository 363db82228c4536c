//! Fuzzes rs_dicom's JPEG 2000 decoder crate directly (`rs_dicom_j2k`): the whole input is the
//! codestream, with no image description to match first, so every input reaches the decoder.
//! It may fail but must never panic, hang or allocate out of proportion.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let start = rs_dicom_j2k::jp2_codestream(data)
        .ok()
        .flatten()
        .unwrap_or(0);
    let Some(cs) = data.get(start..) else { return };
    let siz = rs_dicom_j2k::read_siz(cs);
    if let Ok(image) = rs_dicom_j2k::decode(cs) {
        // A decoded image is consistent with its header.
        let siz = siz.expect("a decodable codestream has a readable SIZ");
        assert_eq!((image.width, image.height), (siz.width(), siz.height()));
        assert_eq!(image.components.len(), siz.comps.len());
        let n = image.width as usize * image.height as usize;
        assert!(image.components.iter().all(|c| c.data.len() == n));
    }
});
