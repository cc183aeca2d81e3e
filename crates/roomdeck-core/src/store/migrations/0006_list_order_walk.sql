-- Schema v6: a page of the whole list is read by walking the list's order, not by sorting.
--
-- The list's default filter (not archived, not hidden) passes nearly every room, yet SQLite
-- served it from `rooms_filter` (equality on both columns) and sorted every passing room for
-- each page: 250 ms per page at 100k rooms, ~30 ms at 12k (the first page of a cold start).
-- `query_rooms` now walks the order index when the filter passes many rooms (see
-- `walks_list_order`); the two order indexes also carry the two columns the default filter
-- reads, so skipping to a deep page (a jump in a 100k list) stays inside the index.
DROP INDEX rooms_by_activity;
CREATE INDEX rooms_by_activity ON rooms (last_activity_ms DESC, pk, archived, hidden);
DROP INDEX rooms_by_name;
CREATE INDEX rooms_by_name ON rooms (name_fold, pk, archived, hidden);
