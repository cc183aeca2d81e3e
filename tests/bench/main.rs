//! `roomdeck-bench`, what `make bench` runs: Roomdeck measured against its limits (issue 6's
//! P1–P8, which include issue 4's core benchmarks), every figure side by side with its baseline
//! in the same run on the same machine, as medians of several runs with their spread. Prints a
//! table and writes `docs/performance.md`; exits 1 when a target is missed.
//!
//! It runs the release builds (`make bench` builds them first: the .deb with the Tauri CLI, then
//! the CLI, the fakes and this binary), under `scripts/with-keyring` like the tests: accounts
//! are added and synced through the real core and the real keyring. Window timings are taken
//! inside the webview (performance marks, requestAnimationFrame) and read over WebDriver.
//!
//! `ROOMDECK_BENCH_RUNS` (default 5) sets the runs per figure; `ROOMDECK_BENCH_ONLY=P2,P4`
//! runs a subset (printed only: `docs/performance.md` is the whole run's, and a subset left it
//! holding a few rows); `ROOMDECK_BENCH_STYLES=FILE` compares variants (style sheets, scripts) of the
//! picker's keystrokes (P5) and the list's scrolling (P6) in one window (see
//! `window::compare_styles`); `ROOMDECK_BENCH_KEEP_10K=DIR` and
//! `ROOMDECK_BENCH_KEEP_100K=DIR` keep a copy of the 10k-room (after P2's sync) and 100k-room data
//! directories for profiling by hand.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout, clippy::print_stderr)]

mod report;
mod stats;
mod sync;
mod thumbs;
mod window;

use std::path::PathBuf;

use anyhow::Result;
use report::Row;

/// Settings shared by every part.
pub struct Config {
    pub runs: usize,
    only: Option<Vec<String>>,
}

impl Config {
    fn from_env() -> Config {
        let runs = std::env::var("ROOMDECK_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(5usize).max(1);
        let only = std::env::var("ROOMDECK_BENCH_ONLY")
            .ok()
            .map(|v| v.split(',').map(|s| s.trim().to_uppercase()).filter(|s| !s.is_empty()).collect());
        Config { runs, only }
    }

    pub fn wants(&self, id: &str) -> bool {
        self.only.as_ref().is_none_or(|o| o.iter().any(|x| x == id))
    }
}

fn deb_size() -> Result<Row> {
    let dir = roomdeck_e2e::root().join("target/release/bundle/deb");
    let deb = std::fs::read_dir(&dir)
        .map_err(|e| anyhow::anyhow!("{}: {e} (make bench builds the .deb first)", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .ok_or_else(|| anyhow::anyhow!("no .deb in {}", dir.display()))?;
    let bytes = std::fs::metadata(&deb)?.len();
    let mb = bytes as f64 / 1e6;
    Ok(Row {
        id: "P8",
        what: "installer size (.deb)".into(),
        value: format!("{mb:.2} MB"),
        spread: format!("{bytes} bytes"),
        baseline: "8 MB budget".into(),
        ratio: format!("{:.2}×", mb / 8.0),
        target: "≤ 8 MB".into(),
        pass: bytes <= 8_000_000,
        notes: vec![format!("{}", deb.file_name().unwrap_or_default().to_string_lossy())],
    })
}

fn main() -> Result<()> {
    let cfg = Config::from_env();
    roomdeck_core::http::install_crypto_provider();
    let mut rows: Vec<Row> = Vec::new();
    let mut extra: Vec<String> = Vec::new();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;

    // Core: first sync and re-sync (P2, P3), then thumbnails (P4). The 10k-room data directory of
    // the first sync is kept for the cold start (P1) and memory (P7) of the window.
    let mut cached_10k: Option<sync::Cached> = None;
    if cfg.wants("P2") || cfg.wants("P3") || cfg.wants("P1") || cfg.wants("P7") {
        eprintln!("== P2/P3: first sync and re-sync");
        let out = rt.block_on(sync::first_and_re_sync(&cfg))?;
        if cfg.wants("P2") {
            rows.push(out.p2.clone());
        }
        if cfg.wants("P3") {
            rows.push(out.p3.clone());
        }
        extra.extend(out.notes.clone());
        if let Ok(keep) = std::env::var("ROOMDECK_BENCH_KEEP_10K") {
            // For profiling a cold start by hand on the same data.
            window::copy_dir(out.cached.dir.path(), std::path::Path::new(&keep))?;
            eprintln!("   the 10k data directory copied to {keep}");
        }
        cached_10k = Some(out.cached);
    }
    if cfg.wants("P4") {
        eprintln!("== P4: thumbnails against tjbench");
        let (row, notes) = thumbs::run(&cfg)?;
        rows.push(row);
        extra.extend(notes);
    }
    if let Some(cached) = &cached_10k
        && (cfg.wants("P1") || cfg.wants("P7"))
    {
        eprintln!("== P1/P7: cold start and memory in the window");
        let (p1, p7) = window::cold_start_and_memory(&cfg, cached)?;
        if cfg.wants("P1") {
            rows.push(p1);
        }
        if cfg.wants("P7") {
            rows.push(p7);
        }
    }
    drop(cached_10k);
    if cfg.wants("P5") || cfg.wants("P6") || cfg.wants("P5Q") {
        eprintln!("== P5/P6: picker and scrolling over 100k rooms");
        // A part that cannot run is reported as missed, and the others still make the report.
        match window::hundred_k(&cfg, &rt) {
            Ok(out) => {
                rows.extend(out.rows.into_iter().filter(|r| cfg.wants(&r.id.to_uppercase())));
                extra.extend(out.notes);
            }
            Err(e) => {
                eprintln!("P5/P6 could not run: {e:#}");
                for id in ["P5", "P6"].into_iter().filter(|id| cfg.wants(id)) {
                    rows.push(Row {
                        id,
                        what: "100k rooms in the window".into(),
                        value: "not measured".into(),
                        spread: String::new(),
                        baseline: String::new(),
                        ratio: String::new(),
                        target: String::new(),
                        pass: false,
                        notes: vec![format!("The run failed: {e:#}")],
                    });
                }
            }
        }
    }
    if cfg.wants("P8") {
        rows.push(deb_size()?);
    }
    rows.sort_by_key(|r| r.id);

    let table = report::table(&rows);
    println!("\n{table}");
    for n in &extra {
        println!("- {n}");
    }
    let path: PathBuf = roomdeck_e2e::root().join("docs/performance.md");
    if cfg.only.is_none() && std::env::var_os("ROOMDECK_BENCH_STYLES").is_none() {
        std::fs::write(&path, report::markdown(&cfg, &rows, &extra))?;
        println!("\nwritten: {}", path.display());
    } else {
        println!("\na partial run: {} left as it was", path.display());
    }
    let missed: Vec<&str> = rows.iter().filter(|r| !r.pass).map(|r| r.id).collect();
    if !missed.is_empty() {
        eprintln!("targets missed: {}", missed.join(", "));
        std::process::exit(1);
    }
    Ok(())
}
