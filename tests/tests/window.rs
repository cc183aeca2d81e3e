//! The real Roomdeck window, driven over WebDriver under Xvfb: what a user sees and does.
//!
//! Every test gets its own display, driver, app process and data directory (see the harness);
//! the fakes run in the test process. Expected values come from the core (the `roomdeck` CLI on
//! the same data directory) or from the fakes, never from the UI itself, so a UI that shows the
//! wrong rooms fails. A screenshot of every state lands in `tests/artifacts/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use anyhow::Result;
use roomdeck_e2e::fakes::Servers;
use roomdeck_e2e::{Harness, Window, cli};
use roomdeck_fakes::rocketchat::RcOptions;
use roomdeck_fakes::swapchat::ScOptions;
use roomdeck_fakes::virola::ViOptions;
use serde_json::{Value, json};

const CTRL: &str = "\u{E009}";
const ENTER: &str = "\u{E007}";
const DOWN: &str = "\u{E015}";
const PAGE_DOWN: &str = "\u{E00F}";
const ESCAPE: &str = "\u{E00C}";

/// The number the list shows in `#room-count` ("1,234 rooms" → 1234).
fn shown_count(w: &Window) -> usize {
    w.text_of("#room-count").unwrap().chars().filter(char::is_ascii_digit).collect::<String>().parse().unwrap_or(0)
}

/// Waits until `#room-count` shows `n`.
fn wait_count(w: &Window, n: usize, secs: u64) {
    w.wait(secs, &format!("{n} rooms in #room-count"), |w| Ok((shown_count(w) == n).then_some(())))
        .unwrap_or_else(|e| panic!("{e}; the list shows {:?}", w.text_of("#room-count").unwrap_or_default()));
}

/// The names of the rendered rows, top to bottom.
fn row_names(w: &Window) -> Vec<String> {
    let v = w
        .js(
            "return [...document.querySelectorAll('#room-list .room-row')]
               .sort((a, b) => Number(a.dataset.index) - Number(b.dataset.index))
               .map(r => r.querySelector('.room-name').textContent)",
            vec![],
        )
        .unwrap();
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap_or_default().to_string()).collect()
}

/// `roomdeck rooms --json …` on the test's data directory: what the core says the list holds.
fn core_rooms(h: &Harness, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["rooms", "--json"];
    all.extend_from_slice(args);
    let (code, out, err) = cli(h.data_dir(), &all, None);
    assert!(code == 0 || code == 4, "roomdeck rooms failed ({code}): {err}");
    serde_json::from_str::<Vec<Value>>(&out).unwrap()
}

/// The id of the selected option in a listbox (`#room-list .room-row`, `#picker .picker-row`).
fn selected_id(w: &Window, rows: &str) -> Option<String> {
    w.js(
        "const r = document.querySelector(arguments[0] + '[aria-selected=true]'); return r && r.dataset.id",
        vec![json!(rows)],
    )
    .ok()?
    .as_str()
    .map(str::to_string)
}

/// Waits until the room list has `id` selected.
fn wait_list_selected(w: &Window, id: &str) {
    w.wait(10, &format!("{id} selected in the list"), |w| {
        Ok((selected_id(w, "#room-list .room-row").as_deref() == Some(id)).then_some(()))
    })
    .unwrap();
}

/// Chooses a sort in `#sort` as the keyboard would (a native popup cannot be clicked over
/// WebDriver): focus, set, and the `change` event the UI listens to.
fn choose_sort(w: &Window, value: &str) {
    w.js(
        "const s = document.querySelector('#sort'); s.focus(); s.value = arguments[0];
         s.dispatchEvent(new Event('change', { bubbles: true }));",
        vec![json!(value)],
    )
    .unwrap();
}

/// Types into the search box; an empty text clears it with Escape, as a keyboard user would.
fn search(w: &Window, text: &str) {
    let input = w.find("#search").unwrap();
    if text.is_empty() {
        w.click(&input).unwrap();
        w.keys(&[ESCAPE]).unwrap();
    } else {
        w.clear(&input).unwrap();
        w.type_into(&input, text).unwrap();
    }
}

/// Clicks a filter chip and waits until it shows the wanted pressed state.
fn toggle_chip(w: &Window, css: &str, pressed: bool) {
    let c = w.find(css).unwrap();
    w.click(&c).unwrap();
    let want = if pressed { "true" } else { "false" };
    w.wait(5, &format!("{css} aria-pressed={want}"), |w| {
        Ok((w.attr(&w.find(css)?, "aria-pressed")?.as_deref() == Some(want)).then_some(()))
    })
    .unwrap();
}

/// Selects a room by id through the quick picker (the way a keyboard user goes to a room) and
/// waits for the info panel to show it.
fn open_room(w: &Window, name: &str, id: &str) {
    w.chord(&[CTRL, "k"]).unwrap();
    let input = w.wait_for("#picker-input", 5).unwrap();
    w.type_into(&input, name).unwrap();
    // Walk down to the wanted row (ranking may put another room with a similar name first).
    let pos = w
        .wait(10, &format!("{id} among the picker's rows"), |w| {
            let v = w.js(
                "return [...document.querySelectorAll('#picker .picker-row')].findIndex(r => r.dataset.id === arguments[0])",
                vec![json!(id)],
            )?;
            Ok(v.as_i64().filter(|i| *i >= 0))
        })
        .unwrap();
    for _ in 0..pos {
        w.keys(&[DOWN]).unwrap();
    }
    w.keys(&[ENTER]).unwrap();
    wait_list_selected(w, id);
    if w.count("#info-panel:not([hidden]) .info-name").unwrap() == 0
        || w.text_of("#info-panel .info-name").unwrap() != name
    {
        // Enter in the list opens the details.
        w.keys(&[ENTER]).unwrap();
    }
    w.wait(10, "the info panel for the picked room", |w| {
        Ok((w.text_of("#info-panel:not([hidden]) .info-name")? == name).then_some(()))
    })
    .unwrap();
}

/// First run: the empty state, "Try the demo", rooms from three families; then a setting changed
/// in the UI goes through a command into SQLite and is back after a restart, with the cached
/// list on screen at once.
#[test]
fn first_run_demo_and_a_setting_survive_a_restart() {
    let mut h = Harness::new("first-run-demo").unwrap();
    let w = h.launch().unwrap();
    w.wait_for("#empty-state", 10).unwrap();
    assert_eq!(w.text_of("#empty-state h1").unwrap(), "Welcome to Roomdeck");
    h.screenshot("empty");
    let w = h.window();
    w.click(&w.find("#try-demo").unwrap()).unwrap();
    w.wait(60, "three demo accounts", |w| Ok((w.count("#accounts .account-item")? == 3).then_some(()))).unwrap();
    // Every account syncs in the background; the list fills as they do.
    w.wait(120, "every demo account synced", |w| {
        Ok(w.js(
            "return [...document.querySelectorAll('#accounts .account-item')].every(a => a.dataset.state === 'ok')
               && document.querySelectorAll('#room-list .room-row').length > 0",
            vec![],
        )?
        .as_bool()
        .filter(|b| *b))
    })
    .unwrap();
    let expected = core_rooms(&h, &[]).len();
    assert!(expected > 100, "the demo holds {expected} rooms");
    wait_count(h.window(), expected, 60);
    let families: std::collections::HashSet<String> =
        core_rooms(&h, &[]).iter().map(|r| r["family"].as_str().unwrap().to_string()).collect();
    assert_eq!(families.len(), 3, "{families:?}");
    h.screenshot("demo");

    // Sort by name: the UI asks the core, the core writes SQLite.
    let w = h.window();
    choose_sort(w, "name");
    let by_name: Vec<String> =
        core_rooms(&h, &["--sort", "name"]).iter().take(5).map(|r| r["name"].as_str().unwrap().to_string()).collect();
    w.wait(10, "rows sorted by name", |w| Ok((row_names(w).get(..5) == Some(&by_name[..])).then_some(()))).unwrap();

    // Restart: the same sort, the same rooms, from the cache.
    h.close();
    let w = h.launch().unwrap();
    w.wait(10, "rows after the restart", |w| Ok((w.count("#room-list .room-row")? > 0).then_some(()))).unwrap();
    let sort = w.js("return document.querySelector('#sort').value", vec![]).unwrap();
    assert_eq!(sort, json!("name"), "the sort setting did not survive a restart");
    assert_eq!(row_names(w).get(..5), Some(&by_name[..]));
    wait_count(w, expected, 10);
    h.screenshot("restarted");
}

/// Search, filters, sort, the picker and the info panel of each family, against the core's answers.
#[test]
fn list_filters_search_picker_and_info_panels() {
    let servers = Servers::start(
        Some(RcOptions { rooms: 300, seed: 5, ..RcOptions::default() }),
        Some(ScOptions { rooms: 120, seed: 5, ..ScOptions::default() }),
        Some(ViOptions { rooms: 80, seed: 5, ..ViOptions::default() }),
    )
    .unwrap();
    let mut h = Harness::new("list-and-panels").unwrap();
    servers.seed(h.data_dir()).unwrap();
    let all = core_rooms(&h, &[]);
    let w = h.launch().unwrap();
    wait_count(w, all.len(), 20);
    // Activity order: the newest first, as the core sorts.
    let first: Vec<String> = all.iter().take(5).map(|r| r["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(row_names(w).get(..5), Some(&first[..]));
    h.screenshot("list");

    // Filters, one at a time, each matching the core's own filter.
    let w = h.window();
    for (chip, args) in
        [("unread", vec!["--unread"]), ("favorites", vec!["--favorites"]), ("archived", vec!["--archived"])]
    {
        let expected = core_rooms(&h, &args).len();
        assert!(expected > 0 && expected < all.len(), "{chip}: {expected} of {}", all.len());
        let css = format!("[data-filter={chip}]");
        toggle_chip(w, &css, true);
        wait_count(w, expected, 10);
        toggle_chip(w, &css, false);
        wait_count(w, all.len(), 10);
    }
    let dms = core_rooms(&h, &["--kind", "direct"]).len();
    toggle_chip(w, "[data-filter='kind:direct']", true);
    wait_count(w, dms, 10);
    toggle_chip(w, "[data-filter='kind:direct']", false);
    wait_count(w, all.len(), 10);

    // Search: accent- and case-folded, over name and topic, as the core answers.
    let target = all.iter().find(|r| r["family"] == "virola").unwrap();
    let name = target["name"].as_str().unwrap().to_string();
    let term: String = name.split_whitespace().next().unwrap().to_uppercase();
    let expected = core_rooms(&h, &["--search", &term]);
    search(w, &term);
    wait_count(w, expected.len(), 10);
    let shown = row_names(w);
    assert!(shown.contains(&name), "{name:?} not in {shown:?}");
    h.screenshot("search");
    let w = h.window();
    search(w, "");
    wait_count(w, all.len(), 10);

    // The info panel of each family, reached by keyboard through the picker.
    for family in ["rocketchat", "swapchat", "virola"] {
        let of_family = || all.iter().filter(|r| r["family"] == family && r["kind"] != "direct");
        let room = of_family()
            .find(|r| r["member_count"].as_u64().unwrap_or(0) > 0)
            .or_else(|| of_family().next())
            .unwrap_or_else(|| panic!("no {family} room"));
        let has_members = room["member_count"].as_u64().unwrap_or(0) > 0;
        let (id, name) = (room["id"].as_str().unwrap(), room["name"].as_str().unwrap());
        open_room(w, name, id);
        w.wait(10, &format!("the {family} section"), |w| {
            Ok((w.count(&format!("#info-panel .family-section[data-family={family}]"))? == 1).then_some(()))
        })
        .unwrap();
        if has_members {
            w.wait(15, "members from the cache", |w| Ok((w.count("#info-panel .member-row")? > 0).then_some(())))
                .unwrap();
        }
        let kind = w.text_of("#info-panel .info-kind").unwrap();
        assert!(!kind.is_empty());
        h.screenshot(&format!("info-{family}"));
    }

    // Omnichannel: the visitor and the agent's department from the fake.
    let lc = all.iter().find(|r| r["kind"] == "livechat").expect("a livechat room");
    open_room(w, lc["name"].as_str().unwrap(), lc["id"].as_str().unwrap());
    let (_, detail, _) = cli(h.data_dir(), &["room", lc["id"].as_str().unwrap(), "--json"], None);
    let detail: Value = serde_json::from_str(&detail).unwrap();
    let section = w.text_of("#info-panel .family-section").unwrap();
    let visitor = detail["details"]["visitor"]["name"]
        .as_str()
        .or(detail["details"]["visitor"]["username"].as_str())
        .or(detail["livechat"]["visitor"]["name"].as_str())
        .unwrap_or_default();
    if !visitor.is_empty() {
        assert!(section.contains(visitor), "visitor {visitor:?} not in {section:?}");
    }
    assert!(section.contains("Open") || section.contains("Closed"), "{section:?}");
    h.screenshot("info-livechat");
    drop(servers);
}

/// The quick picker by keyboard: Ctrl+K, type, arrows, Enter; Escape closes it.
#[test]
fn picker_by_keyboard() {
    let servers = Servers::start(Some(RcOptions { rooms: 400, seed: 8, ..RcOptions::default() }), None, None).unwrap();
    let mut h = Harness::new("picker").unwrap();
    servers.seed(h.data_dir()).unwrap();
    let all = core_rooms(&h, &[]);
    let w = h.launch().unwrap();
    wait_count(w, all.len(), 20);
    w.chord(&[CTRL, "k"]).unwrap();
    let input = w.wait_for("#picker-input", 5).unwrap();
    let active = w.js("return document.activeElement && document.activeElement.id", vec![]).unwrap();
    assert_eq!(active, json!("picker-input"), "the picker input must have focus");
    // Whole from its first frame: no fade or pop-in running (on a CPU-painted window each frame
    // of one repainted everything under the scrim).
    let animations = w
        .js(
            "const d = document.getElementById('picker');
             return [d.closest('.modal-backdrop'), d].map(e => getComputedStyle(e).animationName);",
            vec![],
        )
        .unwrap();
    assert_eq!(animations, json!(["none", "none"]), "the picker opens without a fade or pop-in");
    // Moving by keyboard past the rows in sight scrolls the active option into sight, filled in
    // (options out of sight are filled only when they come into it).
    // A keystroke asks for the options in sight and two more; the keyboard nearing their end
    // asks for the rest (up to 50).
    w.wait(5, "the recent rooms in the picker", |w| Ok((w.count("#picker .picker-row")? >= 10).then_some(()))).unwrap();
    let first = w.count("#picker .picker-row").unwrap();
    assert!(first < 30, "{first} options asked for with the picker's first answer");
    w.keys(&[PAGE_DOWN]).unwrap();
    w.wait(5, "the rest of the recent rooms", |w| Ok((w.count("#picker .picker-row")? >= 30).then_some(()))).unwrap();
    w.keys(&[PAGE_DOWN, PAGE_DOWN]).unwrap();
    let seen = w
        .js(
            "const list = document.getElementById('picker-list').getBoundingClientRect();
             const row = document.querySelector('#picker .picker-row[aria-selected=true]');
             const r = row.getBoundingClientRect();
             return [Number(row.dataset.index), r.top >= list.top - 1 && r.bottom <= list.bottom + 1,
                     row.querySelector('.picker-name').textContent, Math.round(r.height)];",
            vec![],
        )
        .unwrap();
    assert_eq!(seen[0], json!(24), "three pages down from the first option");
    assert_eq!(seen[1], json!(true), "the active option is in sight: {seen}");
    assert!(!seen[2].as_str().unwrap_or_default().is_empty(), "the active option shows its room: {seen}");
    assert_eq!(seen[3], json!(48), "options are as tall as the picker computes with");
    // An accent-folded, case-folded fuzzy query: a room's name without its accents.
    let target = &all[all.len() / 2];
    let name = target["name"].as_str().unwrap();
    let query: String = name.chars().filter(|c| c.is_alphanumeric()).take(6).collect::<String>().to_lowercase();
    w.type_into(&input, &query).unwrap();
    // The answer to the query (not the recent list shown on opening): the target is among the
    // rows, and every row shows which of its characters matched.
    let target_id = target["id"].as_str().unwrap();
    w.wait(10, "the picker's answer", |w| {
        let v = w.js(
            "const rows = [...document.querySelectorAll('#picker .picker-row')];
             return rows.length > 0 && rows.every(r => r.querySelector('mark.hl'))
               && rows.some(r => r.dataset.id === arguments[0]);",
            vec![json!(target_id)],
        )?;
        Ok(v.as_bool().filter(|b| *b))
    })
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let rows = w.count("#picker .picker-row").unwrap();
    assert!(rows <= 100, "{rows} picker rows in the DOM");
    h.screenshot("open");
    let w = h.window();
    w.keys(&[DOWN]).unwrap();
    let chosen = selected_id(w, "#picker .picker-row").expect("an active picker row");
    w.keys(&[ENTER]).unwrap();
    w.wait(5, "the picker to close", |w| Ok((w.count("#picker")? == 0).then_some(()))).unwrap();
    wait_list_selected(w, &chosen);
    // Escape closes an open picker without changing the selection.
    w.chord(&[CTRL, "k"]).unwrap();
    w.wait_for("#picker-input", 5).unwrap();
    w.keys(&[ESCAPE]).unwrap();
    w.wait(5, "the picker closed", |w| Ok((w.count("#picker")? == 0).then_some(()))).unwrap();
    assert_eq!(selected_id(w, "#room-list .room-row"), Some(chosen), "Escape must not change the selection");
    drop(servers);
}

/// Adding accounts in the dialog: a wrong password is shown next to the form, the Rocket.Chat
/// 2FA prompt asks for the code, and the Virola self-signed certificate shows its fingerprint
/// to pin.
#[test]
fn add_accounts_with_2fa_and_a_pinned_certificate() {
    let servers = Servers::start(
        Some(RcOptions { rooms: 50, seed: 3, ..RcOptions::default() }),
        None,
        Some(ViOptions { rooms: 30, seed: 3, password: "vi-Secret-7Qp2".into(), ..ViOptions::default() }),
    )
    .unwrap();
    let rc = servers.rc.as_ref().unwrap();
    let vi = servers.vi.as_ref().unwrap();
    let mut h = Harness::new("add-account").unwrap();
    h.env("RUST_LOG", "debug");
    let w = h.launch().unwrap();
    // Record everything the shell sends to the page (api.ts): scanned for secrets at the end.
    w.js("window.__roomdeck.ipcLog = [];", vec![]).unwrap();
    w.click(&w.find("#add-account").unwrap()).unwrap();
    w.wait_for("#account-dialog", 5).unwrap();
    w.click(&w.find("#account-dialog [data-family=rocketchat]").unwrap()).unwrap();
    let fill = |w: &Window, name: &str, value: &str| {
        let el = w.find(&format!("#account-dialog [name={name}]")).unwrap();
        w.clear(&el).unwrap();
        w.type_into(&el, value).unwrap();
    };
    // Empty fields: plain words next to the field, nothing sent.
    w.click(&w.find("#account-submit").unwrap()).unwrap();
    w.wait_for("#account-dialog .field-error[data-field=server_url]", 5).unwrap();
    fill(w, "server_url", rc.url());
    fill(w, "user", "bob");
    fill(w, "password", "wrong password");
    w.click(&w.find("#account-submit").unwrap()).unwrap();
    // The server's refusal, in plain words (not the earlier "enter the address" hint).
    let msg = w
        .wait(15, "the wrong-password error", |w| {
            let t = w.text_of(
                "#account-dialog .form-error, #account-dialog .field-error[data-field=password], #account-dialog .field-error[data-field=user]",
            )?;
            Ok((!t.trim().is_empty()).then_some(t))
        })
        .unwrap();
    assert!(msg.to_lowercase().contains("password") || msg.to_lowercase().contains("sign"), "{msg:?}");
    h.screenshot("wrong-password");
    let w = h.window();
    let fill = |w: &Window, name: &str, value: &str| {
        let el = w.find(&format!("#account-dialog [name={name}]")).unwrap();
        w.clear(&el).unwrap();
        w.type_into(&el, value).unwrap();
    };
    fill(w, "password", "roomdeck-2fa");
    w.click(&w.find("#account-submit").unwrap()).unwrap();
    w.wait_for("#account-dialog [name=code]", 15).unwrap();
    h.screenshot("2fa");
    let w = h.window();
    fill(w, "code", "246810");
    w.click(&w.find("#account-submit").unwrap()).unwrap();
    w.wait(20, "the Rocket.Chat account", |w| Ok((w.count("#accounts .account-item")? == 1).then_some(()))).unwrap();
    w.wait(60, "its rooms", |w| Ok((shown_count(w) > 0).then_some(()))).unwrap();

    // Virola over a self-signed certificate: the fingerprint to pin, then trust.
    w.click(&w.find("#add-account").unwrap()).unwrap();
    w.wait_for("#account-dialog", 5).unwrap();
    w.click(&w.find("#account-dialog [data-family=virola]").unwrap()).unwrap();
    let (user, password) = vi.credentials();
    fill(w, "server_url", vi.url());
    fill(w, "user", &user);
    fill(w, "password", &password);
    w.click(&w.find("#account-submit").unwrap()).unwrap();
    w.wait_for("#cert-prompt", 15).unwrap();
    let shown = w.text_of("#cert-fingerprint").unwrap();
    let norm = |s: &str| s.chars().filter(char::is_ascii_hexdigit).collect::<String>().to_uppercase();
    assert_eq!(norm(&shown), norm(&vi.server.fingerprint().unwrap()), "the prompt must show the server's fingerprint");
    h.screenshot("cert-prompt");
    let w = h.window();
    w.click(&w.find("#cert-trust").unwrap()).unwrap();
    w.wait(20, "the Virola account", |w| Ok((w.count("#accounts .account-item")? == 2).then_some(()))).unwrap();
    let (code, out, _) = cli(h.data_dir(), &["account", "list", "--json"], None);
    assert_eq!(code, 0);
    let accounts: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(accounts.len(), 2);
    w.wait(60, "both accounts synced", |w| {
        Ok(w.js(
            "return [...document.querySelectorAll('#accounts .account-item')].every(a => a.dataset.state === 'ok')",
            vec![],
        )?
        .as_bool()
        .filter(|b| *b))
    })
    .unwrap();
    wait_count(w, core_rooms(&h, &[]).len(), 30);
    h.screenshot("added");
    // The sessions the servers issued (signing out revokes them on the server, so take them now).
    let mut issued = rc.issued_tokens();
    issued.extend(vi.issued_secrets());
    assert!(issued.len() >= 2, "{issued:?}");

    // Sign out of Rocket.Chat: the account stays (cache kept) and asks to sign in again.
    let w = h.window();
    let menu = |w: &Window, account: &str, item: &str| {
        w.click(&w.find(&format!("#accounts .account-item[data-account={account}] .account-menu-btn")).unwrap())
            .unwrap();
        w.click(&w.wait_for(&format!(".menu .{item}"), 5).unwrap()).unwrap();
    };
    let rc_rooms = core_rooms(&h, &["--account", "rc1"]).len();
    menu(w, "rc1", "menu-signout");
    w.wait(10, "rc1 signed out", |w| {
        Ok((w
            .js("return document.querySelector('#accounts .account-item[data-account=rc1]').dataset.state", vec![])?
            == json!("needs_sign_in"))
        .then_some(()))
    })
    .unwrap();
    assert_eq!(core_rooms(&h, &["--account", "rc1"]).len(), rc_rooms, "signing out keeps the cache");
    // Remove Virola: gone from the sidebar, the list and the core.
    menu(w, "vi1", "menu-remove");
    w.click(&w.wait_for("#confirm-ok", 5).unwrap()).unwrap();
    w.wait(10, "vi1 removed", |w| Ok((w.count("#accounts .account-item")? == 1).then_some(()))).unwrap();
    wait_count(w, rc_rooms, 10);
    let (_, out, _) = cli(h.data_dir(), &["account", "list", "--json"], None);
    let accounts: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(accounts.len(), 1);
    assert!(core_rooms(&h, &["--account", "vi1"]).is_empty());

    // No secret reached the page (every IPC answer and event), the app's log or its data files.
    let ipc = w.js("return window.__roomdeck.ipcLog.join('\\n');", vec![]).unwrap();
    let ipc = ipc.as_str().unwrap_or_default().to_string();
    let kinds: std::collections::BTreeSet<String> = ipc
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| v["kind"].as_str().map(str::to_string))
        .collect();
    // Answers to the sign-in and the room queries, and the sync's events, were all recorded.
    for k in ["add_account", "query_rooms", "event"] {
        assert!(kinds.contains(k), "no {k} in the IPC log: {kinds:?}");
    }
    let mut secrets = vec!["roomdeck-2fa".to_string(), "wrong password".into(), "\"246810\"".into(), password.clone()];
    secrets.extend(issued);
    let mut places: Vec<(String, String)> = vec![("IPC".into(), ipc)];
    for f in roomdeck_e2e::files_under(h.data_dir()) {
        let bytes = std::fs::read(&f).unwrap_or_default();
        places.push((f.display().to_string(), String::from_utf8_lossy(&bytes).into_owned()));
    }
    assert!(places.iter().any(|(p, _)| p.ends_with(".log")), "no app log in the data directory");
    for (place, text) in &places {
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "a secret ({}…) is in {place}", &s[..4.min(s.len())]);
        }
    }
    drop(servers);
}

/// Offline: the servers are gone, the cached list is on screen with its avatars and each account
/// says it is offline. Then a revoked token: "needs sign-in", the cache untouched.
#[test]
fn offline_start_with_avatars_then_needs_sign_in() {
    let mut servers = Servers::start(
        Some(RcOptions { rooms: 120, seed: 4, ..RcOptions::default() }),
        Some(ScOptions { rooms: 60, seed: 4, ..ScOptions::default() }),
        None,
    )
    .unwrap();
    let mut h = Harness::new("offline").unwrap();
    servers.seed(h.data_dir()).unwrap();
    let all = core_rooms(&h, &[]);
    let with_avatar = all.iter().filter(|r| r["has_avatar"] == true).count();
    assert!(with_avatar > 0);
    servers.stop_all();
    let w = h.launch().unwrap();
    wait_count(w, all.len(), 10);
    // Real pictures (thumbnails from the cache through the avatar: scheme), decoded by the webview.
    w.wait(20, "avatars decoded in the rows", |w| {
        Ok(w.js(
            "return [...document.querySelectorAll('#room-list .room-row img')].filter(i => i.complete && i.naturalWidth > 0).length",
            vec![],
        )?
        .as_u64()
        .filter(|n| *n > 0))
    })
    .unwrap();
    w.wait(60, "every account offline", |w| {
        Ok(w.js(
            "const a = [...document.querySelectorAll('#accounts .account-item')]; return a.length === 2 && a.every(x => x.dataset.state === 'offline')",
            vec![],
        )?
        .as_bool()
        .filter(|b| *b))
    })
    .unwrap();
    assert!(w.text_of("#accounts").unwrap().to_lowercase().contains("offline"));
    h.screenshot("offline");
    h.close();

    // The servers are back, but the Rocket.Chat session was revoked.
    let servers = Servers::start(Some(RcOptions { rooms: 120, seed: 4, ..RcOptions::default() }), None, None).unwrap();
    let mut h2 = Harness::new("needs-sign-in").unwrap();
    servers.seed(h2.data_dir()).unwrap();
    let before = core_rooms(&h2, &[]).len();
    servers.rc.as_ref().unwrap().expire_tokens();
    let w = h2.launch().unwrap();
    wait_count(w, before, 10);
    w.wait(60, "needs sign-in", |w| {
        Ok(w.js("const a = document.querySelector('#accounts .account-item'); return a && a.dataset.state", vec![])?
            .as_str()
            .filter(|s| *s == "needs_sign_in")
            .map(|_| ()))
    })
    .unwrap();
    w.wait_for("#accounts .sign-in-again", 5).unwrap();
    assert_eq!(shown_count(w), before, "the cache must stay on screen");
    h2.screenshot("state");
}

/// Names, topics and messages with HTML and script are shown as text and never run.
#[test]
fn hostile_strings_are_inert() {
    let servers = Servers::start(
        Some(RcOptions { rooms: 60, seed: 6, hostile: true, ..RcOptions::default() }),
        Some(ScOptions { rooms: 30, seed: 6, hostile: true, ..ScOptions::default() }),
        Some(ViOptions { rooms: 30, seed: 6, hostile: true, ..ViOptions::default() }),
    )
    .unwrap();
    let mut h = Harness::new("hostile").unwrap();
    servers.seed(h.data_dir()).unwrap();
    let hostile: Vec<Value> =
        core_rooms(&h, &[]).into_iter().filter(|r| r["name"].as_str().unwrap_or_default().contains('<')).collect();
    assert!(hostile.len() >= 2, "the fakes serve hostile names");
    let previews: Vec<(String, String)> = core_rooms(&h, &[])
        .into_iter()
        .filter_map(|r| {
            let text = r["last_message"]["text"].as_str()?.to_string();
            text.contains('<').then(|| (r["name"].as_str().unwrap_or_default().to_string(), text))
        })
        .collect();
    let w = h.launch().unwrap();
    w.js("window.__pwned = 0; window.alert = () => { window.__pwned++; };", vec![]).unwrap();
    // Each hostile room, opened by keyboard: its name is shown as the very same text.
    for room in &hostile {
        let name = room["name"].as_str().unwrap();
        open_room(w, name, room["id"].as_str().unwrap());
        assert_eq!(w.text_of("#info-panel .info-name").unwrap(), name);
    }
    // Hostile last messages are on screen in their rows as text too.
    assert!(!previews.is_empty(), "the fakes serve hostile messages");
    for (name, text) in &previews {
        search(w, name);
        w.wait(10, "the row with a hostile preview", |w| {
            Ok(w.text_of("#room-list")?.contains(text.as_str()).then_some(()))
        })
        .unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    let title = w.js("return document.title", vec![]).unwrap();
    assert_ne!(title, json!("pwned"));
    let injected = w
        .js(
            "return document.querySelectorAll('img[src=x], #app script, svg[onload], [onerror], [onload]').length + (window.__pwned || 0)",
            vec![],
        )
        .unwrap();
    assert_eq!(injected, json!(0), "markup from the server became DOM or ran");
    h.screenshot("inert");
    drop(servers);
}

/// 20,000 rooms: scrolled to the very end, the last room is there and the DOM holds at most
/// ~100 row elements.
#[test]
fn twenty_thousand_rooms_scroll_to_the_end() {
    let servers =
        Servers::start(Some(RcOptions { rooms: 23_000, seed: 7, ..RcOptions::default() }), None, None).unwrap();
    let mut h = Harness::new("20k").unwrap();
    servers.seed(h.data_dir()).unwrap();
    let all = core_rooms(&h, &["--sort", "name"]);
    assert!(all.len() >= 20_000, "{} rooms", all.len());
    let w = h.launch().unwrap();
    wait_count(w, all.len(), 20);
    choose_sort(w, "name");
    let first = all[0]["name"].as_str().unwrap().to_string();
    w.wait(10, "name order", |w| Ok((row_names(w).first() == Some(&first)).then_some(()))).unwrap();
    let last = all.last().unwrap()["name"].as_str().unwrap().to_string();
    for _ in 0..3 {
        w.js("const s = document.querySelector('#room-list'); s.scrollTop = s.scrollHeight;", vec![]).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    w.wait(10, "the last room rendered", |w| Ok(row_names(w).contains(&last).then_some(()))).unwrap();
    let rows = w.count("#room-list .room-row").unwrap();
    assert!(rows <= 100, "{rows} row elements in the DOM");
    h.screenshot("end");
    drop(servers);
}

/// `roomdeck-app --pick`: only the picker; the chosen room is printed as JSON on stdout. Run
/// the way a script runs it (no WebDriver: stdout is ours), typed into with xdotool.
#[test]
fn pick_mode_prints_the_chosen_room() -> Result<()> {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let servers = Servers::start(Some(RcOptions { rooms: 100, seed: 2, ..RcOptions::default() }), None, None)?;
    let h = Harness::new("pick-mode")?;
    servers.seed(h.data_dir())?;
    let all = core_rooms(&h, &[]);
    // A room whose name is unique and plain ASCII (xdotool types it as keystrokes).
    let target = all
        .iter()
        .find(|r| {
            let n = r["name"].as_str().unwrap_or_default();
            n.len() > 4 && n.is_ascii() && all.iter().filter(|x| x["name"] == r["name"]).count() == 1
        })
        .expect("a uniquely named room");
    let name = target["name"].as_str().unwrap();
    let mut app = Command::new(roomdeck_e2e::binary("roomdeck-app"))
        .arg("--pick")
        .env("ROOMDECK_DATA_DIR", h.data_dir())
        .env("DISPLAY", h.display())
        .env("NO_AT_BRIDGE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let xdo = |args: &[&str]| {
        Command::new("xdotool")
            .args(args)
            .env("DISPLAY", h.display())
            .stdout(Stdio::null())
            .status()
            .map(|s| s.success())
    };
    let mut found = false;
    for _ in 0..100 {
        if xdo(&["search", "--name", "pick a room", "windowfocus", "--sync"])? {
            found = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(found, "the picker window did not appear");
    // The page needs a moment after the window maps to focus its input.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let _ = Command::new("import")
        .args(["-window", "root"])
        .arg(roomdeck_e2e::artifacts().join("pick-mode-window.png"))
        .env("DISPLAY", h.display())
        .status();
    assert!(xdo(&["type", "--delay", "30", name])?);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let _ = Command::new("import")
        .args(["-window", "root"])
        .arg(roomdeck_e2e::artifacts().join("pick-mode-typed.png"))
        .env("DISPLAY", h.display())
        .status();
    assert!(xdo(&["key", "Return"])?);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let status = loop {
        if let Some(s) = app.try_wait()? {
            break Some(s);
        }
        if std::time::Instant::now() > deadline {
            let _ = app.kill();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let mut out = String::new();
    app.stdout.take().unwrap().read_to_string(&mut out)?;
    assert_eq!(status.and_then(|s| s.code()), Some(0), "the picker must exit 0 after a pick; stdout: {out:?}");
    let line = out.lines().find(|l| l.starts_with('{')).unwrap_or_else(|| panic!("no JSON on stdout: {out:?}"));
    let v: Value = serde_json::from_str(line)?;
    assert_eq!(v["name"], json!(name), "{v}");
    assert_eq!(v["id"], target["id"]);
    assert_eq!(v["family"], json!("rocketchat"));
    drop(servers);
    Ok(())
}
