// A small Fedify-based ActivityPub peer for coopfed's interop tests.
//
//   node peer.mjs --port 8123 [--host 127.0.0.1]      (or PEER_PORT / PEER_HOST)
//
// Serves actors alice, bob and carol on http://HOST:PORT, records every activity their
// inboxes receive, and exposes a JSON control API under /_control/ (see lib/control.mjs).
import { AsyncLocalStorage } from "node:async_hooks";
import { parseArgs } from "node:util";

import { serve } from "@hono/node-server";
import { configure, getConsoleSink } from "@logtape/logtape";

import { createControl } from "./lib/control.mjs";
import { buildFederation, generateKeys } from "./lib/federation.mjs";
import { signatureScheme, verifyHttpSignature } from "./lib/record.mjs";
import { createState, nextSeq, recordError } from "./lib/state.mjs";

const INBOX_PATH = /^\/(inbox|users\/[^/]+\/inbox)$/;

function readOptions() {
  const { values } = parseArgs({
    options: { port: { type: "string" }, host: { type: "string" } },
  });
  const port = Number(values.port ?? process.env.PEER_PORT);
  const host = values.host ?? process.env.PEER_HOST ?? "127.0.0.1";
  if (!Number.isInteger(port) || port <= 0) throw new Error("--port (or PEER_PORT) is required");
  // Test peers never listen beyond loopback.
  if (!/^127\.\d+\.\d+\.\d+$/.test(host)) throw new Error(`host must be in 127.0.0.0/8: ${host}`);
  return { port, host };
}

async function configureLogging() {
  const level = process.env.PEER_LOG_LEVEL ?? "warning";
  await configure({
    sinks: { console: getConsoleSink() },
    contextLocalStorage: new AsyncLocalStorage(),
    loggers: [
      { category: "fedify", lowestLevel: level, sinks: ["console"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["console"] },
    ],
  });
}

// Inbox POSTs: keep the raw body and headers, check the HTTP signature with Fedify's
// verifier, hand the request to Fedify, and log the outcome whatever it is.
async function handleInboxPost(request, { federation, state, origin }) {
  const bytes = await request.arrayBuffer();
  const text = new TextDecoder().decode(bytes);
  let raw = null;
  try {
    raw = JSON.parse(text);
  } catch {
    raw = null;
  }
  const copy = () =>
    new Request(request.url, { method: "POST", headers: request.headers, body: bytes });
  const loaders = federation.createContext(new URL(origin), null);
  const httpSignature = {
    scheme: signatureScheme(request.headers),
    ...(await verifyHttpSignature(copy(), loaders)),
  };
  const delivery = {
    seq: nextSeq(state),
    receivedAt: new Date().toISOString(),
    path: new URL(request.url).pathname,
    headers: Object.fromEntries(request.headers),
    raw,
    rawText: raw == null ? text : null,
    httpSignature,
  };
  const response = state.rejectSignatureSchemes.includes(httpSignature.scheme)
    ? new Response(`Signature scheme ${httpSignature.scheme} refused by test config.`, {
        status: 401,
      })
    : await federation.fetch(copy(), { contextData: delivery });
  const answer = await response.clone().text();
  state.deliveries.push({ ...delivery, status: response.status, response: answer.slice(0, 500) });
  return response;
}

function recordFetch(request, state) {
  const path = new URL(request.url).pathname;
  if (path.startsWith("/.well-known/") || path === "/favicon.ico") return;
  state.fetches.push({
    seq: nextSeq(state),
    at: new Date().toISOString(),
    path,
    accept: request.headers.get("accept"),
    scheme: signatureScheme(request.headers),
    signature: request.headers.get("signature"),
    signatureInput: request.headers.get("signature-input"),
  });
}

function createHandler(peer) {
  const control = createControl(peer);
  return async (request) => {
    const path = new URL(request.url).pathname;
    try {
      if (path.startsWith("/_control/")) return await control(request);
      if (request.method === "POST" && INBOX_PATH.test(path)) {
        return await handleInboxPost(request, peer);
      }
      if (request.method === "GET") recordFetch(request, peer.state);
      return await peer.federation.fetch(request, { contextData: null });
    } catch (error) {
      recordError(peer.state, `${request.method} ${path}`, error);
      return new Response("Internal error in the interop peer.", { status: 500 });
    }
  };
}

async function main() {
  const { port, host } = readOptions();
  await configureLogging();
  const origin = `http://${host}:${port}`;
  const state = createState();
  await generateKeys(state);
  const federation = buildFederation(state, origin);
  const peer = { federation, state, origin };
  const server = serve({ fetch: createHandler(peer), port, hostname: host }, () => {
    console.log(`[peer] listening on ${origin} (node ${process.version})`);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((error) => {
  console.error(`[peer] failed to start: ${error.stack ?? error}`);
  process.exit(1);
});
