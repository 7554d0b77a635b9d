// The wRVUs-per-week chart, drawn as SVG by hand: a bar per week of the year so far and a
// dashed line at the weekly target. Sizes are SVG attributes and colours come from app.css
// classes, so the chart needs no inline style. A table of the same numbers follows it for
// screen readers and for anyone who wants the figures.

import { h } from "./dom.js";
import { addDays, formatShort, parseIsoDate } from "./dates.js";

const WIDTH = 340;
const HEIGHT = 190;
const PAD = { top: 18, right: 8, bottom: 24, left: 34 };
const LABEL_WIDTH = 22;

// weeks: [{start: "2026-11-30", work_rvu: 12.5}] oldest first; target: wRVUs per week or null.
export function weeklyChart(weeks, target, { currentWeek } = {}) {
  const values = weeks.map((week) => week.work_rvu);
  const top = niceCeiling(Math.max(...values, target || 0, 1));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / Math.max(weeks.length, 1);
  const y = (value) => PAD.top + plotHeight - (value / top) * plotHeight;

  const svg = h("svg:svg", {
    class: "chart",
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: "img",
    "aria-labelledby": "chart-title chart-desc",
    "data-weeks": weeks.length,
  });
  svg.append(
    h("svg:title", { id: "chart-title" }, "wRVUs per week this year"),
    h("svg:desc", { id: "chart-desc" }, describe(weeks, target)),
    h("svg:line", { class: "axis", x1: PAD.left, x2: WIDTH - PAD.right, y1: y(0), y2: y(0) }),
    h("svg:text", { x: PAD.left - 4, y: y(top) + 4, "text-anchor": "end", "font-size": 11 }, String(top)),
    h("svg:text", { x: PAD.left - 4, y: y(0) + 4, "text-anchor": "end", "font-size": 11 }, "0"),
  );

  let lastLabelEnd = -Infinity;
  weeks.forEach((week, index) => {
    const height = Math.max(y(0) - y(week.work_rvu), week.work_rvu > 0 ? 1 : 0);
    const bar = h("svg:rect", {
      class: week.start === currentWeek ? "bar current" : "bar",
      x: (PAD.left + index * slot + slot * 0.15).toFixed(2),
      y: (y(0) - height).toFixed(2),
      width: Math.max(slot * 0.7, 1).toFixed(2),
      height: height.toFixed(2),
    });
    bar.append(h("svg:title", {}, `Week of ${formatShort(week.start)}: ${week.work_rvu.toFixed(2)} wRVU`));
    svg.append(bar);
    // Month names under the week holding each month's first day, where there is room: a name
    // needs about LABEL_WIDTH, and none may run off the right edge or onto the one before.
    const x = Math.min(PAD.left + index * slot, WIDTH - PAD.right - LABEL_WIDTH);
    if (startsMonth(week.start) && x >= lastLabelEnd) {
      const label = parseIsoDate(addDays(week.start, 6)).toLocaleDateString("en-US", { month: "short" });
      svg.append(h("svg:text", { x, y: HEIGHT - 6, "font-size": 11 }, label));
      lastLabelEnd = x + LABEL_WIDTH + 2;
    }
  });

  if (target) {
    svg.append(
      h("svg:line", { class: "target", x1: PAD.left, x2: WIDTH - PAD.right, y1: y(target), y2: y(target) }),
      h("svg:text", { class: "target-label", x: WIDTH - PAD.right, y: y(target) - 5, "text-anchor": "end", "font-size": 11 },
        `Target ${target.toFixed(1)}/wk`),
    );
  }
  return svg;
}

export function weeklyTable(weeks) {
  return h("table", {},
    h("caption", { class: "visually-hidden" }, "wRVUs per week"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Week of"), h("th", { scope: "col", class: "num" }, "wRVU"))),
    h("tbody", {}, [...weeks].reverse().map((week) =>
      h("tr", {}, h("td", {}, formatShort(week.start)), h("td", { class: "num" }, week.work_rvu.toFixed(2))))),
  );
}

function describe(weeks, target) {
  const total = weeks.reduce((sum, week) => sum + week.work_rvu, 0);
  const best = weeks.reduce((max, week) => Math.max(max, week.work_rvu), 0);
  const met = target ? weeks.filter((week) => week.work_rvu >= target).length : 0;
  const parts = [`${weeks.length} weeks, ${total.toFixed(2)} wRVU in all, best week ${best.toFixed(2)}.`];
  if (target) parts.push(`Weekly target ${target.toFixed(1)}, met in ${met} of ${weeks.length} weeks.`);
  return parts.join(" ");
}

// The week that holds the first day of a month gets that month's label.
function startsMonth(start) {
  const first = parseIsoDate(start);
  const last = parseIsoDate(addDays(start, 6));
  return first.getDate() === 1 || first.getMonth() !== last.getMonth();
}

// 1, 2, 2.5 or 5 times a power of ten, at or above `value`: an axis top a person reads easily.
function niceCeiling(value) {
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((factor) => factor * power >= value);
  return step * power;
}
