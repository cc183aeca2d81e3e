//! No secret leaves the keyring: after a whole CLI session (sign in with passwords, a 2FA code, a
//! wallet key and a pinned certificate; sync; read everything; remove the accounts), none of the
//! passwords, keys, session tokens or JWTs the servers issued appears in the data directory
//! (database, WAL, logs) or in anything the CLI printed, even at the most verbose log level.
#![allow(clippy::unwrap_used)]

use roomdeck_e2e::cli_with_env;
use roomdeck_e2e::fakes::Servers;
use roomdeck_fakes::rocketchat::{RcOptions, RcUser};
use roomdeck_fakes::swapchat::ScOptions;
use roomdeck_fakes::virola::ViOptions;
use serde_json::Value;

/// The base64 of `{"alg":"HS256"`, the start of every JWT SwapChat issues.
const JWT_HEADER: &str = "eyJhbGciOiJIUzI1NiIs";

#[test]
fn no_secret_in_the_data_directory_logs_or_output() {
    let rc_opts = RcOptions {
        rooms: 80,
        users: vec![RcUser {
            id: "sEcReTuSeR000001".into(),
            username: "carol".into(),
            name: "Carol Secret".into(),
            password: "pw-Zq8#rT4!vL-rc".into(),
            totp: Some("913577".into()),
        }],
        ..RcOptions::default()
    };
    let servers = Servers::start(
        Some(rc_opts),
        Some(ScOptions { rooms: 40, ..ScOptions::default() }),
        Some(ViOptions { rooms: 30, user: "victor".into(), password: "vi-pass-9XkQ2m".into(), ..ViOptions::default() }),
    )
    .unwrap();
    let (rc, sc, vi) = (servers.rc.as_ref().unwrap(), servers.sc.as_ref().unwrap(), servers.vi.as_ref().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut printed = String::new();
    let mut run = |args: &[&str], stdin: Option<&str>, want: i32| {
        // The most verbose log level shows the most.
        let (code, out, err) = cli_with_env(d, args, stdin, &[("RUST_LOG", "trace")]);
        printed.push_str(&out);
        printed.push_str(&err);
        assert_eq!(code, want, "{args:?}: {out}{err}");
        out
    };

    run(
        &[
            "account",
            "add",
            "rocketchat",
            "--server",
            rc.url(),
            "--user",
            "carol",
            "--password-stdin",
            "--totp",
            "913577",
        ],
        Some("pw-Zq8#rT4!vL-rc\n"),
        0,
    );
    let (key, _) = sc.viewer_wallet();
    run(&["account", "add", "swapchat", "--server", sc.url(), "--wallet-key-stdin"], Some(&key), 0);
    let fp = vi.server.fingerprint().unwrap();
    run(
        &["account", "add", "virola", "--server", vi.url(), "--user", "victor", "--password-stdin", "--pin-cert", &fp],
        Some("vi-pass-9XkQ2m\n"),
        0,
    );
    run(&["sync", "--json"], None, 0);
    run(&["account", "list", "--json"], None, 0);
    let rooms: Vec<Value> = serde_json::from_str(&run(&["rooms", "--json"], None, 0)).unwrap();
    assert!(rooms.len() > 100);
    for r in rooms.iter().step_by(25) {
        run(&["room", r["id"].as_str().unwrap(), "--json"], None, 0);
    }
    run(&["export", "--format", "csv"], None, 0);

    // What the servers handed out during the session, collected before the accounts go.
    let mut secrets: Vec<String> =
        vec!["pw-Zq8#rT4!vL-rc".into(), "913577".into(), key.clone(), "vi-pass-9XkQ2m".into(), JWT_HEADER.into()];
    secrets.extend(rc.issued_tokens());
    secrets.extend(vi.issued_secrets());
    assert!(secrets.len() >= 7, "the servers issued session tokens: {}", secrets.len());

    for account in ["rc1", "sc1", "vi1"] {
        run(&["account", "remove", account], None, 0);
    }
    let mut corpus: Vec<(String, Vec<u8>)> = roomdeck_e2e::files_under(d)
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap_or_default()))
        .collect();
    assert!(corpus.iter().any(|(p, _)| p.ends_with("roomdeck.db")), "the database is there");
    corpus.push(("CLI output".into(), printed.into_bytes()));
    for secret in &secrets {
        for (name, bytes) in &corpus {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "a secret ({} characters, starting {:?}) leaked into {name}",
                secret.len(),
                &secret[..4]
            );
        }
    }
}
