import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev` (or `npm run dev -w @kassa-relay/dashboard` against a running cloud): the admin
// API and socket.io are proxied, so the app keeps using relative URLs exactly as when the cloud
// serves it. The default is the cloud's default port (PORT=3000).
const cloud = process.env.KASSA_CLOUD_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    // The app changes more often than its libraries: React and the schema code (zod, the admin API
    // contract and the protocol schemas under it) are chunks of their own, cached across releases.
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'react', test: /[\\/]node_modules[\\/](react|react-dom|scheduler)[\\/]/ },
            { name: 'contract', test: /[\\/](node_modules[\\/]zod|libs[\\/](admin-api|protocol))[\\/]/ },
          ],
        },
      },
    },
  },
  server: {
    proxy: {
      '/api': cloud,
      '/socket.io': { target: cloud, ws: true },
    },
  },
});
