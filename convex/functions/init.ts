// Copyright 2026 The Chorus developers
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Creates the channels general and random, as chorus-server does for a
// new database: `npx convex run init` once after the first deploy.

import { internalMutation } from "./_generated/server";

export default internalMutation({
  args: {},
  handler: async (ctx) => {
    for (const name of ["general", "random"]) {
      const existing = await ctx.db.query("channels").withIndex("by_name", (q) => q.eq("name", name)).first();
      if (existing === null)
        await ctx.db.insert("channels", { name });
    }
  },
});
