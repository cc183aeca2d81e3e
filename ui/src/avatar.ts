/**
 * Avatars: an initials tile that is always there (instant, never broken) with the cached picture
 * layered on top once it has decoded. Pictures that failed once are remembered so a recycled
 * virtual-list row never asks for them again while scrolling.
 */
import { h, setAttr, setBackground, setText } from "./dom";
import { perf } from "./perf";

/** Pleasant, mid-tone colours that keep white initials readable in both themes. */
const PALETTE = [
  "#4f6bed", "#7a5af8", "#c0478c", "#d9534f", "#d97706", "#15935c",
  "#0e8fa0", "#3b82c4", "#9f5fd4", "#c2410c", "#4d7c0f", "#64748b",
] as const;

/** FNV-1a, 32-bit: a stable hash for colours (same id → same colour, every run). */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function colorFor(id: string): string {
  return PALETTE[hash32(id) % PALETTE.length] ?? "#64748b";
}

const segmenter: { segment(s: string): Iterable<{ segment: string }> } | null =
  typeof Intl !== "undefined" && "Segmenter" in Intl ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;

function firstGrapheme(word: string): string {
  if (segmenter) {
    for (const g of segmenter.segment(word)) return g.segment;
    return "";
  }
  return Array.from(word)[0] ?? "";
}

/** Up to two letters: the first letter of the first two words ("dev ops-team" → "DO"). */
export function initials(name: string): string {
  const words = name
    .split(/[\s_\-.,/|:·]+/u)
    .map((w) => w.replace(/^[^\p{L}\p{N}\p{Extended_Pictographic}]+/u, ""))
    .filter((w) => w.length > 0);
  // Prefer words that start with a letter or digit ("☕ coffee-lounge" → "CL"); emoji only as a last resort.
  const lettered = words.filter((w) => /^[\p{L}\p{N}]/u.test(w));
  const letters = (lettered.length ? lettered : words).slice(0, 2).map(firstGrapheme).join("");
  return letters ? letters.toLocaleUpperCase() : "?";
}

const failed = new Set<string>();
const loaded = new Set<string>();

/** For tests. */
export function resetAvatarCache(): void {
  failed.clear();
  loaded.clear();
}

export interface AvatarBox {
  el: HTMLElement;
  initialsEl: HTMLElement;
  img: HTMLImageElement | null;
  url: string | null;
  /** What the initials tile shows now (`name` and `colorKey` of the last `setAvatar`): a
   * rebound row showing the same room again skips the initials and colour work. */
  tile: { name: string; colorKey: string } | null;
}

/** A reusable avatar slot (`.avatar-box` with `.avatar-initials`, plus `img.avatar` when known). */
export function createAvatar(sizeClass: string): AvatarBox {
  const initialsEl = h("span", { class: "avatar-initials", "aria-hidden": "true" });
  const el = h("span", { class: `avatar-box ${sizeClass}` }, initialsEl);
  return { el, initialsEl, img: null, url: null, tile: null };
}

/**
 * Starts loading pictures before their slots exist (the list's first rows at start-up, while
 * the page is busy laying out the shell). A slot pointed at the same URL later joins the load
 * in flight or finds it in the webview's memory cache (the URLs are versioned and immutable).
 * The returned images must be kept alive until the slots exist.
 */
export function preloadAvatars(urls: readonly string[]): HTMLImageElement[] {
  return urls
    .filter((url) => !failed.has(url) && !loaded.has(url))
    .map((url) => {
      const img = new Image();
      img.decoding = "async";
      img.addEventListener("load", () => loaded.add(url), { once: true });
      img.addEventListener("error", () => failed.add(url), { once: true });
      img.src = url;
      return img;
    });
}

/** Points an avatar slot at a picture (or none) with initials from `name` on a colour from `colorKey`. */
export function setAvatar(box: AvatarBox, url: string | null, name: string, colorKey: string): void {
  if (box.tile?.name !== name || box.tile.colorKey !== colorKey) {
    // Initials take three Unicode regexes and a grapheme segmenter: only when the room changed.
    box.tile = { name, colorKey };
    setText(box.initialsEl, initials(name));
    setBackground(box.initialsEl, colorFor(colorKey));
  }
  const want = url && !failed.has(url) ? url : null;
  if (want === box.url) return;
  box.url = want;
  if (box.img) {
    box.img.remove();
    box.img = null;
  }
  if (!want) return;
  const img = document.createElement("img");
  img.className = loaded.has(want) ? "avatar loaded" : "avatar";
  img.alt = "";
  img.decoding = "async";
  img.draggable = false;
  img.addEventListener("load", () => {
    loaded.add(want);
    img.classList.add("loaded");
  });
  img.addEventListener("error", () => {
    failed.add(want);
    if (box.img === img) {
      img.remove();
      box.img = null;
    }
  });
  if (perf.pictureTimings.length < 200) {
    // The first pictures' load times (make bench, P1); later ones are not timed at all.
    const asked = performance.now();
    const timed = (): void => {
      if (perf.pictureTimings.length < 200) perf.pictureTimings.push([asked, performance.now()]);
    };
    img.addEventListener("load", timed, { once: true });
    img.addEventListener("error", timed, { once: true });
  }
  setAttr(img, "src", want);
  box.img = img;
  box.el.appendChild(img);
}

/**
 * Waits until every avatar picture in sight under `root` (a scrolling element: rows bound below
 * its bottom edge are not in the first painted list) has loaded or failed (for the paint mark).
 */
export function avatarsSettled(root: HTMLElement): Promise<void> {
  const view = root.getBoundingClientRect();
  const imgs = Array.from(root.querySelectorAll<HTMLImageElement>("img.avatar")).filter((img) => {
    const r = img.getBoundingClientRect();
    return r.bottom > view.top && r.top < view.bottom;
  });
  return Promise.all(
    imgs.map((img) =>
      img.complete
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            img.addEventListener("load", () => resolve(), { once: true });
            img.addEventListener("error", () => resolve(), { once: true });
            setTimeout(resolve, 3000);
          }),
    ),
  ).then(() => undefined);
}
