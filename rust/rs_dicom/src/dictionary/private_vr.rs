//! The default VRs of the private dictionary without its names and multiplicities, generated
//! by `scripts/generate_private_dictionary.py` into `private_vr_generated.rs`: what the parser
//! needs of it (the VR of a private element read in implicit VR) in about a tenth of the
//! space, for builds without the `private-dictionary` feature (the WebAssembly parser).

use super::private_vr_generated::{CREATORS, TAGS, VRS};
use crate::core::{Tag, VR};

/// Masks of the three runs of a creator, in lookup order: exact, `ggggxxee`, `ggxxxxee`.
const MASKS: [u32; 3] = [0xFFFF_FFFF, 0xFFFF_00FF, 0xFF00_00FF];

/// The default VR of a private data element, by private creator and tag, found as
/// [`super::private_entry`] finds its entry (same creator rules, same pattern order).
pub(super) fn lookup(creator: &str, tag: Tag) -> Option<VR> {
    let creator = creator.trim_end_matches(['\0', ' ']);
    let i = CREATORS.binary_search_by(|(c, _)| (*c).cmp(creator)).ok()?;
    let (_, starts) = CREATORS.get(i)?;
    let end = CREATORS
        .get(i + 1)
        .map_or(TAGS.len(), |(_, next)| usize::from(next[0]));
    let t = tag.as_u32();
    (0..3).find_map(|k| {
        let start = usize::from(starts[k]);
        let stop = starts.get(k + 1).map_or(end, |&s| usize::from(s));
        let run = TAGS.get(start..stop)?;
        let j = run.binary_search(&(t & MASKS[k])).ok()?;
        VRS.get(start + j).copied()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_entries() {
        let vr = |c: &str, g: u16, e: u16| lookup(c, Tag(g, e));
        assert_eq!(vr("SIEMENS CSA HEADER", 0x0029, 0x1010), Some(VR::OB));
        assert_eq!(vr("SIEMENS MR HEADER", 0x0019, 0x100C), Some(VR::IS));
        assert_eq!(vr("GEMS_IDEN_01", 0x0009, 0x2001), Some(VR::LO));
        assert_eq!(vr("GEMS_IDEN_01 \0", 0x0009, 0x1001), Some(VR::LO));
        // Exact tag first, then the block pattern (ELSCINT1 01F11026 FD, 01F1xx26 DS).
        assert_eq!(vr("ELSCINT1", 0x01F1, 0x1026), Some(VR::FD));
        assert_eq!(vr("ELSCINT1", 0x01F1, 0x2026), Some(VR::DS));
        // The group pattern (DLX_ANNOT_01 70xxxx04 ST).
        assert_eq!(vr("DLX_ANNOT_01", 0x70FF, 0x4204), Some(VR::ST));
        assert_eq!(vr("FDMS 1.0", 0x0027, 0x10A3), Some(VR::US));
        assert_eq!(vr("TOSHIBA_MEC_OT3", 0x7019, 0x1080), Some(VR::OB));
        // Unknown creators and tags, wrong group, case, leading space.
        assert_eq!(vr("GEMS_IDEN_01", 0x0019, 0x1001), None);
        assert_eq!(vr("GEMS_IDEN_01", 0x0009, 0x1010), None);
        assert_eq!(vr("gems_iden_01", 0x0009, 0x1001), None);
        assert_eq!(vr(" GEMS_IDEN_01", 0x0009, 0x1001), None);
        assert_eq!(vr("", 0x0009, 0x1001), None);
        assert_eq!(vr("\u{10FFFF}", 0x0009, 0x1001), None);
    }

    #[test]
    fn runs_are_sorted() {
        assert_eq!(TAGS.len(), VRS.len());
        assert!(CREATORS.windows(2).all(|w| w[0].0 < w[1].0));
        for (i, (c, starts)) in CREATORS.iter().enumerate() {
            let end = CREATORS
                .get(i + 1)
                .map_or(TAGS.len(), |n| usize::from(n.1[0]));
            for k in 0..3 {
                let stop = starts.get(k + 1).map_or(end, |&s| usize::from(s));
                let run = &TAGS[usize::from(starts[k])..stop];
                assert!(run.windows(2).all(|w| w[0] < w[1]), "{c}");
                assert!(run.iter().all(|t| t & !MASKS[k] == 0), "{c}");
            }
        }
    }

    /// The compact table gives every entry's default VR as the full dictionary does, for a
    /// tag in its own pattern and in the other blocks and groups its pattern covers.
    #[cfg(feature = "private-dictionary")]
    #[test]
    fn agrees_with_the_private_dictionary() {
        let all = super::super::private_generated::ENTRIES;
        for e in all {
            for fill in [0x0001_1000, 0x0001_FF00, 0x00FE_4200, 0] {
                let tag = Tag::from_u32(e.tag | (!e.mask & fill));
                let full = super::super::private_entry(e.creator, tag).and_then(|p| p.default_vr());
                assert_eq!(lookup(e.creator, tag), full, "{e:?} {tag:?}");
            }
        }
        assert_eq!(TAGS.len(), all.len());
    }
}
