//! Attribute matching (PS3.4 C.2.2.2): universal (empty key), single value, wildcard (`*`
//! and `?`), UID list, range (DA, TM, DT), sequence matching; a multi-valued record
//! attribute matches when any of its values does.

use rs_dicom::core::{Tag, VR};
use rs_dicom::value::text_values;
use rs_dicom::{Dataset, Element};

/// Keys that are not matched: they steer the query or are computed by the SCP.
pub fn is_return_only(tag: Tag) -> bool {
    tag.1 == 0x0000
        || tag.0 == 0x0002
        || matches!(
            tag,
            Tag(0x0008, 0x0005)
                | Tag(0x0008, 0x0052)
                | Tag(0x0008, 0x0054)
                | Tag(0x0008, 0x0056)
                | Tag(0x0008, 0x0061)
                | Tag(0x0008, 0x0062)
                | Tag(0x0020, 0x1200)
                | Tag(0x0020, 0x1202)
                | Tag(0x0020, 0x1204)
                | Tag(0x0020, 0x1206)
                | Tag(0x0020, 0x1208)
                | Tag(0x0020, 0x1209)
        )
}

/// Every key of `query` matches `record`.
pub fn dataset_matches(query: &Dataset, record: &Dataset) -> bool {
    query
        .iter()
        .filter(|k| !is_return_only(k.tag))
        .all(|k| element_matches(query, k, record))
}

/// One key of `query` matches `record`.
pub fn element_matches(query: &Dataset, key: &Element, record: &Dataset) -> bool {
    if let Some(items) = key.items() {
        let Some(first) = items.first() else {
            return true;
        };
        let q = first.read();
        let Some(rec) = record.get(key.tag) else {
            // An absent sequence matches a query item that asks for nothing in particular.
            return q.iter().all(|k| is_universal(&q, k));
        };
        return rec
            .items()
            .is_some_and(|ri| ri.iter().any(|r| dataset_matches(&q, &r.read())));
    }
    if is_universal(query, key) {
        return true;
    }
    let Some(rec) = record.get(key.tag) else {
        return false;
    };
    if !key.vr.is_text() {
        return query.bytes_of(key) == record.bytes_of(rec);
    }
    let patterns = text_values(query, key);
    let values = text_values(record, rec);
    let vr = key.vr;
    patterns.iter().any(|p| {
        let p = p.trim();
        values.iter().any(|v| value_matches(vr, p, v.trim()))
    })
}

fn is_universal(ds: &Dataset, e: &Element) -> bool {
    if e.items().is_some() {
        return e.items().is_some_and(<[_]>::is_empty);
    }
    ds.bytes_of(e).iter().all(|&b| b == b' ' || b == 0)
}

/// One query value against one record value of representation `vr`.
pub fn value_matches(vr: VR, pattern: &str, value: &str) -> bool {
    if pattern.is_empty() {
        return true;
    }
    match vr {
        VR::DA | VR::TM | VR::DT => temporal_matches(vr, pattern, value),
        VR::UI => pattern == value,
        _ if pattern.contains(['*', '?']) => wildcard(pattern.as_bytes(), value.as_bytes()),
        _ => pattern == value,
    }
}

/// `*` any run of characters, `?` one character (PS3.4 C.2.2.2.4).
pub fn wildcard(p: &[u8], v: &[u8]) -> bool {
    // Iterative glob with one backtrack point: linear in practice, no recursion.
    let (mut pi, mut vi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, vi));
                pi += 1;
            }
            Some(&c) if c == b'?' || c == v[vi] => {
                pi += 1;
                vi += 1;
            }
            _ => match star {
                Some((sp, sv)) => {
                    pi = sp + 1;
                    vi = sv + 1;
                    star = Some((sp, sv + 1));
                }
                None => return false,
            },
        }
    }
    p[pi.min(p.len())..].iter().all(|&c| c == b'*')
}

/// A date, time or date-time in one comparable spelling: digits (and the fraction's point)
/// only, legacy separators dropped, a UTC offset removed.
fn normalize(vr: VR, s: &str) -> String {
    let s = s.trim();
    let s = match vr {
        VR::DT => s.split(['+']).next().unwrap_or(""),
        _ => s,
    };
    let mut out: String = s
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    if vr == VR::DA {
        out.retain(|c| c != '.');
    }
    out
}

fn prefix_cmp(value: &str, bound: &str) -> std::cmp::Ordering {
    let n = bound.len().min(value.len());
    let v = &value[..n];
    match v.cmp(&bound[..n]) {
        std::cmp::Ordering::Equal if value.len() < bound.len() => std::cmp::Ordering::Less,
        o => o,
    }
}

/// Range (`a-b`, `a-`, `-b`) or single value matching of DA, TM and DT values, at the
/// precision the query gives (a TM bound `1030` includes 10:30:59).
fn temporal_matches(vr: VR, pattern: &str, value: &str) -> bool {
    let v = normalize(vr, value);
    if v.is_empty() {
        return false;
    }
    match pattern.split_once('-') {
        Some((lo, hi)) => {
            let (lo, hi) = (normalize(vr, lo), normalize(vr, hi));
            (lo.is_empty() || prefix_cmp(&v, &lo).is_ge())
                && (hi.is_empty() || prefix_cmp(&v, &hi).is_le())
        }
        None => prefix_cmp(&v, &normalize(vr, pattern)).is_eq(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rs_dicom::SharedDataset;
    use rs_dicom::core::Element;

    fn ds(pairs: &[(Tag, VR, &str)]) -> Dataset {
        let mut d = Dataset::new();
        for (t, vr, v) in pairs {
            crate::qr::set_text(&mut d, *t, *vr, v);
        }
        d
    }

    const NAME: Tag = Tag(0x0010, 0x0010);
    const DATE: Tag = Tag(0x0008, 0x0020);
    const TIME: Tag = Tag(0x0008, 0x0030);
    const UID: Tag = Tag(0x0020, 0x000D);

    #[test]
    fn single_wildcard_universal() {
        let rec = ds(&[(NAME, VR::PN, "DOE^JOHN"), (UID, VR::UI, "1.2.3")]);
        let q = |v: &str| dataset_matches(&ds(&[(NAME, VR::PN, v)]), &rec);
        assert!(q("DOE^JOHN"));
        assert!(!q("DOE^JANE"));
        assert!(!q("DOE"));
        assert!(q("DOE*"));
        assert!(q("*JOHN"));
        assert!(q("D?E^J*N"));
        assert!(!q("D?E^J*X"));
        assert!(q("*"));
        assert!(q(""));
        assert!(!q("doe^john"));
        // A key the record lacks matches only universally.
        let other = ds(&[(Tag(0x0010, 0x0020), VR::LO, "")]);
        assert!(dataset_matches(&other, &rec));
        let other = ds(&[(Tag(0x0010, 0x0020), VR::LO, "X")]);
        assert!(!dataset_matches(&other, &rec));
    }

    #[test]
    fn uid_list_and_no_wildcards_in_uids() {
        let rec = ds(&[(UID, VR::UI, "1.2.3")]);
        let q = |v: &str| dataset_matches(&ds(&[(UID, VR::UI, v)]), &rec);
        assert!(q("1.2.3"));
        assert!(q("9.9\\1.2.3\\8"));
        assert!(!q("9.9\\8"));
        assert!(!q("1.2.*"));
    }

    #[test]
    fn ranges() {
        let rec = ds(&[(DATE, VR::DA, "20200315"), (TIME, VR::TM, "103015.25")]);
        let d = |v: &str| dataset_matches(&ds(&[(DATE, VR::DA, v)]), &rec);
        assert!(d("20200315"));
        assert!(!d("20200316"));
        assert!(d("20200101-20201231"));
        assert!(d("20200315-20200315"));
        assert!(!d("20200316-"));
        assert!(d("-20200315"));
        assert!(!d("-20200314"));
        assert!(d("2020.03.01-2020.03.31"));
        let t = |v: &str| dataset_matches(&ds(&[(TIME, VR::TM, v)]), &rec);
        assert!(t("1030-1031"));
        assert!(t("1030-"));
        assert!(t("-1030"));
        assert!(!t("-1029"));
        assert!(t("10:30:00-10:31:00"));
        assert!(!t("1031-"));
        assert!(t("103015.25"));
        assert!(value_matches(VR::DT, "2020-2021", "20200315103000"));
        assert!(!value_matches(VR::DT, "2021-", "20200315103000+0100"));
    }

    #[test]
    fn sequences_and_multi_values() {
        let mut rec = ds(&[(Tag(0x0008, 0x0060), VR::CS, "CT\\MR")]);
        let item = ds(&[(Tag(0x0008, 0x0100), VR::SH, "CODE1")]);
        let seq = Tag(0x0008, 0x1032);
        rec.insert(Element::sequence(seq, vec![SharedDataset::new(item)]));
        let q = ds(&[(Tag(0x0008, 0x0060), VR::CS, "MR")]);
        assert!(dataset_matches(&q, &rec));
        let query_with = |code: &str| {
            let mut q = Dataset::new();
            let item = ds(&[(Tag(0x0008, 0x0100), VR::SH, code)]);
            q.insert(Element::sequence(seq, vec![SharedDataset::new(item)]));
            dataset_matches(&q, &rec)
        };
        assert!(query_with("CODE1"));
        assert!(query_with("CODE*"));
        assert!(query_with(""));
        assert!(!query_with("CODE2"));
        let mut empty = Dataset::new();
        empty.insert(Element::sequence(seq, vec![]));
        assert!(dataset_matches(&empty, &ds(&[])));
    }

    #[test]
    fn wildcard_edge_cases() {
        assert!(wildcard(b"", b""));
        assert!(!wildcard(b"", b"a"));
        assert!(wildcard(b"**", b""));
        assert!(wildcard(b"a*b*c", b"aXXbYYc"));
        assert!(!wildcard(b"a*b*c", b"aXXbYY"));
        assert!(wildcard(b"*a", b"aaaa"));
    }
}
