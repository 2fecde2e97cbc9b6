/* chorus-value.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-value"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chorus-client.h"
#include "chorus-value.h"

/* Every Convex number is a float64, so integers beyond 2^53 lose digits. */
#define MAX_SAFE_INTEGER 9007199254740992.0

/* Encodes @ts as the protocol's EncodedTS: standard base64, with padding,
 * of the 8 little-endian bytes of the integer. */
char *
chorus_encoded_ts_encode (gint64 ts)
{
  guint64 value = (guint64) ts;
  guint8 bytes[8];

  for (guint i = 0; i < 8; i++)
    bytes[i] = (value >> (8 * i)) & 0xff;

  return g_base64_encode (bytes, sizeof bytes);
}

static gboolean
is_base64_char (char c)
{
  return g_ascii_isalnum (c) || c == '+' || c == '/' || c == '-' || c == '_';
}

/* Decodes an EncodedTS. It accepts the URL-safe alphabet too, as the
 * convex npm client does, and rejects anything that is not 8 bytes. */
gboolean
chorus_encoded_ts_decode (const char *text,
                          gint64     *ts)
{
  g_autofree char *standard = NULL;
  g_autofree guint8 *bytes = NULL;
  guint64 value = 0;
  gsize len = 0;

  g_return_val_if_fail (ts != NULL, FALSE);

  if (text == NULL || strlen (text) != 12 || text[11] != '=')
    return FALSE;

  standard = g_strdup (text);
  for (guint i = 0; i < 11; i++)
    {
      if (!is_base64_char (standard[i]))
        return FALSE;
      if (standard[i] == '-')
        standard[i] = '+';
      else if (standard[i] == '_')
        standard[i] = '/';
    }

  bytes = g_base64_decode (standard, &len);
  if (len != 8)
    return FALSE;

  for (guint i = 0; i < 8; i++)
    value |= ((guint64) bytes[i]) << (8 * i);

  *ts = (gint64) value;
  return TRUE;
}

/* Returns "module:function" with one trailing ".js" removed from the
 * module and "default" as the function when the path names none. */
char *
chorus_canonical_udf_path (const char *udf_path)
{
  g_autofree char *module = NULL;
  const char *function = "default";
  const char *colon;

  g_return_val_if_fail (udf_path != NULL, NULL);

  colon = strrchr (udf_path, ':');
  if (colon != NULL)
    {
      module = g_strndup (udf_path, colon - udf_path);
      function = colon + 1;
    }
  else
    {
      module = g_strdup (udf_path);
    }

  if (g_str_has_suffix (module, ".js"))
    module[strlen (module) - 3] = '\0';

  return g_strconcat (module, ":", function, NULL);
}

/* Returns the escape that stands for byte @c in a JSON string, or NULL
 * when @c is written as it is. */
static const char *
short_escape (guchar c)
{
  switch (c)
    {
    case '"':
      return "\\\"";
    case '\\':
      return "\\\\";
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    default:
      return NULL;
    }
}

/* Appends @str as a quoted JSON string. Invalid UTF-8 in @str is written
 * as U+FFFD, so the output is always valid UTF-8 text. Runs of bytes that
 * need no escape are appended at once. */
void
chorus_value_write_string (GString    *out,
                           const char *str)
{
  g_autofree char *valid = NULL;
  const char *run;

  if (!g_utf8_validate (str, -1, NULL))
    str = valid = g_utf8_make_valid (str, -1);

  g_string_append_c (out, '"');

  run = str;
  for (const char *p = str; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;
      const char *escape;

      if (c >= 0x20 && c != '"' && c != '\\')
        continue;

      g_string_append_len (out, run, p - run);
      run = p + 1;
      if ((escape = short_escape (c)) != NULL)
        g_string_append (out, escape);
      else
        g_string_append_printf (out, "\\u%04x", c);
    }
  g_string_append_len (out, run, strlen (run));

  g_string_append_c (out, '"');
}

/* Writes @value the way JavaScript prints a number: integers without a
 * fraction, everything else with the fewest digits that read back the same. */
static void
write_double (GString *out,
              double   value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  char format[8];

  if (!isfinite (value))
    {
      g_string_append (out, "null");
      return;
    }

  if (value == 0)
    {
      g_string_append_c (out, '0');
      return;
    }

  if (value == floor (value) && fabs (value) < 1e21)
    {
      g_string_append_printf (out, "%.0f", value);
      return;
    }

  /* Any decimal of up to 15 significant digits (DBL_DIG) reads back as a
   * double that prints as that decimal again, so when 15 digits read back
   * the same, %.15g already gives the shortest text, as %g drops trailing
   * zeros. Only longer ones need 16 or 17 digits. */
  for (int digits = 15; digits <= 17; digits++)
    {
      g_snprintf (format, sizeof format, "%%.%dg", digits);
      g_ascii_formatd (buffer, sizeof buffer, format, value);
      if (g_ascii_strtod (buffer, NULL) == value)
        break;
    }

  g_string_append (out, buffer);
}

static void
write_number (GString  *out,
              JsonNode *node)
{
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      gint64 value = json_node_get_int (node);

      if (fabs ((double) value) <= MAX_SAFE_INTEGER)
        g_string_append_printf (out, "%" G_GINT64_FORMAT, value);
      else
        write_double (out, (double) value);
    }
  else
    {
      write_double (out, json_node_get_double (node));
    }
}

static void
write_value (GString  *out,
             JsonNode *node)
{
  GType type = json_node_get_value_type (node);

  if (type == G_TYPE_STRING)
    chorus_value_write_string (out, json_node_get_string (node));
  else if (type == G_TYPE_BOOLEAN)
    g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
  else
    write_number (out, node);
}

static void
write_array (GString   *out,
             JsonArray *array)
{
  guint length = json_array_get_length (array);

  g_string_append_c (out, '[');
  for (guint i = 0; i < length; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      chorus_value_write_canonical (out, json_array_get_element (array, i));
    }
  g_string_append_c (out, ']');
}

static int
compare_keys (gconstpointer a,
              gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

static void
write_object (GString    *out,
              JsonObject *object)
{
  guint size = json_object_get_size (object);
  const char *stack_keys[16];
  g_autofree const char **heap_keys = NULL;
  const char **keys = stack_keys;
  JsonObjectIter iter;
  const char *key;
  guint n_keys = 0;

  if (size > G_N_ELEMENTS (stack_keys))
    keys = heap_keys = g_new (const char *, size);

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &key, NULL))
    keys[n_keys++] = key;
  qsort (keys, n_keys, sizeof (char *), compare_keys);

  g_string_append_c (out, '{');
  for (guint i = 0; i < n_keys; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      chorus_value_write_string (out, keys[i]);
      g_string_append_c (out, ':');
      chorus_value_write_canonical (out, json_object_get_member (object, keys[i]));
    }
  g_string_append_c (out, '}');
}

/* Appends @node as compact JSON with object keys sorted by byte order, so
 * equal values always give equal text. NULL is written as JSON null. */
void
chorus_value_write_canonical (GString  *out,
                              JsonNode *node)
{
  g_return_if_fail (out != NULL);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    g_string_append (out, "null");
  else if (JSON_NODE_HOLDS_OBJECT (node))
    write_object (out, json_node_get_object (node));
  else if (JSON_NODE_HOLDS_ARRAY (node))
    write_array (out, json_node_get_array (node));
  else
    write_value (out, node);
}

char *
chorus_value_to_canonical_string (JsonNode *node)
{
  GString *out = g_string_new (NULL);

  chorus_value_write_canonical (out, node);
  return g_string_free (out, FALSE);
}

/* Builds the key that identifies a query: the canonical path and the
 * canonical arguments, with NULL arguments written as {}. */
char *
chorus_query_token (const char *canonical_path,
                    JsonNode   *args)
{
  GString *out = g_string_new ("{\"udfPath\":");

  chorus_value_write_string (out, canonical_path);
  g_string_append (out, ",\"args\":");
  if (args == NULL)
    g_string_append (out, "{}");
  else
    chorus_value_write_canonical (out, args);
  g_string_append_c (out, '}');

  return g_string_free (out, FALSE);
}

static JsonNode *copy_unsealed (JsonNode *node);

static JsonNode *
copy_unsealed_object (JsonObject *object)
{
  g_autoptr(JsonObject) copy = json_object_new ();
  JsonObjectIter iter;
  const char *key;
  JsonNode *member;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &key, &member))
    json_object_set_member (copy, key, copy_unsealed (member));

  return json_node_init_object (json_node_alloc (), copy);
}

static JsonNode *
copy_unsealed_array (JsonArray *array)
{
  guint length = json_array_get_length (array);
  g_autoptr(JsonArray) copy = json_array_sized_new (length);

  for (guint i = 0; i < length; i++)
    json_array_add_element (copy, copy_unsealed (json_array_get_element (array, i)));

  return json_node_init_array (json_node_alloc (), copy);
}

/* Copies the unsealed parts of @node and references the sealed ones,
 * which no code may change. A non-finite double becomes null, as in the
 * canonical text. */
static JsonNode *
copy_unsealed (JsonNode *node)
{
  if (json_node_is_immutable (node))
    return json_node_ref (node);

  if (JSON_NODE_HOLDS_OBJECT (node))
    return copy_unsealed_object (json_node_get_object (node));
  if (JSON_NODE_HOLDS_ARRAY (node))
    return copy_unsealed_array (json_node_get_array (node));
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE && !isfinite (json_node_get_double (node)))
    return json_node_init_null (json_node_alloc ());

  return json_node_copy (node);
}

/* Returns a sealed node equal to @node: a new reference when @node is
 * already sealed, otherwise a copy of its unsealed parts, so later
 * changes by the caller to @node cannot reach the copy. */
JsonNode *
chorus_value_dup_sealed (JsonNode *node)
{
  JsonNode *copy;

  if (node == NULL)
    return NULL;

  copy = copy_unsealed (node);
  json_node_seal (copy);

  return copy;
}

/* Returns sealed function arguments, an empty object for NULL. */
JsonNode *
chorus_value_dup_args (JsonNode *args)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonNode) empty = NULL;

  if (args != NULL)
    return chorus_value_dup_sealed (args);

  /* json_node_init_object() takes its own reference to the object. */
  object = json_object_new ();
  empty = json_node_init_object (json_node_alloc (), object);
  json_node_seal (empty);
  return g_steal_pointer (&empty);
}

static gboolean
is_number (JsonNode *node)
{
  GType type = json_node_get_value_type (node);

  return type == G_TYPE_INT64 || type == G_TYPE_DOUBLE;
}

static gboolean
objects_equal (JsonObject *a,
               JsonObject *b)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *member;

  if (json_object_get_size (a) != json_object_get_size (b))
    return FALSE;

  json_object_iter_init (&iter, a);
  while (json_object_iter_next (&iter, &key, &member))
    {
      JsonNode *other = json_object_get_member (b, key);

      if (other == NULL || !chorus_value_equal (member, other))
        return FALSE;
    }

  return TRUE;
}

static gboolean
arrays_equal (JsonArray *a,
              JsonArray *b)
{
  guint length = json_array_get_length (a);

  if (length != json_array_get_length (b))
    return FALSE;

  for (guint i = 0; i < length; i++)
    {
      if (!chorus_value_equal (json_array_get_element (a, i),
                               json_array_get_element (b, i)))
        return FALSE;
    }

  return TRUE;
}

static gboolean
scalars_equal (JsonNode *a,
               JsonNode *b)
{
  GType type = json_node_get_value_type (a);

  if (is_number (a) && is_number (b))
    return json_node_get_double (a) == json_node_get_double (b);

  if (type != json_node_get_value_type (b))
    return FALSE;

  if (type == G_TYPE_STRING)
    return g_strcmp0 (json_node_get_string (a), json_node_get_string (b)) == 0;

  return json_node_get_boolean (a) == json_node_get_boolean (b);
}

/* Compares two values as Convex does. Every JSON number is a float64,
 * so 1 and 1.0 are equal. NULL (loading) equals only NULL. */
gboolean
chorus_value_equal (JsonNode *a,
                    JsonNode *b)
{
  if (a == b)
    return TRUE;
  if (a == NULL || b == NULL)
    return FALSE;
  if (JSON_NODE_TYPE (a) != JSON_NODE_TYPE (b))
    return FALSE;

  switch (JSON_NODE_TYPE (a))
    {
    case JSON_NODE_OBJECT:
      return objects_equal (json_node_get_object (a), json_node_get_object (b));
    case JSON_NODE_ARRAY:
      return arrays_equal (json_node_get_array (a), json_node_get_array (b));
    case JSON_NODE_NULL:
      return TRUE;
    case JSON_NODE_VALUE:
    default:
      return scalars_equal (a, b);
    }
}
