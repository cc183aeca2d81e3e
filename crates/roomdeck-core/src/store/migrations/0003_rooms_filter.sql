-- Schema v3: an index that holds every column a room-list filter reads.
--
-- A search matching tens of thousands of rooms ("s" in 100k) is answered with bitmaps (see
-- `store/sqlite.rs`, `BigSearch`): the rooms passing the filters are read once from this
-- index (a few MB, no row bodies of ~1.5 KB each) and kept until the data changes.
CREATE INDEX rooms_filter ON rooms (archived, hidden, favorite, kind, account_id, unread, mentions, alert);
