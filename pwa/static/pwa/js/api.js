// Calls to RVU Edge's documented API (/api/v1/) and allauth's browser API (/_allauth/browser/v1/).
// The session cookie signs them in; a write also carries the CSRF token from its cookie, as
// Django requires of cookie-authenticated requests.

// Thrown when no answer came at all: the phone is offline or the Wi-Fi dropped mid-request.
export class NetworkError extends Error {}

const SESSION_URL = "/_allauth/browser/v1/auth/session";

function cookie(name) {
  const prefix = `${name}=`;
  const found = document.cookie.split("; ").find((part) => part.startsWith(prefix));
  return found ? decodeURIComponent(found.slice(prefix.length)) : "";
}

// Hospital Wi-Fi can hold a request open for minutes; past `timeout` it counts as no answer.
const TIMEOUT_MS = 15000;

export async function api(method, path, body, { signal, keepalive, timeout = TIMEOUT_MS } = {}) {
  const headers = { Accept: "application/json" };
  const deadline = AbortSignal.timeout(timeout);
  signal = signal ? AbortSignal.any([signal, deadline]) : deadline;
  const init = { method, headers, credentials: "same-origin", signal, keepalive };
  try {
    if (method !== "GET") {
      // allauth's browser endpoints set the CSRF cookie; a shell opened from the cache may lack it.
      if (!cookie("csrftoken")) await fetch(SESSION_URL, { credentials: "same-origin", signal });
      headers["X-CSRFToken"] = cookie("csrftoken");
    }
    if (body instanceof FormData) {
      init.body = body;
    } else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    return { status: response.status, ok: response.ok, data };
  } catch (error) {
    if (error.name === "AbortError") throw error; // the caller gave up (a newer search); a timeout is a TimeoutError
    throw new NetworkError("No connection");
  }
}

export const get = (path, options) => api("GET", path, undefined, options);

// An answer a screen cannot go on without; the router shows its reason (or the sign-in
// screen, for a 401 or 403 from an ended session).
export class ApiError extends Error {
  constructor(answer) {
    super(errorText(answer.data));
    this.status = answer.status;
  }
}

export function expectOk(...answers) {
  const failed = answers.find((answer) => !answer.ok);
  if (failed) throw new ApiError(failed);
  return answers;
}

export function query(path, params) {
  const search = new URLSearchParams(Object.entries(params).filter(([, value]) => value !== undefined));
  return `${path}?${search}`;
}

// Field names as the user knows them from the form.
const FIELD_LABELS = {
  performed_on: "Date",
  code: "Code",
  modifiers: "Modifiers",
  units: "Units",
  setting: "Setting",
  note: "Note",
  lines: "",
  client_id: "Client id",
  file: "File",
  password: "Password",
  email: "Email",
};

// One readable sentence from an error answer: DRF's {field: [messages]} (lines of a case
// nested as {lines: {0: {code: [...]}}}), {detail: ...}, or allauth's {errors: [{message}]}.
export function errorText(data) {
  if (!data) return "The server gave no reason.";
  if (Array.isArray(data.errors)) return data.errors.map((error) => error.message).join(" ");
  const parts = [];
  const walk = (value, where) => {
    if (typeof value === "string") {
      parts.push(where ? `${where}: ${value}` : value);
    } else if (Array.isArray(value)) {
      value.forEach((item) => walk(item, where));
    } else if (value && typeof value === "object") {
      for (const [key, inner] of Object.entries(value)) {
        if (key === "existing") continue; // a 409's copy of the saved log, not a reason
        let label = key in FIELD_LABELS ? FIELD_LABELS[key] : key;
        if (key === "detail" || key === "non_field_errors") label = "";
        if (/^\d+$/.test(key)) label = `line ${Number(key) + 1}`;
        walk(inner, [where, label].filter(Boolean).join(", "));
      }
    }
  };
  walk(data, "");
  return parts.join(" ") || "The server gave no reason.";
}
