/* chorus-value-check.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-value"

#include "config.h"

#include <math.h>
#include <string.h>

#include "chorus-client.h"
#include "chorus-value.h"

/* Checks and builds Convex values in their JSON wire form: the special
 * "$integer", "$float" and "$bytes" objects, and the rules for object keys.
 * The rules are those of convexToJson and jsonToConvex in the convex npm
 * package 1.48.0. */

#define MAX_KEY_LENGTH 1024

static gboolean
set_value_error (GError     **error,
                 const char  *format,
                 ...) G_GNUC_PRINTF (2, 3);

static gboolean
set_value_error (GError     **error,
                 const char  *format,
                 ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error_literal (error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_INVALID_VALUE, message);

  return FALSE;
}

static gboolean
is_base64_char (char c)
{
  return g_ascii_isalnum (c) || c == '+' || c == '/' || c == '-' || c == '_';
}

/* Decodes standard or URL-safe base64, which must be padded to a multiple
 * of 4 characters. Returns NULL for anything else. */
static GBytes *
decode_base64 (const char *text)
{
  g_autofree char *standard = NULL;
  gsize len = strlen (text);
  gsize padding = 0;
  guchar *data;
  gsize size = 0;

  if (len % 4 != 0)
    return NULL;

  while (padding < 2 && padding < len && text[len - 1 - padding] == '=')
    padding++;

  standard = g_strdup (text);
  for (gsize i = 0; i < len - padding; i++)
    {
      if (!is_base64_char (standard[i]))
        return NULL;
      if (standard[i] == '-')
        standard[i] = '+';
      else if (standard[i] == '_')
        standard[i] = '/';
    }

  if (len == 0)
    return g_bytes_new (NULL, 0);

  data = g_base64_decode (standard, &size);
  return g_bytes_new_take (data, size);
}

static gboolean
decode_eight_bytes (JsonNode *node,
                    guint64  *out)
{
  g_autoptr(GBytes) bytes = NULL;
  const guint8 *data;
  gsize size;

  if (json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;

  bytes = decode_base64 (json_node_get_string (node));
  if (bytes == NULL)
    return FALSE;

  data = g_bytes_get_data (bytes, &size);
  if (size != 8)
    return FALSE;

  *out = 0;
  for (guint i = 0; i < 8; i++)
    *out |= ((guint64) data[i]) << (8 * i);

  return TRUE;
}

static double
bits_to_double (guint64 bits)
{
  double value;

  memcpy (&value, &bits, sizeof value);
  return value;
}

static gboolean
is_special_double (double value)
{
  return !isfinite (value) || (value == 0 && signbit (value));
}

static gboolean
check_special (const char  *key,
               JsonNode    *member,
               GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;
  guint64 bits;

  if (g_str_equal (key, "$integer"))
    {
      if (!decode_eight_bytes (member, &bits))
        return set_value_error (error, "Invalid $integer: expected the base64 of 8 bytes");
      return TRUE;
    }

  if (g_str_equal (key, "$float"))
    {
      if (!decode_eight_bytes (member, &bits))
        return set_value_error (error, "Invalid $float: expected the base64 of 8 bytes");
      if (!is_special_double (bits_to_double (bits)))
        return set_value_error (error, "Invalid $float: %g must be sent as a plain JSON number",
                                bits_to_double (bits));
      return TRUE;
    }

  if (g_str_equal (key, "$bytes"))
    {
      if (json_node_get_value_type (member) != G_TYPE_STRING ||
          !(bytes = decode_base64 (json_node_get_string (member))))
        return set_value_error (error, "Invalid $bytes: expected padded base64");
      return TRUE;
    }

  if (g_str_equal (key, "$set") || g_str_equal (key, "$map"))
    return set_value_error (error, "Unsupported legacy value type %s", key);

  return set_value_error (error, "Invalid object key “%s”: keys must not start with $", key);
}

static gboolean
check_key (const char  *key,
           GError     **error)
{
  gsize len = strlen (key);

  if (len > MAX_KEY_LENGTH)
    return set_value_error (error, "Invalid object key: longer than %d characters",
                            MAX_KEY_LENGTH);

  for (gsize i = 0; i < len; i++)
    {
      if (key[i] < 32 || key[i] > 126)
        return set_value_error (error, "Invalid object key “%s”: only printable ASCII is allowed",
                                g_utf8_validate (key, -1, NULL) ? key : "(not UTF-8)");
    }

  if (key[0] == '$')
    return set_value_error (error, "Invalid object key “%s”: keys must not start with $", key);

  return TRUE;
}

static gboolean check_node (JsonNode *node, guint depth, GError **error);

static gboolean
check_object (JsonObject  *object,
              guint        depth,
              GError     **error)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *member;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &key, &member))
    {
      if (key[0] == '$' && json_object_get_size (object) == 1)
        return check_special (key, member, error);
      if (!check_key (key, error) || !check_node (member, depth + 1, error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
check_scalar (JsonNode  *node,
              GError   **error)
{
  GType type = json_node_get_value_type (node);

  if (type == G_TYPE_STRING && !g_utf8_validate (json_node_get_string (node), -1, NULL))
    return set_value_error (error, "Invalid string: not valid UTF-8");

  if (type == G_TYPE_DOUBLE && is_special_double (json_node_get_double (node)))
    return set_value_error (error, "Invalid number %g: NaN, infinities and -0 must be sent as $float",
                            json_node_get_double (node));

  return TRUE;
}

static gboolean
check_node (JsonNode  *node,
            guint      depth,
            GError   **error)
{
  JsonArray *array;

  if (depth > CHORUS_MAX_JSON_DEPTH)
    return set_value_error (error, "Value is nested more than %d levels deep",
                            CHORUS_MAX_JSON_DEPTH);

  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      return check_object (json_node_get_object (node), depth, error);

    case JSON_NODE_ARRAY:
      array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          if (!check_node (json_array_get_element (array, i), depth + 1, error))
            return FALSE;
        }
      return TRUE;

    case JSON_NODE_VALUE:
      return check_scalar (node, error);

    case JSON_NODE_NULL:
    default:
      return TRUE;
    }
}

/**
 * chorus_value_check:
 * @node: a Convex value in its JSON wire form
 * @error: return location for a %CHORUS_CLIENT_ERROR_INVALID_VALUE error
 *
 * Checks @node as jsonToConvex does: "$integer" and "$float" hold the
 * base64 of 8 bytes, a "$float" is NaN, an infinity or -0, "$bytes" is
 * padded base64, and every other object key is printable ASCII, at most
 * 1024 characters and does not start with "$".
 *
 * Returns: TRUE if @node is a valid value
 */
gboolean
chorus_value_check (JsonNode  *node,
                    GError   **error)
{
  g_return_val_if_fail (node != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return check_node (node, 1, error);
}

static JsonNode *
new_special (const char *key,
             const void *data,
             gsize       size)
{
  g_autofree char *text = g_base64_encode (data, size);
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_string_member (object, key, text);
  return json_node_init_object (json_node_alloc (), object);
}

static JsonNode *
new_eight_bytes (const char *key,
                 guint64     bits)
{
  guint8 bytes[8];

  for (guint i = 0; i < 8; i++)
    bytes[i] = (bits >> (8 * i)) & 0xff;

  return new_special (key, bytes, sizeof bytes);
}

/* Returns the member of a one-member object named @key, or NULL. */
static JsonNode *
get_special (JsonNode   *node,
             const char *key)
{
  JsonObject *object;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  object = json_node_get_object (node);
  if (json_object_get_size (object) != 1)
    return NULL;

  return json_object_get_member (object, key);
}

/**
 * chorus_value_new_int64:
 *
 * Returns: (transfer full): a new {"$integer": …} node for @value
 */
JsonNode *
chorus_value_new_int64 (gint64 value)
{
  return new_eight_bytes ("$integer", (guint64) value);
}

/**
 * chorus_value_get_int64:
 * @node: a value
 * @value: (out): the integer
 *
 * Reads an int64 value, which travels as {"$integer": …}. A plain JSON
 * number is a float64 and is not read here.
 *
 * Returns: TRUE if @node is a valid int64 value
 */
gboolean
chorus_value_get_int64 (JsonNode *node,
                        gint64   *value)
{
  JsonNode *member = get_special (node, "$integer");
  guint64 bits;

  g_return_val_if_fail (value != NULL, FALSE);

  if (member == NULL || !decode_eight_bytes (member, &bits))
    return FALSE;

  *value = (gint64) bits;
  return TRUE;
}

/**
 * chorus_value_new_float:
 *
 * Returns: (transfer full): a JSON number for @value, or {"$float": …}
 *   when @value is NaN, an infinity or -0
 */
JsonNode *
chorus_value_new_float (double value)
{
  guint64 bits;

  if (!is_special_double (value))
    return json_node_init_double (json_node_alloc (), value);

  memcpy (&bits, &value, sizeof bits);
  return new_eight_bytes ("$float", bits);
}

/**
 * chorus_value_get_float:
 * @node: a value
 * @value: (out): the number
 *
 * Reads a float64 value: a JSON number, or a valid {"$float": …}.
 *
 * Returns: TRUE if @node is a float64 value
 */
gboolean
chorus_value_get_float (JsonNode *node,
                        double   *value)
{
  JsonNode *member = get_special (node, "$float");
  GType type;
  guint64 bits;

  g_return_val_if_fail (value != NULL, FALSE);

  if (member != NULL)
    {
      if (!decode_eight_bytes (member, &bits) || !is_special_double (bits_to_double (bits)))
        return FALSE;
      *value = bits_to_double (bits);
      return TRUE;
    }

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);
  if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
    return FALSE;

  *value = json_node_get_double (node);
  return TRUE;
}

/**
 * chorus_value_new_bytes:
 *
 * Returns: (transfer full): a new {"$bytes": …} node holding @bytes
 */
JsonNode *
chorus_value_new_bytes (GBytes *bytes)
{
  gsize size = 0;
  const void *data;

  g_return_val_if_fail (bytes != NULL, NULL);

  data = g_bytes_get_data (bytes, &size);
  return new_special ("$bytes", data, size);
}

/**
 * chorus_value_dup_bytes:
 *
 * Returns: (transfer full) (nullable): the bytes of a {"$bytes": …}
 *   value, or NULL if @node is not a valid bytes value
 */
GBytes *
chorus_value_dup_bytes (JsonNode *node)
{
  JsonNode *member = get_special (node, "$bytes");

  if (member == NULL || json_node_get_value_type (member) != G_TYPE_STRING)
    return NULL;

  return decode_base64 (json_node_get_string (member));
}
