//! The window's figures, taken inside the webview and read back over WebDriver: P1 (cold start),
//! P5 (picker keystrokes), P6 (scrolling), P7 (memory). The release app runs under Xvfb through
//! tauri-driver, exactly as the end-to-end tests run the debug one.
//!
//! - P1: from the moment WebDriver is asked to start the app to the page's
//!   `roomdeck:list-painted` mark (set one frame after the pictures of the rows in sight have loaded) with
//!   10k cached rooms, against `roomdeck:shell-painted` (the first frame) of the same app with an
//!   empty data directory. Both clocks are the system clock (`performance.timeOrigin`). Runs
//!   alternate, empty then cached; the file cache is warm for both.
//! - P7: the resident set of the app and every process it started (WebKit's web and network
//!   processes), summed from /proc, after the list is painted, scrolled to the end and back, and
//!   settled; against the empty window after the same wait.
//! - P5: 100k cached rooms; the picker opened with Ctrl+K and words typed one key at a time at a
//!   typing pace. Each keystroke is timed by the page from the input event to the frame after
//!   its answer is on screen (`perf.pickerTimings`). The baseline is the bare SQLite query for the
//!   same text on the same database file: one statement, the same subsequence match the picker
//!   makes ("gnrl" finds "general"), the 50 most recent, no IPC and no rendering. Side by side
//!   in the same window: a plain text field sending the same `pick` request through the same IPC
//!   and writing ten plain rows, the floor a keystroke answered by the core gets here.
//! - P6: the same window; the list scrolled 400 px per frame from top to bottom and back with
//!   jumps to random places, frame deltas from requestAnimationFrame, and the most row elements
//!   seen in the DOM at any frame. Side by side in the same window: the frames with nothing
//!   moving, and a static scroller of the list's size (plain rows of text, no script) scrolled
//!   the same way, which is the floor any page gets from this webview. `ROOMDECK_BENCH_CSS` adds
//!   a style sheet to that window first (for trying a style change without a rebuild);
//!   `ROOMDECK_BENCH_STYLES` compares several in one window instead (see [`compare_styles`]).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use roomdeck_core::secrets::KeyringSecrets;
use roomdeck_core::{Credentials, RoomKind, RoomQuery, Roomdeck, Sort};
use roomdeck_e2e::{Harness, Window, files_under};
use roomdeck_fakes::rocketchat::{RcOptions, RocketChatFake};
use serde_json::{Value, json};

use crate::Config;
use crate::report::Row;
use crate::stats::{Summary, histogram, summary};
use crate::sync::{Cached, ROOMS};

const CTRL: &str = "\u{E009}";
const ESCAPE: &str = "\u{E00C}";
const BIG: usize = 100_000;

pub fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    for f in files_under(from) {
        let rel = f.strip_prefix(from)?;
        let dest = to.join(rel);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(&f, &dest).with_context(|| format!("copying {}", f.display()))?;
    }
    Ok(())
}

/// Waits for a performance mark; returns its time in ms since the epoch.
fn mark_at(w: &Window, mark: &str, secs: u64) -> Result<f64> {
    w.wait(secs, mark, |w| {
        let v = w.js(
            "const m = performance.getEntriesByName(arguments[0])[0];
             return m ? performance.timeOrigin + m.startTime : null;",
            vec![json!(mark)],
        )?;
        Ok(v.as_f64())
    })
}

/// Every process: pid → (parent, command name).
fn processes() -> HashMap<u32, (u32, String)> {
    let mut out = HashMap::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // "pid (comm) state ppid ...": the name may hold spaces and parentheses.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        let comm = stat[open + 1..close].to_string();
        let ppid = stat[close + 1..].split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
        out.insert(pid, (ppid, comm));
    }
    out
}

/// A line of /proc/PID/status in kB ("VmRSS", "RssAnon", "RssFile", "RssShmem").
fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':').and_then(|v| v.split_whitespace().next()?.parse().ok()))
        .unwrap_or(0)
}

/// The app whose data directory is `data_dir`, and every process it started.
fn app_tree(data_dir: &Path) -> Result<Vec<u32>> {
    let procs = processes();
    let needle = format!("ROOMDECK_DATA_DIR={}", data_dir.display());
    let app = procs
        .iter()
        .filter(|(_, (_, comm))| comm.starts_with("roomdeck-app"))
        .map(|(pid, _)| *pid)
        .find(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .map(|env| env.split(|b| *b == 0).any(|kv| kv == needle.as_bytes()))
                .unwrap_or(false)
        })
        .ok_or_else(|| anyhow!("the app process was not found"))?;
    let mut tree = vec![app];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(procs.iter().filter(|(_, (pp, _))| *pp == parent).map(|(pid, _)| *pid));
        i += 1;
    }
    Ok(tree)
}

/// The resident set (MB) of the app and of its descendants, and what each process holds.
fn app_rss_mb(data_dir: &Path) -> Result<(f64, String)> {
    let procs = processes();
    let mut parts: Vec<String> = Vec::new();
    let mut total = 0;
    for pid in app_tree(data_dir)? {
        let kb = status_kb(pid, "VmRSS");
        total += kb;
        let name = procs.get(&pid).map(|(_, c)| c.as_str()).unwrap_or("?");
        let mb = |field: &str| status_kb(pid, field) as f64 / 1024.0;
        parts.push(format!(
            "{name} {:.0} (anon {:.0}, file {:.0}, shmem {:.0})",
            kb as f64 / 1024.0,
            mb("RssAnon"),
            mb("RssFile"),
            mb("RssShmem")
        ));
    }
    Ok((total as f64 / 1024.0, parts.join(", ")))
}

/// CPU time (clock ticks) the app and its descendants have used.
fn app_cpu_ticks(data_dir: &Path) -> Result<u64> {
    let mut total = 0;
    for pid in app_tree(data_dir)? {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        if let Some(close) = stat.rfind(')') {
            let f: Vec<&str> = stat[close + 1..].split_whitespace().collect();
            // Fields 14 and 15 (utime, stime) are the 12th and 13th after the name.
            total += f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            total += f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        }
    }
    Ok(total)
}

/// Waits until the app has done its background work (a re-sync, thumbnails): under 5% of a
/// core for two seconds in a row, or `max` at most. Returns how long it took.
fn wait_idle(data_dir: &Path, max: Duration) -> Result<Duration> {
    let start = Instant::now();
    let mut quiet = 0;
    let mut last = app_cpu_ticks(data_dir)?;
    while start.elapsed() < max && quiet < 4 {
        std::thread::sleep(Duration::from_millis(500));
        let now = app_cpu_ticks(data_dir)?;
        // 100 ticks a second: 5% of a core over half a second is 2.5 ticks.
        quiet = if now.saturating_sub(last) <= 2 { quiet + 1 } else { 0 };
        last = now;
    }
    Ok(start.elapsed())
}

fn shown_count(w: &Window) -> usize {
    w.text_of("#room-count")
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or(0)
}

/// One start: (ms to the mark, RSS in MB after the settle).
fn start_once(data: Option<&Path>, mark: &str, label: &str) -> Result<(f64, f64, String)> {
    let mut h = Harness::new(&format!("bench-{label}"))?;
    if let Some(d) = data {
        copy_dir(d, h.data_dir())?;
    }
    h.launch()?;
    let at = mark_at(h.window(), mark, 60)?;
    let ms = at - h.launched_ms();
    // Where the time went: every mark of the page, from the WebDriver request.
    let marks = h.window().js(
        "return performance.getEntriesByType('mark').filter(m => m.name.startsWith('roomdeck:'))
           .map(m => [m.name.slice(9), performance.timeOrigin + m.startTime]);",
        vec![],
    )?;
    let steps: Vec<String> = marks
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| Some(format!("{} {:.0}", m[0].as_str()?, m[1].as_f64()? - h.launched_ms())))
        .collect();
    // The pictures asked for by then: how many, when the first was asked for, when the last
    // arrived, and how long one took (from its src to its load event).
    let timings = h.window().js(
        "return window.__roomdeck.pictureTimings.map(([a, b]) => [performance.timeOrigin + a, performance.timeOrigin + b]);",
        vec![],
    )?;
    let spans: Vec<(f64, f64)> = timings
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| Some((t.get(0)?.as_f64()?, t.get(1)?.as_f64()?)))
        .filter(|(_, end)| *end <= at + 1.0)
        .collect();
    let pictures = if spans.is_empty() {
        String::new()
    } else {
        let first = spans.iter().map(|s| s.0).fold(f64::INFINITY, f64::min);
        let last = spans.iter().map(|s| s.1).fold(0.0, f64::max);
        let each = summary(&spans.iter().map(|s| s.1 - s.0).collect::<Vec<_>>());
        format!(
            "; {} pictures asked for from {:.0}, the last in at {:.0} (each {:.0} ms median, {:.0} max)",
            spans.len(),
            first - h.launched_ms(),
            last - h.launched_ms(),
            each.median,
            each.max
        )
    };
    eprintln!("   {label}: {}{pictures}", steps.join(", "));
    let w = h.window();
    if data.is_some() {
        // Load the list as a user would look at it: to the end and back.
        w.js("const s = document.querySelector('#room-list'); s.scrollTop = s.scrollHeight;", vec![])?;
        std::thread::sleep(Duration::from_millis(1500));
        w.js("document.querySelector('#room-list').scrollTop = 0;", vec![])?;
        std::thread::sleep(Duration::from_millis(1500));
    }
    // Memory once the app has settled (its background re-sync and thumbnail pass done).
    wait_idle(h.data_dir(), Duration::from_secs(60))?;
    let (rss, parts) = app_rss_mb(h.data_dir())?;
    if data.is_some() && shown_count(w) < ROOMS {
        bail!("the cached window shows {} rooms, not {ROOMS}", shown_count(w));
    }
    h.close();
    Ok((ms, rss, parts))
}

pub fn cold_start_and_memory(cfg: &Config, cached: &Cached) -> Result<(Row, Row)> {
    let (mut empty_ms, mut full_ms, mut empty_rss, mut full_rss) = (vec![], vec![], vec![], vec![]);
    let rooms: usize = rusqlite::Connection::open(cached.dir.path().join("roomdeck.db"))?.query_row(
        "SELECT count(*) FROM rooms",
        [],
        |r| r.get::<_, i64>(0),
    )? as usize;
    // A first start of each warms the file cache and WebKit's own caches; it is not counted.
    start_once(None, "roomdeck:shell-painted", "empty")?;
    start_once(Some(cached.dir.path()), "roomdeck:list-painted", "10k")?;
    let mut parts = (String::new(), String::new());
    for run in 0..cfg.runs {
        let (ms, rss, p_empty) = start_once(None, "roomdeck:shell-painted", "empty")?;
        empty_ms.push(ms);
        empty_rss.push(rss);
        let (ms2, rss2, p_full) = start_once(Some(cached.dir.path()), "roomdeck:list-painted", "10k")?;
        full_ms.push(ms2);
        full_rss.push(rss2);
        eprintln!(
            "   run {}: empty {ms:.0} ms {rss:.0} MB ({p_empty}); cached {ms2:.0} ms {rss2:.0} MB ({p_full})",
            run + 1
        );
        parts = (p_empty, p_full);
    }
    let (e, f) = (summary(&empty_ms), summary(&full_ms));
    let ratio = f.median / e.median;
    let p1 = Row {
        id: "P1",
        what: format!("cold start, {:.1}k cached rooms → list painted with avatars", rooms as f64 / 1e3),
        value: format!("{:.0} ms", f.median),
        spread: f.spread("ms"),
        baseline: format!("{:.0} ms empty window", e.median),
        ratio: format!("{ratio:.2}×"),
        target: "≤ 1.25×".into(),
        pass: ratio <= 1.25,
        notes: vec![
            "From the WebDriver request that starts the app to the page's mark (one frame after the pictures of the rows in sight have loaded; rows bound below the window are not waited for). The data directory is P2's, as the app leaves it after a sync (up to 5000 thumbnails made by its background pass); the server is up, so the app re-syncs once it has painted.".into(),
            format!("Empty window spread: {}.", e.spread("ms")),
        ],
    };
    let (er, fr) = (summary(&empty_rss), summary(&full_rss));
    let delta = fr.median - er.median;
    let p7 = Row {
        id: "P7",
        what: format!("memory (RSS) with {:.1}k rooms loaded", rooms as f64 / 1e3),
        value: format!("{:.0} MB", fr.median),
        spread: fr.spread("MB"),
        baseline: format!("{:.0} MB empty window", er.median),
        ratio: format!("+{delta:.0} MB"),
        target: "≤ empty + 40 MB".into(),
        pass: delta <= 40.0,
        notes: vec![
            "Sum of VmRSS over the app and the processes it started (WebKit's web and network processes), once the app is idle (its start-up re-sync and thumbnail pass done); shared pages count in each process, the same way for both.".into(),
            format!("Empty window spread: {}.", er.spread("MB")),
            format!("Per process in MB, last run: empty window {}; with the rooms {}.", parts.0, parts.1),
        ],
    };
    Ok((p1, p7))
}

pub struct HundredK {
    pub rows: Vec<Row>,
    pub notes: Vec<String>,
}

/// The picker's query for a name: its first five letters or digits, lower case.
fn word(name: &str) -> String {
    name.chars().filter(|c| c.is_alphanumeric()).take(5).collect::<String>().to_lowercase()
}

/// What the bare SQLite statement looks for: every character in order ("gnrl" → "%g%n%r%l%").
fn like_pattern(q: &str) -> String {
    let mut p = String::from("%");
    for c in roomdeck_core::text::fold(q).chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
        p.push('%');
    }
    p
}

fn bare_sqlite(db: &Path, prefixes: &[String]) -> Result<Summary> {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut stmt = conn.prepare(
        "SELECT account_id, remote_id, name FROM rooms WHERE name_fold LIKE ?1 ESCAPE '\\'
         ORDER BY last_activity_ms DESC LIMIT 50",
    )?;
    let mut samples = Vec::new();
    for _ in 0..10 {
        for p in prefixes {
            let pat = like_pattern(p);
            let t = Instant::now();
            let n = stmt.query_map([&pat], |r| r.get::<_, String>(2))?.count();
            samples.push(t.elapsed().as_secs_f64() * 1e3);
            std::hint::black_box(n);
        }
    }
    Ok(summary(&samples))
}

fn core_list_query(core: &Roomdeck, prefixes: &[String]) -> Result<Summary> {
    let mut samples = Vec::new();
    for _ in 0..10 {
        for p in prefixes {
            let q = RoomQuery { search: Some(p.clone()), ..RoomQuery::default() };
            let t = Instant::now();
            let page = core.rooms(&q, 0, 100)?;
            samples.push(t.elapsed().as_secs_f64() * 1e3);
            std::hint::black_box(page);
        }
    }
    Ok(summary(&samples))
}

/// Pages of 100 of filtered lists, at 21 places from the top to the end of each, read by the
/// core, against the same pages read by one plain SQL statement each (`… WHERE <filter> ORDER
/// BY <sort> LIMIT 100 OFFSET n`, what a store without its own paging would run) on the same
/// file: (the core's pages, the plain statements', the lists as "name (rooms)").
fn filtered_pages(core: &Roomdeck, db: &Path) -> Result<(Summary, Summary, String)> {
    let lists: [(&str, RoomQuery, &str); 4] = [
        ("channels", RoomQuery { kinds: vec![RoomKind::Channel], ..RoomQuery::default() }, "kind = 'channel'"),
        (
            "unread",
            RoomQuery { unread_only: true, ..RoomQuery::default() },
            "(unread > 0 OR mentions > 0 OR alert = 1)",
        ),
        ("favourites", RoomQuery { favorites_only: true, ..RoomQuery::default() }, "favorite = 1"),
        (
            "direct messages by name",
            RoomQuery { kinds: vec![RoomKind::Direct], sort: Sort::Name, ..RoomQuery::default() },
            "kind = 'direct'",
        ),
    ];
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let (mut ours, mut plain, mut names) = (Vec::new(), Vec::new(), Vec::new());
    for (name, q, cond) in lists {
        let total = core.rooms(&q, 0, 1)?.total;
        names.push(format!("{name} ({total})"));
        let order = match q.sort {
            Sort::Activity => "last_activity_ms DESC, pk",
            Sort::Name => "name_fold, pk",
        };
        let mut stmt = conn.prepare(&format!(
            "SELECT account_id, remote_id, name FROM rooms WHERE {cond} AND archived = 0 AND hidden = 0
             ORDER BY {order} LIMIT 100 OFFSET ?1"
        ))?;
        for k in 0..=20i64 {
            let offset = ((total - 100).max(0) * k) / 20;
            let t = Instant::now();
            let page = core.rooms(&q, offset, 100)?;
            ours.push(t.elapsed().as_secs_f64() * 1e3);
            if page.rows.len() as i64 != (total - offset).min(100) {
                bail!("{name}: {} rooms at {offset} of {total}", page.rows.len());
            }
            let t = Instant::now();
            let n = stmt.query_map([offset], |r| r.get::<_, String>(2))?.count();
            plain.push(t.elapsed().as_secs_f64() * 1e3);
            std::hint::black_box(n);
        }
    }
    Ok((summary(&ours), summary(&plain), names.join(", ")))
}

/// What the picker holds after each keystroke when `words` are typed one key at a time.
fn typed_prefixes(words: &[String]) -> Vec<String> {
    words.iter().flat_map(|w| (1..=w.chars().count()).map(|k| w.chars().take(k).collect::<String>())).collect()
}

/// Keystroke timings and their parts (input → answer, rendering, rendered → frame), in order.
type Keystrokes = (Vec<f64>, Vec<[f64; 3]>);

/// Types every word into the picker one key at a time; returns the page's keystroke timings
/// and their parts.
fn typed(w: &Window, words: &[String]) -> Result<Keystrokes> {
    w.js("window.__roomdeck.pickerTimings.length = 0; window.__roomdeck.pickerParts.length = 0;", vec![])?;
    let mut timings_before = 0;
    for word in words {
        w.chord(&[CTRL, "k"])?;
        let input = w.wait_for("#picker-input", 5)?;
        std::thread::sleep(Duration::from_millis(300));
        for c in word.chars() {
            w.type_into(&input, &c.to_string())?;
            std::thread::sleep(Duration::from_millis(150));
        }
        // Every key must have reached the picker, each timed once: a lost key would time a
        // different query, a lost timing would hide a slow one.
        let got = w.js(
            "return [document.querySelector('#picker-input').value, window.__roomdeck.pickerTimings.length];",
            vec![],
        )?;
        let (value, timed) = (got[0].as_str().unwrap_or_default().to_string(), got[1].as_u64().unwrap_or(0) as usize);
        if value != *word || timed != timings_before + word.chars().count() {
            eprintln!(
                "   warning: typed {word:?}, the picker shows {value:?} with {} timings",
                timed - timings_before.min(timed)
            );
        }
        timings_before = timed;
        w.keys(&[ESCAPE])?;
        w.wait(5, "the picker to close", |w| Ok((w.count("#picker")? == 0).then_some(())))?;
    }
    let v = w.js("return [window.__roomdeck.pickerTimings.slice(), window.__roomdeck.pickerParts.slice()];", vec![])?;
    let timings: Vec<f64> = v[0].as_array().into_iter().flatten().filter_map(Value::as_f64).collect();
    let parts = v[1]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let at = |i: usize| p.get(i).and_then(Value::as_f64).unwrap_or(f64::NAN);
            [at(0), at(1), at(2)]
        })
        .collect();
    Ok((timings, parts))
}

/// Types every word into the picker (see [`typed`]); prints where the time went and the
/// slowest keystrokes; returns the timings.
fn type_words(w: &Window, words: &[String]) -> Result<Vec<f64>> {
    let (timings, parts) = typed(w, words)?;
    let part = |i: usize| -> Vec<f64> { parts.iter().map(|p| p[i]).collect() };
    let (answer, render, frame) = (summary(&part(0)), summary(&part(1)), summary(&part(2)));
    eprintln!(
        "   keystroke parts (median / p95 ms): input → answer {:.1} / {:.1}, rendering {:.1} / {:.1}, rendered → frame {:.1} / {:.1}",
        answer.median, answer.p95, render.median, render.p95, frame.median, frame.p95
    );
    // The slowest keystrokes, with the text typed so far and their parts: which queries make the p95.
    let typed = typed_prefixes(words);
    let mut order: Vec<usize> = (0..timings.len()).collect();
    order.sort_by(|a, b| timings[*b].total_cmp(&timings[*a]));
    let slowest: Vec<String> = order
        .iter()
        .take(5)
        .map(|&i| {
            let [a, r, f] = parts.get(i).copied().unwrap_or([f64::NAN; 3]);
            format!(
                "{:?} {:.0} ms ({a:.0} + {r:.0} + {f:.0})",
                typed.get(i).map(String::as_str).unwrap_or("?"),
                timings[i]
            )
        })
        .collect();
    eprintln!("   slowest keystrokes (answer + rendering + frame): {}", slowest.join(", "));
    eprintln!(
        "   by key of the word (median / max ms, answer + rendering + frame medians): {}",
        by_key(words, &timings, &parts)
    );
    Ok(timings)
}

/// Keystroke figures grouped by the key's place in its word (the first key after the picker
/// opens replaces every option; later ones mostly reorder the same rooms).
fn by_key(words: &[String], timings: &[f64], parts: &[[f64; 3]]) -> String {
    let places: Vec<usize> = words.iter().flat_map(|w| 0..w.chars().count()).collect();
    let longest = places.iter().copied().max().map_or(0, |m| m + 1);
    (0..longest)
        .map(|k| {
            let at: Vec<usize> = (0..timings.len().min(places.len())).filter(|&i| places[i] == k).collect();
            let t = summary(&at.iter().map(|&i| timings[i]).collect::<Vec<_>>());
            let part =
                |j: usize| summary(&at.iter().filter_map(|&i| parts.get(i).map(|p| p[j])).collect::<Vec<_>>()).median;
            format!("{} {:.1} / {:.0} ({:.1} + {:.1} + {:.1})", k + 1, t.median, t.max, part(0), part(1), part(2))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Puts `css` in the window's one bench style sheet (made on first use), replacing what it held.
fn set_bench_style(w: &Window, css: &str) -> Result<()> {
    w.js(
        "let s = document.getElementById('bench-style'); if (!s) { s = document.createElement('style'); s.id = 'bench-style'; document.head.append(s); } s.textContent = arguments[0];",
        vec![json!(css)],
    )?;
    Ok(())
}

/// One variant of [`compare_styles`]: a style sheet, or an object with any of `css`, `setup`
/// and `teardown` (scripts run before and after the variant's turn; what `teardown` returns is
/// printed) and `scroller` (the element to scroll, `#room-list` by default).
struct Variant<'a> {
    css: &'a str,
    setup: &'a str,
    teardown: &'a str,
    scroller: &'a str,
}

impl<'a> Variant<'a> {
    fn parse(name: &str, v: &'a Value) -> Result<Variant<'a>> {
        let field = |key: &str, default: &'a str| -> Result<&'a str> {
            match v.get(key) {
                None => Ok(default),
                Some(x) => x.as_str().ok_or_else(|| anyhow!("{name}.{key}: not a string")),
            }
        };
        match v {
            Value::String(css) => Ok(Variant { css, setup: "", teardown: "", scroller: "#room-list" }),
            Value::Object(_) => Ok(Variant {
                css: field("css", "")?,
                setup: field("setup", "")?,
                teardown: field("teardown", "")?,
                scroller: field("scroller", "#room-list")?,
            }),
            _ => bail!("{name}: not a string or an object"),
        }
    }
}

/// `ROOMDECK_BENCH_STYLES=FILE` (a JSON object, name → a [`Variant`]; "" for none): the picker's
/// keystrokes (with P5) and the list's scrolled frames (with P6) under each style in turn, in
/// one window, `ROOMDECK_BENCH_RUNS` times over. Launches differ by more than most changes do (a whole
/// launch's keystrokes can be 2 ms slower), so variants are compared within one launch,
/// interleaved. Prints the figures per variant; no report rows. With
/// `ROOMDECK_BENCH_FRAMES_DIR=DIR` each scroll's frame times are written there in order
/// (`NAME-ROUND.json`).
fn compare_styles(w: &Window, words: &[String], file: &Path, cfg: &Config) -> Result<()> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let variants: serde_json::Map<String, Value> =
        serde_json::from_str(&text).with_context(|| format!("{}: not a JSON object", file.display()))?;
    let variants: Vec<(&String, Variant<'_>)> =
        variants.iter().map(|(name, v)| Variant::parse(name, v).map(|v| (name, v))).collect::<Result<_>>()?;
    let (keys, frames) = (cfg.wants("P5"), cfg.wants("P6"));
    // The first words typed in a launch pay for what later ones find ready (the system font
    // fallback of each script's first name, the first compiles): typed once, not counted. The
    // first scroll likewise lays out and caches glyphs of rooms never shown before.
    if keys {
        let (t, p) = typed(w, words)?;
        let s = summary(&t);
        eprintln!(
            "   first pass (not counted): keystroke median {:.1} ms p95 {:.1} max {:.0}; by key: {}",
            s.median,
            s.p95,
            s.max,
            by_key(words, &t, &p)
        );
    }
    if frames {
        scroll(w)?;
    }
    let mut seen: Vec<Keystrokes> = vec![Keystrokes::default(); variants.len()];
    let mut scrolled: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
    for round in 0..cfg.runs {
        for (((name, v), all), all_frames) in variants.iter().zip(&mut seen).zip(&mut scrolled) {
            set_bench_style(w, v.css)?;
            if !v.setup.is_empty() {
                w.js(v.setup, vec![])?;
            }
            std::thread::sleep(Duration::from_millis(500));
            if keys {
                let (t, p) = typed(w, words)?;
                let s = summary(&t);
                eprintln!(
                    "   round {}, {name}: keystroke median {:.1} ms p95 {:.1} ({} keystrokes)",
                    round + 1,
                    s.median,
                    s.p95,
                    s.n
                );
                all.0.extend(t);
                all.1.extend(p);
            }
            if frames {
                let f = if v.scroller == "#room-list" { scroll(w)?.0 } else { scroll_other(w, v.scroller)? };
                let s = summary(&f);
                eprintln!(
                    "   round {}, {name}: frame median {:.1} ms p95 {:.1} ({} frames; {})",
                    round + 1,
                    s.median,
                    s.p95,
                    s.n,
                    histogram(&f, 4)
                );
                if let Some(dir) = std::env::var_os("ROOMDECK_BENCH_FRAMES_DIR") {
                    // Every frame in order, for looking at where the slow ones fall.
                    let file = Path::new(&dir).join(format!("{name}-{}.json", round + 1));
                    std::fs::write(&file, serde_json::to_vec(&f)?)
                        .with_context(|| format!("writing {}", file.display()))?;
                }
                all_frames.extend(f);
            }
            if !v.teardown.is_empty() {
                let out = w.js(v.teardown, vec![])?;
                if !out.is_null() {
                    eprintln!("   round {}, {name}: {out}", round + 1);
                }
            }
        }
    }
    // Every variant typed the words once per round.
    let typed_words: Vec<String> = words.iter().cycle().take(words.len() * cfg.runs).cloned().collect();
    for (((name, _), (t, p)), f) in variants.iter().zip(&seen).zip(&scrolled) {
        if keys {
            let s = summary(t);
            let part = |i: usize| summary(&p.iter().map(|x| x[i]).collect::<Vec<_>>());
            let (a, r, f) = (part(0), part(1), part(2));
            eprintln!("   {name}: by key: {}", by_key(&typed_words, t, p));
            eprintln!(
                "   {name}: keystroke median {:.1} ms, mean {:.2}, p95 {:.1}, max {:.0} ({}); parts median / p95: answer {:.1} / {:.1}, rendering {:.1} / {:.1}, frame {:.1} / {:.1}",
                s.median, s.mean, s.p95, s.max, s.n, a.median, a.p95, r.median, r.p95, f.median, f.p95
            );
        }
        if frames {
            let s = summary(f);
            let late = f.iter().filter(|x| **x > 17.0).count();
            eprintln!(
                "   {name}: frame median {:.1} ms, mean {:.2}, p95 {:.1}, max {:.0} ({} frames, {late} over 17 ms; {})",
                s.median,
                s.mean,
                s.p95,
                s.max,
                s.n,
                histogram(f, 6)
            );
        }
    }
    Ok(())
}

/// Scrolls `arguments[0]` (a selector) 400 px per frame, with a jump every 60th frame; with
/// `arguments[1]` the window is first watched for 60 frames with nothing moving.
const SCROLL: &str = r#"
const done = arguments[arguments.length - 1];
const list = document.querySelector(arguments[0]);
const watchStill = arguments[1];
const perf = window.__roomdeck;
perf.frameTimes.length = 0;
let maxRows = 0, frame = 0, dir = 1, seed = 7, idle = [];
const rand = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
list.scrollTop = 0;
perf.recordFrames = true;
// The first 60 frames scroll nothing: the window's own frame rate, the floor for the rest.
const still = () => {
  if (watchStill && ++frame <= 60) { requestAnimationFrame(still); return; }
  idle = perf.frameTimes.slice();
  perf.frameTimes.length = 0;
  frame = 0;
  requestAnimationFrame(step);
};
const step = () => {
  maxRows = Math.max(maxRows, list.querySelectorAll('.room-row').length);
  if (++frame > 480) {
    perf.recordFrames = false;
    done({ frames: perf.frameTimes.slice(), idle, maxRows, end: list.scrollTop });
    return;
  }
  if (frame % 60 === 0) list.scrollTop = Math.floor(rand() * list.scrollHeight);
  else {
    if (list.scrollTop + list.clientHeight >= list.scrollHeight - 1) dir = -1;
    if (list.scrollTop <= 0) dir = 1;
    list.scrollTop += 400 * dir;
  }
  requestAnimationFrame(step);
};
requestAnimationFrame(still);
"#;

/// Scrolls the list: (frame times while scrolling, frame times of the still window before it,
/// the most row elements seen).
fn scroll(w: &Window) -> Result<(Vec<f64>, Vec<f64>, u64)> {
    let v = w.js_async(SCROLL, vec![json!("#room-list"), json!(true)])?;
    let numbers = |key: &str| -> Vec<f64> {
        v[key].as_array().map(|a| a.iter().filter_map(Value::as_f64).collect()).unwrap_or_default()
    };
    let (frames, idle) = (numbers("frames"), numbers("idle"));
    let rows = v["maxRows"].as_u64().unwrap_or(u64::MAX);
    if frames.len() < 100 || idle.len() < 30 {
        bail!("only {} frames ({} still) recorded: {v}", frames.len(), idle.len());
    }
    Ok((frames, idle, rows))
}

/// Puts a plain scroller over the room list, the same size, holding 3000 static rows of two
/// lines of text at the list's row height: no script, no virtualization, nothing fetched while
/// it scrolls.
const STATIC_SCROLLER: &str = r#"
const list = document.querySelector('#room-list');
const r = list.getBoundingClientRect();
const rowH = document.querySelector('.room-row').offsetHeight;
const s = document.createElement('div');
s.id = 'bench-static-scroller';
s.style.cssText = `position:fixed;left:${r.left}px;top:${r.top}px;width:${r.width}px;height:${r.height}px;overflow-y:auto;background:#fff;z-index:10000;contain:strict`;
const names = ['general', 'platform-review', 'finance-triage', 'support', 'qa-corner', 'mobile-hub', 'kitchen-planning'];
for (let i = 0; i < 3000; i++) {
  const row = document.createElement('div');
  row.style.cssText = `height:${rowH}px;padding:8px 16px;box-sizing:border-box;font-size:14px;overflow:hidden;white-space:nowrap`;
  row.textContent = `${names[i % names.length]}-${i}`;
  const sub = document.createElement('div');
  sub.style.cssText = 'font-size:12.5px;color:#666';
  sub.textContent = 'Alice Martin: Let us take this offline';
  row.append(sub);
  s.append(row);
}
document.body.append(s);
"#;

/// A plain text field over the window whose every keystroke asks the core the same `pick`
/// question through the same IPC and writes the answer's first ten names into ten plain rows,
/// timed the way the picker times itself (input event → the frame after the rows are written).
/// The floor for P5 in this webview: what a keystroke costs with the IPC and nothing else.
const PLAIN_PICK: &str = r#"
document.querySelector('#bench-plain-pick')?.remove();
const box = document.createElement('div');
box.id = 'bench-plain-pick';
box.style.cssText = 'position:fixed;left:200px;top:80px;width:640px;height:540px;background:#fff;z-index:10000;border:1px solid #ccc';
const input = document.createElement('input');
input.id = 'bench-plain-input';
input.style.cssText = 'width:600px;margin:8px;font-size:16px';
box.append(input);
const rows = [];
for (let i = 0; i < 10; i++) {
  const r = document.createElement('div');
  r.style.cssText = 'height:48px;padding:4px 12px;white-space:nowrap;overflow:hidden';
  box.append(r);
  rows.push(r);
}
document.body.append(box);
window.__plainPick = [];
let seq = 0;
input.addEventListener('input', (e) => {
  const t0 = e.timeStamp, mine = ++seq;
  window.__TAURI_INTERNALS__.invoke('pick', { query: input.value, limit: 50 }).then((hits) => {
    if (mine !== seq) return;
    rows.forEach((r, i) => { r.textContent = hits[i] ? hits[i].row.name : ''; });
    requestAnimationFrame(() => window.__plainPick.push(performance.now() - t0));
  });
});
input.focus();
"#;

/// Keystroke times of [`PLAIN_PICK`] for the same words at the same pace.
fn plain_pick(w: &Window, words: &[String]) -> Result<Vec<f64>> {
    w.js(PLAIN_PICK, vec![])?;
    let input = w.find("#bench-plain-input")?;
    let typed = (|| -> Result<()> {
        for word in words {
            // Emptied without an event: only typed keys are timed, as in the picker.
            w.js("document.querySelector('#bench-plain-input').value = '';", vec![])?;
            std::thread::sleep(Duration::from_millis(300));
            for c in word.chars() {
                w.type_into(&input, &c.to_string())?;
                std::thread::sleep(Duration::from_millis(150));
            }
        }
        std::thread::sleep(Duration::from_millis(300));
        Ok(())
    })();
    let v = w.js(
        "const t = window.__plainPick || []; document.querySelector('#bench-plain-pick')?.remove(); return t;",
        vec![],
    )?;
    typed?;
    let t: Vec<f64> = v.as_array().map(|a| a.iter().filter_map(Value::as_f64).collect()).unwrap_or_default();
    let keys: usize = words.iter().map(|w| w.chars().count()).sum();
    if t.len() < keys / 2 {
        bail!("only {} of {keys} plain keystrokes timed", t.len());
    }
    Ok(t)
}

/// Frame times of the static scroller (see [`STATIC_SCROLLER`]) scrolled the way the list is.
fn static_scroll(w: &Window) -> Result<Vec<f64>> {
    w.js(STATIC_SCROLLER, vec![])?;
    let frames = scroll_other(w, "#bench-static-scroller");
    w.js("document.querySelector('#bench-static-scroller')?.remove();", vec![])?;
    frames
}

/// Frame times of any element scrolled the way the list is.
fn scroll_other(w: &Window, selector: &str) -> Result<Vec<f64>> {
    let v = w.js_async(SCROLL, vec![json!(selector), json!(false)])?;
    let frames: Vec<f64> =
        v["frames"].as_array().map(|a| a.iter().filter_map(Value::as_f64).collect()).unwrap_or_default();
    if frames.len() < 100 {
        bail!("only {} frames recorded scrolling {selector}", frames.len());
    }
    Ok(frames)
}

pub fn hundred_k(cfg: &Config, rt: &tokio::runtime::Runtime) -> Result<HundredK> {
    // 100k rooms synced into a data directory (pictures left out: the server is stopped
    // afterwards, as for a user who is offline, so nothing else runs while we measure).
    let dir = tempfile::tempdir()?;
    let t = Instant::now();
    let core = Roomdeck::open(dir.path(), Arc::new(KeyringSecrets::new()))?;
    rt.block_on(async {
        let fake =
            RocketChatFake::start(RcOptions { rooms: BIG * 13 / 10, seed: 21, ..RcOptions::default() }, 0, false)
                .await?;
        let (user, password) = fake.credentials();
        let a = core
            .add_account(roomdeck_core::AddAccount {
                server_url: fake.url().into(),
                credentials: Credentials::RocketchatPassword { user, password, code: None },
                cert_pin: None,
            })
            .await?;
        let r = core.sync_account_with(&a.id, false).await;
        if let Some(e) = r.error {
            bail!("seeding 100k rooms: {}", e.message);
        }
        fake.server.stop().await;
        // The checkpoint that follows a sync runs on its own thread: the queries below are
        // measured once it is over, so nothing else runs beside them.
        core.settle().await;
        anyhow::Ok(())
    })?;
    eprintln!("   100k rooms seeded in {:.1} s", t.elapsed().as_secs_f64());
    if let Ok(keep) = std::env::var("ROOMDECK_BENCH_KEEP_100K") {
        // For profiling the queries by hand (sqlite3, perf) on the same data.
        copy_dir(dir.path(), std::path::Path::new(&keep))?;
        eprintln!("   copied to {keep}");
    }
    let db = dir.path().join("roomdeck.db");
    let (names, names_total): (Vec<String>, usize) = {
        let conn = rusqlite::Connection::open(&db)?;
        // In an order that does not depend on the seeding sync (its pages are written in the
        // order they arrive, so store keys differ between runs): the same words every run.
        let mut stmt = conn.prepare(
            "SELECT r.name FROM rooms r JOIN accounts a ON a.id = r.account_id ORDER BY a.family, r.remote_id",
        )?;
        let all: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        if all.len() < BIG {
            bail!("{} rooms cached, not {BIG}", all.len());
        }
        ((0..8).map(|i| all[(i * 12_347 + 101) % all.len()].clone()).collect(), all.len())
    };
    let words: Vec<String> = names.iter().map(|n| word(n)).filter(|w| w.chars().count() >= 3).collect();
    eprintln!("   words: {words:?}");
    let prefixes = typed_prefixes(&words);
    let bare = bare_sqlite(&db, &prefixes)?;
    let list = core_list_query(&core, &prefixes)?;
    let (pages, plain_pages, page_lists) = filtered_pages(&core, &db)?;
    eprintln!(
        "   filtered list pages ({page_lists}): median {:.2} ms p95 {:.2} max {:.1}; plain LIMIT/OFFSET median {:.1} p95 {:.1} max {:.1}",
        pages.median, pages.p95, pages.max, plain_pages.median, plain_pages.p95, plain_pages.max
    );
    // What the list shows (hidden and archived rooms are left out by default).
    let listed = core.rooms(&RoomQuery::default(), 0, 1)?.total as usize;
    if listed < BIG {
        bail!("{listed} rooms in the default list, not {BIG}: seed more");
    }
    eprintln!("   {} rooms cached, {listed} in the list", names_total);
    drop(core);

    let c1 = Row {
        id: "P5q",
        what: "room-list query with a search term, 100k rooms (core, FTS5)".into(),
        value: format!("p95 {:.2} ms (median {:.2})", list.p95, list.median),
        spread: list.spread("ms"),
        baseline: format!("p95 {:.1} ms bare LIKE scan", bare.p95),
        ratio: format!("{:.2}×", list.p95 / bare.p95),
        target: "p95 ≤ 16 ms".into(),
        pass: list.p95 <= 16.0,
        notes: vec![
            format!(
                "`Roomdeck::rooms` (first 100 rows, activity order, with the total count) for every prefix of the same words, 10 times: {} queries. Issue 4's figure.",
                list.n
            ),
            format!(
                "Pages of filtered lists, 21 places from the top to the end of each of {page_lists}: median {:.2} ms, p95 {:.2}, max {:.1} ({} pages, the first deep ones reading the list order); the same pages as one plain `LIMIT 100 OFFSET n` statement each: median {:.1} ms, p95 {:.1}, max {:.1}.",
                pages.median, pages.p95, pages.max, pages.n, plain_pages.median, plain_pages.p95, plain_pages.max
            ),
        ],
    };
    if !(cfg.wants("P5") || cfg.wants("P6")) {
        return Ok(HundredK { rows: vec![c1], notes: Vec::new() });
    }
    let (mut keys, mut frames, mut idle, mut plain, mut max_rows, mut run_p95) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), 0u64, Vec::new());
    let mut plain_keys = Vec::new();
    let launches = cfg.runs.min(3);
    for run in 0..launches {
        let mut h = Harness::new("bench-100k")?;
        copy_dir(dir.path(), h.data_dir())?;
        h.launch()?;
        let w = h.window();
        w.wait(90, "100k rooms in the list", |w| Ok((shown_count(w) >= listed).then_some(())))?;
        if let Ok(css) = std::env::var("ROOMDECK_BENCH_CSS") {
            // Experiments: try a style change on the measured window without a rebuild.
            set_bench_style(w, &css)?;
        }
        std::thread::sleep(Duration::from_secs(2));
        if let Ok(file) = std::env::var("ROOMDECK_BENCH_STYLES") {
            compare_styles(w, &words, Path::new(&file), cfg)?;
            return Ok(HundredK { rows: vec![c1], notes: Vec::new() });
        }
        let k = type_words(w, &words)?;
        if k.len() < prefixes.len() / 2 {
            bail!("{} keystroke timings for {} keystrokes", k.len(), prefixes.len());
        }
        let pk = plain_pick(w, &words)?;
        let (f, still, rows) = scroll(w)?;
        let p = static_scroll(w)?;
        let (ks, fs, is, ps) = (summary(&k), summary(&f), summary(&still), summary(&p));
        let pks = summary(&pk);
        eprintln!(
            "   run {}: keystroke median {:.1} ms p95 {:.1} ms ({}; plain field with the same IPC: median {:.1} p95 {:.1}); frame median {:.1} ms p95 {:.1} ms ({} frames; {}), {rows} rows max; still window: frame median {:.1} ms p95 {:.1} ms ({}); static scroller: frame median {:.1} ms p95 {:.1} ms ({})",
            run + 1,
            ks.median,
            ks.p95,
            ks.n,
            pks.median,
            pks.p95,
            fs.median,
            fs.p95,
            fs.n,
            histogram(&f, 4),
            is.median,
            is.p95,
            histogram(&still, 3),
            ps.median,
            ps.p95,
            histogram(&p, 4)
        );
        run_p95.push((ks.p95, fs.p95));
        keys.extend(k);
        plain_keys.extend(pk);
        frames.extend(f);
        idle.extend(still);
        plain.extend(p);
        max_rows = max_rows.max(rows);
        if run + 1 == launches {
            h.screenshot("scrolled");
        }
    }
    let (k, f, still, plain_s) = (summary(&keys), summary(&frames), summary(&idle), summary(&plain));
    let pk = summary(&plain_keys);
    let kr: Vec<f64> = run_p95.iter().map(|r| r.0).collect();
    let fr: Vec<f64> = run_p95.iter().map(|r| r.1).collect();
    let ratio = k.p95 / bare.p95;
    let p5 = Row {
        id: "P5",
        what: "picker keystroke, 100k rooms, in the window".into(),
        value: format!("p95 {:.1} ms (median {:.1})", k.p95, k.median),
        spread: format!("p95 per launch {}", summary(&kr).spread("ms")),
        baseline: format!(
            "p95 {:.1} ms bare SQLite (median {:.1}); plain field, same IPC p95 {:.1} ms",
            bare.p95, bare.median, pk.p95
        ),
        ratio: format!("{ratio:.2}×"),
        target: "p95 ≤ 16 ms and ≤ 2×".into(),
        pass: k.p95 <= 16.0 && ratio <= 2.0,
        notes: vec![
            format!("{} keystrokes over {launches} launches ({} words typed at ~7 keys/s each time): {words:?}.", k.n, words.len()),
            "Window: input event → IPC → fuzzy match over every room (nucleo) → rows rendered → next frame. A keystroke asks the core for the options the picker can show and two more, and is timed to the frame that shows them; the rest of the 50 are asked for only when scrolling or the keyboard nears the end of those. Bare: `SELECT … WHERE name_fold LIKE '%g%n%r%l%' ORDER BY last_activity_ms DESC LIMIT 50` with rusqlite on the same file, every prefix of the same words, 10 times.".into(),
            format!(
                "Plain field: in the same window, a plain text field over the page sends every keystroke the same `pick` request through the same IPC and writes the first ten names into ten plain rows, timed the same way: median {:.1} ms, p95 {:.1} ms ({} keystrokes, {:.2}× the bare query's p95). The floor for a keystroke answered by the core in this webview; the picker's frames above it are its own cost.",
                pk.median,
                pk.p95,
                pk.n,
                pk.p95 / bare.p95
            ),
        ],
    };
    // WebKit gives frame times in whole milliseconds (its timers are coarsened): a frame on time
    // at 60 Hz (16.67 ms) then reads 16 or 17 ms, and so does every frame of the still window.
    // The budget is compared at the resolution the samples have.
    let whole_ms = frames.iter().all(|f| f.fract() == 0.0);
    let budget = if whole_ms { (1000.0f64 / 60.0).ceil() } else { 1000.0 / 60.0 };
    let p6 = Row {
        id: "P6",
        what: "scrolling 100k rooms in the window".into(),
        value: format!("p95 frame {:.1} ms, {max_rows} rows max", f.p95),
        spread: format!("p95 per launch {}", summary(&fr).spread("ms")),
        baseline: format!(
            "60 Hz frame (16.7 ms); still window p95 {:.1} ms; static scroller p95 {:.1} ms",
            still.p95, plain_s.p95
        ),
        ratio: format!("{:.2}×", f.p95 / 16.7),
        target: if whole_ms {
            "p95 ≤ 16.7 ms (17 in whole ms), ≤ 100 rows"
        } else {
            "p95 ≤ 16.7 ms, ≤ 100 rows"
        }
        .into(),
        pass: f.p95 <= budget && max_rows <= 100,
        notes: vec![
            if whole_ms {
                "The page's frame times come in whole milliseconds: a 16.7 ms frame reads as 16 or 17 ms, so the 60 Hz budget is compared at that resolution (p95 ≤ 17 ms).".to_string()
            } else {
                "Frame times with sub-millisecond resolution: the budget is 16.7 ms.".to_string()
            },
            format!(
                "{} frames over {launches} launches: 400 px per frame down and up, a jump to a random place every 60th frame; median frame {:.1} ms, max {:.1} ms. Before scrolling, the same window with nothing moving: median frame {:.1} ms, p95 {:.1} ms ({} frames), what this display gives at best.",
                f.n, f.median, f.max, still.median, still.p95, still.n
            ),
            format!("Frames by whole ms, slowest first: {}.", histogram(&frames, 6)),
            format!(
                "Static scroller: after the list, in the same window, a plain element of the list's size holding 3000 rows of static text is scrolled the same way (no script, nothing fetched or rebound): median frame {:.1} ms, p95 {:.1} ms ({} frames; {}). What this webview gives for any scrolled page; the list's frames above it are Roomdeck's own cost.",
                plain_s.median,
                plain_s.p95,
                plain_s.n,
                histogram(&plain, 4)
            ),
        ],
    };
    Ok(HundredK { rows: vec![p5, p6, c1], notes: Vec::new() })
}
