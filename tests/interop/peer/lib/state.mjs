// In-memory state of the interop peer: follow relations, published questions and
// everything the peer received, so the tests can inspect it over the control API.

export const ACTOR_NAMES = ["alice", "bob", "carol"];

export function createState() {
  const state = {
    autoAccept: true,
    // Inbox POSTs signed with these schemes get a 401 before Fedify sees them, so a
    // sender's fallback to the other scheme ("double-knocking") can be exercised.
    rejectSignatureSchemes: [],
    keyPairs: new Map(), // actor name -> [{ privateKey, publicKey }] (RSA first, then Ed25519)
    followers: new Map(), // actor name -> Map(follower id -> { id, inboxId, sharedInbox })
    following: new Map(), // actor name -> Map(target id -> { followId, accepted, acceptId })
    questions: new Map(), // question id (href) -> question record (see publish.mjs)
    received: [], // verified activities that reached an inbox listener
    deliveries: [], // every POST to an inbox, accepted or not, with Fedify's HTTP status
    fetches: [], // GETs of our documents: who fetched what, and how the GET was signed
    errors: [], // failures in background work (e.g. sending an Accept)
    seq: 0,
  };
  resetFollowState(state);
  return state;
}

export function resetFollowState(state) {
  for (const name of ACTOR_NAMES) {
    state.followers.set(name, new Map());
    state.following.set(name, new Map());
  }
  state.questions.clear();
}

export function resetRecordings(state) {
  state.received.length = 0;
  state.deliveries.length = 0;
  state.fetches.length = 0;
  state.errors.length = 0;
}

export function nextSeq(state) {
  state.seq += 1;
  return state.seq;
}

export function recordError(state, where, error) {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  state.errors.push({ seq: nextSeq(state), at: new Date().toISOString(), where, message });
  console.error(`[peer] ${where}: ${message}`);
}

// Which local actors a delivery concerns.  A personal inbox names its owner; for the
// shared inbox we use the addressing (to/cc/bto/bcc/audience) and the follow graph,
// which is what a real server does when it fans a shared-inbox delivery out.
export function localActorsFor(state, origin, recipient, raw) {
  if (recipient != null) return [recipient];
  const addressed = new Set();
  for (const field of ["to", "cc", "bto", "bcc", "audience"]) {
    for (const value of asArray(raw?.[field])) {
      if (typeof value === "string") addressed.add(value);
    }
  }
  const sender = typeof raw?.actor === "string" ? raw.actor : raw?.actor?.id;
  const names = [];
  for (const name of ACTOR_NAMES) {
    const actorUri = `${origin}/users/${name}`;
    const followsSender = sender != null && state.following.get(name).has(sender);
    if (addressed.has(actorUri) || followsSender) names.push(name);
  }
  return names;
}

export function asArray(value) {
  if (value == null) return [];
  return Array.isArray(value) ? value : [value];
}
