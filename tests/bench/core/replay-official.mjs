// replay-official.mjs
//
// Copyright 2026 The Chorus developers
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Replays a benchmark transcript (see bench-core.c) through the official
// Convex client (BaseConvexClient from the npm package that
// tests/conformance installs) over an in-process fake WebSocket, then
// prints "items=N notifications=M" as replay-core does.
//
// Usage: node replay-official.mjs TRANSCRIPT NODE_MODULES_DIR

import { closeSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [transcriptPath, modulesDir] = process.argv.slice(2);
const { BaseConvexClient } = await import(
  pathToFileURL(join(modulesDir, "convex/dist/esm/browser/index-node.js")).href
);

const LIST_PATH = "messages:list";
const sockets = [];

class FakeWebSocket {
  constructor(url) {
    this.url = url;
    sockets.push(this);
  }
  send() {}
  close() {}
}

let notifications = 0;
const client = new BaseConvexClient("http://127.0.0.1:9", () => {}, {
  webSocketConstructor: FakeWebSocket,
  unsavedChangesWarning: false,
  logger: false,
});
const tokens = [];
const listArgs = [];

function appendMessageUpdate(store, args) {
  const current = store.getQuery(LIST_PATH, { channel: args.channel });
  if (current === undefined) return;
  store.setQuery(LIST_PATH, { channel: args.channel }, [
    ...current,
    { _id: "pending", author: "me", body: args.body },
  ]);
}

function runLine(line) {
  const text = line.slice(2);
  switch (line[0]) {
    case "S": {
      const args = JSON.parse(text);
      const { queryToken } = client.subscribe(LIST_PATH, args);
      tokens.push(queryToken);
      listArgs.push(args);
      break;
    }
    case "O":
      sockets[sockets.length - 1].onopen({});
      break;
    case "M":
      client.mutation("messages:send", JSON.parse(text), { optimisticUpdate: appendMessageUpdate });
      break;
    case "D":
      sockets[sockets.length - 1].onmessage({ data: text });
      break;
    default:
      throw new Error(`Invalid transcript line starting with ${line[0]}`);
  }
}

// Reads the transcript in blocks, so the whole file is never in memory.
function* readLines(path) {
  const fd = openSync(path, "r");
  const buffer = Buffer.alloc(1 << 20);
  let rest = "";
  let count;
  while ((count = readSync(fd, buffer, 0, buffer.length, null)) > 0) {
    const lines = (rest + buffer.toString("utf8", 0, count)).split("\n");
    rest = lines.pop();
    yield* lines;
  }
  closeSync(fd);
  if (rest) yield rest;
}

client.addOnTransitionHandler((transition) => {
  notifications += transition.queries.length;
});

for (const line of readLines(transcriptPath)) {
  if (line[0] === "O") {
    while (sockets.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  runLine(line);
}
await new Promise((resolve) => setImmediate(resolve));

let items = 0;
for (const args of listArgs) {
  const value = client.localQueryResult(LIST_PATH, args);
  if (Array.isArray(value)) items += value.length;
}
process.stdout.write(`items=${items} notifications=${notifications}\n`);
process.exit(0);
