// Copyright 2026 The Chorus developers
// SPDX-License-Identifier: GPL-3.0-or-later

import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import {
  AUTHOR_MAX_LENGTH,
  BODY_MAX_LENGTH,
  CLIENT_ID_MAX_LENGTH,
  checkText,
  fail,
  invalidArgument,
} from "./validate";

// messages:list returns this many of the newest messages.
const MESSAGE_LIST_LIMIT = 100;

// The author of a call: the user's name from the auth token when there is
// one, as chorus-server takes it from its token file, or null.
async function tokenUser(ctx: { auth: { getUserIdentity(): Promise<any> } }): Promise<string | null> {
  const identity = await ctx.auth.getUserIdentity();
  if (identity === null)
    return null;
  return identity.name ?? identity.nickname ?? identity.subject;
}

async function checkChannel(ctx: any, channel: string) {
  const id = ctx.db.normalizeId("channels", channel);
  if (id === null || (await ctx.db.get(id)) === null)
    throw fail("NotFound", `Invalid argument 'channel': no channel has the id '${channel}'`);
  return id;
}

// messages:list {channel}: the newest 100 messages, oldest first.
export const list = query({
  args: { channel: v.string() },
  handler: async (ctx, { channel }) => {
    const id = await checkChannel(ctx, channel);
    const newest = await ctx.db
      .query("messages")
      .withIndex("by_channel", (q) => q.eq("channel", id))
      .order("desc")
      .take(MESSAGE_LIST_LIMIT);
    return newest.reverse();
  },
});

// messages:page {channel, paginationOpts}: newest first, as paginate()
// returns it: {page, isDone, continueCursor}.
export const page = query({
  args: { channel: v.string(), paginationOpts: paginationOptsValidator },
  handler: async (ctx, { channel, paginationOpts }) => {
    const id = await checkChannel(ctx, channel);
    return await ctx.db
      .query("messages")
      .withIndex("by_channel", (q) => q.eq("channel", id))
      .order("desc")
      .paginate(paginationOpts);
  },
});

// messages:send {channel, body, author?, clientId?}: returns the message's
// id. A clientId that is already stored, or belonged to a removed message,
// returns that message's id and writes nothing, so a send retried after a
// restart lands once. With an
// auth token the author is the token's user.
export const send = mutation({
  args: {
    author: v.optional(v.string()),
    body: v.string(),
    channel: v.string(),
    clientId: v.optional(v.union(v.string(), v.null())),
  },
  handler: async (ctx, args) => {
    const user = await tokenUser(ctx);
    const author = user ?? args.author;
    if (author === undefined)
      throw invalidArgument("author", "missing");

    checkText("body", args.body, BODY_MAX_LENGTH);
    checkText("author", author, AUTHOR_MAX_LENGTH);
    if (args.clientId != null)
      checkText("clientId", args.clientId, CLIENT_ID_MAX_LENGTH);
    const channel = await checkChannel(ctx, args.channel);

    if (args.clientId != null) {
      const existing = await ctx.db
        .query("messages")
        .withIndex("by_clientId", (q) => q.eq("clientId", args.clientId))
        .first();
      if (existing !== null)
        return existing._id;

      const removed = await ctx.db
        .query("removedMessages")
        .withIndex("by_clientId", (q) => q.eq("clientId", args.clientId as string))
        .first();
      if (removed !== null)
        return removed.messageId;
    }

    return await ctx.db.insert("messages", {
      author,
      body: args.body,
      channel,
      clientId: args.clientId ?? null,
    });
  },
});

// Looks up a message to change. With an auth token only its author may.
async function findOwnMessage(ctx: any, messageId: string) {
  const id = ctx.db.normalizeId("messages", messageId);
  const message = id === null ? null : await ctx.db.get(id);
  if (message === null)
    throw fail("NotFound", `Invalid argument 'id': no message has the id '${messageId}'`);

  const user = await tokenUser(ctx);
  if (user !== null && user !== message.author)
    throw fail("Forbidden", `Forbidden: only the author of message '${messageId}' may change it`);
  return message;
}

// messages:edit {id, body}: replaces the body and sets editedAt.
export const edit = mutation({
  args: { body: v.string(), id: v.string() },
  handler: async (ctx, { body, id }) => {
    checkText("body", body, BODY_MAX_LENGTH);
    const message = await findOwnMessage(ctx, id);
    await ctx.db.patch(message._id, { body, editedAt: Date.now() });
    return null;
  },
});

// messages:remove {id}: deletes the message and keeps its clientId.
export const remove = mutation({
  args: { id: v.string() },
  handler: async (ctx, { id }) => {
    const message = await findOwnMessage(ctx, id);
    if (message.clientId !== null)
      await ctx.db.insert("removedMessages", { clientId: message.clientId, messageId: message._id });
    await ctx.db.delete(message._id);
    return null;
  },
});
