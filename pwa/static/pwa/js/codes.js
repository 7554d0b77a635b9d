// Finding a code: the catalog search of the API when online; offline, the codes this phone
// knows (favorites, recent and most used codes) searched the same way. A few everyday words
// that CMS's abbreviated descriptions never use ("tka", "c-section") also search for the
// words they do use (synonyms.json; tests/pwa/test_shell.py checks each finds a code).

import { get, query } from "./api.js";
import { addDays, today } from "./dates.js";
import { kv, userKey } from "./store.js";

const SYNONYMS_URL = new URL("../synonyms.json", import.meta.url);
const RECENT_SIZE = 12;
const MOST_USED_SIZE = 60;
let synonyms;

async function loadSynonyms() {
  synonyms ??= fetch(SYNONYMS_URL)
    .then((response) => response.json())
    .catch(() => ({}));
  return synonyms;
}

const words = (text) => text.toLowerCase().match(/[0-9a-z]+/g) || [];

// "tka left" also searches "total knee arthroplasty left": the synonym adds results, never
// hides those of the words as typed. Null when no word has a synonym.
export async function synonymQuery(text) {
  const table = await loadSynonyms();
  const typed = words(text).join(" ");
  let expanded = ` ${typed} `;
  // Longer terms first, so "knee scope" wins over a shorter term inside it.
  for (const term of Object.keys(table).sort((a, b) => b.length - a.length)) {
    expanded = expanded.replace(` ${term} `, ` ${table[term]} `);
  }
  expanded = expanded.trim();
  return expanded === typed ? null : expanded;
}

export async function searchCatalog(text, signal) {
  const answer = await get(query("/api/v1/codes/", { q: text, page_size: 20 }), { signal });
  return answer.ok ? answer.data.results : [];
}

// The same rule as the server's search: every word starts the code or a word of the description.
export function searchKnown(known, text) {
  const terms = words(text);
  if (!terms.length) return [];
  const matches = known.filter((entry) => {
    const haystack = ` ${words(entry.description || "").join(" ")}`;
    return terms.every((term) => entry.code.toLowerCase().startsWith(term) || haystack.includes(` ${term}`));
  });
  const first = terms[0].toUpperCase();
  const rank = (entry) => (entry.code === first ? 0 : entry.code.startsWith(first) ? 1 : 2);
  return matches.sort((a, b) => rank(a) - rank(b) || (b.uses || 0) - (a.uses || 0)).slice(0, 20);
}

// The codes this phone can search offline: favorites, recents and most used, one entry each.
export async function knownCodes(user) {
  const [favorites, recents, mostUsed] = await Promise.all([
    favoriteCodes(user),
    recentCodes(user),
    kv.get(userKey(user, "most-used")).then((list) => list || []),
  ]);
  const byCode = new Map();
  for (const entry of [...mostUsed, ...recents, ...favorites]) {
    byCode.set(entry.code, { ...byCode.get(entry.code), ...entry });
  }
  return [...byCode.values()];
}

export async function favoriteCodes(user) {
  return (await kv.get(userKey(user, "favorites"))) || [];
}

// Favorites live on this phone only: the API has no place for them.
export async function toggleFavorite(user, entry) {
  const key = userKey(user, "favorites");
  const favorites = await favoriteCodes(user);
  const without = favorites.filter((favorite) => favorite.code !== entry.code);
  const next = without.length === favorites.length ? [...favorites, pick(entry)] : without;
  await kv.set(key, next);
  return next.some((favorite) => favorite.code === entry.code);
}

export async function recentCodes(user) {
  return (await kv.get(userKey(user, "recents"))) || [];
}

export async function rememberRecent(user, entries) {
  const key = userKey(user, "recents");
  const codes = new Set(entries.map((entry) => entry.code));
  const earlier = (await recentCodes(user)).filter((entry) => !codes.has(entry.code));
  await kv.set(key, [...entries.map(pick), ...earlier].slice(0, RECENT_SIZE));
}

const pick = ({ code, description, work_rvu }) => ({ code, description, work_rvu: work_rvu ?? null });

// Online: refresh the offline lists from the server (the last logs, the year's most used codes).
export async function refreshKnownCodes(user) {
  const [logs, totals] = await Promise.all([
    get(query("/api/v1/logs/", { page_size: 50 })),
    get(query("/api/v1/totals/", { from: addDays(today(), -365), to: today(), group: "code" })),
  ]);
  if (logs.ok) {
    const seen = new Map();
    for (const log of logs.data.results) {
      if (!seen.has(log.code)) seen.set(log.code, { code: log.code, description: log.code_description });
    }
    const local = await recentCodes(user);
    await kv.set(userKey(user, "recents"), mergeRecents([...seen.values()], local));
  }
  if (totals.ok) {
    const mostUsed = totals.data.groups
      .map((group) => ({ code: group.key, description: group.description || "", uses: group.count }))
      .sort((a, b) => b.uses - a.uses)
      .slice(0, MOST_USED_SIZE);
    await kv.set(userKey(user, "most-used"), mostUsed);
  }
}

// The server's order first, then codes logged here that have not reached it yet; catalog
// values the phone already had are kept.
function mergeRecents(fromServer, local) {
  const values = new Map(local.map((entry) => [entry.code, entry.work_rvu]));
  const onServer = new Set(fromServer.map((entry) => entry.code));
  const merged = [...fromServer, ...local.filter((entry) => !onServer.has(entry.code))];
  return merged.slice(0, RECENT_SIZE).map((entry) => ({ ...entry, work_rvu: values.get(entry.code) ?? null }));
}
