// History: the saved logs, newest first, a page at a time. Each opens to its credit
// explanation, an edit form (the server re-credits the change) and Delete, which waits a
// few seconds for an Undo before it reaches the server.

import { NetworkError, api, errorText, expectOk, get, query } from "../api.js";
import { formatDay, today } from "../dates.js";
import { field, formatRvu, h, replace, screen, toast } from "../dom.js";
import { choices } from "../profile.js";
import { state } from "../state.js";

const PAGE_SIZE = 25;
const UNDO_MS = 6000;
const MAX_MODIFIERS = 4;

// Deletes waiting out their Undo. Leaving the page sends them at once (keepalive outlives it).
const pendingDeletes = new Map();
addEventListener("pagehide", () => {
  for (const [id, pending] of pendingDeletes) {
    clearTimeout(pending.timer);
    api("DELETE", `/api/v1/logs/${id}/`, undefined, { keepalive: true }).catch(() => {});
  }
  pendingDeletes.clear();
});

export async function render(main) {
  const list = h("div");
  const more = h("button", { type: "button", class: "wide", hidden: true }, "Show older logs");
  const status = h("p", { class: "small muted", "aria-live": "polite" });
  screen(main, "History", status, list, more);

  if (!state.online) {
    replace(status, "History needs a connection. Logs waiting on this phone are on the Sync screen.");
    list.append(h("a", { href: "#/sync", class: "button" }, "Open Sync"));
    return;
  }
  let page = 1;
  let lastDay = null;
  let dayList = null;

  async function loadPage() {
    more.disabled = true;
    let answer;
    try {
      answer = await get(query("/api/v1/logs/", { page, page_size: PAGE_SIZE }));
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
      replace(status, "The connection dropped. Try again when it is back.");
      more.disabled = false;
      return;
    }
    expectOk(answer);
    const logs = answer.data.results.filter((log) => !pendingDeletes.has(log.id));
    if (page === 1 && !logs.length) replace(status, "No logs yet. Your saved logs will be listed here.");
    for (const log of logs) {
      if (log.performed_on !== lastDay) {
        lastDay = log.performed_on;
        dayList = h("ul", { class: "entries" });
        list.append(h("h2", { class: "day" }, formatDay(lastDay)), dayList);
      }
      dayList.append(entry(log));
    }
    more.hidden = !answer.data.next;
    more.disabled = false;
    page += 1;
  }
  more.addEventListener("click", () =>
    loadPage().catch((error) => replace(status, h("span", { class: "error" }, error.message))));
  await loadPage();
}

function describe(log) {
  const parts = [];
  if (log.modifiers.length) parts.push(`modifiers ${log.modifiers.join(", ")}`);
  if (log.units > 1) parts.push(`${log.units} units`);
  parts.push(log.setting === "non_facility" ? "non-facility" : "facility");
  if (log.case) parts.push(`case ${log.case}`);
  return parts.join(" · ");
}

function entry(log) {
  const item = h("li", { class: "entry", "data-log": log.id });
  const draw = () => replace(item,
    h("div", { class: "entry-head" },
      h("div", {}, h("strong", {}, log.code), " ", log.code_description),
      h("span", { class: "rvu" }, `${formatRvu(log.work_rvu)} wRVU`)),
    h("p", { class: "small muted" }, describe(log)),
    log.note ? h("p", { class: "small" }, `Note: ${log.note}`) : null,
    h("details", {},
      h("summary", {}, "Details"),
      h("p", { class: "explanation" }, log.credit_explanation),
      h("p", { class: "small muted" }, `Release ${log.release}`),
      h("div", { class: "row" },
        h("button", { type: "button", onClick: () => replace(item, editForm(log, draw)) }, "Edit"),
        h("button", { type: "button", class: "danger", onClick: () => remove(log, item) }, "Delete"))));
  draw();
  return item;
}

function editForm(log, done) {
  const error = h("p", { class: "error", "aria-live": "polite" });
  const date = h("input", { type: "date", required: true, max: today(), value: log.performed_on });
  const units = h("input", { type: "number", min: 1, max: 99, required: true, inputmode: "numeric", value: log.units });
  const modifiers = h("input", { type: "text", autocapitalize: "characters", value: log.modifiers.join(" ") });
  const setting = h("select", {}, choices().settings.map(([value, label]) => h("option", { value, selected: log.setting === value }, label)));
  const note = h("textarea", { maxlength: 200, rows: 2, value: log.note });
  const form = h("form", { class: "stack", "aria-label": `Edit ${log.code}` },
    h("p", {}, h("strong", {}, `Edit ${log.code}`), " ", log.code_description),
    field("Date of service", date),
    field("Units", units),
    field("Modifiers", modifiers, `Up to ${MAX_MODIFIERS}, separated by spaces, e.g. RT 59.`),
    field("Setting", setting),
    field("Note", note, "Never a patient's name, record number or date of birth."),
    error,
    h("div", { class: "row" },
      h("button", { type: "submit", class: "primary" }, "Save changes"),
      h("button", { type: "button", onClick: done }, "Cancel")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const changes = {
      performed_on: date.value,
      units: Number(units.value),
      modifiers: modifiers.value.toUpperCase().split(/[\s,]+/).filter(Boolean),
      setting: setting.value,
      note: note.value,
    };
    try {
      const answer = await api("PATCH", `/api/v1/logs/${log.id}/`, changes);
      if (!answer.ok) return replace(error, errorText(answer.data));
      Object.assign(log, answer.data);
      done();
      toast(`Saved ${log.code}: now ${formatRvu(log.work_rvu)} wRVU.`);
    } catch (failure) {
      if (!(failure instanceof NetworkError)) throw failure;
      replace(error, "No connection: the change was not saved.");
    }
  });
  queueMicrotask(() => date.focus());
  return form;
}

function remove(log, item) {
  item.hidden = true;
  const send = async () => {
    pendingDeletes.delete(log.id);
    try {
      const answer = await api("DELETE", `/api/v1/logs/${log.id}/`);
      if (!answer.ok && answer.status !== 404) throw new Error(errorText(answer.data));
      item.remove();
    } catch {
      item.hidden = false;
      toast(`${log.code} could not be deleted: no connection. It is back in the list.`);
    }
  };
  const timer = setTimeout(send, UNDO_MS);
  pendingDeletes.set(log.id, { timer });
  toast(`Deleted ${log.code} (${formatRvu(log.work_rvu)} wRVU).`, {
    timeout: UNDO_MS,
    action: {
      label: "Undo",
      run: () => {
        clearTimeout(timer);
        pendingDeletes.delete(log.id);
        item.hidden = false;
        item.querySelector("summary")?.focus();
      },
    },
  });
}
