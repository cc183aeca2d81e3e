//! Fake servers and a prepared data directory for end-to-end tests. The fakes run on a runtime
//! owned here (the tests themselves are blocking WebDriver clients); accounts are added with the
//! real core and the real keyring (the tests run under `scripts/with-keyring`), exactly as the
//! app and the CLI would.

use std::path::Path;
use std::sync::Arc;

use anyhow::Result;
use roomdeck_core::secrets::KeyringSecrets;
use roomdeck_core::{AddAccount, Credentials, Roomdeck};
use roomdeck_fakes::rocketchat::{RcOptions, RocketChatFake};
use roomdeck_fakes::swapchat::{ScOptions, SwapChatFake};
use roomdeck_fakes::virola::{ViOptions, VirolaFake};

/// The three fakes on their own runtime.
pub struct Servers {
    pub rt: tokio::runtime::Runtime,
    pub rc: Option<RocketChatFake>,
    pub sc: Option<SwapChatFake>,
    pub vi: Option<VirolaFake>,
}

impl Servers {
    pub fn start(rc: Option<RcOptions>, sc: Option<ScOptions>, vi: Option<ViOptions>) -> Result<Servers> {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let (rc, sc, vi) = rt.block_on(async {
            let rc = match rc {
                Some(o) => Some(RocketChatFake::start(o, 0, false).await?),
                None => None,
            };
            let sc = match sc {
                Some(o) => Some(SwapChatFake::start(o, 0, false).await?),
                None => None,
            };
            let vi = match vi {
                Some(o) => Some(VirolaFake::start(o, 0, true).await?),
                None => None,
            };
            anyhow::Ok((rc, sc, vi))
        })?;
        Ok(Servers { rt, rc, sc, vi })
    }

    /// Stops every fake (connections closed): the servers are gone for the client.
    pub fn stop_all(&mut self) {
        let (rc, sc, vi) = (self.rc.take(), self.sc.take(), self.vi.take());
        self.rt.block_on(async {
            if let Some(f) = rc {
                f.server.stop().await;
            }
            if let Some(f) = sc {
                f.server.stop().await;
            }
            if let Some(f) = vi {
                f.server.stop().await;
            }
        });
    }

    /// Adds an account for every running fake to `data_dir` and syncs it. Returns the ids.
    pub fn seed(&self, data_dir: &Path) -> Result<Vec<String>> {
        let core = Arc::new(Roomdeck::open(data_dir, Arc::new(KeyringSecrets::new()))?);
        let mut adds = Vec::new();
        if let Some(f) = &self.rc {
            let (user, password) = f.credentials();
            adds.push(AddAccount {
                server_url: f.url().into(),
                credentials: Credentials::RocketchatPassword { user, password, code: None },
                cert_pin: None,
            });
        }
        if let Some(f) = &self.sc {
            adds.push(AddAccount {
                server_url: f.url().into(),
                credentials: Credentials::SwapchatWalletKey { key_hex: f.viewer_wallet().0 },
                cert_pin: None,
            });
        }
        if let Some(f) = &self.vi {
            let (user, password) = f.credentials();
            adds.push(AddAccount {
                server_url: f.url().into(),
                credentials: Credentials::VirolaPassword { user, password },
                cert_pin: f.server.fingerprint(),
            });
        }
        self.rt.block_on(async {
            let mut ids = Vec::new();
            for add in adds {
                let a = core.add_account(add).await?;
                let r = core.sync_account(&a.id).await;
                if let Some(e) = r.error {
                    anyhow::bail!("seeding {} failed: {}", a.id, e.message);
                }
                ids.push(a.id);
            }
            Ok(ids)
        })
    }
}
