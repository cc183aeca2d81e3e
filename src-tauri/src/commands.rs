//! Tauri commands: one thin translation per core call. Every command returns
//! `Result<T, CommandError>` (`{code, message, field, fingerprint}`), and nothing here knows a
//! server family's details.

use std::io::Write;
use std::sync::Arc;

use roomdeck_core::{
    Account, AddAccount, Event, PickerHit, RoomInfo, RoomPage, RoomQuery, Roomdeck, SyncReport, model::split_room_id,
};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_clipboard_manager::ClipboardExt;
use tauri_plugin_opener::OpenerExt;
use tokio::sync::Mutex;

use crate::demo;
use crate::ipc::{AppInfo, CommandError, SignInRequest};

/// What the commands share.
pub struct AppState {
    pub core: Arc<Roomdeck>,
    pub pick_mode: bool,
    pub demo: Mutex<Option<roomdeck_fakes::demo::Demo>>,
    /// Told when the window first asks for rooms: background work waits for it (see main.rs).
    pub first_query: Arc<tokio::sync::Notify>,
}

type Res<T> = Result<T, CommandError>;

#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> Res<AppInfo> {
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        data_dir: state.core.data_dir().display().to_string(),
        pick_mode: state.pick_mode,
        demo_running: state.demo.lock().await.is_some(),
        platform: std::env::consts::OS.to_string(),
    })
}

#[tauri::command]
pub async fn list_accounts(state: State<'_, AppState>) -> Res<Vec<Account>> {
    Ok(state.core.accounts()?)
}

#[tauri::command]
pub async fn add_account(state: State<'_, AppState>, request: SignInRequest) -> Res<Account> {
    let credentials = request.credentials()?;
    let add = AddAccount { server_url: request.server_url.clone(), credentials, cert_pin: request.cert_pin.clone() };
    let account = state.core.add_account(add).await.map_err(|e| request.explain(e))?;
    let core = state.core.clone();
    let id = account.id.clone();
    tauri::async_runtime::spawn(async move {
        core.sync_account(&id).await;
        let _ = core.warm_thumbnails(500).await;
    });
    Ok(account)
}

#[tauri::command]
pub async fn sign_in_again(state: State<'_, AppState>, account: String, request: SignInRequest) -> Res<Account> {
    let credentials = request.credentials()?;
    let out = state
        .core
        .sign_in_again(&account, credentials, request.cert_pin.clone())
        .await
        .map_err(|e| request.explain(e))?;
    let core = state.core.clone();
    tauri::async_runtime::spawn(async move {
        core.sync_account(&account).await;
    });
    Ok(out)
}

#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>, account: String) -> Res<Account> {
    Ok(state.core.sign_out(&account).await?)
}

#[tauri::command]
pub async fn remove_account(state: State<'_, AppState>, account: String) -> Res<()> {
    Ok(state.core.remove_account(&account).await?)
}

/// Syncs one account, or all of them.
#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>, account: Option<String>) -> Res<Vec<SyncReport>> {
    let reports = match account {
        Some(id) => vec![state.core.sync_account(&id).await],
        None => state.core.sync_all().await,
    };
    let core = state.core.clone();
    tauri::async_runtime::spawn(async move {
        let _ = core.warm_thumbnails(2000).await;
    });
    Ok(reports)
}

#[tauri::command]
pub async fn query_rooms(state: State<'_, AppState>, query: RoomQuery, offset: i64, limit: i64) -> Res<RoomPage> {
    let page = state.core.rooms(&query, offset, limit.min(500))?;
    state.first_query.notify_one();
    Ok(page)
}

/// Where a room is in the list `query` gives (the picker's choice is scrolled to), if it is in it.
#[tauri::command]
pub async fn room_position(state: State<'_, AppState>, query: RoomQuery, id: String) -> Res<Option<i64>> {
    Ok(state.core.room_position(&query, &id)?)
}

#[tauri::command]
pub async fn room_info(state: State<'_, AppState>, id: String) -> Res<RoomInfo> {
    Ok(state.core.room(&id)?)
}

/// Reads fresh members from the server into the cache (falls back to the cache offline).
#[tauri::command]
pub async fn refresh_room(state: State<'_, AppState>, id: String) -> Res<RoomInfo> {
    Ok(state.core.refresh_room(&id).await?)
}

#[tauri::command]
pub async fn pick(state: State<'_, AppState>, query: String, limit: usize) -> Res<Vec<PickerHit>> {
    if query.len() > 500 {
        return Err(CommandError::field("query", "That search is too long."));
    }
    if state.core.picker_ready() {
        return Ok(state.core.pick(&query, limit)?);
    }
    // The index is built first (every room's name read, 200 ms at 100k): not on the runtime's
    // threads, which serve the pictures meanwhile.
    let core = state.core.clone();
    tauri::async_runtime::spawn_blocking(move || core.pick(&query, limit))
        .await
        .map_err(|e| CommandError::internal(format!("The room search stopped: {e}")))?
        .map_err(CommandError::from)
}

/// The stand-alone picker's answer: prints the chosen room as JSON on stdout and exits
/// (status 0), or exits with status 1 when nothing was chosen.
#[tauri::command]
pub async fn pick_done(app: AppHandle, state: State<'_, AppState>, id: Option<String>) -> Res<()> {
    if !state.pick_mode {
        return Err(CommandError::field("id", "Not in picker mode."));
    }
    let row = match id {
        Some(id) => {
            let (account, remote) = split_room_id(&id).ok_or_else(|| CommandError::field("id", "Not a room id."))?;
            state.core.room_row(account, remote)?
        }
        None => None,
    };
    match row {
        Some(row) => {
            let json = serde_json::to_string(&row).map_err(|e| CommandError::field("id", &e.to_string()))?;
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{json}");
            let _ = out.flush();
            app.exit(0);
        }
        None => app.exit(1),
    }
    Ok(())
}

#[tauri::command]
pub async fn open_in_browser(app: AppHandle, state: State<'_, AppState>, id: String) -> Res<()> {
    let info = state.core.room(&id)?;
    let url = info.web_url.ok_or_else(|| CommandError::field("id", "This server has no web address for rooms."))?;
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(CommandError::field("id", "Refusing to open a non-web address."));
    }
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| CommandError::field("id", &format!("Could not open the browser: {e}")))
}

#[tauri::command]
pub async fn copy_text(app: AppHandle, text: String) -> Res<()> {
    if text.len() > 4096 {
        return Err(CommandError::field("text", "Too long to copy."));
    }
    app.clipboard().write_text(text).map_err(|e| CommandError::field("text", &format!("Could not copy: {e}")))
}

#[tauri::command]
pub async fn get_setting(state: State<'_, AppState>, key: String) -> Res<Option<String>> {
    Ok(state.core.setting(&key)?)
}

#[tauri::command]
pub async fn set_setting(state: State<'_, AppState>, key: String, value: String) -> Res<()> {
    Ok(state.core.set_setting(&key, &value)?)
}

/// "Try the demo": starts the fake servers and adds their accounts.
#[tauri::command]
pub async fn start_demo(app: AppHandle, state: State<'_, AppState>, rooms: Option<usize>) -> Res<Vec<Account>> {
    let rooms = rooms.unwrap_or(400).clamp(10, 100_000);
    let mut guard = state.demo.lock().await;
    if guard.is_some() {
        return Ok(state.core.accounts()?);
    }
    let (demo, accounts) = demo::start(&state.core, rooms).await?;
    *guard = Some(demo);
    drop(guard);
    let core = app.state::<AppState>().core.clone();
    tauri::async_runtime::spawn(async move {
        core.sync_all().await;
        let _ = core.warm_thumbnails(2000).await;
    });
    Ok(accounts)
}

/// Streams core events to the window until it closes.
#[tauri::command]
pub async fn subscribe(state: State<'_, AppState>, on_event: Channel<Event>) -> Res<()> {
    let mut rx = state.core.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(e) => {
                    if on_event.send(e).is_err() {
                        break;
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
    Ok(())
}
