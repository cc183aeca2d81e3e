/**
 * `#status`: the polite live region and the toast that shows it. Short confirmations ("Copied"),
 * sync results and errors that belong to no form go here, so screen readers hear them too.
 */
import { h, setText } from "./dom";

let region: HTMLElement | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;

export function statusRegion(): HTMLElement {
  if (!region) {
    region = h("div", { id: "status", role: "status", "aria-live": "polite", class: "toast", "data-visible": "false" });
  }
  return region;
}

/** Shows `message` for a few seconds and announces it. */
export function announce(message: string, kind: "info" | "error" = "info"): void {
  const el = statusRegion();
  setText(el, message);
  el.dataset.kind = kind;
  el.dataset.visible = "true";
  if (timer) clearTimeout(timer);
  timer = setTimeout(() => {
    el.dataset.visible = "false";
  }, kind === "error" ? 6000 : 2500);
}
