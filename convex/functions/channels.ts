// Copyright 2026 The Chorus developers
// SPDX-License-Identifier: GPL-3.0-or-later

import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { checkChannelName, invalidArgument } from "./validate";

// channels:list {}: every channel, ordered by name.
export const list = query({
  args: {},
  handler: async (ctx) => {
    return await ctx.db.query("channels").withIndex("by_name").order("asc").collect();
  },
});

// channels:create {name}: returns the new channel's id.
export const create = mutation({
  args: { name: v.string() },
  handler: async (ctx, { name }) => {
    checkChannelName(name);
    const taken = await ctx.db.query("channels").withIndex("by_name", (q) => q.eq("name", name)).first();
    if (taken !== null)
      throw invalidArgument("name", `a channel named '${name}' already exists`);
    return await ctx.db.insert("channels", { name });
  },
});
