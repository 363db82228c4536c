//! Pixel data description: native frames and encapsulated fragments → frames.
