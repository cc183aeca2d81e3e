//! The sync engine: brings one account's cache up to date, never losing what was cached.
//!
//! A sync is: resume the session from the keyring → the family's room sync, whose pages each go
//! to the store in one transaction (so a crash leaves every room old or new, and the next sync
//! simply continues) → the account's status. The avatar pass (only pictures whose version key
//! changed, fetched with bounded concurrency) runs beside the room sync in its own task: it
//! starts on the first committed page and takes each later one as it lands, and its writes go
//! to a blocking thread while the next downloads run, so the network is never idle while SQLite
//! writes (make bench, P2). Any failure of the rooms stops the sync with the cache as it was
//! after the last committed page, and classifies the account: "needs sign-in" for a refused
//! session, "offline" when the server cannot be reached, "error" otherwise. Progress goes out as
//! [`SyncProgress`] events; a [`Cancel`] stops it between awaits.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::StreamExt;
use tokio::sync::Notify;

use crate::avatar;
use crate::cancel::Cancel;
use crate::error::{ClientError, Error, Result};
use crate::family::{AvatarFetch, Batch, Capabilities, Client, RoomSink, ServerFamily, Session, Validators};
use crate::model::{Account, AccountState, ErrorInfo, SyncPhase, SyncProgress, SyncReport};
use crate::store::{AccountStatus, AvatarJob, AvatarUpdate, Store};
use crate::time::now_ms;

/// Content type of a composite picture whose `original` is the JSON list of its parts' keys.
pub const COMPOSITE: &str = "application/x-roomdeck-composite";

/// Pictures written per transaction: at least this many, and whatever came in while the last
/// write ran (each transaction rewrites the avatar indexes' pages, so fewer is cheaper)...
const AVATAR_WRITE_BATCH: usize = 200;
/// ... up to this many, held in memory while a write runs.
const AVATAR_WRITE_MAX: usize = 2000;
/// A page bigger than `ROOM_WRITE_CHUNK_MAX` (Virola's room list is one page of every room) is
/// written in transactions of `ROOM_WRITE_CHUNK` rooms, then twice as many each time up to the
/// max: the picture pass starts after the first, each index page is rewritten a few times rather
/// than once per thousand rooms, and the pictures' own writes get the writer between chunks.
const ROOM_WRITE_CHUNK: usize = 500;
const ROOM_WRITE_CHUNK_MAX: usize = 2000;

/// The sizes of the transactions a long list of rooms is written in: 500, 1000, 2000, 2000, …
pub(crate) fn room_chunk_sizes() -> impl Iterator<Item = usize> {
    std::iter::successors(Some(ROOM_WRITE_CHUNK), |s| Some((s * 2).min(ROOM_WRITE_CHUNK_MAX)))
}
/// A failed picture is retried after this long (transient errors).
const RETRY_TRANSIENT_MS: i64 = 3_600_000;
/// A picture that is not a picture is retried after this long.
const RETRY_INVALID_MS: i64 = 86_400_000;

/// Delivers progress to whoever listens.
pub type ProgressFn = Arc<dyn Fn(SyncProgress) + Send + Sync>;

/// A signed-in account's client and session, shared by a sync's tasks.
#[derive(Debug)]
pub struct Live {
    pub client: Client,
    pub session: Session,
}

/// Runs blocking store work without stalling the other tasks of a multi-threaded runtime (the
/// HTTP connections and the picture pass keep going on other threads).
pub(crate) fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// Tells the picture pass that rooms were committed, and when the room sync is over.
#[derive(Debug, Default)]
struct RoomsLanded {
    over: AtomicBool,
    notify: Notify,
}

impl RoomsLanded {
    fn landed(&self) {
        self.notify.notify_one();
    }

    fn finish(&self) {
        self.over.store(true, Ordering::SeqCst);
        self.notify.notify_one();
    }

    fn is_over(&self) -> bool {
        self.over.load(Ordering::SeqCst)
    }

    async fn wait(&self) {
        self.notify.notified().await;
    }
}

/// The store adapter a family client writes through.
struct StoreSink<'a> {
    store: &'a dyn Store,
    account: &'a str,
    progress: &'a ProgressFn,
    changed: u64,
    removed: u64,
    cancel: &'a Cancel,
    landed: &'a RoomsLanded,
}

impl RoomSink for StoreSink<'_> {
    fn cached_raw(&self, remote_id: &str) -> Option<String> {
        self.store.cached_raw(self.account, remote_id).ok().flatten()
    }

    fn remote_id_for_alt(&self, alt: &str) -> Option<String> {
        self.store.remote_id_for_alt(self.account, alt).ok().flatten()
    }

    fn is_known(&self, remote_id: &str) -> bool {
        self.store.is_known(self.account, remote_id).unwrap_or(false)
    }

    fn apply(&mut self, mut batch: Batch) -> Result<(usize, usize)> {
        if self.cancel.is_cancelled() {
            return Err(ClientError::Cancelled.into());
        }
        // A big page goes in chunks, each its own transaction (every room is still old or new
        // after a crash); the deletions, the snapshot and the cursors go with the last one.
        let mut changed_before = 0usize;
        let mut sizes = room_chunk_sizes();
        while batch.rooms.len() > ROOM_WRITE_CHUNK_MAX {
            let rest = batch.rooms.split_off(sizes.next().unwrap_or(ROOM_WRITE_CHUNK_MAX));
            let chunk = Batch { rooms: std::mem::replace(&mut batch.rooms, rest), ..Batch::default() };
            let (changed, _) = blocking(|| self.store.apply_batch(self.account, &chunk, now_ms()))?;
            self.changed += changed as u64;
            changed_before += changed;
            self.landed.landed();
            if self.cancel.is_cancelled() {
                return Err(ClientError::Cancelled.into());
            }
        }
        let (changed, removed) = blocking(|| self.store.apply_batch(self.account, &batch, now_ms()))?;
        self.changed += changed as u64;
        self.removed += removed as u64;
        self.landed.landed();
        Ok((changed_before + changed, removed))
    }

    fn progress(&mut self, phase: SyncPhase, done: u64, total: Option<u64>) {
        (self.progress)(SyncProgress { account: self.account.to_string(), phase, done, total });
    }
}

/// Classifies a failed sync for the account's status line.
pub fn status_for(e: &Error) -> AccountState {
    match e {
        e if e.needs_sign_in() => AccountState::NeedsSignIn,
        Error::Client(c) if c.is_offline() => AccountState::Offline,
        _ => AccountState::Error,
    }
}

/// Everything one sync needs.
#[derive(Clone)]
pub struct SyncJob {
    pub store: Arc<dyn Store>,
    pub account: Account,
    pub live: Arc<Live>,
    pub progress: ProgressFn,
    pub cancel: Cancel,
    pub avatars: bool,
}

/// Runs the rooms and avatar phases. Persisting the status and a renewed secret, and ending the
/// progress stream with `Done`, are the caller's.
pub async fn run(job: SyncJob) -> (SyncReport, Result<()>) {
    let started = now_ms();
    let requests_before = job.live.client.http().requests();
    let mut report = SyncReport { account: job.account.id.clone(), ..SyncReport::default() };
    let result = run_inner(&job, &mut report).await;
    report.requests = job.live.client.http().requests() - requests_before;
    report.duration_ms = (now_ms() - started).max(0) as u64;
    if let Err(e) = &result {
        report.error = Some(ErrorInfo::from(e));
    }
    (report, result)
}

async fn run_inner(job: &SyncJob, report: &mut SyncReport) -> Result<()> {
    let id = job.account.id.as_str();
    let cursors = job.store.cursors(id)?;
    let mut caps: Capabilities = job.store.capabilities(id)?;
    let caps_before = caps.clone();
    let landed = Arc::new(RoomsLanded::default());
    let pictures = job.avatars.then(|| tokio::spawn(fetch_avatars(job.clone(), landed.clone())));
    let mut sink = StoreSink {
        store: job.store.as_ref(),
        account: id,
        progress: &job.progress,
        changed: 0,
        removed: 0,
        cancel: &job.cancel,
        landed: &landed,
    };
    let outcome = job
        .cancel
        .run(job.live.client.sync_rooms(&job.live.session, &cursors, &mut caps, &mut sink))
        .await
        .ok_or(Error::Client(ClientError::Cancelled));
    landed.finish();
    report.rooms_changed = sink.changed;
    report.rooms_removed = sink.removed;
    let rooms = outcome.and_then(|o| o).and_then(|outcome| {
        if caps != caps_before {
            job.store.set_capabilities(id, &caps)?;
        }
        Ok(outcome)
    });
    let outcome = match rooms {
        Ok(o) => o,
        Err(e) => {
            // The rooms failed: the pictures in flight are dropped (what was written stays).
            if let Some(p) = pictures {
                p.abort();
                let _ = p.await;
            }
            return Err(e);
        }
    };
    report.full = outcome.full;
    if let Some(p) = pictures {
        let (fetched, bytes, result) =
            p.await.map_err(|e| Error::Client(ClientError::protocol(format!("picture pass stopped: {e}"))))?;
        report.avatars_fetched = fetched;
        report.avatar_bytes = bytes;
        result?;
    }
    Ok(())
}

/// What happened to one avatar job.
struct Fetched {
    key: String,
    version: Option<String>,
    update: AvatarUpdate,
    bytes: u64,
}

fn failed(e: &impl std::fmt::Display, retry_ms: i64) -> AvatarUpdate {
    AvatarUpdate::Failed { message: crate::error::clip(&e.to_string(), 200), retry_after_ms: now_ms() + retry_ms }
}

/// Fetches one picture and checks it is a usable image; big originals become thumbnails at once.
pub async fn fetch_one(
    client: &Client,
    session: &Session,
    path: &str,
    has_version: bool,
    last_modified: Option<String>,
) -> std::result::Result<AvatarUpdate, ClientError> {
    let fetched = client.fetch_avatar(session, path, has_version, &Validators { last_modified }).await?;
    Ok(match fetched {
        AvatarFetch::NotModified => AvatarUpdate::NotModified,
        AvatarFetch::NoAvatar => AvatarUpdate::NoAvatar,
        AvatarFetch::Image { bytes, content_type: _, last_modified } => {
            // Validation reads headers only (microseconds): done here. Bigger originals are
            // thumbnailed now, on a blocking thread, and dropped.
            let checked = if bytes.len() > avatar::MAX_ORIGINAL_BYTES {
                let bytes = bytes.to_vec();
                tokio::task::spawn_blocking(move || {
                    let kind = avatar::validate(&bytes)?;
                    let t = avatar::thumbnails(&bytes)?;
                    Ok::<_, avatar::AvatarError>((kind, None, Some(t)))
                })
                .await
                .map_err(|_| ClientError::protocol("image check panicked"))?
            } else {
                avatar::validate(&bytes).map(|kind| (kind, Some(bytes.to_vec()), None))
            };
            match checked {
                Ok((kind, original, thumbs)) => AvatarUpdate::Image {
                    content_type: kind.mime().to_string(),
                    original,
                    small: thumbs.as_ref().map(|t| t.small.clone()),
                    large: thumbs.map(|t| t.large),
                    last_modified,
                },
                Err(e) => failed(&e, RETRY_INVALID_MS),
            }
        }
    })
}

async fn run_job(
    client: &Client,
    session: &Session,
    store: &dyn Store,
    job: AvatarJob,
) -> std::result::Result<Fetched, ClientError> {
    let version = job.wanted_version.clone();
    if let Some(parts) = &job.parts {
        // A composite: make sure each member's picture is cached; the picture itself is assembled
        // on first display (like every thumbnail), so the sync only downloads.
        let mut keys = Vec::new();
        for (key, path) in parts {
            let cached =
                store.avatar_blob(key).ok().flatten().is_some_and(|b| b.original.is_some() || b.large.is_some());
            if !cached {
                match fetch_one(client, session, path, false, None).await {
                    Ok(update) => {
                        let _ = store.store_avatar(key, None, &update, now_ms());
                        if !matches!(update, AvatarUpdate::Image { .. }) {
                            continue;
                        }
                    }
                    Err(e @ (ClientError::Transport(_) | ClientError::Cancelled | ClientError::RateLimited { .. })) => {
                        return Err(e);
                    }
                    Err(_) => continue,
                }
            }
            keys.push(key.clone());
        }
        let update = if keys.is_empty() {
            AvatarUpdate::NoAvatar
        } else {
            AvatarUpdate::Image {
                content_type: COMPOSITE.into(),
                original: Some(serde_json::to_vec(&keys).unwrap_or_default()),
                small: None,
                large: None,
                last_modified: None,
            }
        };
        return Ok(Fetched { key: job.key, version, update, bytes: 0 });
    }
    let validators = if job.has_bytes { job.last_modified.clone() } else { None };
    let update = match fetch_one(client, session, &job.path, job.wanted_version.is_some(), validators).await {
        Ok(u) => u,
        // The network or the server's patience is gone: stop the pass, keep the rest pending.
        Err(e @ (ClientError::Transport(_) | ClientError::Cancelled | ClientError::RateLimited { .. })) => {
            return Err(e);
        }
        // Anything else concerns this one picture: remember the failure, retry later.
        Err(e) => failed(&e, RETRY_TRANSIENT_MS),
    };
    let bytes = match &update {
        AvatarUpdate::Image { original, small, large, .. } => {
            [original, small, large].iter().map(|b| b.as_ref().map_or(0, Vec::len) as u64).sum()
        }
        _ => 0,
    };
    Ok(Fetched { key: job.key, version, update, bytes })
}

/// Fetches every due picture of the account, from the first committed page of rooms until the
/// room sync is over and nothing is due: (pictures fetched, their bytes, how it ended).
async fn fetch_avatars(job: SyncJob, landed: Arc<RoomsLanded>) -> (u64, u64, Result<()>) {
    let (mut fetched, mut bytes) = (0u64, 0u64);
    let result = fetch_avatars_inner(&job, &landed, &mut fetched, &mut bytes).await;
    (fetched, bytes, result)
}

/// One transaction of picture results, on a blocking thread while the downloads go on.
type Write = tokio::task::JoinHandle<Result<()>>;

/// A picture result waiting for its transaction: (key, version, update).
type Stored = (String, Option<String>, AvatarUpdate);

/// The picture results not yet committed: the batch being written and the ones waiting for it.
///
/// A round of jobs does not wait for them at its end: the writer may be busy with a page of
/// rooms for 50-100 ms, and a round that waited for it left the network idle (~0.2 s of a 14k-room
/// first sync, make bench P2). Their pictures are still due in the store until committed, so
/// the next round leaves their keys out.
struct Results {
    store: Arc<dyn Store>,
    pending: Vec<Stored>,
    writing: Option<(Write, Vec<String>)>,
}

impl Results {
    fn new(store: Arc<dyn Store>) -> Results {
        Results { store, pending: Vec::with_capacity(AVATAR_WRITE_BATCH), writing: None }
    }

    fn is_empty(&self) -> bool {
        self.pending.is_empty() && self.writing.is_none()
    }

    /// Keys fetched but not committed yet.
    fn keys(&self) -> std::collections::HashSet<String> {
        let writing = self.writing.iter().flat_map(|(_, keys)| keys.iter().cloned());
        self.pending.iter().map(|p| p.0.clone()).chain(writing).collect()
    }

    fn write_idle(&self) -> bool {
        self.writing.as_ref().is_none_or(|(w, _)| w.is_finished())
    }

    /// Adds a result; true when it started a transaction (enough results and the writer idle, or
    /// too many held in memory: then it waits for the running one).
    async fn push(&mut self, item: Stored) -> Result<bool> {
        self.pending.push(item);
        let idle = self.write_idle();
        if (self.pending.len() >= AVATAR_WRITE_BATCH && idle) || self.pending.len() >= AVATAR_WRITE_MAX {
            self.start().await?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Waits for the running transaction (if any), then starts one with what is pending.
    async fn start(&mut self) -> Result<()> {
        self.finish().await?;
        if self.pending.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.pending, Vec::with_capacity(AVATAR_WRITE_BATCH));
        let keys = batch.iter().map(|b| b.0.clone()).collect();
        let store = self.store.clone();
        let write = tokio::task::spawn_blocking(move || store.store_avatars(&batch, now_ms()));
        self.writing = Some((write, keys));
        Ok(())
    }

    /// At a round's end: starts a transaction with what is pending if the writer is idle;
    /// otherwise the results wait for the next one.
    async fn hand_over(&mut self) -> Result<()> {
        if self.write_idle() { self.start().await } else { Ok(()) }
    }

    async fn finish(&mut self) -> Result<()> {
        match self.writing.take() {
            Some((w, _)) => {
                w.await.map_err(|e| Error::Client(ClientError::protocol(format!("avatar write stopped: {e}"))))?
            }
            None => Ok(()),
        }
    }

    /// Commits everything.
    async fn flush(&mut self) -> Result<()> {
        self.start().await?;
        self.finish().await
    }
}

/// Jobs per round of the picture pass.
const AVATAR_ROUND: usize = 2000;

async fn fetch_avatars_inner(job: &SyncJob, landed: &RoomsLanded, fetched: &mut u64, bytes: &mut u64) -> Result<()> {
    let mut results = Results::new(job.store.clone());
    let r = fetch_rounds(job, landed, &mut results, fetched, bytes).await;
    // Whatever was fetched is kept, also when the pass stopped early (but not when cancelled).
    let flushed = if matches!(r, Err(Error::Client(ClientError::Cancelled))) { Ok(()) } else { results.flush().await };
    r.and(flushed)
}

async fn fetch_rounds(
    job: &SyncJob,
    landed: &RoomsLanded,
    results: &mut Results,
    fetched: &mut u64,
    bytes: &mut u64,
) -> Result<()> {
    let id = job.account.id.as_str();
    let (client, session) = (&job.live.client, &job.live.session);
    let concurrency = client.http().config().media_concurrency.max(1);
    let mut done = 0u64;
    let mut rounds = 0;
    // Jobs come in rounds; a round's results change their state, so the next round gets new ones.
    while rounds < 1000 {
        let over = landed.is_over();
        let unstored = results.keys();
        let jobs: Vec<AvatarJob> = blocking(|| job.store.avatar_jobs(id, now_ms(), AVATAR_ROUND + unstored.len()))?
            .into_iter()
            .filter(|j| !unstored.contains(&j.key))
            .take(AVATAR_ROUND)
            .collect();
        if jobs.is_empty() {
            if !results.is_empty() {
                // Nothing else due yet: commit what was fetched, then look again.
                results.flush().await?;
                continue;
            }
            if over {
                break;
            }
            // Wait for the next committed page of rooms (or the end of the room sync).
            job.cancel.run(landed.wait()).await.ok_or(Error::Client(ClientError::Cancelled))?;
            continue;
        }
        rounds += 1;
        let total_hint = done + jobs.len() as u64;
        (job.progress)(SyncProgress {
            account: id.to_string(),
            phase: SyncPhase::Avatars,
            done,
            total: Some(total_hint),
        });
        let mut stream =
            futures_util::stream::iter(jobs.into_iter().map(|j| run_job(client, session, job.store.as_ref(), j)))
                .buffer_unordered(concurrency);
        let mut stop: Option<ClientError> = None;
        while let Some(r) = job.cancel.run(stream.next()).await.ok_or(Error::Client(ClientError::Cancelled))? {
            match r {
                Ok(f) => {
                    if matches!(f.update, AvatarUpdate::Image { .. }) {
                        *fetched += 1;
                        *bytes += f.bytes;
                    }
                    done += 1;
                    if results.push((f.key, f.version, f.update)).await? {
                        (job.progress)(SyncProgress {
                            account: id.to_string(),
                            phase: SyncPhase::Avatars,
                            done,
                            total: Some(total_hint),
                        });
                    }
                }
                Err(e) => {
                    stop.get_or_insert(e);
                }
            }
        }
        if let Some(e) = stop {
            // Network gone or rate limited: the rooms are synced; pictures wait for next time.
            return Err(e.into());
        }
        results.hand_over().await?;
    }
    Ok(())
}

/// The account status after a sync attempt.
pub fn status_after(result: &Result<()>) -> AccountStatus {
    match result {
        Ok(()) => AccountStatus { state: AccountState::Ok, error: None, synced_ms: Some(now_ms()) },
        Err(e) => AccountStatus { state: status_for(e), error: Some(ErrorInfo::from(e)), synced_ms: None },
    }
}
