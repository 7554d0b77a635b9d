// RVU Edge's phone app: start-up, the hash router, the connection badge and the sync triggers.
// Routes live in the #fragment (#/log, #/account/verify-email/<key>), so every screen is the
// one page Django serves at /app/, which the service worker keeps for offline use.

import { ApiError } from "./api.js";
import { loadSession } from "./auth.js";
import { refreshKnownCodes } from "./codes.js";
import { h, plural, replace, screen, toast } from "./dom.js";
import { state, subscribe, update } from "./state.js";
import { onQueueChange, queuedFor, syncNow } from "./sync.js";
import * as account from "./screens/account.js";
import * as history from "./screens/history.js";
import * as log from "./screens/log.js";
import * as releases from "./screens/releases.js";
import * as settings from "./screens/settings.js";
import * as syncScreen from "./screens/sync.js";
import * as totals from "./screens/totals.js";

const SYNC_EVERY_MS = 30000;

// [pattern, render, options]: `auth` screens need a user (the last one seen, offline);
// `guest` screens make no sense once signed in.
const ROUTES = [
  [/^\/log$/, log.render, { auth: true, tab: "log" }],
  [/^\/totals$/, totals.render, { auth: true, tab: "totals" }],
  [/^\/history$/, history.render, { auth: true, tab: "history" }],
  [/^\/sync$/, syncScreen.render, { auth: true }],
  [/^\/releases$/, releases.render, { auth: true, tab: "releases" }],
  [/^\/settings$/, settings.render, { auth: true, tab: "account" }],
  [/^\/account$/, account.renderAccount, { auth: true, tab: "account" }],
  [/^\/account\/login$/, account.renderLogin, { guest: true }],
  [/^\/account\/signup$/, account.renderSignup, { guest: true }],
  [/^\/account\/2fa$/, account.renderSecondFactor, { guest: true }],
  [/^\/account\/verify-email\/(?<key>[^/]+)$/, account.renderVerifyEmail, {}],
  [/^\/account\/password\/reset$/, account.renderResetRequest, {}],
  [/^\/account\/password\/reset\/key\/(?<key>[^/]+)$/, account.renderResetWithKey, {}],
];

const main = document.getElementById("main");
const tabs = document.getElementById("tabs");
const connection = document.getElementById("connection");
let leaveScreen = null; // what the current screen asked to run when it is left (stop a poll)
let routeRun = 0;

async function route() {
  const path = location.hash.replace(/^#/, "") || (state.user ? "/log" : "/account/login");
  const found = ROUTES.map(([pattern, render, options]) => ({ match: pattern.exec(path), render, options })).find(({ match }) => match);
  if (!found) return location.replace("#/log");
  const { match, render, options } = found;
  if (options.auth && !state.user) return location.replace("#/account/login");
  if (options.guest && state.user) return location.replace("#/log");

  leaveScreen?.();
  leaveScreen = null;
  drawTabs(options.tab);
  const run = ++routeRun;
  const params = Object.fromEntries(Object.entries(match.groups || {}).map(([name, value]) => [name, decodeURIComponent(value)]));
  try {
    const leave = await render(main, params);
    if (typeof leave === "function") run === routeRun ? (leaveScreen = leave) : leave();
  } catch (error) {
    if (run !== routeRun) return;
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      await loadSession();
      if (!state.user) return location.replace("#/account/login");
    }
    screen(main, "Something went wrong", h("p", { class: "error" }, error.message), h("a", { href: "#/log" }, "Back to Log"));
    console.error(error);
  }
}

function drawTabs(current) {
  tabs.hidden = !state.user;
  tabs.querySelector('[data-tab="releases"]').hidden = !state.isUploader;
  for (const link of tabs.querySelectorAll("a")) {
    if (link.dataset.tab === current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

// The badge in the top bar: online or not, and what waits on this phone.
async function drawConnection() {
  connection.hidden = !state.user;
  if (!state.user) return;
  const items = await queuedFor(state.user);
  const waiting = items.filter((item) => item.status === "pending").length;
  const refused = items.length - waiting;
  const parts = [state.online ? "Online" : "Offline"];
  if (waiting) parts.push(`${waiting} to send`);
  if (refused) parts.push(`${refused} refused`);
  connection.textContent = parts.join(" · ");
  connection.classList.toggle("is-offline", !state.online);
  connection.setAttribute("aria-label", `${parts.join(", ")}. Open Sync.`);
}

// Send what waits, and say what happened when the user did not ask (back online, a timer).
let syncing = false;
async function backgroundSync() {
  if (!state.user || !state.online || syncing) return;
  syncing = true;
  try {
    const report = await syncNow(state.user);
    const logs = (items) => items.reduce((sum, item) => sum + (item.kind === "case" ? item.body.lines.length : 1), 0);
    const parts = [];
    if (report.synced.length) parts.push(`Sent ${plural(logs(report.synced), "log")} from this phone.`);
    if (report.refused.length) parts.push(`${plural(logs(report.refused), "log")} refused by the server.`);
    if (parts.length) toast(parts.join(" "), { action: { label: "View", run: () => (location.hash = "#/sync") } });
  } finally {
    syncing = false;
  }
}

async function refreshOfflineData() {
  if (!state.user || !state.online) return;
  try {
    await refreshKnownCodes(state.user);
  } catch {
    // the lists stay as they were until the next try
  }
}

function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  const url = document.documentElement.dataset.serviceWorker;
  navigator.serviceWorker.register(url).then((registration) => {
    const offer = (worker) =>
      toast("A new version of RVU Edge is ready.", {
        timeout: 60000,
        action: { label: "Reload", run: () => worker.postMessage("skip-waiting") },
      });
    if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
    registration.addEventListener("updatefound", () => {
      const worker = registration.installing;
      worker.addEventListener("statechange", () => {
        if (worker.state === "installed" && navigator.serviceWorker.controller) offer(worker);
      });
    });
  });
  // Only an update the user accepted reloads the page; the first install just takes control.
  let hadController = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (hadController) location.reload();
    hadController = true;
  });
}

async function start() {
  registerServiceWorker();
  // The skip link focuses the screen without touching the #fragment, which holds the route.
  document.querySelector(".skip-link").addEventListener("click", (event) => {
    event.preventDefault();
    main.focus();
  });
  await loadSession();
  subscribe(() => drawTabs(tabs.querySelector("[aria-current]")?.dataset.tab));
  subscribe(drawConnection);
  // A sign-in (or the connection coming back) sends what waits, then refreshes the offline lists.
  let syncedFor = null;
  subscribe(() => {
    const key = state.user && state.online ? state.user.id : null;
    if (key !== null && key !== syncedFor) backgroundSync().then(refreshOfflineData);
    syncedFor = key;
  });
  onQueueChange(drawConnection);
  addEventListener("hashchange", route);
  addEventListener("online", async () => {
    update({ online: true });
    await loadSession(); // the session may have ended while the phone was away
    if (!state.user) location.hash = "#/account/login";
  });
  addEventListener("offline", () => update({ online: false }));
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") backgroundSync();
  });
  setInterval(backgroundSync, SYNC_EVERY_MS);
  await route();
  await drawConnection();
  if (state.user && state.online) {
    syncedFor = state.user.id;
    backgroundSync().then(refreshOfflineData);
  }
}

start().catch((error) => {
  replace(main, h("p", { class: "error" }, "RVU Edge could not start: ", error.message));
  console.error(error);
});
