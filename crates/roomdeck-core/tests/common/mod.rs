//! Shared helpers for the core's integration tests.
#![allow(clippy::unwrap_used, dead_code)] // test helpers: a failed setup should stop the test loudly

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use roomdeck_core::error::SecretError;
use roomdeck_core::family::Secret;
use roomdeck_core::http::HttpConfig;
use roomdeck_core::secrets::SecretStore;
use roomdeck_core::{AddAccount, Credentials, Roomdeck};

/// An in-memory credential store for tests (the real app only uses the OS keyring; the keyring
/// itself is tested against a real Secret Service in `keyring.rs`).
#[derive(Default)]
pub struct MemorySecrets(pub Mutex<HashMap<String, Secret>>);

impl SecretStore for MemorySecrets {
    fn get(&self, entry: &str) -> Result<Secret, SecretError> {
        self.0.lock().unwrap().get(entry).cloned().ok_or(SecretError::Missing)
    }
    fn set(&self, entry: &str, secret: &Secret) -> Result<(), SecretError> {
        self.0.lock().unwrap().insert(entry.to_string(), secret.clone());
        Ok(())
    }
    fn delete(&self, entry: &str) -> Result<(), SecretError> {
        self.0.lock().unwrap().remove(entry);
        Ok(())
    }
    fn describe(&self) -> String {
        "memory".into()
    }
}

/// Timeouts short enough for tests that wait on a hanging server.
pub fn fast_http() -> HttpConfig {
    HttpConfig {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(3),
        max_wait: Duration::from_secs(3),
        backoff: Duration::from_millis(50),
        ..HttpConfig::default()
    }
}

pub struct Env {
    pub dir: tempfile::TempDir,
    pub core: Roomdeck,
    pub secrets: Arc<MemorySecrets>,
}

pub fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    let core = Roomdeck::open(dir.path(), secrets.clone()).unwrap().with_http_config(fast_http());
    Env { dir, core, secrets }
}

impl Env {
    pub async fn add(&self, url: &str, credentials: Credentials, pin: Option<String>) -> roomdeck_core::Account {
        self.core.add_account(AddAccount { server_url: url.to_string(), credentials, cert_pin: pin }).await.unwrap()
    }

    /// Every room of the cache: id → row.
    pub fn rooms(&self) -> HashMap<String, roomdeck_core::RoomRow> {
        let q = roomdeck_core::RoomQuery {
            archived: roomdeck_core::ArchivedFilter::Include,
            include_hidden: true,
            ..Default::default()
        };
        let page = self.core.rooms(&q, 0, 10_000).unwrap();
        page.rows.into_iter().map(|r| (r.remote_id.clone(), r)).collect()
    }

    /// A fingerprint of everything cached about rooms (to prove a failed sync changed nothing).
    pub fn snapshot(&self) -> String {
        let mut rows: Vec<String> = self.rooms().values().map(|r| serde_json::to_string(r).unwrap()).collect();
        rows.sort();
        rows.join("\n")
    }
}
