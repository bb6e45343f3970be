// Members' mobile pages (/m/): Vue 3 + Vant 4 for phones and WeChat's
// built-in browser. The same API client as the console (session cookie,
// CSRF header, error envelope), with its reactions made for a phone: a 401
// goes to the login page, other errors are a Vant toast. Pages come from the
// modules (web/src/modules/<name>/m/routes.js), like the console's.
import { createApp } from 'vue';
import {
  Button, Cell, CellGroup, Empty, Field, Form, Icon, List, Loading, NavBar, Progress, PullRefresh, Rate, Search, Tab, Tabbar,
  TabbarItem, Tabs, Tag, showToast,
} from 'vant';
import 'vant/lib/index.css';
import './m.css';
import App from './App.vue';
import { createMobileRouter } from './router.js';
import { configureApi } from '@/api/client.js';
import { session } from './session.js';

const app = createApp(App);
const router = createMobileRouter();
for (const c of [Button, Cell, CellGroup, Empty, Field, Form, Icon, List, Loading, NavBar, Progress, PullRefresh, Rate, Search, Tab, Tabbar, TabbarItem, Tabs, Tag])
  app.use(c);
app.use(router);

configureApi({
  onUnauthorized() {
    session.user = null;
    const cur = router.currentRoute.value;
    if (cur.name !== 'm-login') router.replace({ name: 'm-login', query: { next: cur.fullPath } });
  },
  onPasswordChange() {
    showToast('请先在电脑上登录控制台修改密码');
  },
  onTotpRequired() {
    showToast('您的账号需要在电脑上绑定动态口令');
  },
  notify({ message }) {
    showToast(message);
  },
});

app.mount('#app');
