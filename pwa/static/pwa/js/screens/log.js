// Log: find a code, tap it, adjust modifiers and units, check the credited wRVU, save.
// Several lines saved together form a case (one session), which the multiple-procedure
// rule ranks as a whole; untick "one case" to save them as separate logs instead.
// Every save goes through the outbox (sync.js), online or not.

import { NetworkError, api, errorText } from "../api.js";
import { favoriteCodes, knownCodes, recentCodes, rememberRecent, searchCatalog, searchKnown, synonymQuery, toggleFavorite } from "../codes.js";
import { today } from "../dates.js";
import { field, formatRvu, h, plural, replace, screen } from "../dom.js";
import { choices, loadProfile } from "../profile.js";
import { state } from "../state.js";
import { discard, enqueue, syncNow, whereAre } from "../sync.js";

const COMMON_MODIFIERS = ["26", "TC", "50", "RT", "LT", "59", "51", "80"];
const MORE_MODIFIERS = ["22", "25", "52", "53", "57", "62", "66", "73", "74", "76", "78", "79", "82", "AS", "XS", "XU"];
const MAX_MODIFIERS = 4;
const MAX_UNITS = 99;
const PAID_STATUSES = "ART";
const SEARCH_DELAY_MS = 150;
const PREVIEW_DELAY_MS = 350;

// The log being written survives a trip to another tab (not a reload). Its date follows the
// calendar (an app left open overnight) until the user picks one.
const draft = { lines: [], performed_on: today(), dateChosen: false, setting: null, note: "", asCase: true, replaces: null };
let lineCount = 0;

// From the Sync screen: a refused log comes back here to be fixed, and replaces the refused
// item when saved (with a new client_id: the server never stored the refused one).
export function loadRefused(item) {
  const body = item.body;
  const lines = item.kind === "case" ? body.lines : [body];
  Object.assign(draft, {
    lines: lines.map((line) => newLine({ code: line.code, description: item.summary.descriptions?.[line.code] || "" }, line)),
    performed_on: body.performed_on,
    dateChosen: true,
    setting: body.setting,
    note: body.note || "",
    asCase: item.kind === "case",
    replaces: item.client_id,
  });
}

function newLine(entry, { modifiers = [], units = 1 } = {}) {
  return { key: ++lineCount, code: entry.code, description: entry.description || "", catalogRvu: entry.work_rvu ?? null, modifiers: [...modifiers], units };
}

export async function render(main) {
  const user = state.user;
  if (!draft.setting) draft.setting = (await loadProfile(user)).default_setting || "facility";
  if (!draft.dateChosen) draft.performed_on = today();
  const favorites = new Set((await favoriteCodes(user)).map((entry) => entry.code));

  const searchInput = h("input", {
    type: "search", autocomplete: "off", autocapitalize: "off", spellcheck: "false", enterkeyhint: "search",
    placeholder: "e.g. 99213 or tka",
  });
  const searchNote = h("p", { class: "small muted", "aria-live": "polite" });
  const results = h("ul", { class: "results", "aria-label": "Codes found" });
  const quickPicks = h("div");
  const linesBox = h("div");
  const preview = h("div", { class: "preview", "aria-live": "polite" });
  const outcome = h("div", { "aria-live": "polite" });
  const saveButton = h("button", { type: "submit", class: "primary wide" }, "Save");

  // --- search ---
  let searchTimer;
  let searchRun = 0;
  let controller;
  searchInput.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => search(searchInput.value.trim()), SEARCH_DELAY_MS);
  });

  async function search(text) {
    const run = ++searchRun;
    controller?.abort();
    quickPicks.hidden = Boolean(text);
    if (!text) {
      replace(results);
      replace(searchNote);
      return;
    }
    const synonym = await synonymQuery(text);
    let found = null;
    let note = "";
    if (state.online) {
      controller = new AbortController();
      try {
        const [typed, extra] = await Promise.all([
          searchCatalog(text, controller.signal),
          synonym ? searchCatalog(synonym, controller.signal) : [],
        ]);
        found = [...typed, ...extra];
        if (synonym && extra.length) note = `Also showing codes for “${synonym}”.`;
      } catch (error) {
        if (error.name === "AbortError") return;
        if (!(error instanceof NetworkError)) throw error;
      }
    }
    if (!found) {
      const known = await knownCodes(user);
      found = [...searchKnown(known, text), ...(synonym ? searchKnown(known, synonym) : [])];
      note = "Offline: searching your favorites, recent and most used codes.";
    }
    if (run !== searchRun) return; // a newer keystroke has its own answer coming
    const unique = [...new Map(found.map((entry) => [entry.code, entry])).values()];
    if (!unique.length) note = `${note} No code matches “${text}”.`.trim();
    replace(searchNote, note);
    replace(results, unique.map(resultItem));
  }

  function resultItem(entry) {
    const details = [];
    if (entry.work_rvu !== null && entry.work_rvu !== undefined) details.push(`${formatRvu(entry.work_rvu)} wRVU`);
    if (entry.release) details.push(entry.release);
    if (entry.status_code && !PAID_STATUSES.includes(entry.status_code)) details.push(`Medicare status ${entry.status_code}: not paid`);
    const star = h("button", {
      type: "button", class: "star", "aria-pressed": String(favorites.has(entry.code)), "aria-label": `Favorite ${entry.code}`,
      onClick: async () => {
        const on = await toggleFavorite(user, entry);
        on ? favorites.add(entry.code) : favorites.delete(entry.code);
        star.setAttribute("aria-pressed", String(on));
        drawQuickPicks();
      },
    }, "★");
    return h("li", {},
      h("button", { type: "button", class: "pick", onClick: () => addLine(entry) },
        h("span", { class: "code" }, entry.code), entry.description,
        details.length ? h("span", { class: "rvu" }, details.join(" · ")) : null),
      star);
  }

  async function drawQuickPicks() {
    const [favoriteList, recents] = await Promise.all([favoriteCodes(user), recentCodes(user)]);
    const group = (title, entries) =>
      entries.length
        ? [h("h2", {}, title), h("ul", { class: "chips" }, entries.map((entry) => h("li", {},
            h("button", { type: "button", class: "chip quick", "aria-label": `Add ${entry.code}, ${entry.description}`, onClick: () => addLine(entry) }, entry.code))))]
        : [];
    replace(quickPicks,
      group("Favorites", favoriteList),
      group("Recent", recents),
      favoriteList.length || recents.length ? null : h("p", { class: "small muted" }, "Tap ★ beside a code to keep it here."));
  }

  // --- lines ---
  function addLine(entry) {
    draft.lines.push(newLine(entry));
    searchInput.value = "";
    search("");
    drawLines();
    linesBox.querySelector(".line:last-of-type .chip")?.focus();
  }

  function drawLines() {
    const many = draft.lines.length > 1;
    const heading = many ? (draft.asCase ? "This case" : "These logs") : "This log";
    replace(linesBox,
      draft.lines.length ? h("h2", {}, heading) : h("p", { class: "muted" }, "Find a code above, or tap a favorite, to start."),
      draft.lines.map(lineCard),
      many ? h("label", { class: "check" },
        h("input", { type: "checkbox", checked: draft.asCase, onChange: (event) => { draft.asCase = event.target.checked; drawLines(); } }),
        "One case: done in the same session (credited together)") : null);
    saveButton.textContent = saveLabel();
    saveButton.disabled = !draft.lines.length;
    schedulePreview();
  }

  function lineCard(line) {
    const units = h("output", { "aria-live": "polite", id: `units-${line.key}` }, String(line.units));
    const step = (delta) => () => {
      line.units = Math.min(MAX_UNITS, Math.max(1, line.units + delta));
      units.textContent = String(line.units);
      schedulePreview();
    };
    const chip = (modifier) => {
      const pressed = line.modifiers.includes(modifier);
      return h("li", {}, h("button", {
        type: "button", class: "chip", "aria-pressed": String(pressed),
        "aria-label": `Modifier ${modifier} for ${line.code}`,
        disabled: !pressed && line.modifiers.length >= MAX_MODIFIERS,
        onClick: () => {
          line.modifiers = pressed ? line.modifiers.filter((m) => m !== modifier) : [...line.modifiers, modifier];
          drawLines();
          linesBox.querySelector(`[data-line="${line.key}"] [aria-label="Modifier ${modifier} for ${line.code}"]`)?.focus();
        },
      }, modifier));
    };
    const extra = line.modifiers.filter((m) => !COMMON_MODIFIERS.includes(m));
    return h("div", { class: "line", "data-line": line.key },
      h("div", { class: "line-head" },
        h("div", {}, h("span", { class: "code" }, line.code), line.description,
          line.catalogRvu !== null ? h("span", { class: "hint" }, `Catalog ${formatRvu(line.catalogRvu)} wRVU before modifiers and reductions`) : null),
        h("button", { type: "button", class: "link-button", "aria-label": `Remove ${line.code}`,
          onClick: () => { draft.lines = draft.lines.filter((other) => other !== line); drawLines(); searchInput.focus(); } }, "Remove")),
      h("p", { class: "small muted", id: `mods-${line.key}` }, "Modifiers"),
      h("ul", { class: "chips", "aria-labelledby": `mods-${line.key}` }, [...COMMON_MODIFIERS, ...extra].map(chip)),
      h("details", {},
        h("summary", {}, "More modifiers"),
        h("ul", { class: "chips" }, MORE_MODIFIERS.filter((m) => !extra.includes(m)).map(chip))),
      h("div", { class: "row" },
        h("span", { id: `units-label-${line.key}` }, "Units"),
        h("span", { class: "stepper", role: "group", "aria-labelledby": `units-label-${line.key}` },
          h("button", { type: "button", "aria-label": `Fewer units of ${line.code}`, onClick: step(-1) }, "−"),
          units,
          h("button", { type: "button", "aria-label": `More units of ${line.code}`, onClick: step(1) }, "+"))));
  }

  function saveLabel() {
    const count = draft.lines.length;
    if (count <= 1) return "Save log";
    return draft.asCase ? `Save case (${count} lines)` : `Save ${count} logs`;
  }

  // --- credited wRVU, before saving ---
  let previewTimer;
  let previewRun = 0;
  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(runPreview, PREVIEW_DELAY_MS);
  }

  async function runPreview() {
    const run = ++previewRun;
    if (!draft.lines.length) return replace(preview);
    if (!state.online) {
      return replace(preview, h("p", { class: "notice small" },
        "Offline: the credited wRVU is worked out when this log reaches the server."));
    }
    const groups = draft.asCase ? [draft.lines] : draft.lines.map((line) => [line]);
    let answers;
    try {
      answers = await Promise.all(groups.map((lines) => api("POST", "/api/v1/wrvu/preview", {
        performed_on: draft.performed_on,
        setting: draft.setting,
        lines: lines.map(({ code, modifiers, units }) => ({ code, modifiers, units })),
      })));
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
      return replace(preview, h("p", { class: "notice small" }, "No connection: the credited wRVU will come with the sync."));
    }
    if (run !== previewRun) return;
    const refused = answers.find((answer) => !answer.ok);
    if (refused) {
      return replace(preview, h("div", { class: "error-box" },
        h("p", {}, h("strong", {}, "This cannot be credited as it stands. ")), h("p", {}, errorText(refused.data))));
    }
    const lines = answers.flatMap((answer) => answer.data.lines);
    const total = answers.reduce((sum, answer) => sum + Number(answer.data.work_rvu), 0);
    replace(preview, h("div", { class: "card" },
      h("p", {}, "Credited: ", h("span", { class: "total", "data-testid": "preview-total" }, `${formatRvu(total)} wRVU`)),
      h("ul", { class: "entries" }, lines.map((line) => h("li", {},
        h("div", { class: "entry-head" },
          h("strong", {}, [line.code, ...line.modifiers].join("-"), line.units > 1 ? ` ×${line.units}` : ""),
          h("span", { class: "rvu" }, `${formatRvu(line.work_rvu)} wRVU`)),
        h("p", { class: "explanation" }, line.explanation)))),
      h("p", { class: "small muted" }, `Plan: ${answers[0].data.plan}`)));
  }

  // --- save ---
  async function save(event) {
    event.preventDefault();
    if (!draft.lines.length) return;
    const items = outboxItems();
    for (const item of items) await enqueue(user, item);
    if (draft.replaces) await discard(draft.replaces);
    await rememberRecent(user, draft.lines.map((line) => ({ code: line.code, description: line.description, work_rvu: line.catalogRvu })));
    Object.assign(draft, { lines: [], note: "", replaces: null, asCase: true });
    noteInput.value = "";
    drawLines();
    drawQuickPicks();
    replace(outcome, h("p", { class: "muted" }, "Saving…"));
    const stopped = state.online ? (await syncNow(user)).stopped : "offline";
    showOutcome(await whereAre(user, items.map((item) => item.body.client_id)), stopped);
  }

  function outboxItems() {
    const { performed_on, setting, note } = draft;
    const descriptions = Object.fromEntries(draft.lines.map((line) => [line.code, line.description]));
    const lineBody = ({ code, modifiers, units }) => ({ client_id: crypto.randomUUID(), code, modifiers, units });
    const summary = (lines) => ({
      codes: lines.map((line) => [line.code, ...line.modifiers].join("-") + (line.units > 1 ? ` ×${line.units}` : "")),
      descriptions,
      performed_on,
    });
    if (draft.lines.length > 1 && draft.asCase) {
      return [{ kind: "case", body: { client_id: crypto.randomUUID(), performed_on, setting, note, lines: draft.lines.map(lineBody) }, summary: summary(draft.lines) }];
    }
    return draft.lines.map((line) => ({ kind: "log", body: { ...lineBody(line), performed_on, setting, note }, summary: summary([line]) }));
  }

  function showOutcome({ sent, refused, waiting }, stopped) {
    const blocks = [];
    if (sent.length) {
      const credited = sent.reduce((sum, entry) => sum + Number(entry.work_rvu || 0), 0);
      blocks.push(h("div", { class: "success-box", "data-testid": "saved" },
        h("p", {}, h("strong", {}, `Saved ${plural(sent.length, sent[0].kind === "case" ? "case" : "log")}: ${formatRvu(credited)} wRVU`)),
        sent.map((entry) => h("p", { class: "small" }, `${entry.summary.codes.join(", ")} on ${entry.summary.performed_on}`))));
    }
    for (const item of refused) {
      blocks.push(h("div", { class: "error-box", "data-testid": "refused" },
        h("p", {}, h("strong", {}, `Not saved: ${item.summary.codes.join(", ")}`)),
        h("p", {}, item.reason),
        h("div", { class: "row" },
          h("button", { type: "button", onClick: () => { loadRefused(item); render(main); } }, "Fix it"),
          h("button", { type: "button", class: "danger", onClick: async () => { await discard(item.client_id); replace(outcome); } }, "Discard"))));
    }
    if (waiting.length) {
      const one = waiting.length === 1;
      const next = stopped === "signed-out"
        ? `Sign in again to send ${one ? "it" : "them"}.`
        : `${one ? "It" : "They"} will be sent when the connection is back.`;
      blocks.push(h("p", { class: "notice", "data-testid": "queued" }, `${plural(waiting.length, waiting[0].kind)} kept on this phone. ${next}`));
    }
    replace(outcome, blocks);
    outcome.scrollIntoView({ block: "nearest" });
  }

  // --- the form ---
  const dateInput = h("input", { type: "date", required: true, max: today(), value: draft.performed_on,
    onChange: (event) => {
      draft.performed_on = event.target.value || today();
      draft.dateChosen = Boolean(event.target.value);
      schedulePreview();
    } });
  const settingChoices = choices().settings;
  const settingGroup = h("fieldset", { class: "card" },
    h("legend", {}, "Setting"),
    h("div", { class: "segmented" }, settingChoices.map(([value, label]) => h("label", {},
      h("input", { type: "radio", name: "setting", value, checked: draft.setting === value,
        onChange: () => { draft.setting = value; schedulePreview(); } }),
      label))));
  const noteInput = h("textarea", { maxlength: 200, rows: 2, value: draft.note, onInput: (event) => { draft.note = event.target.value; } });

  screen(main, "Log a procedure",
    h("form", { role: "search", class: "search", onSubmit: (event) => { event.preventDefault(); search(searchInput.value.trim()); } },
      field("Find a code", searchInput, "Code, words or a common name (tka, cxr)."),
      searchNote,
      results),
    outcome,
    quickPicks,
    h("form", { onSubmit: save, "aria-label": "New log" },
      linesBox,
      field("Date of service", dateInput),
      settingGroup,
      field("Note (optional)", noteInput, "For your own context. Never a patient's name, record number or date of birth."),
      preview,
      h("div", { class: "save-bar" }, saveButton)),
    h("p", { class: "small muted" },
      "RVU Edge keeps codes, dates, settings and your notes; never patient details."));

  drawQuickPicks();
  drawLines();
}
