// The little the whole app shares: who is signed in, whether the network answers, and
// whether this account may upload releases. Screens subscribe to redraw on a change.

export const state = {
  user: null, // {id, email} from allauth's session, or the last one seen when offline
  online: navigator.onLine,
  isUploader: false,
  pendingFlow: null, // an allauth step waiting, e.g. "mfa_authenticate"
};

const listeners = new Set();

export function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function update(changes) {
  Object.assign(state, changes);
  listeners.forEach((listener) => listener(state));
}
