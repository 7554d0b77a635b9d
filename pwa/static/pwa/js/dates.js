// Dates as the phone's user lives them: "today" is the local day, never UTC's.

const pad = (number) => String(number).padStart(2, "0");

export function isoDate(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export function parseIsoDate(text) {
  const [year, month, day] = text.split("-").map(Number);
  return new Date(year, month - 1, day);
}

export const today = () => isoDate(new Date());

export function addDays(text, days) {
  const date = parseIsoDate(text);
  date.setDate(date.getDate() + days);
  return isoDate(date);
}

// Weeks start on Monday, as the API's group=week does.
export function weekStart(text) {
  const date = parseIsoDate(text);
  return addDays(text, -((date.getDay() + 6) % 7));
}

export const monthStart = (text) => `${text.slice(0, 7)}-01`;
export const yearStart = (text) => `${text.slice(0, 4)}-01-01`;

export function formatDay(text) {
  return parseIsoDate(text).toLocaleDateString("en-US", { weekday: "short", month: "short", day: "numeric", year: "numeric" });
}

export function formatShort(text) {
  return parseIsoDate(text).toLocaleDateString("en-US", { month: "short", day: "numeric" });
}
