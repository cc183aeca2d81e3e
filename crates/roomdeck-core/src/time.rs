//! Time stamps: everything in Roomdeck is i64 milliseconds since the Unix epoch, UTC.
//!
//! Servers speak ISO-8601 (Rocket.Chat), nanoseconds (SwapChat) and milliseconds (Virola); the
//! conversions live here so that no other module does arithmetic on calendar dates. A small
//! hand-written civil-date conversion (Howard Hinnant's algorithm) is all that is needed.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, in ms since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Parses an ISO-8601 / RFC 3339 date-time (`2024-07-16T08:49:34.732Z`, `…+02:00`, any number of
/// fraction digits, or a bare date) into ms since the epoch. `None` for anything else.
pub fn parse_iso(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let year = num(0..4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let month = num(5..7)? as u32;
    let day = num(8..10)? as u32;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    if b.len() == 10 {
        return Some(days * 86_400_000);
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(13) != Some(&b':') {
        return None;
    }
    let hour = num(11..13)?;
    let minute = num(14..16)?;
    let mut i = 16;
    let mut second = 0;
    if b.get(16) == Some(&b':') {
        second = num(17..19)?;
        i = 19;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') || b.get(i) == Some(&b',') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
        let frac = &b[start..i.min(start + 3)];
        let mut v = 0i64;
        for d in frac {
            v = v * 10 + i64::from(d - b'0');
        }
        for _ in frac.len()..3 {
            v *= 10;
        }
        millis = v;
    }
    let offset_min = match b.get(i) {
        None => 0,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) => {
            let oh = num(i + 1..i + 3)?;
            let om = match b.get(i + 3) {
                Some(b':') => num(i + 4..i + 6)?,
                None => 0,
                _ => num(i + 3..i + 5)?,
            };
            let total = oh * 60 + om;
            if *sign == b'+' { total } else { -total }
        }
        _ => return None,
    };
    Some(((days * 24 + hour) * 60 + minute - offset_min) * 60_000 + second * 1000 + millis)
}

/// Formats ms since the epoch the way JavaScript's `toISOString` does (what Rocket.Chat expects
/// back in `updatedSince`).
pub fn format_iso(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

/// SwapChat sends nanoseconds; some payloads send 0 for "unknown".
pub fn ns_to_ms(ns: i64) -> Option<i64> {
    if ns <= 0 { None } else { Some(ns / 1_000_000) }
}

/// Seconds (JWT claims) to ms.
pub fn secs_to_ms(s: i64) -> i64 {
    s.saturating_mul(1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_rocketchat_dates() {
        assert_eq!(parse_iso("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(parse_iso("2024-07-16T08:49:34.732Z"), Some(1_721_119_774_732));
        assert_eq!(parse_iso("2020-01-02T13:06:42.40Z"), Some(1_577_970_402_400));
        assert_eq!(parse_iso("2024-07-16T10:49:34.732+02:00"), Some(1_721_119_774_732));
        assert_eq!(parse_iso("2024-07-16"), Some(1_721_088_000_000));
        assert_eq!(parse_iso("2024-07-16T08:49Z"), Some(1_721_119_740_000));
    }

    #[test]
    fn rejects_garbage() {
        for s in [
            "",
            "yesterday",
            "2024-13-01T00:00:00Z",
            "2024-07-16T08:49:34.Z",
            "2024-07-16T08:49:34.732Zjunk",
            "2024-07-16X08",
        ] {
            assert_eq!(parse_iso(s), None, "{s}");
        }
    }

    #[test]
    fn formats_like_javascript() {
        assert_eq!(format_iso(1_721_119_774_732), "2024-07-16T08:49:34.732Z");
        assert_eq!(format_iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_iso(-1), "1969-12-31T23:59:59.999Z");
    }

    proptest! {
        #[test]
        fn round_trips(ms in -62_135_596_800_000i64..253_402_300_799_999i64) {
            prop_assert_eq!(parse_iso(&format_iso(ms)), Some(ms));
        }

        #[test]
        fn never_panics(s in ".{0,40}") {
            let _ = parse_iso(&s);
        }
    }
}
