/**
 * DEV ONLY — a fake Roomdeck core for screenshots and benchmarks in a plain browser.
 *
 * Bundled to an IIFE by dev/shoot.mjs and injected before the app loads (page.addInitScript),
 * it answers every IPC command through `mockIPC`. URL parameters choose a scenario:
 *   ?scenario=full|empty|pick   &rooms=100000   &latency=0 (ms per command)   &syncing=1
 * It generates deterministic rooms across 5 accounts (all three families) with names in many
 * scripts, hostile strings, unread/mention counts, livechat and NFT details.
 */
import { mockIPC } from "@tauri-apps/api/mocks";
import type {
  Account,
  AppInfo,
  Event,
  Family,
  Member,
  PickerHit,
  RoomDetails,
  RoomInfo,
  RoomKind,
  RoomPage,
  RoomQuery,
  RoomRow,
  SignInRequest,
  SyncReport,
} from "../src/bindings";

const params = new URLSearchParams(location.search);
const scenario = params.get("scenario") ?? "full";
const ROOM_COUNT = Math.max(10, Number(params.get("rooms") ?? "100000"));
const LATENCY = Number(params.get("latency") ?? "0");
const NOW = Date.now();

// ------------------------------------------------------------------------------- randomness

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = mulberry32(42);
const pickOne = <T,>(list: readonly T[], r = rnd): T => list[Math.floor(r() * list.length)] as T;

// ------------------------------------------------------------------------------- word lists

const PEOPLE = [
  "Ada Lovelace", "Grace Hopper", "Linus Berg", "Zoë Müller", "José Álvarez", "Chloé Dubois", "Søren Kierkegaard",
  "Мария Иванова", "Дмитрий Соколов", "Олена Коваль", "أحمد الخطيب", "فاطمة الزهراء", "יעל כהן", "山田 太郎", "佐藤 花子",
  "王伟", "李娜", "김민준", "이서연", "Nguyễn Văn An", "Αλέξης Παπαδόπουλος", "Priya Sharma", "राहुल वर्मा", "Kwame Mensah",
  "Ingrid Johansson", "Łukasz Nowak", "Émile Zola", "Björn Ström", "Aiko Tanaka", "Mateo Rossi", "Sofía García",
  "Olivia Chen", "Noah Williams", "Amara Okafor", "Tomás Silva", "Hana Kobayashi", "Ravi Patel", "Elif Yılmaz",
];
const ADJ = [
  "design", "backend", "frontend", "mobile", "infra", "security", "growth", "support", "sales", "marketing", "data",
  "platform", "release", "ops", "qa", "research", "product", "legal", "finance", "hiring", "general", "random",
  "général", "développement", "разработка", "поддержка", "新闻", "开发", "デザイン", "営業", "مناقشات", "الدعم", "개발",
  "επικοινωνία", "🚀 launch", "🎨 art", "📣 announcements", "☕ coffee", "🐛 bugs",
];
const NOUN = [
  "team", "review", "standup", "sync", "alerts", "chat", "lounge", "help", "ideas", "builds", "deploys", "reports",
  "weekly", "retro", "planning", "incidents", "feedback", "guild", "squad", "club", "остальное", "команда", "チーム",
  "团队", "فريق", "crew", "circle", "hub",
];
const MESSAGES = [
  "Sounds good, let's ship it tomorrow",
  "Can someone review my PR?",
  "The build is green again 🎉",
  "Мы обновили документацию",
  "هل يمكنك مراجعة هذا؟",
  "明日の会議は10時からです",
  "我已经修复了这个问题",
  "Meeting moved to 3pm",
  "👍",
  "Thanks! That fixed it.",
  "I'll take a look after lunch",
  "Release notes are up: v2.4.0",
  "<img src=x onerror=alert(1)> is not a bug",
  "Who broke staging? 😅",
  "See the attached screenshot",
  "Je reviens dans 5 minutes",
  "Customer says the export is slow",
  "¿Alguien tiene acceso al panel?",
];
const HOSTILE = [
  "<img src=x onerror=alert(1)>",
  "<script>alert('pwned')</script>",
  '"><svg onload=alert(document.domain)>',
  "Robert'); DROP TABLE rooms;--",
  "\u202Egnp.exe\u202C evil override",
  "<b>bold</b> &amp; <i>entities</i>",
];
const COLLECTIONS = ["Bored Ape Yacht Club", "Pudgy Penguins", "Azuki", "CryptoPunks", "Doodles", "Moonbirds", "Art Blocks", "Nouns DAO"];
const SPACES = ["Web3 AMA", "Builders Hour", "NFT Alpha Talk", "DeFi Morning", "Layer 2 Town Hall"];
const DEPARTMENTS = ["Sales", "Support", "Billing", "Onboarding"];
const SOURCES = ["widget", "email", "WhatsApp Cloud", "sms", "api"];
const TAGS = ["vip", "refund", "bug", "pricing", "trial", "enterprise", "churn-risk"];

// ------------------------------------------------------------------------------- accounts

function account(
  id: string,
  family: Family,
  server_url: string,
  display_name: string,
  username: string,
  color: string,
  state: Account["state"],
  extra: Partial<Account> = {},
): Account {
  return {
    id,
    family,
    server_url,
    user_id: `u-${id}`,
    username,
    display_name,
    auth: family === "swapchat" ? "wallet" : "password",
    color,
    cert_pin: null,
    state,
    last_error: null,
    last_sync_ms: NOW - 2 * 60_000,
    offline_since_ms: null,
    created_ms: NOW - 90 * 86400_000,
    room_count: 0,
    ...extra,
  };
}

const offlineSince = new Date(NOW);
offlineSince.setHours(Math.max(0, offlineSince.getHours() - 1), 42, 0, 0);

const ALL_ACCOUNTS: Account[] = [
  account("rc-open", "rocketchat", "https://open.rocket.chat", "Ada Lovelace", "ada", "#e8384f", "ok"),
  account("sw-main", "swapchat", "https://app.swapchat.io", "0x7a3f…c21e", "0x7a3fc21e", "#7b5cf0", "ok"),
  account("vi-hq", "virola", "https://virola.example.org", "Virola HQ", "ada.l", "#0b8fc9", "offline", {
    offline_since_ms: offlineSince.getTime(),
  }),
  account("rc-acme", "rocketchat", "https://support.acme.io", "Acme Support", "ada.support", "#d97706", "needs_sign_in", {
    last_error: { code: "unauthorized", message: "Your session expired." },
  }),
  account("vi-lab", "virola", "https://lab.virola.net", "Virola Lab", "ada", "#15935c", "error", {
    last_error: { code: "server", message: "Server answered 503 Service Unavailable" },
  }),
];
const DEMO_ACCOUNTS = [ALL_ACCOUNTS[0], ALL_ACCOUNTS[1], ALL_ACCOUNTS[2]].map((a) => ({
  ...(a as Account),
  state: "ok" as const,
  offline_since_ms: null,
  last_sync_ms: null,
}));

let accounts: Account[] = scenario === "empty" ? [] : ALL_ACCOUNTS.map((a) => ({ ...a }));
const SHARE: Record<string, number> = { "rc-open": 0.4, "sw-main": 0.2, "vi-hq": 0.15, "rc-acme": 0.15, "vi-lab": 0.1 };

// ------------------------------------------------------------------------------- rooms

const KINDS: Record<Family, [RoomKind, number][]> = {
  rocketchat: [["channel", 0.35], ["private", 0.2], ["direct", 0.22], ["discussion", 0.06], ["team", 0.04], ["livechat", 0.1], ["group_direct", 0.03]],
  swapchat: [["direct", 0.45], ["group_direct", 0.2], ["collection", 0.25], ["space", 0.1]],
  virola: [["channel", 0.4], ["private", 0.3], ["direct", 0.3]],
};

function weighted<T>(items: [T, number][], r: number): T {
  let acc = 0;
  for (const [v, w] of items) {
    acc += w;
    if (r < acc) return v;
  }
  return (items[items.length - 1] as [T, number])[0];
}

/** Folds one code point at a time so fold indices equal name code-point indices. */
function foldAligned(name: string): string {
  let out = "";
  for (const ch of name) {
    const f = ch.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
    const c = f.length > 0 ? (f.codePointAt(0) ?? 0) : 0;
    out += c > 0xffff || c === 0 ? "\uffff" : String.fromCharCode(c);
  }
  return out;
}

interface MockRoom {
  row: RoomRow;
  fold: string;
  topicFold: string;
  seed: number;
}

const rooms: MockRoom[] = [];
const byId = new Map<string, MockRoom>();
const accountCuts: [string, number][] = [];
{
  let acc = 0;
  for (const a of ALL_ACCOUNTS) {
    acc += SHARE[a.id] ?? 0;
    accountCuts.push([a.id, acc]);
  }
}

for (let i = 0; i < ROOM_COUNT; i++) {
  const seed = Math.floor(rnd() * 2 ** 31);
  const r = mulberry32(seed);
  const x = r();
  const accId = (accountCuts.find(([, cut]) => x < cut) ?? accountCuts[0] ?? ["rc-open", 1])[0];
  const acc = ALL_ACCOUNTS.find((a) => a.id === accId) as Account;
  const kind = weighted(KINDS[acc.family], r());
  let name: string;
  if (i % 997 === 13) name = HOSTILE[(i / 997) % HOSTILE.length | 0] as string;
  else if (kind === "direct") name = pickOne(PEOPLE, r);
  else if (kind === "group_direct") name = `${pickOne(PEOPLE, r).split(" ")[0]}, ${pickOne(PEOPLE, r).split(" ")[0]}, ${pickOne(PEOPLE, r).split(" ")[0]}`;
  else if (kind === "livechat") name = pickOne(PEOPLE, r);
  else if (kind === "collection") name = `${pickOne(COLLECTIONS, r)} #${Math.floor(r() * 9999)}`;
  else if (kind === "space") name = `${pickOne(SPACES, r)} · ${pickOne(ADJ, r)}`;
  else if (kind === "discussion") name = `${pickOne(["Re:", "Thread:", "Q:"], r)} ${pickOne(ADJ, r)} ${pickOne(NOUN, r)}`;
  else name = `${pickOne(ADJ, r)}-${pickOne(NOUN, r)}${r() < 0.5 ? `-${Math.floor(r() * 900) + 10}` : ""}`;

  const remote = `r${i.toString(36)}`;
  const ageRoll = r();
  const last = NOW - Math.floor(ageRoll * ageRoll * ageRoll * 900 * 86400_000) - Math.floor(r() * 60_000);
  const unread = r() < 0.14 ? Math.floor(r() * (r() < 0.1 ? 400 : 30)) + 1 : 0;
  const mentions = unread && r() < 0.35 ? Math.floor(r() * 4) + 1 : 0;
  const hasMsg = r() < 0.92;
  const author = kind === "direct" ? (r() < 0.5 ? name.split(" ")[0] ?? null : "You") : pickOne(PEOPLE, r).split(" ")[0] ?? null;
  const topic = r() < 0.35 ? (i % 1499 === 7 ? "<script>alert(1)</script> topic" : `All about ${name.replace(/-/g, " ")}`) : null;
  const members =
    kind === "direct" ? 2 : kind === "group_direct" ? 3 + Math.floor(r() * 5) : kind === "livechat" ? 2 : Math.floor(r() * r() * 6000) + 3;
  const row: RoomRow = {
    id: `${accId}:${remote}`,
    account: accId,
    family: acc.family,
    remote_id: remote,
    kind,
    name,
    topic,
    unread,
    mentions,
    alert: unread > 0,
    favorite: r() < 0.03,
    archived: r() < 0.04,
    hidden: r() < 0.02,
    last_activity_ms: last,
    last_message: hasMsg
      ? { text: i % 1201 === 11 ? (HOSTILE[1] as string) : pickOne(MESSAGES, r), author, at_ms: last }
      : null,
    member_count: members,
    has_avatar: r() < 0.3,
    avatar_version: "1",
  };
  const m: MockRoom = { row, fold: foldAligned(name), topicFold: topic ? foldAligned(topic) : "", seed };
  rooms.push(m);
  byId.set(row.id, m);
}

for (const a of accounts) a.room_count = rooms.filter((m) => m.row.account === a.id).length;

const byActivity = rooms.slice().sort((a, b) => b.row.last_activity_ms - a.row.last_activity_ms);
const byName = rooms.slice().sort((a, b) => (a.fold < b.fold ? -1 : a.fold > b.fold ? 1 : 0));

// ------------------------------------------------------------------------------- queries

const queryCache = new Map<string, MockRoom[]>();

function filtered(q: RoomQuery): MockRoom[] {
  const key = JSON.stringify(q) + accounts.map((a) => a.id).join(",");
  const hit = queryCache.get(key);
  if (hit) return hit;
  const live = new Set(accounts.map((a) => a.id));
  const accs = q.accounts.length ? new Set(q.accounts) : null;
  const kinds = q.kinds.length ? new Set(q.kinds) : null;
  const s = q.search ? foldAligned(q.search.trim()) : "";
  const base = q.sort === "name" ? byName : byActivity;
  const out = base.filter(({ row, fold, topicFold }) => {
    if (!live.has(row.account)) return false;
    if (accs && !accs.has(row.account)) return false;
    if (kinds && !kinds.has(row.kind)) return false;
    if (q.unread_only && row.unread === 0 && row.mentions === 0) return false;
    if (q.favorites_only && !row.favorite) return false;
    if (q.archived === "exclude" && row.archived) return false;
    if (q.archived === "only" && !row.archived) return false;
    if (row.hidden && !q.include_hidden && !s) return false;
    if (s && !fold.includes(s) && !topicFold.includes(s)) return false;
    return true;
  });
  if (queryCache.size > 8) queryCache.clear();
  queryCache.set(key, out);
  return out;
}

function queryRooms(q: RoomQuery, offset: number, limit: number): RoomPage {
  const list = filtered(q);
  return { total: list.length, offset, rows: list.slice(offset, offset + Math.min(limit, 500)).map((m) => m.row) };
}

let lastPick: { q: string; idx: MockRoom[] } | null = null;

function matchName(fold: string, q: string): { score: number; positions: number[] } | null {
  const positions: number[] = [];
  let from = 0;
  let score = 0;
  let prev = -2;
  for (const ch of q) {
    if (ch === " ") continue;
    const at = fold.indexOf(ch, from);
    if (at < 0) return null;
    positions.push(at);
    const wordStart = at === 0 || /[\s\-_.#,:·]/.test(fold[at - 1] ?? "");
    score += at === prev + 1 ? 12 : wordStart ? 9 : 2;
    score -= Math.min(5, at - from);
    prev = at;
    from = at + 1;
  }
  score -= fold.length * 0.1;
  return { score, positions };
}

function pick(query: string, limit: number): PickerHit[] {
  const live = new Set(accounts.map((a) => a.id));
  const q = foldAligned(query.trim());
  if (!q) {
    lastPick = null;
    const out: PickerHit[] = [];
    for (const m of byActivity) {
      if (!live.has(m.row.account) || m.row.archived) continue;
      out.push({ row: m.row, score: 0, positions: [] });
      if (out.length >= limit) break;
    }
    return out;
  }
  // Narrowing: a longer query only searches the previous query's matches.
  const pool = lastPick && q.startsWith(lastPick.q) ? lastPick.idx : rooms;
  const matched: MockRoom[] = [];
  const top: PickerHit[] = [];
  for (const m of pool) {
    if (!live.has(m.row.account)) continue;
    const hit = matchName(m.fold, q);
    if (!hit) continue;
    matched.push(m);
    const recency = (m.row.last_activity_ms - NOW) / (86400_000 * 30);
    const score = hit.score + Math.max(-6, recency) + (m.row.favorite ? 3 : 0);
    if (top.length < limit || score > (top[top.length - 1] as PickerHit).score) {
      let i = top.length;
      while (i > 0 && (top[i - 1] as PickerHit).score < score) i--;
      top.splice(i, 0, { row: m.row, score, positions: hit.positions });
      if (top.length > limit) top.pop();
    }
  }
  lastPick = { q, idx: matched };
  return top;
}

// ------------------------------------------------------------------------------- room info

function details(m: MockRoom): RoomDetails {
  const r = mulberry32(m.seed ^ 0x5eed);
  const row = m.row;
  if (row.family === "rocketchat") {
    return {
      family: "rocketchat",
      handle: row.kind === "channel" || row.kind === "private" ? row.name.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "-") : null,
      team_main: row.kind === "team",
      team_id: row.kind === "team" || r() < 0.1 ? `T${Math.floor(r() * 1e6)}` : null,
      parent_id: row.kind === "discussion" ? `GENERAL${Math.floor(r() * 100)}` : null,
      read_only: r() < 0.1,
      encrypted: row.kind === "private" && r() < 0.4,
      broadcast: r() < 0.05,
      announcement: r() < 0.2 ? "Maintenance window on Saturday 02:00–04:00 UTC. <b>Not bold</b>" : null,
      livechat:
        row.kind === "livechat"
          ? {
              visitor_name: row.name,
              visitor_username: `guest-${Math.floor(r() * 99999)}`,
              visitor_status: pickOne(["online", "away", "offline"], r),
              source: pickOne(SOURCES, r),
              agent: pickOne(PEOPLE, r),
              department: pickOne(DEPARTMENTS, r),
              open: r() < 0.6,
              on_hold: r() < 0.15,
              waiting_response: r() < 0.3,
              tags: TAGS.filter(() => r() < 0.3),
              closed_ms: row.last_activity_ms,
              closer: pickOne(["agent", "visitor", null], r),
              first_response_s: Math.floor(r() * 400) + 5,
              avg_response_s: Math.floor(r() * 200) + 20,
              responses: Math.floor(r() * 40) + 1,
              duration_s: Math.floor(r() * 7200) + 60,
            }
          : null,
    };
  }
  if (row.family === "swapchat") {
    const coll = row.kind === "collection" ? row.name.replace(/ #\d+$/, "") : null;
    return {
      family: "swapchat",
      collection_name: coll,
      collection_slug: coll ? coll.toLowerCase().replace(/\s+/g, "-") : null,
      collection_cover: coll ? "ipfs://bafy…cover" : null,
      space_id: row.kind === "space" ? `1YqKDo${Math.floor(r() * 1e6)}` : null,
      space_title: row.kind === "space" ? `${row.name} — live every Thursday` : null,
    };
  }
  return {
    family: "virola",
    room_type: row.kind === "direct" ? "private chat" : row.kind === "private" ? "closed room" : "public room",
    moderator: r() < 0.3,
    pinned: r() < 0.15,
    last_message_id: Math.floor(r() * 1e6),
  };
}

const STATUSES = ["online", "online", "away", "busy", "offline", "offline", "offline", null];
const ROLES = ["owner", "moderator", "leader"];

function members(m: MockRoom, complete: boolean): Member[] {
  const r = mulberry32(m.seed ^ 0xbeef);
  const n = Math.min(m.row.member_count ?? 0, complete ? 20_000 : 50);
  const out: Member[] = [];
  for (let i = 0; i < n; i++) {
    const name = i === 2 && m.row.kind !== "direct" ? HOSTILE[0] as string : pickOne(PEOPLE, r);
    out.push({
      id: `user${i}-${m.seed % 1000}`,
      username: i === 5 ? null : `${(name.split(" ")[0] ?? "user").toLowerCase()}${i}`,
      display_name: name,
      status: pickOne(STATUSES, r),
      role: i < 2 ? (ROLES[i] ?? null) : i % 37 === 0 ? "moderator" : null,
      has_avatar: r() < 0.4,
      avatar_version: "1",
    });
  }
  return out;
}

function roomInfo(id: string, fresh: boolean): RoomInfo {
  const m = byId.get(id);
  if (!m) throw { code: "not_found", message: `No room ${id}`, field: null, fingerprint: null };
  const acc = ALL_ACCOUNTS.find((a) => a.id === m.row.account) as Account;
  const r = mulberry32(m.seed ^ 0xc0de);
  const virola = m.row.family === "virola";
  const offline = accounts.find((a) => a.id === acc.id)?.state === "offline";
  const complete = fresh && !offline;
  const list = virola ? [] : members(m, complete);
  return {
    ...m.row,
    description: r() < 0.5 ? `Where the ${m.row.name} folks hang out.\nPlease keep it friendly — <i>no HTML here</i>.` : null,
    creator: m.row.kind === "direct" ? null : pickOne(PEOPLE, r),
    created_ms: NOW - Math.floor(r() * 1000 * 86400_000),
    server_url: acc.server_url,
    web_url: m.row.family === "swapchat" ? null : `${acc.server_url}/channel/${m.row.remote_id}`,
    members: list,
    members_complete: virola ? false : complete || (m.row.member_count ?? 0) <= 50,
    members_synced_ms: fresh ? Date.now() : NOW - 3600_000,
    members_note: virola
      ? "Virola servers do not list room members."
      : offline
        ? "Offline — showing the members cached at the last sync."
        : null,
    details: details(m),
  };
}

// ------------------------------------------------------------------------------- events

let channel: { onmessage: (e: Event) => void } | null = null;
const emit = (e: Event): void => channel?.onmessage(e);

function simulateSync(id: string, ms = 1500): Promise<void> {
  const total = rooms.filter((m) => m.row.account === id).length;
  const steps = 12;
  return new Promise((resolve) => {
    emit({ type: "progress", progress: { account: id, phase: "signing_in", done: 0, total: null } });
    let i = 0;
    const t = setInterval(() => {
      i += 1;
      emit({ type: "progress", progress: { account: id, phase: "rooms", done: Math.round((total * i) / steps), total } });
      if (i % 4 === 0) emit({ type: "rooms_changed", account: id });
      if (i >= steps) {
        clearInterval(t);
        emit({ type: "progress", progress: { account: id, phase: "done", done: total, total } });
        const a = accounts.find((x) => x.id === id);
        if (a) {
          a.state = "ok";
          a.last_sync_ms = Date.now();
          a.offline_since_ms = null;
          a.last_error = null;
          emit({ type: "account_updated", account: { ...a } });
        }
        emit({ type: "rooms_changed", account: id });
        resolve();
      }
    }, ms / steps);
  });
}

// ------------------------------------------------------------------------------- sign-in

function err(code: string, message: string, field: string | null = null, fingerprint: string | null = null): never {
  throw { code, message, field, fingerprint };
}

const FINGERPRINT =
  "3F:A9:1C:77:E2:04:B5:6D:90:1E:C8:43:AA:5F:12:D7:6B:E0:39:84:0C:FD:57:21:9A:B3:6E:C4:08:71:DD:2A";

function signIn(req: SignInRequest): void {
  const url = req.server_url.trim();
  if (!url) err("invalid_input", "Enter the server address.", "server_url");
  if (!/^https?:\/\//.test(url)) err("invalid_input", "The address must start with https://", "server_url");
  if (url.includes("unreachable")) err("network", `Could not reach ${new URL(url).host}: connection refused.`, "server_url");
  if (url.includes("changed")) err("certificate_changed", "Pinned SHA-256 was 3F:A9:…:2A, now 91:0B:…:7C.");
  if (url.includes("self-signed") && req.cert_pin !== FINGERPRINT) err("untrusted_certificate", "The certificate is self-signed.", null, FINGERPRINT);
  if (req.method === "password") {
    if (req.password === "wrong") err("unauthorized", "Wrong username or password.", "password");
    if (req.family === "rocketchat" && req.user === "2fa") {
      if (!req.code) err("needs_second_factor", "Enter the 6-digit code from your authenticator app.");
      if (req.code !== "123456") err("unauthorized", "That code is not valid. Codes change every 30 seconds.", "code");
    }
  }
  if (req.method === "wallet" && !/^(0x)?[0-9a-f]{64}$/i.test(req.wallet_key ?? "")) err("invalid_input", "Not a valid wallet key.", "wallet_key");
  if (req.method === "token" && (req.token ?? "").length < 8) err("unauthorized", "The server rejected this token.", "token");
}

// ------------------------------------------------------------------------------- IPC

const settings = new Map<string, string>();
const log: { cmd: string; args: unknown }[] = [];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function handle(cmd: string, args: Record<string, unknown>): Promise<unknown> {
  if (LATENCY > 0) await sleep(LATENCY);
  switch (cmd) {
    case "app_info":
      return {
        version: "0.1.0-dev",
        data_dir: "/tmp/roomdeck-mock",
        pick_mode: scenario === "pick",
        demo_running: false,
        platform: "linux",
      } satisfies AppInfo;
    case "list_accounts":
      return accounts.map((a) => ({ ...a }));
    case "subscribe":
      channel = args.onEvent as { onmessage: (e: Event) => void };
      if (scenario === "full" && params.get("syncing") !== "0") {
        setTimeout(() => emit({ type: "progress", progress: { account: "sw-main", phase: "rooms", done: 1200, total: 10000 } }), 50);
      }
      return null;
    case "query_rooms":
      return queryRooms(args.query as RoomQuery, Number(args.offset), Number(args.limit));
    case "pick":
      return pick(String(args.query), Number(args.limit));
    case "room_info":
      return roomInfo(String(args.id), false);
    case "refresh_room":
      await sleep(350);
      return roomInfo(String(args.id), true);
    case "get_setting":
      return settings.get(String(args.key)) ?? null;
    case "set_setting":
      settings.set(String(args.key), String(args.value));
      return null;
    case "copy_text":
    case "open_in_browser":
    case "pick_done":
      log.push({ cmd, args });
      return null;
    case "start_demo": {
      await sleep(500);
      accounts = DEMO_ACCOUNTS.map((a) => ({ ...a }));
      for (const a of accounts) void simulateSync(a.id, 3000);
      return accounts.map((a) => ({ ...a }));
    }
    case "add_account":
    case "sign_in_again": {
      await sleep(450);
      const req = args.request as SignInRequest;
      signIn(req);
      if (cmd === "sign_in_again") {
        const a = accounts.find((x) => x.id === args.account) as Account;
        a.state = "ok";
        a.last_error = null;
        void simulateSync(a.id);
        return { ...a };
      }
      const a = account(`new-${accounts.length}`, req.family, req.server_url, req.user ?? "New account", req.user ?? "me", "#0e8fa0", "ok", {
        last_sync_ms: null,
      });
      accounts.push(a);
      void simulateSync(a.id);
      return { ...a };
    }
    case "sign_out": {
      const a = accounts.find((x) => x.id === args.account) as Account;
      a.state = "needs_sign_in";
      return { ...a };
    }
    case "remove_account":
      accounts = accounts.filter((x) => x.id !== args.account);
      queryCache.clear();
      emit({ type: "account_removed", account: String(args.account) });
      return null;
    case "sync_now": {
      const ids = args.account ? [String(args.account)] : accounts.map((a) => a.id);
      await Promise.all(ids.map((id) => simulateSync(id)));
      return ids.map(
        (id): SyncReport => ({
          account: id,
          full: false,
          requests: 3,
          rooms_changed: 12,
          rooms_removed: 0,
          avatars_fetched: 0,
          avatar_bytes: 0,
          duration_ms: 1500,
          error: null,
        }),
      );
    }
    default:
      throw { code: "internal", message: `mock: unknown command ${cmd}`, field: null, fingerprint: null };
  }
}

mockIPC((cmd, args) => handle(cmd, (args ?? {}) as Record<string, unknown>));

declare global {
  interface Window {
    __mock?: unknown;
  }
}

window.__mock = {
  /** When the fake data was ready (the app's own timings start here). */
  readyAt: performance.now(),
  emit,
  log,
  roomCount: rooms.length,
  /** Touch a room's activity and fire rooms_changed (like a new message arriving). */
  bump(id: string): void {
    const m = byId.get(id);
    if (!m) return;
    m.row = { ...m.row, last_activity_ms: Date.now(), unread: m.row.unread + 1, alert: true };
    byId.set(id, m);
    queryCache.clear();
    emit({ type: "rooms_changed", account: m.row.account });
  },
  firstOfKind(kind: RoomKind): string | null {
    return byActivity.find((m) => m.row.kind === kind && accounts.some((a) => a.id === m.row.account))?.row.id ?? null;
  },
};
