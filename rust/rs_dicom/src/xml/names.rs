//! Person names in the Native DICOM Model: each value a `<PersonName>` of component groups
//! (`<Alphabetic>`, `<Ideographic>`, `<Phonetic>`), each group its five components
//! (PS3.5 6.2.1) as elements, empty ones left out.

use std::fmt::Write as _;

use super::escape::escape;

/// The component group elements, in the order of the `=`-separated groups.
pub const GROUPS: [&str; 3] = ["Alphabetic", "Ideographic", "Phonetic"];

/// The component elements, in the order of the `^`-separated components.
pub const COMPONENTS: [&str; 5] = [
    "FamilyName",
    "GivenName",
    "MiddleName",
    "NamePrefix",
    "NameSuffix",
];

/// Writes the `number`th value of a PN element: its component groups (`None`: an empty
/// value).
pub fn write(out: &mut String, number: usize, groups: Option<&[Option<String>; 3]>) {
    let _ = writeln!(out, "<PersonName number=\"{number}\">");
    for (name, group) in GROUPS.iter().zip(groups.into_iter().flatten()) {
        let Some(group) = group else { continue };
        let _ = writeln!(out, "<{name}>");
        // A sixth or later component (not valid DICOM) stays in the suffix, so nothing is
        // lost. Empty components are left out, except the last one the text has, which
        // keeps the text as it was ("A^B^" or "^^^^" are not "A^B" or "").
        let parts: Vec<&str> = group.splitn(COMPONENTS.len(), '^').collect();
        for (i, (component, text)) in COMPONENTS.iter().zip(&parts).enumerate() {
            if !text.is_empty() || i + 1 == parts.len() {
                let _ = write!(out, "<{component}>");
                escape(text, out);
                let _ = writeln!(out, "</{component}>");
            }
        }
        let _ = writeln!(out, "</{name}>");
    }
    out.push_str("</PersonName>\n");
}

/// The PN text of one value from its groups' components (trailing empty components and
/// groups dropped, as PS3.5 allows).
pub fn join(groups: &[[Option<String>; 5]; 3], present: [bool; 3]) -> String {
    let texts: Vec<String> = groups
        .iter()
        .zip(present)
        .map(|(components, present)| {
            if !present {
                return String::new();
            }
            let used = components
                .iter()
                .rposition(Option::is_some)
                .map_or(0, |i| i + 1);
            components[..used]
                .iter()
                .map(|c| c.as_deref().unwrap_or(""))
                .collect::<Vec<_>>()
                .join("^")
        })
        .collect();
    let used = texts
        .iter()
        .rposition(|t| !t.is_empty())
        .map_or(0, |i| i + 1);
    texts[..used].join("=")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_both_ways() {
        let mut out = String::new();
        let groups = [
            Some("Smith^Alice^^Dr.".to_string()),
            None,
            Some("a<b^".to_string()),
        ];
        write(&mut out, 2, Some(&groups));
        assert_eq!(
            out,
            "<PersonName number=\"2\">\n<Alphabetic>\n<FamilyName>Smith</FamilyName>\n\
             <GivenName>Alice</GivenName>\n<NamePrefix>Dr.</NamePrefix>\n</Alphabetic>\n\
             <Phonetic>\n<FamilyName>a&lt;b</FamilyName>\n<GivenName></GivenName>\n\
             </Phonetic>\n</PersonName>\n"
        );
        let mut carets = String::new();
        write(&mut carets, 1, Some(&[Some("^^^^".into()), None, None]));
        assert!(carets.contains("<Alphabetic>\n<NameSuffix></NameSuffix>\n</Alphabetic>"));
        let s = |t: &str| Some(t.to_string());
        let parsed = [
            [s("Smith"), s("Alice"), None, s("Dr."), None],
            Default::default(),
            [s("a<b"), None, None, None, None],
        ];
        assert_eq!(join(&parsed, [true, false, true]), "Smith^Alice^^Dr.==a<b");
        let suffix_only = [
            [None, None, None, None, s("")],
            Default::default(),
            Default::default(),
        ];
        assert_eq!(join(&suffix_only, [true, false, false]), "^^^^");
        assert_eq!(join(&parsed, [false, false, false]), "");
        let mut empty = String::new();
        write(&mut empty, 1, None);
        assert_eq!(empty, "<PersonName number=\"1\">\n</PersonName>\n");
    }
}
