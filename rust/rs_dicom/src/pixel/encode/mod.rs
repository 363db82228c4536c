//! What every frame encoder receives ([`FrameImage`]) and the options a user may pass
//! ([`EncodeOptions`]).
//!
//! Each codec's encoder lives beside its decoder (`codec::rle::encode`,
//! `codec::jpeg::encode`, `codec::jpegls::encode`, `codec::j2k::encode`,
//! `codec::j2k::htj2k_encode`) and takes one [`FrameImage`]; [`super::transcode`] chooses the
//! encoder for a transfer syntax, encodes the frames (in parallel), and says how the
//! dataset's attributes change.

/// One frame of native pixel data, as an encoder receives it.
#[derive(Debug, Clone, Copy)]
pub struct FrameImage<'a> {
    /// Rows.
    pub rows: u32,
    /// Columns.
    pub columns: u32,
    /// Samples per pixel (1 or 3).
    pub samples_per_pixel: u32,
    /// Bits Allocated (8 or 16; 1 and 32 are refused by the encoders that cannot take them).
    pub bits_allocated: u32,
    /// Bits Stored: every sample lies in this precision's range.
    pub bits_stored: u32,
    /// Pixel Representation 1: samples are two's complement.
    pub signed: bool,
    /// Photometric Interpretation of the source (MONOCHROME1/2, RGB, YBR_FULL, PALETTE COLOR).
    pub photometric_interpretation: &'a str,
    /// The frame: `rows * columns * samples_per_pixel` samples, `bits_allocated / 8` bytes
    /// each, little endian, interleaved by pixel (Planar Configuration 0).
    pub data: &'a [u8],
}

impl FrameImage<'_> {
    /// Bytes one frame takes.
    pub fn frame_len(&self) -> usize {
        self.rows as usize
            * self.columns as usize
            * self.samples_per_pixel as usize
            * (self.bits_allocated as usize).div_ceil(8)
    }
}

/// What a user may ask of the encoders (pydicom's `encoding_options` where it has a name).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EncodeOptions {
    /// JPEG baseline: quality 1..=100 (libjpeg's scale).
    pub quality: u8,
    /// JPEG-LS near-lossless: the largest error allowed per sample (0 is lossless).
    pub near: u32,
    /// JPEG 2000 lossy: the compression ratio to aim for (`None`: the encoder's default).
    pub compression_ratio: Option<f32>,
    /// HTJ2K lossy: the quantisation step relative to the sample range (`None`: 1/256).
    pub lossy_step: Option<f32>,
    /// Colour images: apply the codec's colour transform (JPEG 2000 RCT/ICT, JPEG YCbCr).
    pub color_transform: bool,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions {
            quality: 90,
            near: 0,
            compression_ratio: None,
            lossy_step: None,
            color_transform: true,
        }
    }
}
