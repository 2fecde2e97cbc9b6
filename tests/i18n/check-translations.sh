#!/usr/bin/env bash
# Copyright 2026 The Chorus developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Checks that every language in po/LINGUAS translates every string that the
# sources contain now, with no fuzzy entries and valid format strings. The
# .po files are merged with a fresh template in a temporary folder, so a
# string added to the sources fails here until it is translated.
#
# Usage: check-translations.sh SOURCE_ROOT
set -uo pipefail

source_root=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

"$(dirname "$0")/make-pot.sh" "$source_root" "$work/chorus.pot" || exit 1

languages=$(grep -v '^\s*#' "$source_root/po/LINGUAS" | tr -s ' \n' '\n' | grep -v '^$')
if [ -z "$languages" ]; then
  echo "FAIL: po/LINGUAS lists no languages"
  exit 1
fi

for language in $languages; do
  po="$source_root/po/$language.po"
  if [ ! -f "$po" ]; then
    echo "FAIL: po/LINGUAS lists $language, but po/$language.po does not exist"
    failures=$((failures + 1))
    continue
  fi

  if ! msgfmt --check --check-format --output-file=/dev/null "$po"; then
    echo "FAIL: po/$language.po does not compile"
    failures=$((failures + 1))
  fi

  msgmerge --quiet --no-fuzzy-matching --output-file="$work/$language.po" "$po" "$work/chorus.pot"
  missing=$(msgattrib --untranslated --no-obsolete --no-wrap "$work/$language.po" | grep -c '^msgid "[^"]')
  fuzzy=$(msgattrib --only-fuzzy --no-obsolete --no-wrap "$po" | grep -c '^msgid "[^"]')

  if [ "$missing" -gt 0 ] || [ "$fuzzy" -gt 0 ]; then
    echo "FAIL: po/$language.po has $missing untranslated and $fuzzy fuzzy strings:"
    msgattrib --untranslated --no-obsolete --no-wrap "$work/$language.po" | grep '^msgid "[^"]' | sed 's/^/  untranslated: /'
    msgattrib --only-fuzzy --no-obsolete --no-wrap "$po" | grep '^msgid "[^"]' | sed 's/^/  fuzzy: /'
    echo "  Run 'meson compile -C BUILD chorus-update-po' and translate them."
    failures=$((failures + 1))
  else
    echo "ok: po/$language.po is complete"
  fi
done

exit $((failures > 0))
