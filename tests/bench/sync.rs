//! P2 (first sync) and P3 (re-sync with nothing changed).
//!
//! P2: a Rocket.Chat fake on loopback with 10,000 rooms, each with an uploaded avatar. Roomdeck's
//! side is the real core (keyring, SQLite, thumbnails) syncing a new account in a fresh data
//! directory. The baseline is a bare HTTP client (reqwest, nothing else) sending the very
//! requests Roomdeck sent (recorded by the fake in a warm-up run: same URLs, same headers), the
//! API calls one after another and the pictures at Roomdeck's media concurrency, reading every
//! body and keeping none. The runs alternate, Roomdeck then bare, so both see the same machine.
//!
//! P3: right after each first sync, the same account syncs again with nothing changed on the
//! server; the fake counts what it was asked. The two other families (10,000 rooms each) are
//! synced once and re-synced too, to hold every family to "≤ 3 requests per account".

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use futures_util::StreamExt;
use roomdeck_core::http::HttpConfig;
use roomdeck_core::secrets::KeyringSecrets;
use roomdeck_core::{AddAccount, Credentials, Roomdeck, SyncReport};
use roomdeck_fakes::rocketchat::{RcOptions, RocketChatFake};
use roomdeck_fakes::server::{FakeServer, Recorded};
use roomdeck_fakes::swapchat::{ScOptions, SwapChatFake};
use roomdeck_fakes::virola::{ViOptions, VirolaFake};

use crate::Config;
use crate::report::Row;
use crate::stats::summary;

pub const ROOMS: usize = 10_000;
/// Rooms on the Rocket.Chat fake for P2: direct messages share their users' pictures, so this
/// many rooms make at least 10k distinct avatars.
const RC_ROOMS: usize = 13_200;

/// A data directory with 10k synced rooms and their pictures, and the fake it came from (still
/// serving, as a user's server would be when the app starts).
pub struct Cached {
    pub dir: tempfile::TempDir,
    pub _fake: RocketChatFake,
}

pub struct Out {
    pub p2: Row,
    pub p3: Row,
    pub notes: Vec<String>,
    pub cached: Cached,
}

fn open(dir: &Path) -> Result<Roomdeck> {
    Ok(Roomdeck::open(dir, Arc::new(KeyringSecrets::new()))?)
}

async fn add(core: &Roomdeck, url: &str, credentials: Credentials, cert_pin: Option<String>) -> Result<String> {
    let a = core.add_account(AddAccount { server_url: url.into(), credentials, cert_pin }).await?;
    Ok(a.id)
}

fn check(report: &SyncReport, what: &str) -> Result<()> {
    if let Some(e) = &report.error {
        bail!("{what} failed: {} ({})", e.message, e.code);
    }
    Ok(())
}

/// One first sync in a new data directory, timed.
struct FirstSync {
    dir: tempfile::TempDir,
    core: Roomdeck,
    id: String,
    report: SyncReport,
    took: Duration,
    /// When the picture pass started (the first page of rooms committed).
    pictures_from: Option<Duration>,
}

async fn first_sync(fake: &RocketChatFake, record: bool) -> Result<FirstSync> {
    let dir = tempfile::tempdir()?;
    let core = open(dir.path())?;
    let (user, password) = fake.credentials();
    let id = add(&core, fake.url(), Credentials::RocketchatPassword { user, password, code: None }, None).await?;
    fake.server.set_recording(record);
    // When the picture phase starts: the split between rooms and pictures, for the notes.
    let mut events = core.subscribe();
    let t = Instant::now();
    let watch = tokio::spawn(async move {
        while let Ok(e) = events.recv().await {
            if let roomdeck_core::Event::Progress { progress } = e
                && progress.phase == roomdeck_core::SyncPhase::Avatars
            {
                return Some(t.elapsed());
            }
        }
        None
    });
    let report = core.sync_account(&id).await;
    let took = t.elapsed();
    // The WAL checkpoint that follows the sync (on its own thread) ends before the next run.
    core.settle().await;
    watch.abort();
    let pictures_from = watch.await.ok().flatten();
    if let Some(rooms) = pictures_from {
        eprintln!("   rooms phase {:.2} s, pictures {:.2} s", rooms.as_secs_f64(), (took - rooms).as_secs_f64());
    }
    fake.server.set_recording(false);
    check(&report, "first sync")?;
    if report.rooms_changed < ROOMS as u64 || report.avatars_fetched < ROOMS as u64 {
        bail!("the first sync did not do the whole job: {report:?}");
    }
    Ok(FirstSync { dir, core, id, report, took, pictures_from })
}

fn is_media(r: &Recorded) -> bool {
    r.uri.contains("/avatar")
}

async fn send(client: &reqwest::Client, base: &str, r: &Recorded) -> Result<u64> {
    let method = reqwest::Method::from_bytes(r.method.as_bytes())?;
    let mut rb = client.request(method, format!("{base}{}", r.uri));
    for (k, v) in &r.headers {
        // reqwest sets these itself (and asks for compression exactly as Roomdeck's client does).
        if matches!(k.as_str(), "host" | "content-length" | "accept-encoding" | "connection") {
            continue;
        }
        rb = rb.header(k.as_str(), v.as_slice());
    }
    if !r.body.is_empty() {
        rb = rb.body(r.body.clone());
    }
    let resp = rb.send().await?;
    let status = resp.status();
    let body = resp.bytes().await?;
    if !status.is_success() {
        bail!("bare client: {} {} → {status}", r.method, r.uri);
    }
    Ok(body.len() as u64)
}

/// The bare client: the API calls in order, then the pictures at `concurrency`: (time, of which
/// the API calls, bytes).
async fn replay(base: &str, reqs: &[Recorded], concurrency: usize) -> Result<(Duration, Duration, u64)> {
    let client = reqwest::Client::builder().build()?;
    let t = Instant::now();
    let mut bytes = 0;
    for r in reqs.iter().filter(|r| !is_media(r)) {
        bytes += send(&client, base, r).await?;
    }
    let api = t.elapsed();
    let mut media = futures_util::stream::iter(reqs.iter().filter(|r| is_media(r)).map(|r| send(&client, base, r)))
        .buffer_unordered(concurrency);
    while let Some(b) = media.next().await {
        bytes += b?;
    }
    Ok((t.elapsed(), api, bytes))
}

/// Re-sync with nothing changed: (report, requests the server saw, of which pictures, time).
async fn re_sync(core: &Roomdeck, id: &str, server: &FakeServer) -> Result<(SyncReport, usize, usize, Duration)> {
    server.reset_stats();
    let t = Instant::now();
    let report = core.sync_account(id).await;
    let took = t.elapsed();
    check(&report, "re-sync")?;
    let seen = server.requests();
    let media = seen.iter().filter(|r| r.contains("/avatar")).count();
    Ok((report, seen.len(), media, took))
}

/// The other two families: one first sync, one re-sync each; (family, requests, pictures, ms).
async fn other_families() -> Result<Vec<(&'static str, usize, usize, f64)>> {
    let mut out = Vec::new();
    let sc = SwapChatFake::start(ScOptions { rooms: ROOMS, seed: 12, ..ScOptions::default() }, 0, false).await?;
    let dir = tempfile::tempdir()?;
    let core = open(dir.path())?;
    let id = add(&core, sc.url(), Credentials::SwapchatWalletKey { key_hex: sc.viewer_wallet().0 }, None).await?;
    check(&core.sync_account(&id).await, "SwapChat first sync")?;
    let (_, n, media, t) = re_sync(&core, &id, &sc.server).await?;
    out.push(("SwapChat", n, media, t.as_secs_f64() * 1e3));
    sc.server.stop().await;

    let vi = VirolaFake::start(ViOptions { rooms: ROOMS, seed: 13, ..ViOptions::default() }, 0, true).await?;
    let (user, password) = vi.credentials();
    let id = add(&core, vi.url(), Credentials::VirolaPassword { user, password }, vi.server.fingerprint()).await?;
    check(&core.sync_account(&id).await, "Virola first sync")?;
    let (_, n, media, t) = re_sync(&core, &id, &vi.server).await?;
    out.push(("Virola", n, media, t.as_secs_f64() * 1e3));
    vi.server.stop().await;
    Ok(out)
}

pub async fn first_and_re_sync(cfg: &Config) -> Result<Out> {
    let opts = RcOptions { rooms: RC_ROOMS, seed: 11, all_avatars: true, ..RcOptions::default() };
    let fake = RocketChatFake::start(opts, 0, false).await?;
    let base = fake.url().trim_end_matches('/').to_string();
    let concurrency = HttpConfig::default().media_concurrency;

    // Warm-up: fills the fake's caches and records what Roomdeck asks for.
    let FirstSync { report: warm_report, took: warm, .. } = first_sync(&fake, true).await.context("warm-up sync")?;
    let recorded = fake.server.take_recorded();
    let media = recorded.iter().filter(|r| is_media(r)).count();
    eprintln!("   warm-up: {:.2} s, {} requests ({media} pictures)", warm.as_secs_f64(), recorded.len());
    let (_, _, bytes) = replay(&base, &recorded, concurrency).await.context("bare client warm-up")?;

    let (mut ours, mut bare, mut re_ms) = (Vec::new(), Vec::new(), Vec::new());
    let (mut ours_rooms, mut bare_api) = (Vec::new(), Vec::new());
    let (mut re_requests, mut re_media, mut re_bytes) = (0usize, 0usize, 0u64);
    let mut keep: Option<tempfile::TempDir> = None;
    for run in 0..cfg.runs {
        let FirstSync { dir, core, id, took, pictures_from, .. } = first_sync(&fake, false).await?;
        ours.push(took.as_secs_f64());
        ours_rooms.extend(pictures_from.map(|d| d.as_secs_f64()));
        let (report, n, m, t) = re_sync(&core, &id, &fake.server).await?;
        re_requests = re_requests.max(n);
        re_media = re_media.max(m);
        re_bytes = re_bytes.max(report.avatar_bytes);
        re_ms.push(t.as_secs_f64() * 1e3);
        drop(core);
        keep = Some(dir);
        let (b, api, _) = replay(&base, &recorded, concurrency).await?;
        bare.push(b.as_secs_f64());
        bare_api.push(api.as_secs_f64());
        eprintln!(
            "   run {}: Roomdeck {:.2} s, bare {:.2} s, re-sync {:.0} ms ({n} requests)",
            run + 1,
            took.as_secs_f64(),
            b.as_secs_f64(),
            t.as_secs_f64() * 1e3
        );
    }
    let (o, b, r) = (summary(&ours), summary(&bare), summary(&re_ms));
    let ratio = o.median / b.median;
    let p2 = Row {
        id: "P2",
        what: format!(
            "first sync, {:.1}k rooms + {:.1}k avatars (Rocket.Chat fake)",
            warm_report.rooms_changed as f64 / 1e3,
            warm_report.avatars_fetched as f64 / 1e3
        ),
        value: format!("{:.2} s", o.median),
        spread: o.spread("s"),
        baseline: format!("{:.2} s bare HTTP", b.median),
        ratio: format!("{ratio:.2}×"),
        target: "≤ 1.5×".into(),
        pass: ratio <= 1.5,
        notes: vec![
            format!(
                "Same {} requests ({media} pictures, {:.1} MB of bodies) replayed by a bare reqwest client; API calls in order, pictures {concurrency} at a time (Roomdeck's media concurrency).",
                recorded.len(),
                bytes as f64 / 1e6
            ),
            format!(
                "Roomdeck's time includes the keyring read, parsing, {} rooms written to SQLite page by page, and every picture sniffed, size-checked and stored (pictures are fetched beside the room writes from the first committed page; thumbnails are made later, on display or by the background pass). The WAL checkpoint that follows the sync runs on its own thread and is awaited before the next run, outside the time.",
                warm_report.rooms_changed
            ),
            format!("Bare client spread: {}.", b.spread("s")),
            format!(
                "Where the time goes: the bare client's API calls (the fake building and sending the room lists, one core busy) took median {:.2} s of its time, its pictures the rest; Roomdeck asked for its first picture after median {:.2} s (lists in, parsed, and the first page of rooms committed) and wrote the other rooms while the pictures came.",
                summary(&bare_api).median,
                summary(&ours_rooms).median
            ),
        ],
    };
    let others = other_families().await?;
    let worst = others.iter().map(|o| o.1).chain([re_requests]).max().unwrap_or(0);
    let any_media = others.iter().map(|o| o.2).chain([re_media]).max().unwrap_or(0);
    let share = r.median / (o.median * 1e3);
    let p3 = Row {
        id: "P3",
        what: "re-sync with nothing changed".into(),
        value: format!("{:.0} ms, {re_requests} requests, {re_media} picture requests", r.median),
        spread: r.spread("ms"),
        baseline: format!("P2 {:.2} s", o.median),
        ratio: format!("{:.1}%", share * 100.0),
        target: "≤ 3 requests/account, 0 avatar bodies, ≤ 5% of P2".into(),
        pass: worst <= 3 && any_media == 0 && re_bytes == 0 && share <= 0.05,
        notes: std::iter::once(format!(
            "Rocket.Chat ({:.1}k rooms): {re_requests} requests, {re_media} to avatars, {re_bytes} picture bytes stored.",
            warm_report.rooms_changed as f64 / 1e3
        ))
        .chain(
            others.iter().map(|(f, n, m, ms)| {
                format!("{f} ({}k rooms): {n} requests, {m} to avatars, {ms:.0} ms.", ROOMS / 1000)
            }),
        )
        .collect(),
    };
    let dir = keep.ok_or_else(|| anyhow::anyhow!("no run"))?;
    // The directory as the app leaves it after a sync: its background pass makes up to 5000
    // thumbnails (src-tauri `background`), so a later start finds them.
    open(dir.path())?.warm_thumbnails(5000).await?;
    Ok(Out { p2, p3, notes: Vec::new(), cached: Cached { dir, _fake: fake } })
}
