//! "Try the demo": the fake servers in this process, their accounts added to the data directory.
//! The setup (ports, the Virola certificate) is remembered so the demo accounts work again after
//! a restart: same addresses, same pinned certificate, same data.

use roomdeck_core::{Account, AddAccount, Credentials, Roomdeck};
use roomdeck_fakes::demo::{Demo, DemoAccount, DemoLogin, DemoSetup};

use crate::ipc::CommandError;

const SETTING: &str = "demo";

#[derive(serde::Serialize, serde::Deserialize)]
struct Saved {
    setup: DemoSetup,
    accounts: Vec<String>,
}

fn credentials(a: &DemoAccount) -> Credentials {
    match (&a.login, a.family) {
        (DemoLogin::WalletKey { key_hex }, _) => Credentials::SwapchatWalletKey { key_hex: key_hex.clone() },
        (DemoLogin::Password { user, password }, "virola") => {
            Credentials::VirolaPassword { user: user.clone(), password: password.clone() }
        }
        (DemoLogin::Password { user, password }, _) => {
            Credentials::RocketchatPassword { user: user.clone(), password: password.clone(), code: None }
        }
    }
}

async fn add_all(core: &Roomdeck, demo: &Demo) -> Result<Vec<Account>, CommandError> {
    let mut out = Vec::new();
    for a in demo.accounts() {
        let add =
            AddAccount { server_url: a.server_url.clone(), credentials: credentials(&a), cert_pin: a.cert_pin.clone() };
        out.push(core.add_account(add).await?);
    }
    Ok(out)
}

/// Starts the demo servers and adds their accounts.
pub async fn start(core: &Roomdeck, rooms: usize) -> Result<(Demo, Vec<Account>), CommandError> {
    let demo =
        Demo::start(rooms).await.map_err(|e| CommandError::field("demo", &format!("The demo could not start: {e}")))?;
    let accounts = add_all(core, &demo).await?;
    let saved = Saved { setup: demo.setup.clone(), accounts: accounts.iter().map(|a| a.id.clone()).collect() };
    if let Ok(json) = serde_json::to_string(&saved) {
        core.store_setting(SETTING, &json)?;
    }
    Ok((demo, accounts))
}

/// Restarts a demo saved in this data directory, if its accounts still exist.
pub async fn resume(core: &Roomdeck) -> Option<Demo> {
    let saved: Saved = serde_json::from_str(&core.stored_setting(SETTING).ok()??).ok()?;
    let existing: Vec<String> = core.accounts().ok()?.into_iter().map(|a| a.id).collect();
    if !saved.accounts.iter().any(|id| existing.contains(id)) {
        return None;
    }
    let demo = match Demo::start_with(saved.setup.clone()).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!("the saved demo could not restart: {e}");
            return None;
        }
    };
    // The fakes forgot their sessions: sign in again with the demo's known credentials.
    for (id, a) in saved.accounts.iter().zip(demo.accounts()) {
        if existing.contains(id)
            && let Err(e) = core.sign_in_again(id, credentials(&a), a.cert_pin.clone()).await
        {
            tracing::warn!(account = id.as_str(), "demo sign-in failed: {e}");
        }
    }
    Some(demo)
}
