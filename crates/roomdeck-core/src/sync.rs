//! The sync engine: brings one account's cache up to date, never losing what was cached.
//!
//! A sync is: resume the session from the keyring → the family's room sync, whose pages each go
//! to the store in one transaction (so a crash leaves every room old or new, and the next sync
//! simply continues) → the avatar pass (only pictures whose version key changed, fetched with
//! bounded concurrency and written in batches) → the account's status. Any failure stops the
//! sync with the cache as it was after the last committed page, and classifies the account:
//! "needs sign-in" for a refused session, "offline" when the server cannot be reached, "error"
//! otherwise. Progress goes out as [`SyncProgress`] events; a [`Cancel`] stops it between awaits.

use std::sync::Arc;

use futures_util::StreamExt;

use crate::avatar;
use crate::cancel::Cancel;
use crate::error::{ClientError, Error, Result};
use crate::family::{AvatarFetch, Batch, Capabilities, Client, RoomSink, ServerFamily, Session, Validators};
use crate::model::{Account, AccountState, ErrorInfo, SyncPhase, SyncProgress, SyncReport};
use crate::store::{AccountStatus, AvatarJob, AvatarUpdate, Store};
use crate::time::now_ms;

/// Content type of a composite picture whose `original` is the JSON list of its parts' keys.
pub const COMPOSITE: &str = "application/x-roomdeck-composite";

/// Avatars written per transaction.
const AVATAR_WRITE_BATCH: usize = 200;
/// A failed picture is retried after this long (transient errors).
const RETRY_TRANSIENT_MS: i64 = 3_600_000;
/// A picture that is not a picture is retried after this long.
const RETRY_INVALID_MS: i64 = 86_400_000;

/// Delivers progress to whoever listens.
pub type ProgressFn = Arc<dyn Fn(SyncProgress) + Send + Sync>;

/// The store adapter a family client writes through.
struct StoreSink<'a> {
    store: &'a dyn Store,
    account: &'a str,
    progress: &'a ProgressFn,
    changed: u64,
    removed: u64,
    cancel: &'a Cancel,
}

impl RoomSink for StoreSink<'_> {
    fn cached_raw(&self, remote_id: &str) -> Option<serde_json::Value> {
        self.store.cached_raw(self.account, remote_id).ok().flatten().and_then(|s| serde_json::from_str(&s).ok())
    }

    fn remote_id_for_alt(&self, alt: &str) -> Option<String> {
        self.store.remote_id_for_alt(self.account, alt).ok().flatten()
    }

    fn is_known(&self, remote_id: &str) -> bool {
        self.store.is_known(self.account, remote_id).unwrap_or(false)
    }

    fn apply(&mut self, batch: Batch) -> Result<(usize, usize)> {
        if self.cancel.is_cancelled() {
            return Err(ClientError::Cancelled.into());
        }
        let (changed, removed) = self.store.apply_batch(self.account, &batch, now_ms())?;
        self.changed += changed as u64;
        self.removed += removed as u64;
        Ok((changed, removed))
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
pub struct SyncJob<'a> {
    pub store: &'a dyn Store,
    pub account: &'a Account,
    pub client: &'a Client,
    pub session: &'a Session,
    pub progress: ProgressFn,
    pub cancel: Cancel,
    pub avatars: bool,
}

/// Runs the rooms and avatar phases. Persisting the status and a renewed secret is the caller's.
pub async fn run(job: SyncJob<'_>) -> (SyncReport, Result<()>) {
    let started = now_ms();
    let requests_before = job.client.http().requests();
    let mut report = SyncReport { account: job.account.id.clone(), ..SyncReport::default() };
    let result = run_inner(&job, &mut report).await;
    report.requests = job.client.http().requests() - requests_before;
    report.duration_ms = (now_ms() - started).max(0) as u64;
    if let Err(e) = &result {
        report.error = Some(ErrorInfo::from(e));
    }
    (job.progress)(SyncProgress { account: job.account.id.clone(), phase: SyncPhase::Done, done: 1, total: Some(1) });
    (report, result)
}

async fn run_inner(job: &SyncJob<'_>, report: &mut SyncReport) -> Result<()> {
    let id = job.account.id.as_str();
    let cursors = job.store.cursors(id)?;
    let mut caps: Capabilities = job.store.capabilities(id)?;
    let caps_before = caps.clone();
    let mut sink = StoreSink {
        store: job.store,
        account: id,
        progress: &job.progress,
        changed: 0,
        removed: 0,
        cancel: &job.cancel,
    };
    let outcome = job
        .cancel
        .run(job.client.sync_rooms(job.session, &cursors, &mut caps, &mut sink))
        .await
        .ok_or(Error::Client(ClientError::Cancelled))?;
    report.rooms_changed = sink.changed;
    report.rooms_removed = sink.removed;
    if caps != caps_before {
        job.store.set_capabilities(id, &caps)?;
    }
    let outcome = outcome?;
    report.full = outcome.full;
    if job.avatars {
        fetch_avatars(job, report).await?;
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
            let bytes = bytes.to_vec();
            // Validation reads headers only; bigger originals are thumbnailed now and dropped.
            let checked = tokio::task::spawn_blocking(move || {
                let kind = avatar::validate(&bytes)?;
                if bytes.len() > avatar::MAX_ORIGINAL_BYTES {
                    let t = avatar::thumbnails(&bytes)?;
                    Ok::<_, avatar::AvatarError>((kind, None, Some(t)))
                } else {
                    Ok((kind, Some(bytes), None))
                }
            })
            .await
            .map_err(|_| ClientError::protocol("image check panicked"))?;
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

/// Fetches every due picture of the account.
async fn fetch_avatars(job: &SyncJob<'_>, report: &mut SyncReport) -> Result<()> {
    let id = job.account.id.as_str();
    let concurrency = job.client.http().config().media_concurrency.max(1);
    let mut done = 0u64;
    // Jobs come in rounds; a round's results change their state, so the next round gets new ones.
    for _round in 0..1000 {
        let jobs = job.store.avatar_jobs(id, now_ms(), 2000)?;
        if jobs.is_empty() {
            break;
        }
        let total_hint = done + jobs.len() as u64;
        (job.progress)(SyncProgress {
            account: id.to_string(),
            phase: SyncPhase::Avatars,
            done,
            total: Some(total_hint),
        });
        let mut stream =
            futures_util::stream::iter(jobs.into_iter().map(|j| run_job(job.client, job.session, job.store, j)))
                .buffer_unordered(concurrency);
        let mut pending: Vec<(String, Option<String>, AvatarUpdate)> = Vec::with_capacity(AVATAR_WRITE_BATCH);
        let mut stop: Option<ClientError> = None;
        while let Some(r) = job.cancel.run(stream.next()).await.ok_or(Error::Client(ClientError::Cancelled))? {
            match r {
                Ok(f) => {
                    if matches!(f.update, AvatarUpdate::Image { .. }) {
                        report.avatars_fetched += 1;
                        report.avatar_bytes += f.bytes;
                    }
                    pending.push((f.key, f.version, f.update));
                    done += 1;
                    if pending.len() >= AVATAR_WRITE_BATCH {
                        job.store.store_avatars(&pending, now_ms())?;
                        pending.clear();
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
        job.store.store_avatars(&pending, now_ms())?;
        if let Some(e) = stop {
            // Network gone or rate limited: the rooms are synced; pictures wait for next time.
            return Err(e.into());
        }
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
