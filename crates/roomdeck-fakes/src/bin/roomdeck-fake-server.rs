//! `roomdeck-fake-server --family rocketchat|swapchat|virola --rooms N --seed S --port P [--tls]`
//!
//! Serves one fake until Ctrl+C and prints, as one JSON line on stdout, its URL and how to sign
//! in (and the certificate fingerprint with `--tls`).

use anyhow::Context;
use clap::{Parser, ValueEnum};
use roomdeck_fakes::rocketchat::{Era, RcOptions, RocketChatFake};
use roomdeck_fakes::swapchat::{ScOptions, SwapChatFake};
use roomdeck_fakes::virola::{ViOptions, VirolaFake};
use roomdeck_fakes::{FaultRule, Tls};

#[derive(Clone, Copy, ValueEnum)]
enum FamilyArg {
    Rocketchat,
    Swapchat,
    Virola,
}

#[derive(Parser)]
#[command(version, about = "Serve a fake chat server on loopback (Roomdeck tests, benchmarks, demos)")]
struct Args {
    #[arg(long, value_enum)]
    family: FamilyArg,
    /// Rooms of the signed-in user.
    #[arg(long, default_value_t = 200)]
    rooms: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// 0 picks a free port.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Serve HTTPS with a fresh self-signed certificate.
    #[arg(long)]
    tls: bool,
    /// Rocket.Chat server era: 6, 7 or 8.
    #[arg(long, default_value_t = 7)]
    era: u8,
    /// Milliseconds added to every answer.
    #[arg(long, default_value_t = 0)]
    latency: u64,
    /// Every room has an uploaded avatar (Rocket.Chat).
    #[arg(long)]
    all_avatars: bool,
    /// Include rooms named with HTML/JS.
    #[arg(long)]
    hostile: bool,
    /// PATTERN=FAULT[xTIMES], e.g. `/api/v1/rooms.get=status:503x2` (repeatable).
    #[arg(long = "fault")]
    faults: Vec<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let a = Args::parse();
    let tls = Tls::from(a.tls);
    let rules: Vec<FaultRule> = a
        .faults
        .iter()
        .map(|f| FaultRule::parse(f).with_context(|| format!("bad --fault {f:?}")))
        .collect::<anyhow::Result<_>>()?;
    let (info, server) = match a.family {
        FamilyArg::Rocketchat => {
            let era = match a.era {
                6 => Era::V6,
                8 => Era::V8,
                _ => Era::V7,
            };
            let f = RocketChatFake::start(
                RcOptions {
                    rooms: a.rooms,
                    seed: a.seed,
                    era,
                    all_avatars: a.all_avatars,
                    hostile: a.hostile,
                    ..RcOptions::default()
                },
                a.port,
                tls,
            )
            .await?;
            let (user, password) = f.credentials();
            (
                serde_json::json!({ "family": "rocketchat", "url": f.url(), "user": user, "password": password,
                "totp_user": "bob", "totp_password": "roomdeck-2fa", "totp_code": "246810" }),
                Box::new(f) as Box<dyn std::any::Any>,
            )
        }
        FamilyArg::Swapchat => {
            let f = SwapChatFake::start(
                ScOptions { rooms: a.rooms, seed: a.seed, hostile: a.hostile, ..ScOptions::default() },
                a.port,
                tls,
            )
            .await?;
            let (key, address) = f.viewer_wallet();
            (
                serde_json::json!({ "family": "swapchat", "url": f.url(), "wallet_key": key, "wallet_address": address }),
                Box::new(f) as Box<dyn std::any::Any>,
            )
        }
        FamilyArg::Virola => {
            let f = VirolaFake::start(
                ViOptions { rooms: a.rooms, seed: a.seed, hostile: a.hostile, ..ViOptions::default() },
                a.port,
                tls,
            )
            .await?;
            let (user, password) = f.credentials();
            let token = f.renew_api_token();
            (
                serde_json::json!({ "family": "virola", "url": f.url(), "user": user, "password": password, "api_token": token,
                "fingerprint": f.server.fingerprint() }),
                Box::new(f) as Box<dyn std::any::Any>,
            )
        }
    };
    let shared = match a.family {
        FamilyArg::Rocketchat => server.downcast_ref::<RocketChatFake>().map(|f| f.shared().clone()),
        FamilyArg::Swapchat => server.downcast_ref::<SwapChatFake>().map(|f| f.shared().clone()),
        FamilyArg::Virola => server.downcast_ref::<VirolaFake>().map(|f| f.shared().clone()),
    };
    if let Some(shared) = shared {
        for r in rules {
            shared.faults.add(r);
        }
    }
    let _ = a.latency;
    println!("{info}");
    tokio::signal::ctrl_c().await?;
    drop(server);
    Ok(())
}
