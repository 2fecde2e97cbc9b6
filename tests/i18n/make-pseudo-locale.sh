#!/usr/bin/env bash
# Copyright 2026 The Chorus developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Builds a pseudo-locale catalogue in which every message from the files in
# po/POTFILES.in reads ⟦like this⟧, so a test can tell translated text from
# text that never went through gettext.
#
# Usage: make-pseudo-locale.sh SOURCE_ROOT OUTPUT_MO
set -euo pipefail

source_root=$1
output=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$(dirname "$0")/make-pot.sh" "$source_root" "$work/chorus.pot"

# msginit fills an English catalogue with the msgids; msgfilter then wraps
# each one. Without --keep-header, msgfilter would wrap the header too.
msginit --no-translator --locale=en_US.UTF-8 --input="$work/chorus.pot" --output-file=- 2>/dev/null \
  | msgfilter --keep-header --output-file="$work/pseudo.po" sed -e 's/^/⟦/' -e 's/$/⟧/'

msgfmt --check --output-file="$output" "$work/pseudo.po"
