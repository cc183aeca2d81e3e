//! Switchable faults, per request pattern: what real networks and servers do to clients.
//!
//! A rule matches a method (or any) and a path glob (`*` = any characters), optionally skips the
//! first `skip` matches and fires `times` times (or forever). The server's fault layer applies the
//! first rule that fires: some faults replace the answer (status codes, rate limits, a hang, a
//! dropped connection), some let the handler run and then damage its answer (truncated JSON,
//! wrong types, a 10 MB field, a non-image or hostile image), and `ExpireToken` invalidates every
//! session before the handler runs (a token expiring in the middle of a sync).

use std::sync::Mutex;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Delay the answer.
    Latency(u64),
    /// Answer with this status and a proxy-style HTML body (500, 502, 503…).
    Status(u16),
    /// 429 with `X-RateLimit-Reset` (epoch ms) this far in the future, and `Retry-After`.
    RateLimit { reset_in_ms: u64 },
    /// Never answer (the client's timeout must fire).
    Timeout,
    /// Drop the connection without an answer.
    Reset,
    /// Cut the JSON body in half.
    TruncatedJson,
    /// Swap value types throughout the JSON body (strings ↔ numbers, booleans → strings).
    WrongTypes,
    /// Put a 10 MB string into the first record of the answer.
    HugeField,
    /// Invalidate every token/session, then handle the request (→ 401).
    ExpireToken,
    /// Serve an HTML error page as the image.
    NotAnImage,
    /// Serve a PNG claiming 100,000 × 100,000 pixels.
    ImageBomb,
    /// Serve an SVG carrying script.
    SvgScript,
}

impl Fault {
    /// Parses `status:503`, `ratelimit:2000`, `latency:300`, `timeout`, `reset`, `truncated`,
    /// `wrong-types`, `huge-field`, `expire-token`, `not-image`, `image-bomb`, `svg-script`.
    pub fn parse(s: &str) -> Option<Fault> {
        let (kind, arg) = s.split_once(':').unwrap_or((s, ""));
        let n = || arg.parse::<u64>().ok();
        Some(match kind {
            "latency" => Fault::Latency(n()?),
            "status" => Fault::Status(u16::try_from(n()?).ok()?),
            "ratelimit" => Fault::RateLimit { reset_in_ms: n().unwrap_or(2000) },
            "timeout" => Fault::Timeout,
            "reset" => Fault::Reset,
            "truncated" => Fault::TruncatedJson,
            "wrong-types" => Fault::WrongTypes,
            "huge-field" => Fault::HugeField,
            "expire-token" => Fault::ExpireToken,
            "not-image" => Fault::NotAnImage,
            "image-bomb" => Fault::ImageBomb,
            "svg-script" => Fault::SvgScript,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct FaultRule {
    pub method: Option<String>,
    pub pattern: String,
    pub fault: Fault,
    /// Fire this many times, then retire (None = forever).
    pub times: Option<u32>,
    /// Let this many matching requests through first.
    pub skip: u32,
}

impl FaultRule {
    pub fn new(pattern: &str, fault: Fault) -> Self {
        FaultRule { method: None, pattern: pattern.to_string(), fault, times: None, skip: 0 }
    }
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }
    pub fn skip(mut self, n: u32) -> Self {
        self.skip = n;
        self
    }
    pub fn method(mut self, m: &str) -> Self {
        self.method = Some(m.to_ascii_uppercase());
        self
    }

    /// Parses `PATTERN=FAULT[xTIMES]`, e.g. `/api/v1/rooms.get=status:503x2`.
    pub fn parse(s: &str) -> Option<FaultRule> {
        let (pattern, rest) = s.split_once('=')?;
        let (fault, times) = match rest.rsplit_once('x') {
            Some((f, t)) if t.chars().all(|c| c.is_ascii_digit()) && !t.is_empty() => (f, t.parse().ok()),
            _ => (rest, None),
        };
        Some(FaultRule { method: None, pattern: pattern.to_string(), fault: Fault::parse(fault)?, times, skip: 0 })
    }
}

/// `*` matches any run of characters.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

/// The rules of one server.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<FaultRule>>,
}

impl Faults {
    pub fn add(&self, rule: FaultRule) {
        if let Ok(mut r) = self.rules.lock() {
            r.push(rule);
        }
    }

    /// Adds a rule that fires forever for `pattern`.
    pub fn set(&self, pattern: &str, fault: Fault) {
        self.add(FaultRule::new(pattern, fault));
    }

    pub fn clear(&self) {
        if let Ok(mut r) = self.rules.lock() {
            r.clear();
        }
    }

    /// The fault for this request, if a rule fires.
    pub fn take(&self, method: &str, path: &str) -> Option<Fault> {
        let mut rules = self.rules.lock().ok()?;
        let mut fired = None;
        for rule in rules.iter_mut() {
            if rule.method.as_deref().is_some_and(|m| m != method) || !glob(&rule.pattern, path) {
                continue;
            }
            if rule.skip > 0 {
                rule.skip -= 1;
                continue;
            }
            if let Some(t) = rule.times.as_mut() {
                if *t == 0 {
                    continue;
                }
                *t -= 1;
            }
            fired = Some(rule.fault.clone());
            break;
        }
        rules.retain(|r| r.times != Some(0));
        fired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("/avatar/*", "/avatar/room/x"));
        assert!(glob("*", "/anything"));
        assert!(glob("/api/v1/*.get", "/api/v1/rooms.get"));
        assert!(!glob("/api/v1/rooms.get", "/api/v1/rooms.info"));
    }

    #[test]
    fn rules_skip_fire_and_retire() {
        let f = Faults::default();
        f.add(FaultRule::new("/x", Fault::Status(503)).skip(1).times(2));
        assert_eq!(f.take("GET", "/x"), None);
        assert_eq!(f.take("GET", "/x"), Some(Fault::Status(503)));
        assert_eq!(f.take("GET", "/x"), Some(Fault::Status(503)));
        assert_eq!(f.take("GET", "/x"), None);
        assert_eq!(
            FaultRule::parse("/a=status:502x3").map(|r| (r.fault, r.times)),
            Some((Fault::Status(502), Some(3)))
        );
        assert_eq!(FaultRule::parse("/a=timeout").map(|r| r.fault), Some(Fault::Timeout));
    }
}
