// Flat ESLint config: typescript-eslint's recommended rules, no `any`, and a hard ban on every
// HTML-parsing sink in the UI (server strings must only ever reach the DOM as text).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const htmlSinks = ["innerHTML", "outerHTML", "insertAdjacentHTML"].map((property) => ({
  property,
  message: "Builds DOM from HTML strings. Use h()/textContent from src/dom.ts: server strings must stay text.",
}));

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "dev/screenshots/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "no-restricted-properties": ["error", ...htmlSinks],
      "no-restricted-syntax": [
        "error",
        {
          selector: "MemberExpression[property.name=/^(innerHTML|outerHTML|insertAdjacentHTML)$/]",
          message: "No HTML sinks: use h()/textContent from src/dom.ts.",
        },
        {
          selector: "MemberExpression[computed=true][property.value=/^(innerHTML|outerHTML|insertAdjacentHTML)$/]",
          message: "No HTML sinks, not even through a computed key.",
        },
        {
          selector: "CallExpression[callee.object.name='document'][callee.property.name=/^(write|writeln)$/]",
          message: "document.write parses HTML.",
        },
        {
          selector: "MemberExpression[object.name='document'][property.name='cookie']",
          message: "No cookies: settings go through api.setSetting.",
        },
        {
          selector: "NewExpression[callee.name='DOMParser']",
          message: "DOMParser parses HTML.",
        },
        {
          selector: "CallExpression[callee.property.name='createContextualFragment']",
          message: "createContextualFragment parses HTML.",
        },
        {
          selector: "Identifier[name=/^(localStorage|sessionStorage|indexedDB)$/]",
          message: "All app data lives in the core's SQLite: use api.getSetting/api.setSetting.",
        },
      ],
    },
  },
  {
    // Generated from Rust; its blanket eslint-disable is not ours to trim.
    files: ["src/bindings.ts"],
    linterOptions: { reportUnusedDisableDirectives: "off" },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: {
      globals: {
        window: "readonly",
        document: "readonly",
        console: "readonly",
        process: "readonly",
        performance: "readonly",
        setTimeout: "readonly",
        URL: "readonly",
        requestAnimationFrame: "readonly",
        Event: "readonly",
        PerformanceObserver: "readonly",
      },
    },
  },
);
