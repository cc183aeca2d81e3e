//! Roomdeck's core: everything except the window.
//!
//! Read in this order:
//! - [`model`]: the normalized rooms, users and accounts every family maps into, and the shapes
//!   the UI and CLI read;
//! - [`family`]: one module per chat-server family behind the [`family::ServerFamily`] trait,
//!   over the shared [`http`] layer (timeouts, rate limits, TLS pinning, no secrets in errors);
//! - [`store`]: the SQLite offline cache behind the [`store::Store`] trait;
//! - [`sync`]: brings an account's cache up to date, one transaction per page;
//! - [`avatar`]: sniffing, bounded decoding and thumbnails;
//! - [`secrets`]: credentials in the OS keyring;
//! - [`app::Roomdeck`]: the one facade the desktop shell and the CLI call.
//!
//! The core never knows about Tauri; the shell adapts it to commands and events.

pub mod app;
pub mod avatar;
pub mod cancel;
pub mod error;
pub mod family;
#[doc(hidden)]
pub mod fuzz;
pub mod http;
pub mod model;
pub mod paths;
pub mod picker;
pub mod secrets;
pub mod store;
pub mod sync;
pub mod text;
pub mod time;

pub use app::{AddAccount, AvatarTarget, Roomdeck, Thumbnail};
pub use error::{ClientError, Error, Result};
pub use family::Credentials;
pub use model::*;

/// Locks a mutex, recovering it if a thread panicked while holding it: what the crate keeps
/// behind mutexes (connections, caches, matchers) stays usable, and one panic must not turn
/// every later call into another.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}
