-- Schema v3: faster writes and searches for big room lists.
--
-- A search matching tens of thousands of rooms ("s" in 100k) is answered with bitmaps (see
-- `store/sqlite.rs`, `BigSearch`): the rooms passing the filters are read once from this
-- index (a few MB, no row bodies of ~1.5 KB each) and kept until the data changes.
CREATE INDEX rooms_filter ON rooms (archived, hidden, favorite, kind, account_id, unread, mentions, alert);

-- The search index is written by `apply_batch` itself, not by triggers on insert and update: a
-- trigger that writes to FTS5 makes every room's upsert a savepoint, and FTS5 flushes its
-- pending terms to a new segment at each one (then merges them). Deleting still goes through
-- the trigger (rare, and cascades from a removed account need it).
DROP TRIGGER rooms_fts_insert;
DROP TRIGGER rooms_fts_update;
