//! The decoder's one error type: why no image came out, and where in the codestream.

use std::borrow::Cow;
use std::fmt;

/// What kind of failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The codestream uses a feature this decoder does not implement; a caller may hand it to
    /// another decoder.
    Unsupported,
    /// The codestream is invalid or truncated.
    Malformed,
    /// The encoder cannot take this image or these options.
    InvalidInput,
}

/// Why the decoder did not produce an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The category.
    pub kind: ErrorKind,
    /// Byte offset in the codestream where the problem was found, when known.
    pub offset: Option<usize>,
    /// What happened.
    pub message: Cow<'static, str>,
}

impl Error {
    /// A feature this decoder does not implement.
    #[cold]
    pub(crate) fn unsupported(what: &'static str) -> Error {
        Error {
            kind: ErrorKind::Unsupported,
            offset: None,
            message: Cow::Borrowed(what),
        }
    }

    /// An invalid codestream, at no particular byte.
    #[cold]
    pub(crate) fn malformed(message: impl Into<Cow<'static, str>>) -> Error {
        Error {
            kind: ErrorKind::Malformed,
            offset: None,
            message: message.into(),
        }
    }

    /// An invalid codestream, found at codestream byte `offset`.
    #[cold]
    pub(crate) fn malformed_at(offset: usize, message: impl Into<Cow<'static, str>>) -> Error {
        Error {
            offset: Some(offset),
            ..Error::malformed(message)
        }
    }

    /// An image or options the encoder cannot take.
    #[cold]
    pub(crate) fn invalid_input(what: &'static str) -> Error {
        Error {
            kind: ErrorKind::InvalidInput,
            offset: None,
            message: Cow::Borrowed(what),
        }
    }

    /// Whether another decoder may succeed where this one declined.
    pub fn is_unsupported(&self) -> bool {
        self.kind == ErrorKind::Unsupported
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(o) = self.offset {
            write!(f, " at codestream byte {o}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_offset() {
        assert_eq!(
            Error::malformed_at(12, "SOT length is not 10").to_string(),
            "SOT length is not 10 at codestream byte 12"
        );
        let e = Error::unsupported("J2K regions of interest (RGN)");
        assert!(e.is_unsupported());
        assert_eq!(e.to_string(), "J2K regions of interest (RGN)");
        assert!(!Error::malformed(String::from("x")).is_unsupported());
    }
}
