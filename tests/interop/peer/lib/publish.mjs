// Polls: questions the peer's actors publish, and votes they cast on other servers'
// questions in exactly Mastodon's shape.
import { Collection, Create, isActor, Note, PUBLIC_COLLECTION, Question } from "@fedify/vocab";
import { Temporal } from "@js-temporal/polyfill";

import { httpError } from "./errors.mjs";

export function newQuestionRecord(ctx, actor, body) {
  const options = body.options;
  if (!Array.isArray(options) || options.length < 2) {
    throw httpError(400, "options must list at least two option names");
  }
  const uuid = crypto.randomUUID();
  const id = ctx.getObjectUri(Question, { identifier: actor, id: uuid }).href;
  const endTime = body.endTime ?? new Date(Date.now() + 3600_000).toISOString();
  return {
    id,
    actor,
    content: body.content ?? `<p>Question by ${actor}</p>`,
    options: options.map(String),
    multiple: body.multiple === true,
    endTime: Temporal.Instant.from(endTime).toString(),
    published: Temporal.Now.instant().toString(),
    closed: body.closed ?? null,
    counts: Object.fromEntries(options.map((name) => [String(name), 0])),
    voters: new Set(),
  };
}

export function buildQuestion(ctx, record) {
  const optionNotes = record.options.map(
    (name) =>
      new Note({ name, replies: new Collection({ totalItems: record.counts[name] ?? 0 }) }),
  );
  const optionsField = record.multiple ? "inclusiveOptions" : "exclusiveOptions";
  return new Question({
    id: new URL(record.id),
    attribution: ctx.getActorUri(record.actor),
    to: PUBLIC_COLLECTION,
    cc: ctx.getFollowersUri(record.actor),
    content: record.content,
    published: Temporal.Instant.from(record.published),
    endTime: Temporal.Instant.from(record.endTime),
    voters: record.voters.size,
    closed: record.closed == null ? null : Temporal.Instant.from(record.closed),
    [optionsField]: optionNotes,
  });
}

// Count an incoming Mastodon-style vote on one of our questions (Create{Note{name,
// inReplyTo}}), so the Question we serve shows the tally like a real server would.
export function tallyVote(state, record) {
  const question = state.questions.get(record.note.inReplyTo);
  const choice = record.note.name;
  if (question == null || choice == null || !(choice in question.counts)) return;
  question.counts[choice] += 1;
  question.voters.add(record.actor);
  record.countedVoteFor = choice;
}

export async function publishQuestion(ctx, state, actor, body) {
  const record = newQuestionRecord(ctx, actor, body);
  state.questions.set(record.id, record);
  const question = buildQuestion(ctx, record);
  const create = new Create({
    id: new URL(`${record.id}/activity`),
    actor: ctx.getActorUri(actor),
    to: PUBLIC_COLLECTION,
    cc: ctx.getFollowersUri(actor),
    object: question,
    published: Temporal.Instant.from(record.published),
  });
  await ctx.sendActivity({ identifier: actor }, "followers", create, { preferSharedInbox: true });
  return { questionId: record.id, createId: create.id.href };
}

// One Create{Note{name: choice, inReplyTo: question, to: author}} per choice, sent to
// the question author's inbox; ids are fragments of the voter's URI like Mastodon's.
export async function sendVotes(ctx, actor, body) {
  const loader = await ctx.getDocumentLoader({ identifier: actor });
  const question = await ctx.lookupObject(body.question, { documentLoader: loader });
  if (!(question instanceof Question)) throw httpError(422, `not a Question: ${body.question}`);
  const authorId = question.attributionId;
  if (authorId == null) throw httpError(422, "the question has no attributedTo");
  const author = await ctx.lookupObject(authorId, { documentLoader: loader });
  if (!isActor(author)) throw httpError(422, `author is not an actor: ${authorId.href}`);
  const actorUri = ctx.getActorUri(actor);
  const sent = [];
  for (const choice of body.choices ?? []) {
    const voteId = new URL(`${actorUri.href}#votes/${crypto.randomUUID()}`);
    const create = new Create({
      id: new URL(`${voteId.href}/activity`),
      actor: actorUri,
      to: authorId,
      object: new Note({
        id: voteId,
        name: String(choice),
        replyTarget: question.id,
        attribution: actorUri,
        to: authorId,
      }),
    });
    await ctx.sendActivity({ identifier: actor }, author, create);
    sent.push(create.id.href);
  }
  return { sent, author: authorId.href, question: question.id?.href ?? body.question };
}
