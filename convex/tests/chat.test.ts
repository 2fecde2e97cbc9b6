// Copyright 2026 The Chorus developers
// SPDX-License-Identifier: GPL-3.0-or-later
//
// The Convex versions of the chat functions, run by convex-test.

import { convexTest } from "convex-test";
import { anyApi } from "convex/server";
import { describe, expect, test } from "vitest";
import schema from "../functions/schema";

const modules = import.meta.glob("../functions/**/*.ts");
const api = anyApi;

async function setup() {
  const t = convexTest(schema, modules);
  await t.mutation(anyApi.init.default, {});
  const channels = await t.query(api.channels.list, {});
  const general = channels.find((channel: any) => channel.name === "general")._id;
  return { t, general };
}

function send(t: any, channel: string, body: string, clientId?: string) {
  return t.mutation(api.messages.send, { author: "ada", body, channel, clientId });
}

async function errorData(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error: any) {
    return error.data;
  }
  throw new Error("expected the call to fail");
}

describe("channels", () => {
  test("list is ordered by name", async () => {
    const { t } = await setup();
    await t.mutation(api.channels.create, { name: "aaa" });
    const names = (await t.query(api.channels.list, {})).map((channel: any) => channel.name);
    expect(names).toEqual(["aaa", "general", "random"]);
  });

  test("create rejects bad and taken names", async () => {
    const { t } = await setup();
    expect(await errorData(t.mutation(api.channels.create, { name: "Bad Name" })))
      .toMatchObject({ code: "InvalidArgument", field: "name" });
    expect((await errorData(t.mutation(api.channels.create, { name: "general" }))).message)
      .toContain("already exists");
  });
});

describe("messages", () => {
  test("send then list has the row shape of chorus-server", async () => {
    const { t, general } = await setup();
    const id = await send(t, general, "hello", "c1");
    const list = await t.query(api.messages.list, { channel: general });
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ _id: id, author: "ada", body: "hello", channel: general, clientId: "c1" });
    expect(typeof list[0]._creationTime).toBe("number");
  });

  test("a retried clientId lands once", async () => {
    const { t, general } = await setup();
    const first = await send(t, general, "once", "retry-1");
    const second = await send(t, general, "once", "retry-1");
    expect(second).toEqual(first);
    expect(await t.query(api.messages.list, { channel: general })).toHaveLength(1);
  });

  test("list keeps the newest 100, oldest first", async () => {
    const { t, general } = await setup();
    for (let i = 0; i < 105; i++)
      await send(t, general, `m${i}`);
    const list = await t.query(api.messages.list, { channel: general });
    expect(list).toHaveLength(100);
    expect(list[0].body).toBe("m5");
    expect(list[99].body).toBe("m104");
  });

  test("page is newest first with a continue cursor", async () => {
    const { t, general } = await setup();
    for (let i = 1; i <= 5; i++)
      await send(t, general, `m${i}`);
    const first = await t.query(api.messages.page, { channel: general, paginationOpts: { cursor: null, numItems: 3 } });
    expect(first.page.map((message: any) => message.body)).toEqual(["m5", "m4", "m3"]);
    expect(first.isDone).toBe(false);
    const second = await t.query(api.messages.page,
                                 { channel: general, paginationOpts: { cursor: first.continueCursor, numItems: 3 } });
    expect(second.page.map((message: any) => message.body)).toEqual(["m2", "m1"]);
    expect(second.isDone).toBe(true);
  });

  test("edit sets the body and editedAt, remove deletes", async () => {
    const { t, general } = await setup();
    const id = await send(t, general, "typo");
    await t.mutation(api.messages.edit, { id, body: "fixed" });
    let list = await t.query(api.messages.list, { channel: general });
    expect(list[0].body).toBe("fixed");
    expect(typeof list[0].editedAt).toBe("number");
    await t.mutation(api.messages.remove, { id });
    list = await t.query(api.messages.list, { channel: general });
    expect(list).toHaveLength(0);
    expect(await errorData(t.mutation(api.messages.remove, { id }))).toMatchObject({ code: "NotFound" });
  });

  test("a send retried with a removed message's clientId posts nothing", async () => {
    const { t, general } = await setup();
    const args = { channel: general, author: "ada", body: "oops", clientId: "retried-1" };
    const id = await t.mutation(api.messages.send, args);
    await t.mutation(api.messages.remove, { id });
    expect(await t.mutation(api.messages.send, args)).toBe(id);
    expect(await t.query(api.messages.list, { channel: general })).toHaveLength(0);
  });

  test("validation names the field and the limit", async () => {
    const { t, general } = await setup();
    const tooLong = await errorData(send(t, general, "x".repeat(4001)));
    expect(tooLong).toMatchObject({ code: "InvalidArgument", field: "body" });
    expect(tooLong.message).toContain("4000");
    expect(await errorData(send(t, general, "")))
      .toMatchObject({ field: "body" });
    expect((await errorData(send(t, general, "a\u0000b"))).message).toContain("NUL");
    expect(await errorData(send(t, "missing", "hi"))).toMatchObject({ code: "NotFound" });
  });

  test("a token's user is the author and owns the message", async () => {
    const { t, general } = await setup();
    const ada = t.withIdentity({ name: "ada" });
    const lin = t.withIdentity({ name: "lin" });
    const id = await ada.mutation(api.messages.send, { author: "lin", body: "hi", channel: general });
    const list = await t.query(api.messages.list, { channel: general });
    expect(list[0].author).toBe("ada");
    expect(await errorData(lin.mutation(api.messages.edit, { id, body: "mine" })))
      .toMatchObject({ code: "Forbidden" });
    expect(await errorData(lin.mutation(api.messages.remove, { id })))
      .toMatchObject({ code: "Forbidden" });
  });
});
