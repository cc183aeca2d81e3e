//! The store's conformance suite: what any `Store` must do, run against SQLite on disk and in
//! memory. Each check is what the app or the CLI relies on.
#![allow(clippy::unwrap_used)]

use roomdeck_core::family::Batch;
use roomdeck_core::model::{AvatarSource, LastMessage, RemoteRoom, RemoteUser};
use roomdeck_core::store::{AccountStatus, AvatarUpdate, NewAccount, SqliteStore, Store};
use roomdeck_core::{AccountState, ArchivedFilter, ErrorInfo, Family, RoomKind, RoomQuery, Sort};

fn room(id: &str, name: &str, activity: i64) -> RemoteRoom {
    RemoteRoom {
        remote_id: id.into(),
        kind: RoomKind::Channel,
        name: name.into(),
        last_activity_ms: Some(activity),
        raw: format!("{{\"id\":\"{id}\",\"name\":\"{name}\"}}"),
        ..RemoteRoom::default()
    }
}

fn account(s: &dyn Store, family: Family) -> String {
    s.insert_account(
        &NewAccount {
            family,
            server_url: "https://chat.example.com/".into(),
            user_id: Some("u1".into()),
            username: Some("alice".into()),
            display_name: None,
            auth: "password".into(),
            cert_pin: None,
        },
        1000,
    )
    .unwrap()
    .id
}

fn all() -> RoomQuery {
    RoomQuery { archived: ArchivedFilter::Include, include_hidden: true, ..RoomQuery::default() }
}

fn ids(s: &dyn Store, q: &RoomQuery) -> Vec<String> {
    s.query_rooms(q, 0, 1000).unwrap().rows.into_iter().map(|r| r.remote_id).collect()
}

fn accounts_get_stable_ids_and_states(s: &dyn Store) {
    let a = account(s, Family::Rocketchat);
    let b = account(s, Family::Rocketchat);
    assert_eq!((a.as_str(), b.as_str()), ("rc1", "rc2"));
    assert!(s.remove_account(&b).unwrap());
    // Ids are never reused: a script holding rc2:ROOM cannot reach another account's room.
    assert_eq!(account(s, Family::Rocketchat), "rc3");
    assert_eq!(account(s, Family::Virola), "vi1");
    let err = ErrorInfo { code: "network".into(), message: "cannot connect".into() };
    s.set_status(&a, &AccountStatus { state: AccountState::Offline, error: Some(err.clone()), synced_ms: None }, 5000)
        .unwrap();
    s.set_status(&a, &AccountStatus { state: AccountState::Offline, error: Some(err), synced_ms: None }, 9000).unwrap();
    let acc = s.account(&a).unwrap().unwrap();
    assert_eq!(acc.state, AccountState::Offline);
    assert_eq!(acc.offline_since_ms, Some(5000), "offline since the first failure");
    s.set_status(&a, &AccountStatus { state: AccountState::Ok, error: None, synced_ms: Some(10_000) }, 10_000).unwrap();
    let acc = s.account(&a).unwrap().unwrap();
    assert_eq!((acc.state, acc.offline_since_ms, acc.last_sync_ms), (AccountState::Ok, None, Some(10_000)));
    assert!(acc.last_error.is_none());
}

fn batches_are_idempotent_and_snapshots_reconcile(s: &dyn Store) {
    let a = account(s, Family::Swapchat);
    let batch =
        Batch { rooms: vec![room("r1", "one", 1), room("r2", "two", 2), room("r3", "three", 3)], ..Batch::default() };
    assert_eq!(s.apply_batch(&a, &batch, 1).unwrap(), (3, 0));
    assert_eq!(s.apply_batch(&a, &batch, 2).unwrap(), (0, 0), "unchanged rooms are not rewritten");
    let mut changed = room("r2", "two renamed", 5);
    changed.unread = 4;
    let (c, _) = s
        .apply_batch(
            &a,
            &Batch { rooms: vec![changed], cursors: vec![("rooms".into(), "42".into())], ..Batch::default() },
            3,
        )
        .unwrap();
    assert_eq!(c, 1);
    assert_eq!(s.cursors(&a).unwrap().get("rooms"), Some("42"));
    let r2 = s.room_row(&a, "r2").unwrap().unwrap();
    assert_eq!((r2.name.as_str(), r2.unread), ("two renamed", 4));
    // The snapshot lists every room the server has: r1 is gone.
    let (_, removed) =
        s.apply_batch(&a, &Batch { snapshot: Some(vec!["r2".into(), "r3".into()]), ..Batch::default() }, 4).unwrap();
    assert_eq!(removed, 1);
    let (_, removed) =
        s.apply_batch(&a, &Batch { removed: vec!["r3".into(), "unknown".into()], ..Batch::default() }, 5).unwrap();
    assert_eq!(removed, 1);
    assert_eq!(ids(s, &all()), vec!["r2"]);
    assert_eq!(s.cached_raw(&a, "r2").unwrap().unwrap(), "{\"id\":\"r2\",\"name\":\"two renamed\"}");
}

fn queries_filter_sort_and_search(s: &dyn Store) {
    let a = account(s, Family::Rocketchat);
    let b = account(s, Family::Virola);
    let mut rooms = vec![
        room("c1", "Café Crème", 50),
        room("c2", "engineering", 40),
        room("c3", "Équipe design", 30),
        room("c4", "zebra", 20),
        room("c5", "archived thing", 60),
        room("c6", "hidden chat", 70),
    ];
    rooms[1].unread = 3;
    rooms[2].favorite = true;
    rooms[3].kind = RoomKind::Direct;
    rooms[3].mentions = 1;
    rooms[4].archived = true;
    rooms[5].hidden = true;
    rooms[0].topic = Some("Coffee and <script>alert(1)</script>".into());
    s.apply_batch(&a, &Batch { rooms, ..Batch::default() }, 1).unwrap();
    s.apply_batch(&b, &Batch { rooms: vec![room("v1", "virola room", 45)], ..Batch::default() }, 1).unwrap();
    let q = RoomQuery::default();
    assert_eq!(ids(s, &q), vec!["c1", "v1", "c2", "c3", "c4"], "activity order; archived and hidden left out");
    assert_eq!(
        ids(s, &RoomQuery { sort: Sort::Name, ..q.clone() }),
        vec!["c1", "c2", "c3", "v1", "c4"],
        "name order folds accents"
    );
    assert_eq!(ids(s, &RoomQuery { accounts: vec![b.clone()], ..q.clone() }), vec!["v1"]);
    assert_eq!(ids(s, &RoomQuery { unread_only: true, ..q.clone() }), vec!["c2", "c4"]);
    assert_eq!(ids(s, &RoomQuery { favorites_only: true, ..q.clone() }), vec!["c3"]);
    assert_eq!(ids(s, &RoomQuery { kinds: vec![RoomKind::Direct], ..q.clone() }), vec!["c4"]);
    assert_eq!(ids(s, &RoomQuery { archived: ArchivedFilter::Only, ..q.clone() }), vec!["c5"]);
    assert_eq!(ids(s, &RoomQuery { include_hidden: true, ..q.clone() }), vec!["c6", "c1", "v1", "c2", "c3", "c4"]);
    let search = |t: &str| ids(s, &RoomQuery { search: Some(t.into()), ..q.clone() });
    assert_eq!(search("cafe"), vec!["c1"], "accent- and case-insensitive");
    assert_eq!(search("EQUI"), vec!["c3"], "prefix");
    assert_eq!(search("coffee"), vec!["c1"], "topic");
    assert_eq!(search("hidden"), vec!["c6"], "search finds hidden rooms");
    assert!(search("\" OR 1=1 --").is_empty(), "FTS syntax is inert");
    assert_eq!(search("*"), ids(s, &q), "a search without words filters nothing");
    let page = s.query_rooms(&q, 1, 2).unwrap();
    assert_eq!((page.total, page.rows.len(), page.rows[0].remote_id.as_str()), (5, 2, "v1"));
    let entries = s.picker_entries().unwrap();
    assert_eq!(entries.len(), 7);
    // The picker's keys find the same rooms again, in the order asked; a missing key is None.
    let pks: Vec<i64> = entries.iter().rev().map(|e| e.0).chain([i64::MAX]).collect();
    let rows = s.room_rows_by_pks(&pks).unwrap();
    let names: Vec<Option<String>> = rows.into_iter().map(|r| r.map(|r| r.name)).collect();
    let want: Vec<Option<String>> = entries.iter().rev().map(|e| Some(e.1.clone())).chain([None]).collect();
    assert_eq!(names, want);
}

fn members_are_replaced_and_ordered(s: &dyn Store) {
    let a = account(s, Family::Rocketchat);
    s.apply_batch(&a, &Batch { rooms: vec![room("m", "members", 1)], ..Batch::default() }, 1).unwrap();
    let user =
        |id: &str, name: &str| RemoteUser { remote_id: id.into(), display_name: name.into(), ..RemoteUser::default() };
    s.replace_members(&a, "m", &[user("u2", "Bea"), user("u1", "Al"), user("u2", "dup")], true, 5).unwrap();
    let info = s.room_info(&a, "m", 100).unwrap().unwrap();
    let names: Vec<&str> = info.members.iter().map(|m| m.display_name.as_str()).collect();
    assert_eq!(names, vec!["Bea", "Al"]);
    assert!(info.members_complete);
    assert_eq!(info.row.member_count, Some(2));
    s.replace_members(&a, "m", &[user("u3", "Cy")], true, 6).unwrap();
    assert_eq!(s.room_info(&a, "m", 100).unwrap().unwrap().members.len(), 1);
}

/// A fetched picture: `len` bytes of original, no thumbnails yet.
fn jpeg_original(len: usize) -> AvatarUpdate {
    AvatarUpdate::Image {
        content_type: "image/jpeg".into(),
        original: Some(vec![1; len]),
        small: None,
        large: None,
        last_modified: None,
    }
}

fn avatars_follow_versions_failures_and_the_cap(s: &dyn Store) {
    let a = account(s, Family::Rocketchat);
    let mut r = room("p", "pictured", 1);
    r.avatar = AvatarSource::Remote { path: "avatar/room/p".into(), version: Some("v1".into()) };
    r.last_message = Some(LastMessage { text: "hi".into(), author: None, at_ms: 1 });
    s.apply_batch(&a, &Batch { rooms: vec![r.clone()], ..Batch::default() }, 1).unwrap();
    let jobs = s.avatar_jobs(&a, 10, 100).unwrap();
    assert_eq!(jobs.len(), 1);
    let key = jobs[0].key.clone();
    s.store_avatar(&key, Some("v1"), &jpeg_original(1000), 20).unwrap();
    assert!(s.avatar_jobs(&a, 30, 100).unwrap().is_empty(), "fetched at this version");
    assert!(s.room_row(&a, "p").unwrap().unwrap().has_avatar);
    assert_eq!(s.keys_without_thumbnails(10).unwrap(), vec![key.clone()]);
    // A new version makes it due again; a failure keeps the old bytes and waits.
    r.avatar = AvatarSource::Remote { path: "avatar/room/p".into(), version: Some("v2".into()) };
    s.apply_batch(&a, &Batch { rooms: vec![r], ..Batch::default() }, 40).unwrap();
    assert_eq!(s.avatar_jobs(&a, 50, 100).unwrap().len(), 1);
    s.store_avatar(&key, Some("v2"), &AvatarUpdate::Failed { message: "503".into(), retry_after_ms: 1000 }, 60)
        .unwrap();
    assert!(s.avatar_jobs(&a, 70, 100).unwrap().is_empty(), "waits until retry_after");
    assert_eq!(s.avatar_jobs(&a, 1001, 100).unwrap().len(), 1);
    assert!(s.room_row(&a, "p").unwrap().unwrap().has_avatar, "old picture still shown");
    s.store_thumbnails(&key, &[2; 100], &[3; 300]).unwrap();
    assert_eq!(s.avatar_blob(&key).unwrap().unwrap().small.unwrap().len(), 100);
    // The cap evicts least recently used bytes; evicted pictures are no longer shown.
    assert_eq!(s.avatar_bytes().unwrap(), 1400);
    assert_eq!(s.enforce_avatar_cap(10_000).unwrap(), 0);
    assert_eq!(s.enforce_avatar_cap(100).unwrap(), 1);
    assert_eq!(s.avatar_bytes().unwrap(), 0);
    assert!(!s.room_row(&a, "p").unwrap().unwrap().has_avatar);
    assert!(s.avatar_job_for(&key, 2000).unwrap().is_some(), "fetched again on demand");
}

/// Which pictures are due: new ones, and among stored ones (with or without a picture) those
/// whose version key moved, and unversioned ones once they are a week old; never the others,
/// however many there are.
fn due_pictures_are_the_new_moved_and_old_ones(s: &dyn Store) {
    const DAY: i64 = 86_400_000;
    let a = account(s, Family::Rocketchat);
    let remote = |id: &str, version: Option<&str>| {
        let mut r = room(id, id, 1);
        r.avatar = AvatarSource::Remote { path: format!("avatar/room/{id}"), version: version.map(Into::into) };
        r
    };
    let due = |now: i64| -> Vec<String> {
        let mut ids: Vec<String> = s
            .avatar_jobs(&a, now, 100)
            .unwrap()
            .into_iter()
            .map(|j| j.key.rsplit('/').next().unwrap_or_default().to_string())
            .collect();
        ids.sort();
        ids
    };
    let mut rooms: Vec<RemoteRoom> = (0..40).map(|i| remote(&format!("v{i:02}"), Some("1"))).collect();
    rooms.push(remote("plain", None));
    rooms.push(remote("gone", Some("1")));
    s.apply_batch(&a, &Batch { rooms: rooms.clone(), ..Batch::default() }, 1).unwrap();
    assert_eq!(due(2).len(), 42, "all new");
    for j in s.avatar_jobs(&a, 2, 100).unwrap() {
        let update = if j.key.ends_with("gone") { AvatarUpdate::NoAvatar } else { jpeg_original(10) };
        s.store_avatar(&j.key, j.wanted_version.as_deref(), &update, 2).unwrap();
    }
    assert!(due(3).is_empty(), "all fetched");
    // Moved keys: one with a picture, the one without, one whose key is no longer sent.
    rooms[5] = remote("v05", Some("2"));
    rooms[41] = remote("gone", Some("2"));
    rooms[7] = remote("v07", None);
    s.apply_batch(&a, &Batch { rooms: rooms.clone(), ..Batch::default() }, 4).unwrap();
    assert_eq!(due(5), vec!["gone", "v05", "v07"]);
    // The picture without a version is fetched again after a week, not before.
    for j in s.avatar_jobs(&a, 5, 100).unwrap() {
        s.store_avatar(&j.key, j.wanted_version.as_deref(), &jpeg_original(10), 5).unwrap();
    }
    assert!(due(6 * DAY).is_empty());
    assert_eq!(due(8 * DAY), vec!["plain", "v07"]);
    assert_eq!(s.avatar_jobs(&a, 8 * DAY, 1).unwrap().len(), 1, "the limit holds over all cases");
}

/// A picture nobody refers to any more is dropped: a room's picture moved to another address, a
/// member's picture changed, a room the server no longer lists. Pictures still in use stay.
fn unused_pictures_are_dropped(s: &dyn Store) {
    let a = account(s, Family::Rocketchat);
    let pictured = |id: &str, path: &str| {
        let mut r = room(id, id, 1);
        r.avatar = AvatarSource::Remote { path: path.into(), version: Some("v1".into()) };
        r
    };
    let member = |path: &str| RemoteUser {
        remote_id: "u1".into(),
        username: Some("ann".into()),
        display_name: "Ann".into(),
        avatar: AvatarSource::Remote { path: path.into(), version: None },
        ..RemoteUser::default()
    };
    let mut dm = pictured("dm", "avatar/room/dm");
    dm.members = Some(vec![member("avatar/ann")]);
    let rooms = vec![pictured("p", "avatar/room/p"), pictured("q", "avatar/room/q"), dm.clone()];
    s.apply_batch(&a, &Batch { rooms, ..Batch::default() }, 1).unwrap();
    let mut keys: Vec<String> = s.avatar_jobs(&a, 2, 100).unwrap().into_iter().map(|j| j.key).collect();
    assert_eq!(keys.len(), 3, "the rooms' pictures");
    // A member's picture is fetched when the member list is shown.
    keys.push(s.user_avatar_key(&a, "u1").unwrap().unwrap());
    for key in &keys {
        s.store_avatar(key, Some("v1"), &jpeg_original(100), 3).unwrap();
    }
    assert_eq!(s.avatar_bytes().unwrap(), 400);
    // p's picture moves to a new address; ann gets another picture; q and dm are unchanged.
    dm.members = Some(vec![member("avatar/ann-2")]);
    dm.raw = "{\"id\":\"dm\",\"v\":2}".into();
    let rooms = vec![pictured("p", "avatar/room/p-new"), pictured("q", "avatar/room/q"), dm.clone()];
    s.apply_batch(&a, &Batch { rooms, ..Batch::default() }, 4).unwrap();
    assert_eq!(s.avatar_bytes().unwrap(), 200, "p's and ann's old pictures are gone, q's and dm's kept");
    assert_eq!(s.avatar_jobs(&a, 5, 100).unwrap().len(), 1, "p's new address is due");
    // The server no longer lists q.
    let snapshot = Some(vec!["p".to_string(), "dm".to_string()]);
    s.apply_batch(&a, &Batch { snapshot, ..Batch::default() }, 6).unwrap();
    assert_eq!(s.avatar_bytes().unwrap(), 100, "q's picture went with q");
}

/// Background thumbnails start with what the window shows first: pictures shown since they were
/// fetched, then those of the most recently active rooms.
fn thumbnails_start_at_the_top_of_the_list(s: &dyn Store) {
    let a = account(s, Family::Rocketchat);
    let pictured = |id: &str, activity: i64| {
        let mut r = room(id, id, activity);
        r.avatar = AvatarSource::Remote { path: format!("avatar/room/{id}"), version: Some("v1".into()) };
        r
    };
    let rooms = vec![pictured("old", 10), pictured("newest", 300), pictured("shown", 5), pictured("mid", 200)];
    s.apply_batch(&a, &Batch { rooms, ..Batch::default() }, 1).unwrap();
    let jobs = s.avatar_jobs(&a, 2, 100).unwrap();
    assert_eq!(jobs.len(), 4);
    // Fetched in list order reversed (later fetches have later times), as a sync may do.
    for (i, job) in jobs.iter().rev().enumerate() {
        s.store_avatar(&job.key, Some("v1"), &jpeg_original(10), 100 + i as i64).unwrap();
    }
    let key_of = |id: &str| jobs.iter().find(|j| j.key.ends_with(id)).unwrap().key.clone();
    s.touch_avatars(&[key_of("shown")], 1000).unwrap();
    let order: Vec<String> = s.keys_without_thumbnails(10).unwrap();
    assert_eq!(order, vec![key_of("shown"), key_of("newest"), key_of("mid"), key_of("old")]);
    assert_eq!(s.keys_without_thumbnails(2).unwrap(), vec![key_of("shown"), key_of("newest")]);
}

/// A search matching thousands of rooms is answered from bitmaps, a rare one by SQL: with any
/// filters, both give the same pages, totals and order as filtering and sorting everything would,
/// and a change to the rooms shows in the next query.
fn big_searches_page_like_small_ones(s: &dyn Store) {
    let a = account(s, Family::Rocketchat);
    let b = account(s, Family::Rocketchat);
    let mut rooms: Vec<RemoteRoom> = (0..4000)
        .map(|i| {
            // "quokka" is rare (80 rooms): searched through SQL, the others through bitmaps.
            let rare = if i % 50 == 5 { " quokka" } else { "" };
            let mut r = room(
                &format!("r{i}"),
                &format!("{} {i}{rare}", if i % 3 == 0 { "zebra" } else { "alpha" }),
                (i * 7919) % 5000,
            );
            r.archived = i % 97 == 5;
            r.favorite = i % 5 == 0;
            r.hidden = i % 11 == 0;
            r.unread = i64::from(i % 4 == 0);
            if i % 7 == 0 {
                r.kind = RoomKind::Private;
            }
            r
        })
        .collect();
    s.apply_batch(&a, &Batch { rooms: rooms.clone(), ..Batch::default() }, 1).unwrap();
    // A second account with the same names: filters by account must tell them apart.
    let others: Vec<RemoteRoom> = rooms.iter().take(2500).cloned().collect();
    s.apply_batch(&b, &Batch { rooms: others.clone(), ..Batch::default() }, 1).unwrap();

    let check = |rooms: &[RemoteRoom], round: &str| {
        let base = RoomQuery::default();
        let queries: Vec<(&str, RoomQuery)> = vec![
            ("alpha", RoomQuery { sort: Sort::Activity, ..base.clone() }),
            ("alpha", RoomQuery { sort: Sort::Name, ..base.clone() }),
            ("zebra", RoomQuery { sort: Sort::Activity, ..base.clone() }),
            ("alpha 1", RoomQuery { sort: Sort::Name, ..base.clone() }),
            ("alpha", RoomQuery { favorites_only: true, ..base.clone() }),
            ("alpha", RoomQuery { unread_only: true, kinds: vec![RoomKind::Channel], ..base.clone() }),
            ("alpha", RoomQuery { accounts: vec![a.clone()], archived: ArchivedFilter::Include, ..base.clone() }),
            ("alpha", RoomQuery { archived: ArchivedFilter::Only, sort: Sort::Name, ..base.clone() }),
            ("quokka", RoomQuery { sort: Sort::Activity, ..base.clone() }),
            ("quokka", RoomQuery { favorites_only: true, sort: Sort::Name, ..base.clone() }),
            // The list's usual filters again, so the next round starts from what is kept of them.
            ("alpha", RoomQuery { sort: Sort::Activity, ..base.clone() }),
            // No search term: the whole list's pages, read from the order index alone (archived
            // and hidden filters), walking the order index with the row (an account), or sorted
            // (few passing rooms).
            ("", RoomQuery { sort: Sort::Activity, ..base.clone() }),
            ("", RoomQuery { sort: Sort::Name, ..base.clone() }),
            ("", RoomQuery { archived: ArchivedFilter::Only, ..base.clone() }),
            ("", RoomQuery { archived: ArchivedFilter::Include, include_hidden: true, ..base.clone() }),
            ("", RoomQuery { accounts: vec![b.clone()], sort: Sort::Name, ..base.clone() }),
            ("", RoomQuery { favorites_only: true, kinds: vec![RoomKind::Private], ..base.clone() }),
        ];
        for (term, mut q) in queries {
            q.search = (!term.is_empty()).then(|| term.into());
            let words: Vec<&str> = term.split(' ').collect();
            let sets = [(&a, rooms), (&b, &others[..])];
            let mut want: Vec<&RemoteRoom> = sets
                .iter()
                .filter(|(acc, _)| q.accounts.is_empty() || q.accounts.contains(acc))
                .flat_map(|(_, rs)| rs.iter())
                .filter(|r| match q.archived {
                    ArchivedFilter::Exclude => !r.archived,
                    ArchivedFilter::Only => r.archived,
                    ArchivedFilter::Include => true,
                })
                .filter(|r| !q.favorites_only || r.favorite)
                .filter(|r| !q.unread_only || r.unread > 0)
                .filter(|r| q.kinds.is_empty() || q.kinds.contains(&r.kind))
                .filter(|r| words.iter().all(|w| r.name.split(' ').any(|n| n.starts_with(w))))
                // Hidden rooms are left out of the list, not out of a search.
                .filter(|r| q.search.is_some() || q.include_hidden || !r.hidden)
                .collect();
            match q.sort {
                Sort::Activity => want.sort_by_key(|r| std::cmp::Reverse(r.last_activity_ms)),
                Sort::Name => want.sort_by(|x, y| x.name.cmp(&y.name)),
            }
            assert!(!want.is_empty(), "{round} {term} {q:?}: the test should match something");
            for offset in [0i64, 150, want.len() as i64 - 10, want.len() as i64 + 5] {
                let page = s.query_rooms(&q, offset, 100).unwrap();
                let what = format!("{round} {term} {q:?} at {offset}");
                assert_eq!(page.total, want.len() as i64, "{what}");
                // A room's position in the list is where its page shows it.
                for (i, r) in page.rows.iter().enumerate().step_by(37) {
                    let at = s.room_position(&q, &r.account, &r.remote_id).unwrap();
                    assert_eq!(at, Some(offset + i as i64), "{what}: position of {}", r.id);
                }
                let got: Vec<(&str, Option<i64>)> =
                    page.rows.iter().map(|r| (r.name.as_str(), Some(r.last_activity_ms))).collect();
                let exp: Vec<(&str, Option<i64>)> = want
                    .iter()
                    .skip(offset.max(0) as usize)
                    .take(100)
                    .map(|r| (r.name.as_str(), r.last_activity_ms))
                    .collect();
                // Ties (activity, or a name in both accounts) may come in either order; names
                // and times must line up.
                match q.sort {
                    Sort::Activity => assert_eq!(
                        got.iter().map(|g| g.1).collect::<Vec<_>>(),
                        exp.iter().map(|e| e.1).collect::<Vec<_>>(),
                        "{what}"
                    ),
                    Sort::Name => assert_eq!(
                        got.iter().map(|g| g.0).collect::<Vec<_>>(),
                        exp.iter().map(|e| e.0).collect::<Vec<_>>(),
                        "{what}"
                    ),
                }
            }
        }
    };
    check(&rooms, "first");
    // Archive, favourite and rename some rooms: the next queries must see it at once.
    for (i, r) in rooms.iter_mut().enumerate().filter(|(i, _)| i % 13 == 1) {
        r.archived = !r.archived;
        r.favorite = !r.favorite;
        r.raw = format!("{{\"id\":\"r{i}\",\"rev\":2}}"); // what the server sends changed
        if i % 26 == 1 {
            r.name = format!("zebra {i}");
        }
    }
    s.apply_batch(&a, &Batch { rooms: rooms.clone(), ..Batch::default() }, 2).unwrap();
    check(&rooms, "after a change");
    assert_eq!(s.integrity_check().unwrap(), "ok", "pages and search index");
}

/// The list's total (the room count it shows, and its scrollbar) follows every change, also
/// for pages deep in the list that read a count kept from an earlier page.
fn totals_follow_every_change(s: &dyn Store) {
    let a = account(s, Family::Rocketchat);
    let rooms: Vec<RemoteRoom> = (0..30).map(|i| room(&format!("r{i}"), &format!("room {i}"), i)).collect();
    s.apply_batch(&a, &Batch { rooms, ..Batch::default() }, 1).unwrap();
    let q = RoomQuery::default();
    let total = |offset: i64| s.query_rooms(&q, offset, 5).unwrap().total;
    assert_eq!((total(0), total(10), total(25)), (30, 30, 30));
    s.apply_batch(&a, &Batch { removed: vec!["r3".into(), "r4".into()], ..Batch::default() }, 2).unwrap();
    assert_eq!((total(10), total(0)), (28, 28), "removed rooms leave the count at once");
    s.apply_batch(&a, &Batch { rooms: vec![room("new", "new room", 99)], ..Batch::default() }, 3).unwrap();
    assert_eq!(total(20), 29);
    let mut archived = room("r5", "room 5", 5);
    archived.archived = true;
    // What the server sent changed (rooms are compared by their raw JSON).
    archived.raw = r#"{"id":"r5","name":"room 5","archived":true}"#.into();
    s.apply_batch(&a, &Batch { rooms: vec![archived], ..Batch::default() }, 4).unwrap();
    assert_eq!(total(20), 28, "archived rooms are left out by default");
    assert_eq!(s.query_rooms(&all(), 20, 5).unwrap().total, 29, "each filter has its own count");
    assert_eq!(total(0), 28);
}

fn run_suite(make: impl Fn() -> SqliteStore) {
    accounts_get_stable_ids_and_states(&make());
    batches_are_idempotent_and_snapshots_reconcile(&make());
    queries_filter_sort_and_search(&make());
    totals_follow_every_change(&make());
    members_are_replaced_and_ordered(&make());
    avatars_follow_versions_failures_and_the_cap(&make());
    big_searches_page_like_small_ones(&make());
    thumbnails_start_at_the_top_of_the_list(&make());
    unused_pictures_are_dropped(&make());
    due_pictures_are_the_new_moved_and_old_ones(&make());
}

#[test]
fn sqlite_in_memory() {
    run_suite(|| SqliteStore::open_in_memory().unwrap());
}

#[test]
fn sqlite_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let n = std::sync::atomic::AtomicUsize::new(0);
    run_suite(|| {
        SqliteStore::open(&dir.path().join(format!("db{}.sqlite", n.fetch_add(1, std::sync::atomic::Ordering::SeqCst))))
            .unwrap()
    });
}

/// Another Roomdeck process (the CLI syncing beside the app) writes to the same file: the
/// app's list counts what is there now, not what it counted before.
#[test]
fn totals_see_other_processes_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.sqlite");
    let app = SqliteStore::open(&path).unwrap();
    let a = account(&app, Family::Virola);
    let rooms: Vec<RemoteRoom> = (0..10).map(|i| room(&format!("r{i}"), &format!("room {i}"), i)).collect();
    app.apply_batch(&a, &Batch { rooms, ..Batch::default() }, 1).unwrap();
    assert_eq!(app.query_rooms(&RoomQuery::default(), 5, 5).unwrap().total, 10);
    let cli = SqliteStore::open(&path).unwrap();
    cli.apply_batch(&a, &Batch { rooms: vec![room("x", "from the cli", 50)], ..Batch::default() }, 2).unwrap();
    assert_eq!(app.query_rooms(&RoomQuery::default(), 5, 5).unwrap().total, 11);
}

#[test]
fn a_database_from_a_newer_roomdeck_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roomdeck.db");
    drop(SqliteStore::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = SqliteStore::open(&path).unwrap_err();
    assert_eq!(err.code(), "database_too_new");
    assert!(err.to_string().contains("newer Roomdeck"));
    let conn = rusqlite::Connection::open(&path).unwrap();
    let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(v, 99);
}

/// A version-1 database (avatars WITHOUT ROWID) opens at the current version with its pictures intact.
#[test]
fn a_version_1_database_keeps_its_avatars_through_the_migration() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roomdeck.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(include_str!("../src/store/migrations/0001_init.sql")).unwrap();
    conn.pragma_update(None, "user_version", 1).unwrap();
    conn.execute_batch(
        "INSERT INTO accounts (id, family, server_url, auth, color, created_ms) VALUES ('rc1', 'rocketchat', 'https://x/', 'password', '#123456', 1);
         INSERT INTO avatars (key, account_id, path, version, state, content_type, original, small, large, bytes, fetched_ms, last_used_ms)
         VALUES ('rc1:room:a', 'rc1', '/avatar/room/a', 'v1', 'ok', 'image/png', x'89504E47', x'FFD8FF01', x'FFD8FF02', 12, 5, 7);",
    )
    .unwrap();
    drop(conn);
    let store = SqliteStore::open(&path).unwrap();
    let blob = store.avatar_blob("rc1:room:a").unwrap().expect("the avatar survives");
    assert_eq!(blob.original.as_deref(), Some(&[0x89, 0x50, 0x4E, 0x47][..]));
    assert_eq!(blob.small.as_deref(), Some(&[0xFF, 0xD8, 0xFF, 0x01][..]));
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(v, roomdeck_core::store::SCHEMA_VERSION);
    let sql: String = conn.query_row("SELECT sql FROM sqlite_schema WHERE name = 'avatars'", [], |r| r.get(0)).unwrap();
    assert!(!sql.contains("WITHOUT ROWID"), "{sql}");
}
