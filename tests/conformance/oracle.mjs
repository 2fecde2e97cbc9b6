// oracle.mjs
//
// Copyright 2026 The Chorus developers
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Replays one conformance scenario against the official Convex client
// (BaseConvexClient from the npm package pinned in package.json) over an
// in-process fake WebSocket, and prints what it observed after every step
// as one JSON object: {"steps": [{frames, reads, notify, requests,
// recorded, auth}, …]}. test-conformance.c compares this with app/core.
//
// Usage: node oracle.mjs SCENARIO.json

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { BaseConvexClient } from "convex/browser";
import { convexToJson, jsonToConvex } from "convex/values";

// PaginatedQueryClient is not exported, so it is imported by the
// absolute path of its module in the pinned package.
const paginatedModule = fileURLToPath(
  new URL("node_modules/convex/dist/esm/browser/sync/paginated_query_client.js", import.meta.url));
const { PaginatedQueryClient } = await import(paginatedModule);

const scenario = JSON.parse(readFileSync(process.argv[2], "utf8"));
const sockets = [];
let sent = [];

let failSends = false;
let droppedAt = 0;
let delay = null;

class FakeWebSocket {
  constructor(url) {
    this.url = url;
    sockets.push(this);
  }
  send(text) {
    if (failSends) throw new Error("send failed");
    sent.push(JSON.parse(text));
  }
  close() {
    queueMicrotask(() => this.onclose?.({ code: 1000, reason: "" }));
  }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Sorts object keys, so the output compares as text too.
function sorted(value) {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sorted(value[k])]));
}

function stripPrefix(message) {
  return String(message)
    .replace(/^\[CONVEX [A-Z]+\([^)]*\)\] /, "")
    .replace(/^\[CONVEX FATAL ERROR\] /, "")
    .replace(/\n\s*Called by client$/, "");
}

function normaliseFrame(frame) {
  if (frame.type !== "Connect") return frame;
  if (typeof frame.sessionId !== "string" || typeof frame.clientTs !== "number")
    throw new Error(`Connect frame without sessionId or clientTs: ${JSON.stringify(frame)}`);
  const { sessionId, clientTs, ...rest } = frame;
  return rest;
}

function queryOf(spec) {
  return typeof spec === "string" ? scenario.watch[spec] : spec;
}

function describe(value) {
  return value === undefined ? "loading" : { value: convexToJson(value) };
}

const recorded = {};
function runUpdateOps(ops, store, args) {
  for (const op of ops) {
    const query = op.query ? queryOf(op.query) : null;
    const qargs = query ? jsonToConvex(query.args ?? {}) : null;
    if (op.op === "append") {
      const target = op.target ? queryOf(op.target) : query;
      const current = store.getQuery(query.path, qargs);
      if (current !== undefined)
        store.setQuery(target.path, jsonToConvex(target.args ?? {}), [...current, args[op.from]]);
    } else if (op.op === "set") {
      store.setQuery(query.path, qargs, op.loading ? undefined : jsonToConvex(op.value));
    } else if (op.op === "concat") {
      // "target" names another query to write, for an update that reads
      // one query and writes a second.
      const target = op.target ? queryOf(op.target) : query;
      const current = store.getQuery(query.path, qargs);
      store.setQuery(target.path, jsonToConvex(target.args ?? {}),
        current === undefined ? op.ifLoading : current + op.suffix);
    } else if (op.op === "get") {
      recorded[op.record] = describe(store.getQuery(query.path, qargs));
    } else if (op.op === "getAll") {
      recorded[op.record] = store.getAllQueries(op.path).map((entry) => ({
        args: convexToJson(entry.args),
        ...(entry.value === undefined ? { loading: true } : { value: convexToJson(entry.value) }),
      }));
    } else if (op.op === "throw") {
      throw new Error(op.message);
    } else {
      throw new Error(`Unknown update op ${op.op}`);
    }
  }
}

const subscriptions = new Map(); // ref -> {token, unsubscribe}
const tokenCounts = new Map();
let notified = [];
const requests = {};
let authChanges = [];
let fetches = [];

const client = new BaseConvexClient("http://127.0.0.1:9", () => {}, {
  webSocketConstructor: FakeWebSocket,
  unsavedChangesWarning: false,
  logger: false,
});
const paginatedClient = new PaginatedQueryClient(client, () => {});
const paginated = new Map(); // ref -> {paginatedQueryToken, unsubscribe}

client.addOnTransitionHandler((transition) => {
  for (const { token } of transition.queries) {
    if (tokenCounts.get(token)) notified.push(JSON.parse(token));
  }
});

function track(ref, promise) {
  requests[ref] = "pending";
  promise.then(
    (value) => (requests[ref] = { resolved: convexToJson(value ?? null) }),
    (error) => (requests[ref] = { rejected: stripPrefix(error.message) }),
  );
}

// Waits for the client to create its next socket, which after a close
// happens on the client's real reconnect backoff (up to 1.5 s at first).
async function waitForSocket(timeoutMs) {
  for (let waited = 0; waited < timeoutMs; waited += 5) {
    const socket = sockets[sockets.length - 1];
    if (socket && !socket.opened) return socket;
    await sleep(5);
  }
  throw new Error(`The client did not open a new socket within ${timeoutMs} ms`);
}

// Describes how the time since the last close compares with [low, high]
// in ms, in the words test-conformance.c uses.
function describeDelay([low, high]) {
  const waited = Math.floor(performance.now() - droppedAt);
  return waited >= low && waited <= high ? "in range" : `${waited} ms, outside [${low}, ${high}]`;
}

function tokenFetcher(tokens) {
  let index = 0;
  return async ({ forceRefreshToken }) => {
    fetches.push(forceRefreshToken);
    const token = tokens[Math.min(index, tokens.length - 1)];
    index++;
    return token;
  };
}

async function runStep(step) {
  const { path, args = {} } = step;
  switch (step.do) {
    case "subscribe": {
      const options = step.journal !== undefined ? { journal: step.journal } : undefined;
      const { queryToken, unsubscribe } = client.subscribe(path, jsonToConvex(args), options);
      subscriptions.set(step.ref, { queryToken, unsubscribe });
      tokenCounts.set(queryToken, (tokenCounts.get(queryToken) ?? 0) + 1);
      break;
    }
    case "subscribePaginated": {
      const options = { initialNumItems: step.initialNumItems, id: step.id };
      paginated.set(step.ref, paginatedClient.subscribe(path, jsonToConvex(args), options));
      break;
    }
    case "loadMore": {
      const { paginatedQueryToken } = paginated.get(step.ref);
      recorded[step.record] = paginatedClient.loadMoreOfPaginatedQuery(paginatedQueryToken,
                                                                       step.numItems);
      break;
    }
    case "unsubscribe": {
      if (paginated.has(step.ref)) {
        paginated.get(step.ref).unsubscribe();
        paginated.delete(step.ref);
        break;
      }
      const { queryToken, unsubscribe } = subscriptions.get(step.ref);
      tokenCounts.set(queryToken, tokenCounts.get(queryToken) - 1);
      unsubscribe();
      break;
    }
    case "open": {
      const socket = await waitForSocket(step.wait_ms ?? 10000);
      if (step.delayRange) delay = describeDelay(step.delayRange);
      socket.opened = true;
      socket.onopen({});
      break;
    }
    case "deliver":
      sockets[sockets.length - 1].onmessage({ data: JSON.stringify(step.frame) });
      break;
    case "wait":
      await sleep(step.ms);
      break;
    case "failSends":
      droppedAt = performance.now();
      failSends = step.fail;
      break;
    case "drop":
      droppedAt = performance.now();
      sockets[sockets.length - 1].onclose({ code: step.code ?? 1011, reason: step.reason ?? "" });
      break;
    case "mutation": {
      const update = step.update
        ? (store, mutationArgs) => runUpdateOps(step.update, store, mutationArgs)
        : undefined;
      track(step.ref, client.mutation(path, jsonToConvex(args), { optimisticUpdate: update }));
      break;
    }
    case "action":
      track(step.ref, client.action(path, jsonToConvex(args)));
      break;
    case "setAuth":
      client.setAuth(tokenFetcher(step.tokens), (authenticated) => authChanges.push(authenticated));
      break;
    case "clearAuth":
      client.clearAuth();
      break;
    case "flush":
      break;
    default:
      throw new Error(`Unknown step ${step.do}`);
  }
}

function readWatches() {
  const reads = {};
  for (const [name, query] of Object.entries(scenario.watch ?? {})) {
    try {
      reads[name] = describe(client.localQueryResult(query.path, jsonToConvex(query.args ?? {})));
    } catch (error) {
      reads[name] = { error: stripPrefix(error.message) };
    }
  }
  return reads;
}

function readPaginated() {
  const reads = {};
  for (const [ref, { paginatedQueryToken }] of paginated) {
    try {
      const { results, status } = paginatedClient.localQueryResultByToken(paginatedQueryToken);
      reads[ref] = { results: convexToJson(results), status };
    } catch (error) {
      reads[ref] = { error: stripPrefix(error.message) };
    }
  }
  return reads;
}

const steps = [];
for (const step of scenario.steps) {
  sent = [];
  notified = [];
  authChanges = [];
  fetches = [];
  for (const key of Object.keys(recorded)) delete recorded[key];
  let error = null;
  try {
    await runStep(step);
  } catch (e) {
    error = stripPrefix(e.message);
  }
  await flush();
  await flush();
  steps.push(sorted({
    frames: sent.map(normaliseFrame),
    reads: readWatches(),
    notify: notified,
    requests: { ...requests },
    recorded: { ...recorded },
    auth: authChanges,
    fetches,
    error,
    paginated: readPaginated(),
    // The reconnect counter, for scenarios about when it resets
    ...(scenario.observeRetries ? { retries: client.connectionState().connectionRetries } : {}),
    ...(delay !== null ? { delay } : {}),
  }));
  delay = null;
}

process.stdout.write(JSON.stringify({ steps }) + "\n");
await Promise.race([client.close(), sleep(200)]);
process.exit(0);
