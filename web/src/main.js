// Console entry: Vue + Pinia + router, the Element Plus pieces used from
// script (v-loading, shown only for slow work; messages, message boxes; components come per page), the
// icons the menu names, and the API client's global reactions. The
// Simplified Chinese locale is set in App.vue (el-config-provider).
import { createApp } from 'vue';
import { createPinia } from 'pinia';
import { ElMessage } from 'element-plus';
import 'element-plus/es/components/base/style/css';
import 'element-plus/es/components/loading/style/css';
import 'element-plus/es/components/message/style/css';
import 'element-plus/es/components/message-box/style/css';
import './styles.css';
import App from './App.vue';
import { createAppRouter } from './router/index.js';
import { configureApi } from './api/client.js';
import { useAuth } from './stores/auth.js';
import { useTabs } from './stores/tabs.js';
import { icons } from './icons.js';
import { delayedLoading } from './utils/delayedLoading.js';

const app = createApp(App);
const pinia = createPinia();
app.use(pinia);
const router = createAppRouter();
app.use(router);
app.directive('loading', delayedLoading());
for (const [name, comp] of Object.entries(icons)) app.component(name, comp);

let expiredShown = false;
configureApi({
  onUnauthorized() {
    const auth = useAuth();
    const wasIn = auth.loggedIn;
    auth.reset();
    useTabs().reset();
    const cur = router.currentRoute.value;
    if (cur.name === 'login') return;
    if (wasIn && !expiredShown) {
      expiredShown = true;
      ElMessage({ type: 'warning', message: '登录已过期，请重新登录', onClose: () => (expiredShown = false) });
    }
    router.push({ name: 'login', query: cur.fullPath !== '/' ? { redirect: cur.fullPath } : {} });
  },
  onPasswordChange() {
    const auth = useAuth();
    auth.mustChangePassword = true;
    const cur = router.currentRoute.value;
    if (cur.name !== 'change-password') router.push({ name: 'change-password', query: { redirect: cur.fullPath } });
  },
  onTotpRequired() {
    const auth = useAuth();
    auth.totpEnrollmentRequired = true;
    const cur = router.currentRoute.value;
    if (cur.name !== 'setup-totp') router.push({ name: 'setup-totp', query: { redirect: cur.fullPath } });
  },
  notify({ type, message, requestId }) {
    ElMessage({
      type,
      message: requestId ? `${message}（请求编号：${requestId}）` : message,
      duration: 6000,
      showClose: true,
      grouping: true,
    });
  },
});

app.mount('#app');
