/**
 * Pure formatting: numbers, relative times, durations. No Intl date formatting on the hot path
 * (the room list formats dozens of times per scrolled frame) and fixed English words so the
 * output is predictable in tests and in every WebView.
 */

const numberFormat = new Intl.NumberFormat("en-US");

/** 12345 → "12,345". */
export function formatNumber(n: number): string {
  return numberFormat.format(n);
}

/** "1 room", "12,345 rooms". */
export function plural(n: number, one: string, many: string): string {
  return `${formatNumber(n)} ${n === 1 ? one : many}`;
}

export const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
export const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function startOfDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/**
 * Compact time of a room's last activity, as chat apps show it:
 * "now", "5 min", "3 h", "Yesterday", "Mon", "12 Mar", "2023".
 */
export function relativeTime(ms: number, now: number = Date.now()): string {
  if (!ms || ms <= 0) return "";
  const diff = now - ms;
  if (diff < MIN) return "now";
  if (diff < HOUR) return `${Math.floor(diff / MIN)} min`;
  const today = startOfDay(now);
  if (ms >= today || diff < 6 * HOUR) return `${Math.floor(diff / HOUR)} h`;
  const d = new Date(ms);
  if (ms >= today - DAY) return "Yesterday";
  if (ms >= today - 6 * DAY) return WEEKDAYS[d.getDay()] ?? "";
  if (d.getFullYear() === new Date(now).getFullYear()) return `${d.getDate()} ${MONTHS[d.getMonth()] ?? ""}`;
  return String(d.getFullYear());
}

/** "just now", "2 min ago", "3 h ago", "yesterday", "12 Mar": for "Up to date · …". */
export function agoText(ms: number, now: number = Date.now()): string {
  const diff = now - ms;
  if (diff < MIN) return "just now";
  if (diff < HOUR) return `${Math.floor(diff / MIN)} min ago`;
  if (diff < DAY) return `${Math.floor(diff / HOUR)} h ago`;
  if (ms >= startOfDay(now) - DAY) return "yesterday";
  return formatDate(ms, now);
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** "10:42" today, "12 Mar 10:42" otherwise (24-hour clock). */
export function formatClock(ms: number, now: number = Date.now()): string {
  const d = new Date(ms);
  const hm = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  return ms >= startOfDay(now) ? hm : `${formatDate(ms, now)} ${hm}`;
}

/** "12 Mar" this year, "12 Mar 2023" otherwise. */
export function formatDate(ms: number, now: number = Date.now()): string {
  const d = new Date(ms);
  const base = `${d.getDate()} ${MONTHS[d.getMonth()] ?? ""}`;
  return d.getFullYear() === new Date(now).getFullYear() ? base : `${base} ${d.getFullYear()}`;
}

/** "12 Mar 2023, 10:42": full timestamps in the info panel. */
export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getDate()} ${MONTHS[d.getMonth()] ?? ""} ${d.getFullYear()}, ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/** Seconds → "45 s", "1 min 5 s", "2 h 3 min", "3 d 4 h". Two units at most. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    const r = s % 60;
    return r ? `${m} min ${r} s` : `${m} min`;
  }
  if (s < 86400) {
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  return h ? `${d} d ${h} h` : `${d} d`;
}

/** "https://chat.example.com/" → "chat.example.com". */
export function hostOf(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return url.replace(/^[a-z]+:\/\//i, "").replace(/\/.*$/, "");
  }
}
