/* chorus-tokens.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The user tokens a server accepts, read from a file with one
 * "USER TOKEN" pair a line. Blank lines and lines that start with '#'
 * are skipped. A user name is 1 to 80 characters without whitespace, and
 * a token at least 16 characters without whitespace.
 */
typedef struct _ChorusTokens ChorusTokens;

ChorusTokens *chorus_tokens_load   (const char    *path,
                                    GError       **error);
ChorusTokens *chorus_tokens_parse  (const char    *text,
                                    GError       **error);
ChorusTokens *chorus_tokens_ref    (ChorusTokens  *self);
void          chorus_tokens_unref  (ChorusTokens  *self);
guint         chorus_tokens_get_n  (ChorusTokens  *self);
const char   *chorus_tokens_lookup (ChorusTokens  *self,
                                    const char    *token);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChorusTokens, chorus_tokens_unref)

G_END_DECLS
