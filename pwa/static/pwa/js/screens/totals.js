// Totals: today, this week, this month and this year; wRVUs per week against the target;
// the top codes; where the year's pace stands in the benchmark. The last answers are kept
// on the phone, so the screen still shows them (dated) offline.

import { NetworkError, expectOk, get, query } from "../api.js";
import { weeklyChart, weeklyTable } from "../chart.js";
import { addDays, monthStart, today, weekStart, yearStart } from "../dates.js";
import { formatRvu, h, plural, replace, screen } from "../dom.js";
import { kv, userKey } from "../store.js";
import { state } from "../state.js";

const TOP_CODES = 5;
const WEEKS_PER_YEAR = 52;

export async function render(main) {
  const user = state.user;
  const body = h("div", { "aria-busy": "true" }, h("p", { class: "muted" }, "Adding up…"));
  screen(main, "Totals", body);

  const key = userKey(user, "totals");
  let data;
  try {
    data = await fetchTotals();
    await kv.set(key, data);
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    data = await kv.get(key);
  }
  body.removeAttribute("aria-busy");
  if (!data) return replace(body, h("p", { class: "notice" }, "Offline, and no totals were seen on this phone yet."));
  replace(body, draw(data));
}

async function fetchTotals() {
  const day = today();
  const week = weekStart(day);
  const month = monthStart(day);
  const year = yearStart(day);
  const daysFrom = week < month ? week : month;
  const totals = (params) => get(query("/api/v1/totals/", { to: day, ...params }));
  const [weeks, days, codes, profile, compare] = await Promise.all([
    totals({ from: year, group: "week" }),
    totals({ from: daysFrom, group: "day" }),
    totals({ from: year, group: "code" }),
    get("/api/v1/me/profile/"),
    get("/api/v1/benchmarks/compare/"),
  ]);
  expectOk(weeks, days, codes);
  const sumFrom = (first) =>
    days.data.groups.filter((group) => group.key >= first).reduce(
      (sum, group) => ({ work_rvu: sum.work_rvu + Number(group.work_rvu), count: sum.count + group.count }),
      { work_rvu: 0, count: 0 },
    );
  return {
    fetched_at: Date.now(),
    day,
    week,
    periods: [
      ["Today", sumFrom(day)],
      ["This week", sumFrom(week)],
      ["This month", sumFrom(month)],
      ["This year", { work_rvu: Number(weeks.data.total.work_rvu), count: weeks.data.total.count }],
    ],
    weeks: allWeeks(year, week, weeks.data.groups),
    target: profile.ok && profile.data.annual_wrvu_target ? Number(profile.data.annual_wrvu_target) : null,
    topCodes: [...codes.data.groups]
      .sort((a, b) => Number(b.work_rvu) - Number(a.work_rvu))
      .slice(0, TOP_CODES),
    // The comparison is optional: an older server, or a 400 for a profile it cannot compare.
    compare: compare.ok ? compare.data : null,
    compareError: compare.ok ? "" : compare.data?.detail || "",
  };
}

// Every week from the one holding January 1 to this one, weeks with no logs at 0.
function allWeeks(year, lastWeek, groups) {
  const sums = new Map(groups.map((group) => [group.key, Number(group.work_rvu)]));
  const weeks = [];
  for (let start = weekStart(year); start <= lastWeek; start = addDays(start, 7)) {
    weeks.push({ start, work_rvu: sums.get(start) || 0 });
  }
  return weeks;
}

function draw(data) {
  const weeklyTarget = data.target ? data.target / WEEKS_PER_YEAR : null;
  const stale = data.day !== today() || !state.online;
  return [
    stale
      ? h("p", { class: "notice small" }, `As of ${new Date(data.fetched_at).toLocaleString("en-US")}: offline, or not refreshed since.`)
      : null,
    h("div", { class: "tiles" }, data.periods.map(([label, sum]) =>
      h("div", { class: "tile" },
        h("span", { class: "label" }, label),
        h("span", { class: "value" }, formatRvu(sum.work_rvu)),
        h("span", { class: "small muted" }, `wRVU · ${plural(sum.count, "log")}`)))),
    h("section", { class: "card", "aria-labelledby": "weeks-heading" },
      h("h2", { id: "weeks-heading" }, "wRVUs per week"),
      weeklyChart(data.weeks, weeklyTarget, { currentWeek: data.week }),
      h("p", { class: "legend" },
        h("span", {}, h("span", { class: "swatch" }), "wRVU in the week"),
        weeklyTarget
          ? h("span", {}, h("span", { class: "swatch target" }), `Target: ${formatRvu(data.target)} a year ÷ ${WEEKS_PER_YEAR}`)
          : h("a", { href: "#/settings" }, "Set an annual target")),
      targetLine(data.compare?.target),
      h("details", {}, h("summary", {}, "The weeks as a table"), weeklyTable(data.weeks))),
    h("section", { class: "card", "aria-labelledby": "top-heading" },
      h("h2", { id: "top-heading" }, "Top codes this year"),
      data.topCodes.length
        ? h("table", {},
            h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Code"), h("th", { scope: "col", class: "num" }, "Logs"), h("th", { scope: "col", class: "num" }, "wRVU"))),
            h("tbody", {}, data.topCodes.map((group) => h("tr", {},
              h("td", {}, h("strong", {}, group.key), " ", h("span", { class: "small muted" }, group.description || "")),
              h("td", { class: "num" }, String(group.count)),
              h("td", { class: "num" }, formatRvu(group.work_rvu))))))
        : h("p", { class: "muted" }, "No logs this year yet.")),
    benchmarkCard(data.compare, data.compareError),
  ];
}

// What the year still asks for, from the comparison's `target` part.
function targetLine(target) {
  if (!target) return null;
  if (Number(target.projected_shortfall) <= 0) {
    return h("p", { class: "small success" }, `On pace for your target of ${formatRvu(target.annual_target)} wRVU this year.`);
  }
  if (target.needed_per_week === null || target.needed_per_week === undefined) return null;
  return h("p", { class: "small" },
    `To reach ${formatRvu(target.annual_target)} by December 31: ${formatRvu(target.needed_per_week)} wRVU a week `,
    `over the ${plural(target.working_days_left, "working day")} left.`);
}

// GET /api/v1/benchmarks/compare/: `benchmark` holds the standing (percentile or position),
// `benchmark_set` the source it rests on; when either is missing the reason is shown instead.
function benchmarkCard(compare, error) {
  const heading = h("h2", { id: "benchmark-heading" }, "Benchmark");
  const section = (...children) => h("section", { class: "card", "aria-labelledby": "benchmark-heading", "data-testid": "benchmark" }, heading, ...children);
  const standing = compare?.benchmark || compare?.standing;
  const set = compare?.benchmark_set || standing?.benchmark_set;
  if (!standing) {
    const reason = compare?.benchmark_unavailable || error;
    return section(
      h("p", {}, "No benchmark yet."),
      reason ? h("p", { class: "small muted" }, reason) : null,
      h("p", { class: "small" }, h("a", { href: "#/settings" }, "Set your specialty")));
  }
  const percentile = standing.percentile !== null && standing.percentile !== undefined ? ordinal(Number(standing.percentile)) : null;
  // "47th percentile", or outside p10–p90 "Below p10"; then whom it is among.
  const headline = percentile ? `${percentile} percentile` : capitalised(standing.position || "");
  const point = standing.point;
  return section(
    h("p", {}, h("span", { class: "total" }, headline)),
    point ? h("p", {}, `of ${point.specialty}, among ${point.provider_count} providers`) : null,
    compare.pace?.full_time_equivalent
      ? h("p", { class: "small muted" }, `Your pace: ${formatRvu(compare.pace.full_time_equivalent)} wRVU a year (full-time equivalent).`)
      : null,
    set ? h("p", { class: "small" }, "Source: ", [set.name, set.source, set.year].filter(Boolean).join(" · ")) : null,
    compare.peers
      ? h("p", { class: "small" }, `Among ${compare.peers.peer_count} ${compare.peers.based_on || "peers"}: your pace is above ${compare.peers.percent_below_you}% of theirs.`)
      : null,
    standing.method ? h("details", {}, h("summary", {}, "How this is worked out"), h("p", { class: "small" }, standing.method)) : null);
}

function ordinal(value) {
  const whole = Math.round(value);
  const suffix = whole % 100 >= 11 && whole % 100 <= 13 ? "th" : { 1: "st", 2: "nd", 3: "rd" }[whole % 10] || "th";
  return `${whole}${suffix}`;
}

function capitalised(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
