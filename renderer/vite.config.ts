import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The UI is bundled and served by the engine itself (never a remote origin); no inline
// scripts, so the engine can send a strict Content-Security-Policy. Two entries into one
// dist: the Witness window (index.html, served by the engine) and the console
// (console.html, served by witness-server); they share chunks (the record detail, styles).
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    rollupOptions: { input: { window: `${import.meta.dirname}/index.html`, console: `${import.meta.dirname}/console.html` } },
  },
});
