//! The avatar pipeline: from whatever bytes a server sent to two square thumbnails.
//!
//! Servers lie about formats (Virola's `avatar.jpg` may be a PNG; SwapChat CDN URLs have no
//! extension), so the format is sniffed from magic bytes, never taken from the name or the
//! content type. Decoding is bounded: dimensions are read from the header first and anything over
//! [`MAX_DIMENSION`] or [`MAX_PIXELS`] is refused before a pixel buffer exists, so an image bomb
//! costs a few bytes of memory. JPEGs (most avatars) are decoded by libjpeg-turbo with scaled
//! IDCT straight to the smallest of 1/8, 1/4, 1/2 or full size that still covers the large
//! thumbnail (the big lever measured in `shared/notes/core-baselines.md`); CMYK JPEGs, which it
//! will not turn into RGB, go through jpeg-decoder. Thumbnails are shrunk by area averaging and
//! encoded by libjpeg-turbo: `make bench` (P4) holds the whole path to at least half of
//! libjpeg-turbo's own decode rate. SVG is rasterized by resvg with no scripts, no external
//! references and no raster-image elements; the webview only ever receives our JPEG/PNG output.
//!
//! Thumbnails are made lazily (first display) or by a background pass after a sync, not during
//! the sync, so a first sync costs the download and the store write only.

use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, RgbaImage};

pub const MAX_DIMENSION: u32 = 8192;
pub const MAX_PIXELS: u64 = 40_000_000;
pub const MAX_SVG_BYTES: usize = 1 << 20;
/// Originals above this size are not kept, only their thumbnails.
pub const MAX_ORIGINAL_BYTES: usize = 1 << 20;

/// Why a picture could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AvatarError {
    #[error("not an image (neither JPEG, PNG, GIF, WebP nor SVG)")]
    NotAnImage,
    #[error("image too large: {width}×{height} pixels")]
    TooLarge { width: u32, height: u32 },
    #[error("image could not be decoded: {0}")]
    Decode(String),
}

/// A sniffed format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Jpeg,
    Png,
    Gif,
    Webp,
    Svg,
}

impl Sniffed {
    pub fn mime(self) -> &'static str {
        match self {
            Sniffed::Jpeg => "image/jpeg",
            Sniffed::Png => "image/png",
            Sniffed::Gif => "image/gif",
            Sniffed::Webp => "image/webp",
            Sniffed::Svg => "image/svg+xml",
        }
    }
}

/// Identifies an image by its first bytes.
pub fn sniff(bytes: &[u8]) -> Option<Sniffed> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(Sniffed::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(Sniffed::Png);
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Some(Sniffed::Gif);
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Some(Sniffed::Webp);
    }
    let head = &bytes[..bytes.len().min(1024)];
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if (t.starts_with("<?xml") || t.starts_with("<svg") || t.starts_with("<!--") || t.starts_with("<!DOCTYPE svg"))
        && t.contains("<svg")
    {
        return Some(Sniffed::Svg);
    }
    None
}

fn check_dims(width: u32, height: u32) -> Result<(), AvatarError> {
    if width == 0 || height == 0 {
        return Err(AvatarError::Decode("zero-sized image".into()));
    }
    if width > MAX_DIMENSION || height > MAX_DIMENSION || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(AvatarError::TooLarge { width, height });
    }
    Ok(())
}

/// Checks that `bytes` is a usable picture without decoding its pixels: format and header
/// dimensions. Cheap enough for every download.
pub fn validate(bytes: &[u8]) -> Result<Sniffed, AvatarError> {
    let kind = sniff(bytes).ok_or(AvatarError::NotAnImage)?;
    match kind {
        Sniffed::Svg => {
            if bytes.len() > MAX_SVG_BYTES {
                return Err(AvatarError::TooLarge { width: 0, height: 0 });
            }
        }
        Sniffed::Jpeg => {
            let (w, h) = jpeg_size(bytes)?;
            check_dims(w, h)?;
        }
        // PNG and GIF keep their size at fixed offsets: read it before any decoder runs.
        Sniffed::Png => {
            let dim = |at: usize| bytes.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
            match (bytes.get(12..16), dim(16), dim(20)) {
                (Some(b"IHDR"), Some(w), Some(h)) => check_dims(w, h)?,
                _ => return Err(AvatarError::Decode("PNG without a header".into())),
            }
        }
        Sniffed::Gif => {
            let dim = |at: usize| bytes.get(at..at + 2).map(|b| u32::from(u16::from_le_bytes([b[0], b[1]])));
            match (dim(6), dim(8)) {
                (Some(w), Some(h)) => check_dims(w, h)?,
                _ => return Err(AvatarError::Decode("GIF without a header".into())),
            }
        }
        Sniffed::Webp => {
            let (w, h) = image::ImageReader::with_format(std::io::Cursor::new(bytes), ImageFormat::WebP)
                .into_dimensions()
                .map_err(|e| AvatarError::Decode(e.to_string()))?;
            check_dims(w, h)?;
        }
    }
    Ok(kind)
}

/// A JPEG's size from its header.
fn jpeg_size(bytes: &[u8]) -> Result<(u32, u32), AvatarError> {
    if let Ok(h) = turbojpeg::read_header(bytes) {
        return Ok((h.width as u32, h.height as u32));
    }
    // What libjpeg-turbo cannot read, jpeg-decoder may.
    let mut d = jpeg_decoder::Decoder::new(bytes);
    d.read_info().map_err(|e| AvatarError::Decode(e.to_string()))?;
    let info = d.info().ok_or_else(|| AvatarError::Decode("no JPEG header".into()))?;
    Ok((u32::from(info.width), u32::from(info.height)))
}

/// Decodes a JPEG with libjpeg-turbo (SIMD) at 1/8, 1/4, 1/2 or full size: the smallest that
/// still covers `want` on the short side, so big pictures cost a fraction of a full decode.
/// CMYK and whatever else libjpeg-turbo refuses go to jpeg-decoder, also scaled.
fn decode_jpeg(bytes: &[u8], want: u32) -> Result<DynamicImage, AvatarError> {
    match decode_jpeg_turbo(bytes, want) {
        Ok(img) => Ok(img),
        Err(AvatarError::TooLarge { width, height }) => Err(AvatarError::TooLarge { width, height }),
        Err(first) => {
            let mut d = jpeg_decoder::Decoder::new(bytes);
            if d.read_info().is_err() {
                return Err(first);
            }
            decode_jpeg_scaled(d, want)
        }
    }
}

fn decode_jpeg_turbo(bytes: &[u8], want: u32) -> Result<DynamicImage, AvatarError> {
    use turbojpeg::{Colorspace, Image, PixelFormat, ScalingFactor};
    let err = |e: turbojpeg::Error| AvatarError::Decode(e.to_string());
    let mut d = turbojpeg::Decompressor::new().map_err(err)?;
    let header = d.read_header(bytes).map_err(err)?;
    check_dims(header.width as u32, header.height as u32)?;
    if matches!(header.colorspace, Colorspace::CMYK | Colorspace::YCCK) {
        return Err(AvatarError::Decode("CMYK JPEG".into()));
    }
    let short = header.width.min(header.height);
    let scale = [ScalingFactor::ONE_EIGHTH, ScalingFactor::ONE_QUARTER, ScalingFactor::ONE_HALF]
        .into_iter()
        .find(|f| f.scale(short) >= want as usize)
        .unwrap_or(ScalingFactor::ONE);
    d.set_scaling_factor(scale).map_err(err)?;
    let (w, h) = (scale.scale(header.width), scale.scale(header.height));
    let gray = matches!(header.colorspace, Colorspace::Gray);
    let (format, bpp) = if gray { (PixelFormat::GRAY, 1) } else { (PixelFormat::RGB, 3) };
    let mut pixels = vec![0u8; w * h * bpp];
    d.decompress(bytes, Image { pixels: pixels.as_mut_slice(), width: w, pitch: w * bpp, height: h, format })
        .map_err(err)?;
    let bad = || AvatarError::Decode("JPEG pixel data does not match its size".into());
    Ok(if gray {
        DynamicImage::ImageLuma8(image::GrayImage::from_raw(w as u32, h as u32, pixels).ok_or_else(bad)?)
    } else {
        DynamicImage::ImageRgb8(image::RgbImage::from_raw(w as u32, h as u32, pixels).ok_or_else(bad)?)
    })
}

/// A JPEG decoded at 1/2, 1/4 or 1/8 when that still covers `want` on the short side.
fn decode_jpeg_scaled(mut d: jpeg_decoder::Decoder<&[u8]>, want: u32) -> Result<DynamicImage, AvatarError> {
    let info = d.info().ok_or_else(|| AvatarError::Decode("no JPEG header".into()))?;
    check_dims(u32::from(info.width), u32::from(info.height))?;
    let short = info.width.min(info.height).max(1);
    let scale = f64::from(want) / f64::from(short);
    let req_w = ((f64::from(info.width) * scale).ceil() as u16).max(1);
    let req_h = ((f64::from(info.height) * scale).ceil() as u16).max(1);
    let (w, h) = d.scale(req_w, req_h).map_err(|e| AvatarError::Decode(e.to_string()))?;
    let pixels = d.decode().map_err(|e| AvatarError::Decode(e.to_string()))?;
    let info = d.info().ok_or_else(|| AvatarError::Decode("no JPEG header".into()))?;
    let (w, h) = (u32::from(w), u32::from(h));
    let bad = || AvatarError::Decode("JPEG pixel data does not match its size".into());
    Ok(match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => {
            DynamicImage::ImageRgb8(image::RgbImage::from_raw(w, h, pixels).ok_or_else(bad)?)
        }
        jpeg_decoder::PixelFormat::L8 => {
            DynamicImage::ImageLuma8(image::GrayImage::from_raw(w, h, pixels).ok_or_else(bad)?)
        }
        jpeg_decoder::PixelFormat::L16 => {
            let eight: Vec<u8> = pixels.chunks_exact(2).map(|c| c[0]).collect();
            DynamicImage::ImageLuma8(image::GrayImage::from_raw(w, h, eight).ok_or_else(bad)?)
        }
        jpeg_decoder::PixelFormat::CMYK32 => {
            let rgb: Vec<u8> = pixels
                .chunks_exact(4)
                .flat_map(|p| {
                    let k = 255 - u32::from(p[3]);
                    [p[0], p[1], p[2]].map(|c| ((255 - u32::from(c)) * k / 255) as u8)
                })
                .collect();
            DynamicImage::ImageRgb8(image::RgbImage::from_raw(w, h, rgb).ok_or_else(bad)?)
        }
    })
}

fn decode_svg(bytes: &[u8], size: u32) -> Result<DynamicImage, AvatarError> {
    if bytes.len() > MAX_SVG_BYTES {
        return Err(AvatarError::TooLarge { width: 0, height: 0 });
    }
    let opt = resvg::usvg::Options::default();
    let tree = resvg::usvg::Tree::from_data(bytes, &opt).map_err(|e| AvatarError::Decode(format!("SVG: {e}")))?;
    let mut pixmap =
        resvg::tiny_skia::Pixmap::new(size, size).ok_or_else(|| AvatarError::Decode("SVG canvas".into()))?;
    let s = tree.size();
    let scale = (size as f32 / s.width().max(s.height())).min(1e4);
    let dx = (size as f32 - s.width() * scale) / 2.0;
    let dy = (size as f32 - s.height() * scale) / 2.0;
    resvg::render(&tree, resvg::tiny_skia::Transform::from_row(scale, 0.0, 0.0, scale, dx, dy), &mut pixmap.as_mut());
    let mut rgba = Vec::with_capacity((size * size * 4) as usize);
    for p in pixmap.pixels() {
        let c = p.demultiply();
        rgba.extend_from_slice(&[c.red(), c.green(), c.blue(), c.alpha()]);
    }
    Ok(DynamicImage::ImageRgba8(
        RgbaImage::from_raw(size, size, rgba).ok_or_else(|| AvatarError::Decode("SVG pixels".into()))?,
    ))
}

/// Decodes any supported picture, at least `want` pixels on its short side where possible.
pub fn decode(bytes: &[u8], want: u32) -> Result<DynamicImage, AvatarError> {
    match validate(bytes)? {
        Sniffed::Jpeg => decode_jpeg(bytes, want),
        Sniffed::Svg => decode_svg(bytes, want),
        kind => {
            let fmt = match kind {
                Sniffed::Png => ImageFormat::Png,
                Sniffed::Gif => ImageFormat::Gif,
                _ => ImageFormat::WebP,
            };
            let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), fmt);
            let mut limits = image::Limits::default();
            limits.max_image_width = Some(MAX_DIMENSION);
            limits.max_image_height = Some(MAX_DIMENSION);
            limits.max_alloc = Some(MAX_PIXELS * 4);
            reader.limits(limits);
            reader.decode().map_err(|e| AvatarError::Decode(e.to_string()))
        }
    }
}

/// Crops the centre square and scales it to `size`.
fn square(img: &DynamicImage, size: u32) -> DynamicImage {
    let (w, h) = (img.width(), img.height());
    let side = w.min(h);
    let (x0, y0) = ((w - side) / 2, (h - side) / 2);
    if side > size {
        // Thumbnails shrink: area averaging is the anti-aliased answer, and cheap. It reads the
        // square straight out of the decoded picture (no cropped copy).
        let at = Square { stride: w as usize, x0: x0 as usize, y0: y0 as usize, side: side as usize };
        let shrunk = match img {
            DynamicImage::ImageRgb8(i) => {
                image::RgbImage::from_raw(size, size, shrink::<3>(i.as_raw(), &at, size as usize)).map(Into::into)
            }
            DynamicImage::ImageRgba8(i) => {
                RgbaImage::from_raw(size, size, shrink::<4>(i.as_raw(), &at, size as usize)).map(Into::into)
            }
            other => RgbaImage::from_raw(size, size, shrink::<4>(other.to_rgba8().as_raw(), &at, size as usize))
                .map(Into::into),
        };
        if let Some(img) = shrunk {
            return img;
        }
    }
    let cropped = img.crop_imm(x0, y0, side, side);
    if side == size { cropped } else { cropped.resize_exact(size, size, FilterType::Triangle) }
}

/// Where the square to shrink sits in a picture `stride` pixels wide.
struct Square {
    stride: usize,
    x0: usize,
    y0: usize,
    side: usize,
}

/// Area-averaging weights from `src` samples to `dst` (< `src`): output `o` reads `taps` source
/// samples from `first[o]` on, weighted by how much of each falls inside it (fixed point, each
/// output's weights sum to 1 << 14). Every output has the same number of taps (zero-padded), so
/// the loops over them have a fixed length.
struct Coverage {
    taps: usize,
    first: Vec<usize>,
    weights: Vec<u32>,
}

fn coverage(src: usize, dst: usize) -> Coverage {
    // In units where a source sample is `dst` wide and an output sample `src` wide.
    let span = |o: usize| ((o * src) / dst, ((o + 1) * src - 1) / dst);
    let taps = (0..dst).map(|o| span(o).1 - span(o).0 + 1).max().unwrap_or(1);
    let mut first = Vec::with_capacity(dst);
    let mut weights = vec![0u32; dst * taps];
    for o in 0..dst {
        let (lo, hi) = (o * src, (o + 1) * src);
        let start = span(o).0.min(src - taps);
        first.push(start);
        let w = &mut weights[o * taps..(o + 1) * taps];
        for (k, wk) in w.iter_mut().enumerate() {
            let s = start + k;
            let overlap = hi.min((s + 1) * dst).saturating_sub(lo.max(s * dst));
            *wk = (overlap * (1 << 14) / src) as u32;
        }
        let short = (1u32 << 14) - w.iter().sum::<u32>();
        if let Some(m) = w.iter_mut().max() {
            *m += short;
        }
    }
    Coverage { taps, first, weights }
}

/// One row of the horizontal pass. `T` is the number of taps when known at compile time (the
/// loops then unroll), or 0 to take it from `cov`.
fn shrink_row<const N: usize, const T: usize>(row: &[u16], dst: &mut [u8], cov: &Coverage) {
    let taps = if T == 0 { cov.taps } else { T };
    for ((px, &first), w) in dst.chunks_exact_mut(N).zip(&cov.first).zip(cov.weights.chunks_exact(taps)) {
        let Some(s) = row.get(first * N..(first + taps) * N) else { continue };
        let mut acc = [0u32; N];
        for (p, &wk) in s.chunks_exact(N).zip(w) {
            for c in 0..N {
                acc[c] += wk * u32::from(p[c]);
            }
        }
        for c in 0..N {
            px[c] = ((acc[c] + (1 << 21)) >> 22).min(255) as u8;
        }
    }
}

/// Shrinks the square `at` of a picture of `N`-byte pixels to `size`×`size` by area
/// averaging, in fixed point: columns first (whole rows at a time, which vectorises), into
/// 16-bit intermediates, then rows of the already shrunk picture.
fn shrink<const N: usize>(src: &[u8], at: &Square, size: usize) -> Vec<u8> {
    let side = at.side;
    let cov = coverage(side, size);
    let row_len = side * N;
    // Columns: `size` rows of `side` pixels, values scaled by 256.
    let mut tmp = vec![0u16; size * row_len];
    let mut acc = vec![0u32; row_len];
    for (o, out) in tmp.chunks_exact_mut(row_len).enumerate() {
        acc.iter_mut().for_each(|a| *a = 0);
        let w = &cov.weights[o * cov.taps..(o + 1) * cov.taps];
        for (k, &wk) in w.iter().enumerate() {
            let from = ((at.y0 + cov.first[o] + k) * at.stride + at.x0) * N;
            let Some(row) = src.get(from..from + row_len) else { continue };
            for (a, &v) in acc.iter_mut().zip(row) {
                *a += wk * u32::from(v);
            }
        }
        for (t, &a) in out.iter_mut().zip(&acc) {
            *t = ((a + (1 << 5)) >> 6) as u16;
        }
    }
    // Rows: each of the `size` rows from `side` pixels to `size`.
    let mut out = vec![0u8; size * size * N];
    let row = match cov.taps {
        1 => shrink_row::<N, 1>,
        2 => shrink_row::<N, 2>,
        3 => shrink_row::<N, 3>,
        4 => shrink_row::<N, 4>,
        5 => shrink_row::<N, 5>,
        6 => shrink_row::<N, 6>,
        _ => shrink_row::<N, 0>,
    };
    for (src_row, dst) in tmp.chunks_exact(row_len).zip(out.chunks_exact_mut(size * N)) {
        row(src_row, dst, &cov);
    }
    out
}

fn has_alpha(img: &DynamicImage) -> bool {
    match img {
        DynamicImage::ImageRgba8(i) => i.pixels().any(|p| p.0[3] < 255),
        DynamicImage::ImageLumaA8(i) => i.pixels().any(|p| p.0[1] < 255),
        other => other.color().has_alpha() && other.to_rgba8().pixels().any(|p| p.0[3] < 255),
    }
}

/// Encodes a thumbnail: JPEG (q85, 4:2:0, libjpeg-turbo) when opaque, PNG when it has
/// transparency.
fn encode(img: &DynamicImage) -> Result<Vec<u8>, AvatarError> {
    if has_alpha(img) {
        let mut out = std::io::Cursor::new(Vec::new());
        img.to_rgba8().write_to(&mut out, ImageFormat::Png).map_err(|e| AvatarError::Decode(e.to_string()))?;
        return Ok(out.into_inner());
    }
    use turbojpeg::{Image, PixelFormat, Subsamp};
    let err = |e: turbojpeg::Error| AvatarError::Decode(e.to_string());
    let mut c = turbojpeg::Compressor::new().map_err(err)?;
    c.set_quality(85).map_err(err)?;
    let (w, h) = (img.width() as usize, img.height() as usize);
    let rgb;
    let (pixels, format, bpp): (&[u8], PixelFormat, usize) = match img {
        DynamicImage::ImageLuma8(i) => {
            c.set_subsamp(Subsamp::Gray).map_err(err)?;
            (i.as_raw(), PixelFormat::GRAY, 1)
        }
        DynamicImage::ImageRgb8(i) => {
            c.set_subsamp(Subsamp::Sub2x2).map_err(err)?;
            (i.as_raw(), PixelFormat::RGB, 3)
        }
        other => {
            c.set_subsamp(Subsamp::Sub2x2).map_err(err)?;
            rgb = other.to_rgb8();
            (rgb.as_raw(), PixelFormat::RGB, 3)
        }
    };
    if w == 0 || h == 0 || pixels.len() < w * h * bpp {
        return Err(AvatarError::Decode("thumbnail pixels do not match its size".into()));
    }
    c.compress_to_vec(Image { pixels, width: w, pitch: w * bpp, height: h, format }).map_err(err)
}

/// The two thumbnails of a picture.
#[derive(Debug, Clone)]
pub struct Thumbnails {
    pub small: Vec<u8>,
    pub large: Vec<u8>,
}

/// Makes both thumbnails from an original picture.
pub fn thumbnails(bytes: &[u8]) -> Result<Thumbnails, AvatarError> {
    let large_px = crate::store::ThumbSize::Large.pixels();
    let small_px = crate::store::ThumbSize::Small.pixels();
    let img = decode(bytes, large_px)?;
    let large = square(&img, large_px);
    let small = square(&large, small_px);
    Ok(Thumbnails { small: encode(&small)?, large: encode(&large)? })
}

/// A group picture from up to four members' pictures (any supported format): one fills the
/// square, two split it, three put one left and two right, four make a grid.
pub fn composite(parts: &[Vec<u8>]) -> Result<Thumbnails, AvatarError> {
    let size = crate::store::ThumbSize::Large.pixels();
    let half = size / 2;
    let imgs: Vec<DynamicImage> = parts.iter().take(4).filter_map(|b| decode(b, size).ok()).collect();
    if imgs.is_empty() {
        return Err(AvatarError::NotAnImage);
    }
    let mut canvas = RgbaImage::from_pixel(size, size, image::Rgba([255, 255, 255, 255]));
    let place = |canvas: &mut RgbaImage, img: &DynamicImage, x: u32, y: u32, w: u32, h: u32| {
        let side = square(img, w.max(h));
        let cropped = side.crop_imm((side.width() - w) / 2, (side.height() - h) / 2, w, h).to_rgba8();
        image::imageops::overlay(canvas, &cropped, i64::from(x), i64::from(y));
    };
    match imgs.len() {
        1 => place(&mut canvas, &imgs[0], 0, 0, size, size),
        2 => {
            place(&mut canvas, &imgs[0], 0, 0, half - 1, size);
            place(&mut canvas, &imgs[1], half + 1, 0, half - 1, size);
        }
        3 => {
            place(&mut canvas, &imgs[0], 0, 0, half - 1, size);
            place(&mut canvas, &imgs[1], half + 1, 0, half - 1, half - 1);
            place(&mut canvas, &imgs[2], half + 1, half + 1, half - 1, half - 1);
        }
        _ => {
            place(&mut canvas, &imgs[0], 0, 0, half - 1, half - 1);
            place(&mut canvas, &imgs[1], half + 1, 0, half - 1, half - 1);
            place(&mut canvas, &imgs[2], 0, half + 1, half - 1, half - 1);
            place(&mut canvas, &imgs[3], half + 1, half + 1, half - 1, half - 1);
        }
    }
    let large = DynamicImage::ImageRgba8(canvas);
    let small = square(&large, crate::store::ThumbSize::Small.pixels());
    Ok(Thumbnails { small: encode(&small)?, large: encode(&large)? })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
        let mut out = std::io::Cursor::new(Vec::new());
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).unwrap();
        out.into_inner()
    }

    fn png_rgba(w: u32, h: u32) -> Vec<u8> {
        let img = RgbaImage::from_fn(w, h, |x, _| image::Rgba([255, 0, 0, if x < w / 2 { 0 } else { 255 }]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn sniffs_by_content_not_name() {
        assert_eq!(sniff(&jpeg(8, 8)), Some(Sniffed::Jpeg));
        assert_eq!(sniff(&png_rgba(8, 8)), Some(Sniffed::Png));
        assert_eq!(sniff(b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), Some(Sniffed::Svg));
        assert_eq!(sniff(b"<html><body>not found</body></html>"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn jpeg_thumbnails_are_square_and_small() {
        let t = thumbnails(&jpeg(400, 300)).unwrap();
        let small = image::load_from_memory(&t.small).unwrap();
        let large = image::load_from_memory(&t.large).unwrap();
        assert_eq!((small.width(), small.height()), (64, 64));
        assert_eq!((large.width(), large.height()), (192, 192));
        assert_eq!(sniff(&t.small), Some(Sniffed::Jpeg));
    }

    /// Left half red, right half blue, a white square in the middle: where the colours land in
    /// a thumbnail shows that the decode, crop and shrink kept the picture (no channel swap, no
    /// shift, no stretch).
    fn landmarks(w: u32, h: u32) -> image::RgbImage {
        image::RgbImage::from_fn(w, h, |x, y| {
            let (cx, cy) = (x as i64 - i64::from(w) / 2, y as i64 - i64::from(h) / 2);
            if cx.abs() < i64::from(h) / 8 && cy.abs() < i64::from(h) / 8 {
                image::Rgb([255, 255, 255])
            } else if cx < 0 {
                image::Rgb([220, 20, 20])
            } else {
                image::Rgb([20, 20, 220])
            }
        })
    }

    fn encode_jpeg(img: &image::DynamicImage) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92).encode_image(img).unwrap();
        out.into_inner()
    }

    fn near(a: [u8; 3], b: [u8; 3]) -> bool {
        a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 40)
    }

    #[test]
    fn thumbnails_keep_the_picture_at_every_decode_path() {
        // libjpeg-turbo at full size, at 1/2 and at 1/8; then a grayscale JPEG.
        for (w, h) in [(256, 256), (640, 480), (2000, 1600)] {
            let t = thumbnails(&encode_jpeg(&landmarks(w, h).into())).unwrap();
            for (bytes, side) in [(&t.large, 192), (&t.small, 64)] {
                let img = image::load_from_memory(bytes).unwrap().to_rgb8();
                assert_eq!(img.dimensions(), (side, side));
                let at = |x: u32, y: u32| img.get_pixel(x, y).0;
                assert!(near(at(side / 2, side / 2), [255, 255, 255]), "{w}×{h} centre {:?}", at(side / 2, side / 2));
                assert!(near(at(side / 10, side / 2), [220, 20, 20]), "{w}×{h} left {:?}", at(side / 10, side / 2));
                assert!(near(at(side - side / 10, side / 2), [20, 20, 220]), "{w}×{h} right");
            }
        }
        let gray = image::DynamicImage::ImageLuma8(image::GrayImage::from_fn(300, 300, |x, _| {
            image::Luma([if x < 150 { 30 } else { 200 }])
        }));
        let t = thumbnails(&encode_jpeg(&gray)).unwrap();
        let img = image::load_from_memory(&t.large).unwrap().to_rgb8();
        assert!(near(img.get_pixel(10, 96).0, [30, 30, 30]) && near(img.get_pixel(180, 96).0, [200, 200, 200]));
    }

    #[test]
    fn cmyk_jpegs_take_the_other_decoder() {
        // libjpeg-turbo will not turn CMYK into RGB; jpeg-decoder does (red on the left).
        let t = thumbnails(include_bytes!("../../../fuzz/seeds/image/cmyk.jpg")).unwrap();
        let img = image::load_from_memory(&t.large).unwrap().to_rgb8();
        let [r, _, b] = img.get_pixel(96, 10).0;
        assert!(r > b + 60, "top should be red: {:?}", img.get_pixel(96, 10).0);
    }

    #[test]
    fn shrinking_averages_by_area() {
        // Constant stays exactly constant (the weights sum to one).
        let flat = vec![77u8; 200 * 200 * 3];
        let sq = |side| Square { stride: side, x0: 0, y0: 0, side };
        assert!(shrink::<3>(&flat, &sq(200), 192).iter().all(|&v| v == 77));
        // 4 → 2: each output pixel is the mean of a 2×2 block.
        let src: Vec<u8> = [0u8, 100, 200, 40, 0, 100, 200, 40, 10, 10, 10, 10, 30, 30, 30, 30].to_vec();
        assert_eq!(shrink::<1>(&src, &sq(4), 2), vec![50, 120, 20, 20]);
        // 3 → 2: the middle pixel is shared half and half.
        let src: Vec<u8> = [0u8, 90, 180, 0, 90, 180, 0, 90, 180].to_vec();
        assert_eq!(shrink::<1>(&src, &sq(3), 2), vec![30, 150, 30, 150]);
        // A square inside a wider picture: only its pixels count.
        let wide: Vec<u8> = [9u8, 0, 100, 9, 9, 0, 100, 9].to_vec();
        assert_eq!(shrink::<1>(&wide, &Square { stride: 4, x0: 1, y0: 0, side: 2 }, 1), vec![50]);
    }

    #[test]
    fn transparent_pictures_stay_png() {
        let t = thumbnails(&png_rgba(100, 100)).unwrap();
        assert_eq!(sniff(&t.small), Some(Sniffed::Png));
    }

    #[test]
    fn svg_with_script_is_rasterized_without_running_anything() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10" fill="blue"/></svg>"#;
        let t = thumbnails(svg).unwrap();
        let img = image::load_from_memory(&t.large).unwrap().to_rgba8();
        let [r, g, b, a] = img.get_pixel(96, 96).0;
        assert!(r < 8 && g < 8 && b > 246 && a == 255, "{:?}", [r, g, b, a]);
    }

    #[test]
    fn image_bombs_are_refused_from_the_header() {
        // A valid PNG header claiming 100000×100000 pixels, followed by nothing useful.
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(b"IHDR");
        ihdr.extend_from_slice(&100_000u32.to_be_bytes());
        ihdr.extend_from_slice(&100_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        png.extend_from_slice(&13u32.to_be_bytes());
        png.extend_from_slice(&ihdr);
        png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
        assert!(matches!(validate(&png), Err(AvatarError::TooLarge { width: 100_000, .. })));
        assert!(thumbnails(&png).is_err());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bytes in [&b"\xFF\xD8\xFFgarbage"[..], b"\x89PNG\r\n\x1a\nxx", b"GIF89a", b"RIFF\0\0\0\0WEBPxx", b"<svg"] {
            assert!(thumbnails(bytes).is_err());
        }
    }

    #[test]
    fn composites_combine_up_to_four() {
        let parts = vec![jpeg(50, 50), png_rgba(50, 50), jpeg(80, 40)];
        let t = composite(&parts).unwrap();
        assert_eq!(image::load_from_memory(&t.large).unwrap().width(), 192);
        assert!(composite(&[b"nope".to_vec()]).is_err());
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
}
