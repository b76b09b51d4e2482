import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The UI is bundled and served by the engine itself (never a remote origin); no inline
// scripts, so the engine can send a strict Content-Security-Policy.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, assetsInlineLimit: 0, modulePreload: { polyfill: false } },
});
