import { defineConfig } from "vitest/config";

// The UI is a plain multi-module TypeScript app. Vite bundles it into ui/dist,
// which the Tauri shell embeds. No inline scripts: the CSP forbids them.
export default defineConfig({
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: {
    target: "safari15",
    outDir: "dist",
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  test: {
    environment: "happy-dom",
    include: ["tests/**/*.test.ts"],
  },
});
