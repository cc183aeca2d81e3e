// @vitest-environment node
// The HTML-sink ban is part of the security design: prove the lint config really rejects it.
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint({ cwd: new URL("..", import.meta.url).pathname });

async function ruleIds(code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: "src/probe.ts" });
  return (result?.messages ?? []).map((m) => m.ruleId ?? "");
}

describe("eslint config", () => {
  it("forbids innerHTML, outerHTML, insertAdjacentHTML, document.write and web storage", async () => {
    for (const code of [
      'document.body.innerHTML = "<b>x</b>";\n',
      'document.body.outerHTML = "x";\n',
      'document.body.insertAdjacentHTML("beforeend", "x");\n',
      'document.body["innerHTML"] = "x";\n',
      'document.write("x");\n',
      'localStorage.setItem("a", "b");\n',
    ]) {
      const ids = await ruleIds(code);
      expect(ids.some((id) => id === "no-restricted-properties" || id === "no-restricted-syntax"), code).toBe(true);
    }
  }, 30_000);
  it("forbids explicit any", async () => {
    expect(await ruleIds("export const x: any = 1;\n")).toContain("@typescript-eslint/no-explicit-any");
  }, 30_000);
});
