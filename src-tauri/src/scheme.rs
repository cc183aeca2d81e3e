//! The `avatar:` URI scheme: thumbnails straight from the store to `<img>` tags, never as base64
//! over IPC.
//!
//! `avatar://localhost/room/{account}/{room}/{small|large}` and `…/user/{account}/{user}/{size}`
//! (on Windows `http://avatar.localhost/…`). Guards: only our own windows may ask, only GET, only
//! those two shapes with percent-decoded segments that are short and free of path tricks. The
//! handler is asynchronous: a thumbnail may be made from the cached original, or fetched on demand
//! from the server, without blocking the webview. Answers carry `nosniff`, a `default-src 'none'`
//! CSP and, since URLs carry a version parameter, a long immutable cache lifetime.

use std::sync::Arc;

use roomdeck_core::store::ThumbSize;
use roomdeck_core::{AvatarTarget, Roomdeck};
use tauri::http::{Request, Response, StatusCode, header};

/// Windows allowed to load avatars.
const WINDOWS: [&str; 2] = ["main", "picker"];

fn decode(seg: &str) -> Option<String> {
    let s = percent_decode(seg)?;
    let ok = !s.is_empty() && s.len() <= 256 && s != "." && s != ".." && !s.contains(['/', '\\', '\0']);
    ok.then_some(s)
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Parses the request path into what to serve.
pub fn parse(path: &str) -> Option<(AvatarTarget, ThumbSize)> {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let [kind, account, id, size] = parts.as_slice() else { return None };
    let account = decode(account)?;
    if !account.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let id = decode(id)?;
    let size = ThumbSize::parse(size)?;
    let target = match *kind {
        "room" => AvatarTarget::Room { account, room: id },
        "user" => AvatarTarget::User { account, user: id },
        _ => return None,
    };
    Some((target, size))
}

fn respond(status: StatusCode, mime: &str, body: Vec<u8>) -> Response<Vec<u8>> {
    let mut b = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, mime)
        .header("X-Content-Type-Options", "nosniff")
        .header("Content-Security-Policy", "default-src 'none'");
    if status == StatusCode::OK {
        b = b.header(header::CACHE_CONTROL, "max-age=31536000, immutable");
    }
    b.body(body).unwrap_or_else(|_| Response::new(Vec::new()))
}

/// Serves one request.
pub async fn serve(core: Arc<Roomdeck>, window: String, request: Request<Vec<u8>>) -> Response<Vec<u8>> {
    if !WINDOWS.contains(&window.as_str()) {
        return respond(StatusCode::FORBIDDEN, "text/plain", b"forbidden".to_vec());
    }
    if request.method() != "GET" {
        return respond(StatusCode::METHOD_NOT_ALLOWED, "text/plain", Vec::new());
    }
    let Some((target, size)) = parse(request.uri().path()) else {
        return respond(StatusCode::BAD_REQUEST, "text/plain", b"bad avatar path".to_vec());
    };
    match core.avatar(&target, size).await {
        Ok(Some(t)) => respond(StatusCode::OK, t.mime, t.bytes),
        Ok(None) => respond(StatusCode::NOT_FOUND, "text/plain", Vec::new()),
        Err(e) => {
            tracing::debug!("avatar failed: {e}");
            respond(StatusCode::INTERNAL_SERVER_ERROR, "text/plain", Vec::new())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_good_paths() {
        let (t, s) = parse("/room/rc1/GENERAL/small").unwrap();
        assert!(matches!(t, AvatarTarget::Room { ref account, ref room } if account == "rc1" && room == "GENERAL"));
        assert_eq!(s, ThumbSize::Small);
        assert!(parse("/user/sc1/abc%20def/large").is_some());
    }

    #[test]
    fn refuses_tricks() {
        for p in [
            "/room/rc1/../small",
            "/room/rc1/%2e%2e/small",
            "/room/rc1/a%2Fb/small",
            "/room/../x/small",
            "/room/rc1/x/huge",
            "/room/rc1/x",
            "/file/rc1/x/small",
            "/room/rc1/x/small/extra",
            "/room/r%00c/x/small",
            "/room/rc1/%zz/small",
            "/room/rc1//small",
        ] {
            assert!(parse(p).is_none(), "{p}");
        }
    }
}
