// Who is logged in: the user, their permissions, the CSRF token, and whether
// the server insists on a password change. Filled from POST /auth/login or
// GET /auth/me; reset on logout and on any 401 (session expired). A session
// brings the dictionary of code labels along (stores/dicts.js): loaded with
// the first /auth/me, again at every login, dropped with the session.
import { defineStore } from 'pinia';
import { authApi } from '@/api/index.js';
import { setCsrfToken } from '@/api/client.js';
import { canAccess } from '@/utils/menu.js';
import { useDicts } from './dicts.js';
import { useBadges } from './badges.js';

export const useAuth = defineStore('auth', {
  state: () => ({
    user: null,
    permissions: [],
    mustChangePassword: false,
    passwordExpiresAt: null,
    serverPasswordExpired: false, // the server's password_expired flag
    totpEnrollmentRequired: false, // the policy requires TOTP for one of my roles and I have none
    passwordPolicy: null, // {min_length, min_classes, history, max_age_days} from /auth/me
    loaded: false, // me/login answered at least once this page life
  }),
  getters: {
    loggedIn: (s) => !!s.user,
    permSet: (s) => new Set(s.permissions),
    /** the password is past its maximum age (the server also sets must_change_password) */
    passwordExpired: (s) => s.serverPasswordExpired || (!!s.passwordExpiresAt && new Date(s.passwordExpiresAt).getTime() <= Date.now()),
    /** days until the password expires, when that is within two weeks */
    passwordExpiresInDays: (s) => {
      if (!s.passwordExpiresAt) return null;
      const days = Math.ceil((new Date(s.passwordExpiresAt).getTime() - Date.now()) / 86400000);
      return days >= 0 && days <= 14 ? days : null;
    },
  },
  actions: {
    can(perm) {
      return canAccess(perm, this.permSet);
    },
    apply(session) {
      this.user = session.user || null;
      this.permissions = session.permissions || [];
      this.mustChangePassword = !!session.must_change_password;
      this.passwordExpiresAt = session.password_expires_at || null;
      this.serverPasswordExpired = !!session.password_expired;
      this.totpEnrollmentRequired = !!session.totp_enrollment_required;
      // the login answer has no policy: keep what /auth/me said
      if (session.password_policy) this.passwordPolicy = session.password_policy;
      if (session.csrf_token) setCsrfToken(session.csrf_token);
      this.loaded = true;
    },
    async fetchMe() {
      const me = await authApi.me();
      this.apply(me);
      if (this.user) useDicts().load();
      return me;
    },
    // The two steps of a login are one normal event: without a code for an
    // account that needs one the server answers 200 {totp_required: true}
    // (two_step), not a 401 and not a failure record; the caller asks for
    // the code then. → the session, or {totp_required: true}
    async login(username, password, totp) {
      const body = { username, password, two_step: true };
      if (totp) body.totp = totp;
      const r = await authApi.login(body);
      if (r?.totp_required && !r.user) return r;
      this.apply(r);
      // another user may see other codes (a new module since): load again
      if (this.user) useDicts().load(true);
      return r;
    },
    async logout() {
      try {
        await authApi.logout();
      } catch {
        /* the session may already be gone: logging out still succeeds locally */
      }
      this.reset();
    },
    reset() {
      this.user = null;
      this.permissions = [];
      this.mustChangePassword = false;
      this.passwordExpiresAt = null;
      this.serverPasswordExpired = false;
      this.totpEnrollmentRequired = false;
      this.passwordPolicy = null;
      this.loaded = true;
      setCsrfToken('');
      useDicts().reset();
      useBadges().stop();
    },
  },
});
