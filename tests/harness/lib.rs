//! End-to-end harness: the real Roomdeck window under Xvfb, driven over WebDriver.
//!
//! Each test gets its own Xvfb display, its own `tauri-driver` (which runs WebKitWebDriver,
//! which runs the app), and its own data directory through `ROOMDECK_DATA_DIR`. Everything the
//! harness starts is put in its own process group and killed when the test ends, pass or fail;
//! a screenshot of the window is saved to `tests/artifacts/<test>.png` (git-ignored) either way.
//!
//! The WebDriver client is a few dozen lines over blocking reqwest: the handful of W3C commands
//! the tests need (find, click, type, read, run a script, key chords, screenshot), nothing else.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine;
use serde_json::{Value, json};

pub mod fakes;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// A built binary of the workspace (the tests need `cargo build --workspace --bins` first).
/// `ROOMDECK_E2E_PROFILE=release` takes the release build (the benchmarks do).
pub fn binary(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target"));
    let profile = std::env::var("ROOMDECK_E2E_PROFILE").unwrap_or_else(|_| "debug".into());
    let p = target.join(profile).join(name);
    assert!(p.exists(), "{} is missing: run `cargo build --workspace --bins` (make test does)", p.display());
    p
}

pub fn artifacts() -> PathBuf {
    let d = root().join("tests/artifacts");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// With `ROOMDECK_E2E_TRACE=1`, every WebDriver command is printed (run with `--nocapture`).
fn trace(what: &str) {
    if std::env::var_os("ROOMDECK_E2E_TRACE").is_some() {
        eprintln!(
            "[e2e {:?}] {what}",
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default()
        );
    }
}

/// A blocking HTTP client for the WebDriver wire (rustls needs its crypto provider first).
fn http_client(timeout: Duration) -> Result<reqwest::blocking::Client> {
    roomdeck_core::http::install_crypto_provider();
    Ok(reqwest::blocking::Client::builder().timeout(timeout).build()?)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Kills a process group we started (the process and everything it started): TERM, a grace
/// period, then KILL. Uses killpg directly: `kill -TERM -PGID` through procps can read the
/// group as an option and signal every process on the machine.
#[allow(unsafe_code)]
fn kill_group(child: &mut Child) {
    let Ok(pgid) = i32::try_from(child.id()) else { return };
    if pgid <= 1 {
        return;
    }
    // SAFETY: plain syscalls on a process group this harness created (pgid > 1).
    unsafe { libc::killpg(pgid, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: as above.
    unsafe { libc::killpg(pgid, libc::SIGKILL) };
    let _ = child.wait();
}

/// Starts a process in its own process group, with no stdin (a child reading the terminal would
/// steal the input of whoever runs the tests).
fn spawn_group(cmd: &mut Command) -> std::io::Result<Child> {
    use std::os::unix::process::CommandExt;
    cmd.process_group(0).stdin(Stdio::null()).spawn()
}

/// A private X server.
pub struct Xvfb {
    child: Child,
    pub display: String,
}

impl Xvfb {
    pub fn start() -> Result<Xvfb> {
        let mut child = spawn_group(
            Command::new("Xvfb")
                .args(["-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp", "-dpi", "96"])
                .stdout(Stdio::piped())
                .stderr(Stdio::null()),
        )
        .context("cannot start Xvfb (scripts/setup installs it)")?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().ok_or_else(|| anyhow!("no Xvfb stdout"))?).read_line(&mut line)?;
        let n = line.trim();
        if n.is_empty() {
            bail!("Xvfb did not report a display");
        }
        Ok(Xvfb { child, display: format!(":{n}") })
    }

    /// A PNG of the whole screen (ImageMagick `import`).
    pub fn screenshot(&self, path: &Path) -> Result<()> {
        let ok = Command::new("import")
            .args(["-window", "root"])
            .arg(path)
            .env("DISPLAY", &self.display)
            .stderr(Stdio::null())
            .status()?
            .success();
        if !ok {
            bail!("import failed");
        }
        Ok(())
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        kill_group(&mut self.child);
    }
}

/// `tauri-driver` (with WebKitWebDriver) on a free port.
pub struct Driver {
    child: Child,
    pub url: String,
    /// Where the driver's stdout goes: the app's own stdout ends up here (`--pick` prints to it).
    pub stdout: PathBuf,
}

impl Driver {
    pub fn start(display: &str, env: &[(&str, &str)]) -> Result<Driver> {
        let exe = std::env::var_os("ROOMDECK_TAURI_DRIVER")
            .map(PathBuf::from)
            .unwrap_or_else(|| root().join(".tools/bin/tauri-driver"));
        if !exe.exists() {
            bail!("{} is missing: `make setup` installs tauri-driver", exe.display());
        }
        let port = free_port();
        let native = free_port();
        let log = std::fs::File::create(artifacts().join(format!("driver-{port}.log")))?;
        let stdout = artifacts().join(format!("driver-{port}.out"));
        let out = std::fs::File::create(&stdout)?;
        let mut cmd = Command::new(exe);
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
            "--native-driver",
            "/usr/bin/WebKitWebDriver",
        ])
        .env("DISPLAY", display)
        .env("TAURI_WEBVIEW_AUTOMATION", "true")
        .env("NO_AT_BRIDGE", "1")
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(log));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = spawn_group(&mut cmd)?;
        let url = format!("http://127.0.0.1:{port}");
        // From here on, Drop kills the driver whatever happens.
        let driver = Driver { child, url, stdout };
        let client = http_client(Duration::from_secs(10))?;
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if client.get(format!("{}/status", driver.url)).send().is_ok() {
                return Ok(driver);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!("tauri-driver did not start")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        kill_group(&mut self.child);
    }
}

/// A WebDriver session: the running app window.
pub struct Window {
    client: reqwest::blocking::Client,
    base: String,
}

/// An element reference.
#[derive(Clone, Debug)]
pub struct El(String);

impl Window {
    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    fn handle(resp: reqwest::blocking::Response) -> Result<Value> {
        let status = resp.status();
        let v: Value = resp.json().context("WebDriver answer")?;
        if !status.is_success() {
            bail!("WebDriver {}: {}", status, v["value"]["message"].as_str().unwrap_or(&v.to_string()));
        }
        Ok(v["value"].clone())
    }

    fn post(&self, path: &str, body: Value) -> Result<Value> {
        trace(&format!("POST {path} {}", body.to_string().chars().take(160).collect::<String>()));
        Self::handle(self.client.post(self.url(path)).json(&body).send()?)
    }

    fn get(&self, path: &str) -> Result<Value> {
        trace(&format!("GET {path}"));
        Self::handle(self.client.get(self.url(path)).send()?)
    }

    /// Runs JavaScript in the window; returns its result.
    pub fn js(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.post("/execute/sync", json!({ "script": script, "args": args }))
    }

    /// Runs async JavaScript: the script must call `arguments[arguments.length-1](value)`.
    pub fn js_async(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.post("/execute/async", json!({ "script": script, "args": args }))
    }

    pub fn find(&self, css: &str) -> Result<El> {
        let v = self.post("/element", json!({ "using": "css selector", "value": css }))?;
        Ok(El(v[ELEMENT].as_str().ok_or_else(|| anyhow!("no element id"))?.to_string()))
    }

    pub fn find_all(&self, css: &str) -> Result<Vec<El>> {
        let v = self.post("/elements", json!({ "using": "css selector", "value": css }))?;
        Ok(v.as_array()
            .map(|a| a.iter().filter_map(|e| e[ELEMENT].as_str().map(|s| El(s.to_string()))).collect())
            .unwrap_or_default())
    }

    pub fn click(&self, el: &El) -> Result<()> {
        self.post(&format!("/element/{}/click", el.0), json!({}))?;
        Ok(())
    }

    pub fn type_into(&self, el: &El, text: &str) -> Result<()> {
        self.post(&format!("/element/{}/value", el.0), json!({ "text": text }))?;
        Ok(())
    }

    pub fn clear(&self, el: &El) -> Result<()> {
        self.post(&format!("/element/{}/clear", el.0), json!({}))?;
        Ok(())
    }

    pub fn text(&self, el: &El) -> Result<String> {
        Ok(self.get(&format!("/element/{}/text", el.0))?.as_str().unwrap_or_default().to_string())
    }

    pub fn attr(&self, el: &El, name: &str) -> Result<Option<String>> {
        Ok(self.get(&format!("/element/{}/attribute/{name}", el.0))?.as_str().map(str::to_string))
    }

    /// Presses keys (W3C key values: "\u{E007}" = Enter, "\u{E015}" = ArrowDown, "\u{E009}" = Ctrl…)
    /// as one chord: all down in order, then all up in reverse.
    pub fn chord(&self, keys: &[&str]) -> Result<()> {
        let mut actions: Vec<Value> = keys.iter().map(|k| json!({ "type": "keyDown", "value": k })).collect();
        actions.extend(keys.iter().rev().map(|k| json!({ "type": "keyUp", "value": k })));
        self.post("/actions", json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] }))?;
        let _ = self.client.delete(self.url("/actions")).send();
        Ok(())
    }

    /// Presses keys one after another.
    pub fn keys(&self, keys: &[&str]) -> Result<()> {
        for k in keys {
            self.chord(&[k])?;
        }
        Ok(())
    }

    pub fn screenshot_png(&self) -> Result<Vec<u8>> {
        let v = self.get("/screenshot")?;
        Ok(base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap_or_default())?)
    }

    /// Polls `f` until it returns Some, or fails after `secs`.
    pub fn wait<T>(&self, secs: u64, what: &str, mut f: impl FnMut(&Window) -> Result<Option<T>>) -> Result<T> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        let mut last_err = None;
        while Instant::now() < deadline {
            match f(self) {
                Ok(Some(v)) => return Ok(v),
                Ok(None) => {}
                Err(e) => last_err = Some(e),
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!("timed out waiting for {what}{}", last_err.map(|e| format!(" (last error: {e})")).unwrap_or_default())
    }

    /// Waits for an element matching `css`.
    pub fn wait_for(&self, css: &str, secs: u64) -> Result<El> {
        self.wait(secs, css, |w| Ok(w.find_all(css)?.into_iter().next()))
    }

    /// Text of the first element matching `css`, or "" when none.
    pub fn text_of(&self, css: &str) -> Result<String> {
        Ok(self
            .js("const e = document.querySelector(arguments[0]); return e ? e.textContent : ''", vec![json!(css)])?
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    pub fn count(&self, css: &str) -> Result<usize> {
        Ok(self.js("return document.querySelectorAll(arguments[0]).length", vec![json!(css)])?.as_u64().unwrap_or(0)
            as usize)
    }
}

/// One test's world: display, driver, data directory, and at most one app window at a time.
pub struct Harness {
    pub name: String,
    pub data_dir: tempfile::TempDir,
    extra_env: Vec<(String, String)>,
    window: Option<Window>,
    driver: Option<Driver>,
    xvfb: Xvfb,
    /// When the last launch asked WebDriver to start the app (ms since the epoch).
    launched_ms: f64,
}

impl Harness {
    pub fn new(name: &str) -> Result<Harness> {
        let xvfb = Xvfb::start()?;
        Ok(Harness {
            name: name.to_string(),
            data_dir: tempfile::tempdir()?,
            extra_env: Vec::new(),
            window: None,
            driver: None,
            xvfb,
            launched_ms: 0.0,
        })
    }

    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// Extra environment for the app (set before `launch`).
    pub fn env(&mut self, k: &str, v: &str) {
        self.extra_env.push((k.to_string(), v.to_string()));
    }

    /// Starts the app (with the embedded UI) in a new WebDriver session.
    pub fn launch(&mut self) -> Result<&Window> {
        self.launch_with_args(&[])
    }

    pub fn launch_with_args(&mut self, args: &[&str]) -> Result<&Window> {
        self.close();
        let data = self.data_dir.path().display().to_string();
        let mut env: Vec<(&str, &str)> = vec![("ROOMDECK_DATA_DIR", data.as_str())];
        env.extend(self.extra_env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let driver = Driver::start(&self.xvfb.display, &env)?;
        // `ROOMDECK_E2E_APP` runs something else as the app (a wrapper that captures its stderr,
        // a release build).
        let app = std::env::var_os("ROOMDECK_E2E_APP").map(PathBuf::from).unwrap_or_else(|| binary("roomdeck-app"));
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "wry",
            "tauri:options": { "application": app.display().to_string(), "args": args },
        } } });
        let client = http_client(Duration::from_secs(60))?;
        self.launched_ms = epoch_ms();
        let resp = client.post(format!("{}/session", driver.url)).json(&caps).send()?;
        let v = Window::handle(resp).context("creating the WebDriver session (starting the app)")?;
        let id = v["sessionId"].as_str().ok_or_else(|| anyhow!("no session id: {v}"))?;
        let window = Window { client, base: format!("{}/session/{id}", driver.url) };
        self.driver = Some(driver);
        self.window = Some(window);
        let w = self.window.as_ref().ok_or_else(|| anyhow!("no window"))?;
        w.wait_for("#app[data-ready]", 30)?;
        Ok(w)
    }

    pub fn window(&self) -> &Window {
        self.window.as_ref().expect("launch() first")
    }

    /// Saves a screenshot as `tests/artifacts/<test>-<label>.png`.
    pub fn screenshot(&self, label: &str) -> PathBuf {
        let path = artifacts().join(format!("{}-{label}.png", self.name));
        let saved = self
            .window
            .as_ref()
            .and_then(|w| w.screenshot_png().ok())
            .map(|png| std::fs::write(&path, png).is_ok())
            .unwrap_or(false);
        if !saved {
            let _ = self.xvfb.screenshot(&path);
        }
        path
    }

    /// Ends the app (deletes the session) and its driver.
    pub fn close(&mut self) {
        if let (Some(w), Some(_)) = (&self.window, &self.driver) {
            let _ = w.client.delete(&w.base).send();
        }
        self.window = None;
        self.driver = None;
    }

    /// What the app printed on stdout so far (through the driver).
    pub fn app_stdout(&self) -> String {
        self.driver.as_ref().and_then(|d| std::fs::read_to_string(&d.stdout).ok()).unwrap_or_default()
    }

    pub fn display(&self) -> &str {
        &self.xvfb.display
    }

    /// When the last `launch` asked for the app to start, in ms since the epoch (the clock of
    /// `performance.timeOrigin`): the benchmarks' zero for a cold start.
    pub fn launched_ms(&self) -> f64 {
        self.launched_ms
    }
}

/// Now, in ms since the epoch.
pub fn epoch_ms() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs_f64() * 1e3
}

impl Drop for Harness {
    fn drop(&mut self) {
        if self.window.is_some() {
            let label = if std::thread::panicking() { "failed" } else { "end" };
            let _ = self.screenshot(label);
        }
        self.close();
    }
}

/// Every file under `dir`, recursively (the secret scans read them all).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() { out.extend(files_under(&p)) } else { out.push(p) }
        }
    }
    out
}

/// Runs the `roomdeck` CLI with a data directory; returns (exit code, stdout, stderr).
pub fn cli(data_dir: &Path, args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    cli_with_env(data_dir, args, stdin, &[])
}

/// [`cli`] with extra environment (e.g. `RUST_LOG`).
pub fn cli_with_env(
    data_dir: &Path,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, &str)],
) -> (i32, String, String) {
    let mut cmd = Command::new(binary("roomdeck"));
    cmd.envs(env.iter().copied());
    cmd.arg("--data-dir").arg(data_dir).args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).stdin(Stdio::piped());
    let mut child = cmd.spawn().expect("run roomdeck");
    if let Some(mut input) = child.stdin.take() {
        use std::io::Write;
        if let Some(s) = stdin {
            let _ = input.write_all(s.as_bytes());
        }
    }
    // Both pipes are drained together (a chatty stderr must not block stdout, or the reverse).
    let output = child.wait_with_output().expect("wait for roomdeck");
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    let err = String::from_utf8_lossy(&output.stderr).into_owned();
    let code = output.status.code().unwrap_or(-1);
    (code, out, err)
}
