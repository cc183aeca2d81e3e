// DEV ONLY — screenshots and rough performance numbers of the built UI in headless Chromium,
// against the fake core in dev/mock-backend.ts. Not part of `npm test`.
//
//   npm run build
//   npm install --no-save playwright-core@1.65.1     # once; needs /usr/bin/chromium
//   node dev/shoot.mjs [shots|perf|all] [--only=name,name]
//
// Screenshots go to dev/screenshots/ (git-ignored). The page is served by `vite preview` with
// the same CSP header as the Tauri shell, so an inline style or script would show up as a
// console error here.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { preview } from "vite";

const here = dirname(fileURLToPath(import.meta.url));
const uiDir = join(here, "..");
const outDir = join(here, "screenshots");
const mode = process.argv[2] ?? "all";
const only = (process.argv.find((a) => a.startsWith("--only=")) ?? "").slice(7).split(",").filter(Boolean);
const PORT = 4173;
const BASE = `http://localhost:${PORT}/`;
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' avatar: http://avatar.localhost; connect-src ipc: http://ipc.localhost";

let chromium;
try {
  ({ chromium } = await import("playwright-core"));
} catch {
  console.error("playwright-core is missing: npm install --no-save playwright-core@1.65.1");
  process.exit(2);
}

mkdirSync(outDir, { recursive: true });
const bundle = await build({
  entryPoints: [join(here, "mock-backend.ts")],
  bundle: true,
  format: "iife",
  write: false,
  target: "es2022",
  logLevel: "warning",
});
const mockJs = bundle.outputFiles[0].text;

const server = await preview({ root: uiDir, logLevel: "warn", preview: { port: PORT, strictPort: true } });
// Playwright gives every launch a fresh temporary profile (it refuses --user-data-dir here).
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

const problems = [];

async function open(query, { width = 1280, height = 800, scale = 1, dark = false } = {}) {
  const context = await browser.newContext({
    viewport: { width, height },
    deviceScaleFactor: scale,
    colorScheme: dark ? "dark" : "light",
  });
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error" && !/avatar|ERR_UNKNOWN_URL_SCHEME|Failed to load resource/.test(m.text())) {
      problems.push(`${query}: ${m.text()}`);
    }
  });
  page.on("pageerror", (e) => problems.push(`${query}: ${e.message}`));
  if (!process.env.NOCSP) await page.route(`${BASE}**`, async (route) => {
    if (route.request().resourceType() !== "document") return route.continue();
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), "content-security-policy": CSP } });
  });
  await page.addInitScript({ content: mockJs });
  await page.goto(`${BASE}?${query}`);
  await page.waitForSelector("#app[data-ready]");
  return { page, context };
}

const shots = [];
async function shot(page, name, options = {}) {
  if (only.length && !only.includes(name)) return;
  const path = join(outDir, `${name}.png`);
  await page.waitForTimeout(options.wait ?? 250);
  if (options.element) await page.locator(options.element).screenshot({ path });
  else await page.screenshot({ path });
  shots.push(path);
}

async function waitRows(page) {
  await page.waitForSelector(".room-row[data-id]");
}

async function openRoomOfKind(page, kind) {
  const id = await page.evaluate((k) => window.__mock.firstOfKind(k), kind);
  await page.keyboard.press("Control+k");
  await page.waitForSelector("#picker-input");
  // Pick by exact id through the list: filter by kind, then click the row.
  await page.keyboard.press("Escape");
  await page.click(`[data-filter="kind:${kind}"]`);
  await page.waitForSelector(`.room-row[data-id="${id}"]`);
  await page.click(`.room-row[data-id="${id}"]`);
  await page.waitForSelector("#info-panel .info-name");
  await page.waitForSelector("#info-panel .refreshing", { state: "detached" });
  return id;
}

async function scrollPanelTo(page, selector) {
  await page.evaluate((sel) => {
    const el = document.querySelector(sel);
    const scroller = document.querySelector(".info-scroll");
    if (el && scroller) scroller.scrollTop = el.offsetTop - 12;
  }, selector);
}

async function runShots() {
  for (const dark of [false, true]) {
    const suffix = dark ? "dark" : "light";
    {
      const { page, context } = await open("scenario=empty", { dark });
      await page.waitForSelector("#empty-state:not([hidden])");
      await shot(page, `01-first-run-${suffix}`);
      if (!dark) {
        await page.click("#try-demo");
        await page.waitForSelector(".account-item[data-syncing=true]");
        await shot(page, "01b-demo-syncing", { wait: 600 });
      }
      await context.close();
    }
    {
      const { page, context } = await open("scenario=full", { dark });
      await waitRows(page);
      await shot(page, `02-list-${suffix}`, { wait: 400 });
      await context.close();
    }
  }
  {
    const { page, context } = await open("scenario=full");
    await waitRows(page);
    await page.click("#search");
    await page.keyboard.type("design");
    await page.click('[data-filter="unread"]');
    await page.click('[data-filter="kind:channel"]');
    await page.waitForTimeout(300);
    await page.click(".room-row[data-id]");
    await shot(page, "03-search-filters", { wait: 600 });
    await context.close();
  }
  for (const [kind, name, target] of [
    ["livechat", "04-info-livechat", ".livechat"],
    ["collection", "05-info-swapchat-collection", ".family-section"],
    ["private", "06-info-room", ".family-section"],
  ]) {
    const { page, context } = await open("scenario=full", { width: 1440, height: 900 });
    await waitRows(page);
    await openRoomOfKind(page, kind);
    await shot(page, name);
    if (target) {
      await scrollPanelTo(page, target);
      await shot(page, `${name}-details`, { element: "#info-panel" });
    }
    await context.close();
  }
  {
    // A Virola room: members note.
    const { page, context } = await open("scenario=full", { width: 1440, height: 900 });
    await waitRows(page);
    await page.click('[data-filter="account:vi-hq"]');
    await page.waitForTimeout(200);
    await page.click(".room-row[data-id]");
    await page.waitForSelector("#info-panel .members-note:not([hidden])");
    await page.waitForSelector("#info-panel .refreshing", { state: "detached" });
    await shot(page, "07-info-virola");
    await context.close();
  }
  for (const dark of [false, true]) {
    const { page, context } = await open("scenario=full", { dark });
    await waitRows(page);
    await page.keyboard.press("Control+k");
    await page.waitForSelector("#picker-input");
    await page.keyboard.type("dsgn tm");
    await page.waitForTimeout(200);
    await page.keyboard.press("ArrowDown");
    await shot(page, `08-picker-${dark ? "dark" : "light"}`);
    await context.close();
  }
  {
    const { page, context } = await open("scenario=full");
    await waitRows(page);
    await page.click("#add-account");
    await page.waitForSelector("#account-dialog");
    await shot(page, "09a-add-account");
    await page.fill('input[name="server_url"]', "https://chat.example.com");
    await page.fill('input[name="user"]', "ada");
    await page.fill('input[name="password"]', "wrong");
    await page.click("#account-submit");
    await page.waitForSelector('.field-error[data-field="password"]');
    await shot(page, "09-add-account-field-error");
    await page.fill('input[name="user"]', "2fa");
    await page.fill('input[name="password"]', "secret");
    await page.click("#account-submit");
    await page.waitForSelector('input[name="code"]');
    await shot(page, "10-add-account-2fa");
    await page.keyboard.press("Escape");
    await page.click("#add-account");
    await page.click('[data-family="swapchat"]');
    await page.fill('input[name="server_url"]', "https://self-signed.example.com");
    await page.fill('input[name="wallet_key"]', "ab".repeat(32));
    await page.click("#account-submit");
    await page.waitForSelector("#cert-prompt");
    await shot(page, "11-add-account-cert");
    await page.keyboard.press("Escape");
    await page.click("#add-account");
    await page.fill('input[name="server_url"]', "https://changed.example.com");
    await page.click('[data-method="token"]');
    await page.fill('input[name="user_id"]', "u123");
    await page.fill('input[name="token"]', "abcdefghijk");
    await page.click("#account-submit");
    await page.waitForSelector(".form-error");
    await shot(page, "11b-add-account-cert-changed");
    await page.keyboard.press("Escape");
    await shot(page, "12-account-statuses", { element: "#sidebar" });
    await page.click('.account-item[data-account="rc-open"] .account-menu-btn');
    await shot(page, "12b-account-menu", { element: "#sidebar" });
    await context.close();
  }
  {
    // Keyboard focus, a big member list scrolled to its end, the collapsed sidebar (dark).
    const { page, context } = await open("scenario=full&syncing=0", { dark: true });
    await waitRows(page);
    await page.click('[data-filter="kind:channel"]');
    await page.waitForTimeout(300);
    await page.evaluate(async () => {
      for (const r of document.querySelectorAll(".room-row[data-id]")) {
        r.click();
        await new Promise((x) => setTimeout(x, 450));
        const t = document.querySelector(".members-section .count")?.textContent ?? "0";
        if (Number(t.replace(/,/g, "")) > 1500) return;
      }
    });
    await page.evaluate(() => {
      const s = document.querySelector(".info-scroll");
      s.scrollTop = s.scrollHeight;
    });
    await shot(page, "15-members-end-dark", { wait: 400 });
    await page.focus("#room-list");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Escape");
    await shot(page, "16-keyboard-focus-dark");
    await page.click(".sidebar-collapse");
    await shot(page, "17-sidebar-collapsed-dark");
    await context.close();
  }
  {
    // 200% zoom of a 1200×780 window = a 600×390 CSS-px viewport at device scale 2.
    const { page, context } = await open("scenario=full", { width: 600, height: 390, scale: 2 });
    await waitRows(page);
    await shot(page, "13-zoom200");
    await page.click(".room-row[data-id]");
    await page.waitForSelector("#info-panel .info-name");
    await shot(page, "13b-zoom200-info-drawer", { wait: 500 });
    await page.keyboard.press("Escape");
    await page.click("#toggle-sidebar");
    await shot(page, "13c-zoom200-sidebar-drawer", { wait: 400 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    if (overflow) problems.push("horizontal overflow at 200% zoom");
    await context.close();
  }
  {
    const { page, context } = await open("scenario=pick", { width: 640, height: 460 });
    await page.waitForSelector(".picker-row");
    await page.keyboard.type("ada");
    await shot(page, "14-pick-mode");
    await context.close();
  }
}

function stats(xs) {
  if (!xs.length) return "n/a";
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  const avg = s.reduce((a, b) => a + b, 0) / s.length;
  return `n=${s.length} avg=${avg.toFixed(1)}ms p50=${q(0.5).toFixed(1)} p95=${q(0.95).toFixed(1)} max=${s[s.length - 1].toFixed(1)}`;
}

async function runPerf() {
  const { page, context } = await open("scenario=full&syncing=0", { width: 1280, height: 800 });
  await waitRows(page);
  // Experiments: EXTRA_CSS="…" NOCSP=1 node dev/shoot.mjs perf
  if (process.env.EXTRA_CSS) await page.addStyleTag({ content: process.env.EXTRA_CSS });
  await page.waitForTimeout(300);
  const marks = await page.evaluate(() => {
    const start = window.__mock.readyAt;
    return ["roomdeck:shell-painted", "roomdeck:list-painted"].map((n) => {
      const e = performance.getEntriesByName(n)[0];
      return `${n}=${e ? (e.startTime - start).toFixed(0) : "?"}ms`;
    });
  });
  console.log("marks (after the mock finished generating 100k rooms):", marks.join(" "));

  for (const speed of [60, 240]) {
  // Smooth scrolling: 300 frames at 60 px/frame (~3,600 px/s, a brisk wheel) and 240 px/frame (a fling).
  const smooth = await page.evaluate(
    (speed) =>
      new Promise((resolve) => {
        const list = document.getElementById("room-list");
        const r = window.__roomdeck;
        r.frameTimes.length = 0;
        r.recordFrames = true;
        let n = 0;
        let maxRows = 0;
        // Where the time of frames over 50 ms goes (Long Animation Frames API, Chromium).
        const loaf = { n: 0, script: 0, layout: 0, render: 0, total: 0 };
        const obs = new PerformanceObserver((list) => {
          for (const e of list.getEntries()) {
            loaf.n++;
            loaf.total += e.duration;
            loaf.script += e.scripts.reduce((a, s) => a + s.duration, 0);
            loaf.layout += e.styleAndLayoutStart ? e.startTime + e.duration - e.styleAndLayoutStart : 0;
            loaf.render += e.renderStart ? e.startTime + e.duration - e.renderStart : 0;
          }
        });
        try {
          obs.observe({ type: "long-animation-frame", buffered: false });
        } catch {
          /* not supported */
        }
        const step = () => {
          list.scrollTop += speed;
          maxRows = Math.max(maxRows, list.querySelectorAll(".room-row").length);
          if (++n < 300) requestAnimationFrame(step);
          else {
            r.recordFrames = false;
            obs.disconnect();
            const f = (x) => (loaf.n ? (x / loaf.n).toFixed(1) : "-");
            resolve({
              frames: [...r.frameTimes],
              maxRows,
              total: document.getElementById("room-count").textContent,
              loaf: `${loaf.n} over 50 ms; per long frame avg total ${f(loaf.total)} ms, script ${f(loaf.script)}, render ${f(loaf.render)}, style+layout+paint ${f(loaf.layout)}`,
            });
          }
        };
        requestAnimationFrame(step);
      }),
    speed,
  );
  console.log(`scroll (${speed}px/frame, ${smooth.total}): ${stats(smooth.frames)}; max .room-row elements ${smooth.maxRows}`);
  console.log(`  long frames: ${smooth.loaf}`);
  }

  // Scrollbar drags: jump to random positions every frame.
  const jumps = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const list = document.getElementById("room-list");
        const r = window.__roomdeck;
        r.frameTimes.length = 0;
        r.recordFrames = true;
        let n = 0;
        let seed = 7;
        const step = () => {
          seed = (seed * 1103515245 + 12345) % 2147483648;
          list.scrollTop = (seed / 2147483648) * (list.scrollHeight - list.clientHeight);
          if (++n < 120) requestAnimationFrame(step);
          else {
            r.recordFrames = false;
            resolve([...r.frameTimes]);
          }
        };
        requestAnimationFrame(step);
      }),
  );
  console.log(`random jumps (every frame): ${stats(jumps)}`);
  await page.waitForTimeout(500);
  const skeletons = await page.evaluate(() => document.querySelectorAll(".room-row.skeleton:not([hidden])").length);
  console.log(`skeleton rows left 500 ms after the last jump: ${skeletons}`);

  // Picker latency per keystroke.
  await page.keyboard.press("Control+k");
  await page.waitForSelector("#picker-input");
  await page.waitForTimeout(200);
  await page.evaluate(() => (window.__roomdeck.pickerTimings.length = 0));
  await page.keyboard.type("design team review", { delay: 60 });
  await page.waitForTimeout(300);
  const timings = await page.evaluate(() => [...window.__roomdeck.pickerTimings]);
  console.log(`picker input→painted (mock JS matcher over 100k rooms): ${stats(timings)}`);
  await page.keyboard.press("Escape");

  // Search box: keystroke → new list rows.
  const search = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const input = document.getElementById("search");
        const count = document.getElementById("room-count");
        const before = count.textContent;
        const t0 = performance.now();
        input.value = "général";
        input.dispatchEvent(new Event("input", { bubbles: true }));
        const poll = () => {
          if (count.textContent !== before) requestAnimationFrame(() => resolve(performance.now() - t0));
          else requestAnimationFrame(poll);
        };
        poll();
      }),
  );
  console.log(`search "général" → list updated: ${search.toFixed(0)} ms (incl. 80 ms debounce)`);

  // rooms_changed keeps scroll + selection.
  const kept = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const list = document.getElementById("room-list");
        const input = document.getElementById("search");
        input.value = "";
        input.dispatchEvent(new Event("input", { bubbles: true }));
        setTimeout(() => {
          list.scrollTop = 56 * 5000;
          setTimeout(() => {
            const row = [...list.querySelectorAll(".room-row[data-id]")].find((r) => !r.hidden);
            row.click();
            const id = row.dataset.id;
            const top = list.scrollTop;
            window.__mock.emit({ type: "rooms_changed", account: "rc-open" });
            setTimeout(() => {
              const sel = list.querySelector('.room-row[aria-selected="true"]');
              resolve({ scrollKept: list.scrollTop === top, selectionKept: sel?.dataset.id === id });
            }, 700);
          }, 300);
        }, 300);
      }),
  );
  console.log(`rooms_changed: scroll kept ${kept.scrollKept}, selection kept ${kept.selectionKept}`);

  // Picker → reveal: with a filter that hides the room, Enter clears filters, scrolls to it, opens info.
  await page.click('[data-filter="kind:collection"]');
  await page.waitForTimeout(300);
  await page.keyboard.press("Control+k");
  await page.waitForSelector("#picker-input");
  await page.keyboard.type("ops-weekly", { delay: 20 });
  await page.waitForTimeout(300);
  const pickedId = await page.getAttribute(".picker-row[aria-selected=true]", "data-id");
  const t0 = Date.now();
  await page.keyboard.press("Enter");
  await page.waitForSelector(`.room-row[data-id="${pickedId}"][aria-selected=true]`, { timeout: 5000 }).catch(() => null);
  const reveal = await page.evaluate((id) => {
    const row = document.querySelector(`.room-row[data-id="${id}"]`);
    const list = document.getElementById("room-list");
    const r = row?.getBoundingClientRect();
    const l = list.getBoundingClientRect();
    return {
      selected: row?.getAttribute("aria-selected") === "true",
      onScreen: !!r && r.top >= l.top && r.bottom <= l.bottom,
      index: Number(row?.dataset.index ?? -1),
      chipOff: document.querySelector('[data-filter="kind:collection"]').getAttribute("aria-pressed") === "false",
      panel: document.querySelector("#info-panel:not([hidden]) .info-name")?.textContent ?? null,
    };
  }, pickedId);
  console.log(`picker reveal of ${pickedId}: ${JSON.stringify(reveal)} in ${Date.now() - t0} ms`);
  await context.close();
}

try {
  if (mode === "shots" || mode === "all") await runShots();
  if (mode === "perf" || mode === "all") await runPerf();
} finally {
  await browser.close();
  await new Promise((r) => server.httpServer.close(r));
}
for (const s of shots) console.log("shot", s);
if (problems.length) {
  console.log("PROBLEMS:\n" + problems.join("\n"));
  process.exitCode = 1;
}
