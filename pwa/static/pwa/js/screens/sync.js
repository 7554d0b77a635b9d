// Sync: the logs kept on this phone (waiting, or refused by the server with its reason)
// and the last ones that reached the server, with what they were credited.

import { formatRvu, h, plural, replace, screen } from "../dom.js";
import { state } from "../state.js";
import { discard, lastSynced, onQueueChange, queuedFor, syncNow } from "../sync.js";
import { loadRefused } from "./log.js";

export async function render(main) {
  const user = state.user;
  const body = h("div");
  const status = h("p", { "aria-live": "polite", "data-testid": "sync-status" });
  const syncButton = h("button", { type: "button", class: "primary wide", onClick: sync }, "Sync now");
  screen(main, "Sync", status, syncButton, body);

  async function sync() {
    syncButton.disabled = true;
    replace(status, "Sending…");
    const report = await syncNow(user);
    const parts = [];
    if (report.synced.length) parts.push(`Sent ${plural(report.synced.length, "item")}.`);
    if (report.refused.length) parts.push(`${plural(report.refused.length, "item")} refused: see below.`);
    if (report.stopped === "offline") parts.push("No connection: the rest will go when it is back.");
    if (report.stopped === "signed-out") parts.push("Sign in again to send the rest.");
    if (report.stopped === "server") parts.push("The server did not answer properly; it will be tried again.");
    replace(status, parts.join(" ") || "Nothing to send.");
    syncButton.disabled = false;
    await draw();
  }

  async function draw() {
    const [queued, synced] = await Promise.all([queuedFor(user), lastSynced(user)]);
    const waiting = queued.filter((item) => item.status === "pending");
    const refused = queued.filter((item) => item.status === "refused");
    syncButton.disabled = !waiting.length || !state.online;
    replace(body,
      h("h2", {}, `Waiting to send (${waiting.length})`),
      waiting.length
        ? h("ul", { class: "entries", "data-testid": "waiting" }, waiting.map((item) => queuedEntry(item)))
        : h("p", { class: "muted" }, "Nothing waiting: everything logged on this phone has reached the server."),
      refused.length ? h("h2", {}, `Refused by the server (${refused.length})`) : null,
      refused.length ? h("ul", { class: "entries", "data-testid": "refused-list" }, refused.map((item) => queuedEntry(item))) : null,
      h("h2", {}, "Recently sent"),
      synced.length
        ? h("ul", { class: "entries", "data-testid": "synced" }, synced.map((entry) => h("li", { class: "entry" },
            h("div", { class: "entry-head" },
              h("span", {}, `${entry.summary.codes.join(", ")} on ${entry.summary.performed_on}`),
              h("span", { class: "rvu" }, entry.work_rvu === null ? "" : `${formatRvu(entry.work_rvu)} wRVU`)),
            h("p", { class: "small muted" }, `Sent ${new Date(entry.synced_at).toLocaleString("en-US")}`))))
        : h("p", { class: "muted" }, "Nothing sent from this phone yet."));
  }

  function queuedEntry(item) {
    const refused = item.status === "refused";
    return h("li", { class: "entry" },
      h("div", { class: "entry-head" },
        h("span", {}, h("strong", {}, item.summary.codes.join(", ")), ` on ${item.summary.performed_on}`),
        h("span", { class: `badge ${refused ? "refused" : "pending"}` }, refused ? "Refused" : "Waiting")),
      h("p", { class: "small muted" }, `Logged ${new Date(item.queued_at).toLocaleString("en-US")}`),
      refused ? h("p", { class: "error" }, `Reason: ${item.reason}`) : null,
      h("div", { class: "row" },
        refused ? h("button", { type: "button", onClick: () => { loadRefused(item); location.hash = "#/log"; } }, "Fix it") : null,
        h("button", { type: "button", class: "danger", onClick: () => discardItem(item) }, "Discard")));
  }

  function discardItem(item) {
    // A waiting item may have reached the server just before the answer was lost; it stays there.
    const question = item.status === "refused"
      ? "Discard this refused log?"
      : "Discard this log before it is sent? If it already reached the server, it stays in your history.";
    if (confirm(question)) discard(item.client_id);
  }

  const stop = onQueueChange(draw);
  await draw();
  return stop;
}
