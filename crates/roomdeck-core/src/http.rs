//! The one HTTP layer every server family uses.
//!
//! Why a layer of our own over reqwest: every family needs the same things and they are easy to
//! get subtly wrong one call site at a time:
//! - connect and total timeouts; response bodies read with a byte cap (a hostile server cannot
//!   make us buffer gigabytes);
//! - 429 and 503 honoured: `X-RateLimit-Reset` (Rocket.Chat: epoch *milliseconds*) or
//!   `Retry-After`, waited out when short, otherwise returned as [`ClientError::RateLimited`];
//!   idempotent requests retried with backoff on 503 and on connection failures;
//! - TLS through rustls with the platform verifier, or, for a server the user pinned, *only* the
//!   certificate with that SHA-256 fingerprint; a refused certificate becomes a typed error that
//!   carries the fingerprint the user can compare and pin;
//! - redirects followed for media (avatars on S3/CDNs) only, never for API calls;
//! - no URL in any error or log line (avatar URLs carry `rc_token`), no header values either;
//! - a request counter (benchmarks and sync reports count requests per account) and a per-account
//!   concurrency limit for media downloads.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;
use url::Url;

use crate::cancel::Cancel;
use crate::error::ClientError;
use crate::time::now_ms;

/// Tunables of the HTTP layer. The defaults suit a desktop on a normal network.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub connect_timeout: Duration,
    /// Whole request, headers and body.
    pub request_timeout: Duration,
    /// Largest API response we accept (a 100k-room Rocket.Chat `rooms.get` is ~150 MB).
    pub max_body_bytes: usize,
    /// Largest avatar we download.
    pub max_media_bytes: usize,
    /// Retries for 429/503/connection failures on idempotent requests.
    pub max_retries: u32,
    /// A rate limit whose reset is further away than this is returned as an error, not slept.
    pub max_wait: Duration,
    /// Parallel media downloads per account.
    pub media_concurrency: usize,
    /// First backoff step; doubles per retry.
    pub backoff: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            max_body_bytes: 256 << 20,
            max_media_bytes: 8 << 20,
            max_retries: 3,
            max_wait: Duration::from_secs(20),
            media_concurrency: 8,
            backoff: Duration::from_millis(500),
        }
    }
}

/// Formats a SHA-256 digest the way certificate viewers do: `AB:CD:…`.
pub fn fingerprint_hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

/// Parses a user-typed fingerprint (with or without colons/spaces, any case).
pub fn parse_fingerprint(s: &str) -> Option<[u8; 32]> {
    let hex: String = s.chars().filter(|c| !matches!(c, ':' | ' ' | '-')).collect();
    let bytes = hex::decode(hex).ok()?;
    bytes.try_into().ok()
}

/// Installs the ring crypto provider for rustls once per process (reqwest is built without a
/// default provider: ring builds faster and smaller than aws-lc).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[derive(Debug, Default)]
struct TlsObservation {
    presented: Option<String>,
    rejected: bool,
}

/// Verifies with the platform's trust store, or only against the pinned fingerprint, and records
/// what it saw so a failure can be explained.
#[derive(Debug)]
struct PinningVerifier {
    platform: Arc<dyn ServerCertVerifier>,
    pin: Option<[u8; 32]>,
    provider: Arc<rustls::crypto::CryptoProvider>,
    seen: Arc<Mutex<TlsObservation>>,
}

impl ServerCertVerifier for PinningVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let digest: [u8; 32] = Sha256::digest(end_entity.as_ref()).into();
        let result = match self.pin {
            Some(pin) if pin == digest => Ok(ServerCertVerified::assertion()),
            Some(_) => Err(rustls::Error::General("certificate does not match the pinned fingerprint".into())),
            None => self.platform.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now),
        };
        if let Ok(mut seen) = self.seen.lock() {
            seen.presented = Some(fingerprint_hex(&digest));
            seen.rejected = result.is_err();
        }
        result
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// A request, built by a family client.
#[derive(Debug)]
pub struct Request {
    pub method: Method,
    pub url: Url,
    pub headers: HeaderMap,
    pub body: Option<Bytes>,
}

impl Request {
    pub fn new(method: Method, url: Url) -> Self {
        Request { method, url, headers: HeaderMap::new(), body: None }
    }

    /// Adds a header. Values that are not valid header text are dropped (they can only come from
    /// corrupt stored data; the server then answers 401 and the user signs in again).
    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(value) {
            let mut v = v;
            v.set_sensitive(true);
            self.headers.insert(HeaderName::from_static(name), v);
        }
        self
    }

    pub fn json(mut self, body: &serde_json::Value) -> Self {
        self.headers.insert(reqwest::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        self.body = Some(Bytes::from(body.to_string()));
        self
    }

    fn idempotent(&self) -> bool {
        matches!(self.method, Method::GET | Method::HEAD)
    }
}

/// A response with its body read (and capped).
#[derive(Debug, Clone)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Content type without parameters, lower case.
    pub fn content_type(&self) -> Option<String> {
        self.header("content-type").map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
    }

    /// Parses the body as JSON into `T`, with a message that names the type on failure.
    pub fn json<'a, T: serde::Deserialize<'a>>(&'a self, what: &str) -> Result<T, ClientError> {
        serde_json::from_slice(&self.body).map_err(|e| ClientError::protocol(format!("{what}: {e}")))
    }
}

/// Which client to use: API calls never follow redirects, media downloads do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Api,
    Media,
}

/// The HTTP client of one account.
#[derive(Debug)]
pub struct Http {
    api: reqwest::Client,
    media: reqwest::Client,
    base: Url,
    config: HttpConfig,
    pin: Option<String>,
    tls_seen: Arc<Mutex<TlsObservation>>,
    media_slots: Arc<Semaphore>,
    requests: AtomicU64,
    cancel: Cancel,
}

impl Http {
    /// `base` is the server URL the user typed; `pin` a certificate fingerprint to trust instead of
    /// the platform's roots.
    pub fn new(base: &Url, pin: Option<&str>, config: HttpConfig) -> Result<Http, ClientError> {
        install_crypto_provider();
        let pin_bytes = match pin {
            Some(p) => Some(parse_fingerprint(p).ok_or_else(|| {
                ClientError::protocol("the pinned certificate fingerprint is not a SHA-256 hex digest")
            })?),
            None => None,
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let platform: Arc<dyn ServerCertVerifier> = Arc::new(
            rustls_platform_verifier::Verifier::new(provider.clone())
                .map_err(|e| ClientError::Transport(format!("cannot load the system's trusted certificates: {e}")))?,
        );
        let tls_seen = Arc::new(Mutex::new(TlsObservation::default()));
        let verifier =
            Arc::new(PinningVerifier { platform, pin: pin_bytes, provider: provider.clone(), seen: tls_seen.clone() });
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| ClientError::Transport(format!("TLS setup failed: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        let build = |redirects: reqwest::redirect::Policy| {
            reqwest::Client::builder()
                .tls_backend_preconfigured(tls.clone())
                .connect_timeout(config.connect_timeout)
                .timeout(config.request_timeout)
                .pool_idle_timeout(Duration::from_secs(60))
                .user_agent(concat!("Roomdeck/", env!("CARGO_PKG_VERSION")))
                .redirect(redirects)
                .build()
                .map_err(|e| ClientError::Transport(format!("HTTP client setup failed: {}", e.without_url())))
        };
        let api = build(reqwest::redirect::Policy::none())?;
        let media = build(reqwest::redirect::Policy::limited(5))?;
        let mut base = base.clone();
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        Ok(Http {
            api,
            media,
            base,
            media_slots: Arc::new(Semaphore::new(config.media_concurrency.max(1))),
            config,
            pin: pin.map(str::to_string),
            tls_seen,
            requests: AtomicU64::new(0),
            cancel: Cancel::new(),
        })
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    /// Requests sent so far (retries included).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    pub fn cancel_token(&self) -> &Cancel {
        &self.cancel
    }

    /// Resolves `path` (`api/v1/rooms.get`, `/avatar/x`, or an absolute URL) against the server URL.
    pub fn url(&self, path: &str) -> Result<Url, ClientError> {
        if path.starts_with("http://") || path.starts_with("https://") {
            return Url::parse(path).map_err(|_| ClientError::protocol("the server gave an invalid URL"));
        }
        self.base
            .join(path.trim_start_matches('/'))
            .map_err(|_| ClientError::protocol("cannot build a request URL from the server address"))
    }

    /// Sends `req`, retrying where safe, and reads the body up to the cap for `purpose`.
    pub async fn send(&self, req: Request, purpose: Purpose) -> Result<Response, ClientError> {
        let _slot = match purpose {
            Purpose::Media => Some(self.media_slots.acquire().await.map_err(|_| ClientError::Cancelled)?),
            Purpose::Api => None,
        };
        let mut attempt = 0u32;
        loop {
            if self.cancel.is_cancelled() {
                return Err(ClientError::Cancelled);
            }
            let result = self.cancel.run(self.send_once(&req, purpose)).await.ok_or(ClientError::Cancelled)?;
            let retry_after = match &result {
                Ok(resp) if resp.status == StatusCode::TOO_MANY_REQUESTS => {
                    let at = rate_limit_reset(&resp.headers)
                        .unwrap_or_else(|| now_ms() + backoff_ms(self.config.backoff, attempt));
                    let wait = (at - now_ms()).max(0) as u64;
                    if attempt >= self.config.max_retries || wait > self.config.max_wait.as_millis() as u64 {
                        return Err(ClientError::RateLimited { retry_at_ms: at });
                    }
                    wait
                }
                Ok(resp) if resp.status == StatusCode::SERVICE_UNAVAILABLE && req.idempotent() => {
                    let at = rate_limit_reset(&resp.headers)
                        .unwrap_or_else(|| now_ms() + backoff_ms(self.config.backoff, attempt));
                    let wait = (at - now_ms()).max(0) as u64;
                    if attempt >= self.config.max_retries || wait > self.config.max_wait.as_millis() as u64 {
                        return result;
                    }
                    wait
                }
                Err(ClientError::Transport(_)) if req.idempotent() && attempt < self.config.max_retries.min(1) => {
                    backoff_ms(self.config.backoff, attempt) as u64
                }
                _ => return result,
            };
            attempt += 1;
            tracing::debug!(attempt, wait_ms = retry_after, "retrying request");
            self.cancel
                .run(tokio::time::sleep(Duration::from_millis(retry_after)))
                .await
                .ok_or(ClientError::Cancelled)?;
        }
    }

    async fn send_once(&self, req: &Request, purpose: Purpose) -> Result<Response, ClientError> {
        let client = match purpose {
            Purpose::Api => &self.api,
            Purpose::Media => &self.media,
        };
        let cap = match purpose {
            Purpose::Api => self.config.max_body_bytes,
            Purpose::Media => self.config.max_media_bytes,
        };
        let mut builder = client.request(req.method.clone(), req.url.clone()).headers(req.headers.clone());
        if let Some(body) = &req.body {
            builder = builder.body(body.clone());
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut resp = builder.send().await.map_err(|e| self.transport_error(&e))?;
        let status = resp.status();
        if let Some(len) = resp.content_length()
            && len as usize > cap
        {
            return Err(ClientError::protocol(format!(
                "the response is {} and over the {} limit",
                human_bytes(len as usize),
                human_bytes(cap)
            )));
        }
        let mut body = BytesMut::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.transport_error(&e))? {
            if body.len() + chunk.len() > cap {
                return Err(ClientError::protocol(format!("the response is over the {} limit", human_bytes(cap))));
            }
            body.extend_from_slice(&chunk);
        }
        if purpose == Purpose::Api && status.is_redirection() {
            return Err(ClientError::protocol(format!(
                "the server redirected an API call (HTTP {}); check the server address (https, path)",
                status.as_u16()
            )));
        }
        Ok(Response { status, headers: resp.headers().clone(), body: body.freeze() })
    }

    /// Turns a reqwest error into words without its URL, recognising certificate failures.
    fn transport_error(&self, e: &reqwest::Error) -> ClientError {
        if let Ok(mut seen) = self.tls_seen.lock()
            && seen.rejected
        {
            seen.rejected = false;
            let presented = seen.presented.clone().unwrap_or_default();
            return match &self.pin {
                Some(pin) => ClientError::CertificateChanged {
                    pinned: parse_fingerprint(pin).map(|p| fingerprint_hex(&p)).unwrap_or_else(|| pin.clone()),
                    presented,
                },
                None => ClientError::UntrustedCertificate { fingerprint: presented },
            };
        }
        let what = if e.is_timeout() {
            "the server did not answer in time".to_string()
        } else if e.is_connect() {
            format!("cannot connect to {}", self.base.host_str().unwrap_or("the server"))
        } else if e.is_body() || e.is_decode() {
            "the connection broke while reading the answer".to_string()
        } else if e.is_request() {
            "the request could not be sent".to_string()
        } else {
            "the connection failed".to_string()
        };
        let cause = root_cause(e);
        ClientError::Transport(if cause.is_empty() { what } else { format!("{what} ({cause})") })
    }
}

/// The innermost cause of an error, which names the OS-level problem without any URL.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e.source();
    let mut last = None;
    while let Some(c) = cur {
        last = Some(c);
        cur = c.source();
    }
    let text = last.map(|c| c.to_string()).unwrap_or_default();
    // Defensive: never let a URL through (it may carry a token).
    if text.contains("://") { String::new() } else { crate::error::clip(&text, 120) }
}

fn backoff_ms(base: Duration, attempt: u32) -> i64 {
    (base.as_millis() as i64).saturating_mul(1i64 << attempt.min(6))
}

/// When a rate limit resets, from `X-RateLimit-Reset` (Rocket.Chat: epoch ms; others: epoch
/// seconds or seconds from now) or `Retry-After` (seconds or an HTTP date).
pub fn rate_limit_reset(headers: &HeaderMap) -> Option<i64> {
    let now = now_ms();
    if let Some(v) = headers.get("x-ratelimit-reset").and_then(|v| v.to_str().ok())
        && let Ok(n) = v.trim().parse::<f64>()
        && n.is_finite()
        && n >= 0.0
    {
        let n = n as i64;
        return Some(if n > 100_000_000_000 {
            n
        } else if n > 1_000_000_000 {
            n * 1000
        } else {
            now + n * 1000
        });
    }
    let v = headers.get("retry-after").and_then(|v| v.to_str().ok())?;
    if let Ok(secs) = v.trim().parse::<u64>() {
        return Some(now + (secs.min(86_400) as i64) * 1000);
    }
    httpdate::parse_http_date(v.trim())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_millis() as i64)
}

pub fn human_bytes(n: usize) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MB", n as f64 / (1u64 << 20) as f64)
    } else if n >= 1 << 10 {
        format!("{:.1} KB", n as f64 / 1024.0)
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_round_trip() {
        let d = [0xABu8; 32];
        let s = fingerprint_hex(&d);
        assert!(s.starts_with("AB:AB:"));
        assert_eq!(parse_fingerprint(&s), Some(d));
        assert_eq!(parse_fingerprint(&s.replace(':', "").to_lowercase()), Some(d));
        assert_eq!(parse_fingerprint("abc"), None);
    }

    #[test]
    fn rate_limit_reset_understands_ms_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-reset", HeaderValue::from_static("1721119774732"));
        assert_eq!(rate_limit_reset(&h), Some(1_721_119_774_732));
        h.insert("x-ratelimit-reset", HeaderValue::from_static("1721119774"));
        assert_eq!(rate_limit_reset(&h), Some(1_721_119_774_000));
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert_eq!(rate_limit_reset(&h), Some(1_445_412_480_000));
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("5"));
        let at = rate_limit_reset(&h).unwrap_or(0);
        assert!((at - now_ms() - 5000).abs() < 1000);
    }
}
