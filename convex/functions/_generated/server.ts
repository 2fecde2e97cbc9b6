// Copyright 2026 The Chorus developers
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Stand-in for the file that `npx convex dev` or `npx convex codegen`
// writes: the function builders without the typed data model. Codegen
// replaces it with the typed version when the functions are deployed.

export {
  queryGeneric as query,
  mutationGeneric as mutation,
  internalMutationGeneric as internalMutation,
} from "convex/server";
