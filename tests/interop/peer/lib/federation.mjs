// The Fedify federation object: actors alice/bob/carol, their keys, collections,
// questions they publish, and inbox listeners that record everything they receive.
import { createFederation, generateCryptoKeyPair, MemoryKvStore } from "@fedify/fedify";
import {
  Accept,
  Activity,
  Create,
  Endpoints,
  Follow,
  Person,
  Question,
  Undo,
} from "@fedify/vocab";

import { buildQuestion, tallyVote } from "./publish.mjs";
import { buildRecord } from "./record.mjs";
import { ACTOR_NAMES, recordError } from "./state.mjs";

export async function generateKeys(state) {
  for (const name of ACTOR_NAMES) {
    // Fedify's generateCryptoKeyPair() makes 4096-bit RSA keys; Mastodon uses 2048.
    const rsa = await crypto.subtle.generateKey(
      {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      },
      true,
      ["sign", "verify"],
    );
    const ed25519 = await generateCryptoKeyPair("Ed25519");
    state.keyPairs.set(name, [rsa, ed25519]);
  }
}

export function buildFederation(state, origin) {
  const federation = createFederation({
    kv: new MemoryKvStore(),
    origin,
    allowPrivateAddress: true,
  });
  setActors(federation, state);
  setCollections(federation, state);
  federation.setObjectDispatcher(
    Question,
    "/users/{identifier}/questions/{id}",
    (ctx, values) => {
      const record = state.questions.get(ctx.getObjectUri(Question, values).href);
      return record == null ? null : buildQuestion(ctx, record);
    },
  );
  federation.setNodeInfoDispatcher("/nodeinfo/2.1", () => ({
    software: { name: "coopfed-interop-fedify-peer", version: "0.1.0" },
    protocols: ["activitypub"],
    usage: { users: { total: ACTOR_NAMES.length }, localPosts: state.questions.size },
  }));
  setInbox(federation, state, origin);
  return federation;
}

function setActors(federation, state) {
  federation
    .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
      if (!ACTOR_NAMES.includes(identifier)) return null;
      const keys = await ctx.getActorKeyPairs(identifier);
      return new Person({
        id: ctx.getActorUri(identifier),
        preferredUsername: identifier,
        name: identifier[0].toUpperCase() + identifier.slice(1),
        summary: "A Fedify peer used by coopfed's interop tests.",
        inbox: ctx.getInboxUri(identifier),
        outbox: ctx.getOutboxUri(identifier),
        followers: ctx.getFollowersUri(identifier),
        following: ctx.getFollowingUri(identifier),
        endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
        publicKey: keys[0].cryptographicKey,
        assertionMethods: keys.map((key) => key.multikey),
        manuallyApprovesFollowers: !state.autoAccept,
        url: ctx.getActorUri(identifier),
      });
    })
    .mapHandle((_ctx, username) => (ACTOR_NAMES.includes(username) ? username : null))
    .setKeyPairsDispatcher((_ctx, identifier) => state.keyPairs.get(identifier) ?? []);
}

function setCollections(federation, state) {
  federation
    .setFollowersDispatcher("/users/{identifier}/followers", (_ctx, identifier) => {
      const followers = state.followers.get(identifier);
      if (followers == null) return null;
      return { items: [...followers.values()].map(toRecipient) };
    })
    .setCounter((_ctx, identifier) => state.followers.get(identifier)?.size ?? 0);
  federation
    .setFollowingDispatcher("/users/{identifier}/following", (_ctx, identifier) => {
      const following = state.following.get(identifier);
      if (following == null) return null;
      const accepted = [...following.entries()].filter(([, f]) => f.accepted);
      return { items: accepted.map(([target]) => new URL(target)) };
    })
    .setCounter((_ctx, identifier) => {
      const following = state.following.get(identifier);
      return following == null ? 0 : [...following.values()].filter((f) => f.accepted).length;
    });
  federation.setOutboxDispatcher("/users/{identifier}/outbox", () => ({ items: [] }));
}

function toRecipient(follower) {
  return {
    id: new URL(follower.id),
    inboxId: follower.inboxId == null ? null : new URL(follower.inboxId),
    endpoints: { sharedInbox: follower.sharedInbox == null ? null : new URL(follower.sharedInbox) },
  };
}

function setInbox(federation, state, origin) {
  federation
    .setInboxListeners("/users/{identifier}/inbox", "/inbox")
    // One catch-all listener: Fedify answers 202 without calling anyone for types that
    // have no listener, and we want to see every activity.
    .on(Activity, async (ctx, activity) => {
      const record = await buildRecord({ state, origin, ctx, activity, delivery: ctx.data });
      state.received.push(record);
      console.log(`[peer] received ${record.type} from ${record.actor} for ${record.actors}`);
      await react(ctx, state, activity, record);
    })
    .onError((_ctx, error) => recordError(state, "inbox listener", error));
}

async function react(ctx, state, activity, record) {
  if (activity instanceof Follow) return onFollow(ctx, state, activity, record);
  if (activity instanceof Accept) return onAccept(state, activity, record);
  if (activity instanceof Undo) return onUndo(state, activity, record);
  if (activity instanceof Create && record.note != null) tallyVote(state, record);
}

async function onFollow(ctx, state, follow, record) {
  const name = localTarget(ctx, follow.objectId);
  if (name == null || follow.actorId == null) return;
  // Fetch the follower signed by the followed actor, as servers in authorized-fetch
  // mode require.
  const follower = await follow.getActor({
    documentLoader: await ctx.getDocumentLoader({ identifier: name }),
    contextLoader: ctx.contextLoader,
  });
  if (follower == null) return;
  state.followers.get(name).set(follower.id.href, {
    id: follower.id.href,
    inboxId: follower.inboxId?.href ?? null,
    sharedInbox: follower.endpoints?.sharedInbox?.href ?? null,
    followId: follow.id?.href ?? null,
  });
  if (!state.autoAccept) return;
  const accept = new Accept({
    id: new URL(`${ctx.origin}/activities/${crypto.randomUUID()}`),
    actor: ctx.getActorUri(name),
    object: follow,
    to: follower.id,
  });
  // Reply after the Follow's POST has been answered, as Mastodon does from a job.
  setTimeout(() => {
    ctx
      .sendActivity({ identifier: name }, follower, accept)
      .then(() => {
        record.acceptSent = accept.id.href;
      })
      .catch((error) => recordError(state, `sending Accept to ${follower.id.href}`, error));
  }, 0);
}

function onAccept(state, accept, record) {
  const followId = accept.objectId?.href;
  const sender = accept.actorId?.href;
  for (const name of ACTOR_NAMES) {
    const entry = state.following.get(name).get(sender);
    if (entry == null) continue;
    if (followId == null || entry.followId === followId) {
      entry.accepted = true;
      entry.acceptId = accept.id?.href ?? null;
      record.acceptsFollow = entry.followId;
    }
  }
}

function onUndo(state, undo, record) {
  const undoneId = undo.objectId?.href;
  const sender = undo.actorId?.href;
  for (const name of ACTOR_NAMES) {
    const follower = state.followers.get(name).get(sender);
    if (follower != null && (undoneId == null || follower.followId === undoneId)) {
      state.followers.get(name).delete(sender);
      record.undidFollowOf = name;
    }
  }
}

export function localTarget(ctx, uri) {
  const parsed = ctx.parseUri(uri);
  if (parsed?.type !== "actor") return null;
  return ACTOR_NAMES.includes(parsed.identifier) ? parsed.identifier : null;
}
