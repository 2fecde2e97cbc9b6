/* chorus-tokens.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-tokens"

#include <string.h>

#include "chorus-tokens.h"

#define USER_MAX_LENGTH 80
#define TOKEN_MIN_LENGTH 16

typedef struct
{
  char *user;
  char *token;
} Entry;

struct _ChorusTokens
{
  gatomicrefcount ref_count;
  GArray *entries;
};

static void
entry_clear (Entry *entry)
{
  g_free (entry->user);
  g_free (entry->token);
}

static gboolean
parse_line (ChorusTokens  *self,
            const char    *line,
            guint          number,
            GError       **error)
{
  g_auto(GStrv) fields = g_strsplit_set (line, " \t", -1);
  g_autoptr(GPtrArray) words = g_ptr_array_new ();
  Entry entry;

  for (guint i = 0; fields[i] != NULL; i++)
    {
      if (fields[i][0] != '\0')
        g_ptr_array_add (words, fields[i]);
    }

  if (words->len != 2 ||
      strlen (words->pdata[0]) > USER_MAX_LENGTH ||
      strlen (words->pdata[1]) < TOKEN_MIN_LENGTH ||
      !g_utf8_validate (words->pdata[0], -1, NULL))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "Invalid token file line %u: expected a user name of 1 to %d characters "
                   "and a token of at least %d characters, separated by a space",
                   number, USER_MAX_LENGTH, TOKEN_MIN_LENGTH);
      return FALSE;
    }

  entry.user = g_strdup (words->pdata[0]);
  entry.token = g_strdup (words->pdata[1]);
  g_array_append_val (self->entries, entry);
  return TRUE;
}

ChorusTokens *
chorus_tokens_parse (const char  *text,
                     GError     **error)
{
  g_autoptr(ChorusTokens) self = g_new0 (ChorusTokens, 1);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  g_atomic_ref_count_init (&self->ref_count);
  self->entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_array_set_clear_func (self->entries, (GDestroyNotify) entry_clear);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = g_strstrip (lines[i]);

      if (line[0] == '\0' || line[0] == '#')
        continue;
      if (!parse_line (self, line, i + 1, error))
        return NULL;
    }

  if (self->entries->len == 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "The token file has no \"USER TOKEN\" lines");
      return NULL;
    }

  return g_steal_pointer (&self);
}

ChorusTokens *
chorus_tokens_load (const char  *path,
                    GError     **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;
  ChorusTokens *self;

  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;

  if (!(self = chorus_tokens_parse (text, &local_error)))
    {
      g_set_error (error, local_error->domain, local_error->code,
                   "%s: %s", path, local_error->message);
      return NULL;
    }

  return self;
}

ChorusTokens *
chorus_tokens_ref (ChorusTokens *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
chorus_tokens_unref (ChorusTokens *self)
{
  if (self == NULL || !g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_clear_pointer (&self->entries, g_array_unref);
  g_free (self);
}

guint
chorus_tokens_get_n (ChorusTokens *self)
{
  return self->entries->len;
}

/* Compares two strings in time that depends only on their lengths, so a
 * client cannot find a token byte by byte from response times. */
static gboolean
equal_constant_time (const char *a,
                     const char *b)
{
  gsize length_a = strlen (a);
  gsize length_b = strlen (b);
  guchar difference = length_a != length_b;

  for (gsize i = 0; i < length_a; i++)
    difference |= (guchar) a[i] ^ (guchar) b[i % MAX (length_b, 1)];

  return difference == 0;
}

/* Returns the user name of @token, or NULL. Every entry is compared, so
 * the time taken does not tell which entry, if any, matched. */
const char *
chorus_tokens_lookup (ChorusTokens *self,
                      const char   *token)
{
  const char *user = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (token != NULL, NULL);

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = &g_array_index (self->entries, Entry, i);

      if (equal_constant_time (token, entry->token) && user == NULL)
        user = entry->user;
    }

  return user;
}
