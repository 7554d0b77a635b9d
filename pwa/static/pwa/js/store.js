// What the phone keeps between visits, in IndexedDB: the queue of logs waiting for the
// server ("queue", one record per client_id) and small per-user lists ("kv": favorites,
// recent and most used codes, the last totals seen, the last sync report).

const DB_NAME = "rvuedge";
const DB_VERSION = 1;
let opened;

function database() {
  opened ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      request.result.createObjectStore("queue", { keyPath: "client_id" });
      request.result.createObjectStore("kv");
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opened;
}

// Resolves when the transaction commits, so a caller that awaits a write knows it is on disk.
async function transact(storeName, mode, work) {
  const db = await database();
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(storeName, mode);
    const request = work(transaction.objectStore(storeName));
    transaction.oncomplete = () => resolve(request ? request.result : undefined);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
}

export const queueStore = {
  all: () => transact("queue", "readonly", (store) => store.getAll()),
  put: (item) => transact("queue", "readwrite", (store) => store.put(item)),
  remove: (clientId) => transact("queue", "readwrite", (store) => store.delete(clientId)),
};

export const kv = {
  get: (key) => transact("kv", "readonly", (store) => store.get(key)),
  set: (key, value) => transact("kv", "readwrite", (store) => store.put(value, key)),
  remove: (key) => transact("kv", "readwrite", (store) => store.delete(key)),
};

// Keys of one user's lists: two people sharing a phone never see each other's.
export const userKey = (user, name) => `${name}:${user.id}`;
