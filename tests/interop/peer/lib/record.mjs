// Turns what an inbox received into a plain JSON record: the raw body as it arrived,
// how the HTTP request was signed, and what Fedify's vocabulary made of the activity.
import { Create, Note, Question } from "@fedify/vocab";
import { verifyRequestDetailed } from "@fedify/fedify";

import { asArray, localActorsFor, nextSeq } from "./state.mjs";

// Which HTTP signature scheme a request carries, judged from its headers only.
export function signatureScheme(headers) {
  if (headers.has("signature-input")) return "rfc9421";
  const signature = headers.get("signature");
  if (signature != null && /keyId\s*=/.test(signature)) return "draft-cavage-http-signatures-12";
  return headers.has("authorization") ? "authorization-header" : "none";
}

// Fedify only checks the HTTP signature when the body has no valid Linked Data signature
// or object proof, so we run its verifier ourselves on every delivery: a test can then
// assert that coopfed's HTTP signatures verify whatever else the body carries.
export async function verifyHttpSignature(request, loaders) {
  try {
    const result = await verifyRequestDetailed(request, {
      documentLoader: loaders.documentLoader,
      contextLoader: loaders.contextLoader,
    });
    if (result.verified) {
      return { verified: true, keyId: result.key?.id?.href ?? null, reason: null };
    }
    const reason = result.reason ?? {};
    return { verified: false, keyId: reason.keyId?.href ?? null, reason: reason.type ?? "unknown" };
  } catch (error) {
    return { verified: false, keyId: null, reason: `error: ${error?.message ?? error}` };
  }
}

export function describeBody(raw) {
  return {
    hasLdSignature: raw != null && typeof raw === "object" && raw.signature != null,
    hasProof: raw != null && typeof raw === "object" && raw.proof != null,
  };
}

export function typeName(vocabObject) {
  const typeId = vocabObject?.constructor?.typeId;
  if (typeId == null) return null;
  return typeId.href.split(/[#/]/).pop();
}

export async function describeQuestion(question, loaders) {
  const exclusive = await optionsOf(question.getExclusiveOptions(loaders));
  const inclusive = await optionsOf(question.getInclusiveOptions(loaders));
  const closed = question.closed;
  return {
    id: question.id?.href ?? null,
    attributedTo: question.attributionId?.href ?? null,
    content: question.content?.toString() ?? null,
    exclusiveOptions: exclusive,
    inclusiveOptions: inclusive,
    endTime: question.endTime?.toString() ?? null,
    closed: closed == null || typeof closed === "boolean" ? (closed ?? null) : closed.toString(),
    voters: question.voters ?? null,
    updated: question.updated?.toString() ?? null,
  };
}

async function optionsOf(iterable) {
  const options = [];
  for await (const option of iterable) {
    let totalItems = null;
    try {
      const replies = await option.getReplies();
      totalItems = replies?.totalItems ?? null;
    } catch {
      totalItems = null;
    }
    options.push({ name: option.name?.toString() ?? null, totalItems });
  }
  return options;
}

export function describeNote(note) {
  return {
    id: note.id?.href ?? null,
    name: note.name?.toString() ?? null,
    content: note.content?.toString() ?? null,
    inReplyTo: note.replyTargetId?.href ?? null,
    attributedTo: note.attributionId?.href ?? null,
    to: note.toIds.map((u) => u.href),
  };
}

// What Fedify's vocabulary sees in the activity's object (embedded objects only: a
// bare URL is reported as objectId and never fetched here).
async function describeObject(activity, loaders) {
  let object = null;
  try {
    object = await activity.getObject({ ...loaders, suppressError: true });
  } catch {
    object = null;
  }
  const summary = { objectType: typeName(object), question: null, note: null };
  if (object instanceof Question) summary.question = await describeQuestion(object, loaders);
  else if (object instanceof Note) summary.note = describeNote(object);
  return summary;
}

export async function buildRecord({ state, origin, ctx, activity, delivery }) {
  const loaders = { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader };
  const wantObject = activity instanceof Create;
  const objectSummary = wantObject
    ? await describeObject(activity, loaders)
    : { objectType: null, question: null, note: null };
  return {
    seq: nextSeq(state),
    receivedAt: new Date().toISOString(),
    recipient: ctx.recipient,
    actors: localActorsFor(state, origin, ctx.recipient, delivery?.raw),
    inboxPath: delivery?.path ?? null,
    type: typeName(activity),
    id: activity.id?.href ?? null,
    actor: activity.actorId?.href ?? null,
    objectId: activity.objectId?.href ?? null,
    ...objectSummary,
    to: activity.toIds.map((u) => u.href),
    cc: activity.ccIds.map((u) => u.href),
    httpSignature: delivery?.httpSignature ?? null,
    ...describeBody(delivery?.raw),
    headers: delivery?.headers ?? {},
    raw: delivery?.raw ?? null,
  };
}

export function recordMatches(record, query) {
  if (query.actor && !record.actors.includes(query.actor)) return false;
  if (query.type && record.type !== query.type) return false;
  return true;
}

export { asArray };
