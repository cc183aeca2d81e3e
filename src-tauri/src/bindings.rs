//! Keeps `ui/src/bindings.ts` equal to the Rust types that cross the IPC boundary.
//! `cargo test -p roomdeck-app bindings` fails when they drift; `make bindings` (which sets
//! `ROOMDECK_BLESS=1`) rewrites the file.

use roomdeck_core::model::*;
use ts_rs::{Config, TS};

use crate::ipc::{AppInfo, CommandError, LoginMethod, SignInRequest};

fn generate() -> String {
    let cfg = Config::new().with_large_int("number");
    let decls = [
        Family::decl(&cfg),
        RoomKind::decl(&cfg),
        LastMessage::decl(&cfg),
        LivechatDetails::decl(&cfg),
        RoomDetails::decl(&cfg),
        AccountState::decl(&cfg),
        ErrorInfo::decl(&cfg),
        Account::decl(&cfg),
        RoomRow::decl(&cfg),
        Member::decl(&cfg),
        RoomInfo::decl(&cfg),
        Sort::decl(&cfg),
        ArchivedFilter::decl(&cfg),
        RoomQuery::decl(&cfg),
        RoomPage::decl(&cfg),
        PickerHit::decl(&cfg),
        SyncPhase::decl(&cfg),
        SyncProgress::decl(&cfg),
        SyncReport::decl(&cfg),
        Event::decl(&cfg),
        LoginMethod::decl(&cfg),
        SignInRequest::decl(&cfg),
        CommandError::decl(&cfg),
        AppInfo::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from the Rust types by `make bindings` (src-tauri/src/bindings.rs). Do not edit.\n/* eslint-disable */\n\n",
    );
    for d in decls {
        out.push_str("export ");
        out.push_str(d.trim());
        out.push_str("\n\n");
    }
    out.trim_end().to_string() + "\n"
}

#[test]
fn bindings_are_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
    let fresh = generate();
    if std::env::var("ROOMDECK_BLESS").is_ok() {
        std::fs::write(&path, &fresh).expect("write bindings");
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(current == fresh, "ui/src/bindings.ts is stale: run `make bindings`");
}
