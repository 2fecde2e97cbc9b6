/* chorus-protocol.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-protocol"

#include <string.h>

#include "chorus-protocol.h"

/* RFC 6455 allows at most 123 bytes of reason in a Close frame. */
#define MAX_CLOSE_REASON 123

/* Errors from these helpers are protocol errors, and the connection that
 * sent the frame is closed. */
#define PROTOCOL_ERROR (g_quark_from_static_string ("chorus-protocol-error"))

/* Encodes a timestamp as the protocol's EncodedTS: the standard base64,
 * with padding, of the 8 little-endian bytes of the integer. */
char *
chorus_protocol_encode_ts (guint64 ts)
{
  guint64 le = GUINT64_TO_LE (ts);

  return g_base64_encode ((const guchar *) &le, sizeof le);
}

gboolean
chorus_protocol_decode_ts (const char *text,
                           guint64    *out_ts)
{
  g_autofree guchar *bytes = NULL;
  gsize length = 0;
  guint64 le;

  if (text == NULL || strlen (text) != 12)
    return FALSE;

  bytes = g_base64_decode (text, &length);
  if (length != sizeof le)
    return FALSE;

  memcpy (&le, bytes, sizeof le);
  *out_ts = GUINT64_FROM_LE (le);
  return TRUE;
}

/* Turns a udfPath into "module:function": the last ':' piece is the
 * function ("default" when there is no ':'), and one trailing ".js" is
 * stripped from the module, so "messages.js:list" gives "messages:list". */
char *
chorus_protocol_canonicalize_path (const char *udf_path)
{
  const char *colon = strrchr (udf_path, ':');
  g_autofree char *module = NULL;
  const char *function = "default";

  if (colon != NULL)
    {
      module = g_strndup (udf_path, colon - udf_path);
      function = colon + 1;
    }
  else
    module = g_strdup (udf_path);

  if (g_str_has_suffix (module, ".js"))
    module[strlen (module) - 3] = '\0';

  return g_strconcat (module, ":", function, NULL);
}

gboolean
chorus_protocol_get_u32 (JsonObject  *object,
                         const char  *name,
                         guint32     *out_value,
                         GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);
  double value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      (json_node_get_value_type (node) != G_TYPE_INT64 &&
       json_node_get_value_type (node) != G_TYPE_DOUBLE))
    goto invalid;

  value = json_node_get_double (node);
  if (value < 0 || value > G_MAXUINT32 || value != (guint32) value)
    goto invalid;

  *out_value = (guint32) value;
  return TRUE;

invalid:
  g_set_error (error, PROTOCOL_ERROR, 0,
               "Field '%s' is missing or not an unsigned 32-bit integer", name);
  return FALSE;
}

/* Reads a string field. An optional field may be missing or null, which
 * gives NULL. */
gboolean
chorus_protocol_get_string (JsonObject   *object,
                            const char   *name,
                            gboolean      required,
                            const char  **out_value,
                            GError      **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *out_value = NULL;
  if (!required && (node == NULL || JSON_NODE_HOLDS_NULL (node)))
    return TRUE;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, PROTOCOL_ERROR, 0,
                   "Field '%s' is %s", name, node ? "not a string" : "missing");
      return FALSE;
    }

  *out_value = json_node_get_string (node);
  return TRUE;
}

gboolean
chorus_protocol_get_array (JsonObject  *object,
                           const char  *name,
                           JsonArray  **out_value,
                           GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, PROTOCOL_ERROR, 0,
                   "Field '%s' is missing or not an array", name);
      return FALSE;
    }

  *out_value = json_node_get_array (node);
  return TRUE;
}

/* Reads the "args" field of an Add or a Mutation: a one-element array that
 * contains the arguments object. Missing args mean {}. */
gboolean
chorus_protocol_get_args (JsonObject  *object,
                          JsonObject **out_args,
                          GError     **error)
{
  JsonArray *args;
  JsonNode *first;

  if (!json_object_has_member (object, "args"))
    {
      *out_args = json_object_new ();
      return TRUE;
    }

  if (!chorus_protocol_get_array (object, "args", &args, error))
    return FALSE;

  first = json_array_get_length (args) == 1 ? json_array_get_element (args, 0) : NULL;
  if (first == NULL || !JSON_NODE_HOLDS_OBJECT (first))
    {
      g_set_error (error, PROTOCOL_ERROR, 0,
                   "Field 'args' must be an array holding one object");
      return FALSE;
    }

  *out_args = json_object_ref (json_node_get_object (first));
  return TRUE;
}

/* Tells whether the JSON string token that starts after the quote at
 * @start contains a \u0000 escape, and moves *@end to its closing quote. */
static gboolean
scan_string (const char  *text,
             gsize        length,
             gsize        start,
             gsize       *end)
{
  gboolean has_nul = FALSE;
  gsize i = start;

  while (i < length && text[i] != '"')
    {
      if (text[i] == '\\' && i + 1 < length)
        {
          if (text[i + 1] == 'u' && i + 6 <= length && memcmp (text + i + 2, "0000", 4) == 0)
            has_nul = TRUE;
          i++;
        }
      i++;
    }

  *end = i;
  return has_nul;
}

/*
 * Finds a NUL character in the strings of the JSON text @text. json-glib
 * decodes a \u0000 escape but hands out NUL-terminated strings, so such a
 * string would silently end early. Returns NULL when there is none, or the
 * name of the object member whose key or value contains it (the empty string
 * at the top level). A raw NUL byte counts too.
 */
char *
chorus_protocol_find_nul (const char *text,
                          gsize       length)
{
  gsize last_start = 0, last_end = 0;
  gsize key_start = 0, key_end = 0;

  if (memchr (text, '\0', length) != NULL)
    return g_strdup ("");

  for (gsize i = 0; i < length; i++)
    {
      if (text[i] == ':')
        {
          key_start = last_start;
          key_end = last_end;
        }

      if (text[i] != '"')
        continue;

      last_start = i + 1;
      if (scan_string (text, length, last_start, &last_end))
        return g_strndup (text + key_start, key_end - key_start);
      i = last_end;
    }

  return NULL;
}

/* Returns @reason (NULL gives "") as a WebSocket close reason: invalid
 * UTF-8 sequences are replaced with U+FFFD, then the text is cut on a
 * character boundary to at most 123 bytes. */
char *
chorus_protocol_dup_close_reason (const char *reason)
{
  char *text = g_utf8_make_valid (reason ? reason : "", -1);
  const char *end;

  if (strlen (text) <= MAX_CLOSE_REASON)
    return text;

  end = g_utf8_find_prev_char (text, text + MAX_CLOSE_REASON + 1);
  text[end - text] = '\0';
  return text;
}
