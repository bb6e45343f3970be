// Lint of the console's sources, run by `make test` (test-web). Its main job
// is the browsers the customer uses (issue 5): the domestic browsers are
// Chromium-, Firefox- and WebKit-based, so every Web API the code calls must
// exist in all three at the versions below (the same as Vite's build.target).
// eslint-plugin-compat reads them from package.json's "browserslist" and
// flags an API one of them lacks; a use behind a feature check is allowed
// (`typeof ResizeObserver !== 'undefined'`, `'x' in window`).
import compat from 'eslint-plugin-compat';
import vue from 'eslint-plugin-vue';
import globals from 'globals';

export default [
  { ignores: ['dist/**', 'node_modules/**'] },
  ...vue.configs['flat/essential'],
  compat.configs['flat/recommended'],
  {
    files: ['src/**/*.{js,vue}'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.browser } },
    // ES built-ins too (Array.prototype.at, structuredClone ...): Vite transpiles syntax, not APIs
    settings: { lintAllEsApis: true },
    rules: {
      'no-undef': 'error',
      'no-unused-vars': ['error', { args: 'none', varsIgnorePattern: '^_' }],
      // one-word names like Login.vue, Home.vue are page names here
      'vue/multi-word-component-names': 'off',
    },
  },
];
