//! Rocket.Chat client against its fake: sign-in flows, full and delta syncs, deletions, members,
//! Omnichannel, avatars, rate limits and every server era.
#![allow(clippy::unwrap_used)] // tests: a failed setup should stop the test loudly

mod common;

use std::collections::HashSet;

use common::env;
use roomdeck_core::family::{Client, ServerFamily};
use roomdeck_core::{AccountState, ClientError, Credentials, Error, RoomKind};
use roomdeck_fakes::rocketchat::{Era, LivechatAccess, RcOptions, RocketChatFake};
use roomdeck_fakes::{Fault, FaultRule};
use serde_json::Value;

async fn fake(opts: RcOptions) -> RocketChatFake {
    RocketChatFake::start(opts, 0, false).await.unwrap()
}

fn password(f: &RocketChatFake) -> Credentials {
    let (user, password) = f.credentials();
    Credentials::RocketchatPassword { user, password, code: None }
}

fn expected_ids(f: &RocketChatFake) -> HashSet<String> {
    let mut ids: HashSet<String> = f.subscribed_ids().into_iter().collect();
    ids.extend(f.livechat_ids());
    ids
}

#[tokio::test]
async fn password_sign_in_in_every_era() {
    for era in [Era::V6, Era::V7, Era::V8] {
        let f = fake(RcOptions { rooms: 20, era, ..RcOptions::default() }).await;
        let client = Client::new(roomdeck_core::Family::Rocketchat, f.url(), None, common::fast_http()).unwrap();
        let signed = client.sign_in(password(&f)).await.unwrap();
        assert_eq!(signed.username.as_deref(), Some("alice"), "{era:?}");
        let bad = client
            .sign_in(Credentials::RocketchatPassword { user: "alice".into(), password: "nope".into(), code: None })
            .await
            .unwrap_err();
        assert!(matches!(bad, ClientError::Unauthorized(_)), "{era:?}: {bad:?}");
    }
}

#[tokio::test]
async fn two_factor_asks_for_the_code_then_accepts_it() {
    let f = fake(RcOptions { rooms: 5, ..RcOptions::default() }).await;
    let client = Client::new(roomdeck_core::Family::Rocketchat, f.url(), None, common::fast_http()).unwrap();
    let creds = |code: Option<&str>| Credentials::RocketchatPassword {
        user: "bob".into(),
        password: "roomdeck-2fa".into(),
        code: code.map(str::to_string),
    };
    let e = client.sign_in(creds(None)).await.unwrap_err();
    assert_eq!(e, ClientError::NeedsSecondFactor { method: "totp".into(), invalid: false });
    let e = client.sign_in(creds(Some("000000"))).await.unwrap_err();
    assert_eq!(e, ClientError::NeedsSecondFactor { method: "totp".into(), invalid: true });
    let ok = client.sign_in(creds(Some("246810"))).await.unwrap();
    assert_eq!(ok.username.as_deref(), Some("bob"));
}

#[tokio::test]
async fn personal_access_token_and_resume() {
    let f = fake(RcOptions { rooms: 5, ..RcOptions::default() }).await;
    let e = env();
    let (uid, token) = f.issue_personal_token();
    let a = e.add(f.url(), Credentials::RocketchatToken { user_id: uid.clone(), token: token.clone() }, None).await;
    assert_eq!(a.auth, "token");
    assert_eq!(a.username.as_deref(), Some("alice"));
    let checked = e.core.check_account(&a.id).await.unwrap();
    assert_eq!(checked.id, a.id);
    let wrong = e
        .core
        .add_account(roomdeck_core::AddAccount {
            server_url: f.url().into(),
            credentials: Credentials::RocketchatToken { user_id: uid, token: "forged".into() },
            cert_pin: None,
        })
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), "unauthorized");
}

#[tokio::test]
async fn full_sync_joins_rooms_and_subscriptions() {
    let f = fake(RcOptions { rooms: 400, ..RcOptions::default() }).await;
    let e = env();
    let a = e.add(f.url(), password(&f), None).await;
    let report = e.core.sync_account(&a.id).await;
    assert!(report.error.is_none(), "{report:?}");
    assert!(report.full);
    let rooms = e.rooms();
    let ids: HashSet<String> = rooms.keys().cloned().collect();
    assert_eq!(ids, expected_ids(&f));
    let kinds: HashSet<RoomKind> = rooms.values().map(|r| r.kind).collect();
    for k in [
        RoomKind::Channel,
        RoomKind::Private,
        RoomKind::Direct,
        RoomKind::GroupDirect,
        RoomKind::Discussion,
        RoomKind::Team,
        RoomKind::Livechat,
    ] {
        assert!(kinds.contains(&k), "missing {k:?}");
    }
    // A DM is named after the peer, from the subscription (the room has no name).
    let dm = rooms.values().find(|r| r.kind == RoomKind::Direct).unwrap();
    let sub = f.subscription(&dm.remote_id).unwrap();
    assert_eq!(dm.name, sub["fname"].as_str().unwrap());
    // Favorites, hidden and archived flags come from the subscription / room.
    for r in rooms.values() {
        if let Some(sub) = f.subscription(&r.remote_id) {
            assert_eq!(r.favorite, sub["f"] == Value::Bool(true), "{}", r.id);
            assert_eq!(r.hidden, sub["open"] == Value::Bool(false), "{}", r.id);
        }
        let room = f.room(&r.remote_id).unwrap();
        assert_eq!(r.archived, room.get("archived") == Some(&Value::Bool(true)), "{}", r.id);
    }
    let acc = e.core.account(&a.id).unwrap();
    assert_eq!(acc.state, AccountState::Ok);
    assert!(acc.last_sync_ms.is_some());
}

#[tokio::test]
async fn delta_sync_reads_only_changes_and_handles_deletions() {
    let f = fake(RcOptions { rooms: 150, ..RcOptions::default() }).await;
    let e = env();
    let a = e.add(f.url(), password(&f), None).await;
    e.core.sync_account(&a.id).await;
    let before = e.rooms();
    let subs = f.subscribed_ids();
    let (posted, renamed, deleted, left) = (&subs[3], &subs[4], &subs[5], &subs[6]);
    f.post_message(posted, "Fresh news from the delta test");
    f.rename_room(renamed, "Renamed by the server");
    f.delete_room(deleted);
    f.leave_room(left);
    f.server.reset_stats();
    let report = e.core.sync_account(&a.id).await;
    assert!(report.error.is_none(), "{report:?}");
    assert!(!report.full);
    // subscriptions.get + rooms.get + one livechat page, and no avatar refetch.
    assert_eq!(report.requests, 3, "{:?}", f.server.requests());
    assert_eq!(f.server.request_count("/avatar/"), 0);
    let after = e.rooms();
    assert_eq!(after.len(), before.len() - 2);
    assert!(!after.contains_key(deleted.as_str()) && !after.contains_key(left.as_str()));
    let p = &after[posted.as_str()];
    assert_eq!(p.last_message.as_ref().unwrap().text, "Fresh news from the delta test");
    assert!(p.last_activity_ms > before[posted.as_str()].last_activity_ms);
    assert!(p.unread > before[posted.as_str()].unread);
    assert_eq!(after[renamed.as_str()].name, "Renamed by the server");
    // Nothing changed: still a handful of requests and no writes.
    let again = e.core.sync_account(&a.id).await;
    assert_eq!(again.rooms_changed, 0, "{again:?}");
    assert!(again.requests <= 3);
}

#[tokio::test]
async fn livechat_403_turns_the_feature_off_quietly() {
    let f = fake(RcOptions { rooms: 120, livechat: LivechatAccess::Forbidden, ..RcOptions::default() }).await;
    let e = env();
    let a = e.add(f.url(), password(&f), None).await;
    let report = e.core.sync_account(&a.id).await;
    assert!(report.error.is_none(), "{report:?}");
    let ids: HashSet<String> = e.rooms().keys().cloned().collect();
    assert_eq!(ids, f.subscribed_ids().into_iter().collect::<HashSet<_>>());
    // The next sync does not ask again (the feature is off for a day).
    f.server.reset_stats();
    e.core.sync_account(&a.id).await;
    assert_eq!(f.server.request_count("livechat"), 0);
}

#[tokio::test]
async fn livechat_own_rooms_when_only_view_l_room() {
    let f = fake(RcOptions {
        rooms: 200,
        livechat: LivechatAccess::OwnOnly,
        foreign_livechat_rooms: 4,
        ..RcOptions::default()
    })
    .await;
    let e = env();
    let a = e.add(f.url(), password(&f), None).await;
    assert!(e.core.sync_account(&a.id).await.error.is_none());
    let rooms = e.rooms();
    let lc = rooms.values().filter(|r| r.kind == RoomKind::Livechat).count();
    assert!(lc > 0);
    let info = e.core.room(&rooms.values().find(|r| r.kind == RoomKind::Livechat).unwrap().id).unwrap();
    match info.details {
        roomdeck_core::RoomDetails::Rocketchat { livechat: Some(l), .. } => {
            assert!(l.visitor_username.unwrap_or_default().starts_with("guest-"));
            assert!(l.department.is_some());
            assert!(l.source.is_some());
        }
        other => panic!("no livechat details: {other:?}"),
    }
}

#[tokio::test]
async fn members_page_through_thousands() {
    for infinite in [true, false] {
        let f = fake(RcOptions {
            rooms: 30,
            big_room_members: 1200,
            allow_infinite_count: infinite,
            ..RcOptions::default()
        })
        .await;
        let e = env();
        let a = e.add(f.url(), password(&f), None).await;
        e.core.sync_account(&a.id).await;
        let info = e.core.refresh_room(&format!("{}:GENERAL", a.id)).await.unwrap();
        assert_eq!(info.members.len(), 1201, "infinite={infinite}");
        assert!(info.members_complete);
        let unique: HashSet<&str> = info.members.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(unique.len(), 1201);
    }
}

/// A first sync long enough for the picture pass to run several rounds beside the room writes
/// (rooms in transactions of 500 -> 2000, jobs in rounds of 2000 that do not wait for their last
/// results to be committed): every picture is asked for once, and all of them are stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_first_sync_fetches_each_picture_once() {
    let f = fake(RcOptions { rooms: 5000, all_avatars: true, ..RcOptions::default() }).await;
    let e = env();
    let a = e.add(f.url(), password(&f), None).await;
    f.server.reset_stats();
    let report = e.core.sync_account(&a.id).await;
    assert!(report.error.is_none(), "{report:?}");
    let asked: Vec<String> = f.server.requests().into_iter().filter(|r| r.contains("/avatar/")).collect();
    let unique: HashSet<&String> = asked.iter().collect();
    assert!(asked.len() > 2500, "{} pictures asked for", asked.len());
    assert_eq!(asked.len(), unique.len(), "a picture was asked for twice");
    // (Some answers are the server's letter pictures: stored as "no picture", not counted.)
    let fetched = report.avatars_fetched as usize;
    assert!(fetched > asked.len() / 2 && fetched <= asked.len(), "{report:?}");
    let pictured = e.rooms().values().filter(|r| r.has_avatar).count();
    assert!(pictured >= fetched, "{pictured} rooms show a picture, {fetched} fetched");
    // Nothing is left due: a second sync asks for no picture.
    f.server.reset_stats();
    let again = e.core.sync_account(&a.id).await;
    assert!(again.error.is_none(), "{again:?}");
    assert_eq!(f.server.request_count("/avatar/"), 0, "{again:?}");
}

#[tokio::test]
async fn avatars_follow_the_etag_and_letters_mean_none() {
    let f = fake(RcOptions { rooms: 80, ..RcOptions::default() }).await;
    let e = env();
    let a = e.add(f.url(), password(&f), None).await;
    let report = e.core.sync_account(&a.id).await;
    assert!(report.avatars_fetched > 0, "{report:?}");
    let rooms = e.rooms();
    for r in rooms.values() {
        let doc = f.room(&r.remote_id).unwrap();
        if matches!(r.kind, RoomKind::Channel | RoomKind::Private | RoomKind::Team) {
            assert_eq!(r.has_avatar, doc.get("avatarETag").is_some(), "{}", r.id);
        }
    }
    // A new etag refetches exactly that picture.
    let with = rooms.values().find(|r| r.has_avatar && r.kind == RoomKind::Channel).unwrap();
    f.set_room_avatar(&with.remote_id);
    f.server.reset_stats();
    let report = e.core.sync_account(&a.id).await;
    assert_eq!(f.server.request_count("/avatar/room/"), 1, "{report:?}");
    let t = e
        .core
        .avatar(
            &roomdeck_core::AvatarTarget::Room { account: a.id.clone(), room: with.remote_id.clone() },
            roomdeck_core::store::ThumbSize::Small,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(image::load_from_memory(&t.bytes).unwrap().width(), 64);
}

#[tokio::test]
async fn rooms_are_written_while_the_omnichannel_list_is_slow() {
    // The Omnichannel list is read after the user's own rooms: a slow one must not hold them back.
    let f = fake(RcOptions { rooms: 300, ..RcOptions::default() }).await;
    let e = env();
    let a = e.add(f.url(), password(&f), None).await;
    f.server.faults().add(FaultRule::new("/api/v1/livechat/rooms", Fault::Latency(1500)));
    let subscribed: HashSet<String> = f.subscribed_ids().into_iter().collect();
    let t = std::time::Instant::now();
    let watch = async {
        loop {
            let shown: HashSet<String> = e.rooms().into_keys().collect();
            if subscribed.is_subset(&shown) {
                return t.elapsed();
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    };
    let (report, shown_at) = tokio::join!(async { e.core.sync_account(&a.id).await }, watch);
    let done_at = t.elapsed();
    assert!(report.error.is_none(), "{report:?}");
    // Every page of the Omnichannel list took 1.5 s; the rooms were there long before the end.
    assert!(done_at.as_millis() >= 1500, "the fault did not apply: {done_at:?}");
    assert!(
        done_at - shown_at >= std::time::Duration::from_millis(1000),
        "rooms at {shown_at:?}, sync done at {done_at:?}"
    );
    // And the Omnichannel rooms came in too.
    let ids: HashSet<String> = e.rooms().into_keys().collect();
    assert_eq!(ids, expected_ids(&f));
}

#[tokio::test]
async fn rate_limits_are_waited_out_or_reported() {
    let f = fake(RcOptions { rooms: 10, ..RcOptions::default() }).await;
    let e = env();
    let a = e.add(f.url(), password(&f), None).await;
    // A short reset is waited out.
    f.server.faults().add(FaultRule::new("/api/v1/rooms.get", Fault::RateLimit { reset_in_ms: 300 }).times(1));
    let r = e.core.sync_account(&a.id).await;
    assert!(r.error.is_none(), "{r:?}");
    // A long one is reported with its reset time, and the cache stays.
    let before = e.snapshot();
    f.server.faults().set("/api/v1/rooms.get", Fault::RateLimit { reset_in_ms: 600_000 });
    let r = e.core.sync_account(&a.id).await;
    assert_eq!(r.error.as_ref().map(|e| e.code.as_str()), Some("rate_limited"));
    assert_eq!(e.snapshot(), before);
    assert_eq!(e.core.account(&a.id).unwrap().state, AccountState::Error);
}

#[tokio::test]
async fn expired_token_mid_sync_needs_sign_in_and_keeps_the_cache() {
    let f = fake(RcOptions { rooms: 60, ..RcOptions::default() }).await;
    let e = env();
    let a = e.add(f.url(), password(&f), None).await;
    e.core.sync_account(&a.id).await;
    let before = e.snapshot();
    f.server.faults().add(FaultRule::new("/api/v1/rooms.get", Fault::ExpireToken).times(1));
    let r = e.core.sync_account(&a.id).await;
    assert_eq!(r.error.as_ref().map(|e| e.code.as_str()), Some("unauthorized"), "{r:?}");
    assert_eq!(e.core.account(&a.id).unwrap().state, AccountState::NeedsSignIn);
    assert_eq!(e.snapshot(), before);
    // Signing in again recovers.
    e.core.sign_in_again(&a.id, password(&f), None).await.unwrap();
    assert!(e.core.sync_account(&a.id).await.error.is_none());
}

#[tokio::test]
async fn invalid_cursor_dates_and_unknown_trash_are_handled() {
    let f = fake(RcOptions { rooms: 40, ..RcOptions::default() }).await;
    let e = env();
    let a = e.add(f.url(), password(&f), None).await;
    e.core.sync_account(&a.id).await;
    let n = e.rooms().len();
    // The server's trash lists rooms this user never had: the delta ignores them.
    let r = e.core.sync_account(&a.id).await;
    assert!(r.error.is_none());
    assert_eq!(e.rooms().len(), n);
    // A forced full resync gives the same rooms.
    e.core.reset_cursors(&a.id).unwrap();
    let r = e.core.sync_account(&a.id).await;
    assert!(r.full);
    assert_eq!(e.rooms().len(), n);
    let _: Option<Error> = None;
}

#[tokio::test]
async fn the_picker_follows_renames_and_concurrent_first_picks_agree() {
    let f = fake(RcOptions { rooms: 300, ..RcOptions::default() }).await;
    let e = env();
    let a = e.add(f.url(), password(&f), None).await;
    assert!(e.core.sync_account(&a.id).await.error.is_none());
    // Four picks at once on a cold index (as the window's first keystroke and the background's
    // `warm_picker` can be): one builds it while the others wait, and all get the same answer.
    let answers: Vec<Vec<String>> = std::thread::scope(|s| {
        let picks: Vec<_> = (0..4)
            .map(|_| s.spawn(|| e.core.pick("a", 20).unwrap().into_iter().map(|h| h.row.id).collect::<Vec<_>>()))
            .collect();
        picks.into_iter().map(|p| p.join().unwrap()).collect()
    });
    assert_eq!(answers[0].len(), 20);
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    // A rename reaches the picker after the next sync (the index built before it is dropped).
    let id = f.subscribed_ids()[7].clone();
    f.rename_room(&id, "zqxv-renamed-room");
    assert!(e.core.pick("zqxvrenamed", 5).unwrap().is_empty());
    assert!(e.core.sync_account(&a.id).await.error.is_none());
    let hits = e.core.pick("zqxvrenamed", 5).unwrap();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].row.remote_id, id);
    assert_eq!(hits[0].row.name, "zqxv-renamed-room");
}
