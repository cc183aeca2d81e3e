//! Crash safety: a `roomdeck sync` child process is killed (SIGKILL) at random points of a
//! 10,000-room sync, again and again (seeded, so a failure can be replayed). After every kill
//! the database passes `PRAGMA integrity_check`, every room is in its old or its new state (never
//! torn, never lost), and the next sync completes. `ROOMDECK_CRASH_ITERATIONS` sets how many
//! kills (`make test`: 3; `make faults`: 100).
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use roomdeck_e2e::fakes::Servers;
use roomdeck_fakes::rng::Rng;
use roomdeck_fakes::swapchat::ScOptions;

fn last_messages(db: &std::path::Path) -> HashMap<String, String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
    let mut stmt = conn.prepare("SELECT remote_id, coalesce(last_msg_text, '') FROM rooms").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
}

#[test]
fn killed_syncs_leave_every_room_old_or_new() {
    let iterations: usize = std::env::var("ROOMDECK_CRASH_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let servers =
        Servers::start(None, Some(ScOptions { rooms: 10_000, seed: 9, ..ScOptions::default() }), None).unwrap();
    let sc = servers.sc.as_ref().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roomdeck.db");
    servers.seed(dir.path()).unwrap();
    let ids = sc.room_ids();
    assert_eq!(last_messages(&db).len(), ids.len());

    // How long a sync of 10k changed rooms takes, to spread the kills over it. Every generation
    // posts a new last message to every room.
    let rename_all = |generation: usize| {
        for id in &ids {
            sc.post_message(id, &format!("room {id} gen {generation}"));
        }
    };
    rename_all(1);
    let start = Instant::now();
    let (code, _, err) = roomdeck_e2e::cli(dir.path(), &["sync"], None);
    assert_eq!(code, 0, "{err}");
    let full = start.elapsed().max(Duration::from_millis(200));

    let mut rng = Rng::new(20_261_122);
    for generation in 2..2 + iterations {
        let before = last_messages(&db);
        rename_all(generation);
        let wait = Duration::from_micros(rng.below(full.as_micros() as u64));
        let mut child = std::process::Command::new(roomdeck_e2e::binary("roomdeck"))
            .args(["--data-dir", dir.path().to_str().unwrap(), "sync"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(wait);
        let _ = child.kill();
        let _ = child.wait();
        let after = last_messages(&db);
        assert_eq!(after.len(), before.len(), "generation {generation}: rooms lost after a kill at {wait:?}");
        let new_name = |id: &str| format!("room {id} gen {generation}");
        for (id, name) in &after {
            assert!(
                name == &before[id] || name == &new_name(id),
                "generation {generation}: room {id} is {name:?}, neither old nor new"
            );
        }
    }
    // The next sync completes and brings every room to the newest state.
    let (code, _, err) = roomdeck_e2e::cli(dir.path(), &["sync"], None);
    assert_eq!(code, 0, "{err}");
    let last = 1 + iterations;
    let after = last_messages(&db);
    let stale: Vec<&String> =
        after.iter().filter(|(id, n)| *n != &format!("room {id} gen {last}")).map(|(id, _)| id).collect();
    assert!(
        stale.is_empty(),
        "{} rooms not brought up to date, e.g. {:?}",
        stale.len(),
        stale.first().map(|id| &after[*id])
    );
}
