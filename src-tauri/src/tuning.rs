//! Process-wide settings that must be made before the first thread or window exists, and the
//! memory the app gives back once its start-up work is done. Linux only; elsewhere these are
//! no-ops. Why each one (figures from `make bench`, P6/P7, under Xvfb with Mesa's llvmpipe):
//!
//! - **WebKit without accelerated compositing when there is no GPU.** With no DRI render node
//!   WebKitGTK composites its layers with software OpenGL: every layer's texture then lives in
//!   the web process's memory, and each frame is drawn twice (painted, then composited). Its
//!   CPU painting path is both leaner (the empty window's web process 268 → 178 MB, and the list
//!   adds 18 MB instead of 60) and cheaper per frame. A user's own
//!   `WEBKIT_DISABLE_COMPOSITING_MODE` always wins, and machines with a GPU are left alone.
//! - **Two malloc arenas.** glibc gives each thread that allocates under contention an arena of
//!   its own (up to 8 per core) and keeps what was freed in each: after the first sync and the
//!   thumbnail pass the app held ~30 MB more with the default.
//! - **Trim after background work.** The sync and thumbnail pass allocate and free tens of MB;
//!   `release_memory` returns SQLite's page caches and glibc's free pages to the system.

/// Call first thing in `main`, before any thread is started (it sets environment variables).
/// Returns whether it turned WebKit's accelerated compositing off (for the log, which is not
/// set up yet).
pub fn before_threads() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only changes the allocator's parameters; no thread exists yet.
        #[allow(unsafe_code)]
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
            // A fixed threshold: blocks of 256 KB and more (a room list's response body, a
            // picture batch) are mapped on their own and unmapped when freed. By default glibc
            // raises the threshold to the largest block freed so far, so after the first sync
            // such buffers came from the heap and left holes in it.
            libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
        }
    }
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() && !has_render_node() {
        // SAFETY: called at the top of `main`, before any other thread exists, so nothing can
        // read the environment concurrently.
        #[allow(unsafe_code)]
        unsafe {
            std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
        }
        return true;
    }
    false
}

/// Whether the machine has a GPU that OpenGL could render on (`/dev/dri/renderD*`).
#[cfg(target_os = "linux")]
fn has_render_node() -> bool {
    std::fs::read_dir("/dev/dri")
        .map(|dir| dir.flatten().any(|e| e.file_name().to_string_lossy().starts_with("renderD")))
        .unwrap_or(false)
}

/// Gives memory back after background work: the store's page caches, then the allocator's free
/// pages (in every arena).
pub fn release_memory(core: &roomdeck_core::Roomdeck) {
    if let Err(e) = core.release_memory() {
        tracing::debug!("releasing the store's caches: {e}");
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim takes the allocator's own locks; it is safe to call at any time.
        #[allow(unsafe_code)]
        unsafe {
            libc::malloc_trim(0);
        }
    }
}
