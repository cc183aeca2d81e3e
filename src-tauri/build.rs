//! Declares the app's commands so each window's capability file can grant exactly the ones it
//! uses (`capabilities/*.json`), instead of every window reaching every command.
fn main() {
    let commands = &[
        "app_info",
        "list_accounts",
        "add_account",
        "sign_in_again",
        "sign_out",
        "remove_account",
        "sync_now",
        "query_rooms",
        "room_position",
        "room_info",
        "refresh_room",
        "pick",
        "pick_done",
        "open_in_browser",
        "copy_text",
        "get_setting",
        "set_setting",
        "start_demo",
        "subscribe",
    ];
    let attrs = tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(commands));
    if let Err(e) = tauri_build::try_build(attrs) {
        panic!("tauri build step failed: {e:#}");
    }
}
