//! `roomdeck`: Roomdeck's core for scripts and terminals.
//!
//! A thin binary over `roomdeck-core` (like ripgrep over its libraries): argument parsing, output
//! formats and exit codes live here, everything else is a call into [`roomdeck_core::Roomdeck`].
//! Read commands never touch the network: they print the cache and say, on stderr, when each
//! account last synced.
//!
//! Exit codes: 0 ok, 2 usage, 3 sign-in needed, 4 network or server error (cached data still
//! printed), 5 local data error.

mod demo;
mod output;

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand, ValueEnum};
use roomdeck_core::secrets::KeyringSecrets;
use roomdeck_core::store::ThumbSize;
use roomdeck_core::{
    AddAccount, ArchivedFilter, AvatarTarget, Credentials, Error, RoomKind, RoomQuery, Roomdeck, Sort, SyncReport,
};

#[derive(Parser)]
#[command(
    name = "roomdeck",
    version,
    about = "One offline room list for your Rocket.Chat, SwapChat and Virola accounts"
)]
struct Cli {
    /// Data directory (default: $ROOMDECK_DATA_DIR, else the OS app-data directory).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Add, list or remove accounts.
    #[command(subcommand)]
    Account(AccountCmd),
    /// Bring accounts up to date (all when none is given).
    Sync {
        accounts: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// List cached rooms.
    Rooms(RoomsArgs),
    /// Show one room (ROOM as printed by `rooms`).
    Room {
        room: String,
        #[arg(long)]
        json: bool,
        /// Read fresh members from the server first.
        #[arg(long)]
        refresh: bool,
    },
    /// Write a room's picture (a JPEG or PNG thumbnail) to a file.
    Avatar {
        room: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[arg(long, value_enum, default_value_t = SizeArg::Large)]
        size: SizeArg,
    },
    /// Export every cached room.
    Export {
        #[arg(long, value_enum)]
        format: Format,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Start fake servers with generated data, add demo accounts, sync, and serve until Ctrl+C.
    Demo {
        #[arg(long, default_value_t = 400)]
        rooms: usize,
    },
}

#[derive(Subcommand)]
enum AccountCmd {
    /// Sign in and add an account; prints its id.
    Add(AddArgs),
    /// List accounts.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove an account, its cache and its keyring entry.
    Remove { account: String },
}

#[derive(Clone, Copy, ValueEnum)]
enum FamilyArg {
    Rocketchat,
    Swapchat,
    Virola,
}

#[derive(Args)]
struct AddArgs {
    #[arg(value_enum)]
    family: FamilyArg,
    #[arg(long, value_name = "URL")]
    server: String,
    /// User name (Rocket.Chat, Virola password sign-in).
    #[arg(long)]
    user: Option<String>,
    /// The user id a Rocket.Chat personal access token belongs to.
    #[arg(long)]
    user_id: Option<String>,
    #[arg(long)]
    password_stdin: bool,
    #[arg(long)]
    token_stdin: bool,
    #[arg(long)]
    wallet_key_stdin: bool,
    /// Rocket.Chat two-factor code.
    #[arg(long, value_name = "CODE")]
    totp: Option<String>,
    /// Trust a self-signed certificate with this SHA-256 fingerprint.
    #[arg(long, value_name = "SHA256")]
    pin_cert: Option<String>,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct RoomsArgs {
    #[arg(long)]
    account: Vec<String>,
    #[arg(long)]
    search: Option<String>,
    #[arg(long)]
    unread: bool,
    #[arg(long)]
    favorites: bool,
    /// Only archived rooms.
    #[arg(long)]
    archived: bool,
    /// Also rooms the user hid.
    #[arg(long)]
    hidden: bool,
    #[arg(long, value_parser = parse_kind)]
    kind: Vec<RoomKind>,
    #[arg(long, value_enum, default_value_t = SortArg::Activity)]
    sort: SortArg,
    /// At most this many rooms (0 = all).
    #[arg(long, default_value_t = 0)]
    limit: i64,
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum SortArg {
    Activity,
    Name,
}

#[derive(Clone, Copy, ValueEnum)]
enum SizeArg {
    Small,
    Large,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Json,
    Csv,
}

fn parse_kind(s: &str) -> Result<RoomKind, String> {
    RoomKind::parse(s).ok_or_else(|| {
        let all: Vec<&str> = RoomKind::ALL.iter().map(|k| k.as_str()).collect();
        format!("unknown kind {s:?} (one of: {})", all.join(", "))
    })
}

/// A failure with its exit code.
struct Failure {
    code: i32,
    message: String,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Self {
        Failure { code: 2, message: message.into() }
    }
}

/// The exit code for a core error.
fn exit_code(e: &Error) -> i32 {
    match e.code() {
        "unauthorized" | "needs_second_factor" => 3,
        "network"
        | "server"
        | "rate_limited"
        | "protocol"
        | "untrusted_certificate"
        | "certificate_changed"
        | "cancelled"
        | "not_supported" => 4,
        "not_found" | "invalid_input" => 2,
        _ => 5,
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let mut message = e.to_string();
        match &e {
            Error::Client(roomdeck_core::ClientError::UntrustedCertificate { fingerprint }) => {
                message.push_str(&format!(
                    "\nIf you trust this server, run the command again with --pin-cert {fingerprint}"
                ));
            }
            Error::Client(roomdeck_core::ClientError::NeedsSecondFactor { .. }) => {
                message.push_str("\nRun the command again with --totp CODE");
            }
            _ => {}
        }
        Failure { code: exit_code(&e), message }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        // `roomdeck rooms | head`: the reader left; that is not an error.
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Failure { code: 0, message: String::new() };
        }
        Failure { code: 5, message: e.to_string() }
    }
}

type Res<T = ()> = Result<T, Failure>;

fn read_secret(what: &str) -> Res<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let s = line.trim_end_matches(['\n', '\r']).to_string();
    if s.is_empty() {
        return Err(Failure::usage(format!("no {what} on stdin")));
    }
    Ok(s)
}

fn credentials(a: &AddArgs) -> Res<Credentials> {
    let stdin_flags = [a.password_stdin, a.token_stdin, a.wallet_key_stdin].iter().filter(|b| **b).count();
    if stdin_flags != 1 {
        return Err(Failure::usage("give exactly one of --password-stdin, --token-stdin, --wallet-key-stdin"));
    }
    Ok(match a.family {
        FamilyArg::Rocketchat if a.password_stdin => Credentials::RocketchatPassword {
            user: a.user.clone().ok_or_else(|| Failure::usage("--user is required with --password-stdin"))?,
            password: read_secret("password")?,
            code: a.totp.clone(),
        },
        FamilyArg::Rocketchat if a.token_stdin => Credentials::RocketchatToken {
            user_id: a.user_id.clone().ok_or_else(|| Failure::usage("--user-id is required with --token-stdin"))?,
            token: read_secret("token")?,
        },
        FamilyArg::Swapchat if a.token_stdin => Credentials::SwapchatToken { token: read_secret("token")? },
        FamilyArg::Swapchat if a.wallet_key_stdin => {
            Credentials::SwapchatWalletKey { key_hex: read_secret("wallet key")? }
        }
        FamilyArg::Virola if a.password_stdin => Credentials::VirolaPassword {
            user: a.user.clone().ok_or_else(|| Failure::usage("--user is required with --password-stdin"))?,
            password: read_secret("password")?,
        },
        FamilyArg::Virola if a.token_stdin => Credentials::VirolaToken { token: read_secret("token")? },
        _ => return Err(Failure::usage("this sign-in method does not exist for that family")),
    })
}

fn print_json<T: serde::Serialize>(v: &T) -> Res {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v).map_err(|e| Failure { code: 5, message: e.to_string() })?;
    writeln!(out)?;
    Ok(())
}

/// One stderr line per account: when it last synced, and its state.
fn sync_notes(core: &Roomdeck, only: &[String]) -> Res {
    let mut err = std::io::stderr().lock();
    for a in core.accounts()? {
        if !only.is_empty() && !only.contains(&a.id) {
            continue;
        }
        writeln!(err, "{}", output::account_note(&a))?;
    }
    Ok(())
}

fn room_target(id: &str) -> Res<(String, String)> {
    roomdeck_core::model::split_room_id(id)
        .map(|(a, r)| (a.to_string(), r.to_string()))
        .ok_or_else(|| Failure::usage(format!("{id:?} is not a room id (ACCOUNT:ROOM, as `roomdeck rooms` prints)")))
}

async fn run(cli: Cli) -> Res {
    let data_dir = roomdeck_core::paths::data_dir(cli.data_dir)
        .ok_or_else(|| Failure::usage("cannot find a data directory: pass --data-dir or set ROOMDECK_DATA_DIR"))?;
    let core = Arc::new(Roomdeck::open(&data_dir, Arc::new(KeyringSecrets::new()))?);
    match cli.command {
        Command::Account(AccountCmd::Add(a)) => {
            let credentials = credentials(&a)?;
            let account = core
                .add_account(AddAccount { server_url: a.server.clone(), credentials, cert_pin: a.pin_cert.clone() })
                .await?;
            if a.json { print_json(&account)? } else { println!("{}", account.id) }
        }
        Command::Account(AccountCmd::List { json }) => {
            let accounts = core.accounts()?;
            if json { print_json(&accounts)? } else { output::accounts_table(&accounts)? }
        }
        Command::Account(AccountCmd::Remove { account }) => {
            core.remove_account(&account).await?;
            eprintln!("removed {account}, its cached rooms and its keyring entry");
        }
        Command::Sync { accounts, json } => {
            let ids: Vec<String> =
                if accounts.is_empty() { core.accounts()?.into_iter().map(|a| a.id).collect() } else { accounts };
            for id in &ids {
                core.account(id)?;
            }
            let bars = (!json && std::io::stderr().is_terminal()).then(|| output::Progress::start(&core, &ids));
            // Accounts sync concurrently; the reports keep the requested order.
            let reports: Vec<SyncReport> =
                futures_util::future::join_all(ids.iter().map(|id| core.sync_account(id))).await;
            if let Some(b) = bars {
                b.finish().await;
            }
            if json {
                print_json(&reports)?
            } else {
                output::sync_summary(&core, &reports)?
            }
            let worst = reports
                .iter()
                .filter_map(|r| r.error.as_ref())
                .map(|e| match e.code.as_str() {
                    "unauthorized" | "needs_second_factor" => 3,
                    "database" | "database_too_new" | "keyring" | "keyring_unavailable" | "keyring_locked" => 5,
                    _ => 4,
                })
                .min_by_key(|c| match c {
                    3 => 0,
                    5 => 1,
                    _ => 2,
                });
            if let Some(code) = worst {
                return Err(Failure { code, message: String::new() });
            }
        }
        Command::Rooms(r) => {
            let q = RoomQuery {
                accounts: r.account.clone(),
                kinds: r.kind.clone(),
                unread_only: r.unread,
                favorites_only: r.favorites,
                archived: if r.archived { ArchivedFilter::Only } else { ArchivedFilter::Exclude },
                include_hidden: r.hidden,
                search: r.search.clone(),
                sort: match r.sort {
                    SortArg::Activity => Sort::Activity,
                    SortArg::Name => Sort::Name,
                },
            };
            sync_notes(&core, &r.account)?;
            let limit = if r.limit <= 0 { i64::MAX } else { r.limit };
            output::rooms(&core, &q, limit, r.json)?;
        }
        Command::Room { room, json, refresh } => {
            room_target(&room)?;
            let mut failed = None;
            let info = if refresh {
                match core.refresh_room(&room).await {
                    Ok(i) => i,
                    Err(e) => {
                        failed = Some(Failure::from(e));
                        core.room(&room)?
                    }
                }
            } else {
                core.room(&room)?
            };
            sync_notes(&core, std::slice::from_ref(&info.row.account))?;
            if json {
                print_json(&info)?
            } else {
                output::room(&info)?
            }
            if let Some(f) = failed {
                return Err(f);
            }
        }
        Command::Avatar { room, out, size } => {
            let (account, remote) = room_target(&room)?;
            core.account(&account)?;
            let size = match size {
                SizeArg::Small => ThumbSize::Small,
                SizeArg::Large => ThumbSize::Large,
            };
            match core.avatar(&AvatarTarget::Room { account, room: remote }, size).await? {
                Some(t) => {
                    std::fs::write(&out, &t.bytes)?;
                    eprintln!("wrote {} ({}, {} bytes)", out.display(), t.mime, t.bytes.len());
                }
                None => return Err(Failure { code: 5, message: format!("{room} has no picture in the cache") }),
            }
        }
        Command::Export { format, out } => {
            sync_notes(&core, &[])?;
            let mut sink: Box<dyn Write> = match &out {
                Some(p) => Box::new(std::io::BufWriter::new(std::fs::File::create(p)?)),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            let n = match format {
                Format::Json => output::export_json(&core, &mut sink)?,
                Format::Csv => output::export_csv(&core, &mut sink)?,
            };
            sink.flush()?;
            if let Some(p) = out {
                eprintln!("exported {n} rooms to {}", p.display());
            }
        }
        Command::Demo { rooms } => demo::run(&core, rooms).await?,
    }
    Ok(())
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"))
                .add_directive("reqwest=warn".parse().unwrap_or_default())
                .add_directive("hyper_util=warn".parse().unwrap_or_default())
                // It logs every refused certificate as an error; we report it ourselves, once.
                .add_directive("rustls_platform_verifier=off".parse().unwrap_or_default()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("roomdeck: cannot start: {e}");
            std::process::exit(5);
        }
    };
    let result = runtime.block_on(run(cli));
    if let Err(f) = result {
        if !f.message.is_empty() {
            eprintln!("roomdeck: {}", f.message);
        }
        std::process::exit(f.code);
    }
}
