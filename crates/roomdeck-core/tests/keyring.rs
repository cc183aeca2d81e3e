//! The keyring against a real Secret Service. `make test` runs the tests inside
//! `scripts/with-keyring` (a private D-Bus session with GNOME Keyring) and sets
//! `ROOMDECK_REQUIRE_KEYRING=1`, so there a missing Secret Service is a failure, not a skip.
#![allow(clippy::unwrap_used)]

use roomdeck_core::error::SecretError;
use roomdeck_core::family::Secret;
use roomdeck_core::secrets::{KeyringSecrets, SecretStore};

fn available() -> bool {
    let required = std::env::var("ROOMDECK_REQUIRE_KEYRING").is_ok();
    let has_bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    assert!(has_bus || !required, "ROOMDECK_REQUIRE_KEYRING is set but there is no D-Bus session");
    if !has_bus {
        eprintln!("skipping: no D-Bus session (run under scripts/with-keyring)");
    }
    has_bus
}

#[test]
fn write_then_read_then_delete_in_the_real_secret_service() {
    if !available() {
        return;
    }
    let name = format!("test-{}:rc1", std::process::id());
    let secret = Secret::Virola {
        session: Some("s3ss10n".into()),
        bearer: None,
        user: Some("admin".into()),
        password: Some("pa55".into()),
    };
    let ks = KeyringSecrets::new();
    ks.set(&name, &secret).unwrap();
    // A fresh connection reads what the first one wrote.
    assert_eq!(KeyringSecrets::new().get(&name).unwrap(), secret);
    ks.delete(&name).unwrap();
    assert_eq!(ks.get(&name).unwrap_err(), SecretError::Missing);
    // Deleting twice is fine.
    ks.delete(&name).unwrap();
    assert!(ks.describe().contains("Secret Service") || cfg!(not(target_os = "linux")));
}
