// The JSON control API under /_control/ that tests use to drive the peer and to read
// what it received.  Every URL a test passes must be on loopback (127.0.0.0/8).
import { signRequest } from "@fedify/fedify";
import { Follow, isActor, Join, Leave, Question, Undo } from "@fedify/vocab";

import { httpError } from "./errors.mjs";
import { publishQuestion, sendVotes } from "./publish.mjs";
import { describeQuestion, recordMatches, typeName } from "./record.mjs";
import { ACTOR_NAMES, resetFollowState, resetRecordings } from "./state.mjs";

export function createControl({ federation, state, origin }) {
  const ctx = () => federation.createContext(new URL(origin), null);
  const routes = {
    "GET health": () => health(origin),
    "GET inbox": (_b, q) => ({ activities: state.received.filter((r) => recordMatches(r, q)) }),
    "GET deliveries": () => ({ deliveries: state.deliveries }),
    "GET fetches": () => ({ fetches: state.fetches }),
    "GET errors": () => ({ errors: state.errors }),
    "GET state": (_b, q) => describeState(state, q.actor),
    "POST reset": (b) => reset(state, b),
    "POST config": (b) => configure(state, b),
    "POST follow": (b) => follow(ctx(), state, b),
    "POST undo-follow": (b) => undoFollow(ctx(), state, b),
    "POST join": (b) => membership(ctx(), Join, b),
    "POST leave": (b) => membership(ctx(), Leave, b),
    "POST vote": (b) => sendVotes(ctx(), requireActor(b), requireLoopback(b, "question")),
    "POST question": (b) => publishQuestion(ctx(), state, requireActor(b), b),
    "POST send": (b) => sendRaw(ctx(), b),
    "POST resolve": (b) => resolveAcct(b),
    "POST lookup": (b) => lookup(ctx(), b),
  };
  return async (request) => {
    const url = new URL(request.url);
    const route = routes[`${request.method} ${url.pathname.slice("/_control/".length)}`];
    if (route == null) return json(404, { error: `no control route ${request.method} ${url.pathname}` });
    try {
      const body = request.method === "POST" ? await readJson(request) : {};
      return json(200, await route(body, Object.fromEntries(url.searchParams)));
    } catch (error) {
      const status = error.status ?? 502;
      console.error(`[peer] control ${url.pathname} failed: ${error.stack ?? error}`);
      return json(status, { error: `${error.name}: ${error.message}` });
    }
  };
}

function json(status, value) {
  return new Response(JSON.stringify(value, null, 1), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

async function readJson(request) {
  const text = await request.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw httpError(400, "the body is not JSON");
  }
}

function health(origin) {
  const actors = Object.fromEntries(ACTOR_NAMES.map((n) => [n, `${origin}/users/${n}`]));
  return { ok: true, origin, actors, node: process.version, fedify: "2.3.6" };
}

function requireActor(body) {
  if (!ACTOR_NAMES.includes(body.actor)) {
    throw httpError(400, `actor must be one of ${ACTOR_NAMES.join(", ")}`);
  }
  return body.actor;
}

// Tests only ever talk to servers on this machine; refuse anything else outright.
function requireLoopback(body, field) {
  let url;
  try {
    url = new URL(body[field]);
  } catch {
    throw httpError(400, `${field} must be an absolute URL`);
  }
  if (!/^127\.\d+\.\d+\.\d+$/.test(url.hostname) || !/^https?:$/.test(url.protocol)) {
    throw httpError(400, `${field} must be an http(s) URL on 127.0.0.0/8`);
  }
  return body;
}

async function lookupActor(ctx, actor, target) {
  const loader = await ctx.getDocumentLoader({ identifier: actor });
  const object = await ctx.lookupObject(target, { documentLoader: loader });
  if (!isActor(object)) throw httpError(422, `not an actor: ${target} (${typeName(object)})`);
  return object;
}

function activityId(ctx) {
  return new URL(`${ctx.origin}/activities/${crypto.randomUUID()}`);
}

async function follow(ctx, state, body) {
  const actor = requireActor(body);
  requireLoopback(body, "target");
  const target = await lookupActor(ctx, actor, body.target);
  const followId = activityId(ctx);
  // Remember the Follow before sending: the Accept may arrive before sending returns.
  state.following.get(actor).set(target.id.href, {
    followId: followId.href,
    accepted: false,
    acceptId: null,
  });
  const activity = new Follow({
    id: followId,
    actor: ctx.getActorUri(actor),
    object: target.id,
    to: target.id,
  });
  await ctx.sendActivity({ identifier: actor }, target, activity);
  return { followId: followId.href, target: target.id.href, inbox: target.inboxId?.href ?? null };
}

async function undoFollow(ctx, state, body) {
  const actor = requireActor(body);
  requireLoopback(body, "target");
  const target = await lookupActor(ctx, actor, body.target);
  const entry = state.following.get(actor).get(target.id.href);
  if (entry == null) throw httpError(409, `${actor} does not follow ${target.id.href}`);
  const actorUri = ctx.getActorUri(actor);
  const undo = new Undo({
    id: activityId(ctx),
    actor: actorUri,
    to: target.id,
    object: new Follow({ id: new URL(entry.followId), actor: actorUri, object: target.id }),
  });
  await ctx.sendActivity({ identifier: actor }, target, undo);
  state.following.get(actor).delete(target.id.href);
  return { undoId: undo.id.href, followId: entry.followId };
}

async function membership(ctx, ActivityClass, body) {
  const actor = requireActor(body);
  requireLoopback(body, "target");
  const target = await lookupActor(ctx, actor, body.target);
  const activity = new ActivityClass({
    id: activityId(ctx),
    actor: ctx.getActorUri(actor),
    object: target.id,
    to: target.id,
    content: body.content ?? null,
  });
  await ctx.sendActivity({ identifier: actor }, target, activity);
  return { id: activity.id.href, target: target.id.href };
}

// Sends the given JSON exactly as given, HTTP-signed by the actor (no Linked Data
// signature, no proof, no transformation): for adversarial tests.
async function sendRaw(ctx, body) {
  const actor = requireActor(body);
  requireLoopback(body, "inbox");
  const text = typeof body.activity === "string" ? body.activity : JSON.stringify(body.activity);
  let request = new Request(body.inbox, {
    method: "POST",
    headers: {
      "Content-Type": body.contentType ?? "application/activity+json",
      Accept: "application/activity+json",
      ...(body.headers ?? {}),
    },
    body: text,
  });
  if (body.sign !== false) {
    // Fedify 2.3.6 signs HTTP requests with RSA only ("Unsupported algorithm: Ed25519").
    const keys = await ctx.getActorKeyPairs(actor);
    const pair = keys.find((k) => k.privateKey.algorithm.name === "RSASSA-PKCS1-v1_5");
    const spec = body.spec ?? "draft-cavage-http-signatures-12";
    // `keyId` names the same RSA key under another id the actor lists (e.g. its RSA
    // Multikey `#multikey-1`), to check receivers that resolve assertionMethod keys.
    const keyId = body.keyId == null ? pair.keyId : new URL(String(body.keyId));
    request = await signRequest(request, pair.privateKey, keyId, { spec });
  }
  const response = await fetch(request, { redirect: "manual" });
  return {
    status: response.status,
    body: await response.text(),
    headers: Object.fromEntries(response.headers),
  };
}

// Fedify's own acct: lookup always uses https; on loopback we need plain http.
async function resolveAcct(body) {
  const match = /^@?([^@\s]+)@([^@\s]+)$/.exec(String(body.acct ?? "").replace(/^acct:/, ""));
  if (match == null) throw httpError(400, "acct must look like user@127.0.0.1:PORT");
  const [, user, host] = match;
  requireLoopback({ url: `http://${host}/` }, "url");
  const resource = `acct:${user}@${host}`;
  const url = `http://${host}/.well-known/webfinger?resource=${encodeURIComponent(resource)}`;
  const response = await fetch(url, { headers: { Accept: "application/jrd+json" } });
  if (!response.ok) throw httpError(404, `WebFinger answered ${response.status} for ${resource}`);
  const jrd = await response.json();
  const self = (jrd.links ?? []).find(
    (link) => link.rel === "self" && /activity\+json|ld\+json/.test(link.type ?? ""),
  );
  if (self == null) throw httpError(422, `no ActivityPub self link for ${resource}`);
  return { actor: self.href, subject: jrd.subject ?? null, webfinger: jrd };
}

// Fetches a document through Fedify (signed by the actor if one is given) and reports
// how Fedify's vocabulary parses it.
async function lookup(ctx, body) {
  requireLoopback(body, "url");
  const loader =
    body.actor == null
      ? ctx.documentLoader
      : await ctx.getDocumentLoader({ identifier: requireActor(body) });
  const object = await ctx.lookupObject(body.url, { documentLoader: loader });
  if (object == null) throw httpError(404, `Fedify could not look up ${body.url}`);
  const loaders = { documentLoader: loader, contextLoader: ctx.contextLoader };
  return {
    type: typeName(object),
    id: object.id?.href ?? null,
    question: object instanceof Question ? await describeQuestion(object, loaders) : null,
    json: await object.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader }),
  };
}

function describeState(state, actor) {
  const names = actor == null ? ACTOR_NAMES : [requireActor({ actor })];
  const actors = {};
  for (const name of names) {
    actors[name] = {
      followers: [...state.followers.get(name).values()],
      following: [...state.following.get(name).entries()].map(([id, f]) => ({ id, ...f })),
    };
  }
  const questions = [...state.questions.values()]
    .filter((q) => names.includes(q.actor))
    .map((q) => ({ ...q, voters: [...q.voters] }));
  const { autoAccept, rejectSignatureSchemes } = state;
  return { autoAccept, rejectSignatureSchemes, actors, questions };
}

function reset(state, body) {
  resetRecordings(state);
  if (body.all === true) resetFollowState(state);
  return { ok: true };
}

function configure(state, body) {
  if (typeof body.autoAccept === "boolean") state.autoAccept = body.autoAccept;
  if (Array.isArray(body.rejectSignatureSchemes)) {
    state.rejectSignatureSchemes = body.rejectSignatureSchemes.map(String);
  }
  return { autoAccept: state.autoAccept, rejectSignatureSchemes: state.rejectSignatureSchemes };
}
