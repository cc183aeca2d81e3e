//! The fault matrix: every family × every fault. No panic, one clear error for the account, the
//! cache untouched, and recovery once the fault is gone. Picture faults (a non-image, an image
//! bomb, SVG with script) must never fail the account: the picture is skipped or made inert.
#![allow(clippy::unwrap_used)] // test helpers: a failed setup should stop the test loudly

mod common;

use std::time::Duration;

use common::{Env, MemorySecrets};
use roomdeck_core::http::HttpConfig;
use roomdeck_core::{AccountState, Credentials, Event, Roomdeck, SyncPhase};
use roomdeck_fakes::rocketchat::{RcOptions, RocketChatFake};
use roomdeck_fakes::server::Shared;
use roomdeck_fakes::swapchat::{ScOptions, SwapChatFake};
use roomdeck_fakes::virola::{ViOptions, VirolaFake};
use roomdeck_fakes::{Fault, FaultRule};

fn env_fast() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let secrets = std::sync::Arc::new(MemorySecrets::default());
    let http = HttpConfig {
        connect_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_secs(1),
        max_wait: Duration::from_secs(2),
        backoff: Duration::from_millis(20),
        max_retries: 2,
        ..HttpConfig::default()
    };
    let core = Roomdeck::open(dir.path(), secrets.clone()).unwrap().with_http_config(http);
    Env { dir, core, secrets }
}

/// (fault, the error code it must produce)
fn json_faults() -> Vec<(Fault, &'static str)> {
    vec![
        (Fault::Status(500), "server"),
        (Fault::Status(502), "server"),
        (Fault::Status(503), "server"),
        (Fault::RateLimit { reset_in_ms: 600_000 }, "rate_limited"),
        (Fault::Timeout, "network"),
        (Fault::Reset, "network"),
        (Fault::TruncatedJson, "protocol"),
        (Fault::WrongTypes, "protocol"),
        (Fault::HugeField, "protocol"),
        (Fault::ExpireToken, "unauthorized"),
    ]
}

struct Case<'a> {
    name: &'static str,
    env: Env,
    account: String,
    shared: &'a Shared,
    rooms_path: &'static str,
    resign: Box<dyn Fn() -> Credentials + 'a>,
}

/// The last progress phase the core announced for `account` (the window shows the account as
/// syncing until it is `Done`).
fn last_phase(events: &mut tokio::sync::broadcast::Receiver<Event>, account: &str) -> Option<SyncPhase> {
    let mut last = None;
    while let Ok(e) = events.try_recv() {
        if let Event::Progress { progress } = e
            && progress.account == account
        {
            last = Some(progress.phase);
        }
    }
    last
}

async fn run(case: Case<'_>) {
    let Case { name, env, account, shared, rooms_path, resign } = case;
    let first = env.core.sync_account(&account).await;
    assert!(first.error.is_none(), "{name}: {first:?}");
    let before = env.snapshot();
    for (fault, code) in json_faults() {
        shared.faults.add(FaultRule::new(rooms_path, fault.clone()));
        let mut events = env.core.subscribe();
        let r = env.core.sync_account(&account).await;
        assert_eq!(last_phase(&mut events, &account), Some(SyncPhase::Done), "{name} {fault:?}: progress left open");
        let err = r.error.unwrap_or_else(|| panic!("{name} {fault:?}: no error"));
        assert_eq!(err.code, code, "{name} {fault:?}: {}", err.message);
        assert!(!err.message.is_empty());
        assert_eq!(env.snapshot(), before, "{name} {fault:?}: cache changed");
        let state = env.core.account(&account).unwrap().state;
        let expected = match code {
            "unauthorized" => AccountState::NeedsSignIn,
            "network" => AccountState::Offline,
            _ => AccountState::Error,
        };
        assert_eq!(state, expected, "{name} {fault:?}");
        shared.faults.clear();
        if code == "unauthorized" {
            env.core.sign_in_again(&account, resign(), None).await.unwrap();
        }
        let r = env.core.sync_account(&account).await;
        assert!(r.error.is_none(), "{name} {fault:?}: no recovery: {r:?}");
        assert_eq!(env.core.account(&account).unwrap().state, AccountState::Ok);
        assert_eq!(env.snapshot(), before, "{name} {fault:?}: recovery changed data");
    }
}

#[tokio::test]
async fn rocketchat_fault_matrix() {
    let f = RocketChatFake::start(RcOptions { rooms: 40, ..RcOptions::default() }, 0, false).await.unwrap();
    let env = env_fast();
    let (user, password) = f.credentials();
    let creds = move || Credentials::RocketchatPassword { user: user.clone(), password: password.clone(), code: None };
    let a = env.add(f.url(), creds(), None).await;
    run(Case {
        name: "rocketchat",
        env,
        account: a.id,
        shared: f.shared(),
        rooms_path: "/api/v1/rooms.get",
        resign: Box::new(creds),
    })
    .await;
}

#[tokio::test]
async fn swapchat_fault_matrix() {
    let f = SwapChatFake::start(ScOptions { rooms: 40, ..ScOptions::default() }, 0, false).await.unwrap();
    let env = env_fast();
    let a = env.add(f.url(), Credentials::SwapchatToken { token: f.issue_token() }, None).await;
    let fr = &f;
    run(Case {
        name: "swapchat",
        env,
        account: a.id,
        shared: f.shared(),
        rooms_path: "/my_chats",
        resign: Box::new(move || Credentials::SwapchatToken { token: fr.issue_token() }),
    })
    .await;
}

#[tokio::test]
async fn virola_fault_matrix() {
    let f = VirolaFake::start(ViOptions { rooms: 40, ..ViOptions::default() }, 0, false).await.unwrap();
    let env = env_fast();
    let a = env.add(f.url(), Credentials::VirolaToken { token: f.renew_api_token() }, None).await;
    let fr = &f;
    run(Case {
        name: "virola",
        env,
        account: a.id,
        shared: f.shared(),
        rooms_path: "/api/v1/rooms",
        resign: Box::new(move || Credentials::VirolaToken { token: fr.renew_api_token() }),
    })
    .await;
}

/// A sync that never gets past signing in (the credentials are gone from the keyring, or the
/// server is down before any session exists) still ends its progress, and says why.
#[tokio::test]
async fn a_sync_that_cannot_sign_in_ends_its_progress() {
    let f = RocketChatFake::start(RcOptions { rooms: 5, ..RcOptions::default() }, 0, false).await.unwrap();
    let env = env_fast();
    let (user, password) = f.credentials();
    let a = env.add(f.url(), Credentials::RocketchatPassword { user, password, code: None }, None).await;
    assert!(env.core.sync_account(&a.id).await.error.is_none());
    let rooms = env.rooms().len();
    // A new session of the app (nothing signed in yet) whose keyring entry is gone.
    let core = Roomdeck::open(env.dir.path(), env.secrets.clone()).unwrap();
    env.secrets.0.lock().unwrap().clear();
    let mut events = core.subscribe();
    let r = core.sync_account(&a.id).await;
    assert_eq!(r.error.map(|e| e.code), Some("unauthorized".to_string()));
    assert_eq!(last_phase(&mut events, &a.id), Some(SyncPhase::Done), "progress left at signing in");
    assert_eq!(core.account(&a.id).unwrap().state, AccountState::NeedsSignIn);
    assert_eq!(env.rooms().len(), rooms, "cached rooms kept");
}

#[tokio::test]
async fn hostile_pictures_are_refused_or_inert() {
    let f = RocketChatFake::start(RcOptions { rooms: 30, all_avatars: true, ..RcOptions::default() }, 0, false)
        .await
        .unwrap();
    for (fault, usable) in [(Fault::NotAnImage, false), (Fault::ImageBomb, false), (Fault::SvgScript, true)] {
        let env = env_fast();
        f.shared().faults.clear();
        f.shared().faults.add(FaultRule::new("/avatar/room/*", fault.clone()));
        let (user, password) = f.credentials();
        let a = env.add(f.url(), Credentials::RocketchatPassword { user, password, code: None }, None).await;
        let r = env.core.sync_account(&a.id).await;
        assert!(r.error.is_none(), "{fault:?}: {r:?}");
        let rooms = env.rooms();
        let channel = rooms.values().find(|r| r.kind == roomdeck_core::RoomKind::Channel).unwrap();
        let thumb = env
            .core
            .avatar(
                &roomdeck_core::AvatarTarget::Room { account: a.id.clone(), room: channel.remote_id.clone() },
                roomdeck_core::store::ThumbSize::Small,
            )
            .await
            .unwrap();
        assert_eq!(thumb.is_some(), usable, "{fault:?}");
        if let Some(t) = thumb {
            // The SVG became pixels: what reaches the webview is a PNG/JPEG, never markup.
            assert!(image::load_from_memory(&t.bytes).is_ok());
            assert!(!String::from_utf8_lossy(&t.bytes).contains("<script"));
        }
    }
}
