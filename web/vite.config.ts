import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));

// The explorer serves dist/web itself (no CDN), so the bundle must be self-contained and
// use absolute asset paths: client-side routes like /trace/:id load the same index.html.
export default defineConfig({
  root: webRoot,
  base: '/',
  plugins: [preact()],
  // `npx vite --config web/vite.config.ts` for UI work against a running explorer (npm start).
  server: { proxy: { '/api': process.env.DIFFSCOPE_EXPLORER_URL ?? 'http://127.0.0.1:16686' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
  },
});
