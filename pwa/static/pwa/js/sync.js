// The outbox. Every log is written here first, with a client_id made on the phone, then sent.
// The API answers a repeated client_id with the log it already saved (200, not a new 201),
// so sending an item again after a lost answer cannot count it twice: an item leaves the
// queue only once the server has answered for it.
//
// Item: {client_id, user, kind: "log" | "case", body, summary, status: "pending" | "refused",
//        reason, queued_at}

import { NetworkError, api, errorText } from "./api.js";
import { kv, queueStore, userKey } from "./store.js";

const ENDPOINTS = { log: "/api/v1/logs/", case: "/api/v1/cases/" };
const REPORT_SIZE = 30;
const listeners = new Set();

export function onQueueChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const changed = () => listeners.forEach((listener) => listener());

export async function queuedFor(user) {
  const items = await queueStore.all();
  return items.filter((item) => item.user === user.id).sort((a, b) => a.queued_at - b.queued_at);
}

export async function enqueue(user, { kind, body, summary }) {
  const item = { client_id: body.client_id, user: user.id, kind, body, summary, status: "pending", reason: "", queued_at: Date.now() };
  await queueStore.put(item);
  changed();
  return item;
}

export async function discard(clientId) {
  await queueStore.remove(clientId);
  changed();
}

// Send every pending item of `user`, oldest first. Returns {synced, refused, stopped}:
// stopped is "offline", "signed-out" or "server" when the run ended early (the rest wait).
// A Web Lock keeps two tabs (or a double tap) from sending the same item side by side.
export function syncNow(user) {
  const run = () => sendPending(user);
  return navigator.locks ? navigator.locks.request("rvuedge-sync", run) : run();
}

async function sendPending(user) {
  const report = { synced: [], refused: [], stopped: null };
  for (const item of await queuedFor(user)) {
    if (item.status !== "pending") continue;
    let answer;
    try {
      answer = await api("POST", ENDPOINTS[item.kind], item.body);
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
      report.stopped = "offline";
      break;
    }
    if (answer.ok) {
      await queueStore.remove(item.client_id);
      report.synced.push({ ...item, saved: answer.data, synced_at: Date.now() });
    } else if (answer.status === 400 || answer.status === 409) {
      // Refused for a reason the user must fix (or a client_id already used otherwise): kept,
      // never retried as is.
      Object.assign(item, { status: "refused", reason: errorText(answer.data) });
      await queueStore.put(item);
      report.refused.push(item);
    } else {
      report.stopped = answer.status === 401 || answer.status === 403 ? "signed-out" : "server";
      break;
    }
  }
  if (report.synced.length) await remember(user, report.synced);
  if (report.synced.length || report.refused.length) changed();
  return report;
}

// The last items synced, for the Sync screen: what reached the server and what it credited.
async function remember(user, synced) {
  const key = userKey(user, "synced");
  const entries = synced.map((item) => ({
    client_id: item.client_id,
    kind: item.kind,
    summary: item.summary,
    work_rvu: item.saved?.work_rvu ?? null,
    synced_at: item.synced_at,
  }));
  const earlier = (await kv.get(key)) || [];
  await kv.set(key, [...entries.reverse(), ...earlier].slice(0, REPORT_SIZE));
}

export async function lastSynced(user) {
  return (await kv.get(userKey(user, "synced"))) || [];
}

// Where each of these items stands now, whichever run sent it (a save's own, or the timer's):
// sent (with what it was credited), refused (with the reason), or still waiting.
export async function whereAre(user, clientIds) {
  const [queued, sent] = await Promise.all([queuedFor(user), lastSynced(user)]);
  const inQueue = new Map(queued.map((item) => [item.client_id, item]));
  const wasSent = new Map(sent.map((entry) => [entry.client_id, entry]));
  const found = { sent: [], refused: [], waiting: [] };
  for (const clientId of clientIds) {
    const item = inQueue.get(clientId);
    if (item) found[item.status === "refused" ? "refused" : "waiting"].push(item);
    else if (wasSent.has(clientId)) found.sent.push(wasSent.get(clientId));
  }
  return found;
}
