/**
 * Benchmark instrumentation read by the end-to-end tests: picker latency per keystroke and,
 * on demand, frame deltas (`recordFrames = true` starts a rAF loop, `false` stops it).
 */

export interface RoomdeckPerf {
  pickerTimings: number[];
  /** Per keystroke: [input → answer, rendering, rendered → next frame] in ms. */
  pickerParts: [number, number, number][];
  /** The first 200 avatar pictures: [src set, loaded or failed] (performance.now()). */
  pictureTimings: [number, number][];
  frameTimes: number[];
  recordFrames: boolean;
  /** When an array: every IPC answer and event, as JSON (see api.ts). */
  ipcLog?: string[];
}

declare global {
  interface Window {
    __roomdeck?: RoomdeckPerf;
  }
}

function create(): RoomdeckPerf {
  let recording = false;
  let last = 0;
  // One loop at a time: toggling quickly must not leave an old loop running next to a new one.
  let loop = 0;
  const perf = {
    pickerTimings: [] as number[],
    pickerParts: [] as [number, number, number][],
    pictureTimings: [] as [number, number][],
    frameTimes: [] as number[],
  } as RoomdeckPerf;
  const start = (): void => {
    const id = ++loop;
    const tick = (t: number): void => {
      if (!recording || id !== loop) return;
      if (last) perf.frameTimes.push(t - last);
      last = t;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  };
  Object.defineProperty(perf, "recordFrames", {
    enumerable: true,
    get: () => recording,
    set: (v: boolean) => {
      const on = !!v;
      if (on === recording) return;
      recording = on;
      last = 0;
      if (on) start();
    },
  });
  return perf;
}

export const perf: RoomdeckPerf = (typeof window !== "undefined" && window.__roomdeck) || create();
if (typeof window !== "undefined") window.__roomdeck = perf;

/** `performance.mark` once per name. */
const marked = new Set<string>();
export function markOnce(name: string): void {
  if (marked.has(name)) return;
  marked.add(name);
  performance.mark(name);
}
