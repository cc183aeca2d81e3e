//! Virola client against its fake: cookie and bearer sign-in, silent re-login, both room shapes,
//! sniffed avatars, the missing members endpoint, and certificate pinning.
#![allow(clippy::unwrap_used)] // tests: a failed setup should stop the test loudly

mod common;

use std::collections::HashSet;

use common::env;
use roomdeck_core::{AccountState, AddAccount, ClientError, Credentials, Error, RoomKind};
use roomdeck_fakes::virola::{ViOptions, VirolaFake};

async fn fake(opts: ViOptions, tls: bool) -> VirolaFake {
    VirolaFake::start(opts, 0, tls).await.unwrap()
}

fn password(f: &VirolaFake) -> Credentials {
    let (user, password) = f.credentials();
    Credentials::VirolaPassword { user, password }
}

#[tokio::test]
async fn password_sign_in_syncs_every_room() {
    let f = fake(ViOptions { rooms: 70, ..ViOptions::default() }, false).await;
    let e = env();
    let a = e.add(f.url(), password(&f), None).await;
    let r = e.core.sync_account(&a.id).await;
    assert!(r.error.is_none(), "{r:?}");
    let rooms = e.rooms();
    let ids: HashSet<String> = rooms.keys().cloned().collect();
    assert_eq!(ids, f.room_ids().iter().map(|i| i.to_string()).collect::<HashSet<_>>());
    assert!(rooms.values().any(|r| r.kind == RoomKind::Private && r.has_avatar));
    assert!(rooms.values().all(|r| r.kind != RoomKind::Channel || !r.has_avatar), "public rooms show initials");
    assert!(rooms.values().any(|r| r.favorite), "pinned rooms are marked");
    let bad = e
        .core
        .add_account(AddAccount {
            server_url: f.url().into(),
            credentials: Credentials::VirolaPassword { user: "admin".into(), password: "wrong".into() },
            cert_pin: None,
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), "unauthorized");
    assert!(bad.to_string().contains("The username or password is invalid."), "{bad}");
}

#[tokio::test]
async fn an_expired_session_signs_in_again_silently() {
    let f = fake(ViOptions { rooms: 20, ..ViOptions::default() }, false).await;
    let e = env();
    let a = e.add(f.url(), password(&f), None).await;
    e.core.sync_account(&a.id).await;
    f.expire_sessions();
    f.rename_room(f.room_ids()[0], "Renamed after expiry");
    let r = e.core.sync_account(&a.id).await;
    assert!(r.error.is_none(), "{r:?}");
    assert_eq!(e.rooms()[&f.room_ids()[0].to_string()].name, "Renamed after expiry");
    assert_eq!(f.server.request_count("POST /api/v1/login"), 2);
}

#[tokio::test]
async fn a_renewed_api_token_invalidates_the_old_one() {
    let f = fake(ViOptions { rooms: 20, ..ViOptions::default() }, false).await;
    let e = env();
    let token = f.renew_api_token();
    let a = e.add(f.url(), Credentials::VirolaToken { token }, None).await;
    assert!(e.core.sync_account(&a.id).await.error.is_none());
    f.renew_api_token();
    let r = e.core.sync_account(&a.id).await;
    assert_eq!(r.error.as_ref().map(|e| e.message.contains("renew Web API Access Token")), Some(true), "{r:?}");
    assert_eq!(e.core.account(&a.id).unwrap().state, AccountState::NeedsSignIn);
}

#[tokio::test]
async fn the_older_room_shape_parses_and_deleted_rooms_go() {
    let f = fake(ViOptions { rooms: 30, legacy: true, ..ViOptions::default() }, false).await;
    let e = env();
    let a = e.add(f.url(), password(&f), None).await;
    assert!(e.core.sync_account(&a.id).await.error.is_none());
    assert_eq!(e.rooms().len(), 30);
    let gone = f.room_ids()[3];
    f.delete_room(gone);
    f.set_legacy(false);
    assert!(e.core.sync_account(&a.id).await.error.is_none());
    assert_eq!(e.rooms().len(), 29);
    assert!(!e.rooms().contains_key(&gone.to_string()));
}

#[tokio::test]
async fn members_are_not_supported_and_say_so() {
    let f = fake(ViOptions { rooms: 10, ..ViOptions::default() }, false).await;
    let e = env();
    let a = e.add(f.url(), password(&f), None).await;
    e.core.sync_account(&a.id).await;
    let id = format!("{}:{}", a.id, f.room_ids()[0]);
    let info = e.core.refresh_room(&id).await.unwrap();
    assert!(info.members.is_empty());
    assert!(info.members_note.unwrap_or_default().contains("do not list room members"));
}

#[tokio::test]
async fn png_served_as_avatar_jpg_is_sniffed() {
    let f = fake(ViOptions { rooms: 60, ..ViOptions::default() }, false).await;
    let e = env();
    let a = e.add(f.url(), password(&f), None).await;
    e.core.sync_account(&a.id).await;
    let with: Vec<_> = e.rooms().into_values().filter(|r| r.has_avatar).collect();
    assert!(with.len() > 3);
    let store = e.core.store();
    let mut kinds = HashSet::new();
    for r in &with {
        let key = roomdeck_core::store::Store::room_avatar_key(store, &a.id, &r.remote_id).unwrap().unwrap();
        let blob = roomdeck_core::store::Store::avatar_blob(store, &key).unwrap().unwrap();
        kinds.insert(blob.content_type.unwrap());
    }
    assert!(kinds.contains("image/png") && kinds.contains("image/jpeg"), "{kinds:?}");
}

#[tokio::test]
async fn self_signed_certificates_need_a_pin_and_a_changed_one_is_refused() {
    let f = fake(ViOptions { rooms: 10, ..ViOptions::default() }, true).await;
    let e = env();
    let add = |pin: Option<String>| AddAccount { server_url: f.url().into(), credentials: password(&f), cert_pin: pin };
    // Unpinned: refused, with the fingerprint to show the user.
    let err = e.core.add_account(add(None)).await.unwrap_err();
    let Error::Client(ClientError::UntrustedCertificate { fingerprint }) = &err else { panic!("{err:?}") };
    assert_eq!(Some(fingerprint.clone()), f.server.fingerprint());
    // Pinned (any spelling of the fingerprint): accepted.
    let pin = fingerprint.replace(':', "").to_lowercase();
    let a = e.core.add_account(add(Some(pin))).await.unwrap();
    assert!(e.core.sync_account(&a.id).await.error.is_none());
    // The server's certificate changes: refused with a clear message, cache kept.
    let before = e.snapshot();
    f.server.rotate_certificate().unwrap();
    let e2 = common::env();
    let err = e2.core.add_account(add(Some(fingerprint.clone()))).await.unwrap_err();
    assert_eq!(err.code(), "certificate_changed");
    assert!(err.to_string().contains("certificate changed"), "{err}");
    // The running account's next sync is refused too (new connections see the new certificate).
    let r =
        roomdeck_core::Roomdeck::open(e.dir.path(), e.secrets.clone()).unwrap().with_http_config(common::fast_http());
    let rep = r.sync_account(&a.id).await;
    assert_eq!(rep.error.map(|e| e.code), Some("certificate_changed".into()));
    assert_eq!(e.snapshot(), before);
}
