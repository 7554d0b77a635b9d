// Releases (staff with the upload permission): upload a CMS release and watch it import.
// POST /api/v1/releases/ answers 202 with the upload's id; GET /api/v1/releases/{id}/ then
// reports its state (queued, importing, recomputing, ready, failed) and progress.

import { NetworkError, api, errorText, expectOk, get, query } from "../api.js";
import { field, h, replace, screen } from "../dom.js";
import { state } from "../state.js";

const POLL_MS = 1500;
const UPLOAD_TIMEOUT_MS = 10 * 60 * 1000; // a 100 MB file on a slow link
const FINISHED = new Set(["ready", "failed"]);
const STATE_TEXT = {
  queued: "Waiting for a worker",
  importing: "Importing rows",
  recomputing: "Re-pricing the logs it governs",
  ready: "Ready",
  failed: "Failed",
};

export async function render(main) {
  if (!state.isUploader) {
    return screen(main, "Releases", h("p", {}, "Uploading releases is for staff with the upload permission."));
  }
  const file = h("input", { type: "file", required: true, accept: ".zip,.csv,.txt,.xlsx" });
  const name = h("input", { type: "text", autocapitalize: "characters", placeholder: "e.g. RVU26D", pattern: "[Rr][Vv][Uu][0-9]{2}[A-Da-d][Rr]?" });
  const effective = h("input", { type: "date" });
  const error = h("div", { class: "error", role: "alert" });
  const watch = h("div", { "aria-live": "polite" });
  const recent = h("div");
  const submit = h("button", { type: "submit", class: "primary wide" }, "Upload");
  let timer;

  const form = h("form", { class: "stack", "aria-label": "Upload a release" },
    field("Release file", file, "The CMS release ZIP, or its PPRRVU file as CSV, TXT or XLSX."),
    field("Release name (optional)", name, "Read from the file when left blank."),
    field("Effective date (optional)", effective, "Read from the release name when left blank."),
    error, submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    replace(error);
    const body = new FormData();
    body.append("file", file.files[0]);
    if (name.value.trim()) body.append("release_name", name.value.trim().toUpperCase());
    if (effective.value) body.append("effective_on", effective.value);
    submit.disabled = true;
    replace(watch, h("p", {}, "Uploading…"));
    try {
      const answer = await api("POST", "/api/v1/releases/", body, { timeout: UPLOAD_TIMEOUT_MS });
      if (!answer.ok) {
        replace(watch);
        return replace(error, errorText(answer.data));
      }
      form.reset();
      follow(answer.data);
    } catch (failure) {
      if (!(failure instanceof NetworkError)) throw failure;
      replace(watch);
      replace(error, "The upload did not reach the server. Try again on a steadier connection.");
    } finally {
      submit.disabled = false;
    }
  });

  // Poll the upload until it is ready or failed.
  function follow(upload) {
    drawUpload(upload);
    if (FINISHED.has(upload.state)) return listRecent();
    timer = setTimeout(async () => {
      try {
        const [answer] = expectOk(await get(`/api/v1/releases/${upload.id}/`));
        follow(answer.data);
      } catch (failure) {
        if (!(failure instanceof NetworkError)) throw failure;
        follow(upload); // keep asking until the connection is back
      }
    }, POLL_MS);
  }

  function drawUpload(upload) {
    const ready = upload.state === "ready";
    const total = ready ? 1 : upload.progress_total || 0;
    const done = ready ? 1 : Math.min(upload.progress_done || 0, total);
    replace(watch, h("section", { class: "card", "data-testid": "upload", "data-state": upload.state },
      h("h2", {}, upload.original_name || "Upload"),
      h("p", {}, h("strong", {}, STATE_TEXT[upload.state] || upload.state),
        upload.progress_stage && !FINISHED.has(upload.state) ? ` · ${upload.progress_stage}` : "",
        upload.release ? ` · ${upload.release}` : ""),
      upload.state === "failed"
        ? null
        : total
          ? h("progress", { max: total, value: done, "aria-label": `Progress of ${upload.original_name}` }, `${done} of ${total}`)
          : h("progress", { "aria-label": `Progress of ${upload.original_name}` }),
      total && !ready ? h("p", { class: "small muted" }, `${done.toLocaleString("en-US")} of ${total.toLocaleString("en-US")}`) : null,
      upload.error ? h("p", { class: "error" }, upload.error) : null));
  }

  async function listRecent() {
    try {
      const [answer] = expectOk(await get(query("/api/v1/release-uploads/", { page_size: 5 })));
      const uploads = answer.data.results || [];
      replace(recent, h("h2", {}, "Recent uploads"),
        uploads.length
          ? h("ul", { class: "entries" }, uploads.map((upload) => h("li", { class: "entry" },
              h("div", { class: "entry-head" },
                h("span", {}, upload.original_name),
                h("span", { class: "small" }, STATE_TEXT[upload.state] || upload.state)),
              h("p", { class: "small muted" }, [upload.release, new Date(upload.created_at).toLocaleString("en-US")].filter(Boolean).join(" · ")),
              upload.error ? h("p", { class: "small error" }, upload.error) : null)))
          : h("p", { class: "muted" }, "No uploads yet."));
    } catch (failure) {
      if (!(failure instanceof NetworkError)) throw failure;
      replace(recent, h("p", { class: "muted" }, "Offline: recent uploads will show when the connection is back."));
    }
  }

  screen(main, "Releases", form, watch, recent);
  await listRecent();
  return () => clearTimeout(timer);
}
