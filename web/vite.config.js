// Vite build of the console. Output goes to dist/ (served by zhendi, which
// gives dist/assets/* a year of caching, so every asset name carries a hash).
// Route components are dynamic imports (one chunk per page); Element Plus and
// Vue are split into their own long-lived vendor chunks.
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath, URL } from 'node:url';

export default defineConfig({
  plugins: [vue()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    target: ['chrome87', 'firefox78', 'safari14', 'edge88'],
    cssCodeSplit: true,
    chunkSizeWarningLimit: 1200,
    // the module-preload polyfill would be an inline-free chunk anyway; all
    // targets support modulepreload or ignore it harmlessly
    modulePreload: { polyfill: false },
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (id.includes('node_modules/echarts') || id.includes('node_modules/zrender')) return 'echarts';
          if (id.includes('node_modules/element-plus') || id.includes('node_modules/@element-plus')) return 'element-plus';
          if (id.includes('node_modules/')) return 'vendor';
        },
      },
    },
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080', '/healthz': 'http://127.0.0.1:8080' },
  },
  test: {
    environment: 'happy-dom',
    include: ['test/**/*.test.js'],
  },
});
