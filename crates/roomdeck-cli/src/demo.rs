//! `roomdeck demo`: the three fake servers on loopback, their accounts added to the data
//! directory, a first sync, then serving until Ctrl+C so the app (or more `roomdeck` commands)
//! can use them.

use roomdeck_core::{AddAccount, Credentials, Roomdeck};
use roomdeck_fakes::demo::{Demo, DemoAccount, DemoLogin};

use crate::Failure;

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

pub async fn run(core: &Roomdeck, rooms: usize) -> Result<(), Failure> {
    let demo = Demo::start(rooms)
        .await
        .map_err(|e| Failure { code: 4, message: format!("the demo servers could not start: {e}") })?;
    let mut ids = Vec::new();
    for a in demo.accounts() {
        let add =
            AddAccount { server_url: a.server_url.clone(), credentials: credentials(&a), cert_pin: a.cert_pin.clone() };
        let account = core.add_account(add).await?;
        println!("{}  {} demo at {}", account.id, account.family.title(), a.server_url);
        ids.push(account.id);
    }
    for id in &ids {
        let r = core.sync_account(id).await;
        match r.error {
            None => println!("{id}: synced {} rooms, {} pictures", r.rooms_changed, r.avatars_fetched),
            Some(e) => println!("{id}: sync failed: {}", e.message),
        }
    }
    println!("Demo servers are running; try `roomdeck rooms` or the app in another terminal. Ctrl+C stops them.");
    let _ = tokio::signal::ctrl_c().await;
    drop(demo);
    Ok(())
}
