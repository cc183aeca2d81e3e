-- Roomdeck schema v1. Secrets are never stored here (they live in the OS keyring).

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE accounts (
    id               TEXT PRIMARY KEY,
    family           TEXT NOT NULL,
    server_url       TEXT NOT NULL,
    user_id          TEXT,
    username         TEXT,
    display_name     TEXT,
    auth             TEXT NOT NULL,
    color            TEXT NOT NULL,
    cert_pin         TEXT,
    state            TEXT NOT NULL DEFAULT 'ok',
    last_error_code  TEXT,
    last_error       TEXT,
    last_sync_ms     INTEGER,
    offline_since_ms INTEGER,
    capabilities     TEXT NOT NULL DEFAULT '{}',
    created_ms       INTEGER NOT NULL,
    position         INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE rooms (
    pk                INTEGER PRIMARY KEY,
    account_id        TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    remote_id         TEXT NOT NULL,
    alt_id            TEXT,
    kind              TEXT NOT NULL,
    name              TEXT NOT NULL,
    name_fold         TEXT NOT NULL,
    topic             TEXT,
    description       TEXT,
    unread            INTEGER NOT NULL DEFAULT 0,
    mentions          INTEGER NOT NULL DEFAULT 0,
    alert             INTEGER NOT NULL DEFAULT 0,
    favorite          INTEGER NOT NULL DEFAULT 0,
    archived          INTEGER NOT NULL DEFAULT 0,
    hidden            INTEGER NOT NULL DEFAULT 0,
    last_activity_ms  INTEGER NOT NULL DEFAULT 0,
    last_msg_text     TEXT,
    last_msg_author   TEXT,
    last_msg_at_ms    INTEGER,
    member_count      INTEGER,
    created_ms        INTEGER,
    creator           TEXT,
    avatar_source     TEXT NOT NULL DEFAULT '{"type":"none"}',
    avatar_key        TEXT,
    details           TEXT NOT NULL DEFAULT '{}',
    raw               TEXT NOT NULL,
    content_hash      INTEGER NOT NULL,
    server_updated_ms INTEGER,
    synced_ms         INTEGER NOT NULL,
    members_synced_ms INTEGER,
    members_complete  INTEGER NOT NULL DEFAULT 0,
    members_note      TEXT,
    UNIQUE (account_id, remote_id)
);
CREATE INDEX rooms_by_activity ON rooms (last_activity_ms DESC, pk);
CREATE INDEX rooms_by_name ON rooms (name_fold, pk);
CREATE INDEX rooms_by_account_activity ON rooms (account_id, last_activity_ms DESC);
CREATE INDEX rooms_by_alt ON rooms (account_id, alt_id) WHERE alt_id IS NOT NULL;
CREATE INDEX rooms_unread ON rooms (last_activity_ms DESC) WHERE unread > 0 OR mentions > 0 OR alert = 1;
CREATE INDEX rooms_favorite ON rooms (last_activity_ms DESC) WHERE favorite = 1;
CREATE INDEX rooms_avatar ON rooms (avatar_key) WHERE avatar_key IS NOT NULL;

-- Full-text search over names and topics, folded for case and accents.
CREATE VIRTUAL TABLE rooms_fts USING fts5 (
    name, topic,
    content = 'rooms', content_rowid = 'pk',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);
CREATE TRIGGER rooms_fts_insert AFTER INSERT ON rooms BEGIN
    INSERT INTO rooms_fts (rowid, name, topic) VALUES (new.pk, new.name, new.topic);
END;
CREATE TRIGGER rooms_fts_delete AFTER DELETE ON rooms BEGIN
    INSERT INTO rooms_fts (rooms_fts, rowid, name, topic) VALUES ('delete', old.pk, old.name, old.topic);
END;
CREATE TRIGGER rooms_fts_update AFTER UPDATE OF name, topic ON rooms BEGIN
    INSERT INTO rooms_fts (rooms_fts, rowid, name, topic) VALUES ('delete', old.pk, old.name, old.topic);
    INSERT INTO rooms_fts (rowid, name, topic) VALUES (new.pk, new.name, new.topic);
END;

CREATE TABLE users (
    account_id    TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    remote_id     TEXT NOT NULL,
    username      TEXT,
    display_name  TEXT NOT NULL,
    status        TEXT,
    avatar_source TEXT NOT NULL DEFAULT '{"type":"none"}',
    avatar_key    TEXT,
    updated_ms    INTEGER NOT NULL,
    PRIMARY KEY (account_id, remote_id)
) WITHOUT ROWID;

CREATE TABLE room_members (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    room_id    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    role       TEXT,
    position   INTEGER NOT NULL,
    PRIMARY KEY (account_id, room_id, user_id)
) WITHOUT ROWID;
CREATE INDEX room_members_order ON room_members (account_id, room_id, position);

CREATE TABLE avatars (
    key            TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    path           TEXT NOT NULL,
    -- the version we have, and the version the server says is current
    version        TEXT,
    wanted_version TEXT,
    -- pending | ok | none | failed
    state          TEXT NOT NULL DEFAULT 'pending',
    content_type   TEXT,
    original       BLOB,
    small          BLOB,
    large          BLOB,
    bytes          INTEGER NOT NULL DEFAULT 0,
    fetched_ms     INTEGER,
    last_modified  TEXT,
    failure        TEXT,
    retry_after_ms INTEGER,
    last_used_ms   INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX avatars_due ON avatars (account_id, state);
CREATE INDEX avatars_lru ON avatars (last_used_ms) WHERE bytes > 0;

CREATE TABLE sync_cursors (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    stream     TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (account_id, stream)
) WITHOUT ROWID;

CREATE TABLE sync_runs (
    id              INTEGER PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    started_ms      INTEGER NOT NULL,
    finished_ms     INTEGER NOT NULL,
    full            INTEGER NOT NULL,
    requests        INTEGER NOT NULL,
    rooms_changed   INTEGER NOT NULL,
    rooms_removed   INTEGER NOT NULL,
    avatars_fetched INTEGER NOT NULL,
    error_code      TEXT,
    error_message   TEXT
);
CREATE INDEX sync_runs_by_account ON sync_runs (account_id, id DESC);
