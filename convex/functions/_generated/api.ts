// Copyright 2026 The Chorus developers
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Stand-in for the generated function references; codegen replaces it.

export { anyApi as api, anyApi as internal } from "convex/server";
