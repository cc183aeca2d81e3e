//! Errors, in two layers.
//!
//! [`ClientError`] is what talking to a chat server can produce, the same for every server family,
//! so the sync engine and the UI react to "needs sign-in" or "rate limited" without knowing which
//! server said it. [`Error`] is the core's public error: a client error, or a local problem (the
//! database, the keyring, bad input). Every variant has a stable [`Error::code`] that the desktop
//! shell sends to the UI as `{code, message}` and the CLI maps to an exit code.
//!
//! No message ever contains a secret: request URLs (which may carry avatar tokens) are never
//! formatted into errors, and server error texts are cut to a sane length.

use std::fmt;

/// What went wrong while talking to a chat server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The server rejected our credentials or session (HTTP 401, expired token, bad password).
    #[error("the server did not accept the sign-in: {0}")]
    Unauthorized(String),
    /// The password was right but the server wants a second-factor code (Rocket.Chat TOTP/e-mail).
    #[error("the server asks for a {method} second-factor code{}", if *.invalid { " (the last code was wrong)" } else { "" })]
    NeedsSecondFactor {
        /// `totp` or `email`.
        method: String,
        /// True when a code was sent and refused.
        invalid: bool,
    },
    /// The server asked us to slow down until this instant (ms since the Unix epoch, UTC).
    #[error("the server is rate limiting us; retry after {}", crate::time::format_iso(*.retry_at_ms))]
    RateLimited { retry_at_ms: i64 },
    /// The server, or this account on it, does not offer the feature.
    #[error("not supported by this server: {0}")]
    NotSupported(String),
    /// An HTTP error status that is not one of the cases above.
    #[error("the server answered HTTP {status}{}", fmt_detail(.message))]
    Server { status: u16, message: String },
    /// The request did not complete: DNS, connect, TLS, reset, timeout.
    #[error("network error: {0}")]
    Transport(String),
    /// The server answered something we cannot use: malformed JSON, wrong types, missing fields,
    /// a field over our size limits, an image that is not an image.
    #[error("unexpected answer from the server: {detail}")]
    Protocol { detail: String },
    /// TLS: the certificate is not trusted by the system and not pinned. `fingerprint` is the
    /// SHA-256 of the presented certificate, for the user to compare and pin.
    #[error(
        "the server's certificate is not trusted (SHA-256 {fingerprint}); pin this fingerprint only if you recognise it"
    )]
    UntrustedCertificate { fingerprint: String },
    /// TLS: a pinned server presented a different certificate.
    #[error(
        "the server's certificate changed: pinned SHA-256 {pinned}, but it presented {presented}; refusing to connect"
    )]
    CertificateChanged { pinned: String, presented: String },
    /// The operation was cancelled by the user or by shutdown.
    #[error("cancelled")]
    Cancelled,
}

fn fmt_detail(message: &str) -> String {
    if message.is_empty() { String::new() } else { format!(": {message}") }
}

impl ClientError {
    pub fn protocol(detail: impl fmt::Display) -> Self {
        ClientError::Protocol { detail: clip(&detail.to_string(), 300) }
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ClientError::Unauthorized(_) => "unauthorized",
            ClientError::NeedsSecondFactor { .. } => "needs_second_factor",
            ClientError::RateLimited { .. } => "rate_limited",
            ClientError::NotSupported(_) => "not_supported",
            ClientError::Server { .. } => "server",
            ClientError::Transport(_) => "network",
            ClientError::Protocol { .. } => "protocol",
            ClientError::UntrustedCertificate { .. } => "untrusted_certificate",
            ClientError::CertificateChanged { .. } => "certificate_changed",
            ClientError::Cancelled => "cancelled",
        }
    }

    /// Errors after which the account cannot sync until the user signs in again.
    pub fn needs_sign_in(&self) -> bool {
        matches!(self, ClientError::Unauthorized(_) | ClientError::NeedsSecondFactor { .. })
    }

    /// Errors that mean "we could not reach the server" (the app shows "offline").
    pub fn is_offline(&self) -> bool {
        matches!(self, ClientError::Transport(_))
    }
}

/// Cuts a server-provided text to `max` characters, so a hostile 10 MB error body never ends up
/// in a log line or on screen.
pub fn clip(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// Problems with the local database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "the database at {path} was written by a newer Roomdeck (schema {found}, this build knows {known}); update Roomdeck or use another data directory"
    )]
    TooNew { path: String, found: i64, known: i64 },
    #[error("cannot use the data directory {path}: {reason}")]
    DataDir { path: String, reason: String },
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
}

/// Problems with the OS credential store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// No credential store could be reached (on Linux: no Secret Service on the session bus).
    #[error("{0}")]
    Unavailable(String),
    /// The store exists but is locked or refused access.
    #[error("{0}")]
    Locked(String),
    /// The stored secret is missing (the user removed it, or it never was saved).
    #[error("no saved credentials for this account; sign in again")]
    Missing,
    #[error("credential store error: {0}")]
    Other(String),
}

/// The core's error type.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secrets(#[from] SecretError),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    InvalidInput(String),
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Store(StoreError::Sqlite(e))
    }
}

impl Error {
    /// Stable machine-readable code, shared by the UI (`{code, message}`) and the CLI (`--json`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Client(e) => e.code(),
            Error::Store(StoreError::TooNew { .. }) => "database_too_new",
            Error::Store(_) => "database",
            Error::Secrets(SecretError::Unavailable(_)) => "keyring_unavailable",
            Error::Secrets(SecretError::Locked(_)) => "keyring_locked",
            Error::Secrets(SecretError::Missing) => "unauthorized",
            Error::Secrets(SecretError::Other(_)) => "keyring",
            Error::NotFound(_) => "not_found",
            Error::InvalidInput(_) => "invalid_input",
        }
    }

    pub fn needs_sign_in(&self) -> bool {
        match self {
            Error::Client(e) => e.needs_sign_in(),
            Error::Secrets(SecretError::Missing) => true,
            _ => false,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_cuts_long_text_on_char_boundaries() {
        let s = "é".repeat(500);
        let c = clip(&s, 10);
        assert_eq!(c.chars().count(), 11);
        assert!(c.ends_with('…'));
        assert_eq!(clip("short", 10), "short");
    }

    #[test]
    fn messages_are_plain_words() {
        let e = ClientError::Server { status: 502, message: String::new() };
        assert_eq!(e.to_string(), "the server answered HTTP 502");
        let e = ClientError::NeedsSecondFactor { method: "totp".into(), invalid: true };
        assert_eq!(e.to_string(), "the server asks for a totp second-factor code (the last code was wrong)");
        assert_eq!(Error::from(ClientError::Transport("x".into())).code(), "network");
    }
}
