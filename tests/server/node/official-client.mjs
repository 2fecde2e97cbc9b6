// official-client.mjs
//
// Copyright 2026 The Chorus developers
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Runs the official Convex client (npm convex, pinned in package.json)
// against a chorus-server on 127.0.0.1: subscribe, send with an optimistic
// update, kill and restart the server, and check that nothing is duplicated.
//
// Usage: node official-client.mjs CHORUS_SERVER_BINARY
// Exits 77 (skipped) when the Node packages are not installed.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";

const SKIP = 77;
const TIMEOUT_MS = 20000;

let ConvexClient;
let anyApi;
try {
  ({ ConvexClient } = await import("convex/browser"));
  ({ anyApi } = await import("convex/server"));
} catch (error) {
  console.log(`SKIP: the convex npm package is not installed (${error.code ?? error.message})`);
  process.exit(SKIP);
}

const serverBinary = process.argv[2];
if (!serverBinary) {
  console.error("Usage: node official-client.mjs CHORUS_SERVER_BINARY");
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), "chorus-official-"));
const database = join(dir, "server.sqlite");
let server = null;

// Starts chorus-server and resolves with its port, read from the
// "Listening on ws://127.0.0.1:PORT/..." log line.
function startServer(port) {
  return new Promise((resolve, reject) => {
    const child = spawn(serverBinary, ["--port", String(port), "--database", database], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let log = "";
    const timer = setTimeout(() => reject(new Error(`chorus-server did not start:\n${log}`)), TIMEOUT_MS);
    child.stderr.on("data", (data) => {
      log += data;
      const match = /Listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(log);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.on("exit", (code) => reject(new Error(`chorus-server exited with ${code}:\n${log}`)));
    server = child;
  });
}

function killServer() {
  return new Promise((resolve) => {
    server.removeAllListeners("exit");
    server.on("exit", resolve);
    server.kill("SIGKILL");
  });
}

async function waitFor(what, predicate) {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!predicate()) {
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function countClientId(messages, clientId) {
  return messages.filter((message) => message.clientId === clientId).length;
}

// Appends an optimistic copy of the message to messages:list.
function appendMessage(store, args) {
  const current = store.getQuery(anyApi.messages.list, { channel: args.channel });
  if (current === undefined)
    return;
  store.setQuery(anyApi.messages.list, { channel: args.channel }, [
    ...current,
    { _creationTime: Date.now(), _id: `optimistic-${args.clientId}`, ...args },
  ]);
}

async function main() {
  const port = await startServer(0);
  const url = `http://127.0.0.1:${port}`;
  const client = new ConvexClient(url, { unsavedChangesWarning: false, logger: false });

  const channels = await client.query(anyApi.channels.list, {});
  const general = channels.find((channel) => channel.name === "general");
  assert.ok(general, "channels:list has no 'general' channel");

  let latest;
  client.onUpdate(anyApi.messages.list, { channel: general._id }, (value) => { latest = value; });
  await waitFor("the first messages:list result", () => latest !== undefined);
  assert.deepEqual(latest, []);

  // A send shows at once through its optimistic update, then is confirmed.
  const first = { author: "ada", body: "hello", channel: general._id, clientId: "official-1" };
  const firstSent = client.mutation(anyApi.messages.send, first, { optimisticUpdate: appendMessage });
  const optimistic = client.client.localQueryResult("messages:list", { channel: general._id });
  assert.equal(optimistic.length, 1, "the optimistic update did not show the message");
  assert.equal(optimistic[0]._id, "optimistic-official-1");
  const firstId = await firstSent;
  await waitFor("the confirmed message", () => latest.length === 1 && latest[0]._id === firstId);
  assert.equal(latest[0].body, "hello");
  assert.equal(latest[0].author, "ada");
  console.log("ok 1 - send with an optimistic update is confirmed");

  // A send while the server is down waits, and goes through once the
  // server is back on the same port and database.
  await killServer();
  const second = { author: "ada", body: "while down", channel: general._id, clientId: "official-2" };
  const secondSent = client.mutation(anyApi.messages.send, second, { optimisticUpdate: appendMessage });
  assert.equal(client.client.localQueryResult("messages:list", { channel: general._id }).length, 2);
  await startServer(port);
  const secondId = await secondSent;
  await waitFor("the message sent while the server was down",
                () => latest.some((message) => message._id === secondId));
  console.log("ok 2 - reconnects after a restart and delivers the pending send");

  // Kill the server straight after a send is written, so the client may
  // re-send it after the restart: it still lands once.
  const third = { author: "ada", body: "racing", channel: general._id, clientId: "official-3" };
  const thirdSent = client.mutation(anyApi.messages.send, third, { optimisticUpdate: appendMessage });
  await new Promise((resolve) => setTimeout(resolve, 5));
  await killServer();
  await startServer(port);
  const thirdId = await thirdSent;
  await waitFor("the racing message", () => latest.some((message) => message._id === thirdId));

  const fresh = new ConvexClient(url, { unsavedChangesWarning: false, logger: false });
  const stored = await fresh.query(anyApi.messages.list, { channel: general._id });
  for (const clientId of ["official-1", "official-2", "official-3"])
    assert.equal(countClientId(stored, clientId), 1, `${clientId} is stored ${countClientId(stored, clientId)} times`);
  assert.deepEqual(stored.map((message) => message._id), latest.map((message) => message._id));
  console.log("ok 3 - nothing is duplicated across restarts");

  // A bad argument rejects the mutation with the server's message.
  await assert.rejects(client.mutation(anyApi.messages.send, { ...first, body: "", clientId: "official-4" }),
                       /body/);
  console.log("ok 4 - an invalid send is rejected");

  await Promise.race([Promise.all([client.close(), fresh.close()]),
                      new Promise((resolve) => setTimeout(resolve, 2000))]);
}

let status = 0;
try {
  await main();
} catch (error) {
  console.error(`FAIL: ${error.stack ?? error}`);
  status = 1;
} finally {
  if (server && server.exitCode === null)
    server.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
process.exit(status);
