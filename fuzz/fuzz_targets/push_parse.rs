//! Fuzz target for the push parser and the frame locator: feed arbitrary bytes in chunks
//! whose sizes the input chooses. The parser must never panic, never ask for 0 bytes, and
//! when it stops early (before the pixel data) its dataset must be the file reader's on the
//! whole input; the frame locator, fed the rest, must give ranges inside the input.
//!
//! Byte 0: bit 0 `force`, bit 1 `stop_before_pixels`; byte 1 seeds the chunk sizes.

#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use rs_dicom::core::Dataset;
use rs_dicom::parser::{Need, PushParser, ReadOptions, Source, parse_source};
use rs_dicom::pixel::FrameLocator;

fuzz_target!(|data: &[u8]| {
    let flags = data.first().copied().unwrap_or(0);
    let mut seed = u32::from(data.get(1).copied().unwrap_or(1)) | 1;
    let opts = ReadOptions {
        force: flags & 1 != 0,
        stop_before_pixels: flags & 2 != 0,
        ..Default::default()
    };
    let mut p = PushParser::new(opts);
    let mut at = 0;
    while let Need::More(n) = p.need() {
        assert!(n > 0, "the push parser asked for 0 bytes");
        if at == data.len() {
            p.finish();
            break;
        }
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let take = (1 + (seed >> 16) as usize % (2 * n).min(4096)).min(data.len() - at);
        p.feed(&data[at..at + take]);
        at += take;
    }
    let pushed = p.parse();
    let whole = parse_source(Arc::new(Source::Owned(data.to_vec())), opts);
    match (&pushed, &whole) {
        (Ok(a), Ok(b)) => assert_eq!(tags(&a.dataset), tags(&b.dataset)),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!(
            "push parser {:?} vs file reader {:?}",
            pushed.as_ref().err(),
            whole.as_ref().err()
        ),
    }
    if let (Ok(file), Some(loc)) = (pushed, p.pixel_location())
        && let Ok(mut locator) = FrameLocator::new(&file, loc, data.len() as u64)
    {
        let mut rounds = 0;
        while let Some((offset, len)) = locator.wanted() {
            rounds += 1;
            assert!(rounds < 100_000, "the frame locator does not progress");
            let start = (offset as usize).min(data.len());
            let end = start.saturating_add(len).min(data.len());
            let before = locator.wanted();
            if locator.supply(offset, &data[start..end]).is_err() || locator.wanted() == before {
                return;
            }
        }
        for i in 0..locator.frames().min(64) {
            if let Ok(Some(r)) = locator.frame_range(i) {
                assert!(r.start <= r.end && r.end <= data.len() as u64, "{r:?}");
                let one = locator.frame_file(p.bytes(), &data[r.start as usize..r.end as usize]);
                let _ = one.map(rs_dicom::parser::parse_bytes);
            }
        }
    }
});

fn tags(ds: &Dataset) -> Vec<u32> {
    ds.elements()
        .iter()
        .map(|e| (u32::from(e.tag.0) << 16) | u32::from(e.tag.1))
        .collect()
}
