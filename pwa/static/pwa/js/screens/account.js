// Account: sign in (with the second factor when it is on), sign up, confirm an email, reset a
// password, and the signed-in account page. Emails link here: allauth's HEADLESS_FRONTEND_URLS
// point at /app/#/account/verify-email/<key> and /app/#/account/password/reset/key/<key>.

import { NetworkError, errorText } from "../api.js";
import { applyAuthAnswer, login, logout, requestPasswordReset, resetPassword, secondFactor, signup, verifyEmail } from "../auth.js";
import { field, h, plural, replace, screen, toast } from "../dom.js";
import { state } from "../state.js";
import { queuedFor } from "../sync.js";

const NO_PATIENT_DATA =
  "RVU Edge keeps codes, dates of service, settings and short notes. Never enter patient names, record numbers or dates of birth.";

// A form whose submit calls `send` and shows the server's reason when it fails.
function authForm(label, fields, submitLabel, send) {
  const error = h("div", { class: "error", role: "alert" });
  const button = h("button", { type: "submit", class: "primary wide" }, submitLabel);
  const form = h("form", { class: "stack", "aria-label": label }, fields, error, button);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    replace(error);
    button.disabled = true;
    try {
      const message = await send();
      if (message) replace(error, message);
    } catch (failure) {
      if (!(failure instanceof NetworkError)) throw failure;
      replace(error, "No connection. Signing in needs the network; try again when it is back.");
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

function failureText(answer) {
  if (answer.status === 429) return "Too many attempts. Wait a few minutes, then try again.";
  return errorText(answer.data);
}

// Where a login, a signup or a reset goes next: the app, the second factor, or a message.
function afterAuth(answer, email) {
  if (state.user) {
    location.hash = "#/log";
    return "";
  }
  if (state.pendingFlow === "mfa_authenticate") {
    location.hash = "#/account/2fa";
    return "";
  }
  if (state.pendingFlow === "verify_email") {
    return `Almost there: we sent a confirmation link to ${email || "your address"}. Open it on this phone.`;
  }
  return failureText(answer);
}

export function renderLogin(main) {
  const email = h("input", { type: "email", autocomplete: "username", required: true, inputmode: "email" });
  const password = h("input", { type: "password", autocomplete: "current-password", required: true });
  screen(main, "Sign in",
    authForm("Sign in", [field("Email", email), field("Password", password)], "Sign in", async () => {
      const answer = await login(email.value.trim(), password.value);
      await applyAuthAnswer(answer);
      return afterAuth(answer, email.value.trim());
    }),
    h("p", {}, h("a", { href: "#/account/signup" }, "Create an account")),
    h("p", {}, h("a", { href: "#/account/password/reset" }, "Forgot your password?")),
    h("p", { class: "small muted" }, NO_PATIENT_DATA));
  email.focus();
}

export function renderSignup(main) {
  const email = h("input", { type: "email", autocomplete: "email", required: true, inputmode: "email" });
  const password = h("input", { type: "password", autocomplete: "new-password", required: true, minlength: 8 });
  screen(main, "Create an account",
    h("p", { class: "notice small" }, NO_PATIENT_DATA),
    authForm("Create an account", [
      field("Email", email, "Your sign-in; we send a link to confirm it."),
      field("Password", password, "At least 8 characters, not a common password."),
    ], "Create account", async () => {
      const answer = await signup(email.value.trim(), password.value);
      await applyAuthAnswer(answer);
      return afterAuth(answer, email.value.trim());
    }),
    h("p", {}, "Already have an account? ", h("a", { href: "#/account/login" }, "Sign in")));
}

export function renderSecondFactor(main) {
  const code = h("input", { type: "text", inputmode: "numeric", autocomplete: "one-time-code", required: true, maxlength: 20 });
  screen(main, "Two-factor sign-in",
    authForm("Two-factor sign-in", [
      field("Code", code, "The 6-digit code from your authenticator app, or one of your recovery codes."),
    ], "Continue", async () => {
      const answer = await secondFactor(code.value.replace(/\s+/g, ""));
      await applyAuthAnswer(answer);
      return state.user ? afterAuth(answer) : failureText(answer);
    }),
    h("p", {}, h("a", { href: "#/account/login" }, "Start again")));
  code.focus();
}

export async function renderVerifyEmail(main, { key }) {
  const result = h("div", { "aria-live": "polite" }, h("p", { class: "muted" }, "Confirming your email…"));
  screen(main, "Confirm your email", result);
  let answer;
  try {
    answer = await verifyEmail(key);
  } catch (failure) {
    if (!(failure instanceof NetworkError)) throw failure;
    return replace(result, h("p", { class: "error" }, "No connection. Open the link again when you are online."));
  }
  if (answer.status === 200 || answer.status === 401) {
    await applyAuthAnswer(answer);
    return replace(result,
      h("p", { class: "success", "data-testid": "email-confirmed" }, "Your email is confirmed."),
      state.user ? h("a", { href: "#/log", class: "button primary" }, "Start logging") : h("a", { href: "#/account/login", class: "button primary" }, "Sign in"));
  }
  replace(result, h("p", { class: "error" }, failureText(answer)),
    h("p", {}, "The link may have expired or been used already. Sign in to get a new one."));
}

export function renderResetRequest(main) {
  const email = h("input", { type: "email", autocomplete: "email", required: true, inputmode: "email" });
  const done = h("div", { "aria-live": "polite" });
  screen(main, "Reset your password",
    authForm("Reset your password", [field("Email", email)], "Send me a link", async () => {
      const answer = await requestPasswordReset(email.value.trim());
      if (!answer.ok) return failureText(answer);
      replace(done, h("p", { class: "success" }, `If an account uses ${email.value.trim()}, a reset link is on its way.`));
      return "";
    }),
    done,
    h("p", {}, h("a", { href: "#/account/login" }, "Back to sign in")));
}

export function renderResetWithKey(main, { key }) {
  const password = h("input", { type: "password", autocomplete: "new-password", required: true, minlength: 8 });
  screen(main, "Choose a new password",
    authForm("Choose a new password", [field("New password", password, "At least 8 characters.")], "Save password", async () => {
      const answer = await resetPassword(key, password.value);
      if (answer.status === 200 || answer.status === 401) {
        await applyAuthAnswer(answer);
        location.hash = state.user ? "#/log" : "#/account/login";
        return "";
      }
      return failureText(answer);
    }));
}

export async function renderAccount(main) {
  const user = state.user;
  const version = document.documentElement.dataset.version;
  const signOut = h("button", { type: "button", class: "danger wide" }, "Sign out");
  signOut.addEventListener("click", async () => {
    const waiting = (await queuedFor(user)).length;
    if (waiting && !confirm(`${plural(waiting, "log")} on this phone ${waiting === 1 ? "has" : "have"} not reached the server. They stay here and are sent when you sign in again. Sign out?`)) return;
    try {
      await logout();
    } catch (failure) {
      if (!(failure instanceof NetworkError)) throw failure;
      return toast("Signing out needs the connection: only the server can end the session.");
    }
    location.hash = "#/account/login";
  });
  screen(main, "Account",
    h("p", {}, "Signed in as ", h("strong", {}, user.email)),
    h("ul", { class: "stack" },
      h("li", {}, h("a", { href: "#/settings" }, "Profile and target")),
      h("li", {}, h("a", { href: "#/sync" }, "Sync: logs kept on this phone")),
      h("li", {}, h("a", { href: "/accounts/2fa/" }, "Two-factor authentication"), " ", h("span", { class: "small muted" }, "(opens the account pages)")),
      h("li", {}, h("a", { href: "/api/v1/me/export/csv/", download: "rvuedge-logs.csv" }, "Download my logs (CSV)"))),
    h("p", { class: "small muted" }, NO_PATIENT_DATA),
    signOut,
    h("p", { class: "small muted" }, `App version ${version}`));
}
