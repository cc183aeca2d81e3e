import { describe, expect, it } from "vitest";
import { VirtualList } from "../src/virtual";

const ROW = 50;

function mount(total: number): { list: VirtualList; rendered: number[]; bound: () => string[] } {
  document.body.replaceChildren();
  const scroller = document.createElement("div");
  const content = document.createElement("div");
  scroller.append(content);
  document.body.append(scroller);
  // 10 rows in sight.
  Object.defineProperty(scroller, "clientHeight", { value: 10 * ROW, configurable: true });
  const rendered: number[] = [];
  const list = new VirtualList({
    scroller,
    content,
    rowHeight: ROW,
    overscan: 4,
    createRow: () => document.createElement("div"),
    renderRow: (el, i) => {
      el.textContent = `row ${i}`;
      rendered.push(i);
    },
  });
  list.setTotal(total);
  const bound = (): string[] => Array.from(content.children, (c) => c.textContent ?? "");
  return { list, rendered, bound };
}

/** One frame, then the task after it. */
const afterFrame = (): Promise<void> =>
  new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

describe("virtual list", () => {
  it("shows the first rows alone, then the rows around them after that frame", async () => {
    const { list, rendered, bound } = mount(1000);
    list.flush();
    // The first frame holds the rows in sight only.
    expect(list.range()).toEqual([0, 10]);
    expect(bound()).toHaveLength(10);
    expect(rendered).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await afterFrame();
    await afterFrame();
    // Then the overscan below (none above the top), without rendering the first rows again.
    expect(list.range()).toEqual([0, 14]);
    expect(bound()).toHaveLength(14);
    expect(rendered).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    // From then on a scroll binds its overscan at once.
    const scroller = document.body.firstElementChild as HTMLElement;
    scroller.scrollTop = 3 * ROW;
    list.flush();
    expect(list.range()).toEqual([0, 17]);
  });

  it("binds the rows in sight alone after a jump, and the rows around them in the next frame", async () => {
    const { list, rendered, bound } = mount(1000);
    list.flush();
    await afterFrame();
    await afterFrame();
    expect(list.range()).toEqual([0, 14]);
    const scroller = document.body.firstElementChild as HTMLElement;
    scroller.scrollTop = 500 * ROW;
    rendered.length = 0;
    list.flush();
    expect(list.range()).toEqual([500, 510]);
    expect(bound().sort()).toEqual(Array.from({ length: 10 }, (_, i) => `row ${500 + i}`));
    await afterFrame();
    expect(list.range()).toEqual([496, 514]);
    // The rows in sight are not rendered again; only the ones around them are new.
    expect(rendered.sort((a, b) => a - b)).toEqual([496, 497, 498, 499, 500, 501, 502, 503, 504, 505, 506, 507, 508, 509, 510, 511, 512, 513]);
    // Scrolling on from there (new rows within the overscan) keeps binding the overscan at once.
    scroller.scrollTop = 503 * ROW;
    list.flush();
    expect(list.range()).toEqual([499, 517]);
  });

  it("renders the rows in sight alone when their data changes, and the rows around them in the next frame", async () => {
    const { list, rendered } = mount(1000);
    list.flush();
    await afterFrame();
    await afterFrame();
    const scroller = document.body.firstElementChild as HTMLElement;
    scroller.scrollTop = 500 * ROW;
    list.flush();
    await afterFrame();
    expect(list.range()).toEqual([496, 514]);
    // The page the jump asked for arrives: every bound row has new data.
    rendered.length = 0;
    list.invalidateRange(400, 600);
    list.flush();
    expect(list.range()).toEqual([500, 510]);
    expect(rendered.sort((a, b) => a - b)).toEqual([500, 501, 502, 503, 504, 505, 506, 507, 508, 509]);
    rendered.length = 0;
    await afterFrame();
    expect(list.range()).toEqual([496, 514]);
    expect(rendered.sort((a, b) => a - b)).toEqual([496, 497, 498, 499, 510, 511, 512, 513]);
    // One row changing (the selection) leaves the rows around it bound.
    list.invalidate(505);
    list.flush();
    expect(list.range()).toEqual([496, 514]);
  });

  it("keeps its overscan when the viewport holds more rows than it may bind", async () => {
    const { list } = mount(1000);
    const scroller = document.body.firstElementChild as HTMLElement;
    Object.defineProperty(scroller, "clientHeight", { value: 300 * ROW, configurable: true });
    list.flush();
    await afterFrame();
    await afterFrame();
    await afterFrame();
    await afterFrame();
    // 100 rows at most, and no frame after frame asking for more.
    expect(list.range()[1] - list.range()[0]).toBe(100);
    expect((list as unknown as { frame: number }).frame).toBe(0);
  });

  it("waits for rows before it counts a first frame", async () => {
    const { list, bound } = mount(0);
    list.flush();
    await afterFrame();
    await afterFrame();
    expect(bound()).toHaveLength(0);
    list.setTotal(1000);
    list.flush();
    expect(list.range()).toEqual([0, 10]);
    await afterFrame();
    await afterFrame();
    expect(list.range()).toEqual([0, 14]);
  });
});
