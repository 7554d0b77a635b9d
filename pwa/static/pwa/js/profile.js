// The user's profile (target, default setting, specialty), kept on the phone for offline use.

import { NetworkError, api, get } from "./api.js";
import { kv, userKey } from "./store.js";

const PROFILE_URL = "/api/v1/me/profile/";

export async function loadProfile(user) {
  const key = userKey(user, "profile");
  try {
    const answer = await get(PROFILE_URL);
    if (answer.ok) {
      await kv.set(key, answer.data);
      return answer.data;
    }
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
  }
  return (await kv.get(key)) || {};
}

export async function saveProfile(user, changes) {
  const answer = await api("PATCH", PROFILE_URL, changes);
  if (answer.ok) await kv.set(userKey(user, "profile"), answer.data);
  return answer;
}

// The choices the page was rendered with (pwa/shell.py), e.g. the CMS specialties.
export function choices() {
  return JSON.parse(document.getElementById("choices").textContent);
}
