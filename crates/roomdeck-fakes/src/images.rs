//! Avatar bytes: real JPEG/PNG/SVG pictures, made deterministically and cached in a pool (so
//! serving 10,000 avatars costs encoding a few hundred), plus the hostile ones the fault suite
//! serves: an image bomb, HTML posing as an image, SVG with script.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use bytes::Bytes;
use image::{Rgb, RgbImage, Rgba, RgbaImage};

/// Distinct pictures in the pool; index `i` maps to `i % POOL`.
pub const POOL: u64 = 512;

fn cache() -> &'static Mutex<HashMap<(u8, u64), Bytes>> {
    static C: OnceLock<Mutex<HashMap<(u8, u64), Bytes>>> = OnceLock::new();
    C.get_or_init(|| Mutex::new(HashMap::new()))
}

fn cached(kind: u8, i: u64, make: impl FnOnce() -> Vec<u8>) -> Bytes {
    let key = (kind, i % POOL);
    if let Ok(c) = cache().lock()
        && let Some(b) = c.get(&key)
    {
        return b.clone();
    }
    let b = Bytes::from(make());
    if let Ok(mut c) = cache().lock() {
        c.insert(key, b.clone());
    }
    b
}

fn palette(i: u64) -> ([u8; 3], [u8; 3]) {
    let h = (i.wrapping_mul(2_654_435_761) % 360) as f32;
    let hsl = |h: f32, s: f32, l: f32| -> [u8; 3] {
        let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
        let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
        let m = l - c / 2.0;
        let (r, g, b) = match (h / 60.0) as u32 {
            0 => (c, x, 0.0),
            1 => (x, c, 0.0),
            2 => (0.0, c, x),
            3 => (0.0, x, c),
            4 => (x, 0.0, c),
            _ => (c, 0.0, x),
        };
        [((r + m) * 255.0) as u8, ((g + m) * 255.0) as u8, ((b + m) * 255.0) as u8]
    };
    (hsl(h, 0.65, 0.55), hsl((h + 40.0) % 360.0, 0.7, 0.35))
}

fn picture(i: u64, size: u32) -> RgbImage {
    let (a, b) = palette(i);
    let cx = (size / 2) as f32 + ((i % 7) as f32 - 3.0) * size as f32 / 20.0;
    let cy = (size as f32) * 0.42;
    let r = size as f32 * (0.18 + (i % 5) as f32 * 0.02);
    RgbImage::from_fn(size, size, |x, y| {
        let t = (x + y) as f32 / (2 * size) as f32;
        let mut px = [0u8; 3];
        for k in 0..3 {
            px[k] = (f32::from(a[k]) * (1.0 - t) + f32::from(b[k]) * t) as u8;
        }
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        let body = (x as f32 - size as f32 / 2.0).powi(2) / 2.2 + (y as f32 - size as f32 * 1.05).powi(2);
        if dx * dx + dy * dy < r * r || body < (size as f32 * 0.42).powi(2) {
            px = [245, 240, 230];
        }
        Rgb(px)
    })
}

/// A 200×200 JPEG (what Rocket.Chat stores after its resize).
pub fn jpeg(i: u64) -> Bytes {
    cached(0, i, || {
        let mut out = std::io::Cursor::new(Vec::new());
        let _ = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 82).encode_image(&picture(i, 200));
        out.into_inner()
    })
}

/// A 128×128 PNG with transparent corners (Virola's "avatar.jpg" that is really a PNG).
pub fn png(i: u64) -> Bytes {
    cached(1, i, || {
        let rgb = picture(i, 128);
        let img = RgbaImage::from_fn(128, 128, |x, y| {
            let p = rgb.get_pixel(x, y).0;
            let d = ((x as f32 - 64.0).powi(2) + (y as f32 - 64.0).powi(2)).sqrt();
            Rgba([p[0], p[1], p[2], if d < 64.0 { 255 } else { 0 }])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        let _ = img.write_to(&mut out, image::ImageFormat::Png);
        out.into_inner()
    })
}

/// A vector picture (NFT collection covers are often SVG).
pub fn svg(i: u64) -> Bytes {
    let (a, b) = palette(i);
    Bytes::from(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><defs><linearGradient id="g"><stop offset="0" stop-color="rgb({},{},{})"/><stop offset="1" stop-color="rgb({},{},{})"/></linearGradient></defs><rect width="100" height="100" fill="url(#g)"/><polygon points="50,15 85,80 15,80" fill="#fff" opacity="0.85"/></svg>"##,
        a[0], a[1], a[2], b[0], b[1], b[2]
    ))
}

/// Rocket.Chat's generated letter avatar.
pub fn letters_svg(text: &str, size: u32) -> Bytes {
    let initials: String = text.chars().filter(|c| c.is_alphanumeric()).take(1).flat_map(char::to_uppercase).collect();
    let colors = ["#F44336", "#E91E63", "#9C27B0", "#673AB7", "#3F51B5", "#2196F3", "#009688", "#4CAF50"];
    let color = colors[text.len() % colors.len()];
    Bytes::from(format!(
        r##"<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<svg xmlns="http://www.w3.org/2000/svg" pointer-events="none" width="{size}" height="{size}" viewBox="0 0 {size} {size}" style="background-color:{color};width:{size}px;height:{size}px"><text text-anchor="middle" y="50%" x="50%" dy="0.36em" pointer-events="auto" fill="#ffffff" font-family="sans-serif" style="font-weight: 400; font-size: {}px">{initials}</text></svg>"##,
        size * 5 / 8
    ))
}

/// A PNG whose header claims 100,000 × 100,000 pixels.
pub fn image_bomb() -> Bytes {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    // A little zlib stream of zeros: a naive decoder would allocate 30 GB before noticing.
    let idat = b"IDAT\x78\x9c\xed\xc1\x01\x01\x00\x00\x00\x80\x90\xfe\xaf\x6e\x0f\x0a\x00\x00";
    png.extend_from_slice(&((idat.len() - 4) as u32).to_be_bytes());
    png.extend_from_slice(idat);
    png.extend_from_slice(&crc32(idat).to_be_bytes());
    Bytes::from(png)
}

/// An SVG that would run script in a browser that rendered it as a document.
pub fn svg_with_script() -> Bytes {
    Bytes::from_static(
        br#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload="document.title='pwned'"><script>document.title='pwned'</script><rect width="10" height="10" fill="red"/></svg>"#,
    )
}

/// An error page served with an image content type.
pub fn not_an_image() -> Bytes {
    Bytes::from_static(b"<!doctype html><html><body><h1>502 Bad Gateway</h1></body></html>")
}

pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_are_real_images() {
        assert!(image::load_from_memory(&jpeg(3)).is_ok());
        assert!(image::load_from_memory(&png(3)).is_ok());
        assert_eq!(jpeg(3), jpeg(3 + POOL));
        assert_ne!(jpeg(3), jpeg(4));
        assert!(jpeg(1).len() < 30_000);
    }
}
