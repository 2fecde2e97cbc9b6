// Copyright 2026 The Chorus developers
// SPDX-License-Identifier: GPL-3.0-or-later
//
// The Chorus tables, the same as chorus-server's SQLite schema.

import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

export default defineSchema({
  channels: defineTable({
    name: v.string(),
  }).index("by_name", ["name"]),

  // clientId is null when the sender gave none, as in chorus-server's
  // messages:list rows. editedAt is set by messages:edit, in milliseconds
  // since the epoch.
  messages: defineTable({
    channel: v.id("channels"),
    author: v.string(),
    body: v.string(),
    clientId: v.union(v.string(), v.null()),
    editedAt: v.optional(v.number()),
  })
    .index("by_channel", ["channel"])
    .index("by_clientId", ["clientId"]),

  // The client id of every removed message, so that a send retried with
  // it returns the removed message's id instead of posting it again.
  removedMessages: defineTable({
    clientId: v.string(),
    messageId: v.string(),
  }).index("by_clientId", ["clientId"]),
});
