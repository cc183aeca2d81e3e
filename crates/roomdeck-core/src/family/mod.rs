//! Server families: one module per family behind one trait, [`ServerFamily`].
//!
//! A family client knows its server's wire format, auth and quirks (see `../shared/contracts/`)
//! and nothing about storage: it reads the cache through [`RoomSink::cached_raw`] where a delta
//! must be merged onto earlier data, and hands every page of normalized rooms to
//! [`RoomSink::apply`], which stores it in one transaction. That keeps "one transaction per page"
//! in one place (the sync engine) and lets every family be tested against its fake alone.
//!
//! Adding a family: a module here with a client implementing [`ServerFamily`], a variant of
//! [`Client`], a fake in `roomdeck-fakes`, and its contract tests in `tests/family_<name>.rs`.

pub mod rocketchat;
pub mod swapchat;
pub mod virola;

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::{ClientError, Error};
use crate::http::{Http, HttpConfig};
use crate::model::{Family, RemoteRoom, RemoteUser, RoomKind, SyncPhase};

/// What the user types to sign in. Never logged: `Debug` hides the secrets.
#[derive(Clone)]
pub enum Credentials {
    RocketchatPassword { user: String, password: String, code: Option<String> },
    RocketchatToken { user_id: String, token: String },
    SwapchatToken { token: String },
    SwapchatWalletKey { key_hex: String },
    VirolaPassword { user: String, password: String },
    VirolaToken { token: String },
}

impl Credentials {
    pub fn family(&self) -> Family {
        match self {
            Credentials::RocketchatPassword { .. } | Credentials::RocketchatToken { .. } => Family::Rocketchat,
            Credentials::SwapchatToken { .. } | Credentials::SwapchatWalletKey { .. } => Family::Swapchat,
            Credentials::VirolaPassword { .. } | Credentials::VirolaToken { .. } => Family::Virola,
        }
    }

    /// `password`, `token` or `wallet`: how the account signs in, shown in the UI.
    pub fn auth_kind(&self) -> &'static str {
        match self {
            Credentials::RocketchatPassword { .. } | Credentials::VirolaPassword { .. } => "password",
            Credentials::RocketchatToken { .. }
            | Credentials::SwapchatToken { .. }
            | Credentials::VirolaToken { .. } => "token",
            Credentials::SwapchatWalletKey { .. } => "wallet",
        }
    }

    /// Every secret string in these credentials (used by tests that prove no secret leaks).
    pub fn secrets(&self) -> Vec<&str> {
        match self {
            Credentials::RocketchatPassword { password, .. } => vec![password],
            Credentials::RocketchatToken { token, .. } => vec![token],
            Credentials::SwapchatToken { token } => vec![token],
            Credentials::SwapchatWalletKey { key_hex } => vec![key_hex],
            Credentials::VirolaPassword { password, .. } => vec![password],
            Credentials::VirolaToken { token } => vec![token],
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credentials({:?}, {}, <redacted>)", self.family(), self.auth_kind())
    }
}

/// What we keep in the OS keyring for an account, as JSON. Never in SQLite, never logged.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "family", rename_all = "lowercase")]
pub enum Secret {
    Rocketchat {
        user_id: String,
        token: String,
        /// True for a personal access token (does not expire), false for a login (resume) token.
        personal: bool,
    },
    Swapchat {
        jwt: String,
        /// The wallet key, when the user signed in with it: lets us sign in again silently when
        /// the JWT can no longer be refreshed.
        wallet_key: Option<String>,
    },
    Virola {
        /// `VirolaUserSessionId` of a password sign-in.
        session: Option<String>,
        /// A Web API access token.
        bearer: Option<String>,
        user: Option<String>,
        /// Kept (in the keyring only) so an expired session can be renewed without asking.
        password: Option<String>,
    },
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let family = match self {
            Secret::Rocketchat { .. } => "rocketchat",
            Secret::Swapchat { .. } => "swapchat",
            Secret::Virola { .. } => "virola",
        };
        write!(f, "Secret({family}, <redacted>)")
    }
}

impl Secret {
    /// Every secret string, for leak tests.
    pub fn secret_strings(&self) -> Vec<String> {
        match self {
            Secret::Rocketchat { token, .. } => vec![token.clone()],
            Secret::Swapchat { jwt, wallet_key } => {
                let mut v = vec![jwt.clone()];
                v.extend(wallet_key.clone());
                v
            }
            Secret::Virola { session, bearer, password, .. } => {
                session.iter().chain(bearer).chain(password).cloned().collect()
            }
        }
    }
}

/// Who signed in, and the secret to keep.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user_id: String,
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub secret: Secret,
}

/// A live session: the identity plus a secret that a client may renew mid-sync (SwapChat JWT
/// refresh, Virola re-login). The engine saves a renewed secret to the keyring afterwards.
#[derive(Debug)]
pub struct Session {
    pub user_id: String,
    pub username: Option<String>,
    secret: Mutex<Secret>,
    renewed: Mutex<bool>,
}

impl Session {
    pub fn new(user_id: String, username: Option<String>, secret: Secret) -> Self {
        Session { user_id, username, secret: Mutex::new(secret), renewed: Mutex::new(false) }
    }

    pub fn secret(&self) -> Secret {
        match self.secret.lock() {
            Ok(s) => s.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    pub fn renew(&self, secret: Secret) {
        match self.secret.lock() {
            Ok(mut s) => *s = secret,
            Err(p) => *p.into_inner() = secret,
        }
        if let Ok(mut r) = self.renewed.lock() {
            *r = true;
        }
    }

    /// The renewed secret, if the client renewed it.
    pub fn take_renewed(&self) -> Option<Secret> {
        let mut r = self.renewed.lock().ok()?;
        if *r {
            *r = false;
            drop(r);
            Some(self.secret())
        } else {
            None
        }
    }
}

/// One page of a room sync, stored in one transaction.
#[derive(Debug, Default)]
pub struct Batch {
    pub rooms: Vec<RemoteRoom>,
    /// Remote ids (or, for Rocket.Chat subscriptions, alt ids resolved by the client) to delete.
    pub removed: Vec<String>,
    /// After this batch, these are *all* the rooms of the account: delete any other.
    pub snapshot: Option<Vec<String>>,
    /// Cursors to save with this batch: (stream, value).
    pub cursors: Vec<(String, String)>,
}

/// Where a family client delivers its rooms; implemented by the sync engine over the store.
pub trait RoomSink: Send {
    /// The raw JSON stored for a room at the last sync, for merging a delta onto it.
    fn cached_raw(&self, remote_id: &str) -> Option<String>;
    /// The remote id of the room whose alt id (Rocket.Chat subscription id) is `alt`.
    fn remote_id_for_alt(&self, alt: &str) -> Option<String>;
    /// Whether a room is cached.
    fn is_known(&self, remote_id: &str) -> bool;
    /// Stores a page atomically; returns (rooms that differed from the cache, rooms removed).
    fn apply(&mut self, batch: Batch) -> Result<(usize, usize), Error>;
    /// Reports progress of the current phase.
    fn progress(&mut self, phase: SyncPhase, done: u64, total: Option<u64>);
}

/// Saved sync cursors of an account, by stream.
#[derive(Debug, Clone, Default)]
pub struct Cursors(pub HashMap<String, String>);

impl Cursors {
    pub fn get(&self, stream: &str) -> Option<&str> {
        self.0.get(stream).map(String::as_str)
    }
}

/// Per-account switches a family remembers between syncs (stored with the account).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Capabilities {
    /// Rocket.Chat Omnichannel: `None` = not probed yet, `Some("all")`, `Some("own")` (only with
    /// `agents[]=me`), `Some("off")` (403: the account may not see livechat rooms).
    pub livechat: Option<String>,
    /// When `livechat` is `off`, probe again after this time (ms).
    pub livechat_retry_ms: Option<i64>,
    /// Virola: the server has no members endpoint.
    pub members: Option<String>,
}

/// What a sync of the rooms did, for the report.
#[derive(Debug, Clone, Default)]
pub struct RoomsOutcome {
    pub full: bool,
    pub changed: u64,
    pub removed: u64,
}

/// Validators for a conditional avatar request.
#[derive(Debug, Clone, Default)]
pub struct Validators {
    pub last_modified: Option<String>,
}

/// What an avatar request produced.
#[derive(Debug, Clone)]
pub enum AvatarFetch {
    /// Image bytes as served, with what the server claimed they are.
    Image { bytes: bytes::Bytes, content_type: Option<String>, last_modified: Option<String> },
    /// 304: the cached bytes are current.
    NotModified,
    /// The server has no picture for this (Rocket.Chat letters SVG, 404).
    NoAvatar,
}

/// A room as much as member and info calls need to know.
#[derive(Debug, Clone)]
pub struct RoomRef {
    pub remote_id: String,
    pub kind: RoomKind,
    pub raw: serde_json::Value,
    /// `raw` as it was stored: what a room rebuilt from the cache must reuse, since writing the
    /// parsed value back out can change its numbers (and so its content hash).
    pub raw_text: String,
}

/// Members as a family delivers them.
#[derive(Debug, Clone, Default)]
pub struct MemberList {
    pub members: Vec<RemoteUser>,
    /// Total the server reports (may exceed `members.len()` when we stopped at a limit).
    pub total: Option<u64>,
}

/// Everything a server family offers Roomdeck.
pub trait ServerFamily: Send + Sync {
    fn family(&self) -> Family;

    /// Signs in with what the user typed.
    fn sign_in(&self, credentials: Credentials) -> impl Future<Output = Result<SignedIn, ClientError>> + Send;

    /// Checks a stored secret with the server (and renews it where the family can).
    fn resume(&self, session: &Session) -> impl Future<Output = Result<SignedIn, ClientError>> + Send;

    /// Ends the server session where the family has one (best effort).
    fn sign_out(&self, session: &Session) -> impl Future<Output = Result<(), ClientError>> + Send;

    /// Brings the cached rooms up to date through `sink`, as a delta from `cursors` where the
    /// server supports it.
    fn sync_rooms(
        &self,
        session: &Session,
        cursors: &Cursors,
        caps: &mut Capabilities,
        sink: &mut dyn RoomSink,
    ) -> impl Future<Output = Result<RoomsOutcome, Error>> + Send;

    /// Fresh details of one room.
    fn room_info(
        &self,
        session: &Session,
        room: &RoomRef,
    ) -> impl Future<Output = Result<RemoteRoom, ClientError>> + Send;

    /// Members of one room, up to `limit`.
    fn members(
        &self,
        session: &Session,
        room: &RoomRef,
        limit: usize,
    ) -> impl Future<Output = Result<MemberList, ClientError>> + Send;

    /// Downloads the picture at `path` (an [`crate::model::AvatarSource::Remote`] path).
    fn fetch_avatar(
        &self,
        session: &Session,
        path: &str,
        has_version: bool,
        validators: &Validators,
    ) -> impl Future<Output = Result<AvatarFetch, ClientError>> + Send;

    /// Where the room opens in a browser.
    fn web_url(&self, room: &RoomRef) -> Option<String>;

    /// The HTTP layer (request counts, cancellation).
    fn http(&self) -> &Http;
}

/// Static dispatch over the families.
#[derive(Debug)]
pub enum Client {
    Rocketchat(rocketchat::RocketChat),
    Swapchat(swapchat::SwapChat),
    Virola(virola::Virola),
}

macro_rules! dispatch {
    ($self:ident, $c:ident => $e:expr) => {
        match $self {
            Client::Rocketchat($c) => $e,
            Client::Swapchat($c) => $e,
            Client::Virola($c) => $e,
        }
    };
}

impl Client {
    /// A client for `family` at `server_url`, trusting `cert_pin` if given.
    pub fn new(
        family: Family,
        server_url: &str,
        cert_pin: Option<&str>,
        config: HttpConfig,
    ) -> Result<Client, ClientError> {
        let url = parse_server_url(server_url)?;
        let http = Http::new(&url, cert_pin, config)?;
        Ok(match family {
            Family::Rocketchat => Client::Rocketchat(rocketchat::RocketChat::new(http)),
            Family::Swapchat => Client::Swapchat(swapchat::SwapChat::new(http)),
            Family::Virola => Client::Virola(virola::Virola::new(http)),
        })
    }
}

impl ServerFamily for Client {
    fn family(&self) -> Family {
        dispatch!(self, c => c.family())
    }
    async fn sign_in(&self, credentials: Credentials) -> Result<SignedIn, ClientError> {
        dispatch!(self, c => c.sign_in(credentials).await)
    }
    async fn resume(&self, session: &Session) -> Result<SignedIn, ClientError> {
        dispatch!(self, c => c.resume(session).await)
    }
    async fn sign_out(&self, session: &Session) -> Result<(), ClientError> {
        dispatch!(self, c => c.sign_out(session).await)
    }
    async fn sync_rooms(
        &self,
        session: &Session,
        cursors: &Cursors,
        caps: &mut Capabilities,
        sink: &mut dyn RoomSink,
    ) -> Result<RoomsOutcome, Error> {
        dispatch!(self, c => c.sync_rooms(session, cursors, caps, sink).await)
    }
    async fn room_info(&self, session: &Session, room: &RoomRef) -> Result<RemoteRoom, ClientError> {
        dispatch!(self, c => c.room_info(session, room).await)
    }
    async fn members(&self, session: &Session, room: &RoomRef, limit: usize) -> Result<MemberList, ClientError> {
        dispatch!(self, c => c.members(session, room, limit).await)
    }
    async fn fetch_avatar(
        &self,
        session: &Session,
        path: &str,
        has_version: bool,
        validators: &Validators,
    ) -> Result<AvatarFetch, ClientError> {
        dispatch!(self, c => c.fetch_avatar(session, path, has_version, validators).await)
    }
    fn web_url(&self, room: &RoomRef) -> Option<String> {
        dispatch!(self, c => c.web_url(room))
    }
    fn http(&self) -> &Http {
        dispatch!(self, c => c.http())
    }
}

/// Validates and normalizes a server address the user typed (`chat.example.com` → https).
pub fn parse_server_url(input: &str) -> Result<Url, ClientError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(ClientError::protocol("the server address is empty"));
    }
    let with_scheme = if input.contains("://") { input.to_string() } else { format!("https://{input}") };
    let url = Url::parse(&with_scheme)
        .map_err(|e| ClientError::protocol(format!("the server address is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ClientError::protocol("the server address must start with https:// or http://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(ClientError::protocol("the server address has no host name"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ClientError::protocol("put credentials in the sign-in fields, not in the server address"));
    }
    Ok(url)
}

/// Shared limits for text fields from servers: a longer field makes the page a protocol error
/// (the fault suite's "10 MB field"), so nothing absurd reaches the store or the screen.
pub const MAX_FIELD_BYTES: usize = 256 * 1024;

/// Checks a server string against [`MAX_FIELD_BYTES`].
pub fn bounded(field: &str, value: Option<String>) -> Result<Option<String>, ClientError> {
    match value {
        Some(v) if v.len() > MAX_FIELD_BYTES => Err(ClientError::protocol(format!(
            "the field `{field}` is {} long, over the {} limit",
            crate::http::human_bytes(v.len()),
            crate::http::human_bytes(MAX_FIELD_BYTES)
        ))),
        other => Ok(other),
    }
}

/// Like [`bounded`], for fields that must exist; empty strings count as missing.
pub fn bounded_nonempty(field: &str, value: Option<String>) -> Result<Option<String>, ClientError> {
    Ok(bounded(field, value)?.filter(|s| !s.trim().is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_are_normalized_and_checked() {
        assert_eq!(
            parse_server_url("chat.example.com").map(|u| u.to_string()).ok(),
            Some("https://chat.example.com/".into())
        );
        assert!(parse_server_url("ftp://x").is_err());
        assert!(parse_server_url("https://user:pw@x.org").is_err());
        assert!(parse_server_url("   ").is_err());
        assert!(parse_server_url("http://127.0.0.1:3000/rc").is_ok());
    }

    #[test]
    fn debug_output_hides_secrets() {
        let c = Credentials::RocketchatPassword { user: "alice".into(), password: "hunter2".into(), code: None };
        assert!(!format!("{c:?}").contains("hunter2"));
        let s = Secret::Swapchat { jwt: "eyJsecret".into(), wallet_key: Some("0xkey".into()) };
        assert!(!format!("{s:?}").contains("eyJ"));
        assert_eq!(s.secret_strings().len(), 2);
    }

    #[test]
    fn oversized_fields_are_refused() {
        assert!(bounded("topic", Some("x".repeat(MAX_FIELD_BYTES + 1))).is_err());
        assert_eq!(bounded_nonempty("name", Some("  ".into())).ok().flatten(), None);
    }
}
