// Profile: what puts the totals in context (annual target, specialty for the benchmark),
// the setting each new log starts with, and the time zone that decides "today".

import { NetworkError, errorText } from "../api.js";
import { field, h, replace, screen, toast } from "../dom.js";
import { choices, loadProfile, saveProfile } from "../profile.js";
import { state } from "../state.js";

export async function render(main) {
  const user = state.user;
  const profile = await loadProfile(user);
  const options = choices();
  const deviceZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zones = Intl.supportedValuesOf ? Intl.supportedValuesOf("timeZone") : [deviceZone];
  const option = (value, label, current) => h("option", { value, selected: value === current }, label);

  const target = h("input", { type: "number", min: 0, step: "0.01", inputmode: "decimal", value: profile.annual_wrvu_target ?? "" });
  const fte = h("input", { type: "number", min: 0.05, max: 1, step: "0.05", inputmode: "decimal", value: profile.clinical_fte ?? "1.00" });
  const specialty = h("select", {}, option("", "Not set", profile.specialty || ""),
    options.specialties.map((name) => option(name, name, profile.specialty)));
  const stage = h("select", {}, option("", "Not set", profile.career_stage || ""),
    options.career_stages.map(([value, label]) => option(value, label, profile.career_stage)));
  const setting = h("select", {}, options.settings.map(([value, label]) => option(value, label, profile.default_setting)));
  const zone = h("select", {}, [...new Set([profile.time_zone || "UTC", ...zones])].map((name) => option(name, name, profile.time_zone || "UTC")));
  const error = h("div", { class: "error", role: "alert" });

  const form = h("form", { class: "stack", "aria-label": "Profile" },
    field("Annual wRVU target", target, "Draws the target line on the weekly chart (a year's target ÷ 52)."),
    field("Clinical FTE", fte, "1.00 full time; 0.60 with 40% research."),
    field("Specialty", specialty, "As CMS names it; picks your benchmark row."),
    field("Career stage", stage),
    field("Setting of new logs", setting),
    field("Time zone", zone, `Decides what "today" is. This phone: ${deviceZone}.`),
    error,
    h("button", { type: "submit", class: "primary wide" }, "Save profile"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    replace(error);
    const changes = {
      annual_wrvu_target: target.value === "" ? null : target.value,
      clinical_fte: fte.value || "1.00",
      specialty: specialty.value,
      career_stage: stage.value,
      default_setting: setting.value,
      time_zone: zone.value,
    };
    try {
      const answer = await saveProfile(user, changes);
      if (!answer.ok) return replace(error, errorText(answer.data));
      toast("Profile saved.");
      location.hash = "#/totals";
    } catch (failure) {
      if (!(failure instanceof NetworkError)) throw failure;
      replace(error, "No connection: the profile was not saved.");
    }
  });
  screen(main, "Profile and target",
    state.online ? null : h("p", { class: "notice" }, "Offline: changes can be saved once the connection is back."),
    form);
}
