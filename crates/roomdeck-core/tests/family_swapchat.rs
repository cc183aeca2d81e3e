//! SwapChat/Web3MQ client against its fake: wallet and token sign-in, JWT refresh and re-login,
//! paging, left rooms, composites and the quick re-sync.
#![allow(clippy::unwrap_used)] // tests: a failed setup should stop the test loudly

mod common;

use std::collections::HashSet;

use common::env;
use roomdeck_core::family::swapchat::{jwt_claims, wallet_address, wallet_key};
use roomdeck_core::family::{Client, ServerFamily};
use roomdeck_core::{AccountState, Credentials, Family, RoomKind};
use roomdeck_fakes::swapchat::{ScOptions, SwapChatFake};

async fn fake(opts: ScOptions) -> SwapChatFake {
    SwapChatFake::start(opts, 0, false).await.unwrap()
}

fn wallet(f: &SwapChatFake) -> Credentials {
    Credentials::SwapchatWalletKey { key_hex: f.viewer_wallet().0 }
}

#[tokio::test]
async fn wallet_sign_in_signs_the_secret() {
    let f = fake(ScOptions { rooms: 10, ..ScOptions::default() }).await;
    let client = Client::new(Family::Swapchat, f.url(), None, common::fast_http()).unwrap();
    let signed = client.sign_in(wallet(&f)).await.unwrap();
    let (key, address) = f.viewer_wallet();
    assert_eq!(signed.username.as_deref(), Some(address.as_str()));
    assert_eq!(wallet_address(&wallet_key(&key).unwrap()), address);
    let roomdeck_core::family::Secret::Swapchat { jwt, .. } = signed.secret else { panic!() };
    assert!(jwt_claims(&jwt).unwrap().access_expired_at.is_some());
}

#[tokio::test]
async fn an_unknown_wallet_is_registered_first() {
    let f = fake(ScOptions { rooms: 10, ..ScOptions::default() }).await;
    let e = env();
    let key = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318".to_string();
    let a = e.add(f.url(), Credentials::SwapchatWalletKey { key_hex: key }, None).await;
    let r = e.core.sync_account(&a.id).await;
    assert!(r.error.is_none(), "{r:?}");
    assert_eq!(e.rooms().len(), 0);
    assert!(f.server.request_count("/register") == 1);
}

#[tokio::test]
async fn token_sign_in_and_bad_tokens() {
    let f = fake(ScOptions { rooms: 10, ..ScOptions::default() }).await;
    let e = env();
    let a = e.add(f.url(), Credentials::SwapchatToken { token: f.issue_token() }, None).await;
    assert_eq!(a.auth, "token");
    let bad = e
        .core
        .add_account(roomdeck_core::AddAccount {
            server_url: f.url().into(),
            credentials: Credentials::SwapchatToken { token: "not.a.jwt".into() },
            cert_pin: None,
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), "unauthorized");
}

#[tokio::test]
async fn pages_until_every_room_is_seen_without_duplicates() {
    let f = fake(ScOptions { rooms: 530, ..ScOptions::default() }).await;
    let e = env();
    let a = e.add(f.url(), wallet(&f), None).await;
    let r = e.core.sync_account(&a.id).await;
    assert!(r.error.is_none(), "{r:?}");
    let ids: HashSet<String> = e.rooms().keys().cloned().collect();
    assert_eq!(ids, f.room_ids().into_iter().collect::<HashSet<_>>());
    assert_eq!(f.server.request_count("/my_chats"), 6, "{:?}", f.server.requests());
    let kinds: HashSet<RoomKind> = e.rooms().values().map(|r| r.kind).collect();
    for k in [RoomKind::Direct, RoomKind::GroupDirect, RoomKind::Collection, RoomKind::Space] {
        assert!(kinds.contains(&k), "{k:?}");
    }
}

#[tokio::test]
async fn a_server_with_smaller_pages_is_still_read_completely() {
    let f = fake(ScOptions { rooms: 130, max_page_size: 20, ..ScOptions::default() }).await;
    let e = env();
    let a = e.add(f.url(), wallet(&f), None).await;
    assert!(e.core.sync_account(&a.id).await.error.is_none());
    assert_eq!(e.rooms().len(), f.room_ids().len());
}

#[tokio::test]
async fn quick_resync_reads_the_top_and_notices_left_rooms() {
    let f = fake(ScOptions { rooms: 400, ..ScOptions::default() }).await;
    let e = env();
    let a = e.add(f.url(), wallet(&f), None).await;
    e.core.sync_account(&a.id).await;
    f.server.reset_stats();
    let r = e.core.sync_account(&a.id).await;
    assert!(r.requests <= 3, "{r:?} {:?}", f.server.requests());
    assert_eq!(r.rooms_changed, 0);
    let ids = f.room_ids();
    let (top, gone) = (&ids[10], &ids[20]);
    f.post_message(top, "gm frens");
    f.leave_room(gone);
    let r = e.core.sync_account(&a.id).await;
    assert!(r.error.is_none());
    let rooms = e.rooms();
    assert!(!rooms.contains_key(gone.as_str()));
    assert_eq!(rooms[top.as_str()].last_message.as_ref().unwrap().text, "gm frens");
}

#[tokio::test]
async fn expired_jwt_is_refreshed_and_revoked_jwt_signs_in_again() {
    let f = fake(ScOptions { rooms: 30, access_ttl_secs: 1, ..ScOptions::default() }).await;
    let e = env();
    let a = e.add(f.url(), wallet(&f), None).await;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let r = e.core.sync_account(&a.id).await;
    assert!(r.error.is_none(), "{r:?}");
    assert!(f.server.request_count("/refresh") >= 1);
    // Revoked: refresh fails, the stored wallet key signs in again silently.
    f.revoke_tokens();
    let r = e.core.sync_account(&a.id).await;
    assert!(r.error.is_none(), "{r:?}");
    assert!(f.server.request_count("/login") >= 2);
}

#[tokio::test]
async fn a_revoked_pasted_token_needs_sign_in() {
    let f = fake(ScOptions { rooms: 30, ..ScOptions::default() }).await;
    let e = env();
    let a = e.add(f.url(), Credentials::SwapchatToken { token: f.issue_token() }, None).await;
    e.core.sync_account(&a.id).await;
    let before = e.snapshot();
    f.revoke_tokens();
    let r = e.core.sync_account(&a.id).await;
    assert_eq!(r.error.map(|e| e.code), Some("unauthorized".into()));
    assert_eq!(e.core.account(&a.id).unwrap().state, AccountState::NeedsSignIn);
    assert_eq!(e.snapshot(), before);
}

#[tokio::test]
async fn group_rooms_get_composite_pictures_and_members() {
    let f = fake(ScOptions { rooms: 60, ..ScOptions::default() }).await;
    let e = env();
    let a = e.add(f.url(), wallet(&f), None).await;
    let r = e.core.sync_account(&a.id).await;
    assert!(r.error.is_none(), "{r:?}");
    let rooms = e.rooms();
    let group =
        rooms.values().find(|r| r.kind == RoomKind::GroupDirect && r.has_avatar).expect("a group with a composite");
    let t = e
        .core
        .avatar(
            &roomdeck_core::AvatarTarget::Room { account: a.id.clone(), room: group.remote_id.clone() },
            roomdeck_core::store::ThumbSize::Large,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(image::load_from_memory(&t.bytes).unwrap().width(), 192);
    let info = e.core.room(&group.id).unwrap();
    let doc = f.room(&group.remote_id).unwrap();
    assert_eq!(info.members.len(), doc["members"].as_array().unwrap().len());
    assert!(info.members_complete);
    let coll = rooms.values().find(|r| r.kind == RoomKind::Collection).unwrap();
    match e.core.room(&coll.id).unwrap().details {
        roomdeck_core::RoomDetails::Swapchat { collection_name: Some(n), .. } => assert!(n.ends_with("Collection")),
        other => panic!("{other:?}"),
    }
}
