/**
 * App-wide shortcuts. Everything else is handled where focus is (list, dialogs, picker).
 * Ctrl+K / Cmd+K opens the picker; Ctrl+F or "/" goes to search; Escape closes drawers.
 */

export interface Shortcuts {
  openPicker(): void;
  focusSearch(): void;
  /** Escape with nothing else to close: returns true when it closed something. */
  escape(): boolean;
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}

export function installShortcuts(s: Shortcuts): void {
  document.addEventListener("keydown", (e) => {
    const mod = e.ctrlKey || e.metaKey;
    const key = e.key.toLowerCase();
    if (mod && !e.altKey && key === "k") {
      e.preventDefault();
      s.openPicker();
    } else if (mod && !e.altKey && key === "f") {
      e.preventDefault();
      s.focusSearch();
    } else if (key === "/" && !mod && !isTyping(e.target)) {
      e.preventDefault();
      s.focusSearch();
    } else if (e.key === "Escape" && !e.defaultPrevented) {
      if (s.escape()) e.preventDefault();
    }
  });
}
