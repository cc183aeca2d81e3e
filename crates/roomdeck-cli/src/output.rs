//! Human and machine output: aligned tables, JSON, CSV, progress bars and relative times.
//! Lists are read from the cache a page at a time, so `rooms` and `export` stay flat in memory
//! with 100k rooms.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use roomdeck_core::{
    Account, AccountState, ArchivedFilter, Event, RoomInfo, RoomQuery, RoomRow, Roomdeck, SyncPhase, SyncReport,
};

use crate::Failure;

const PAGE: i64 = 1000;

/// "just now", "5 min ago", "3 h ago", "2 days ago".
pub fn ago(ms: i64) -> String {
    let d = (roomdeck_core::time::now_ms() - ms).max(0) / 1000;
    match d {
        0..=59 => "just now".into(),
        60..=3599 => format!("{} min ago", d / 60),
        3600..=86_399 => format!("{} h ago", d / 3600),
        _ => format!("{} days ago", d / 86_400),
    }
}

pub fn account_note(a: &Account) -> String {
    let who = a.username.clone().or(a.display_name.clone()).unwrap_or_default();
    let synced = a.last_sync_ms.map(|t| format!("last synced {}", ago(t))).unwrap_or_else(|| "never synced".into());
    let state = match a.state {
        AccountState::Ok => String::new(),
        AccountState::Offline => {
            format!(", offline since {}", a.offline_since_ms.map(ago).unwrap_or_else(|| "recently".into()))
        }
        AccountState::NeedsSignIn => ", needs sign-in".into(),
        AccountState::Error => {
            format!(", last sync failed: {}", a.last_error.as_ref().map(|e| e.message.as_str()).unwrap_or(""))
        }
    };
    format!("{} ({} {} at {}): {}{}", a.id, a.family.title(), who, a.server_url, synced, state)
}

fn table(header: &[&str], rows: &[Vec<String>]) -> std::io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = std::io::stdout().lock();
    let line = |cells: Vec<String>| -> String {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i + 1 == cells.len() {
                    c.clone()
                } else {
                    format!("{c}{}", " ".repeat(widths[i] - c.chars().count() + 2))
                }
            })
            .collect::<String>()
    };
    writeln!(out, "{}", line(header.iter().map(|h| h.to_string()).collect()))?;
    for r in rows {
        writeln!(out, "{}", line(r.clone()))?;
    }
    Ok(())
}

fn clip(s: &str, n: usize) -> String {
    let one_line: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if one_line.chars().count() > n {
        format!("{}…", one_line.chars().take(n - 1).collect::<String>())
    } else {
        one_line
    }
}

pub fn accounts_table(accounts: &[Account]) -> Result<(), Failure> {
    let rows: Vec<Vec<String>> = accounts
        .iter()
        .map(|a| {
            vec![
                a.id.clone(),
                a.family.as_str().into(),
                a.server_url.clone(),
                a.username.clone().unwrap_or_default(),
                a.state.as_str().into(),
                a.last_sync_ms.map(ago).unwrap_or_else(|| "never".into()),
                a.room_count.to_string(),
            ]
        })
        .collect();
    table(&["ID", "FAMILY", "SERVER", "USER", "STATE", "SYNCED", "ROOMS"], &rows)?;
    Ok(())
}

fn for_each_page(
    core: &Roomdeck,
    q: &RoomQuery,
    limit: i64,
    mut f: impl FnMut(&RoomRow) -> Result<(), Failure>,
) -> Result<i64, Failure> {
    let mut offset = 0;
    while offset < limit {
        let page = core.rooms(q, offset, PAGE.min(limit - offset))?;
        if page.rows.is_empty() {
            break;
        }
        for r in &page.rows {
            f(r)?;
        }
        offset += page.rows.len() as i64;
    }
    Ok(offset)
}

pub fn rooms(core: &Roomdeck, q: &RoomQuery, limit: i64, json: bool) -> Result<(), Failure> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        // A JSON array streamed page by page.
        write!(out, "[")?;
        let mut first = true;
        for_each_page(core, q, limit, |r| {
            write!(out, "{}\n  ", if first { "" } else { "," }).map_err(Failure::from)?;
            first = false;
            serde_json::to_writer(&mut out, r).map_err(|e| Failure { code: 5, message: e.to_string() })
        })?;
        writeln!(out, "{}]", if first { "" } else { "\n" })?;
        out.flush()?;
        return Ok(());
    }
    let mut rows = Vec::new();
    let n = for_each_page(core, q, limit, |r| {
        let badge = match (r.mentions, r.unread) {
            (m, _) if m > 0 => format!("@{m}"),
            (_, u) if u > 0 => u.to_string(),
            _ => String::new(),
        };
        rows.push(vec![
            r.id.clone(),
            r.kind.as_str().into(),
            format!("{}{}", if r.favorite { "★ " } else { "" }, clip(&r.name, 40)),
            badge,
            if r.last_activity_ms > 0 { ago(r.last_activity_ms) } else { String::new() },
            r.last_message.as_ref().map(|m| clip(&m.text, 50)).unwrap_or_default(),
        ]);
        Ok(())
    })?;
    drop(out);
    table(&["ROOM", "KIND", "NAME", "UNREAD", "ACTIVE", "LAST MESSAGE"], &rows)?;
    eprintln!("{n} rooms");
    Ok(())
}

pub fn room(info: &RoomInfo) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    let r = &info.row;
    writeln!(out, "{}  ({})", r.name, r.kind.as_str())?;
    writeln!(out, "id:       {}", r.id)?;
    writeln!(out, "server:   {}", info.server_url)?;
    if let Some(t) = &r.topic {
        writeln!(out, "topic:    {}", clip(t, 200))?;
    }
    if let Some(d) = &info.description {
        writeln!(out, "about:    {}", clip(d, 200))?;
    }
    if let Some(c) = &info.creator {
        writeln!(out, "creator:  {c}")?;
    }
    if let Some(t) = info.created_ms {
        writeln!(out, "created:  {}", roomdeck_core::time::format_iso(t))?;
    }
    if let Some(n) = r.member_count {
        writeln!(out, "members:  {n}")?;
    }
    if r.unread > 0 || r.mentions > 0 {
        writeln!(out, "unread:   {} ({} mentions)", r.unread, r.mentions)?;
    }
    if let Some(u) = &info.web_url {
        writeln!(out, "web:      {u}")?;
    }
    let details = serde_json::to_value(&info.details).unwrap_or_default();
    if let Some(obj) = details.as_object() {
        for (k, v) in obj.iter().filter(|(k, v)| *k != "family" && !v.is_null()) {
            writeln!(out, "{:<9} {}", format!("{k}:"), clip(&v.to_string(), 200))?;
        }
    }
    if let Some(note) = &info.members_note {
        writeln!(out, "members:  {note}")?;
    }
    for m in info.members.iter().take(50) {
        writeln!(
            out,
            "  {:<8} {} {}{}",
            m.status.clone().unwrap_or_default(),
            clip(&m.display_name, 40),
            m.username.as_ref().map(|u| format!("@{u}")).unwrap_or_default(),
            m.role.as_ref().map(|r| format!(" ({r})")).unwrap_or_default()
        )?;
    }
    if info.members.len() > 50 {
        writeln!(out, "  … and {} more (use --json for all)", info.members.len() - 50)?;
    }
    Ok(())
}

fn everything() -> RoomQuery {
    RoomQuery { archived: ArchivedFilter::Include, include_hidden: true, ..RoomQuery::default() }
}

pub fn export_json(core: &Roomdeck, out: &mut dyn Write) -> Result<i64, Failure> {
    write!(out, "[")?;
    let mut first = true;
    let n = for_each_page(core, &everything(), i64::MAX, |r| {
        write!(out, "{}\n  ", if first { "" } else { "," }).map_err(Failure::from)?;
        first = false;
        serde_json::to_writer(&mut *out, r).map_err(|e| Failure { code: 5, message: e.to_string() })
    })?;
    writeln!(out, "\n]")?;
    Ok(n)
}

/// RFC 4180 quoting.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

pub fn export_csv(core: &Roomdeck, out: &mut dyn Write) -> Result<i64, Failure> {
    writeln!(
        out,
        "id,account,family,remote_id,kind,name,topic,unread,mentions,favorite,archived,hidden,last_activity_ms,last_message_text,last_message_author,last_message_at_ms,member_count,has_avatar"
    )?;
    for_each_page(core, &everything(), i64::MAX, |r| {
        let lm = r.last_message.as_ref();
        let fields = [
            r.id.clone(),
            r.account.clone(),
            r.family.as_str().into(),
            r.remote_id.clone(),
            r.kind.as_str().into(),
            r.name.clone(),
            r.topic.clone().unwrap_or_default(),
            r.unread.to_string(),
            r.mentions.to_string(),
            r.favorite.to_string(),
            r.archived.to_string(),
            r.hidden.to_string(),
            r.last_activity_ms.to_string(),
            lm.map(|m| m.text.clone()).unwrap_or_default(),
            lm.and_then(|m| m.author.clone()).unwrap_or_default(),
            lm.map(|m| m.at_ms.to_string()).unwrap_or_default(),
            r.member_count.map(|n| n.to_string()).unwrap_or_default(),
            r.has_avatar.to_string(),
        ];
        writeln!(out, "{}", fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",")).map_err(Failure::from)
    })
}

pub fn sync_summary(core: &Roomdeck, reports: &[SyncReport]) -> Result<(), Failure> {
    let accounts: HashMap<String, Account> = core.accounts()?.into_iter().map(|a| (a.id.clone(), a)).collect();
    for r in reports {
        let rooms = accounts.get(&r.account).map(|a| a.room_count).unwrap_or(0);
        match &r.error {
            None => println!(
                "{}: {} rooms ({} changed, {} removed), {} pictures, {} requests, {:.1} s{}",
                r.account,
                rooms,
                r.rooms_changed,
                r.rooms_removed,
                r.avatars_fetched,
                r.requests,
                r.duration_ms as f64 / 1000.0,
                if r.full { ", full" } else { "" }
            ),
            Some(e) => println!("{}: failed ({}): {} — {} cached rooms kept", r.account, e.code, e.message, rooms),
        }
    }
    Ok(())
}

/// Progress bars fed by the core's sync events.
pub struct Progress {
    task: tokio::task::JoinHandle<()>,
}

impl Progress {
    pub fn start(core: &Arc<Roomdeck>, ids: &[String]) -> Progress {
        let multi = MultiProgress::new();
        let style = ProgressStyle::with_template("{prefix:>6} {spinner} {msg:<10} {bar:30} {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        let bars: HashMap<String, ProgressBar> = ids
            .iter()
            .map(|id| {
                let b = multi.add(ProgressBar::new(0));
                b.set_style(style.clone());
                b.set_prefix(id.clone());
                b.set_message("starting");
                b.enable_steady_tick(std::time::Duration::from_millis(120));
                (id.clone(), b)
            })
            .collect();
        let mut rx = core.subscribe();
        let task = tokio::spawn(async move {
            while let Ok(e) = rx.recv().await {
                if let Event::Progress { progress: p } = e
                    && let Some(b) = bars.get(&p.account)
                {
                    let phase = match p.phase {
                        SyncPhase::SigningIn => "signing in",
                        SyncPhase::Rooms => "rooms",
                        SyncPhase::Livechat => "livechat",
                        SyncPhase::Avatars => "pictures",
                        SyncPhase::Done => "done",
                    };
                    b.set_message(phase);
                    b.set_length(p.total.unwrap_or(p.done.max(1)));
                    b.set_position(p.done);
                    if p.phase == SyncPhase::Done {
                        b.finish_and_clear();
                    }
                }
            }
        });
        Progress { task }
    }

    pub async fn finish(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\"\n"), "\"say \"\"hi\"\"\n\"");
    }

    #[test]
    fn relative_times() {
        let now = roomdeck_core::time::now_ms();
        assert_eq!(ago(now), "just now");
        assert_eq!(ago(now - 5 * 60_000), "5 min ago");
        assert_eq!(ago(now - 3 * 3_600_000), "3 h ago");
        assert_eq!(ago(now - 2 * 86_400_000), "2 days ago");
    }
}
