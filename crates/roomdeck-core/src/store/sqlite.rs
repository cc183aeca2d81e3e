//! The SQLite implementation of [`Store`](super::Store).
//!
//! Two connections: the writer (sync pages, avatars) and a reader for the UI's queries, so a large
//! sync transaction never blocks the room list (WAL lets readers see the last committed state).
//! Migrations are numbered SQL files applied in one transaction; `PRAGMA user_version` records
//! the schema, and a database from a newer Roomdeck is refused rather than damaged.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, Transaction, params, params_from_iter};

use super::{AccountStatus, AvatarBlob, AvatarJob, AvatarUpdate, NewAccount, Store};
use crate::error::{Error, Result, StoreError};
use crate::family::{Batch, Capabilities, Cursors, RoomRef};
use crate::lock;
use crate::model::{
    Account, AccountState, ArchivedFilter, AvatarSource, ErrorInfo, Family, LastMessage, Member, RemoteRoom,
    RemoteUser, RoomDetails, RoomInfo, RoomKind, RoomPage, RoomQuery, RoomRow, Sort, SyncReport,
};
use crate::text::{fnv1a, fold, fts_query};

/// Numbered migrations; the index + 1 is the schema version they produce.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_avatars_rowid.sql"),
    include_str!("migrations/0003_list_writes.sql"),
    include_str!("migrations/0004_avatar_bytes_index.sql"),
    include_str!("migrations/0005_due_pictures.sql"),
    include_str!("migrations/0006_list_order_walk.sql"),
];
/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;
/// Bumped when normalization changes, so every stored room is rewritten once.
const NORMALIZE_VERSION: &[u8] = b"n1";
/// The writer checkpoints the WAL itself past this many pages (4 KB each); see `open`.
const WAL_AUTOCHECKPOINT_PAGES: i64 = 65_536;
/// The picture cache's size; `bytes > 0` lets it read the partial index `avatars_lru`
/// (migration 4) instead of every picture row.
const AVATAR_BYTES_SQL: &str = "SELECT coalesce(sum(bytes), 0) FROM avatars WHERE bytes > 0";
/// Version-less pictures (a DM peer's avatar) are checked again after a week.
const STALE_AFTER_MS: i64 = 7 * 86_400_000;

const ACCOUNT_COLORS: [&str; 8] =
    ["#3b6fd8", "#d8572a", "#2a9d8f", "#b5179e", "#e9a23b", "#6a4c93", "#1b998b", "#c1121f"];

static MEMORY_DBS: AtomicU64 = AtomicU64::new(0);

pub struct SqliteStore {
    path: Option<PathBuf>,
    writer: Mutex<Connection>,
    reader: Option<Mutex<Connection>>,
    /// Rooms passing recent filter sets, for searches with many matches (see [`BigSearch`]).
    filter_sets: Mutex<KeptUntilChange<PkBits>>,
    /// Recent list counts: the count of the rooms passing a filter costs ~3 ms at 100k rooms
    /// and the list asks for it with every page while it scrolls (see `cached_count`).
    counts: Mutex<KeptUntilChange<i64>>,
    /// Every room's key in list order, one per sort, for deep pages (see `list_order`).
    orders: Mutex<KeptUntilChange<Arc<Vec<i64>>>>,
}

/// What changes whenever the database does, as the reading connection sees it: SQLite's
/// `data_version` (commits by other connections, this process's writer among them) and the
/// connection's own changes.
fn db_version(conn: &Connection) -> rusqlite::Result<(i64, u64)> {
    let version: i64 = conn.query_row("PRAGMA data_version", [], |r| r.get(0))?;
    Ok((version, conn.total_changes()))
}

/// Values read from the database, each under a key (the filters' SQL and parameters), kept
/// until the database changes (`db_version`), the most recently used first, `cap` at most.
struct KeptUntilChange<T> {
    cap: usize,
    kept: Vec<(String, (i64, u64), T)>,
}

impl<T> KeptUntilChange<T> {
    fn new(cap: usize) -> Self {
        KeptUntilChange { cap, kept: Vec::new() }
    }

    /// The value kept for `key` at `version`, if any.
    fn get(&self, key: &str, version: (i64, u64)) -> Option<&T> {
        self.kept.iter().find(|(k, v, _)| k == key && *v == version).map(|(_, _, t)| t)
    }

    /// The value kept for `key` at `version`, or the one `make` reads now (and keeps).
    fn get_or_make(
        &mut self,
        key: String,
        version: (i64, u64),
        make: impl FnOnce() -> rusqlite::Result<T>,
    ) -> rusqlite::Result<&T> {
        self.kept.retain(|(_, v, _)| *v == version);
        let entry = match self.kept.iter().position(|(k, _, _)| *k == key) {
            Some(i) => self.kept.remove(i),
            None => (key, version, make()?),
        };
        self.kept.insert(0, entry);
        self.kept.truncate(self.cap);
        Ok(&self.kept[0].2)
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.path).finish()
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA synchronous = NORMAL;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -16000;",
    )
}

fn migrate(conn: &mut Connection, path: &str) -> Result<()> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew { path: path.to_string(), found, known: SCHEMA_VERSION }.into());
    }
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn.transaction()?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tracing::info!(version = i + 1, "applying database migration");
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::DataDir { path: dir.display().to_string(), reason: e.to_string() })?;
        }
        let shown = path.display().to_string();
        let mut writer = Connection::open(path)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        configure(&writer)?;
        // Checkpoints run after each sync on their own connection and thread
        // (`checkpoint_passive`); the writer only checkpoints itself past 256 MB of WAL. With
        // SQLite's default (4 MB) a first sync spent a third of its write time copying pages
        // back while the network waited, and at 64 MB a 10k-room first sync with its pictures
        // (~100 MB) still stopped for one checkpoint of ~150 ms midway (make bench, P2). The
        // checkpoint after the sync also empties the file.
        writer.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)?;
        // Write transactions take the write lock when they begin, so meeting the checkpointer's
        // connection means waiting (the busy timeout), never failing on a stale read snapshot.
        writer.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        migrate(&mut writer, &shown)?;
        let reader = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
        )?;
        configure(&reader)?;
        Ok(SqliteStore {
            path: Some(path.to_path_buf()),
            writer: Mutex::new(writer),
            reader: Some(Mutex::new(reader)),
            filter_sets: Mutex::new(KeptUntilChange::new(FILTER_SETS_KEPT)),
            counts: Mutex::new(KeptUntilChange::new(COUNTS_KEPT)),
            orders: Mutex::new(KeptUntilChange::new(SORTS)),
        })
    }

    /// A private in-memory database (tests).
    pub fn open_in_memory() -> Result<SqliteStore> {
        let n = MEMORY_DBS.fetch_add(1, Ordering::Relaxed);
        let mut writer = Connection::open_with_flags(
            format!("file:roomdeck-mem-{n}?mode=memory"),
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_URI,
        )?;
        configure(&writer)?;
        migrate(&mut writer, ":memory:")?;
        Ok(SqliteStore {
            path: None,
            writer: Mutex::new(writer),
            reader: None,
            filter_sets: Mutex::new(KeptUntilChange::new(FILTER_SETS_KEPT)),
            counts: Mutex::new(KeptUntilChange::new(COUNTS_KEPT)),
            orders: Mutex::new(KeptUntilChange::new(SORTS)),
        })
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn w(&self) -> MutexGuard<'_, Connection> {
        lock(&self.writer)
    }

    fn r(&self) -> MutexGuard<'_, Connection> {
        match &self.reader {
            Some(r) => lock(r),
            None => lock(&self.writer),
        }
    }

    /// Copies what the WAL holds back into the database without waiting for readers or
    /// writers, on a connection of its own (so neither the list nor a sync waits for it).
    pub fn checkpoint_passive(&self) -> Result<()> {
        let Some(path) = &self.path else { return Ok(()) };
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        conn.busy_timeout(std::time::Duration::from_secs(1))?;
        let (busy, log, copied): (i64, i64, i64) =
            conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        if busy == 0 && log > 0 && log == copied {
            // All copied: empty the WAL file too (a first sync leaves ~100 MB of it), here rather
            // than in the next write. Given up at once if anyone is writing or reading.
            conn.busy_timeout(std::time::Duration::ZERO)?;
            if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
                tracing::debug!("WAL not truncated now: {e}");
            }
        }
        Ok(())
    }

    /// Gives back the page caches of both connections (up to 16 MB each): the app calls it
    /// when its start-up work is done, so an idle window does not keep the pages a sync read.
    pub fn shrink_memory(&self) -> Result<()> {
        self.w().execute_batch("PRAGMA shrink_memory;")?;
        if let Some(r) = &self.reader {
            lock(r).execute_batch("PRAGMA shrink_memory;")?;
        }
        Ok(())
    }

    /// Forces a WAL checkpoint (tests that read the file directly).
    pub fn checkpoint(&self) -> Result<()> {
        self.w().execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        Ok(())
    }
}

fn avatar_key(account: &str, path: &str) -> String {
    format!("{account}|{path}")
}

const ACCOUNT_COLUMNS: &str = "a.id, a.family, a.server_url, a.user_id, a.username, a.display_name, a.auth, a.color, \
     a.cert_pin, a.state, a.last_error_code, a.last_error, a.last_sync_ms, a.offline_since_ms, a.created_ms, \
     (SELECT count(*) FROM rooms r WHERE r.account_id = a.id)";

fn account_from(r: &Row<'_>) -> rusqlite::Result<Account> {
    let family: String = r.get(1)?;
    let code: Option<String> = r.get(10)?;
    let message: Option<String> = r.get(11)?;
    Ok(Account {
        id: r.get(0)?,
        family: Family::parse(&family).unwrap_or(Family::Rocketchat),
        server_url: r.get(2)?,
        user_id: r.get(3)?,
        username: r.get(4)?,
        display_name: r.get(5)?,
        auth: r.get(6)?,
        color: r.get(7)?,
        cert_pin: r.get(8)?,
        state: AccountState::parse(&r.get::<_, String>(9)?),
        last_error: code.map(|code| ErrorInfo { code, message: message.unwrap_or_default() }),
        last_sync_ms: r.get(12)?,
        offline_since_ms: r.get(13)?,
        created_ms: r.get(14)?,
        room_count: r.get(15)?,
    })
}

const ROW_COLUMNS: &str = "r.account_id, a.family, r.remote_id, r.kind, r.name, r.topic, r.unread, r.mentions, \
     r.alert, r.favorite, r.archived, r.hidden, r.last_activity_ms, r.last_msg_text, r.last_msg_author, \
     r.last_msg_at_ms, r.member_count, av.state, av.fetched_ms, (av.original IS NOT NULL OR av.small IS NOT NULL)";

macro_rules! row_joins {
    () => {
        "JOIN accounts a ON a.id = r.account_id LEFT JOIN avatars av ON av.key = r.avatar_key"
    };
}
const ROW_JOINS: &str = row_joins!();
const ROW_FROM: &str = concat!("rooms r ", row_joins!());

fn row_from(r: &Row<'_>) -> rusqlite::Result<RoomRow> {
    let account: String = r.get(0)?;
    let family: String = r.get(1)?;
    let remote_id: String = r.get(2)?;
    let kind: String = r.get(3)?;
    let text: Option<String> = r.get(13)?;
    let at: Option<i64> = r.get(15)?;
    let state: Option<String> = r.get(17)?;
    let fetched: Option<i64> = r.get(18)?;
    let has_bytes: Option<bool> = r.get(19)?;
    let has_avatar = state.as_deref() == Some("ok") && has_bytes == Some(true);
    Ok(RoomRow {
        id: crate::model::room_id(&account, &remote_id),
        account,
        family: Family::parse(&family).unwrap_or(Family::Rocketchat),
        remote_id,
        kind: RoomKind::parse(&kind).unwrap_or(RoomKind::Other),
        name: r.get(4)?,
        topic: r.get(5)?,
        unread: r.get(6)?,
        mentions: r.get(7)?,
        alert: r.get(8)?,
        favorite: r.get(9)?,
        archived: r.get(10)?,
        hidden: r.get(11)?,
        last_activity_ms: r.get(12)?,
        last_message: text.map(|text| LastMessage { text, author: r.get(14).ok().flatten(), at_ms: at.unwrap_or(0) }),
        member_count: r.get(16)?,
        has_avatar,
        avatar_version: if has_avatar { fetched.map(|f| f.to_string()) } else { None },
    })
}

fn bool_int(b: bool) -> i64 {
    i64::from(b)
}

fn room_hash(room: &RemoteRoom, avatar_json: &str, details_json: &str) -> i64 {
    fnv1a(&[
        NORMALIZE_VERSION,
        room.raw.as_bytes(),
        room.name.as_bytes(),
        room.kind.as_str().as_bytes(),
        avatar_json.as_bytes(),
        details_json.as_bytes(),
    ])
}

/// The avatar key and wanted version for a source, creating or updating its avatar row.
fn ensure_avatar(
    tx: &Transaction<'_>,
    account: &str,
    owner: &str,
    source: &AvatarSource,
    parts_version: Option<String>,
) -> rusqlite::Result<Option<String>> {
    let (key, path, version) = match source {
        AvatarSource::None => return Ok(None),
        AvatarSource::Remote { path, version } => (avatar_key(account, path), path.clone(), version.clone()),
        AvatarSource::Composite { members } => (
            avatar_key(account, &format!("composite:{owner}")),
            "composite".to_string(),
            parts_version.or(Some(members.join(","))),
        ),
    };
    tx.prepare_cached(
        "INSERT INTO avatars (key, account_id, path, wanted_version, state) VALUES (?1, ?2, ?3, ?4, 'pending')
         ON CONFLICT(key) DO UPDATE SET wanted_version = excluded.wanted_version, path = excluded.path
         WHERE avatars.wanted_version IS NOT excluded.wanted_version OR avatars.path IS NOT excluded.path",
    )?
    .execute(params![key, account, path, version])?;
    Ok(Some(key))
}

/// Writes a user; true when the user had another picture before (which may now be unused).
/// What `apply_batch` reads of a room it already holds: whether it changed, what its search
/// entry and picture were, and its key.
struct KnownRoom {
    hash: i64,
    name: String,
    topic: Option<String>,
    avatar_key: Option<String>,
    pk: i64,
}

fn upsert_user(tx: &Transaction<'_>, account: &str, u: &RemoteUser, now: i64) -> rusqlite::Result<bool> {
    let avatar_json = serde_json::to_string(&u.avatar).unwrap_or_else(|_| "{\"type\":\"none\"}".into());
    let key = ensure_avatar(tx, account, &u.remote_id, &u.avatar, None)?;
    let old: Option<Option<String>> = tx
        .prepare_cached("SELECT avatar_key FROM users WHERE account_id = ?1 AND remote_id = ?2")?
        .query_row(params![account, u.remote_id], |r| r.get(0))
        .optional()?;
    tx.prepare_cached(
        "INSERT INTO users (account_id, remote_id, username, display_name, status, avatar_source, avatar_key, updated_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(account_id, remote_id) DO UPDATE SET username = excluded.username,
            display_name = excluded.display_name, status = excluded.status, avatar_source = excluded.avatar_source,
            avatar_key = excluded.avatar_key, updated_ms = excluded.updated_ms",
    )?
    .execute(params![account, u.remote_id, u.username, u.display_name, u.status, avatar_json, key, now])?;
    Ok(matches!(old, Some(Some(old)) if Some(&old) != key.as_ref()))
}

/// Deletes the account's pictures that no room or user refers to any more. Run when a write may
/// have left some (rooms deleted, a room's or user's picture changed), not after every write: it
/// reads every picture key of the account.
fn drop_unused_avatars(tx: &Transaction<'_>, account: &str) -> rusqlite::Result<()> {
    tx.execute(
        "DELETE FROM avatars WHERE account_id = ?1 AND path != 'composite'
           AND key NOT IN (SELECT avatar_key FROM rooms WHERE account_id = ?1 AND avatar_key IS NOT NULL)
           AND key NOT IN (SELECT avatar_key FROM users WHERE account_id = ?1 AND avatar_key IS NOT NULL)",
        [account],
    )?;
    tx.execute(
        "DELETE FROM avatars WHERE account_id = ?1 AND path = 'composite'
           AND key NOT IN (SELECT avatar_key FROM rooms WHERE account_id = ?1 AND avatar_key IS NOT NULL)",
        [account],
    )?;
    Ok(())
}

/// Writes a room's members; `users_done` holds users already written in this transaction (the
/// same people are members of many rooms: each is upserted once per page). True when a user's
/// picture changed.
fn write_members(
    tx: &Transaction<'_>,
    account: &str,
    room: &str,
    members: &[RemoteUser],
    now: i64,
    users_done: &mut HashSet<String>,
) -> rusqlite::Result<bool> {
    tx.prepare_cached("DELETE FROM room_members WHERE account_id = ?1 AND room_id = ?2")?
        .execute(params![account, room])?;
    let mut seen = HashSet::new();
    let mut pictures_changed = false;
    for (i, m) in members.iter().enumerate() {
        if !seen.insert(m.remote_id.as_str()) {
            continue;
        }
        if users_done.insert(m.remote_id.clone()) {
            pictures_changed |= upsert_user(tx, account, m, now)?;
        }
        tx.prepare_cached(
            "INSERT INTO room_members (account_id, room_id, user_id, role, position) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![account, room, m.remote_id, m.role, i as i64])?;
    }
    Ok(pictures_changed)
}

fn delete_room(tx: &Transaction<'_>, account: &str, remote_id: &str) -> rusqlite::Result<usize> {
    tx.prepare_cached("DELETE FROM room_members WHERE account_id = ?1 AND room_id = ?2")?
        .execute(params![account, remote_id])?;
    tx.prepare_cached("DELETE FROM rooms WHERE account_id = ?1 AND remote_id = ?2")?
        .execute(params![account, remote_id])
}

fn job_from(r: &Row<'_>) -> rusqlite::Result<AvatarJob> {
    Ok(AvatarJob {
        key: r.get(0)?,
        path: r.get(1)?,
        wanted_version: r.get(2)?,
        last_modified: r.get(3)?,
        has_bytes: r.get(4)?,
        parts: None,
    })
}

/// For a composite job: the member pictures (key, path) to assemble.
fn fill_parts(conn: &Connection, account: &str, job: &mut AvatarJob) -> rusqlite::Result<()> {
    if job.path != "composite" {
        return Ok(());
    }
    let room = job.key.rsplit_once("|composite:").map(|(_, r)| r.to_string()).unwrap_or_default();
    // Cached statements: a composite job is filled per member, a round has up to 2000 jobs.
    let source: Option<String> = conn
        .prepare_cached("SELECT avatar_source FROM rooms WHERE account_id = ?1 AND remote_id = ?2")?
        .query_row(params![account, room], |r| r.get(0))
        .optional()?;
    let members = match source.and_then(|s| serde_json::from_str::<AvatarSource>(&s).ok()) {
        Some(AvatarSource::Composite { members }) => members,
        _ => Vec::new(),
    };
    let mut parts = Vec::new();
    for m in members {
        let part: Option<(String, String)> = conn
            .prepare_cached(
                "SELECT u.avatar_key, a.path FROM users u JOIN avatars a ON a.key = u.avatar_key
                 WHERE u.account_id = ?1 AND u.remote_id = ?2",
            )?
            .query_row(params![account, m], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        parts.extend(part);
    }
    job.parts = Some(parts);
    Ok(())
}

/// How a page of the list is read. Every route gives the same page; the tests compare them
/// (the app always takes the cheapest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(test), allow(dead_code))]
enum PageRoute {
    /// The cheapest for this page (see `sql_page_cost`).
    Cheapest,
    /// SQL alone: the order index walked, or the passing rooms read and sorted.
    Sql,
    /// The list order kept in memory (read now if need be) with the filter's set of rooms.
    KeptOrder,
}

/// The conditions of a room query: each filter adds one condition; the search term, if any,
/// comes apart as an FTS5 query so the caller can choose how to apply it.
struct Filters {
    conds: Vec<String>,
    params: Vec<rusqlite::types::Value>,
    search: Option<String>,
    /// The order indexes alone can test these filters (the whole list: only archived and
    /// hidden rooms left out or in, no search), see migration 6.
    in_order_index: bool,
}

impl Filters {
    fn of(q: &RoomQuery) -> Filters {
        use rusqlite::types::Value;
        let mut conds: Vec<String> = Vec::new();
        let mut params: Vec<Value> = Vec::new();
        if !q.accounts.is_empty() {
            conds.push(format!("r.account_id IN ({})", vec!["?"; q.accounts.len()].join(",")));
            params.extend(q.accounts.iter().map(|a| Value::Text(a.clone())));
        }
        if !q.kinds.is_empty() {
            conds.push(format!("r.kind IN ({})", vec!["?"; q.kinds.len()].join(",")));
            params.extend(q.kinds.iter().map(|k| Value::Text(k.as_str().to_string())));
        }
        if q.unread_only {
            conds.push("(r.unread > 0 OR r.mentions > 0 OR r.alert = 1)".into());
        }
        if q.favorites_only {
            conds.push("r.favorite = 1".into());
        }
        match q.archived {
            ArchivedFilter::Exclude => conds.push("r.archived = 0".into()),
            ArchivedFilter::Only => conds.push("r.archived = 1".into()),
            ArchivedFilter::Include => {}
        }
        let search = q.search.as_deref().and_then(fts_query);
        if !q.include_hidden && search.is_none() {
            conds.push("r.hidden = 0".into());
        }
        let in_order_index =
            q.accounts.is_empty() && q.kinds.is_empty() && !q.unread_only && !q.favorites_only && search.is_none();
        Filters { conds, params, search, in_order_index }
    }

    /// `WHERE …` without the search term.
    fn sql(&self) -> String {
        if self.conds.is_empty() { String::new() } else { format!("WHERE {}", self.conds.join(" AND ")) }
    }

    /// `WHERE …` with the search term as a condition on the FTS5 matches, and its parameters.
    fn sql_with_search(&self, in_list_order: bool) -> (String, Vec<rusqlite::types::Value>) {
        let mut conds = self.conds.clone();
        let mut params = self.params.clone();
        if let Some(s) = &self.search {
            // The unary `+` keeps the match list from driving the plan (see `query_rooms`).
            let plus = if in_list_order { "+" } else { "" };
            conds.push(format!("{plus}r.pk IN (SELECT rowid FROM rooms_fts WHERE rooms_fts MATCH ?)"));
            params.push(rusqlite::types::Value::Text(s.clone()));
        }
        let sql = if conds.is_empty() { String::new() } else { format!("WHERE {}", conds.join(" AND ")) };
        (sql, params)
    }
}

/// Above this many matches a search is answered with bitmaps (see `BigSearch`). Below it SQL
/// reads and sorts each match's row, a cache miss each in a big table (~5 µs): 2,000 matches
/// cost ~20 ms at 100k rooms, where the bitmaps' walk in list order costs ~4 ms at 300 and less
/// above (make bench P5q: p95 16.9 ms with 2,000 here, 9.5 ms with 300, same words).
const BIG_SEARCH_MATCHES: i64 = 300;
/// Rooms' primary keys above this make a bitmap too large (8 MB); such searches use plain SQL.
const MAX_BITMAP_PK: i64 = 1 << 26;
/// Filter sets kept for big searches (the list's filters rarely change while the user types).
const FILTER_SETS_KEPT: usize = 4;
/// List counts kept: one per filter the list switched between recently.
const COUNTS_KEPT: usize = 4;
/// The list's sort orders (`Sort`): a list order is kept for each.
const SORTS: usize = 2;

/// A set of room primary keys, one bit each.
#[derive(Debug, Clone, Default)]
struct PkBits(Vec<u64>);

impl PkBits {
    fn with_max(max_pk: i64) -> PkBits {
        PkBits(vec![0; (max_pk.max(0) as usize) / 64 + 1])
    }

    fn insert(&mut self, pk: i64) {
        if pk < 0 {
            return;
        }
        let (w, b) = ((pk as usize) / 64, pk % 64);
        if w >= self.0.len() {
            self.0.resize(w + 1, 0);
        }
        self.0[w] |= 1 << b;
    }

    fn contains(&self, pk: i64) -> bool {
        pk >= 0 && self.0.get((pk as usize) / 64).is_some_and(|w| w & (1 << (pk % 64)) != 0)
    }

    fn count_both(&self, other: &PkBits) -> i64 {
        self.0.iter().zip(&other.0).map(|(a, b)| i64::from((a & b).count_ones())).sum()
    }
}

/// How a search with many matches is answered without asking SQLite to join or sort them all.
///
/// A prefix such as "s" matches a third of 100k rooms. Counting those that pass the filters,
/// or building the `IN (…)` list SQLite needs to page them, costs a B-tree seek or insert per
/// match (9–70 ms at 100k rooms, make bench P5q). Here the matches are read from FTS5 into a
/// bitmap (its doclist is already in rowid order: ~2 ms), the rooms passing the filters come
/// from a bitmap read from the covering `rooms_filter` index and kept until the data changes,
/// the total is the popcount of both, and a page walks the list's own index (activity or name
/// order, keys only; or that order kept in memory, when deep pages have read it) until it has
/// found the page's rooms, whose rows are then read by key.
struct BigSearch<'c> {
    conn: &'c Connection,
    matches: PkBits,
}

impl<'c> BigSearch<'c> {
    /// The FTS5 matches of `fts`, when there are more than `BIG_SEARCH_MATCHES` (read in rowid
    /// order, so the bitmap grows a word at a time).
    fn matches(conn: &'c Connection, fts: &str) -> rusqlite::Result<Option<BigSearch<'c>>> {
        Ok(fts_matches(conn, fts)?
            .filter(|(_, n)| *n > BIG_SEARCH_MATCHES)
            .map(|(matches, _)| BigSearch { conn, matches }))
    }

    /// The page's keys: walks the list order kept in memory when there is one, else the order
    /// index (keys only) until the page is full.
    fn page(
        &self,
        passing: &PkBits,
        order: Option<&[i64]>,
        sort: Sort,
        offset: i64,
        limit: i64,
    ) -> rusqlite::Result<Vec<i64>> {
        let keep = |pk: i64| self.matches.contains(pk) && passing.contains(pk);
        if let Some(order) = order {
            return page_keys(order.iter().map(|&pk| Ok(pk)), keep, offset, limit);
        }
        let mut stmt = self.conn.prepare_cached(order_sql(sort))?;
        let mut rows = stmt.query([])?;
        let walk = std::iter::from_fn(|| rows.next().transpose().map(|r| r.and_then(|r| r.get(0))));
        page_keys(walk, keep, offset, limit)
    }
}

/// The FTS5 matches of `fts` as a bitmap, and how many there are (read in rowid order, so the
/// bitmap grows a word at a time); `None` when a key is too large for a bitmap.
fn fts_matches(conn: &Connection, fts: &str) -> rusqlite::Result<Option<(PkBits, i64)>> {
    let mut stmt = conn.prepare_cached("SELECT rowid FROM rooms_fts WHERE rooms_fts MATCH ?1")?;
    let mut rows = stmt.query([fts])?;
    let (mut matches, mut n) = (PkBits::default(), 0i64);
    while let Some(r) = rows.next()? {
        let pk: i64 = r.get(0)?;
        if pk > MAX_BITMAP_PK {
            return Ok(None);
        }
        matches.insert(pk);
        n += 1;
    }
    Ok(Some((matches, n)))
}

/// The keys of a page: the `offset`-th to the `offset + limit`-th key of `order` that `keep`
/// accepts.
fn page_keys(
    order: impl Iterator<Item = rusqlite::Result<i64>>,
    keep: impl Fn(i64) -> bool,
    offset: i64,
    limit: i64,
) -> rusqlite::Result<Vec<i64>> {
    let (mut skip, mut pks) = (offset.max(0), Vec::new());
    for pk in order {
        if pks.len() as i64 >= limit {
            break;
        }
        let pk = pk?;
        if keep(pk) {
            if skip > 0 {
                skip -= 1;
            } else {
                pks.push(pk);
            }
        }
    }
    Ok(pks)
}

/// Every room's key in list order, from the order index alone.
fn order_sql(sort: Sort) -> &'static str {
    match sort {
        Sort::Activity => "SELECT pk FROM rooms INDEXED BY rooms_by_activity ORDER BY last_activity_ms DESC, pk",
        Sort::Name => "SELECT pk FROM rooms INDEXED BY rooms_by_name ORDER BY name_fold, pk",
    }
}

impl SqliteStore {
    /// Runs `f` with the rooms passing `filters`, read from the `rooms_filter` index unless a
    /// set read since the last change to the database is at hand.
    fn with_filter_set<T>(
        &self,
        conn: &Connection,
        filters: &Filters,
        f: impl FnOnce(&PkBits) -> T,
    ) -> rusqlite::Result<T> {
        let version = db_version(conn)?;
        let key = format!("{}|{:?}", filters.sql(), filters.params);
        let mut sets = lock(&self.filter_sets);
        let rooms = sets.get_or_make(key, version, || {
            let max: i64 = conn.query_row("SELECT coalesce(max(pk), 0) FROM rooms", [], |r| r.get(0))?;
            let mut rooms = PkBits::with_max(max);
            let mut stmt =
                conn.prepare_cached(&format!("SELECT r.pk FROM rooms r INDEXED BY rooms_filter {}", filters.sql()))?;
            let mut rows = stmt.query(params_from_iter(filters.params.iter()))?;
            while let Some(r) = rows.next()? {
                rooms.insert(r.get(0)?);
            }
            Ok(rooms)
        })?;
        Ok(f(rooms))
    }

    /// Every room's key in `sort` order, read from the order index (keys only: ~6 ms at 100k
    /// rooms) unless kept since the last change to the database. A deep page then walks it in
    /// memory with the filter's set of rooms (another ~6 ms to read, also kept): 0.3–1 ms a
    /// page, where SQL walks every room above the page (4–8 ms deep in the whole list at 100k
    /// rooms) and, for a filtered list, reads each one's row to test it (40–450 ms), or reads
    /// and sorts every passing room (20–25 ms for 3k direct messages by name).
    fn list_order(&self, conn: &Connection, sort: Sort) -> rusqlite::Result<Arc<Vec<i64>>> {
        let version = db_version(conn)?;
        let mut orders = lock(&self.orders);
        let order = orders.get_or_make(format!("{sort:?}"), version, || {
            let mut stmt = conn.prepare_cached(order_sql(sort))?;
            let pks = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<i64>>>()?;
            Ok(Arc::new(pks))
        })?;
        Ok(order.clone())
    }

    /// The list order for `sort`, if one is kept for the database as it is.
    fn kept_list_order(&self, conn: &Connection, sort: Sort) -> rusqlite::Result<Option<Arc<Vec<i64>>>> {
        let version = db_version(conn)?;
        Ok(lock(&self.orders).get(&format!("{sort:?}"), version).cloned())
    }

    /// `SELECT count(*)` of the rooms passing `filter`, read again only when the database has
    /// changed since it was last counted: scrolling a long list asks for a page, and its count,
    /// every few frames.
    fn cached_count(&self, conn: &Connection, filter: &str, params: &[rusqlite::types::Value]) -> Result<i64> {
        let version = db_version(conn)?;
        let key = format!("{filter}|{params:?}");
        let total = *lock(&self.counts).get_or_make(key, version, || {
            conn.prepare_cached(&format!("SELECT count(*) FROM rooms r {filter}"))?
                .query_row(params_from_iter(params.iter()), |r| r.get(0))
        })?;
        Ok(total)
    }

    /// A page of the list by `route` (the app always asks for the cheapest).
    fn query_rooms_by(&self, q: &RoomQuery, offset: i64, limit: i64, route: PageRoute) -> Result<RoomPage> {
        let filters = Filters::of(q);
        let (offset, limit) = (offset.max(0), limit.clamp(0, 10_000));
        self.in_read_transaction(|conn| self.query_rooms_in(conn, q, &filters, offset, limit, route))
    }

    /// Where a room is in the list `q` gives, by `route` (the app always asks for the cheapest).
    fn room_position_by(&self, q: &RoomQuery, account: &str, remote_id: &str, route: PageRoute) -> Result<Option<i64>> {
        let filters = Filters::of(q);
        self.in_read_transaction(|conn| self.room_position_in(conn, q, &filters, account, remote_id, route))
    }

    /// Runs `f` in one read transaction on the reading connection, so the count, the page (or
    /// the position) and the versions of what is kept all see the same state of the database
    /// while a sync commits.
    fn in_read_transaction<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.r();
        conn.execute_batch("BEGIN DEFERRED")?;
        let out = f(&conn);
        let end = conn.execute_batch("COMMIT");
        let out = out?;
        end?;
        Ok(out)
    }

    /// Counts the rooms before this one in the list: walking the list order kept in memory with
    /// the filter's set of rooms (and the search's matches), or (`PageRoute::Sql`, or keys too
    /// large for bitmaps) reading the list's keys in order with SQL. A room the list does not
    /// hold has no position.
    fn room_position_in(
        &self,
        conn: &Connection,
        q: &RoomQuery,
        filters: &Filters,
        account: &str,
        remote_id: &str,
        route: PageRoute,
    ) -> Result<Option<i64>> {
        let pk: Option<i64> = conn
            .prepare_cached("SELECT pk FROM rooms WHERE account_id = ?1 AND remote_id = ?2")?
            .query_row(params![account, remote_id], |r| r.get(0))
            .optional()?;
        let Some(pk) = pk else { return Ok(None) };
        let bitmaps = route != PageRoute::Sql && max_pk(conn)? <= MAX_BITMAP_PK;
        // The search's matches as a bitmap (`Some(None)`: no search term), when bitmaps can be used.
        let matches = match (&filters.search, bitmaps) {
            (_, false) => None,
            (None, true) => Some(None),
            (Some(fts), true) => fts_matches(conn, fts)?.map(|(m, _)| Some(m)),
        };
        let Some(matches) = matches else {
            let (filter, params) = filters.sql_with_search(false);
            let sql = format!("SELECT r.pk FROM rooms r {filter} {}", order_by(q.sort));
            let mut stmt = conn.prepare_cached(&sql)?;
            let mut rows = stmt.query(params_from_iter(params.iter()))?;
            let mut at = 0i64;
            while let Some(r) = rows.next()? {
                if r.get::<_, i64>(0)? == pk {
                    return Ok(Some(at));
                }
                at += 1;
            }
            return Ok(None);
        };
        let order = self.list_order(conn, q.sort)?;
        Ok(self.with_filter_set(conn, filters, |passing| {
            let keep = |k: i64| passing.contains(k) && matches.as_ref().is_none_or(|m| m.contains(k));
            if !keep(pk) {
                return None;
            }
            let mut at = 0i64;
            for &k in order.iter() {
                if k == pk {
                    return Some(at);
                }
                at += i64::from(keep(k));
            }
            None
        })?)
    }

    fn query_rooms_in(
        &self,
        conn: &Connection,
        q: &RoomQuery,
        filters: &Filters,
        offset: i64,
        limit: i64,
        route: PageRoute,
    ) -> Result<RoomPage> {
        // The first read fixes the transaction's snapshot before `data_version` is read.
        conn.query_row("SELECT count(*) FROM accounts", [], |r| r.get::<_, i64>(0))?;
        if let Some(fts) = &filters.search
            && let Some(big) = BigSearch::matches(conn, fts)?
        {
            // A list order kept from earlier pages is walked in memory; a search never reads
            // it just for itself (its walk stops at the page, usually near the top).
            let order = match route {
                PageRoute::Cheapest => self.kept_list_order(conn, q.sort)?,
                PageRoute::Sql => None,
                PageRoute::KeptOrder => Some(self.list_order(conn, q.sort)?),
            };
            let (total, pks) = self.with_filter_set(conn, filters, |passing| {
                let order = order.as_deref().map(Vec::as_slice);
                (big.matches.count_both(passing), big.page(passing, order, q.sort, offset, limit))
            })?;
            let rows = rows_by_pks(conn, &pks?)?.into_iter().flatten().collect();
            return Ok(RoomPage { total, offset, rows });
        }
        let (filter, params) = filters.sql_with_search(false);
        let total = self.cached_count(conn, &filter, &params)?;
        // The highest key bounds the number of rooms (for the cost of each way to read the page).
        let rooms = if filters.search.is_none() { Some(max_pk(conn)?) } else { None };
        if let Some(rooms) = rooms {
            let from_order = rooms <= MAX_BITMAP_PK
                && match route {
                    PageRoute::Cheapest => {
                        self.kept_list_order(conn, q.sort)?.is_some()
                            || sql_page_cost(filters.in_order_index, rooms, total, offset, limit) > 2 * rooms
                    }
                    PageRoute::Sql => false,
                    PageRoute::KeptOrder => true,
                };
            if from_order {
                let order = self.list_order(conn, q.sort)?;
                let pks = self.with_filter_set(conn, filters, |passing| {
                    page_keys(order.iter().map(|&pk| Ok(pk)), |pk| passing.contains(pk), offset, limit)
                })??;
                let rows = rows_by_pks(conn, &pks)?.into_iter().flatten().collect();
                return Ok(RoomPage { total, offset, rows });
            }
        }
        // A search that matches many rooms but that the bitmaps cannot take (huge keys) is
        // cheapest read in list order, checking each room against the matches until the page
        // is full; left to itself SQLite fetches every match and sorts them all (200+ ms at
        // 100k rooms). Few matches are cheapest the other way round.
        let (filter, params) = if filters.search.is_some() && total > BIG_SEARCH_MATCHES {
            filters.sql_with_search(true)
        } else {
            (filter, params)
        };
        let mut all = params;
        all.push(rusqlite::types::Value::Integer(limit));
        all.push(rusqlite::types::Value::Integer(offset));
        let order = order_by(q.sort);
        let index = match q.sort {
            Sort::Activity => "rooms_by_activity",
            Sort::Name => "rooms_by_name",
        };
        if filters.in_order_index {
            // The page's keys from the order index alone (skipping 100k entries to a deep page
            // takes a few ms; with the joins SQLite reads every skipped room's row, and left
            // to itself it sorts every passing room: 250-800 ms a page at 100k rooms), then the
            // page's rows by key.
            let sql = format!("SELECT r.pk FROM rooms r INDEXED BY {index} {filter} {order} LIMIT ? OFFSET ?");
            let pks: Vec<i64> = conn
                .prepare_cached(&sql)?
                .query_map(params_from_iter(all.iter()), |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            // One read transaction: every key read above still has its row.
            let rows = rows_by_pks(conn, &pks)?.into_iter().flatten().collect();
            return Ok(RoomPage { total, offset, rows });
        }
        if let Some(rooms) = rooms
            && walks_list_order(rooms, total, offset, limit)
        {
            let sql = format!(
                "SELECT {ROW_COLUMNS} FROM rooms r INDEXED BY {index} {ROW_JOINS} {filter} {order} LIMIT ? OFFSET ?"
            );
            let rows = conn
                .prepare_cached(&sql)?
                .query_map(params_from_iter(all.iter()), row_from)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            return Ok(RoomPage { total, offset, rows });
        }
        let sql = format!("SELECT {ROW_COLUMNS} FROM {ROW_FROM} {filter} {order} LIMIT ? OFFSET ?");
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(all.iter()), row_from)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(RoomPage { total, offset, rows })
    }
}

/// Whether a page of `total` passing rooms is cheaper read by walking the list's order index
/// and testing each room against the filter (about `(offset + limit) × rooms / total` index
/// entries, each reading its row only when the filter needs more than the index holds) than by
/// reading every passing room and sorting them (`total` rows). Without this SQLite serves the
/// default filter from `rooms_filter` and sorts: 250 ms per page at 100k rooms. `rooms` is the
/// highest room key, which bounds the number of rooms.
fn walks_list_order(rooms: i64, total: i64, offset: i64, limit: i64) -> bool {
    let (total, wanted) = (i128::from(total), i128::from(offset) + i128::from(limit));
    total * total > wanted * i128::from(rooms)
}

/// The highest room key: it bounds the number of rooms, in one index probe.
fn max_pk(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT coalesce(max(pk), 0) FROM rooms")?.query_row([], |r| r.get(0))
}

/// What reading a room's row costs, in steps of an index walked in order (~0.06 µs a key at
/// 100k rooms): to test it against the filters while walking the list's order (~3 µs), and
/// to read it with its joins for sorting (~7 µs).
const ROW_TEST_COST: i64 = 40;
const ROW_SORT_COST: i64 = 90;
/// Pages a list read this deep is likely to ask for next (scrolling on, the read-ahead).
const PAGES_AHEAD: i64 = 4;

/// What a page of the list costs read with SQL, in index steps: the order index walked to the
/// page's end (`(offset + limit) × rooms / total` keys), reading each room's row when the
/// filters need more than the index holds; or, for a short list, every passing room's row read
/// and sorted. Reading every key of the order index once and keeping it
/// (`SqliteStore::list_order`), with the filter's set of rooms, costs about two steps per room;
/// every page after that is a walk in memory.
fn sql_page_cost(keys_only: bool, rooms: i64, total: i64, offset: i64, limit: i64) -> i64 {
    let walk = (i128::from(offset) + i128::from(limit)) * i128::from(rooms) / i128::from(total.max(1));
    let walk = i64::try_from(walk.min(i128::from(rooms))).unwrap_or(rooms);
    if keys_only {
        // Cheap for one page, but a list scrolled this deep asks for page after page.
        walk.saturating_mul(PAGES_AHEAD)
    } else if walks_list_order(rooms, total, offset, limit) {
        walk.saturating_mul(ROW_TEST_COST)
    } else {
        total.saturating_mul(ROW_SORT_COST)
    }
}

/// The list rows with these keys, in the same order (`None` for a key that is gone).
fn rows_by_pks(conn: &Connection, pks: &[i64]) -> Result<Vec<Option<RoomRow>>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {ROW_COLUMNS} FROM {ROW_FROM} WHERE r.pk = ?1"))?;
    let mut out = Vec::with_capacity(pks.len());
    for pk in pks {
        out.push(stmt.query_row([pk], row_from).optional()?);
    }
    Ok(out)
}

fn order_by(sort: Sort) -> &'static str {
    match sort {
        Sort::Activity => "ORDER BY r.last_activity_ms DESC, r.pk",
        Sort::Name => "ORDER BY r.name_fold, r.pk",
    }
}

impl Store for SqliteStore {
    fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self.r().query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.w().execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    fn insert_account(&self, a: &NewAccount, now_ms: i64) -> Result<Account> {
        let mut conn = self.w();
        let tx = conn.transaction()?;
        // Ids are never reused, so a script holding `rc1:GENERAL` cannot hit another account's room.
        let seq_key = format!("account_seq_{}", a.family.id_prefix());
        let seq: i64 = tx
            .query_row("SELECT value FROM settings WHERE key = ?1", [&seq_key], |r| r.get::<_, String>(0))
            .optional()?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
            + 1;
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![seq_key, seq.to_string()],
        )?;
        let id = format!("{}{}", a.family.id_prefix(), seq);
        let count: i64 = tx.query_row("SELECT count(*) FROM accounts", [], |r| r.get(0))?;
        let color = ACCOUNT_COLORS[(count as usize) % ACCOUNT_COLORS.len()];
        tx.execute(
            "INSERT INTO accounts (id, family, server_url, user_id, username, display_name, auth, color, cert_pin, created_ms, position)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![id, a.family.as_str(), a.server_url, a.user_id, a.username, a.display_name, a.auth, color, a.cert_pin, now_ms, count],
        )?;
        tx.commit()?;
        drop(conn);
        self.account(&id)?.ok_or_else(|| Error::NotFound(format!("account {id} vanished")))
    }

    fn account(&self, id: &str) -> Result<Option<Account>> {
        Ok(self
            .r()
            .query_row(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.id = ?1"), [id], account_from)
            .optional()?)
    }

    fn accounts(&self) -> Result<Vec<Account>> {
        let conn = self.r();
        let mut stmt =
            conn.prepare(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a ORDER BY a.position, a.created_ms"))?;
        let rows = stmt.query_map([], account_from)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    fn update_identity(
        &self,
        id: &str,
        user_id: Option<&str>,
        username: Option<&str>,
        display_name: Option<&str>,
    ) -> Result<()> {
        self.w().execute(
            "UPDATE accounts SET user_id = coalesce(?2, user_id), username = coalesce(?3, username),
                display_name = coalesce(?4, display_name) WHERE id = ?1",
            params![id, user_id, username, display_name],
        )?;
        Ok(())
    }

    fn set_cert_pin(&self, id: &str, pin: Option<&str>) -> Result<()> {
        self.w().execute("UPDATE accounts SET cert_pin = ?2 WHERE id = ?1", params![id, pin])?;
        Ok(())
    }

    fn set_status(&self, id: &str, s: &AccountStatus, now_ms: i64) -> Result<()> {
        let offline = s.state == AccountState::Offline;
        self.w().execute(
            "UPDATE accounts SET state = ?2, last_error_code = ?3, last_error = ?4,
                last_sync_ms = coalesce(?5, last_sync_ms),
                offline_since_ms = CASE WHEN ?6 THEN coalesce(offline_since_ms, ?7) ELSE NULL END
             WHERE id = ?1",
            params![
                id,
                s.state.as_str(),
                s.error.as_ref().map(|e| e.code.clone()),
                s.error.as_ref().map(|e| e.message.clone()),
                s.synced_ms,
                offline,
                now_ms
            ],
        )?;
        Ok(())
    }

    fn capabilities(&self, id: &str) -> Result<Capabilities> {
        let text: Option<String> =
            self.r().query_row("SELECT capabilities FROM accounts WHERE id = ?1", [id], |r| r.get(0)).optional()?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default())
    }

    fn set_capabilities(&self, id: &str, caps: &Capabilities) -> Result<()> {
        let text = serde_json::to_string(caps).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.w().execute("UPDATE accounts SET capabilities = ?2 WHERE id = ?1", params![id, text])?;
        Ok(())
    }

    fn remove_account(&self, id: &str) -> Result<bool> {
        let mut conn = self.w();
        let tx = conn.transaction()?;
        for table in ["room_members", "users", "rooms", "avatars", "sync_cursors", "sync_runs"] {
            tx.execute(&format!("DELETE FROM {table} WHERE account_id = ?1"), [id])?;
        }
        let n = tx.execute("DELETE FROM accounts WHERE id = ?1", [id])?;
        tx.commit()?;
        Ok(n > 0)
    }

    fn cursors(&self, account: &str) -> Result<Cursors> {
        let conn = self.r();
        let mut stmt = conn.prepare("SELECT stream, value FROM sync_cursors WHERE account_id = ?1")?;
        let map = stmt.query_map([account], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        Ok(Cursors(map))
    }

    fn clear_cursors(&self, account: &str) -> Result<()> {
        self.w().execute("DELETE FROM sync_cursors WHERE account_id = ?1", [account])?;
        Ok(())
    }

    fn cached_raw(&self, account: &str, remote_id: &str) -> Result<Option<String>> {
        // The reader: a sync looks up what it committed earlier while its pictures are written.
        Ok(self
            .r()
            .prepare_cached("SELECT raw FROM rooms WHERE account_id = ?1 AND remote_id = ?2")?
            .query_row(params![account, remote_id], |r| r.get(0))
            .optional()?)
    }

    fn remote_id_for_alt(&self, account: &str, alt_id: &str) -> Result<Option<String>> {
        Ok(self
            .w()
            .prepare_cached("SELECT remote_id FROM rooms WHERE account_id = ?1 AND alt_id = ?2")?
            .query_row(params![account, alt_id], |r| r.get(0))
            .optional()?)
    }

    fn is_known(&self, account: &str, remote_id: &str) -> Result<bool> {
        Ok(self
            .w()
            .prepare_cached("SELECT 1 FROM rooms WHERE account_id = ?1 AND remote_id = ?2")?
            .query_row(params![account, remote_id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    fn apply_batch(&self, account: &str, batch: &Batch, now: i64) -> Result<(usize, usize)> {
        let mut conn = self.w();
        let tx = conn.transaction()?;
        let mut changed = 0usize;
        let mut removed = 0usize;
        let mut users_done = HashSet::new();
        // Whether a write may have left a picture nobody refers to (see `drop_unused_avatars`).
        let mut pictures_changed = false;
        #[allow(clippy::type_complexity)]
        let mut index: Vec<(i64, Option<(String, Option<String>)>, &RemoteRoom)> = Vec::new();
        for room in &batch.rooms {
            let avatar_json = serde_json::to_string(&room.avatar).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let details_json = serde_json::to_string(&room.details).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let hash = room_hash(room, &avatar_json, &details_json);
            let existing: Option<KnownRoom> = tx
                .prepare_cached(
                    "SELECT content_hash, name, topic, avatar_key, pk FROM rooms WHERE account_id = ?1 AND remote_id = ?2",
                )?
                .query_row(params![account, room.remote_id], |r| {
                    Ok(KnownRoom { hash: r.get(0)?, name: r.get(1)?, topic: r.get(2)?, avatar_key: r.get(3)?, pk: r.get(4)? })
                })
                .optional()?;
            if existing.as_ref().map(|e| e.hash) == Some(hash) {
                continue;
            }
            if let Some(members) = &room.members {
                pictures_changed |= write_members(&tx, account, &room.remote_id, members, now, &mut users_done)?;
            }
            // A composite's version lists its parts' pictures, so it is redone when one changes.
            let parts_version = match (&room.avatar, &room.members) {
                (AvatarSource::Composite { members: ids }, Some(members)) => Some(
                    ids.iter()
                        .map(|id| {
                            members
                                .iter()
                                .find(|m| &m.remote_id == id)
                                .map(|m| match &m.avatar {
                                    AvatarSource::Remote { path, .. } => path.clone(),
                                    _ => String::new(),
                                })
                                .unwrap_or_default()
                        })
                        .collect::<Vec<_>>()
                        .join("\n"),
                ),
                _ => None,
            };
            let key = ensure_avatar(&tx, account, &room.remote_id, &room.avatar, parts_version)?;
            if let Some(KnownRoom { avatar_key: Some(old), .. }) = &existing {
                pictures_changed |= Some(old) != key.as_ref();
            }
            let lm = room.last_message.as_ref();
            let fields = params![
                account,
                room.remote_id,
                room.alt_id,
                room.kind.as_str(),
                room.name,
                fold(&room.name),
                room.topic,
                room.description,
                room.unread,
                room.mentions,
                bool_int(room.alert),
                bool_int(room.favorite),
                bool_int(room.archived),
                bool_int(room.hidden),
                room.last_activity_ms.unwrap_or(0),
                lm.map(|m| m.text.as_str()),
                lm.and_then(|m| m.author.as_deref()),
                lm.map(|m| m.at_ms),
                room.member_count,
                room.created_ms,
                room.creator,
                avatar_json,
                key,
                details_json,
                room.raw,
                hash,
                room.updated_ms,
                now,
                room.members.is_some().then_some(now),
            ];
            // A new room is inserted, a known one updated by its key: no `ON CONFLICT` and no
            // `RETURNING`, which SQLite runs as a trigger, so every such statement kept a
            // statement journal and copied each page it touched into it first (a tenth of a
            // first sync's room writes).
            let pk = match &existing {
                None => {
                    tx.prepare_cached(
                        "INSERT INTO rooms (account_id, remote_id, alt_id, kind, name, name_fold, topic, description,
                            unread, mentions, alert, favorite, archived, hidden, last_activity_ms, last_msg_text,
                            last_msg_author, last_msg_at_ms, member_count, created_ms, creator, avatar_source,
                            avatar_key, details, raw, content_hash, server_updated_ms, synced_ms, members_synced_ms,
                            members_complete)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
                            ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?29 IS NOT NULL)",
                    )?
                    .execute(fields)?;
                    tx.last_insert_rowid()
                }
                Some(e) => {
                    // ?1 and ?2 (account, remote id) stay the room's; ?30 is its key.
                    let mut stmt = tx.prepare_cached(
                        "UPDATE rooms SET alt_id = ?3, kind = ?4, name = ?5, name_fold = ?6, topic = ?7,
                            description = ?8, unread = ?9, mentions = ?10, alert = ?11, favorite = ?12, archived = ?13,
                            hidden = ?14, last_activity_ms = ?15, last_msg_text = ?16, last_msg_author = ?17,
                            last_msg_at_ms = ?18, member_count = coalesce(?19, member_count), created_ms = ?20,
                            creator = ?21, avatar_source = ?22, avatar_key = ?23, details = ?24, raw = ?25,
                            content_hash = ?26, server_updated_ms = ?27, synced_ms = ?28,
                            members_synced_ms = coalesce(?29, members_synced_ms),
                            members_complete = CASE WHEN ?29 IS NULL THEN members_complete ELSE 1 END
                         WHERE pk = ?30 AND account_id = ?1 AND remote_id = ?2",
                    )?;
                    for (i, value) in fields.iter().enumerate() {
                        stmt.raw_bind_parameter(i + 1, value)?;
                    }
                    stmt.raw_bind_parameter(30, e.pk)?;
                    stmt.raw_execute()?;
                    e.pk
                }
            };
            match existing {
                None => index.push((pk, None, room)),
                Some(e) if e.name == room.name && e.topic == room.topic => {}
                Some(e) => index.push((pk, Some((e.name, e.topic)), room)),
            }
            changed += 1;
        }
        // The search index is written here, once the rooms are, rather than by triggers: once
        // FTS5 holds pending terms, every later statement that may abort (each upsert) makes it
        // flush them to a new segment, then merge those (a 14k-room first sync spent a third of
        // its writes doing that).
        for (pk, old, room) in index {
            if let Some((name, topic)) = old {
                tx.prepare_cached(
                    "INSERT INTO rooms_fts (rooms_fts, rowid, name, topic) VALUES ('delete', ?1, ?2, ?3)",
                )?
                .execute(params![pk, name, topic])?;
            }
            tx.prepare_cached("INSERT INTO rooms_fts (rowid, name, topic) VALUES (?1, ?2, ?3)")?
                .execute(params![pk, room.name, room.topic])?;
        }
        for id in &batch.removed {
            removed += delete_room(&tx, account, id)?;
        }
        if let Some(snapshot) = &batch.snapshot {
            // The rooms the server no longer lists (a set difference in memory: 14k ids in a
            // few ms, where a temporary table took 20).
            let listed: HashSet<&str> = snapshot.iter().map(String::as_str).collect();
            let gone: Vec<String> = {
                let mut stmt = tx.prepare_cached("SELECT remote_id FROM rooms WHERE account_id = ?1")?;
                let ids = stmt.query_map([account], |r| r.get::<_, String>(0))?;
                let mut gone = Vec::new();
                for id in ids {
                    let id = id?;
                    if !listed.contains(id.as_str()) {
                        gone.push(id);
                    }
                }
                gone
            };
            for id in &gone {
                removed += delete_room(&tx, account, id)?;
            }
        }
        if removed > 0 || pictures_changed {
            drop_unused_avatars(&tx, account)?;
        }
        for (stream, value) in &batch.cursors {
            tx.prepare_cached(
                "INSERT INTO sync_cursors (account_id, stream, value, updated_ms) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(account_id, stream) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms",
            )?
            .execute(params![account, stream, value, now])?;
        }
        tx.commit()?;
        Ok((changed, removed))
    }

    fn record_sync(&self, rep: &SyncReport, started_ms: i64, finished_ms: i64) -> Result<()> {
        let conn = self.w();
        conn.execute(
            "INSERT INTO sync_runs (account_id, started_ms, finished_ms, full, requests, rooms_changed, rooms_removed,
                avatars_fetched, error_code, error_message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                rep.account,
                started_ms,
                finished_ms,
                rep.full,
                rep.requests as i64,
                rep.rooms_changed as i64,
                rep.rooms_removed as i64,
                rep.avatars_fetched as i64,
                rep.error.as_ref().map(|e| e.code.clone()),
                rep.error.as_ref().map(|e| e.message.clone()),
            ],
        )?;
        // Keep the log short.
        conn.execute(
            "DELETE FROM sync_runs WHERE account_id = ?1 AND id NOT IN
                (SELECT id FROM sync_runs WHERE account_id = ?1 ORDER BY id DESC LIMIT 50)",
            [&rep.account],
        )?;
        Ok(())
    }

    fn last_sync_runs(&self, account: &str, limit: usize) -> Result<Vec<SyncReport>> {
        let conn = self.r();
        let mut stmt = conn.prepare(
            "SELECT full, requests, rooms_changed, rooms_removed, avatars_fetched, error_code, error_message,
                finished_ms - started_ms FROM sync_runs WHERE account_id = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![account, limit as i64], |r| {
                let code: Option<String> = r.get(5)?;
                Ok(SyncReport {
                    account: account.to_string(),
                    full: r.get(0)?,
                    requests: r.get::<_, i64>(1)? as u64,
                    rooms_changed: r.get::<_, i64>(2)? as u64,
                    rooms_removed: r.get::<_, i64>(3)? as u64,
                    avatars_fetched: r.get::<_, i64>(4)? as u64,
                    avatar_bytes: 0,
                    duration_ms: r.get::<_, i64>(7)?.max(0) as u64,
                    error: code.map(|code| ErrorInfo { code, message: r.get(6).ok().flatten().unwrap_or_default() }),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    fn replace_members(
        &self,
        account: &str,
        room: &str,
        members: &[RemoteUser],
        complete: bool,
        now: i64,
    ) -> Result<()> {
        let mut conn = self.w();
        let tx = conn.transaction()?;
        if write_members(&tx, account, room, members, now, &mut HashSet::new())? {
            drop_unused_avatars(&tx, account)?;
        }
        tx.execute(
            "UPDATE rooms SET members_synced_ms = ?3, members_complete = ?4, members_note = NULL,
                member_count = CASE WHEN ?4 THEN ?5 ELSE member_count END
             WHERE account_id = ?1 AND remote_id = ?2",
            params![
                account,
                room,
                now,
                complete,
                members.iter().map(|m| &m.remote_id).collect::<HashSet<_>>().len() as i64
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn set_members_note(&self, account: &str, room: &str, note: Option<&str>) -> Result<()> {
        self.w().execute(
            "UPDATE rooms SET members_note = ?3 WHERE account_id = ?1 AND remote_id = ?2",
            params![account, room, note],
        )?;
        Ok(())
    }

    fn avatar_jobs(&self, account: &str, now: i64, limit: usize) -> Result<Vec<AvatarJob>> {
        // The reader: the picture pass picks its next jobs while a page of rooms is being
        // written (it only wants committed rooms anyway).
        let conn = self.r();
        // Three branches, each on its own index (migration 5; named, so that the planner, which
        // prefers `avatars_due`'s two equalities, cannot walk every stored picture instead):
        // waiting or failed; version key moved; unversioned and old (an unversioned picture
        // with a stored version has moved too, so the third branch leaves it to the second).
        macro_rules! due {
            ($index:literal, $cond:literal) => {
                concat!(
                    "SELECT a.key, a.path, a.wanted_version, a.last_modified, a.bytes > 0
                     FROM avatars a INDEXED BY ",
                    $index,
                    " WHERE a.account_id = ?1 AND ",
                    $cond,
                    " AND (a.retry_after_ms IS NULL OR a.retry_after_ms <= ?2)
                     AND EXISTS (SELECT 1 FROM rooms r WHERE r.avatar_key = a.key)"
                )
            };
        }
        let mut stmt = conn.prepare_cached(concat!(
            due!("avatars_due", "a.state IN ('pending', 'failed')"),
            " UNION ALL ",
            due!("avatars_moved", "a.state IN ('ok', 'none') AND a.wanted_version IS NOT a.version"),
            " UNION ALL ",
            due!(
                "avatars_unversioned",
                "a.state IN ('ok', 'none') AND a.wanted_version IS NULL AND a.version IS NULL AND a.fetched_ms < ?2 - ?4"
            ),
            " LIMIT ?3"
        ))?;
        let mut jobs: Vec<AvatarJob> = stmt
            .query_map(params![account, now, limit as i64, STALE_AFTER_MS], job_from)?
            .collect::<rusqlite::Result<_>>()?;
        drop(stmt);
        for job in jobs.iter_mut() {
            fill_parts(&conn, account, job)?;
        }
        Ok(jobs)
    }

    fn avatar_job_for(&self, key: &str, now: i64) -> Result<Option<AvatarJob>> {
        let conn = self.w();
        let found: Option<(AvatarJob, String)> = conn
            .prepare_cached(
                "SELECT key, path, wanted_version, last_modified, bytes > 0, account_id FROM avatars
                 WHERE key = ?1 AND (state IN ('pending', 'evicted')
                    OR (state = 'failed' AND (retry_after_ms IS NULL OR retry_after_ms <= ?2)))",
            )?
            .query_row(params![key, now], |r| Ok((job_from(r)?, r.get(5)?)))
            .optional()?;
        let Some((mut job, account)) = found else { return Ok(None) };
        fill_parts(&conn, &account, &mut job)?;
        Ok(Some(job))
    }

    fn store_avatar(&self, key: &str, version: Option<&str>, update: &AvatarUpdate, now: i64) -> Result<()> {
        self.store_avatars(&[(key.to_string(), version.map(str::to_string), update.clone())], now)
    }

    fn store_avatars(&self, items: &[(String, Option<String>, AvatarUpdate)], now: i64) -> Result<()> {
        let mut conn = self.w();
        let tx = conn.transaction()?;
        for (key, version, update) in items {
            match update {
                AvatarUpdate::Image { content_type, original, small, large, last_modified } => {
                    let bytes =
                        [original, small, large].iter().map(|b| b.as_ref().map_or(0, Vec::len)).sum::<usize>() as i64;
                    tx.prepare_cached(
                        "UPDATE avatars SET state = 'ok', version = ?2, content_type = ?3, original = ?4, small = ?5,
                            large = ?6, bytes = ?7, fetched_ms = ?8, last_modified = ?9, failure = NULL,
                            retry_after_ms = NULL, last_used_ms = max(last_used_ms, ?8) WHERE key = ?1",
                    )?
                    .execute(params![
                        key,
                        version,
                        content_type,
                        original,
                        small,
                        large,
                        bytes,
                        now,
                        last_modified
                    ])?;
                }
                AvatarUpdate::NotModified => {
                    tx.prepare_cached(
                        "UPDATE avatars SET state = CASE WHEN bytes > 0 THEN 'ok' ELSE 'pending' END, version = ?2,
                            fetched_ms = ?3, failure = NULL, retry_after_ms = NULL WHERE key = ?1",
                    )?
                    .execute(params![key, version, now])?;
                }
                AvatarUpdate::NoAvatar => {
                    tx.prepare_cached(
                        "UPDATE avatars SET state = 'none', version = ?2, content_type = NULL, original = NULL,
                            small = NULL, large = NULL, bytes = 0, fetched_ms = ?3, failure = NULL,
                            retry_after_ms = NULL WHERE key = ?1",
                    )?
                    .execute(params![key, version, now])?;
                }
                AvatarUpdate::Failed { message, retry_after_ms } => {
                    tx.prepare_cached(
                        "UPDATE avatars SET state = CASE WHEN bytes > 0 THEN 'ok' ELSE 'failed' END, failure = ?2,
                            retry_after_ms = ?3 WHERE key = ?1",
                    )?
                    .execute(params![key, message, retry_after_ms])?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn avatar_blob(&self, key: &str) -> Result<Option<AvatarBlob>> {
        Ok(self
            .r()
            .prepare_cached(
                "SELECT key, content_type, original, small, large, version FROM avatars WHERE key = ?1 AND state = 'ok'",
            )?
            .query_row([key], |r| {
                Ok(AvatarBlob {
                    key: r.get(0)?,
                    content_type: r.get(1)?,
                    original: r.get(2)?,
                    small: r.get(3)?,
                    large: r.get(4)?,
                    version: r.get(5)?,
                })
            })
            .optional()?)
    }

    fn store_thumbnails(&self, key: &str, small: &[u8], large: &[u8]) -> Result<()> {
        self.w().execute(
            "UPDATE avatars SET small = ?2, large = ?3,
                bytes = coalesce(length(original), 0) + ?4 WHERE key = ?1",
            params![key, small, large, (small.len() + large.len()) as i64],
        )?;
        Ok(())
    }

    fn room_avatar_key(&self, account: &str, room: &str) -> Result<Option<String>> {
        Ok(self
            .r()
            .prepare_cached("SELECT avatar_key FROM rooms WHERE account_id = ?1 AND remote_id = ?2")?
            .query_row(params![account, room], |r| r.get(0))
            .optional()?
            .flatten())
    }

    fn user_avatar_key(&self, account: &str, user: &str) -> Result<Option<String>> {
        Ok(self
            .r()
            .prepare_cached("SELECT avatar_key FROM users WHERE account_id = ?1 AND remote_id = ?2")?
            .query_row(params![account, user], |r| r.get(0))
            .optional()?
            .flatten())
    }

    fn keys_without_thumbnails(&self, limit: usize) -> Result<Vec<String>> {
        let conn = self.r();
        // Pictures shown since they were fetched come first (last_used_ms moves past fetched_ms
        // when the window shows one), then the pictures of the most recently active rooms: the
        // top of the list, what the next start shows first. A fetch sets last_used_ms too, so
        // ordering by it alone made the last pictures fetched (the least active rooms) first.
        let mut stmt = conn.prepare_cached(
            "SELECT a.key FROM avatars a
             WHERE a.state = 'ok' AND a.original IS NOT NULL AND a.small IS NULL
             ORDER BY a.last_used_ms > coalesce(a.fetched_ms, 0) DESC,
                      (SELECT max(r.last_activity_ms) FROM rooms r WHERE r.avatar_key = a.key) DESC,
                      a.last_used_ms DESC
             LIMIT ?1",
        )?;
        let keys = stmt.query_map([limit as i64], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        Ok(keys)
    }

    fn touch_avatars(&self, keys: &[String], now: i64) -> Result<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let mut conn = self.w();
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached("UPDATE avatars SET last_used_ms = ?2 WHERE key = ?1")?;
            for k in keys {
                stmt.execute(params![k, now])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn enforce_avatar_cap(&self, max_bytes: i64) -> Result<u64> {
        let mut conn = self.w();
        let total: i64 = conn.query_row(AVATAR_BYTES_SQL, [], |r| r.get(0))?;
        if total <= max_bytes {
            return Ok(0);
        }
        let tx = conn.transaction()?;
        let mut over = total - max_bytes;
        let victims: Vec<(String, i64)> = {
            let mut stmt = tx.prepare("SELECT key, bytes FROM avatars WHERE bytes > 0 ORDER BY last_used_ms ASC")?;
            let mut rows = stmt.query([])?;
            let mut v = Vec::new();
            while over > 0 {
                let Some(row) = rows.next()? else { break };
                let (k, b): (String, i64) = (row.get(0)?, row.get(1)?);
                over -= b;
                v.push((k, b));
            }
            v
        };
        for (k, _) in &victims {
            // Evicted pictures are fetched again only when they are shown.
            tx.execute(
                "UPDATE avatars SET state = 'evicted', original = NULL, small = NULL, large = NULL, bytes = 0,
                    version = NULL WHERE key = ?1",
                [k],
            )?;
        }
        tx.commit()?;
        Ok(victims.len() as u64)
    }

    fn avatar_bytes(&self) -> Result<i64> {
        Ok(self.r().query_row(AVATAR_BYTES_SQL, [], |r| r.get(0))?)
    }

    fn query_rooms(&self, q: &RoomQuery, offset: i64, limit: i64) -> Result<RoomPage> {
        self.query_rooms_by(q, offset, limit, PageRoute::Cheapest)
    }

    fn room_position(&self, q: &RoomQuery, account: &str, remote_id: &str) -> Result<Option<i64>> {
        self.room_position_by(q, account, remote_id, PageRoute::Cheapest)
    }

    fn room_row(&self, account: &str, remote_id: &str) -> Result<Option<RoomRow>> {
        Ok(self
            .r()
            .prepare_cached(&format!(
                "SELECT {ROW_COLUMNS} FROM {ROW_FROM} WHERE r.account_id = ?1 AND r.remote_id = ?2"
            ))?
            .query_row(params![account, remote_id], row_from)
            .optional()?)
    }

    fn room_info(&self, account: &str, remote_id: &str, member_limit: usize) -> Result<Option<RoomInfo>> {
        let Some(row) = self.room_row(account, remote_id)? else { return Ok(None) };
        let conn = self.r();
        #[allow(clippy::type_complexity)]
        let (description, creator, created_ms, details, server_url, synced, complete, note): (
            Option<String>,
            Option<String>,
            Option<i64>,
            String,
            String,
            Option<i64>,
            bool,
            Option<String>,
        ) = conn.query_row(
            "SELECT r.description, r.creator, r.created_ms, r.details, a.server_url, r.members_synced_ms,
                r.members_complete, r.members_note
             FROM rooms r JOIN accounts a ON a.id = r.account_id WHERE r.account_id = ?1 AND r.remote_id = ?2",
            params![account, remote_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)),
        )?;
        let mut stmt = conn.prepare_cached(
            "SELECT u.remote_id, u.username, u.display_name, u.status, m.role, av.state, av.fetched_ms,
                (av.original IS NOT NULL OR av.small IS NOT NULL)
             FROM room_members m JOIN users u ON u.account_id = m.account_id AND u.remote_id = m.user_id
             LEFT JOIN avatars av ON av.key = u.avatar_key
             WHERE m.account_id = ?1 AND m.room_id = ?2 ORDER BY m.position LIMIT ?3",
        )?;
        let members = stmt
            .query_map(params![account, remote_id, member_limit as i64], |r| {
                let state: Option<String> = r.get(5)?;
                let fetched: Option<i64> = r.get(6)?;
                let has_bytes: Option<bool> = r.get(7)?;
                let has = state.as_deref() == Some("ok") && has_bytes == Some(true);
                Ok(Member {
                    id: r.get(0)?,
                    username: r.get(1)?,
                    display_name: r.get(2)?,
                    status: r.get(3)?,
                    role: r.get(4)?,
                    has_avatar: has,
                    avatar_version: if has { fetched.map(|f| f.to_string()) } else { None },
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let complete = complete && members.len() < member_limit;
        Ok(Some(RoomInfo {
            row,
            description,
            creator,
            created_ms,
            server_url,
            web_url: None,
            members,
            members_complete: complete,
            members_synced_ms: synced,
            members_note: note,
            details: serde_json::from_str::<RoomDetails>(&details).unwrap_or_default(),
        }))
    }

    fn room_ref(&self, account: &str, remote_id: &str) -> Result<Option<RoomRef>> {
        let found: Option<(String, String)> = self
            .r()
            .prepare_cached("SELECT raw, kind FROM rooms WHERE account_id = ?1 AND remote_id = ?2")?
            .query_row(params![account, remote_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(found.map(|(raw, kind)| RoomRef {
            remote_id: remote_id.to_string(),
            kind: RoomKind::parse(&kind).unwrap_or(RoomKind::Other),
            raw: serde_json::from_str(&raw).unwrap_or(serde_json::Value::Null),
            raw_text: raw,
        }))
    }

    fn picker_entries(&self) -> Result<Vec<(i64, String, i64)>> {
        let conn = self.r();
        let mut stmt = conn.prepare("SELECT pk, name, last_activity_ms FROM rooms")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    fn room_rows_by_pks(&self, pks: &[i64]) -> Result<Vec<Option<RoomRow>>> {
        rows_by_pks(&self.r(), pks)
    }

    fn room_count(&self) -> Result<i64> {
        Ok(self.r().query_row("SELECT count(*) FROM rooms", [], |r| r.get(0))?)
    }

    fn integrity_check(&self) -> Result<String> {
        let pages: String = self.r().query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if pages != "ok" {
            return Ok(pages);
        }
        // The search index against the rooms it was built from (apply_batch keeps it by hand).
        match self.w().execute("INSERT INTO rooms_fts (rooms_fts, rank) VALUES ('integrity-check', 1)", []) {
            Ok(_) => Ok(pages),
            Err(e) => Ok(format!("search index: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::family::Batch;

    fn account(s: &SqliteStore) -> String {
        let new = NewAccount {
            family: Family::Rocketchat,
            server_url: "https://chat.example.com/".into(),
            user_id: Some("u1".into()),
            username: Some("alice".into()),
            display_name: None,
            auth: "password".into(),
            cert_pin: None,
        };
        s.insert_account(&new, 1).unwrap().id
    }

    /// Rooms with every attribute the filters test, and many ties in activity and name.
    fn rooms(n: usize, round: usize) -> Vec<RemoteRoom> {
        (0..n)
            .map(|i| {
                let j = i * 7 + round * 13;
                RemoteRoom {
                    remote_id: format!("r{i}"),
                    kind: [RoomKind::Channel, RoomKind::Private, RoomKind::Direct, RoomKind::Discussion][j % 4],
                    name: format!(
                        "{} {}{}",
                        ["alpha", "zebra", "Alpha"][j % 3],
                        j % 40,
                        if i % 37 == 3 { " quokka" } else { "" }
                    ),
                    unread: i64::from(j.is_multiple_of(5)),
                    mentions: i64::from(j.is_multiple_of(17)),
                    favorite: j.is_multiple_of(6),
                    archived: j.is_multiple_of(19),
                    hidden: j.is_multiple_of(23),
                    last_activity_ms: (!j.is_multiple_of(9)).then_some((j as i64 * 7919) % 500),
                    raw: format!("{{\"id\":\"r{i}\",\"round\":{round}}}"),
                    ..RemoteRoom::default()
                }
            })
            .collect()
    }

    /// A room the list does not hold has no position, by either route.
    #[test]
    fn rooms_outside_the_list_have_no_position() {
        let s = SqliteStore::open_in_memory().unwrap();
        let a = account(&s);
        s.apply_batch(&a, &Batch { rooms: rooms(300, 0), ..Batch::default() }, 1).unwrap();
        let all = RoomQuery { archived: ArchivedFilter::Include, include_hidden: true, ..RoomQuery::default() };
        let rows = s.query_rooms(&all, 0, 300).unwrap().rows;
        let plain = rows.iter().find(|r| !r.archived && !r.hidden && !r.favorite).unwrap();
        let favourite = rows.iter().find(|r| !r.archived && !r.hidden && r.favorite).unwrap();
        let archived = rows.iter().find(|r| r.archived && !r.hidden).unwrap();
        let favourites = RoomQuery { favorites_only: true, ..RoomQuery::default() };
        let quokka = RoomQuery { search: Some("quokka".into()), ..RoomQuery::default() };
        for route in [PageRoute::Cheapest, PageRoute::Sql] {
            let at = |q: &RoomQuery, remote: &str| s.room_position_by(q, &a, remote, route).unwrap();
            assert_eq!(at(&favourites, &plain.remote_id), None, "{route:?}: not a favourite");
            assert!(at(&favourites, &favourite.remote_id).is_some(), "{route:?}: a favourite");
            assert_eq!(at(&RoomQuery::default(), &archived.remote_id), None, "{route:?}: archived");
            assert_eq!(at(&all, "no-such-room"), None, "{route:?}: no such room");
            assert_eq!(at(&quokka, &plain.remote_id).is_some(), plain.name.contains("quokka"), "{route:?}: search");
        }
    }

    /// Every route reads the same pages, totals and order, for every filter, deep pages
    /// included, and none of them answers from a list order kept from before a change.
    #[test]
    fn every_page_route_reads_the_same_page() {
        let s = SqliteStore::open_in_memory().unwrap();
        let (a, b) = (account(&s), account(&s));
        let base = RoomQuery::default();
        let queries = |a: &str, b: &str| -> Vec<RoomQuery> {
            let mut out = Vec::new();
            for sort in [Sort::Activity, Sort::Name] {
                let q = RoomQuery { sort, ..base.clone() };
                out.extend([
                    // Searches first: after a change, the first of them finds the list order
                    // kept from before it.
                    RoomQuery { search: Some("alpha".into()), ..q.clone() },
                    RoomQuery { search: Some("alpha".into()), kinds: vec![RoomKind::Channel], ..q.clone() },
                    RoomQuery { search: Some("quokka".into()), ..q.clone() },
                    q.clone(),
                    RoomQuery { archived: ArchivedFilter::Include, include_hidden: true, ..q.clone() },
                    RoomQuery { archived: ArchivedFilter::Only, ..q.clone() },
                    RoomQuery { kinds: vec![RoomKind::Channel], ..q.clone() },
                    RoomQuery { kinds: vec![RoomKind::Direct, RoomKind::Private], unread_only: true, ..q.clone() },
                    RoomQuery { accounts: vec![b.into()], ..q.clone() },
                    RoomQuery { accounts: vec![a.into(), b.into()], favorites_only: true, ..q.clone() },
                ]);
            }
            out
        };
        for round in 0..3 {
            // Each round changes names, activity and filters of most rooms.
            s.apply_batch(&a, &Batch { rooms: rooms(1500, round), ..Batch::default() }, 1 + round as i64).unwrap();
            s.apply_batch(&b, &Batch { rooms: rooms(700, round + 1), ..Batch::default() }, 1 + round as i64).unwrap();
            for q in queries(&a, &b) {
                let total = s.query_rooms_by(&q, 0, 1, PageRoute::Sql).unwrap().total;
                assert!(total > 0, "{q:?} should match something");
                for offset in [0, 1, 99, 150, total / 2, total - 3, total + 5] {
                    let page = |route| {
                        let p = s.query_rooms_by(&q, offset, 100, route).unwrap();
                        (p.total, p.rows.into_iter().map(|r| r.id).collect::<Vec<_>>())
                    };
                    // The cheapest first: after a change it must not walk the order kept
                    // from before it.
                    let cheapest = page(PageRoute::Cheapest);
                    let sql = page(PageRoute::Sql);
                    let what = format!("round {round}, {q:?} at {offset}");
                    assert_eq!(sql.1.len() as i64, (total - offset).clamp(0, 100), "{what}");
                    assert_eq!(cheapest, sql, "{what}: cheapest");
                    assert_eq!(page(PageRoute::KeptOrder), sql, "{what}: kept order");
                    // A room's position is where the pages show it, by either route.
                    for (i, id) in sql.1.iter().enumerate().filter(|(i, _)| i % 41 == 0 || *i + 1 == sql.1.len()) {
                        let (acc, remote) = crate::model::split_room_id(id).unwrap();
                        for route in [PageRoute::Cheapest, PageRoute::Sql] {
                            let at = s.room_position_by(&q, acc, remote, route).unwrap();
                            assert_eq!(at, Some(offset + i as i64), "{what}: position of {id} ({route:?})");
                        }
                    }
                }
            }
        }
    }
}
