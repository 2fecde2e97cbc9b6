/* chorus-json.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-json"

#include "config.h"

#include <string.h>

#include "chorus-client.h"
#include "chorus-json-private.h"

/*
 * A strict JSON reader (RFC 8259) for server frames. json-glib 1.6 accepts
 * single quotes, comments, trailing commas, invalid escapes and several
 * documents in a row, recurses once per nesting level and wraps integer
 * literals outside the int64 range, so frames are read here instead. The
 * reader builds the JsonNodes directly, and takes the rows of query results
 * from the row cache in chorus-json-cache.c.
 */

typedef ChorusJsonReader Reader;



static gboolean read_value (Reader    *r,
                            JsonNode **node);

static gboolean
fail (Reader     *r,
      const char *message)
{
  if (r->error != NULL && *r->error == NULL)
    g_set_error (r->error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_PROTOCOL,
                 "%s at byte %" G_GSIZE_FORMAT, message, (gsize) (r->p - r->start));
  return FALSE;
}

static void
skip_space (Reader *r)
{
  while (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t')
    r->p++;
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Reads the four hex digits of a \uXXXX escape that starts at @p. */
static gboolean
read_hex4 (const char *p,
           gunichar   *unit)
{
  *unit = 0;

  if (p[0] != '\\' || p[1] != 'u')
    return FALSE;

  for (guint i = 2; i < 6; i++)
    {
      int digit = hex_value (p[i]);

      if (digit < 0)
        return FALSE;
      *unit = *unit * 16 + digit;
    }

  return TRUE;
}

/* Reads a \u escape, joining a UTF-16 surrogate pair into one character.
 * A lone surrogate has no UTF-8 form, and \u0000 cannot be stored in a C
 * string, so both are rejected. */
static gboolean
read_unicode_escape (Reader   *r,
                     gunichar *c)
{
  gunichar low;

  if (!read_hex4 (r->p, c))
    return fail (r, "Frame has an invalid \\u escape");
  if (*c == 0)
    return fail (r, "Frame has a \\u0000 escape in a string");
  if (*c >= 0xdc00 && *c <= 0xdfff)
    return fail (r, "Frame has a lone UTF-16 surrogate in a string");

  r->p += 6;
  if (*c < 0xd800 || *c > 0xdbff)
    return TRUE;

  if (!read_hex4 (r->p, &low) || low < 0xdc00 || low > 0xdfff)
    return fail (r, "Frame has a lone UTF-16 surrogate in a string");

  *c = 0x10000 + ((*c - 0xd800) << 10) + (low - 0xdc00);
  r->p += 6;
  return TRUE;
}

static char
simple_escape (char c)
{
  switch (c)
    {
    case '"': return '"';
    case '\\': return '\\';
    case '/': return '/';
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    default: return '\0';
    }
}

static gboolean
read_escape (Reader *r)
{
  char simple;
  gunichar c;

  if (r->p[1] == 'u')
    {
      if (!read_unicode_escape (r, &c))
        return FALSE;
      g_string_append_unichar (r->scratch, c);
      return TRUE;
    }

  simple = simple_escape (r->p[1]);
  if (simple == '\0')
    return fail (r, "Frame has an invalid escape in a string");

  g_string_append_c (r->scratch, simple);
  r->p += 2;
  return TRUE;
}

/* Returns the length of the run of plain characters at @p: those that
 * need no unescaping. Stops at '"', '\\', a control character or the end. */
static gsize
plain_run (const char *p)
{
  const guchar *q = (const guchar *) p;

  while (*q >= 0x20 && *q != '"' && *q != '\\')
    q++;

  return (const char *) q - p;
}

/* Reads a string literal into r->scratch, or only checks it when not
 * building. The whole text was checked to be UTF-8 before, so only
 * control characters and escapes remain. */
static gboolean
read_string_text (Reader *r)
{
  g_string_truncate (r->scratch, 0);
  r->p++;

  for (;;)
    {
      gsize run = plain_run (r->p);

      if (r->build)
        g_string_append_len (r->scratch, r->p, run);
      r->p += run;

      if (*r->p == '"')
        break;
      if (*r->p == '\0')
        return fail (r, "Frame ends inside a string");
      if (*r->p != '\\')
        return fail (r, "Frame has a control character in a string");
      if (!read_escape (r))
        return FALSE;
    }

  r->p++;
  return TRUE;
}

static gboolean
read_string (Reader    *r,
             JsonNode **node)
{
  if (!read_string_text (r))
    return FALSE;

  if (r->build)
    *node = json_node_init_string (json_node_alloc (), r->scratch->str);
  return TRUE;
}

static gboolean
skip_digits (Reader *r)
{
  const char *begin = r->p;

  while (g_ascii_isdigit (*r->p))
    r->p++;

  return r->p > begin;
}

/* Parses an integer literal that matched the JSON grammar. json-glib
 * wraps one outside the int64 range silently, so such literals are
 * rejected here. */
static gboolean
parse_integer (const char *begin,
               const char *end,
               gint64     *value)
{
  gboolean negative = (*begin == '-');
  guint64 limit = negative ? (guint64) G_MAXINT64 + 1 : (guint64) G_MAXINT64;
  guint64 magnitude = 0;

  for (const char *p = begin + negative; p < end; p++)
    {
      guint digit = *p - '0';

      if (magnitude > (limit - digit) / 10)
        return FALSE;
      magnitude = magnitude * 10 + digit;
    }

  *value = negative ? (gint64) (0 - magnitude) : (gint64) magnitude;
  return TRUE;
}

/* Skips a number that matches the RFC 8259 grammar: no leading zeros, no
 * '+' sign, digits on both sides of the point. */
static gboolean
skip_number (Reader   *r,
             gboolean *integral)
{
  *integral = TRUE;

  if (*r->p == '-')
    r->p++;
  if (*r->p == '0')
    r->p++;
  else if (!skip_digits (r))
    return fail (r, "Frame has an invalid number");
  if (g_ascii_isdigit (*r->p))
    return fail (r, "Frame has a number with a leading zero");

  if (*r->p == '.')
    {
      r->p++;
      *integral = FALSE;
      if (!skip_digits (r))
        return fail (r, "Frame has an invalid number");
    }

  if (*r->p == 'e' || *r->p == 'E')
    {
      r->p++;
      *integral = FALSE;
      if (*r->p == '+' || *r->p == '-')
        r->p++;
      if (!skip_digits (r))
        return fail (r, "Frame has an invalid number");
    }

  return TRUE;
}

static gboolean
read_number (Reader    *r,
             JsonNode **node)
{
  const char *begin = r->p;
  gboolean integral;
  gint64 value;

  if (!skip_number (r, &integral))
    return FALSE;

  if (integral && !parse_integer (begin, r->p, &value))
    {
      r->p = begin;
      return fail (r, "Frame has an integer literal outside the int64 range");
    }

  if (!r->build)
    return TRUE;

  if (integral)
    *node = json_node_init_int (json_node_alloc (), value);
  else
    *node = json_node_init_double (json_node_alloc (), g_ascii_strtod (begin, NULL));

  return TRUE;
}

static gboolean
read_word (Reader    *r,
           JsonNode **node)
{
  JsonNode *word;

  if (strncmp (r->p, "null", 4) == 0)
    {
      r->p += 4;
      word = r->build ? json_node_init_null (json_node_alloc ()) : NULL;
    }
  else if (strncmp (r->p, "true", 4) == 0)
    {
      r->p += 4;
      word = r->build ? json_node_init_boolean (json_node_alloc (), TRUE) : NULL;
    }
  else if (strncmp (r->p, "false", 5) == 0)
    {
      r->p += 5;
      word = r->build ? json_node_init_boolean (json_node_alloc (), FALSE) : NULL;
    }
  else
    return fail (r, "Frame has an invalid token");

  if (r->build)
    *node = word;
  return TRUE;
}

/* Moves past the ',' between two items or onto the closing @close, and
 * returns in @done whether the container ended. */
static gboolean
read_separator (Reader   *r,
                char      close,
                gboolean *done)
{
  skip_space (r);
  *done = (*r->p == close);
  if (*done)
    {
      r->p++;
      return TRUE;
    }
  if (*r->p != ',')
    return fail (r, close == '}' ? "Frame lacks ',' or '}' in an object"
                                 : "Frame lacks ',' or ']' in an array");
  r->p++;
  skip_space (r);

  return TRUE;
}

/* Moves past the opening bracket of a container and returns whether the
 * container is empty, moving past its closing @close too. */
static gboolean
open_container (Reader *r,
                char    close)
{
  r->p++;
  skip_space (r);
  if (*r->p != close)
    return FALSE;

  r->p++;
  return TRUE;
}

static gboolean
read_member (Reader     *r,
             JsonObject *object,
             gint64     *query_id)
{
  g_autofree char *key = NULL;
  JsonNode *member = NULL;
  gboolean ok;

  if (*r->p != '"')
    return fail (r, "Frame has an object key that is not a string");
  if (!read_string_text (r))
    return FALSE;
  if (r->build)
    key = g_strdup (r->scratch->str);

  skip_space (r);
  if (*r->p != ':')
    return fail (r, "Frame lacks ':' after an object key");
  r->p++;
  skip_space (r);

  if (_chorus_json_takes_cached_rows (r, key, *query_id))
    ok = _chorus_json_read_cached_rows (r, *query_id, &member);
  else
    ok = read_value (r, &member);
  if (!ok)
    return FALSE;

  if (r->build)
    {
      _chorus_json_note_query_id (r, key, member, query_id);
      json_object_set_member (object, key, member);
    }

  return TRUE;
}

static gboolean
read_object (Reader    *r,
             JsonNode **node)
{
  g_autoptr(JsonObject) object = r->build ? json_object_new () : NULL;
  gint64 query_id = -1;
  gboolean done;

  done = open_container (r, '}');

  while (!done)
    {
      if (!read_member (r, object, &query_id) || !read_separator (r, '}', &done))
        return FALSE;
    }

  if (r->build)
    *node = json_node_init_object (json_node_alloc (), object);
  return TRUE;
}

static gboolean
read_array (Reader    *r,
            JsonNode **node)
{
  g_autoptr(JsonArray) array = r->build ? json_array_new () : NULL;
  gboolean done;

  done = open_container (r, ']');

  while (!done)
    {
      JsonNode *element = NULL;

      if (!read_value (r, &element))
        return FALSE;
      if (r->build)
        json_array_add_element (array, element);
      if (!read_separator (r, ']', &done))
        return FALSE;
    }

  if (r->build)
    *node = json_node_init_array (json_node_alloc (), array);
  return TRUE;
}

static gboolean
read_container (Reader    *r,
                JsonNode **node)
{
  gboolean ok;

  if (++r->depth > r->max_depth)
    return fail (r, "Frame is nested too deeply");

  ok = (*r->p == '{') ? read_object (r, node) : read_array (r, node);
  r->depth--;

  return ok;
}

/* Reads one value and stores it in @node when building. The nesting
 * depth is bounded by r->max_depth, so the recursion is bounded too. */
static gboolean
read_value (Reader    *r,
            JsonNode **node)
{
  skip_space (r);

  switch (*r->p)
    {
    case '{':
    case '[':
      return read_container (r, node);
    case '"':
      return read_string (r, node);
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return read_number (r, node);
    case '\0':
      return fail (r, "Frame ends before a value");
    default:
      return read_word (r, node);
    }
}

/* Reads @text, which must be one JSON object and nothing else but
 * whitespace. Returns the unsealed root in @root when @build is TRUE. */
static gboolean
read_document (const char       *text,
               guint             max_depth,
               gboolean          build,
               ChorusJsonCache  *cache,
               JsonNode        **root,
               GError          **error)
{
  g_autoptr(GString) scratch = g_string_sized_new (64);
  Reader r = { text, text, 0, max_depth, build, scratch, error, cache };
  g_autoptr(JsonNode) node = NULL;

  if (!g_utf8_validate (text, -1, NULL))
    return fail (&r, "Frame is not valid UTF-8");

  skip_space (&r);
  if (*r.p != '{')
    return fail (&r, "Frame is not a JSON object");
  if (!read_value (&r, &node))
    return FALSE;

  skip_space (&r);
  if (*r.p != '\0')
    return fail (&r, "Frame holds more than one JSON document");

  if (root != NULL)
    *root = g_steal_pointer (&node);
  return TRUE;
}

/* Checks that @text is valid UTF-8 and exactly one strict JSON object
 * (RFC 8259) nested at most @max_depth levels deep. It also rejects an
 * escape with no place in a C string (a lone UTF-16 surrogate, \u0000)
 * and an integer literal outside the int64 range. */
gboolean
chorus_json_check_text (const char *text,
                        guint       max_depth,
                        GError    **error)
{
  g_return_val_if_fail (text != NULL, FALSE);

  return read_document (text, max_depth, FALSE, NULL, NULL, error);
}

/* Parses one server frame into a sealed object node that has a string
 * "type" member. It rejects every text that chorus_json_check_text()
 * rejects with %CHORUS_MAX_JSON_DEPTH. With a @cache, the rows of a
 * query result are shared with the query's last result where their text
 * is the same. */
JsonNode *
chorus_json_parse_frame (const char       *text,
                         ChorusJsonCache  *cache,
                         GError          **error)
{
  g_autoptr(JsonNode) root = NULL;
  JsonNode *type;

  g_return_val_if_fail (text != NULL, NULL);

  if (cache != NULL)
    _chorus_json_cache_begin_frame (cache);
  if (!read_document (text, CHORUS_MAX_JSON_DEPTH, TRUE, cache, &root, error))
    return NULL;

  type = json_object_get_member (json_node_get_object (root), "type");
  if (type == NULL || json_node_get_value_type (type) != G_TYPE_STRING)
    {
      g_set_error_literal (error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_PROTOCOL,
                           "Frame has no string \"type\" member");
      return NULL;
    }

  json_node_seal (root);
  return g_steal_pointer (&root);
}

gboolean
_chorus_json_read_value (ChorusJsonReader  *r,
                         JsonNode         **node)
{
  return read_value (r, node);
}

gboolean
_chorus_json_fail (ChorusJsonReader *r,
                   const char       *message)
{
  return fail (r, message);
}

gboolean
_chorus_json_open_container (ChorusJsonReader *r,
                             char              close)
{
  return open_container (r, close);
}

gboolean
_chorus_json_read_separator (ChorusJsonReader *r,
                             char              close,
                             gboolean         *done)
{
  return read_separator (r, close, done);
}
