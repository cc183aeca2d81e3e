/**
 * Fixed-row-height virtualization shared by the room list and the member list.
 *
 * Why: 100,000 rooms cannot be 100,000 elements. A tall spacer gives the scrollbar its true
 * length; a small pool of absolutely positioned rows is moved with `transform` and rebound to
 * whatever indices are visible. Reads (scrollTop, size) happen first in a rAF, writes after,
 * so a scrolled frame never forces an extra layout. Rows whose index did not change are not
 * touched unless their data was invalidated.
 */

export interface VirtualListOptions {
  /** The element that scrolls. */
  scroller: HTMLElement;
  /** The element rows live in; its height becomes total × rowHeight. */
  content: HTMLElement;
  /**
   * `content` sits somewhere inside a scroller that also scrolls other things (the member list
   * inside the info panel): its offset is measured each frame. Otherwise it starts at the top.
   */
  nested?: boolean;
  rowHeight: number;
  /** Extra rows above and below the viewport. */
  overscan?: number;
  /** Hard cap of row elements. */
  maxRows?: number;
  createRow(): HTMLElement;
  /** Fill `el` for `index`. Called when the row is (re)bound or invalidated. */
  renderRow(el: HTMLElement, index: number): void;
  /** After each render, with the bound range [first, last). */
  onRendered?(first: number, last: number): void;
}

interface Slot {
  el: HTMLElement;
  index: number;
  y: number;
}

export class VirtualList {
  private readonly o: Required<Omit<VirtualListOptions, "onRendered">> & Pick<VirtualListOptions, "onRendered">;
  private total = 0;
  private readonly bound = new Map<number, Slot>();
  private readonly free: Slot[] = [];
  private readonly dirty = new Set<number>();
  private allDirty = false;
  private frame = 0;
  private viewportHeight = 0;
  private first = 0;
  private last = 0;
  private readonly nested: boolean;
  /** Overscan is on once the first rows have had their frame (see `render`). */
  private warm = false;
  private warming = false;

  constructor(options: VirtualListOptions) {
    this.o = { overscan: 6, maxRows: 100, onRendered: undefined, nested: false, ...options };
    this.nested = !!options.nested;
    this.o.scroller.addEventListener("scroll", () => this.schedule(), { passive: true });
    if (typeof ResizeObserver !== "undefined") {
      new ResizeObserver((entries) => {
        for (const e of entries) this.viewportHeight = e.contentRect.height;
        this.schedule();
      }).observe(this.o.scroller);
    }
  }

  get size(): number {
    return this.total;
  }

  get rowHeight(): number {
    return this.o.rowHeight;
  }

  setTotal(total: number): void {
    if (total === this.total) return;
    this.total = total;
    this.o.content.style.height = `${total * this.o.rowHeight}px`;
    this.schedule();
  }

  /** Re-render every bound row (data changed). */
  invalidateAll(): void {
    this.allDirty = true;
    this.schedule();
  }

  invalidate(index: number): void {
    this.dirty.add(index);
    this.schedule();
  }

  /** Re-render the bound rows in [from, to) (their data arrived); nothing if none is bound. */
  invalidateRange(from: number, to: number): void {
    let any = false;
    for (const i of this.bound.keys()) {
      if (i >= from && i < to) {
        this.dirty.add(i);
        any = true;
      }
    }
    if (any) this.schedule();
  }

  /** The row element currently showing `index`, if any. */
  rowAt(index: number): HTMLElement | undefined {
    return this.bound.get(index)?.el;
  }

  /** [first, last) of the rows that are bound (viewport plus overscan). */
  range(): [number, number] {
    return [this.first, this.last];
  }

  /** Rows that fit in the viewport (for PageUp/PageDown). */
  pageSize(): number {
    return Math.max(1, Math.floor(this.height() / this.o.rowHeight) - 1);
  }

  /** Scrolls just enough to show `index` (or puts it at the top with `align: "start"`). */
  scrollToIndex(index: number, align: "nearest" | "start" | "center" = "nearest"): void {
    const rh = this.o.rowHeight;
    const sc = this.o.scroller;
    const offset = this.contentOffset();
    const top = offset + index * rh;
    const vh = this.height();
    let next = sc.scrollTop;
    if (align === "start") next = top;
    else if (align === "center") next = top - (vh - rh) / 2;
    else if (top < sc.scrollTop) next = top;
    else if (top + rh > sc.scrollTop + vh) next = top + rh - vh;
    if (next !== sc.scrollTop) sc.scrollTop = Math.max(0, next);
    this.schedule();
  }

  schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /** Renders now (tests, and right after a data swap to avoid a blank frame). */
  flush(): void {
    if (this.frame) {
      cancelAnimationFrame(this.frame);
      this.frame = 0;
    }
    this.render();
  }

  private height(): number {
    return this.viewportHeight || this.o.scroller.clientHeight || 800;
  }

  private contentOffset(): number {
    if (!this.nested) return 0;
    const s = this.o.scroller.getBoundingClientRect();
    const c = this.o.content.getBoundingClientRect();
    return c.top - s.top + this.o.scroller.scrollTop;
  }

  private render(): void {
    const { rowHeight: rh, maxRows } = this.o;
    // Reads first.
    const scrollTop = this.o.scroller.scrollTop;
    const vh = this.height();
    const offset = this.contentOffset();
    const top = scrollTop - offset;
    // The first rows come alone: the rows around them would add their layout and glyph loading
    // to the frame that first shows the list, where nobody sees them (make bench, P1). They
    // follow as soon as that frame is out.
    let overscan = this.warm ? this.o.overscan : 0;
    if (overscan && this.busyInSight(top, vh)) {
      // Most rows in sight are new (a jump: scrollbar drag, Home/End, a far scrollToIndex) or
      // have new data (the page such a jump asked for has arrived): this frame renders them
      // alone and the rows around them follow in the next frame, rather than laying out two
      // viewports' worth of rows nobody sees yet in one frame (make bench, P6: the frames after
      // a jump were the slowest of a scroll).
      overscan = 0;
      this.schedule();
    }
    let first = Math.max(0, Math.floor(top / rh) - overscan);
    let last = Math.min(this.total, Math.ceil((top + vh) / rh) + overscan);
    if (last < first) last = first;
    if (last - first > maxRows) {
      // Keep the viewport itself, trim overscan.
      const visFirst = Math.max(0, Math.floor(top / rh));
      first = Math.max(0, Math.min(visFirst, this.total - maxRows));
      last = Math.min(this.total, first + maxRows);
    }
    this.first = first;
    this.last = last;
    // Writes.
    for (const [i, slot] of this.bound) {
      if (i < first || i >= last) {
        this.bound.delete(i);
        this.free.push(slot);
      }
    }
    for (let i = first; i < last; i++) {
      let slot = this.bound.get(i);
      let fresh = false;
      if (!slot) {
        slot = this.free.pop();
        if (!slot) {
          const el = this.o.createRow();
          el.style.position = "absolute";
          el.style.top = "0";
          this.o.content.appendChild(el);
          slot = { el, index: -1, y: -1 };
        }
        if (!slot.el.isConnected) this.o.content.appendChild(slot.el);
        slot.index = i;
        this.bound.set(i, slot);
        fresh = true;
      }
      if (fresh || this.allDirty || this.dirty.has(i)) this.o.renderRow(slot.el, i);
      const y = i * rh;
      if (slot.y !== y) {
        slot.el.style.transform = `translateY(${y}px)`;
        slot.y = y;
      }
    }
    // Spare rows leave the DOM (kept for reuse): only rows that show something are queryable.
    for (const slot of this.free) {
      if (slot.el.isConnected) slot.el.remove();
      slot.index = -1;
    }
    this.dirty.clear();
    this.allDirty = false;
    if (!this.warm && !this.warming && last > first) {
      this.warming = true;
      requestAnimationFrame(() =>
        setTimeout(() => {
          this.warm = true;
          this.schedule();
        }, 0),
      );
    }
    this.o.onRendered?.(first, last);
  }

  /** Whether more than half of the rows in sight at `top` are to be rendered: not bound yet, or
   * bound with data that changed. */
  private busyInSight(top: number, vh: number): boolean {
    const rh = this.o.rowHeight;
    const from = Math.max(0, Math.floor(top / rh));
    // Never more than can be bound (a viewport taller than maxRows rows keeps its overscan).
    const to = Math.min(this.total, Math.ceil((top + vh) / rh), from + this.o.maxRows);
    let busy = 0;
    for (let i = from; i < to; i++) if (this.allDirty || this.dirty.has(i) || !this.bound.has(i)) busy++;
    return busy * 2 > to - from;
  }
}
