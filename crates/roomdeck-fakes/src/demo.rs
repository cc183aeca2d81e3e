//! The demo: three fakes on loopback with generated data, and the accounts to add for them.
//!
//! Used by `roomdeck demo` and the app's "Try the demo". Ports and the Virola certificate can be
//! given back on a later start, so demo accounts saved in a data directory keep working (same
//! addresses, same pinned certificate, same data from the same seed).

use crate::rocketchat::{RcOptions, RocketChatFake};
use crate::server::{Tls, TlsIdentity};
use crate::swapchat::{ScOptions, SwapChatFake};
use crate::virola::{ViOptions, VirolaFake};

/// How to sign in to one demo server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoLogin {
    Password { user: String, password: String },
    WalletKey { key_hex: String },
}

/// One account the demo offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    /// `rocketchat`, `swapchat`, `virola`.
    pub family: &'static str,
    pub server_url: String,
    pub login: DemoLogin,
    /// The certificate fingerprint to pin (Virola runs with a self-signed certificate).
    pub cert_pin: Option<String>,
}

/// Where a demo ran, to start it again the same way.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DemoSetup {
    pub rooms: usize,
    pub seed: u64,
    pub ports: [u16; 3],
    pub identity: TlsIdentity,
}

/// The three running fakes.
pub struct Demo {
    pub rocketchat: RocketChatFake,
    pub swapchat: SwapChatFake,
    pub virola: VirolaFake,
    pub setup: DemoSetup,
}

impl Demo {
    /// Starts the demo with `rooms` Rocket.Chat rooms (and half as many on the other two).
    pub async fn start(rooms: usize) -> anyhow::Result<Demo> {
        let setup = DemoSetup { rooms, seed: 2026, ports: [0, 0, 0], identity: TlsIdentity::generate()? };
        Self::start_with(setup).await
    }

    /// Starts the demo as described (ports 0 = any free port).
    pub async fn start_with(mut setup: DemoSetup) -> anyhow::Result<Demo> {
        let rooms = setup.rooms.max(10);
        let rc = RcOptions { rooms, seed: setup.seed, ..RcOptions::default() };
        let sc = ScOptions { rooms: (rooms / 2).max(10), seed: setup.seed, ..ScOptions::default() };
        let vi = ViOptions { rooms: (rooms / 2).max(10), seed: setup.seed, ..ViOptions::default() };
        let rocketchat = RocketChatFake::start(rc, setup.ports[0], Tls::Off).await?;
        let swapchat = SwapChatFake::start(sc, setup.ports[1], Tls::Off).await?;
        let virola = VirolaFake::start(vi, setup.ports[2], Tls::Identity(setup.identity.clone())).await?;
        setup.ports = [rocketchat.server.port(), swapchat.server.port(), virola.server.port()];
        Ok(Demo { rocketchat, swapchat, virola, setup })
    }

    /// The accounts to add.
    pub fn accounts(&self) -> Vec<DemoAccount> {
        let (user, password) = self.rocketchat.credentials();
        let (key_hex, _) = self.swapchat.viewer_wallet();
        let (vuser, vpassword) = self.virola.credentials();
        vec![
            DemoAccount {
                family: "rocketchat",
                server_url: self.rocketchat.url().to_string(),
                login: DemoLogin::Password { user, password },
                cert_pin: None,
            },
            DemoAccount {
                family: "swapchat",
                server_url: self.swapchat.url().to_string(),
                login: DemoLogin::WalletKey { key_hex },
                cert_pin: None,
            },
            DemoAccount {
                family: "virola",
                server_url: self.virola.url().to_string(),
                login: DemoLogin::Password { user: vuser, password: vpassword },
                cert_pin: self.virola.server.fingerprint(),
            },
        ]
    }
}
