import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev -w @kassa-relay/dashboard` against a running cloud: the admin API and socket.io
// are proxied, so the app keeps using relative URLs exactly as when the cloud serves it.
const cloud = process.env.KASSA_CLOUD_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    proxy: {
      '/api': cloud,
      '/socket.io': { target: cloud, ws: true },
    },
  },
});
