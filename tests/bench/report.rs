//! The printed table and `docs/performance.md`.

use std::process::Command;

use crate::Config;

/// One line of the table.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: &'static str,
    pub what: String,
    /// Roomdeck's figure (a median unless it says otherwise).
    pub value: String,
    pub spread: String,
    pub baseline: String,
    pub ratio: String,
    pub target: String,
    pub pass: bool,
    pub notes: Vec<String>,
}

fn cells(r: &Row) -> [String; 8] {
    [
        r.id.to_string(),
        r.what.clone(),
        r.value.clone(),
        r.spread.clone(),
        r.baseline.clone(),
        r.ratio.clone(),
        r.target.clone(),
        if r.pass { "ok".into() } else { "MISSED".into() },
    ]
}

const HEAD: [&str; 8] = ["id", "what", "Roomdeck (median)", "spread", "baseline (median)", "ratio", "target", "result"];

/// A plain-text table for the terminal.
pub fn table(rows: &[Row]) -> String {
    let all: Vec<[String; 8]> =
        std::iter::once(HEAD.map(String::from)).chain(rows.iter().map(cells)).collect::<Vec<_>>();
    let widths: Vec<usize> = (0..8).map(|i| all.iter().map(|c| c[i].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for (n, c) in all.iter().enumerate() {
        let line: Vec<String> =
            c.iter().zip(&widths).map(|(s, w)| format!("{s}{}", " ".repeat(w - s.chars().count()))).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
        if n == 0 {
            out.push_str(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "));
            out.push('\n');
        }
    }
    out
}

fn sh(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn machine() -> Vec<String> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(str::trim)
        .unwrap_or("unknown CPU")
        .to_string();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("MemTotal"))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|k| k.parse::<f64>().ok()))
        .map(|kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0))
        .unwrap_or_default();
    let os = std::fs::read_to_string("/etc/os-release")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME=").map(|v| v.trim_matches('"').to_string()))
        .unwrap_or_default();
    vec![
        format!("CPU: {model}, {cores} cores available"),
        format!("Memory: {mem}"),
        format!("OS: {os}, kernel {}", sh("uname", &["-r"])),
        format!("WebKitGTK under Xvfb (software rendering), {}", sh("rustc", &["--version"])),
    ]
}

/// `docs/performance.md`.
pub fn markdown(cfg: &Config, rows: &[Row], extra: &[String]) -> String {
    let mut md = String::new();
    md.push_str("# Performance\n\n");
    md.push_str("Written by `make bench` (tests/bench): every figure is measured side by side with its baseline in ");
    md.push_str("the same run, on the same machine, with the release builds. Values are medians of ");
    md.push_str(&format!("{} runs unless they say p95; the spread is min–max over the runs.\n\n", cfg.runs));
    md.push_str(&format!(
        "- Date: {} (commit {})\n",
        sh("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        sh("git", &["-C", &roomdeck_e2e::root().display().to_string(), "rev-parse", "--short", "HEAD"])
    ));
    for m in machine() {
        md.push_str(&format!("- {m}\n"));
    }
    md.push_str("\n| ");
    md.push_str(&HEAD.join(" | "));
    md.push_str(" |\n|");
    md.push_str(&"---|".repeat(HEAD.len()));
    md.push('\n');
    for r in rows {
        let c = cells(r).map(|s| s.replace('|', "\\|"));
        md.push_str(&format!("| {} |\n", c.join(" | ")));
    }
    md.push_str("\n## How each figure is taken\n\n");
    for r in rows {
        if r.notes.is_empty() {
            continue;
        }
        md.push_str(&format!("**{}: {}**\n", r.id, r.what));
        for n in &r.notes {
            md.push_str(&format!("- {n}\n"));
        }
        md.push('\n');
    }
    if !extra.is_empty() {
        md.push_str("## Other figures from the same run\n\n");
        for n in extra {
            md.push_str(&format!("- {n}\n"));
        }
    }
    md
}
