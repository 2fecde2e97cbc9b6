#!/bin/sh
# Copyright 2026 The Chorus developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs the convex-test suite of the Convex functions in the folder $1.
# Exits 77 (skipped) when node or the folder's Node packages are missing.

dir="$1"

if ! command -v node >/dev/null 2>&1; then
  echo "SKIP: node is not installed"
  exit 77
fi

if [ ! -f "$dir/node_modules/vitest/vitest.mjs" ] || [ ! -d "$dir/node_modules/convex-test" ]; then
  echo "SKIP: the Node packages of $dir are not installed (run npm ci there)"
  exit 77
fi

cd "$dir" && exec node node_modules/vitest/vitest.mjs run
