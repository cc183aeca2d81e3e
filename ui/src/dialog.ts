/**
 * Modal dialogs without `<dialog>` quirks: a backdrop, `role="dialog"` + `aria-modal`, a Tab
 * focus trap, Escape to close, the rest of the app made `inert`, and focus returned to where
 * it was. Used by the account dialog, the confirmations and the picker.
 */
import { h } from "./dom";

export interface ModalOptions {
  id?: string;
  label?: string;
  labelledBy?: string;
  role?: "dialog" | "alertdialog";
  className?: string;
  /** Return false to keep the dialog open (e.g. while busy). */
  onEscape?: () => boolean | void;
  onClose?: () => void;
  /** Click on the backdrop closes (default true). */
  dismissable?: boolean;
  /**
   * Shown whole in the first frame, without the fade and pop-in (the picker: a keyboard tool
   * that must keep up with the keys). Where WebKit paints on the CPU, every frame of the fade
   * repaints the whole window under the scrim: ~30 ms a frame, a 150 ms stutter at ~30 fps.
   */
  instant?: boolean;
}

export interface Modal {
  backdrop: HTMLElement;
  dialog: HTMLElement;
  close(): void;
  readonly open: boolean;
}

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

export function focusables(root: HTMLElement): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE)).filter(
    (el) => !el.closest("[hidden]") && !el.hasAttribute("inert"),
  );
}

const stack: Modal[] = [];

/** A modal is open (global shortcuts stand down). */
export function modalOpen(): boolean {
  return stack.length > 0;
}

// Escape with focus outside every dialog (e.g. on <body> after a re-render) closes the top one.
if (typeof document !== "undefined") {
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape" || e.defaultPrevented) return;
    const top = stack[stack.length - 1];
    if (!top || top.backdrop.contains(e.target as Node)) return;
    e.preventDefault();
    top.backdrop.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: false, cancelable: true }));
  });
}

function setBackgroundInert(on: boolean): void {
  const shell = document.getElementById("app");
  if (!shell) return;
  if (on) shell.setAttribute("inert", "");
  else shell.removeAttribute("inert");
}

/** Opens `content` as a modal. The caller focuses the first field it wants (else the first focusable). */
export function openModal(content: Node[], o: ModalOptions = {}): Modal {
  const dialog = h("div", {
    class: `dialog ${o.className ?? ""}`.trim(),
    role: o.role ?? "dialog",
    "aria-modal": "true",
    id: o.id,
    "aria-label": o.labelledBy ? undefined : o.label,
    "aria-labelledby": o.labelledBy,
    tabindex: "-1",
  });
  dialog.append(...content);
  const backdrop = h("div", { class: o.instant ? "modal-backdrop instant" : "modal-backdrop" }, dialog);
  const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  let isOpen = true;

  const modal: Modal = {
    backdrop,
    dialog,
    get open() {
      return isOpen;
    },
    close() {
      if (!isOpen) return;
      isOpen = false;
      backdrop.remove();
      const i = stack.indexOf(modal);
      if (i >= 0) stack.splice(i, 1);
      if (stack.length === 0) setBackgroundInert(false);
      o.onClose?.();
      if (previous && previous.isConnected) previous.focus({ preventScroll: true });
    },
  };

  backdrop.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      if (o.onEscape?.() === false) return;
      modal.close();
    } else if (e.key === "Tab") {
      const f = focusables(dialog);
      if (f.length === 0) {
        e.preventDefault();
        dialog.focus();
        return;
      }
      const first = f[0];
      const last = f[f.length - 1];
      const active = document.activeElement;
      if (e.shiftKey && (active === first || active === dialog)) {
        e.preventDefault();
        last?.focus();
      } else if (!e.shiftKey && active === last) {
        e.preventDefault();
        first?.focus();
      }
    }
  });
  if (o.dismissable !== false) {
    backdrop.addEventListener("mousedown", (e) => {
      if (e.target === backdrop && o.onEscape?.() !== false) modal.close();
    });
  }

  document.body.appendChild(backdrop);
  stack.push(modal);
  setBackgroundInert(true);
  queueMicrotask(() => {
    if (!dialog.contains(document.activeElement)) (focusables(dialog)[0] ?? dialog).focus();
  });
  return modal;
}

/** A small "Are you sure?" dialog. Resolves true when confirmed. */
export function confirmDialog(opts: {
  title: string;
  body: string;
  confirm: string;
  danger?: boolean;
}): Promise<boolean> {
  return new Promise((resolve) => {
    let answered = false;
    const titleId = "confirm-title";
    const cancelBtn = h("button", { type: "button", class: "btn" }, "Cancel");
    const okBtn = h("button", { type: "button", class: opts.danger ? "btn btn-danger" : "btn btn-primary", id: "confirm-ok" }, opts.confirm);
    const modal = openModal(
      [
        h("h2", { class: "dialog-title", id: titleId }, opts.title),
        h("p", { class: "dialog-text" }, opts.body),
        h("div", { class: "dialog-actions" }, cancelBtn, okBtn),
      ],
      {
        role: "alertdialog",
        labelledBy: titleId,
        id: "confirm-dialog",
        className: "dialog-small",
        onClose: () => {
          if (!answered) resolve(false);
        },
      },
    );
    cancelBtn.addEventListener("click", () => modal.close());
    okBtn.addEventListener("click", () => {
      answered = true;
      resolve(true);
      modal.close();
    });
    queueMicrotask(() => cancelBtn.focus());
  });
}
