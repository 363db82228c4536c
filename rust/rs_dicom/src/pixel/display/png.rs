//! PNG encoding of display images (8-bit grey, grey + alpha, RGB, RGBA; 16-bit too), with
//! the `png` crate: per-row adaptive filters, zlib at a chosen level, IDAT chunks of 1 MiB.

use crate::error::{DicomError, ErrorKind, Result};

/// Bytes of image data per IDAT chunk.
const IDAT_CHUNK: usize = 1 << 20;

/// Samples of a PNG image: 8 or 16 bits.
#[derive(Debug, Clone, Copy)]
pub enum PngSamples<'a> {
    /// 8-bit samples.
    U8(&'a [u8]),
    /// 16-bit samples (native order; written big endian).
    U16(&'a [u16]),
}

#[cold]
fn encode_error(message: impl std::fmt::Display) -> DicomError {
    DicomError::new(ErrorKind::Encode, None, "", format!("PNG: {message}"))
}

/// The PNG file of a `height` × `width` image of `channels` (1 grey, 2 grey + alpha, 3 RGB,
/// 4 RGBA) interleaved samples, compressed at zlib `level` (0-9).
pub fn encode_png(
    samples: PngSamples<'_>,
    width: usize,
    height: usize,
    channels: usize,
    level: u8,
) -> Result<Vec<u8>> {
    use png::{BitDepth, ColorType, DeflateCompression, Encoder, Filter};
    let color = match channels {
        1 => ColorType::Grayscale,
        2 => ColorType::GrayscaleAlpha,
        3 => ColorType::Rgb,
        4 => ColorType::Rgba,
        n => return Err(encode_error(format!("{n} channels"))),
    };
    let (w, h) = (
        u32::try_from(width).map_err(encode_error)?,
        u32::try_from(height).map_err(encode_error)?,
    );
    let expected = width
        .checked_mul(height)
        .and_then(|n| n.checked_mul(channels))
        .ok_or_else(|| encode_error("image too large"))?;
    let bytes: std::borrow::Cow<[u8]> = match samples {
        PngSamples::U8(s) if s.len() == expected => s.into(),
        PngSamples::U16(s) if s.len() == expected => s
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect::<Vec<u8>>()
            .into(),
        _ => return Err(encode_error("the samples do not fill the image")),
    };
    let mut out = Vec::new();
    {
        let mut enc = Encoder::new(&mut out, w, h);
        enc.set_color(color);
        enc.set_depth(match samples {
            PngSamples::U8(_) => BitDepth::Eight,
            PngSamples::U16(_) => BitDepth::Sixteen,
        });
        enc.set_deflate_compression(DeflateCompression::Level(level.min(9)));
        enc.set_filter(Filter::Adaptive);
        let mut writer = enc.write_header().map_err(encode_error)?;
        let mut stream = writer
            .stream_writer_with_size(IDAT_CHUNK)
            .map_err(encode_error)?;
        std::io::Write::write_all(&mut stream, &bytes).map_err(encode_error)?;
        stream.finish().map_err(encode_error)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_round_trip_through_the_crate_decoder() {
        let grey: Vec<u8> = (0..35).map(|i| (i * 7) as u8).collect();
        let data = encode_png(PngSamples::U8(&grey), 7, 5, 1, 6).unwrap();
        assert!(data.starts_with(b"\x89PNG\r\n\x1a\n"));
        let mut reader = png::Decoder::new(std::io::Cursor::new(data))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (7, 5));
        assert_eq!(&buf[..35], &grey[..]);
        let deep = [0x0102u16, 0xFFFE];
        let data = encode_png(PngSamples::U16(&deep), 2, 1, 1, 6).unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(data))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut buf).unwrap();
        assert_eq!(&buf[..4], &[1, 2, 0xFF, 0xFE]);
        assert!(encode_png(PngSamples::U8(&grey), 7, 6, 1, 6).is_err());
        assert!(encode_png(PngSamples::U8(&grey), 7, 5, 5, 6).is_err());
    }
}
