#!/usr/bin/env bash
# Copyright 2026 The Chorus developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Checks the built metainfo file for what Flathub requires but Debian 12's
# appstreamcli 0.16 and appstream-util do not check: releases with dates,
# the OARS rating, captioned PNG screenshots, the launchable, the developer
# and the branding colours.
#
# Usage: check-metainfo.sh METAINFO APP_ID PROJECT_VERSION SOURCE_ROOT
set -u

metainfo=$1
app_id=$2
project_version=$3
source_root=$4
# Screenshot URLs point into the repository's main branch on GitHub.
raw_prefix=https://raw.githubusercontent.com/chorus-chat/chorus/main/
failures=0

# Prints the value of an XPath expression, or nothing when it matches nothing.
value () {
  xmllint --xpath "$1" "$metainfo" 2>/dev/null
}

expect () {
  local description=$1 actual=$2 expected=$3

  if [ "$actual" = "$expected" ]; then
    echo "ok: $description"
  else
    echo "FAIL: $description: expected '$expected', found '$actual'"
    failures=$((failures + 1))
  fi
}

expect_at_least () {
  local description=$1 actual=$2 minimum=$3

  if [ "${actual%.*}" -ge "$minimum" ] 2>/dev/null; then
    echo "ok: $description ($actual)"
  else
    echo "FAIL: $description: expected at least $minimum, found '$actual'"
    failures=$((failures + 1))
  fi
}

if ! xmllint --noout "$metainfo"; then
  echo "FAIL: $metainfo is not well-formed XML"
  exit 1
fi

expect "component id" "$(value 'string(/component/id)')" "$app_id"
expect "component type" "$(value 'string(/component/@type)')" "desktop-application"
expect "launchable" \
  "$(value 'string(/component/launchable[@type="desktop-id"])')" "$app_id.desktop"
expect "metadata licence" "$(value 'string(/component/metadata_license)')" "CC0-1.0"
expect "project licence" "$(value 'string(/component/project_license)')" "GPL-3.0-or-later"

expect_at_least "developer with an id and a name" \
  "$(value 'count(/component/developer[@id and normalize-space(name)])')" 1
expect_at_least "homepage URL" \
  "$(value 'count(/component/url[@type="homepage" and starts-with(., "https://")])')" 1
expect_at_least "OARS 1.1 content rating" \
  "$(value 'count(/component/content_rating[@type="oars-1.1"])')" 1
expect "social-chat rated intense" \
  "$(value 'string(/component/content_rating/content_attribute[@id="social-chat"])')" "intense"

expect_at_least "releases with a version and a date" \
  "$(value 'count(/component/releases/release[@version and @date])')" 1
expect "releases without a version or a date" \
  "$(value 'count(/component/releases/release[not(@version) or not(@date)])')" 0
expect "newest release is the project version" \
  "$(value 'string(/component/releases/release[1]/@version)')" "$project_version"

expect_at_least "screenshots" \
  "$(value 'count(/component/screenshots/screenshot/image)')" 1
expect "default screenshots" \
  "$(value 'count(/component/screenshots/screenshot[@type="default"])')" 1
expect "screenshots without a caption" \
  "$(value 'count(/component/screenshots/screenshot[not(normalize-space(caption))])')" 0
expect "screenshots that are not https PNG files" \
  "$(value 'count(/component/screenshots/screenshot/image[not(starts-with(., "https://")) or substring(., string-length(.) - 3) != ".png"])')" 0

for url in $(value '/component/screenshots/screenshot/image/text()'); do
  path=${url#"$raw_prefix"}
  if [ "$path" != "$url" ] && [ -f "$source_root/$path" ]; then
    echo "ok: screenshot $path is in the repository"
  else
    echo "FAIL: screenshot $url is not a file under $raw_prefix in $source_root"
    failures=$((failures + 1))
  fi
done

expect "light branding colour" \
  "$(value 'count(/component/branding/color[@type="primary" and @scheme_preference="light"])')" 1
expect "dark branding colour" \
  "$(value 'count(/component/branding/color[@type="primary" and @scheme_preference="dark"])')" 1

summary=$(value 'string(/component/summary)')
if [ ${#summary} -le 35 ] && [ "${summary%.}" = "$summary" ]; then
  echo "ok: summary is short and has no trailing dot"
else
  echo "FAIL: summary '$summary' must be at most 35 characters with no trailing dot"
  failures=$((failures + 1))
fi

if [ $failures -ne 0 ]; then
  echo "$failures metainfo checks failed in $metainfo"
  exit 1
fi
