//! Runs a family's axum router on loopback, over HTTP or self-signed TLS, with the fault layer,
//! request statistics, and connections that can be dropped on purpose.
//!
//! The accept loop is ours (not `axum::serve`) for two reasons: TLS with a certificate that can
//! be rotated mid-test (a "changed certificate under a pin"), and a per-connection kill switch so
//! `Fault::Reset` really drops the socket. Stopping the server closes every open connection, so
//! "the server went away" looks exactly like that to a client.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};
use tower::ServiceExt;

use crate::faults::{Fault, Faults};
use crate::images;

/// Keeps a copy of the request (its body is read and put back).
async fn record(shared: &Shared, req: Request) -> Request {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 64 << 20).await.unwrap_or_default();
    let rec = Recorded {
        method: parts.method.as_str().to_string(),
        uri: parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default(),
        headers: parts.headers.iter().map(|(k, v)| (k.as_str().to_string(), v.as_bytes().to_vec())).collect(),
        body: body.clone(),
    };
    if let Ok(mut r) = shared.recorded.lock() {
        r.push(rec);
    }
    Request::from_parts(parts, Body::from(body))
}

/// Kills the connection a request arrived on.
#[derive(Clone)]
pub struct ConnKill(pub Arc<Notify>);

struct TlsState {
    acceptor: tokio_rustls::TlsAcceptor,
    fingerprint: String,
}

/// A request exactly as received (method, path with query, headers, body): what a benchmark
/// replays with a bare HTTP client to download the same bytes a real client did.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub uri: String,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Bytes,
}

/// What the fault layer and the tests share with a running server.
pub struct Shared {
    pub faults: Faults,
    requests: Mutex<Vec<String>>,
    recording: AtomicBool,
    recorded: Mutex<Vec<Recorded>>,
    latency_ms: AtomicU64,
    tls: Mutex<Option<Arc<TlsState>>>,
    on_expire: Mutex<Option<Box<dyn Fn() + Send + Sync>>>,
}

impl Shared {
    fn new() -> Arc<Shared> {
        Arc::new(Shared {
            faults: Faults::default(),
            requests: Mutex::new(Vec::new()),
            recording: AtomicBool::new(false),
            recorded: Mutex::new(Vec::new()),
            latency_ms: AtomicU64::new(0),
            tls: Mutex::new(None),
            on_expire: Mutex::new(None),
        })
    }

    /// What `Fault::ExpireToken` does for this family.
    pub fn set_on_expire(&self, f: impl Fn() + Send + Sync + 'static) {
        if let Ok(mut g) = self.on_expire.lock() {
            *g = Some(Box::new(f));
        }
    }
}

/// A running fake server.
pub struct FakeServer {
    pub addr: SocketAddr,
    url: String,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for FakeServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeServer").field("url", &self.url).finish()
    }
}

/// A certificate and its PKCS#8 key, both DER (so a demo can keep its certificate across runs).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TlsIdentity {
    pub cert_der: Vec<u8>,
    pub key_der: Vec<u8>,
}

impl TlsIdentity {
    /// A fresh self-signed certificate for localhost and 127.0.0.1.
    pub fn generate() -> anyhow::Result<TlsIdentity> {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])?;
        Ok(TlsIdentity { cert_der: cert.cert.der().to_vec(), key_der: cert.signing_key.serialize_der() })
    }

    /// SHA-256 of the certificate, `AB:CD:…`.
    pub fn fingerprint(&self) -> String {
        Sha256::digest(&self.cert_der).iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
    }
}

/// How a fake serves: plain HTTP, a fresh self-signed certificate, or a given one.
#[derive(Debug, Clone)]
pub enum Tls {
    Off,
    SelfSigned,
    Identity(TlsIdentity),
}

impl From<bool> for Tls {
    fn from(on: bool) -> Tls {
        if on { Tls::SelfSigned } else { Tls::Off }
    }
}

fn make_tls() -> anyhow::Result<TlsState> {
    tls_state(&TlsIdentity::generate()?)
}

fn tls_state(id: &TlsIdentity) -> anyhow::Result<TlsState> {
    let der = rustls::pki_types::CertificateDer::from(id.cert_der.clone());
    let fingerprint = id.fingerprint();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(id.key_der.clone()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(vec![der], key)?;
    Ok(TlsState { acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)), fingerprint })
}

impl FakeServer {
    /// Serves `router` on 127.0.0.1:`port` (0 = any free port).
    pub async fn start(router: Router, port: u16, tls: impl Into<Tls>) -> anyhow::Result<FakeServer> {
        let shared = Shared::new();
        let state = match tls.into() {
            Tls::Off => None,
            Tls::SelfSigned => Some(make_tls()?),
            Tls::Identity(id) => Some(tls_state(&id)?),
        };
        let tls = state.is_some();
        if let (Some(state), Ok(mut g)) = (state, shared.tls.lock()) {
            *g = Some(Arc::new(state));
        }
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let url = format!("{}://127.0.0.1:{}", if tls { "https" } else { "http" }, addr.port());
        let router = router.layer(axum::middleware::from_fn_with_state(shared.clone(), fault_layer));
        let (tx, mut rx) = oneshot::channel::<()>();
        let loop_shared = shared.clone();
        let task = tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    _ = &mut rx => break,
                    accepted = listener.accept() => {
                        let Ok((tcp, _)) = accepted else { continue };
                        let _ = tcp.set_nodelay(true);
                        let router = router.clone();
                        let tls = if tls { loop_shared.tls.lock().ok().and_then(|g| g.clone()) } else { None };
                        conns.spawn(serve_connection(tcp, router, tls));
                    }
                    Some(_) = conns.join_next(), if !conns.is_empty() => {}
                }
            }
            conns.abort_all();
            while conns.join_next().await.is_some() {}
        });
        Ok(FakeServer { addr, url, shared, shutdown: Some(tx), task: Some(task) })
    }

    /// `http://127.0.0.1:PORT` or `https://…`.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Added to every answer.
    pub fn set_latency(&self, ms: u64) {
        self.shared.latency_ms.store(ms, Ordering::Relaxed);
    }

    /// SHA-256 of the TLS certificate, `AB:CD:…` (TLS servers only).
    pub fn fingerprint(&self) -> Option<String> {
        self.shared.tls.lock().ok()?.as_ref().map(|t| t.fingerprint.clone())
    }

    /// Switches to a fresh self-signed certificate for new connections.
    pub fn rotate_certificate(&self) -> anyhow::Result<String> {
        let t = make_tls()?;
        let fp = t.fingerprint.clone();
        if let Ok(mut g) = self.shared.tls.lock() {
            *g = Some(Arc::new(t));
        }
        Ok(fp)
    }

    /// Every request so far, as `METHOD /path` (no query strings: they may carry tokens).
    pub fn requests(&self) -> Vec<String> {
        self.shared.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Requests whose `METHOD /path` contains `needle`.
    pub fn request_count(&self, needle: &str) -> usize {
        self.requests().iter().filter(|r| r.contains(needle)).count()
    }

    pub fn reset_stats(&self) {
        if let Ok(mut r) = self.shared.requests.lock() {
            r.clear();
        }
    }

    /// Starts (or stops) keeping every request whole, credentials included: for benchmarks
    /// only, which replay them ([`FakeServer::take_recorded`]). Off by default.
    pub fn set_recording(&self, on: bool) {
        self.shared.recording.store(on, Ordering::Relaxed);
    }

    /// The requests recorded so far, in arrival order (the record is emptied).
    pub fn take_recorded(&self) -> Vec<Recorded> {
        self.shared.recorded.lock().map(|mut r| std::mem::take(&mut *r)).unwrap_or_default()
    }

    /// Stops accepting and closes every open connection.
    pub async fn stop(mut self) {
        self.shutdown_now();
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }

    fn shutdown_now(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.shutdown_now();
    }
}

async fn serve_connection(tcp: tokio::net::TcpStream, router: Router, tls: Option<Arc<TlsState>>) {
    let kill = Arc::new(Notify::new());
    let svc_kill = kill.clone();
    let svc = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(ConnKill(svc_kill.clone()));
        let router = router.clone();
        async move { router.oneshot(req.map(Body::new)).await }
    });
    let builder = hyper::server::conn::http1::Builder::new();
    match tls {
        Some(t) => {
            let Ok(Ok(stream)) = tokio::time::timeout(Duration::from_secs(10), t.acceptor.accept(tcp)).await else {
                return;
            };
            let conn = builder.serve_connection(hyper_util::rt::TokioIo::new(stream), svc);
            tokio::select! { _ = conn => {}, _ = kill.notified() => {} }
        }
        None => {
            let conn = builder.serve_connection(hyper_util::rt::TokioIo::new(tcp), svc);
            tokio::select! { _ = conn => {}, _ = kill.notified() => {} }
        }
    }
}

async fn fault_layer(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    if let Ok(mut r) = shared.requests.lock() {
        r.push(format!("{method} {path}"));
    }
    let req = if shared.recording.load(Ordering::Relaxed) { record(&shared, req).await } else { req };
    let latency = shared.latency_ms.load(Ordering::Relaxed);
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let fault = shared.faults.take(&method, &path);
    let Some(fault) = fault else { return next.run(req).await };
    tracing::debug!(?fault, %path, "injecting fault");
    match fault {
        Fault::Latency(ms) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            next.run(req).await
        }
        Fault::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut resp = (
                status,
                [(header::CONTENT_TYPE, "text/html")],
                format!(
                    "<html><body><h1>{} {}</h1><hr>nginx</body></html>",
                    code,
                    status.canonical_reason().unwrap_or("")
                ),
            )
                .into_response();
            if code == 503 {
                resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            resp
        }
        Fault::RateLimit { reset_in_ms } => {
            let reset = now_ms() + reset_in_ms as i64;
            let secs = reset_in_ms.div_ceil(1000);
            let body = serde_json::json!({
                "success": false,
                "error": format!("Error, too many requests. Please slow down. You must wait {secs} seconds before trying this endpoint again. [error-too-many-requests]"),
            });
            let mut resp = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
            let h = resp.headers_mut();
            h.insert("x-ratelimit-limit", HeaderValue::from_static("10"));
            h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
            if let Ok(v) = HeaderValue::from_str(&reset.to_string()) {
                h.insert("x-ratelimit-reset", v);
            }
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                h.insert(header::RETRY_AFTER, v);
            }
            resp
        }
        Fault::Timeout => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            StatusCode::GATEWAY_TIMEOUT.into_response()
        }
        Fault::Reset => {
            if let Some(k) = req.extensions().get::<ConnKill>() {
                k.0.notify_one();
            }
            std::future::pending::<()>().await;
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        Fault::ExpireToken => {
            if let Ok(g) = shared.on_expire.lock()
                && let Some(f) = g.as_ref()
            {
                f();
            }
            next.run(req).await
        }
        Fault::NotAnImage => image_response("image/jpeg", images::not_an_image()),
        Fault::ImageBomb => image_response("image/png", images::image_bomb()),
        Fault::SvgScript => image_response("image/svg+xml", images::svg_with_script()),
        Fault::TruncatedJson | Fault::WrongTypes | Fault::HugeField => {
            let resp = next.run(req).await;
            let (mut parts, body) = resp.into_parts();
            let Ok(bytes) = axum::body::to_bytes(body, 512 << 20).await else {
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            };
            let damaged = damage(&fault, &bytes);
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(damaged))
        }
    }
}

fn image_response(ct: &'static str, body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, ct), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Applies a body-damaging fault.
pub fn damage(fault: &Fault, body: &[u8]) -> Vec<u8> {
    match fault {
        Fault::TruncatedJson => body[..body.len() / 2].to_vec(),
        Fault::WrongTypes => match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(mut v) => {
                swap_types(&mut v, 0);
                v.to_string().into_bytes()
            }
            Err(_) => body.to_vec(),
        },
        Fault::HugeField => match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(mut v) => {
                let huge = serde_json::Value::String("x".repeat(10 << 20));
                if let Some(obj) = first_record(&mut v) {
                    let key = ["topic", "description", "displayName", "fname", "name", "msg"]
                        .into_iter()
                        .find(|k| obj.get(*k).is_some_and(serde_json::Value::is_string))
                        .unwrap_or("topic");
                    obj.insert(key.to_string(), huge);
                }
                v.to_string().into_bytes()
            }
            Err(_) => body.to_vec(),
        },
        _ => body.to_vec(),
    }
}

/// Strings become numbers, numbers become strings, booleans become strings; the envelope's top
/// level keeps its shape so the damage lands in the records.
fn swap_types(v: &mut serde_json::Value, depth: usize) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                if depth == 0 && matches!(k.as_str(), "success" | "code" | "httpStatusCode" | "status" | "msg") {
                    continue;
                }
                swap_types(val, depth + 1);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| swap_types(i, depth + 1)),
        Value::String(_) => *v = Value::from(12345),
        Value::Number(_) => *v = Value::String("n/a".into()),
        Value::Bool(b) => *v = Value::String(b.to_string()),
        Value::Null => {}
    }
}

/// The first object inside the first non-empty array (a room), or the top object.
fn first_record(v: &mut serde_json::Value) -> Option<&mut serde_json::Map<String, serde_json::Value>> {
    fn find(v: &mut serde_json::Value) -> Option<&mut serde_json::Value> {
        let target =
            matches!(v, serde_json::Value::Array(items) if items.first().is_some_and(serde_json::Value::is_object));
        if target {
            return v.as_array_mut()?.first_mut();
        }
        match v {
            serde_json::Value::Array(items) => items.iter_mut().find_map(find),
            serde_json::Value::Object(map) => map.values_mut().find_map(find),
            _ => None,
        }
    }
    let has = find(v).is_some();
    if has { find(v).and_then(|r| r.as_object_mut()) } else { v.as_object_mut() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damage_breaks_records_not_envelopes() {
        let body = br#"{"update":[{"_id":"a","usersCount":3,"ro":true}],"remove":[],"success":true}"#;
        let v: serde_json::Value = serde_json::from_slice(&damage(&Fault::WrongTypes, body)).unwrap();
        assert_eq!(v["success"], true);
        assert_eq!(v["update"][0]["_id"], 12345);
        assert_eq!(v["update"][0]["usersCount"], "n/a");
        let huge = damage(&Fault::HugeField, body);
        assert!(huge.len() > 10 << 20);
        let v: serde_json::Value = serde_json::from_slice(&huge).unwrap();
        assert_eq!(v["update"][0]["topic"].as_str().map(str::len), Some(10 << 20));
        assert_eq!(damage(&Fault::TruncatedJson, body).len(), body.len() / 2);
    }
}
