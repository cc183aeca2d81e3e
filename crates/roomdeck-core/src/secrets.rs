//! Credentials in the OS keyring, never anywhere else.
//!
//! Secret Service on Linux/BSD (talked to in pure Rust over D-Bus), Keychain on macOS, Credential
//! Manager on Windows, through `keyring-core` and the platform store crates directly, not the
//! all-in-one `keyring` crate: that one initializes its store once per process and stays broken if
//! the keyring daemon was not up at that instant; we connect per operation until it works.
//!
//! Entries are named `service = dev.roomdeck.app`, `user = <install id>:<account id>`: the install
//! id (random, kept in the database) keeps two data directories' accounts apart.
//!
//! Failures are classified into the three things a user can act on: no credential store at all
//! (install/start one), a locked store (unlock it), and a missing entry (sign in again).

use std::sync::{Arc, Mutex};

use crate::error::SecretError;
use crate::family::Secret;

pub const SERVICE: &str = "dev.roomdeck.app";

/// Where secrets live. The real implementation is [`KeyringSecrets`]; tests may provide their own.
pub trait SecretStore: Send + Sync {
    fn get(&self, entry: &str) -> Result<Secret, SecretError>;
    fn set(&self, entry: &str, secret: &Secret) -> Result<(), SecretError>;
    /// Deleting a missing entry is not an error.
    fn delete(&self, entry: &str) -> Result<(), SecretError>;
    /// A short description for diagnostics ("Secret Service", …).
    fn describe(&self) -> String;
}

type StoreHandle = Arc<keyring_core::CredentialStore>;

/// The platform's credential store.
#[derive(Default)]
pub struct KeyringSecrets {
    store: Mutex<Option<StoreHandle>>,
}

impl std::fmt::Debug for KeyringSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyringSecrets")
    }
}

fn platform_store() -> keyring_core::Result<StoreHandle> {
    #[cfg(all(unix, not(any(target_os = "macos", target_os = "ios", target_os = "android"))))]
    {
        let s: StoreHandle = zbus_secret_service_keyring_store::Store::new()?;
        Ok(s)
    }
    #[cfg(target_os = "macos")]
    {
        let s: StoreHandle = apple_native_keyring_store::keychain::Store::new()?;
        Ok(s)
    }
    #[cfg(target_os = "windows")]
    {
        let s: StoreHandle = windows_native_keyring_store::Store::new()?;
        Ok(s)
    }
    #[cfg(not(any(unix, windows)))]
    {
        Err(keyring_core::Error::NotSupportedByStore("no credential store on this platform".into()))
    }
}

/// Turns a keyring error into one of the user-actionable classes.
pub fn classify(e: &keyring_core::Error) -> SecretError {
    use keyring_core::Error as K;
    let detail = match e {
        K::PlatformFailure(inner) | K::NoStorageAccess(inner) => format!("{inner} {inner:?}"),
        other => format!("{other} {other:?}"),
    };
    match e {
        K::NoEntry => SecretError::Missing,
        K::NoStorageAccess(_) => SecretError::Locked(
            "The system keyring is locked or refused access. Unlock it (sign in to your desktop session, \
             or unlock the \"Login\" keyring in your keyring manager) and try again."
                .into(),
        ),
        K::NoDefaultStore => SecretError::Unavailable(unavailable_text()),
        K::PlatformFailure(_)
            if detail.contains("ServiceUnknown")
                || detail.contains("org.freedesktop.secrets")
                || detail.contains("NotFound")
                || detail.contains("DBUS_SESSION_BUS_ADDRESS")
                || detail.contains("No such file")
                || detail.contains("Connection refused")
                || detail.contains("Address") =>
        {
            SecretError::Unavailable(unavailable_text())
        }
        _ => SecretError::Other(crate::error::clip(&e.to_string(), 200)),
    }
}

fn unavailable_text() -> String {
    if cfg!(target_os = "linux") || cfg!(target_os = "freebsd") {
        "No credential store is running: Roomdeck keeps passwords and tokens only in the system keyring \
         (the Secret Service). Start a desktop session with GNOME Keyring, KWallet or KeePassXC's Secret \
         Service integration (on a server: `apt install gnome-keyring dbus-user-session`), then try again."
            .into()
    } else {
        "The system credential store (Keychain / Credential Manager) is not available.".into()
    }
}

impl KeyringSecrets {
    pub fn new() -> Self {
        Self::default()
    }

    fn store(&self) -> Result<StoreHandle, SecretError> {
        let mut guard = self.store.lock().map_err(|_| SecretError::Other("keyring lock poisoned".into()))?;
        if let Some(s) = guard.as_ref() {
            return Ok(s.clone());
        }
        let s = platform_store().map_err(|e| classify(&e))?;
        *guard = Some(s.clone());
        Ok(s)
    }

    fn entry(&self, name: &str) -> Result<keyring_core::Entry, SecretError> {
        let store = self.store()?;
        store.build(SERVICE, name, None).map_err(|e| {
            // A dead connection: forget it, the next call reconnects.
            if let Ok(mut g) = self.store.lock() {
                *g = None;
            }
            classify(&e)
        })
    }

    fn forget_on_failure(&self, e: &keyring_core::Error) {
        if matches!(e, keyring_core::Error::PlatformFailure(_))
            && let Ok(mut g) = self.store.lock()
        {
            *g = None;
        }
    }
}

impl SecretStore for KeyringSecrets {
    fn get(&self, name: &str) -> Result<Secret, SecretError> {
        let entry = self.entry(name)?;
        let text = entry.get_password().map_err(|e| {
            self.forget_on_failure(&e);
            classify(&e)
        })?;
        serde_json::from_str(&text)
            .map_err(|_| SecretError::Other("the saved credentials are unreadable; sign in again".into()))
    }

    fn set(&self, name: &str, secret: &Secret) -> Result<(), SecretError> {
        let entry = self.entry(name)?;
        let text = serde_json::to_string(secret).map_err(|e| SecretError::Other(e.to_string()))?;
        entry.set_password(&text).map_err(|e| {
            self.forget_on_failure(&e);
            classify(&e)
        })
    }

    fn delete(&self, name: &str) -> Result<(), SecretError> {
        let entry = self.entry(name)?;
        match entry.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => {
                self.forget_on_failure(&e);
                Err(classify(&e))
            }
        }
    }

    fn describe(&self) -> String {
        if cfg!(target_os = "macos") {
            "macOS Keychain".into()
        } else if cfg!(windows) {
            "Windows Credential Manager".into()
        } else {
            "Secret Service".into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_the_headless_failures() {
        let no_bus = keyring_core::Error::PlatformFailure(Box::new(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "Zbus(Connection(NotFound))",
        )));
        assert!(matches!(classify(&no_bus), SecretError::Unavailable(_)));
        let locked = keyring_core::Error::NoStorageAccess(Box::new(std::io::Error::other("Prompt")));
        assert!(matches!(classify(&locked), SecretError::Locked(_)));
        assert_eq!(classify(&keyring_core::Error::NoEntry), SecretError::Missing);
    }

    /// The unit-test mock of keyring-core stores and returns secrets; this proves our JSON layer
    /// round-trips through a keyring-core store without the platform.
    #[test]
    fn round_trips_through_a_keyring_core_store() {
        let store: StoreHandle = keyring_core::mock::Store::new().unwrap();
        let ks = KeyringSecrets { store: Mutex::new(Some(store)) };
        let s = Secret::Rocketchat { user_id: "u".into(), token: "t0k3n".into(), personal: false };
        ks.set("test:rc1", &s).unwrap();
        assert_eq!(ks.get("test:rc1").unwrap(), s);
        ks.delete("test:rc1").unwrap();
        ks.delete("test:rc1").unwrap();
    }
}
