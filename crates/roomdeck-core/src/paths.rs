//! Where Roomdeck keeps its data: `--data-dir`, else `ROOMDECK_DATA_DIR`, else the OS app-data
//! directory named after the app identifier (the same folder Tauri would pick), so the app, the
//! CLI and the core agree without talking to each other.

use std::path::PathBuf;

pub const ENV_DATA_DIR: &str = "ROOMDECK_DATA_DIR";
pub const APP_IDENTIFIER: &str = "dev.roomdeck.app";
pub const DATABASE_FILE: &str = "roomdeck.db";

/// The data directory: `explicit` if given, else `$ROOMDECK_DATA_DIR`, else the OS default.
pub fn data_dir(explicit: Option<PathBuf>) -> Option<PathBuf> {
    explicit
        .or_else(|| std::env::var_os(ENV_DATA_DIR).filter(|v| !v.is_empty()).map(PathBuf::from))
        .or_else(default_data_dir)
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME").filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// The OS application-data directory for Roomdeck.
pub fn default_data_dir() -> Option<PathBuf> {
    if cfg!(target_os = "macos") {
        return home().map(|h| h.join("Library/Application Support").join(APP_IDENTIFIER));
    }
    if cfg!(windows) {
        return std::env::var_os("APPDATA").map(|a| PathBuf::from(a).join(APP_IDENTIFIER));
    }
    std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(".local/share")))
        .map(|d| d.join(APP_IDENTIFIER))
}
