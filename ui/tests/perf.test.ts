import { describe, expect, it } from "vitest";
import { perf } from "../src/perf";

describe("benchmark hooks", () => {
  it("exposes window.__roomdeck and records frame deltas only while asked", async () => {
    expect(window.__roomdeck).toBe(perf);
    expect(Array.isArray(perf.pickerTimings)).toBe(true);
    perf.frameTimes.length = 0;
    perf.recordFrames = true;
    perf.recordFrames = false;
    perf.recordFrames = true;
    await new Promise((r) => setTimeout(r, 120));
    perf.recordFrames = false;
    const n = perf.frameTimes.length;
    expect(n).toBeGreaterThan(0);
    // A single loop: no zero-length deltas from a duplicate loop.
    expect(perf.frameTimes.every((d) => d > 0)).toBe(true);
    await new Promise((r) => setTimeout(r, 60));
    expect(perf.frameTimes.length).toBe(n);
  });
});
