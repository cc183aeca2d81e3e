-- Schema v2: avatars become an ordinary rowid table with the pictures in the last columns.
--
-- v1 kept them WITHOUT ROWID with the blobs in the middle of the row. Rows of several KB in a
-- WITHOUT ROWID table live in its key B-tree and spill into overflow pages, so every seek by key
-- and every scan of the small columns after the blobs (state, retry, fetched-at) read those
-- pages: a 10k-avatar first sync spent most of its time in SQLite reading pictures it did not
-- need (make bench, P2). Here a seek touches only the key index, and reading the metadata stops
-- before the pictures.

CREATE TABLE avatars_v2 (
    key            TEXT NOT NULL PRIMARY KEY,
    account_id     TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    path           TEXT NOT NULL,
    version        TEXT,
    wanted_version TEXT,
    state          TEXT NOT NULL DEFAULT 'pending',
    content_type   TEXT,
    bytes          INTEGER NOT NULL DEFAULT 0,
    fetched_ms     INTEGER,
    last_modified  TEXT,
    failure        TEXT,
    retry_after_ms INTEGER,
    last_used_ms   INTEGER NOT NULL DEFAULT 0,
    original       BLOB,
    small          BLOB,
    large          BLOB
);

INSERT INTO avatars_v2 (key, account_id, path, version, wanted_version, state, content_type, bytes,
                        fetched_ms, last_modified, failure, retry_after_ms, last_used_ms,
                        original, small, large)
SELECT key, account_id, path, version, wanted_version, state, content_type, bytes,
       fetched_ms, last_modified, failure, retry_after_ms, last_used_ms,
       original, small, large
FROM avatars;

DROP TABLE avatars;
ALTER TABLE avatars_v2 RENAME TO avatars;
CREATE INDEX avatars_due ON avatars (account_id, state);
CREATE INDEX avatars_lru ON avatars (last_used_ms) WHERE bytes > 0;
