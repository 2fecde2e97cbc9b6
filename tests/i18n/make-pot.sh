#!/usr/bin/env bash
# Copyright 2026 The Chorus developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Extracts the translatable strings of the files in po/POTFILES.in into a
# template, with the keywords of meson's glib preset, as the chorus-pot
# target does but without writing into the source tree.
#
# Usage: make-pot.sh SOURCE_ROOT OUTPUT_POT
set -euo pipefail

source_root=$1
output=$2
files=$(mktemp)
trap 'rm -f "$files"' EXIT

grep -v '^\s*#' "$source_root/po/POTFILES.in" | grep -v '^\s*$' > "$files"

xgettext --directory="$source_root" --files-from="$files" \
  --from-code=UTF-8 --add-comments --package-name=chorus \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
  --output="$output"
