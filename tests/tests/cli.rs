//! The `roomdeck` CLI end to end against the fakes, online and offline, with the real keyring.
#![allow(clippy::unwrap_used)]

use roomdeck_e2e::cli;
use roomdeck_e2e::fakes::Servers;
use roomdeck_fakes::rocketchat::RcOptions;
use roomdeck_fakes::swapchat::ScOptions;
use roomdeck_fakes::virola::ViOptions;
use serde_json::Value;

fn all_files_contain(dir: &std::path::Path, needle: &str) -> Vec<String> {
    let mut hits = Vec::new();
    for entry in roomdeck_e2e::files_under(dir) {
        if let Ok(bytes) = std::fs::read(&entry)
            && bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
        {
            hits.push(entry.display().to_string());
        }
    }
    hits
}

#[test]
fn cli_online_then_offline() {
    let mut servers = Servers::start(
        Some(RcOptions { rooms: 150, ..RcOptions::default() }),
        Some(ScOptions { rooms: 60, ..ScOptions::default() }),
        Some(ViOptions { rooms: 40, ..ViOptions::default() }),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (rc, sc, vi) = (servers.rc.as_ref().unwrap(), servers.sc.as_ref().unwrap(), servers.vi.as_ref().unwrap());
    let (user, password) = rc.credentials();
    let (code, out, err) = cli(
        d,
        &["account", "add", "rocketchat", "--server", rc.url(), "--user", &user, "--password-stdin"],
        Some(&format!("{password}\n")),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "rc1");
    let (key, _) = sc.viewer_wallet();
    let (code, out, err) =
        cli(d, &["account", "add", "swapchat", "--server", sc.url(), "--wallet-key-stdin"], Some(&key));
    assert_eq!((code, out.trim()), (0, "sc1"), "{err}");
    // Virola's self-signed certificate: refused with the fingerprint, then accepted when pinned.
    let (vuser, vpass) = vi.credentials();
    let fp = vi.server.fingerprint().unwrap();
    let (code, _, err) =
        cli(d, &["account", "add", "virola", "--server", vi.url(), "--user", &vuser, "--password-stdin"], Some(&vpass));
    assert_eq!(code, 4);
    assert!(err.contains(&fp) && err.contains("--pin-cert"), "{err}");
    let (code, out, err) = cli(
        d,
        &["account", "add", "virola", "--server", vi.url(), "--user", &vuser, "--password-stdin", "--pin-cert", &fp],
        Some(&vpass),
    );
    assert_eq!((code, out.trim()), (0, "vi1"), "{err}");

    let (code, out, err) = cli(d, &["sync", "--json"], None);
    assert_eq!(code, 0, "{err}");
    let reports: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(reports.as_array().unwrap().len(), 3);

    let (code, out, err) = cli(d, &["rooms", "--json"], None);
    assert_eq!(code, 0);
    assert!(err.contains("rc1") && err.contains("last synced just now"), "{err}");
    let rooms: Vec<Value> = serde_json::from_str(&out).unwrap();
    let expected = rc
        .subscribed_ids()
        .iter()
        .filter(|id| {
            let room = rc.room(id).unwrap();
            let sub = rc.subscription(id).unwrap();
            room.get("archived") != Some(&Value::Bool(true)) && sub["open"] != Value::Bool(false)
        })
        .count();
    assert!(rooms.len() > expected, "{} rooms", rooms.len());
    for field in [
        "id",
        "account",
        "family",
        "remote_id",
        "kind",
        "name",
        "topic",
        "unread",
        "mentions",
        "favorite",
        "archived",
        "last_activity_ms",
        "last_message",
        "member_count",
        "has_avatar",
    ] {
        assert!(rooms[0].get(field).is_some(), "missing {field}");
    }
    let (code, out, _) = cli(d, &["rooms", "--json", "--account", "vi1", "--sort", "name"], None);
    assert_eq!(code, 0);
    let vi_rooms: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert!(vi_rooms.iter().all(|r| r["family"] == "virola"));
    let names: Vec<String> = vi_rooms.iter().map(|r| r["name"].as_str().unwrap().to_lowercase()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names.len(), sorted.len());

    let (code, out, err) = cli(d, &["room", "rc1:GENERAL", "--json", "--refresh"], None);
    assert_eq!(code, 0, "{err}");
    let info: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(info["name"], "general");
    assert!(info["members"].as_array().unwrap().len() > 100);
    for field in ["description", "creator", "created_ms", "details"] {
        assert!(info.get(field).is_some(), "missing {field}");
    }
    let m = &info["members"][0];
    for field in ["id", "username", "display_name", "status", "has_avatar"] {
        assert!(m.get(field).is_some(), "member misses {field}");
    }

    let pic = rooms.iter().find(|r| r["has_avatar"] == true).unwrap()["id"].as_str().unwrap().to_string();
    let out_file = d.join("pic.img");
    let (code, _, err) = cli(d, &["avatar", &pic, "--out", out_file.to_str().unwrap(), "--size", "small"], None);
    assert_eq!(code, 0, "{err}");
    let img = image::load_from_memory(&std::fs::read(&out_file).unwrap()).unwrap();
    assert_eq!(img.width(), 64);

    let (code, csv, _) = cli(d, &["export", "--format", "csv"], None);
    assert_eq!(code, 0);
    let (_, all_json, _) = cli(d, &["export", "--format", "json"], None);
    let all: Vec<Value> = serde_json::from_str(&all_json).unwrap();
    assert_eq!(csv.lines().count(), all.len() + 1);

    // Offline: the servers are gone. Reads still work from the cache; sync says why it failed.
    servers.stop_all();
    let (code, out, err) = cli(d, &["sync"], None);
    assert_eq!(code, 4, "{out}{err}");
    assert!(out.contains("cached rooms kept"), "{out}");
    let (code, out2, err) = cli(d, &["rooms", "--json"], None);
    assert_eq!(code, 0);
    assert!(err.contains("offline since"), "{err}");
    let offline_rooms: Vec<Value> = serde_json::from_str(&out2).unwrap();
    assert_eq!(offline_rooms.len(), rooms.len());
    let (code, out, _) = cli(d, &["room", "rc1:GENERAL"], None);
    assert_eq!(code, 0);
    assert!(out.contains("general"));
    let (code, _, _) = cli(d, &["avatar", &pic, "--out", out_file.to_str().unwrap()], None);
    assert_eq!(code, 0, "cached pictures work offline");

    // The wallet key is in no file of the data directory (tests/secrets.rs checks every secret,
    // with passwords distinctive enough to search for: this fake's "roomdeck" is also our name).
    assert!(all_files_contain(d, &key).is_empty(), "the wallet key leaked into {:?}", all_files_contain(d, &key));

    // Removing an account removes its rooms.
    let (code, _, _) = cli(d, &["account", "remove", "sc1"], None);
    assert_eq!(code, 0);
    let (_, out, _) = cli(d, &["rooms", "--json", "--account", "sc1"], None);
    assert_eq!(serde_json::from_str::<Vec<Value>>(&out).unwrap().len(), 0);
}

#[test]
fn cli_exit_codes() {
    let servers = Servers::start(Some(RcOptions { rooms: 20, ..RcOptions::default() }), None, None).unwrap();
    let rc = servers.rc.as_ref().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Usage errors: 2.
    assert_eq!(cli(d, &["rooms", "--kind", "nonsense"], None).0, 2);
    assert_eq!(cli(d, &["room", "not-a-room-id"], None).0, 2);
    assert_eq!(cli(d, &["account", "add", "rocketchat", "--server", rc.url(), "--password-stdin"], Some("x")).0, 2);
    // Two-factor needed: 3, with a hint.
    let (code, _, err) = cli(
        d,
        &["account", "add", "rocketchat", "--server", rc.url(), "--user", "bob", "--password-stdin"],
        Some("roomdeck-2fa"),
    );
    assert_eq!(code, 3);
    assert!(err.contains("--totp"), "{err}");
    let (code, _, _) = cli(
        d,
        &[
            "account",
            "add",
            "rocketchat",
            "--server",
            rc.url(),
            "--user",
            "bob",
            "--password-stdin",
            "--totp",
            "246810",
        ],
        Some("roomdeck-2fa"),
    );
    assert_eq!(code, 0);
    // Wrong password: 3. Unreachable server: 4.
    assert_eq!(
        cli(
            d,
            &["account", "add", "rocketchat", "--server", rc.url(), "--user", "alice", "--password-stdin"],
            Some("nope")
        )
        .0,
        3
    );
    assert_eq!(
        cli(
            d,
            &["account", "add", "rocketchat", "--server", "http://127.0.0.1:9", "--user", "alice", "--password-stdin"],
            Some("x")
        )
        .0,
        4
    );
    // A token that expires: sync exits 3 and the account needs sign-in.
    rc.expire_tokens();
    let (code, out, _) = cli(d, &["sync"], None);
    assert_eq!(code, 3, "{out}");
    let (_, list, _) = cli(d, &["account", "list", "--json"], None);
    let accounts: Vec<Value> = serde_json::from_str(&list).unwrap();
    assert_eq!(accounts[0]["state"], "needs_sign_in");
}

#[test]
fn cli_without_a_secret_service_says_what_to_do() {
    let servers = Servers::start(Some(RcOptions { rooms: 5, ..RcOptions::default() }), None, None).unwrap();
    let rc = servers.rc.as_ref().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(roomdeck_e2e::binary("roomdeck"))
        .args([
            "--data-dir",
            dir.path().to_str().unwrap(),
            "account",
            "add",
            "rocketchat",
            "--server",
            rc.url(),
            "--user",
            "alice",
            "--password-stdin",
        ])
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/roomdeck-test-bus")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(b"roomdeck\n")?;
            c.wait_with_output()
        })
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(err.contains("No credential store is running"), "{err}");
    // Nothing half-added.
    let (_, list, _) = cli(dir.path(), &["account", "list", "--json"], None);
    assert_eq!(serde_json::from_str::<Vec<Value>>(&list).unwrap().len(), 0);
}
