//! The offline cache: one SQLite database per data directory, behind the [`Store`] trait.
//!
//! Everything the user has seen is kept here: accounts (without secrets), rooms with their raw
//! server JSON, users, members, avatars (original bytes and thumbnails), sync cursors and a log of
//! sync runs. The sync engine writes through [`Store::apply_batch`], one transaction per page, so
//! a crash at any instant leaves each room in its old or its new state. Room-list queries are
//! served by indexes and FTS5, a window at a time: nothing ever loads every row.
//!
//! The trait is what the sync engine and the app use; `tests/store_conformance.rs` is its one
//! conformance suite, run against the SQLite store on disk and in memory.

mod sqlite;

pub use sqlite::{SCHEMA_VERSION, SqliteStore};

use crate::error::Result;
use crate::family::{Batch, Capabilities, Cursors};
use crate::model::{
    Account, AccountState, ErrorInfo, Family, RemoteUser, RoomInfo, RoomPage, RoomQuery, RoomRow, SyncReport,
};

/// A new account, before it has an id.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub family: Family,
    pub server_url: String,
    pub user_id: Option<String>,
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub auth: String,
    pub cert_pin: Option<String>,
}

/// How a sync attempt ended, for the account's status line.
#[derive(Debug, Clone)]
pub struct AccountStatus {
    pub state: AccountState,
    pub error: Option<ErrorInfo>,
    /// Set on success.
    pub synced_ms: Option<i64>,
}

/// The two thumbnail sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThumbSize {
    /// 64 px: room-list rows, member lists, the picker.
    Small,
    /// 192 px: the room info panel.
    Large,
}

impl ThumbSize {
    pub fn pixels(self) -> u32 {
        match self {
            ThumbSize::Small => 64,
            ThumbSize::Large => 192,
        }
    }
    pub fn parse(s: &str) -> Option<ThumbSize> {
        match s {
            "small" => Some(ThumbSize::Small),
            "large" => Some(ThumbSize::Large),
            _ => None,
        }
    }
}

/// An avatar the sync should (re)fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvatarJob {
    pub key: String,
    pub path: String,
    pub wanted_version: Option<String>,
    pub last_modified: Option<String>,
    /// We hold bytes already (a refetch keeps them if it fails).
    pub has_bytes: bool,
    /// For a composite: the member pictures (key, path) to assemble.
    pub parts: Option<Vec<(String, String)>>,
}

/// The result of fetching and processing one avatar.
#[derive(Debug, Clone)]
pub enum AvatarUpdate {
    Image {
        content_type: String,
        original: Option<Vec<u8>>,
        small: Option<Vec<u8>>,
        large: Option<Vec<u8>>,
        last_modified: Option<String>,
    },
    /// 304: keep the bytes, record the version.
    NotModified,
    /// The server has no picture for it.
    NoAvatar,
    /// Could not fetch or decode; retry after the given time. Old bytes are kept.
    Failed { message: String, retry_after_ms: i64 },
}

/// What the store holds for one avatar key.
#[derive(Debug, Clone)]
pub struct AvatarBlob {
    pub key: String,
    pub version: Option<String>,
    pub content_type: Option<String>,
    pub original: Option<Vec<u8>>,
    pub small: Option<Vec<u8>>,
    pub large: Option<Vec<u8>>,
}

/// The storage interface of the core.
pub trait Store: Send + Sync {
    // --- settings -------------------------------------------------------------------------
    fn setting(&self, key: &str) -> Result<Option<String>>;
    fn set_setting(&self, key: &str, value: &str) -> Result<()>;

    // --- accounts -------------------------------------------------------------------------
    fn insert_account(&self, account: &NewAccount, now_ms: i64) -> Result<Account>;
    fn account(&self, id: &str) -> Result<Option<Account>>;
    fn accounts(&self) -> Result<Vec<Account>>;
    fn update_identity(
        &self,
        id: &str,
        user_id: Option<&str>,
        username: Option<&str>,
        display_name: Option<&str>,
    ) -> Result<()>;
    fn set_cert_pin(&self, id: &str, pin: Option<&str>) -> Result<()>;
    fn set_status(&self, id: &str, status: &AccountStatus, now_ms: i64) -> Result<()>;
    fn capabilities(&self, id: &str) -> Result<Capabilities>;
    fn set_capabilities(&self, id: &str, caps: &Capabilities) -> Result<()>;
    /// Deletes the account and everything cached for it.
    fn remove_account(&self, id: &str) -> Result<bool>;

    // --- sync -----------------------------------------------------------------------------
    fn cursors(&self, account: &str) -> Result<Cursors>;
    fn clear_cursors(&self, account: &str) -> Result<()>;
    fn cached_raw(&self, account: &str, remote_id: &str) -> Result<Option<String>>;
    fn remote_id_for_alt(&self, account: &str, alt_id: &str) -> Result<Option<String>>;
    fn is_known(&self, account: &str, remote_id: &str) -> Result<bool>;
    /// Applies one page atomically. Returns (rooms changed, rooms removed).
    fn apply_batch(&self, account: &str, batch: &Batch, now_ms: i64) -> Result<(usize, usize)>;
    fn record_sync(&self, report: &SyncReport, started_ms: i64, finished_ms: i64) -> Result<()>;
    fn last_sync_runs(&self, account: &str, limit: usize) -> Result<Vec<SyncReport>>;

    // --- members --------------------------------------------------------------------------
    /// Replaces the cached members of a room.
    fn replace_members(
        &self,
        account: &str,
        room: &str,
        members: &[RemoteUser],
        complete: bool,
        now_ms: i64,
    ) -> Result<()>;
    /// Records why members could not be read (`not_supported`, …).
    fn set_members_note(&self, account: &str, room: &str, note: Option<&str>) -> Result<()>;

    // --- avatars --------------------------------------------------------------------------
    /// Avatars of the account that need fetching now, up to `limit`.
    fn avatar_jobs(&self, account: &str, now_ms: i64, limit: usize) -> Result<Vec<AvatarJob>>;
    /// The fetch job for one key when it is worth fetching now on demand (never fetched,
    /// evicted, or failed long enough ago), whoever refers to it.
    fn avatar_job_for(&self, key: &str, now_ms: i64) -> Result<Option<AvatarJob>>;
    fn store_avatar(&self, key: &str, version: Option<&str>, update: &AvatarUpdate, now_ms: i64) -> Result<()>;
    fn store_avatars(&self, items: &[(String, Option<String>, AvatarUpdate)], now_ms: i64) -> Result<()>;
    fn avatar_blob(&self, key: &str) -> Result<Option<AvatarBlob>>;
    /// Saves generated thumbnails for a key.
    fn store_thumbnails(&self, key: &str, small: &[u8], large: &[u8]) -> Result<()>;
    /// The avatar key of a room (`account:remote`), or of a user of an account.
    fn room_avatar_key(&self, account: &str, room: &str) -> Result<Option<String>>;
    fn user_avatar_key(&self, account: &str, user: &str) -> Result<Option<String>>;
    /// Keys with an original but no thumbnails yet: pictures shown since their fetch first,
    /// then those of the most recently active rooms.
    fn keys_without_thumbnails(&self, limit: usize) -> Result<Vec<String>>;
    fn touch_avatars(&self, keys: &[String], now_ms: i64) -> Result<()>;
    /// Evicts least-recently-used avatar bytes until the total is under `max_bytes`.
    fn enforce_avatar_cap(&self, max_bytes: i64) -> Result<u64>;
    fn avatar_bytes(&self) -> Result<i64>;

    // --- queries --------------------------------------------------------------------------
    fn query_rooms(&self, query: &RoomQuery, offset: i64, limit: i64) -> Result<RoomPage>;
    fn room_row(&self, account: &str, remote_id: &str) -> Result<Option<RoomRow>>;
    /// Where a room is in the list `query` gives (its offset), or `None` when the list does not
    /// hold it: the picker's choice is shown in the list without paging through it.
    fn room_position(&self, query: &RoomQuery, account: &str, remote_id: &str) -> Result<Option<i64>>;
    fn room_info(&self, account: &str, remote_id: &str, member_limit: usize) -> Result<Option<RoomInfo>>;
    /// (account, remote id, raw JSON, kind) of a room, for member and info calls.
    fn room_ref(&self, account: &str, remote_id: &str) -> Result<Option<crate::family::RoomRef>>;
    /// Every room's picker entry: (store key, name, last activity).
    fn picker_entries(&self) -> Result<Vec<(i64, String, i64)>>;
    /// The rooms with these store keys, in the same order (`None` for a key that is gone).
    fn room_rows_by_pks(&self, pks: &[i64]) -> Result<Vec<Option<RoomRow>>>;
    fn room_count(&self) -> Result<i64>;
    fn integrity_check(&self) -> Result<String>;
}
