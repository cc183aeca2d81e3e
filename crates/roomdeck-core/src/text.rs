//! Text helpers shared by the store, the picker and the avatar fallback: case and accent folding,
//! search-term parsing, initials and a stable hash.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower case without accents: `Ünïcödé Café` → `unicode cafe`. Used for name sorting and the
/// picker, so `e` finds `é` and `É`.
pub fn fold(s: &str) -> String {
    s.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
}

/// Turns what the user typed into an FTS5 query: every word becomes a quoted prefix term, so
/// punctuation and FTS syntax in the input are inert (`a"b OR c*` searches for words, never for
/// operators). Returns `None` when there is nothing to search for.
pub fn fts_query(input: &str) -> Option<String> {
    let terms: Vec<String> = input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .take(16)
        .map(|t| format!("\"{}\"*", t.replace('"', "")))
        .collect();
    if terms.is_empty() { None } else { Some(terms.join(" ")) }
}

/// Up to two initials of a name, for the fallback avatar (`Ops Team` → `OT`, `général` → `G`).
pub fn initials(name: &str) -> String {
    let words: Vec<&str> =
        name.split(|c: char| c.is_whitespace() || c == '-' || c == '_' || c == '.').filter(|w| !w.is_empty()).collect();
    let mut out = String::new();
    for w in words.iter().take(2) {
        if let Some(c) = w.chars().find(|c| c.is_alphanumeric()) {
            out.extend(c.to_uppercase());
        }
    }
    if out.is_empty() {
        out.extend(name.chars().find(|c| !c.is_whitespace()).map(|c| c.to_uppercase().to_string()));
    }
    out
}

/// 64-bit FNV-1a: stable across builds and platforms (unlike `DefaultHasher`), good enough to
/// notice that a stored row changed.
pub fn fnv1a(parts: &[&[u8]]) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in *part {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_and_accents() {
        assert_eq!(fold("Ünïcödé Café"), "unicode cafe");
        assert_eq!(fold("ÉQUIPE"), "equipe");
        assert_eq!(fold("Москва"), "москва");
        assert_eq!(fold("日本語"), "日本語");
    }

    #[test]
    fn search_terms_are_inert() {
        assert_eq!(fts_query("gen dev"), Some("\"gen\"* \"dev\"*".into()));
        assert_eq!(fts_query("a\"b OR c*"), Some("\"a\"* \"b\"* \"OR\"* \"c\"*".into()));
        assert_eq!(fts_query("  -- "), None);
    }

    #[test]
    fn initials_of_names() {
        assert_eq!(initials("Ops Team"), "OT");
        assert_eq!(initials("général"), "G");
        assert_eq!(initials("🚀 launch"), "L");
        assert_eq!(initials("🚀"), "🚀");
        assert_eq!(initials("alice.smith"), "AS");
    }
}
