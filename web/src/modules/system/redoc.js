// The bridge to Redoc (a React application) for the 接口文档 page: mounts
// Redoc's standalone component into an element with a document the page has
// already fetched (the console's API client, cookie session), and returns
// the function that unmounts it. Only ApiDocs.vue imports this file, so
// Redoc, React, styled-components and MobX are one lazy chunk that no other
// page loads.
//
// Chosen to run under the console's CSP (script-src 'self', no worker-src,
// connect-src 'self'): the search (a web worker from a blob: URL) is off,
// the document is handed over as an object (Redoc fetches nothing), no
// fonts are loaded (the console's system font stacks), styles are
// styled-components' <style> elements (style-src allows them).
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { RedocStandalone } from 'redoc';

const FONTS =
  "-apple-system, BlinkMacSystemFont, 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', " +
  "'Source Han Sans SC', 'WenQuanYi Micro Hei', 'Helvetica Neue', Arial, sans-serif";
const MONO = "ui-monospace, 'DejaVu Sans Mono', 'Liberation Mono', Menlo, Consolas, monospace";

/** Redoc's own words, in Chinese */
const LABELS = {
  enum: '可选值',
  enumSingleValue: '取值',
  enumArray: '元素',
  default: '默认',
  deprecated: '已弃用',
  example: '示例',
  examples: '示例',
  recursive: '递归',
  arrayOf: '数组，元素为 ',
  webhook: '事件',
  const: '取值',
  noResultsFound: '没有结果',
  download: '下载',
  downloadSpecification: '下载 OpenAPI 文档',
  responses: '答复',
  callbackResponses: '回调答复',
  requestSamples: '请求示例',
  responseSamples: '答复示例',
};

/**
 * renderRedoc(el, spec, {scrollYOffset, onLoaded}) → unmount()
 *  el: the element to render into (emptied)
 *  spec: the OpenAPI document (an object)
 *  scrollYOffset: () => pixels covered at the top of the window (the
 *    console's header and tabs), so that Redoc's sticky menu and its
 *    scrolling to an operation stay clear of them
 *  onLoaded(error?): Redoc has rendered the document (or failed to)
 */
export function renderRedoc(el, spec, { scrollYOffset = 0, onLoaded } = {}) {
  const root = createRoot(el);
  const options = {
    disableSearch: true, // the search runs in a blob: worker, which the CSP forbids
    hideDownloadButton: true, // the page has its own (with the session)
    hideHostname: true,
    expandResponses: '200,201',
    jsonSampleExpandLevel: 3,
    requiredPropsFirst: true,
    showExtensions: ['x-sort-keys'], // the permission, audit and scope are in words (openapiView.js)
    nativeScrollbars: true,
    scrollYOffset,
    labels: LABELS,
    theme: {
      colors: { primary: { main: '#409eff' } },
      typography: {
        fontSize: '14px',
        fontFamily: FONTS,
        headings: { fontFamily: FONTS, fontWeight: '600' },
        code: { fontFamily: MONO },
      },
      sidebar: { width: '240px' },
      rightPanel: { width: '38%' },
    },
  };
  root.render(createElement(RedocStandalone, { spec, options, onLoaded }));
  return () => root.unmount();
}
