-- Schema v5: the pictures that are due are found through indexes, not by reading every picture.
--
-- The picture pass asks for its next jobs after every committed page of rooms. Its query had
-- one `OR` over three cases, so SQLite took every picture row of the account and tested each:
-- a row holding a picture fills a page of its own, so each round of a first sync read up to the
-- whole cache (a 10k-room first sync spent ~0.3 s of CPU there, make bench P2). The query is now
-- three branches, each served by an index: waiting or failed pictures by `avatars_due`; pictures
-- whose version key moved, and unversioned pictures that are getting old, by the two partial
-- indexes below. Both stay small: a picture enters the first only while its new version is
-- wanted, and the second holds one short entry per unversioned picture.
CREATE INDEX avatars_moved ON avatars (account_id)
    WHERE state IN ('ok', 'none') AND wanted_version IS NOT version;
CREATE INDEX avatars_unversioned ON avatars (account_id, fetched_ms)
    WHERE state IN ('ok', 'none') AND wanted_version IS NULL AND version IS NULL;
