//! P4: avatar thumbnails against libjpeg-turbo.
//!
//! The same JPEG files go through Roomdeck's whole thumbnail path (`avatar::thumbnails`: sniff,
//! size check, scaled decode, square crop, 160 px and 48 px thumbnails, both encoded) and through
//! `tjbench`, libjpeg-turbo's own benchmark, which only decodes, at the same scale Roomdeck
//! decodes at (1/1, 1/2 or 1/4 here). Both on one core. The pictures are photo-like (gradients,
//! shapes and grain, q85) in three sizes: 200×200 (what Rocket.Chat stores after its resize),
//! 512×512 and 1024×768 (uploaded photos that other servers pass on as they are).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use image::{Rgb, RgbImage};
use roomdeck_core::avatar;

use crate::Config;
use crate::report::Row;
use crate::stats::summary;

const PER_SIZE: u64 = 8;
const SIZES: [(u32, u32); 3] = [(200, 200), (512, 512), (1024, 768)];

fn photo(w: u32, h: u32, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % 25) as i32 - 12
    };
    let (cx, cy, r) = (w as f32 * 0.5, h as f32 * 0.4, w.min(h) as f32 * 0.22);
    let img = RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
        let wave = ((fx * 9.0 + seed as f32).sin() * (fy * 7.0).cos() * 40.0) as i32;
        let mut px =
            [(60.0 + 150.0 * fx) as i32 + wave, (90.0 + 100.0 * fy) as i32, (170.0 - 90.0 * fx * fy) as i32 - wave];
        let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
        if d < r {
            px = [230 - (d / r * 40.0) as i32, 200, 180];
        }
        Rgb(px.map(|c| (c + noise()).clamp(0, 255) as u8))
    });
    let mut out = std::io::Cursor::new(Vec::new());
    let _ = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).encode_image(&img);
    out.into_inner()
}

/// The scale Roomdeck decodes at: the smallest of 1/8, 1/4, 1/2, 1 that keeps the short side at
/// least as big as the large thumbnail.
fn scale(w: u32, h: u32) -> u32 {
    let want = roomdeck_core::store::ThumbSize::Large.pixels();
    let short = w.min(h);
    [1u32, 2, 4, 8].into_iter().find(|m| (short * m).div_ceil(8) >= want).unwrap_or(8)
}

/// libjpeg-turbo's decode rate of one file at `m`/8, in images per second.
fn tjbench(file: &Path, m: u32) -> Result<f64> {
    let scale = match m {
        8 => "1/1".to_string(),
        4 => "1/2".to_string(),
        2 => "1/4".to_string(),
        _ => "1/8".to_string(),
    };
    let out = Command::new("tjbench")
        .arg(file)
        .args(["-scale", &scale, "-benchtime", "1", "-warmup", "0.3"])
        .output()
        .context("tjbench (Debian's libjpeg-turbo-progs; scripts/setup installs it)")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let fps = text
        .lines()
        .find(|l| l.contains("Frame rate"))
        .and_then(|l| l.split(':').nth(1))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok());
    match fps {
        Some(f) if f > 0.0 => Ok(f),
        _ => bail!("tjbench printed no frame rate: {text}"),
    }
}

/// Roomdeck's thumbnails of `files`, looped for at least a second: images per second.
fn ours(files: &[Vec<u8>]) -> Result<f64> {
    let t = Instant::now();
    let mut n = 0u64;
    while t.elapsed().as_secs_f64() < 1.0 {
        for f in files {
            let th = avatar::thumbnails(f)?;
            std::hint::black_box(th);
            n += 1;
        }
    }
    Ok(n as f64 / t.elapsed().as_secs_f64())
}

pub fn run(cfg: &Config) -> Result<(Row, Vec<String>)> {
    let dir = tempfile::tempdir()?;
    let mut notes = Vec::new();
    let (mut ours_all, mut tj_secs_all, mut count) = (Vec::new(), 0.0f64, 0u64);
    for (w, h) in SIZES {
        let files: Vec<Vec<u8>> = (0..PER_SIZE).map(|i| photo(w, h, i + u64::from(w))).collect();
        let m = scale(w, h);
        // libjpeg-turbo: one process per file; the set's rate is files / Σ seconds per file.
        let mut tj_secs = 0.0;
        for (i, f) in files.iter().enumerate() {
            let p = dir.path().join(format!("{w}x{h}-{i}.jpg"));
            std::fs::write(&p, f)?;
            tj_secs += 1.0 / tjbench(&p, m)?;
        }
        let tj = files.len() as f64 / tj_secs;
        let runs: Vec<f64> = (0..cfg.runs).map(|_| ours(&files)).collect::<Result<_>>()?;
        let s = summary(&runs);
        // Seconds per image of this set, to combine the sets with equal weight per image.
        ours_all.push(files.len() as f64 / s.median);
        tj_secs_all += tj_secs;
        count += files.len() as u64;
        let avg_kb = files.iter().map(Vec::len).sum::<usize>() as f64 / files.len() as f64 / 1024.0;
        notes.push(format!(
            "{w}×{h} ({avg_kb:.0} KB each, decoded at {m}/8): Roomdeck {:.0} images/s ({}), tjbench {tj:.0} images/s, ratio {:.2}.",
            s.median,
            s.spread("/s"),
            s.median / tj
        ));
        eprintln!("   {}", notes.last().map(String::as_str).unwrap_or_default());
    }
    let ours_rate = count as f64 / ours_all.iter().sum::<f64>();
    let tj_rate = count as f64 / tj_secs_all;
    let ratio = ours_rate / tj_rate;
    notes.push(
        "Roomdeck's figure is the whole thumbnail path (decode, crop, two resizes, two encodes); tjbench's only the decode. One core each.".into(),
    );
    let row = Row {
        id: "P4",
        what: format!("avatar thumbnails, {} JPEGs in 3 sizes", count),
        value: format!("{ours_rate:.0} images/s"),
        spread: "per size below".into(),
        baseline: format!("{tj_rate:.0} images/s tjbench"),
        ratio: format!("{ratio:.2}×"),
        target: "≥ 0.5×".into(),
        pass: ratio >= 0.5,
        notes,
    };
    Ok((row, Vec::new()))
}
