// Signing in, up and out through allauth's headless browser API. allauth keeps the session
// in Django's cookie; a login that needs more (a verified email, a second factor) answers
// 401 with the step "pending" in its flows.

import { NetworkError, api, get } from "./api.js";
import { kv, userKey } from "./store.js";
import { state, update } from "./state.js";

const BASE = "/_allauth/browser/v1";

export const login = (email, password) => api("POST", `${BASE}/auth/login`, { email, password });
export const signup = (email, password) => api("POST", `${BASE}/auth/signup`, { email, password });
export const verifyEmail = (key) => api("POST", `${BASE}/auth/email/verify`, { key });
export const requestPasswordReset = (email) => api("POST", `${BASE}/auth/password/request`, { email });
export const resetPassword = (key, password) => api("POST", `${BASE}/auth/password/reset`, { key, password });
export const secondFactor = (code) => api("POST", `${BASE}/auth/2fa/authenticate`, { code });

export function pendingFlow(answer) {
  const flows = answer?.data?.data?.flows || [];
  return flows.find((flow) => flow.is_pending)?.id || null;
}

// After any auth call: a 200 carries the user; otherwise note what step is pending.
export async function applyAuthAnswer(answer) {
  if (answer.status === 200 && answer.data?.meta?.is_authenticated) {
    const { id, email } = answer.data.data.user;
    const user = { id, email };
    await kv.set("session", user);
    update({ user, pendingFlow: null });
    refreshUploader();
    return true;
  }
  update({ pendingFlow: pendingFlow(answer) });
  return false;
}

// Who is signed in. Offline, the last account seen here stays signed in on this phone, so
// logs can be queued; the server decides when they sync.
export async function loadSession() {
  try {
    const answer = await get(`${BASE}/auth/session`);
    if (!(await applyAuthAnswer(answer))) {
      await kv.remove("session");
      update({ user: null });
    }
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    update({ user: (await kv.get("session")) || null, online: false });
  }
}

const CACHED_PER_USER = ["totals", "profile", "recents", "most-used", "synced"];

// Throws NetworkError offline: only the server can end the session, so nothing changes here.
// Signed out, the phone forgets the account's cached figures; its favorites and any logs
// still waiting stay, for when it signs in again.
export async function logout() {
  const user = state.user;
  const answer = await api("DELETE", `${BASE}/auth/session`);
  await kv.remove("session");
  await Promise.all(CACHED_PER_USER.map((name) => kv.remove(userKey(user, name))));
  update({ user: null, isUploader: false, pendingFlow: null });
  return answer;
}

// Staff with the upload permission see the Releases tab; the account says whether you are one.
async function refreshUploader() {
  try {
    const answer = await get("/api/v1/me/");
    if (state.user && answer.ok) update({ isUploader: answer.data?.can_upload_releases === true });
  } catch {
    // offline: keep what we knew
  }
}
