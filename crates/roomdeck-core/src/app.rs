//! [`Roomdeck`]: the one API the desktop shell and the CLI both use.
//!
//! It owns the store, the keyring access, one HTTP client and live session per account, the sync
//! runs and the picker index, and broadcasts [`Event`]s. The shell's commands and the CLI's
//! subcommands are thin translations of these methods, so both faces behave the same.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::sync::broadcast;

use crate::avatar;
use crate::cancel::Cancel;
use crate::error::{ClientError, Error, Result, SecretError};
use crate::family::{Client, Credentials, RoomRef, ServerFamily, Session};
use crate::http::HttpConfig;
use crate::lock;
use crate::model::{
    Account, AccountState, ErrorInfo, Event, Family, PickerHit, RoomInfo, RoomPage, RoomQuery, SyncPhase, SyncProgress,
    SyncReport, split_room_id,
};
use crate::picker::PickerIndex;
use crate::secrets::SecretStore;
use crate::store::{AccountStatus, AvatarUpdate, NewAccount, SqliteStore, Store, ThumbSize};
use crate::sync::{self, Live, ProgressFn, SyncJob};
use crate::time::now_ms;

/// Default cap of the avatar cache.
pub const AVATAR_CACHE_BYTES: i64 = 512 << 20;
/// Members read per room.
pub const MEMBER_LIMIT: usize = 20_000;

/// A thumbnail ready to serve.
#[derive(Debug, Clone)]
pub struct Thumbnail {
    pub bytes: Vec<u8>,
    pub mime: &'static str,
}

/// Whose picture.
#[derive(Debug, Clone)]
pub enum AvatarTarget {
    Room { account: String, room: String },
    User { account: String, user: String },
}

/// How to sign in to a new account.
#[derive(Debug, Clone)]
pub struct AddAccount {
    pub server_url: String,
    pub credentials: Credentials,
    /// SHA-256 of a self-signed certificate the user chose to trust.
    pub cert_pin: Option<String>,
}

/// The Roomdeck core, opened on one data directory.
pub struct Roomdeck {
    data_dir: PathBuf,
    store: Arc<SqliteStore>,
    secrets: Arc<dyn SecretStore>,
    install_id: String,
    http: HttpConfig,
    events: broadcast::Sender<Event>,
    live: Mutex<HashMap<String, Arc<Live>>>,
    sync_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    cancels: Mutex<HashMap<String, Cancel>>,
    picker: RwLock<Option<Arc<PickerIndex>>>,
    /// Held while the picker's index is built: the window's first pick and the background's
    /// `warm_picker` then read every name once between them, not once each.
    picker_build: Mutex<()>,
    /// Bumped by every change to the rooms: an index built from names read before a change is
    /// used for the call that built it but not kept.
    picker_gen: std::sync::atomic::AtomicU64,
    touched: Mutex<HashSet<String>>,
    offline: std::sync::atomic::AtomicBool,
    /// The WAL checkpoint that follows a sync, on a blocking thread.
    housekeeping: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl std::fmt::Debug for Roomdeck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Roomdeck").field("data_dir", &self.data_dir).finish()
    }
}

impl Roomdeck {
    /// Opens the data directory (creating it), with `secrets` as the credential store.
    pub fn open(data_dir: &Path, secrets: Arc<dyn SecretStore>) -> Result<Roomdeck> {
        crate::http::install_crypto_provider();
        let store = Arc::new(SqliteStore::open(&data_dir.join(crate::paths::DATABASE_FILE))?);
        let install_id = match store.setting("install_id")? {
            Some(id) => id,
            None => {
                let mut bytes = [0u8; 8];
                rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
                let id = hex::encode(bytes);
                store.set_setting("install_id", &id)?;
                id
            }
        };
        let (events, _) = broadcast::channel(1024);
        Ok(Roomdeck {
            data_dir: data_dir.to_path_buf(),
            store,
            secrets,
            install_id,
            http: HttpConfig::default(),
            events,
            live: Mutex::new(HashMap::new()),
            sync_locks: Mutex::new(HashMap::new()),
            cancels: Mutex::new(HashMap::new()),
            picker: RwLock::new(None),
            picker_build: Mutex::new(()),
            picker_gen: std::sync::atomic::AtomicU64::new(0),
            touched: Mutex::new(HashSet::new()),
            offline: std::sync::atomic::AtomicBool::new(false),
            housekeeping: Mutex::new(None),
        })
    }

    /// Replaces the HTTP settings used for clients created from now on (tests, benchmarks).
    pub fn with_http_config(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }

    /// Never touch the network (reads and on-demand avatar fetches stay local).
    pub fn set_offline(&self, offline: bool) {
        self.offline.store(offline, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn store(&self) -> &SqliteStore {
        &self.store
    }

    pub fn secrets(&self) -> &dyn SecretStore {
        self.secrets.as_ref()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    fn emit(&self, e: Event) {
        let _ = self.events.send(e);
    }

    fn emit_account(&self, id: &str) {
        if let Ok(Some(account)) = self.store.account(id) {
            self.emit(Event::AccountUpdated { account: Box::new(account) });
        }
    }

    /// The keyring entry name of an account.
    pub fn secret_entry(&self, account: &str) -> String {
        format!("{}:{account}", self.install_id)
    }

    async fn secret_op<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn SecretStore) -> std::result::Result<T, SecretError> + Send + 'static,
    ) -> Result<T> {
        let secrets = self.secrets.clone();
        tokio::task::spawn_blocking(move || f(secrets.as_ref()))
            .await
            .map_err(|_| Error::Secrets(SecretError::Other("the keyring call panicked".into())))?
            .map_err(Error::Secrets)
    }

    // --- settings ---------------------------------------------------------------------------

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        self.store.setting(&format!("ui.{key}"))
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        if key.len() > 64 || value.len() > 4096 {
            return Err(Error::InvalidInput("setting too long".into()));
        }
        self.store.set_setting(&format!("ui.{key}"), value)
    }

    /// App-level settings outside the UI's namespace (the demo setup).
    pub fn stored_setting(&self, key: &str) -> Result<Option<String>> {
        self.store.setting(&format!("app.{key}"))
    }

    pub fn store_setting(&self, key: &str, value: &str) -> Result<()> {
        self.store.set_setting(&format!("app.{key}"), value)
    }

    // --- accounts ---------------------------------------------------------------------------

    pub fn accounts(&self) -> Result<Vec<Account>> {
        self.store.accounts()
    }

    pub fn account(&self, id: &str) -> Result<Account> {
        self.store.account(id)?.ok_or_else(|| Error::NotFound(format!("no account {id:?}")))
    }

    /// Signs in and adds the account (or, for an account already present with the same server
    /// and user, stores the fresh credentials and returns it).
    pub async fn add_account(&self, req: AddAccount) -> Result<Account> {
        let family = req.credentials.family();
        let url = crate::family::parse_server_url(&req.server_url)?;
        let pin = req.cert_pin.as_deref().map(|p| {
            crate::http::parse_fingerprint(p).map(|d| crate::http::fingerprint_hex(&d)).unwrap_or_else(|| p.to_string())
        });
        let client = Client::new(family, url.as_str(), pin.as_deref(), self.http.clone())?;
        let signed = client.sign_in(req.credentials).await?;
        let server = url.to_string();
        let existing = self.store.accounts()?.into_iter().find(|a| {
            a.family == family
                && a.server_url == server
                && a.user_id.as_deref() == Some(signed.user_id.as_str())
                && !signed.user_id.is_empty()
        });
        let account = match existing {
            Some(a) => {
                self.store.set_cert_pin(&a.id, pin.as_deref())?;
                a
            }
            None => self.store.insert_account(
                &NewAccount {
                    family,
                    server_url: server,
                    user_id: Some(signed.user_id.clone()).filter(|s| !s.is_empty()),
                    username: signed.username.clone(),
                    display_name: signed.display_name.clone(),
                    auth: match family {
                        Family::Swapchat
                            if matches!(signed.secret, crate::family::Secret::Swapchat { wallet_key: Some(_), .. }) =>
                        {
                            "wallet".into()
                        }
                        _ if matches!(
                            signed.secret,
                            crate::family::Secret::Rocketchat { personal: true, .. }
                                | crate::family::Secret::Virola { bearer: Some(_), .. }
                                | crate::family::Secret::Swapchat { .. }
                        ) =>
                        {
                            "token".into()
                        }
                        _ => "password".into(),
                    },
                    cert_pin: pin.clone(),
                },
                now_ms(),
            )?,
        };
        let entry = self.secret_entry(&account.id);
        let secret = signed.secret.clone();
        if let Err(e) = self.secret_op(move |s| s.set(&entry, &secret)).await {
            if account.room_count == 0 && account.last_sync_ms.is_none() {
                let _ = self.store.remove_account(&account.id);
            }
            return Err(e);
        }
        self.store.update_identity(
            &account.id,
            Some(&signed.user_id).filter(|s| !s.is_empty()).map(|s| s.as_str()),
            signed.username.as_deref(),
            signed.display_name.as_deref(),
        )?;
        self.store.set_status(
            &account.id,
            &AccountStatus { state: AccountState::Ok, error: None, synced_ms: None },
            now_ms(),
        )?;
        let session = Session::new(signed.user_id, signed.username, signed.secret);
        lock(&self.live).insert(account.id.clone(), Arc::new(Live { client, session }));
        self.emit_account(&account.id);
        self.account(&account.id)
    }

    /// Signs in again to an existing account (after "needs sign-in").
    pub async fn sign_in_again(&self, id: &str, credentials: Credentials, cert_pin: Option<String>) -> Result<Account> {
        let account = self.account(id)?;
        if credentials.family() != account.family {
            return Err(Error::InvalidInput(format!("these are not {} credentials", account.family.title())));
        }
        let pin = cert_pin.or(account.cert_pin.clone());
        let client = Client::new(account.family, &account.server_url, pin.as_deref(), self.http.clone())?;
        let signed = client.sign_in(credentials).await?;
        if let Some(uid) = &account.user_id
            && !signed.user_id.is_empty()
            && uid != &signed.user_id
        {
            return Err(Error::InvalidInput("that is a different user; add it as a new account".into()));
        }
        let entry = self.secret_entry(id);
        let secret = signed.secret.clone();
        self.secret_op(move |s| s.set(&entry, &secret)).await?;
        self.store.set_cert_pin(id, pin.as_deref())?;
        self.store.update_identity(id, None, signed.username.as_deref(), signed.display_name.as_deref())?;
        self.store.set_status(
            id,
            &AccountStatus { state: AccountState::Ok, error: None, synced_ms: None },
            now_ms(),
        )?;
        let session = Session::new(signed.user_id, signed.username, signed.secret);
        lock(&self.live).insert(id.to_string(), Arc::new(Live { client, session }));
        self.emit_account(id);
        self.account(id)
    }

    /// Ends the session: server logout (best effort), keyring entry deleted, cache kept.
    pub async fn sign_out(&self, id: &str) -> Result<Account> {
        self.account(id)?;
        self.cancel_sync(id);
        if let Ok(live) = self.live(id).await {
            let _ = tokio::time::timeout(Duration::from_secs(5), live.client.sign_out(&live.session)).await;
        }
        lock(&self.live).remove(id);
        let entry = self.secret_entry(id);
        self.secret_op(move |s| s.delete(&entry)).await?;
        self.store.set_status(
            id,
            &AccountStatus {
                state: AccountState::NeedsSignIn,
                error: Some(ErrorInfo { code: "signed_out".into(), message: "Signed out".into() }),
                synced_ms: None,
            },
            now_ms(),
        )?;
        self.emit_account(id);
        self.account(id)
    }

    /// Removes the account, its cache and its keyring entry.
    pub async fn remove_account(&self, id: &str) -> Result<()> {
        self.account(id)?;
        self.cancel_sync(id);
        let entry = self.secret_entry(id);
        match self.secret_op(move |s| s.delete(&entry)).await {
            Ok(()) => {}
            // No keyring at all: nothing we can delete; the cache still goes.
            Err(Error::Secrets(SecretError::Unavailable(m))) => {
                tracing::warn!("keyring unavailable while removing: {m}")
            }
            Err(e) => return Err(e),
        }
        lock(&self.live).remove(id);
        self.store.remove_account(id)?;
        self.invalidate_picker();
        self.emit(Event::AccountRemoved { account: id.to_string() });
        Ok(())
    }

    /// The live client and session of an account, resuming from the keyring when needed.
    async fn live(&self, id: &str) -> Result<Arc<Live>> {
        if let Some(l) = lock(&self.live).get(id) {
            return Ok(l.clone());
        }
        let account = self.account(id)?;
        let entry = self.secret_entry(id);
        let secret = self.secret_op(move |s| s.get(&entry)).await?;
        let client = Client::new(account.family, &account.server_url, account.cert_pin.as_deref(), self.http.clone())?;
        let session = Session::new(account.user_id.clone().unwrap_or_default(), account.username.clone(), secret);
        let live = Arc::new(Live { client, session });
        lock(&self.live).insert(id.to_string(), live.clone());
        Ok(live)
    }

    /// Checks the stored session with the server (renewing it where the family can).
    pub async fn check_account(&self, id: &str) -> Result<Account> {
        let live = self.live(id).await?;
        match live.client.resume(&live.session).await {
            Ok(signed) => {
                self.store.update_identity(id, None, signed.username.as_deref(), signed.display_name.as_deref())?;
                self.save_renewed(id, &live.session).await;
                self.account(id)
            }
            Err(e) => {
                let e = Error::Client(e);
                if e.needs_sign_in() {
                    self.store.set_status(
                        id,
                        &sync::status_after(&Err(Error::Client(ClientError::Unauthorized(e.to_string())))),
                        now_ms(),
                    )?;
                    lock(&self.live).remove(id);
                    self.emit_account(id);
                }
                Err(e)
            }
        }
    }

    async fn save_renewed(&self, id: &str, session: &Session) {
        if let Some(secret) = session.take_renewed() {
            let entry = self.secret_entry(id);
            if let Err(e) = self.secret_op(move |s| s.set(&entry, &secret)).await {
                tracing::warn!(account = id, "could not save renewed credentials: {e}");
            }
        }
    }

    // --- sync -------------------------------------------------------------------------------

    pub fn cancel_sync(&self, id: &str) {
        if let Some(c) = lock(&self.cancels).get(id) {
            c.cancel();
        }
    }

    /// Syncs one account. Never fails: errors end up in the report and the account status.
    pub async fn sync_account(&self, id: &str) -> SyncReport {
        self.sync_account_with(id, true).await
    }

    /// Like [`Roomdeck::sync_account`]; `avatars: false` skips the picture pass.
    pub async fn sync_account_with(&self, id: &str, avatars: bool) -> SyncReport {
        let guard = lock(&self.sync_locks).entry(id.to_string()).or_default().clone();
        let _running = guard.lock().await;
        let started = now_ms();
        let cancel = Cancel::new();
        lock(&self.cancels).insert(id.to_string(), cancel.clone());
        let events = self.events.clone();
        let progress: ProgressFn = Arc::new(move |p: SyncProgress| {
            let _ = events.send(Event::Progress { progress: p });
        });
        progress(SyncProgress { account: id.to_string(), phase: SyncPhase::SigningIn, done: 0, total: None });
        let (report, result) = match (self.account(id), self.live(id).await) {
            (Ok(account), Ok(live)) => {
                let job = SyncJob {
                    store: self.store.clone(),
                    account,
                    live: live.clone(),
                    progress: progress.clone(),
                    cancel: cancel.clone(),
                    avatars,
                };
                let (report, result) = sync::run(job).await;
                self.save_renewed(id, &live.session).await;
                if result.as_ref().err().is_some_and(Error::needs_sign_in) {
                    lock(&self.live).remove(id);
                }
                (report, result)
            }
            (Err(e), _) | (_, Err(e)) => {
                let report =
                    SyncReport { account: id.to_string(), error: Some(ErrorInfo::from(&e)), ..SyncReport::default() };
                (report, Err(e))
            }
        };
        lock(&self.cancels).remove(id);
        // Every sync's progress ends with `Done`, also one that never got past signing in (no
        // credentials in the keyring, a refused sign-in): the window shows an account as syncing
        // until it sees it.
        progress(SyncProgress { account: id.to_string(), phase: SyncPhase::Done, done: 1, total: Some(1) });
        if let Err(e) = &result {
            tracing::info!(account = id, code = e.code(), "sync failed: {e}");
        }
        if self.store.account(id).ok().flatten().is_some() {
            let _ = self.store.set_status(id, &sync::status_after(&result), now_ms());
            let _ = self.store.record_sync(&report, started, now_ms());
            let _ = self.store.enforce_avatar_cap(AVATAR_CACHE_BYTES);
            // What the sync wrote goes back into the database file after it, not during it.
            let store = self.store.clone();
            let task = tokio::task::spawn_blocking(move || {
                if let Err(e) = store.checkpoint_passive() {
                    tracing::info!(code = e.code(), "checkpoint after sync: {e}");
                }
            });
            *lock(&self.housekeeping) = Some(task);
        }
        if report.rooms_changed > 0 || report.rooms_removed > 0 {
            self.invalidate_picker();
            self.emit(Event::RoomsChanged { account: id.to_string() });
        }
        if report.avatars_fetched > 0 {
            self.emit(Event::AvatarsChanged { account: id.to_string() });
        }
        self.emit_account(id);
        report
    }

    /// Waits for the housekeeping that follows a sync (its WAL checkpoint): benchmarks and tests
    /// that measure what comes next.
    pub async fn settle(&self) {
        let task = lock(&self.housekeeping).take();
        if let Some(t) = task {
            let _ = t.await;
        }
    }

    /// Lets go of caches that only background work filled (SQLite's page caches). The app
    /// calls it once a sync and thumbnail pass are done; the next query refills what it needs.
    pub fn release_memory(&self) -> Result<()> {
        self.store.shrink_memory()
    }

    /// Syncs every account concurrently.
    pub async fn sync_all(&self) -> Vec<SyncReport> {
        let ids: Vec<String> = self.accounts().map(|a| a.into_iter().map(|a| a.id).collect()).unwrap_or_default();
        futures_util::future::join_all(ids.iter().map(|id| self.sync_account(id))).await
    }

    /// Forgets the delta cursors so the next sync is a full one.
    pub fn reset_cursors(&self, id: &str) -> Result<()> {
        self.store.clear_cursors(id)
    }

    // --- rooms ------------------------------------------------------------------------------

    pub fn rooms(&self, query: &RoomQuery, offset: i64, limit: i64) -> Result<RoomPage> {
        self.store.query_rooms(query, offset, limit)
    }

    /// One room-list row.
    pub fn room_row(&self, account: &str, remote: &str) -> Result<Option<crate::model::RoomRow>> {
        self.store.room_row(account, remote)
    }

    /// Where the room `id` (`account:remote`) is in the list `query` gives, if it is in it.
    pub fn room_position(&self, query: &RoomQuery, id: &str) -> Result<Option<i64>> {
        let (account, remote) =
            split_room_id(id).ok_or_else(|| Error::InvalidInput(format!("{id:?} is not a room id (account:room)")))?;
        self.store.room_position(query, account, remote)
    }

    /// The cached info of a room (`account:remote`).
    pub fn room(&self, id: &str) -> Result<RoomInfo> {
        let (account, remote) =
            split_room_id(id).ok_or_else(|| Error::InvalidInput(format!("{id:?} is not a room id (account:room)")))?;
        let mut info = self
            .store
            .room_info(account, remote, MEMBER_LIMIT)?
            .ok_or_else(|| Error::NotFound(format!("no room {id:?}")))?;
        if let Some(room_ref) = self.store.room_ref(account, remote)? {
            let family = info.row.family;
            // The web address needs only the server URL and the room: no session.
            if let Ok(client) = Client::new(family, &info.server_url, None, self.http.clone()) {
                info.web_url = client.web_url(&room_ref);
            }
        }
        Ok(info)
    }

    /// Fetches fresh members for a room into the cache, then returns the room. Offline or on
    /// errors the cached room is returned with a note.
    pub async fn refresh_room(&self, id: &str) -> Result<RoomInfo> {
        let (account, remote) =
            split_room_id(id).ok_or_else(|| Error::InvalidInput(format!("{id:?} is not a room id")))?;
        let room_ref: RoomRef =
            self.store.room_ref(account, remote)?.ok_or_else(|| Error::NotFound(format!("no room {id:?}")))?;
        if self.offline.load(std::sync::atomic::Ordering::Relaxed) {
            return self.room(id);
        }
        let live = match self.live(account).await {
            Ok(l) => l,
            Err(e) if e.needs_sign_in() => return self.room(id),
            Err(e) => return Err(e),
        };
        match live.client.members(&live.session, &room_ref, MEMBER_LIMIT).await {
            Ok(list) => {
                let complete = list.total.is_none_or(|t| list.members.len() as u64 >= t);
                self.store.replace_members(account, remote, &list.members, complete, now_ms())?;
                self.fetch_member_avatars(account, &list.members, 60).await;
            }
            Err(ClientError::NotSupported(m)) => self.store.set_members_note(account, remote, Some(&m))?,
            Err(e) if e.needs_sign_in() => {
                self.store.set_status(account, &sync::status_after(&Err(Error::Client(e))), now_ms())?;
                lock(&self.live).remove(account);
                self.emit_account(account);
            }
            Err(e) => tracing::info!(room = id, "members not refreshed: {e}"),
        }
        self.save_renewed(account, &live.session).await;
        self.room(id)
    }

    async fn fetch_member_avatars(&self, account: &str, members: &[crate::model::RemoteUser], limit: usize) {
        let keys: Vec<String> = members
            .iter()
            .take(limit)
            .filter_map(|m| self.store.user_avatar_key(account, &m.remote_id).ok().flatten())
            .collect();
        let futs = keys.into_iter().map(|k| self.fetch_on_demand(k));
        futures_util::future::join_all(futs).await;
    }

    /// Fetches one picture now if the store says it is worth it. Returns whether bytes arrived.
    async fn fetch_on_demand(&self, key: String) -> bool {
        if self.offline.load(std::sync::atomic::Ordering::Relaxed) {
            return false;
        }
        let Ok(Some(job)) = self.store.avatar_job_for(&key, now_ms()) else { return false };
        if job.parts.is_some() {
            return false; // composites are assembled by the sync
        }
        let Some((account, _)) = key.split_once('|') else { return false };
        let Ok(live) = self.live(account).await else { return false };
        let fetched = tokio::time::timeout(
            Duration::from_secs(10),
            sync::fetch_one(&live.client, &live.session, &job.path, job.wanted_version.is_some(), None),
        )
        .await;
        let update = match fetched {
            Ok(Ok(u)) => u,
            Ok(Err(ClientError::Transport(_))) | Err(_) => return false,
            Ok(Err(e)) => AvatarUpdate::Failed { message: e.to_string(), retry_after_ms: now_ms() + 3_600_000 },
        };
        let ok = matches!(update, AvatarUpdate::Image { .. });
        let _ = self.store.store_avatar(&key, job.wanted_version.as_deref(), &update, now_ms());
        ok
    }

    // --- avatars ----------------------------------------------------------------------------

    /// A thumbnail for a room or user: from the cache, made from the cached original on first
    /// use, or fetched on demand when never fetched (or evicted) and we are online.
    pub async fn avatar(&self, target: &AvatarTarget, size: ThumbSize) -> Result<Option<Thumbnail>> {
        let key = match target {
            AvatarTarget::Room { account, room } => self.store.room_avatar_key(account, room)?,
            AvatarTarget::User { account, user } => self.store.user_avatar_key(account, user)?,
        };
        let Some(key) = key else { return Ok(None) };
        lock(&self.touched).insert(key.clone());
        if let Some(t) = self.thumbnail_for_key(&key, size).await? {
            return Ok(Some(t));
        }
        if self.fetch_on_demand(key.clone()).await {
            return self.thumbnail_for_key(&key, size).await;
        }
        Ok(None)
    }

    async fn thumbnail_for_key(&self, key: &str, size: ThumbSize) -> Result<Option<Thumbnail>> {
        let Some(blob) = self.store.avatar_blob(key)? else { return Ok(None) };
        let have = match size {
            ThumbSize::Small => blob.small.clone(),
            ThumbSize::Large => blob.large.clone(),
        };
        if let Some(bytes) = have {
            return Ok(Some(thumb(bytes)));
        }
        let Some(original) = blob.original.clone() else { return Ok(None) };
        let made = if blob.content_type.as_deref() == Some(sync::COMPOSITE) {
            // Assemble a group picture from its members' cached pictures.
            let keys: Vec<String> = serde_json::from_slice(&original).unwrap_or_default();
            let mut parts = Vec::new();
            for k in keys.iter().take(4) {
                if let Some(b) = self.store.avatar_blob(k)? {
                    parts.extend(b.original.or(b.large));
                }
            }
            tokio::task::spawn_blocking(move || avatar::composite(&parts)).await
        } else {
            tokio::task::spawn_blocking(move || avatar::thumbnails(&original)).await
        };
        match made {
            Ok(Ok(t)) => {
                self.store.store_thumbnails(key, &t.small, &t.large)?;
                Ok(Some(thumb(match size {
                    ThumbSize::Small => t.small,
                    ThumbSize::Large => t.large,
                })))
            }
            Ok(Err(e)) => {
                // Drop the broken bytes; the picture is fetched again when its version changes.
                tracing::info!("cached picture unusable: {e}");
                self.store.store_avatar(key, blob.version.as_deref(), &AvatarUpdate::NoAvatar, now_ms())?;
                Ok(None)
            }
            Err(_) => Ok(None),
        }
    }

    /// Makes thumbnails for up to `limit` cached originals that have none (background work after
    /// a sync, so the first scroll through the list is instant). Returns how many were made.
    /// The order is the store's (`keys_without_thumbnails`): what the window shows first is
    /// made first. One query: the order is worked out once, not per chunk.
    pub async fn warm_thumbnails(&self, limit: usize) -> Result<usize> {
        let keys = self.store.keys_without_thumbnails(limit)?;
        let mut made = 0;
        for k in keys {
            // Unusable originals are marked by thumbnail_for_key and skipped from then on.
            let _ = self.thumbnail_for_key(&k, ThumbSize::Small).await?;
            made += 1;
        }
        Ok(made)
    }

    /// Records which pictures were shown (for the cache's least-recently-used eviction).
    pub fn flush_touches(&self) -> Result<()> {
        let keys: Vec<String> = lock(&self.touched).drain().collect();
        self.store.touch_avatars(&keys, now_ms())
    }

    // --- picker -----------------------------------------------------------------------------

    fn invalidate_picker(&self) {
        self.picker_gen.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        if let Ok(mut p) = self.picker.write() {
            *p = None;
        }
    }

    fn cached_picker(&self) -> Option<Arc<PickerIndex>> {
        self.picker.read().ok().and_then(|p| p.clone())
    }

    fn picker_index(&self) -> Result<Arc<PickerIndex>> {
        if let Some(idx) = self.cached_picker() {
            return Ok(idx);
        }
        let _building = lock(&self.picker_build);
        if let Some(idx) = self.cached_picker() {
            return Ok(idx);
        }
        let generation = self.picker_gen.load(std::sync::atomic::Ordering::Acquire);
        let idx = Arc::new(PickerIndex::build(self.store.picker_entries()?));
        if let Ok(mut p) = self.picker.write()
            && self.picker_gen.load(std::sync::atomic::Ordering::Acquire) == generation
        {
            *p = Some(idx.clone());
        }
        Ok(idx)
    }

    /// Whether the picker's index is built (a pick then takes well under a millisecond; without
    /// it, the first pick reads every name first).
    pub fn picker_ready(&self) -> bool {
        self.cached_picker().is_some()
    }

    /// Builds the picker index now (the app does it in the background at start).
    pub fn warm_picker(&self) -> Result<usize> {
        Ok(self.picker_index()?.len())
    }

    /// Fuzzy-matches every room; best first.
    pub fn pick(&self, query: &str, limit: usize) -> Result<Vec<PickerHit>> {
        let hits = self.picker_index()?.search(query, limit.min(200));
        let pks: Vec<i64> = hits.iter().map(|h| h.pk).collect();
        // A room removed since the index was built is skipped (its change rebuilds the index).
        let rows = self.store.room_rows_by_pks(&pks)?;
        Ok(hits
            .into_iter()
            .zip(rows)
            .filter_map(|(h, row)| Some(PickerHit { row: row?, score: h.score, positions: h.positions }))
            .collect())
    }
}

fn thumb(bytes: Vec<u8>) -> Thumbnail {
    let mime = match avatar::sniff(&bytes) {
        Some(avatar::Sniffed::Png) => "image/png",
        _ => "image/jpeg",
    };
    Thumbnail { bytes, mime }
}
