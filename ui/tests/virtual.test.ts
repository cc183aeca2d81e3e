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
    // From then on every render has its overscan at once.
    const scroller = document.body.firstElementChild as HTMLElement;
    scroller.scrollTop = 100 * ROW;
    list.flush();
    expect(list.range()).toEqual([96, 114]);
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
