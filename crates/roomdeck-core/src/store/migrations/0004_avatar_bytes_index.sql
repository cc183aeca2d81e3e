-- Schema v4: the picture cache's size is summed from an index, not by reading the pictures.
--
-- A row holding a picture fills a page of its own, so a scan of `avatars` reads the whole
-- cache (~65 MB for 10k pictures). The size check that runs after every sync, re-syncs with
-- nothing changed included, did that; this index holds the sizes.
-- (Covering the choice of due pictures the same way was tried too: its wider entries made
-- every picture's write twice as slow, P2 1.38 -> 1.59 s, for a few ms saved per round.)
DROP INDEX avatars_lru;
CREATE INDEX avatars_lru ON avatars (last_used_ms, bytes) WHERE bytes > 0;
