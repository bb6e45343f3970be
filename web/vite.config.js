// Vite build of the console. Output goes to dist/ (served by zhendi, which
// gives dist/assets/* a year of caching, so every asset name carries a hash).
// Two entries: the administrators' console (index.html → dist/index.html,
// served at /) and the members' mobile pages (m/index.html →
// dist/m/index.html, Vue 3 + Vant 4, served at /m/); they share dist/assets/
// and the Vue vendor chunk. Route components are dynamic imports (one chunk per page). Element Plus
// components are imported where they are used (unplugin-vue-components with
// its Element Plus resolver, styles included), so the login page carries only
// the few it needs; Vue and the shared Element Plus core are long-lived vendor
// chunks.
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import Components from 'unplugin-vue-components/vite';
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers';
import { fileURLToPath, URL } from 'node:url';

// Redoc shows its vendor's logo from a CDN, which the console's CSP
// (img-src 'self' data: blob:) refuses, and reports as a violation: the
// image gets an empty source instead, which Redoc's own onError removes.
// Fails the build when an upgraded Redoc no longer has that address.
function redocWithoutCdnLogo() {
  const CDN = 'https://cdn.redoc.ly/redoc/logo-mini.svg';
  return {
    name: 'zhendi-redoc-without-cdn-logo',
    transform(code, id) {
      if (!/node_modules\/redoc\/bundles\/redoc\.browser\.lib\.js$/.test(id)) return null;
      if (!code.includes(CDN)) this.error(`${CDN} is no longer in ${id}: check what Redoc loads from outside`);
      return { code: code.split(CDN).join(''), map: null };
    },
  };
}

export default defineConfig({
  plugins: [
    vue(),
    redocWithoutCdnLogo(),
    // only Element Plus tags are resolved; our own components are imported explicitly
    Components({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dirs: [], dts: false }),
  ],
  resolve: {
    alias: [
      { find: '@', replacement: fileURLToPath(new URL('./src', import.meta.url)) },
      // Redoc's bundle requires "yaml" (for Swagger 2.0 conversion) without
      // declaring it; the console never needs it (src/modules/system/yaml-stub.js)
      { find: /^yaml$/, replacement: fileURLToPath(new URL('./src/modules/system/yaml-stub.js', import.meta.url)) },
    ],
  },
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    target: ['chrome87', 'firefox78', 'safari14', 'edge88'],
    cssCodeSplit: true,
    chunkSizeWarningLimit: 1300, // Redoc with React, minified: 1.2 MB (375 KB gzip), lazy
    // the module-preload polyfill would be an inline-free chunk anyway; all
    // targets support modulepreload or ignore it harmlessly
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL('./index.html', import.meta.url)),
        m: fileURLToPath(new URL('./m/index.html', import.meta.url)),
      },
      output: {
        manualChunks(id) {
          if (id.includes('node_modules/echarts') || id.includes('node_modules/zrender')) return 'echarts';
          if (/node_modules\/(vue|@vue|vue-router|pinia)\//.test(id)) return 'vue';
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
    // components mounted in tests import Element Plus with its CSS: let Vite
    // (which ignores CSS in tests) load it rather than Node
    server: { deps: { inline: ['element-plus', 'tus-js-client'] } },
    // tus-js-client picks its build by the "browser" field, which Vitest (a
    // Node resolver) ignores: the tests take the browser build, as Vite does
    alias: [{ find: /^tus-js-client$/, replacement: fileURLToPath(new URL('./node_modules/tus-js-client/lib.esm/browser/index.js', import.meta.url)) }],
  },
});
