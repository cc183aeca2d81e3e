//! The shapes that cross the IPC boundary and are not core types: requests the UI builds and the
//! `{code, message}` error every command returns. Their TypeScript twins, with the core's, are
//! generated into `ui/src/bindings.ts`; the `bindings_are_current` test fails when they drift
//! (`make bindings` rewrites the file).

use roomdeck_core::{ClientError, Credentials, Error, Family};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How the user signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LoginMethod {
    Password,
    Token,
    Wallet,
}

/// The "add account" / "sign in again" form.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct SignInRequest {
    pub family: Family,
    pub server_url: String,
    pub method: LoginMethod,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// Rocket.Chat second-factor code.
    #[serde(default)]
    pub code: Option<String>,
    /// Rocket.Chat personal access token: the user id it belongs to.
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub wallet_key: Option<String>,
    /// SHA-256 fingerprint of a self-signed certificate the user accepted.
    #[serde(default)]
    pub cert_pin: Option<String>,
}

/// What every command returns on failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CommandError {
    /// Stable: `unauthorized`, `needs_second_factor`, `network`, `untrusted_certificate`, …
    pub code: String,
    /// Plain words for the user.
    pub message: String,
    /// The form field the error belongs to, if any.
    pub field: Option<String>,
    /// For `untrusted_certificate`: the certificate's SHA-256, to show and pin.
    pub fingerprint: Option<String>,
}

impl CommandError {
    pub fn field(field: &str, message: &str) -> Self {
        CommandError {
            code: "invalid_input".into(),
            message: message.into(),
            field: Some(field.into()),
            fingerprint: None,
        }
    }

    /// Something in the app itself failed (not the server, not the input).
    pub fn internal(message: String) -> Self {
        CommandError { code: "internal".into(), message, field: None, fingerprint: None }
    }
}

impl From<Error> for CommandError {
    fn from(e: Error) -> Self {
        let fingerprint = match &e {
            Error::Client(ClientError::UntrustedCertificate { fingerprint }) => Some(fingerprint.clone()),
            Error::Client(ClientError::CertificateChanged { presented, .. }) => Some(presented.clone()),
            _ => None,
        };
        CommandError { code: e.code().to_string(), message: e.to_string(), field: None, fingerprint }
    }
}

/// About the running app.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
    /// The window is the stand-alone picker (`roomdeck-app --pick`).
    pub pick_mode: bool,
    /// Demo servers are running in this process.
    pub demo_running: bool,
    /// `linux`, `macos`, `windows`.
    pub platform: String,
}

fn required(v: &Option<String>, field: &str, what: &str) -> Result<String, CommandError> {
    match v.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => Ok(s.to_string()),
        _ => Err(CommandError::field(field, &format!("Enter {what}."))),
    }
}

impl SignInRequest {
    /// Checks the form and turns it into core credentials; errors name the field.
    pub fn credentials(&self) -> Result<Credentials, CommandError> {
        if self.server_url.trim().is_empty() {
            return Err(CommandError::field("server_url", "Enter the server address."));
        }
        if let Err(e) = roomdeck_core::family::parse_server_url(&self.server_url) {
            return Err(CommandError::field("server_url", &e.to_string()));
        }
        Ok(match (self.family, self.method) {
            (Family::Rocketchat, LoginMethod::Password) => Credentials::RocketchatPassword {
                user: required(&self.user, "user", "your user name or e-mail")?,
                password: self
                    .password
                    .clone()
                    .filter(|p| !p.is_empty())
                    .ok_or_else(|| CommandError::field("password", "Enter your password."))?,
                code: self.code.clone().map(|c| c.trim().to_string()).filter(|c| !c.is_empty()),
            },
            (Family::Rocketchat, LoginMethod::Token) => Credentials::RocketchatToken {
                user_id: required(&self.user_id, "user_id", "the user id the token belongs to")?,
                token: required(&self.token, "token", "the personal access token")?,
            },
            (Family::Swapchat, LoginMethod::Token) => {
                Credentials::SwapchatToken { token: required(&self.token, "token", "the access token (JWT)")? }
            }
            (Family::Swapchat, LoginMethod::Wallet) => {
                let key = required(&self.wallet_key, "wallet_key", "the wallet's private key")?;
                let hex = key.trim_start_matches("0x");
                if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(CommandError::field(
                        "wallet_key",
                        "A wallet key is 64 hexadecimal digits (0x optional).",
                    ));
                }
                Credentials::SwapchatWalletKey { key_hex: key }
            }
            (Family::Virola, LoginMethod::Password) => Credentials::VirolaPassword {
                user: required(&self.user, "user", "your user name")?,
                password: self
                    .password
                    .clone()
                    .filter(|p| !p.is_empty())
                    .ok_or_else(|| CommandError::field("password", "Enter your password."))?,
            },
            (Family::Virola, LoginMethod::Token) => {
                Credentials::VirolaToken { token: required(&self.token, "token", "the Web API access token")? }
            }
            (f, m) => {
                return Err(CommandError::field("method", &format!("{} does not support {:?} sign-in.", f.title(), m)));
            }
        })
    }

    /// Attaches a sign-in failure to the field the user should fix.
    pub fn explain(&self, e: Error) -> CommandError {
        let mut out = CommandError::from(e);
        out.field = match out.code.as_str() {
            "needs_second_factor" => Some("code".into()),
            "unauthorized" => Some(
                match self.method {
                    LoginMethod::Password => "password",
                    LoginMethod::Token => "token",
                    LoginMethod::Wallet => "wallet_key",
                }
                .into(),
            ),
            "network" | "protocol" | "server" | "untrusted_certificate" | "certificate_changed" | "invalid_input" => {
                Some("server_url".into())
            }
            _ => None,
        };
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(family: Family, method: LoginMethod) -> SignInRequest {
        SignInRequest {
            family,
            server_url: "https://chat.example.com".into(),
            method,
            user: None,
            password: None,
            code: None,
            user_id: None,
            token: None,
            wallet_key: None,
            cert_pin: None,
        }
    }

    #[test]
    fn validation_names_the_field() {
        let e = req(Family::Rocketchat, LoginMethod::Password).credentials().unwrap_err();
        assert_eq!(e.field.as_deref(), Some("user"));
        let mut r = req(Family::Swapchat, LoginMethod::Wallet);
        r.wallet_key = Some("0x1234".into());
        assert_eq!(r.credentials().unwrap_err().field.as_deref(), Some("wallet_key"));
        let mut r = req(Family::Virola, LoginMethod::Password);
        r.server_url = "ftp://x".into();
        assert_eq!(r.credentials().unwrap_err().field.as_deref(), Some("server_url"));
        assert!(req(Family::Virola, LoginMethod::Wallet).credentials().is_err());
    }

    #[test]
    fn certificate_errors_carry_the_fingerprint() {
        let e = CommandError::from(Error::Client(ClientError::UntrustedCertificate { fingerprint: "AB:CD".into() }));
        assert_eq!(e.code, "untrusted_certificate");
        assert_eq!(e.fingerprint.as_deref(), Some("AB:CD"));
    }
}
