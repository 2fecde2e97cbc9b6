// Copyright 2026 The Chorus developers
// SPDX-License-Identifier: GPL-3.0-or-later
//
// The argument checks of chorus-server, with the same limits and the same
// messages. Errors are ConvexErrors whose data is {code, field?}, which
// clients read as errorData.

import { ConvexError } from "convex/values";

export const CHANNEL_NAME_MAX_LENGTH = 80;
export const AUTHOR_MAX_LENGTH = 80;
export const CLIENT_ID_MAX_LENGTH = 128;
export const BODY_MAX_LENGTH = 4000;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function invalidArgument(field: string, problem: string): ConvexError<{ code: string; field: string }> {
  return new ConvexError({
    code: "InvalidArgument",
    field,
    message: `Invalid argument '${field}': ${problem}`,
  });
}

// Checks that @value is 1 to @maxLength Unicode characters, with no NUL
// and no lone surrogate (which has no UTF-8 form).
export function checkText(field: string, value: string, maxLength: number): void {
  if (value.includes("\u0000"))
    throw invalidArgument(field, "must not contain NUL characters (U+0000)");
  if (LONE_SURROGATE.test(value))
    throw invalidArgument(field, "not valid UTF-8");

  const length = [...value].length;
  if (length === 0 || length > maxLength)
    throw invalidArgument(field, `must be 1 to ${maxLength} characters, got ${length}`);
}

export function checkChannelName(name: string): void {
  if (!/^[a-z0-9_-]+$/.test(name) || name.length > CHANNEL_NAME_MAX_LENGTH)
    throw invalidArgument("name", `a channel name is 1 to ${CHANNEL_NAME_MAX_LENGTH} characters ` +
                                  "of lowercase letters, digits, '-' and '_'");
}

export function fail(code: string, message: string): ConvexError<{ code: string; message: string }> {
  return new ConvexError({ code, message });
}
