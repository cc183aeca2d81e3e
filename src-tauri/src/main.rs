//! Roomdeck's desktop shell: windows, commands, the avatar scheme. A thin adapter over
//! `roomdeck-core`; anything a script could want is in the core (and the `roomdeck` CLI).
//!
//! `roomdeck-app [--data-dir DIR] [--pick]`: with `--pick` only the quick picker opens, and the
//! chosen room is printed as JSON on stdout (exit status 0; 1 when cancelled).

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod demo;
mod ipc;
mod scheme;
mod tuning;

#[cfg(test)]
mod bindings;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use roomdeck_core::Roomdeck;
use roomdeck_core::secrets::KeyringSecrets;
use tauri::{Manager, WebviewUrl, WebviewWindowBuilder};

use crate::commands::AppState;

struct Args {
    data_dir: Option<PathBuf>,
    pick: bool,
}

fn parse_args() -> Args {
    let mut args = Args { data_dir: None, pick: false };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--pick" => args.pick = true,
            "--data-dir" => args.data_dir = it.next().map(PathBuf::from),
            s if s.starts_with("--data-dir=") => args.data_dir = Some(PathBuf::from(&s["--data-dir=".len()..])),
            "--help" | "-h" => {
                println!(
                    "roomdeck-app [--data-dir DIR] [--pick]\n\n  --pick   open only the quick picker; print the chosen room as JSON"
                );
                std::process::exit(0);
            }
            _ => {}
        }
    }
    args
}

fn init_logging(data_dir: &std::path::Path) {
    use tracing_subscriber::prelude::*;
    // Never below `warn` for the HTTP stack: its debug lines can carry URLs with avatar tokens.
    let filter = |default: &str| {
        let base = std::env::var("RUST_LOG").unwrap_or_else(|_| default.to_string());
        tracing_subscriber::EnvFilter::new(format!(
            "{base},reqwest=warn,hyper=warn,hyper_util=warn,h2=warn,rustls=warn,rustls_platform_verifier=off"
        ))
    };
    let file = std::fs::create_dir_all(data_dir.join("logs")).ok().and_then(|_| {
        std::fs::OpenOptions::new().create(true).append(true).open(data_dir.join("logs/roomdeck.log")).ok()
    });
    let stderr = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_filter(filter("warn"));
    let registry = tracing_subscriber::registry().with(stderr);
    match file {
        Some(f) => {
            let layer = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(std::sync::Mutex::new(f))
                .with_filter(filter("info"));
            let _ = registry.with(layer).try_init();
        }
        None => {
            let _ = registry.try_init();
        }
    }
}

/// A single-instance id per data directory: two data directories may run side by side (tests,
/// a demo next to real use), one data directory only once.
fn instance_id(data_dir: &std::path::Path) -> String {
    let default = roomdeck_core::paths::default_data_dir();
    if default.as_deref() == Some(data_dir) {
        return roomdeck_core::paths::APP_IDENTIFIER.to_string();
    }
    let h = roomdeck_core::text::fnv1a(&[data_dir.to_string_lossy().as_bytes()]);
    format!("{}.d{:016x}", roomdeck_core::paths::APP_IDENTIFIER, h as u64)
}

fn main() -> anyhow::Result<()> {
    let compositing_off = tuning::before_threads();
    let args = parse_args();
    let data_dir = roomdeck_core::paths::data_dir(args.data_dir.clone())
        .context("cannot find a data directory: set ROOMDECK_DATA_DIR or HOME")?;
    init_logging(&data_dir);
    if compositing_off {
        tracing::info!("no GPU render node: WebKit paints without accelerated compositing");
    }
    // A panic anywhere (a command, the scheme, a background task) goes to the log file too.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!(target: "roomdeck::panic", "{info}");
        default_hook(info);
    }));
    let core = Arc::new(
        Roomdeck::open(&data_dir, Arc::new(KeyringSecrets::new())).context("cannot open the Roomdeck database")?,
    );
    let pick_mode = args.pick;
    let scheme_core = core.clone();
    let mut builder = tauri::Builder::default();
    if !pick_mode {
        // A picker is a short-lived helper next to a running app: only the main app is single.
        builder = builder.plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(instance_id(&data_dir))
                .callback(|app, _argv, _cwd| {
                    if let Some(w) = app.get_webview_window("main") {
                        let _ = w.unminimize();
                        let _ = w.show();
                        let _ = w.set_focus();
                    }
                })
                .build(),
        );
    }
    let app = builder
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_opener::init())
        .manage(AppState {
            core: core.clone(),
            pick_mode,
            demo: tokio::sync::Mutex::new(None),
            first_query: Arc::new(tokio::sync::Notify::new()),
        })
        .register_asynchronous_uri_scheme_protocol("avatar", move |ctx, request, responder| {
            let core = scheme_core.clone();
            let window = ctx.webview_label().to_string();
            tauri::async_runtime::spawn(async move {
                responder.respond(scheme::serve(core, window, request).await);
            });
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::list_accounts,
            commands::add_account,
            commands::sign_in_again,
            commands::sign_out,
            commands::remove_account,
            commands::sync_now,
            commands::query_rooms,
            commands::room_position,
            commands::room_info,
            commands::refresh_room,
            commands::pick,
            commands::pick_done,
            commands::open_in_browser,
            commands::copy_text,
            commands::get_setting,
            commands::set_setting,
            commands::start_demo,
            commands::subscribe,
        ])
        .setup(move |app| {
            let webview_data = data_dir.join("webview");
            if pick_mode {
                WebviewWindowBuilder::new(app, "picker", WebviewUrl::App("index.html".into()))
                    .title("Roomdeck — pick a room")
                    .inner_size(640.0, 460.0)
                    .min_inner_size(420.0, 300.0)
                    .center()
                    .data_directory(webview_data)
                    .build()?;
            } else {
                WebviewWindowBuilder::new(app, "main", WebviewUrl::App("index.html".into()))
                    .title("Roomdeck")
                    .inner_size(1200.0, 780.0)
                    .min_inner_size(640.0, 420.0)
                    .data_directory(webview_data)
                    .build()?;
                let handle = app.handle().clone();
                tauri::async_runtime::spawn(background(handle));
            }
            if pick_mode {
                // The picker is all this window shows: its index is wanted at once. (The main
                // window builds it in `background`, after its first paint.)
                let core = app.state::<AppState>().core.clone();
                tauri::async_runtime::spawn_blocking(move || {
                    let _ = core.warm_picker();
                });
            }
            Ok(())
        })
        .build(tauri::generate_context!())
        .context("cannot start the window")?;
    app.run(|_, _| {});
    Ok(())
}

/// The main window's background work: restart a saved demo, build the picker's index, sync every
/// account now and every five minutes, make thumbnails, remember which pictures were shown.
async fn background(app: tauri::AppHandle) {
    let state = app.state::<AppState>();
    let core = state.core.clone();
    if let Some(demo) = demo::resume(&core).await {
        *state.demo.lock().await = Some(demo);
    }
    // The cached list comes first: on a two-core laptop a sync and a thumbnail pass started with
    // the window compete with its first paint (make bench, P1). Wait for the window's first room
    // query (or a few seconds), then for its first pictures to be drawn.
    let _ = tokio::time::timeout(Duration::from_secs(4), state.first_query.notified()).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // The picker's index (every room's name) holds the store's reader while it loads.
    let picker_core = core.clone();
    let _ = tauri::async_runtime::spawn_blocking(move || picker_core.warm_picker()).await;
    loop {
        core.sync_all().await;
        let _ = core.warm_thumbnails(5000).await;
        let _ = core.flush_touches();
        tuning::release_memory(&core);
        tokio::time::sleep(Duration::from_secs(300)).await;
    }
}
