//! File IDs (PS3.10 8.2, 8.5): how a DICOMDIR names a file of its file-set, as path
//! components relative to the DICOMDIR's directory. Each component has 1 to 8 characters
//! from the upper-case letters, digits and underscore; a File ID has at most 8 components.

use std::fmt;
use std::path::{Component, Path, PathBuf};

use super::REFERENCED_FILE_ID;
use crate::error::{DicomError, ErrorKind, Result};

/// Most components a File ID may have.
pub const MAX_COMPONENTS: usize = 8;
/// Most characters a component may have.
pub const MAX_COMPONENT_LEN: usize = 8;

/// A File ID: the path of a file of a file-set, checked against the standard's limits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(Vec<String>);

fn invalid(message: String) -> DicomError {
    DicomError::new(
        ErrorKind::InvalidValue,
        None,
        REFERENCED_FILE_ID.to_string(),
        message,
    )
}

fn check_component(c: &str) -> Result<()> {
    if c.is_empty() || c.len() > MAX_COMPONENT_LEN {
        return Err(invalid(format!(
            "File ID component {c:?} has {} characters; it must have 1 to {MAX_COMPONENT_LEN}",
            c.len()
        )));
    }
    if let Some(bad) = c
        .chars()
        .find(|ch| !(ch.is_ascii_uppercase() || ch.is_ascii_digit() || *ch == '_'))
    {
        return Err(invalid(format!(
            "File ID component {c:?} has the character {bad:?}; only A-Z, 0-9 and _ are allowed"
        )));
    }
    Ok(())
}

impl FileId {
    /// A File ID from its components.
    pub fn new(components: Vec<String>) -> Result<FileId> {
        if components.is_empty() || components.len() > MAX_COMPONENTS {
            return Err(invalid(format!(
                "a File ID has 1 to {MAX_COMPONENTS} components, not {}",
                components.len()
            )));
        }
        for c in &components {
            check_component(c)?;
        }
        Ok(FileId(components))
    }

    /// A File ID from text with `\` (as in a DICOMDIR) or `/` between components; trailing
    /// spaces (value padding) are ignored.
    pub fn parse(text: &str) -> Result<FileId> {
        let text = text.trim_end_matches([' ', '\0']);
        FileId::new(text.split(['\\', '/']).map(str::to_string).collect())
    }

    /// The File ID of `path` relative to the file-set's directory `root`.
    pub fn from_path(root: &Path, path: &Path) -> Result<FileId> {
        let rel = path.strip_prefix(root).map_err(|_| {
            invalid(format!(
                "{} is not inside the file-set directory {}",
                path.display(),
                root.display()
            ))
        })?;
        let mut parts = Vec::new();
        for c in rel.components() {
            match c {
                Component::Normal(s) => {
                    parts.push(s.to_str().map(str::to_string).ok_or_else(|| {
                        invalid(format!("{} is not valid Unicode", rel.display()))
                    })?)
                }
                Component::CurDir => {}
                _ => {
                    return Err(invalid(format!(
                        "{} leaves the file-set directory",
                        rel.display()
                    )));
                }
            }
        }
        FileId::new(parts).map_err(|e| DicomError {
            message: format!("{}: {}", rel.display(), e.message),
            ..e
        })
    }

    /// The components.
    pub fn components(&self) -> &[String] {
        &self.0
    }

    /// The file's path under the file-set directory `root`.
    pub fn to_path(&self, root: &Path) -> PathBuf {
        let mut p = root.to_path_buf();
        p.extend(&self.0);
        p
    }

    /// The value of a Referenced File ID (CS, components separated by `\`), padded to even.
    pub fn value_bytes(&self) -> Vec<u8> {
        let mut b = self.0.join("\\").into_bytes();
        if b.len() % 2 == 1 {
            b.push(b' ');
        }
        b
    }
}

impl fmt::Display for FileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("\\"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert!(FileId::parse("PT000000\\ST000000\\SE000000\\IM000000").is_ok());
        assert!(FileId::parse("A/B_1/C").is_ok());
        assert!(FileId::parse("ABCDEFGHI").is_err()); // 9 characters
        assert!(FileId::parse("im1").is_err()); // lower case
        assert!(FileId::parse("A.DCM").is_err());
        assert!(FileId::parse("A\\\\B").is_err()); // empty component
        assert!(FileId::parse("A/B/C/D/E/F/G/H").is_ok());
        assert!(FileId::parse("A/B/C/D/E/F/G/H/I").is_err()); // 9 components
        assert!(FileId::parse("").is_err());
    }

    #[test]
    fn paths() {
        let root = Path::new("/data/set");
        let id = FileId::from_path(root, Path::new("/data/set/DIR1/IM1")).expect("valid");
        assert_eq!(id.to_string(), "DIR1\\IM1");
        assert_eq!(id.value_bytes(), b"DIR1\\IM1");
        assert_eq!(id.to_path(root), Path::new("/data/set/DIR1/IM1"));
        assert!(FileId::from_path(root, Path::new("/data/other/IM1")).is_err());
        let bad = FileId::from_path(root, Path::new("/data/set/dir/im1.dcm"));
        assert!(bad.is_err_and(|e| e.message.contains("dir/im1.dcm")));
        assert_eq!(
            FileId::parse("A\\BCD ").map(|f| f.value_bytes()).ok(),
            Some(b"A\\BCD ".to_vec())
        );
    }
}
