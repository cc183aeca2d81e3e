import { describe, expect, it } from "vitest";
import { agoText, formatDuration, formatNumber, plural, relativeTime } from "../src/format";

// A fixed "now": Wednesday 13 March 2024, 15:00 local time.
const now = new Date(2024, 2, 13, 15, 0, 0).getTime();
const at = (y: number, m: number, d: number, h = 12, min = 0): number => new Date(y, m, d, h, min).getTime();

describe("relativeTime", () => {
  it("says now for the last minute", () => {
    expect(relativeTime(now - 20_000, now)).toBe("now");
    expect(relativeTime(now + 5_000, now)).toBe("now");
  });
  it("counts minutes and hours", () => {
    expect(relativeTime(now - 5 * 60_000, now)).toBe("5 min");
    expect(relativeTime(now - 59 * 60_000, now)).toBe("59 min");
    expect(relativeTime(now - 3 * 3600_000, now)).toBe("3 h");
  });
  it("uses Yesterday, weekdays, day + month, then the year", () => {
    expect(relativeTime(at(2024, 2, 12, 9), now)).toBe("Yesterday");
    expect(relativeTime(at(2024, 2, 11, 9), now)).toBe("Mon");
    expect(relativeTime(at(2024, 2, 8, 9), now)).toBe("Fri");
    expect(relativeTime(at(2024, 2, 1), now)).toBe("1 Mar");
    expect(relativeTime(at(2024, 0, 12), now)).toBe("12 Jan");
    expect(relativeTime(at(2023, 5, 1), now)).toBe("2023");
  });
  it("is empty for unknown times", () => {
    expect(relativeTime(0, now)).toBe("");
  });
});

describe("formatDuration", () => {
  it("formats seconds, minutes, hours and days with two units at most", () => {
    expect(formatDuration(0)).toBe("0 s");
    expect(formatDuration(45)).toBe("45 s");
    expect(formatDuration(65)).toBe("1 min 5 s");
    expect(formatDuration(120)).toBe("2 min");
    expect(formatDuration(3600 + 180)).toBe("1 h 3 min");
    expect(formatDuration(7200)).toBe("2 h");
    expect(formatDuration(86400 * 3 + 3600 * 4 + 59)).toBe("3 d 4 h");
  });
});

describe("numbers", () => {
  it("groups thousands and pluralises", () => {
    expect(formatNumber(12345)).toBe("12,345");
    expect(plural(1, "room", "rooms")).toBe("1 room");
    expect(plural(100000, "room", "rooms")).toBe("100,000 rooms");
    expect(plural(0, "room", "rooms")).toBe("0 rooms");
  });
  it("says how long ago a sync was", () => {
    expect(agoText(now - 10_000, now)).toBe("just now");
    expect(agoText(now - 2 * 60_000, now)).toBe("2 min ago");
    expect(agoText(now - 5 * 3600_000, now)).toBe("5 h ago");
  });
});
