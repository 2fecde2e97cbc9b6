/* chorus-args.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-args"

#include <stdlib.h>
#include <string.h>

#include "chorus-args.h"

G_DEFINE_QUARK (chorus-function-error-quark, chorus_function_error)

#define INVALID_ARGUMENT_PREFIX "Invalid argument '"

static const char *
describe_node (JsonNode *node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    return "null";
  if (JSON_NODE_HOLDS_OBJECT (node))
    return "an object";
  if (JSON_NODE_HOLDS_ARRAY (node))
    return "an array";

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return "a string";
    case G_TYPE_BOOLEAN:
      return "a boolean";
    default:
      return "a number";
    }
}

/* Rejects members other than @names, as Convex argument validators do. */
gboolean
chorus_args_check_names (JsonObject         *args,
                         const char * const *names,
                         GError            **error)
{
  g_autoptr(GList) members = json_object_get_members (args);

  for (const GList *l = members; l != NULL; l = l->next)
    {
      if (!g_strv_contains (names, l->data))
        {
          g_set_error (error, CHORUS_FUNCTION_ERROR, CHORUS_FUNCTION_ERROR_INVALID_ARGUMENT,
                       INVALID_ARGUMENT_PREFIX "%s': unexpected argument",
                       (const char *) l->data);
          return FALSE;
        }
    }

  return TRUE;
}

/* Reads a string argument. An optional one that is missing or null gives
 * NULL. */
gboolean
chorus_args_get_string (JsonObject   *args,
                        const char   *name,
                        gboolean      required,
                        const char  **out_value,
                        GError      **error)
{
  JsonNode *node = json_object_get_member (args, name);

  *out_value = NULL;
  if (node == NULL || (!required && JSON_NODE_HOLDS_NULL (node)))
    {
      if (!required)
        return TRUE;

      g_set_error (error, CHORUS_FUNCTION_ERROR, CHORUS_FUNCTION_ERROR_INVALID_ARGUMENT,
                   INVALID_ARGUMENT_PREFIX "%s': missing", name);
      return FALSE;
    }

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, CHORUS_FUNCTION_ERROR, CHORUS_FUNCTION_ERROR_INVALID_ARGUMENT,
                   INVALID_ARGUMENT_PREFIX "%s': expected a string, got %s",
                   name, describe_node (node));
      return FALSE;
    }

  *out_value = json_node_get_string (node);
  return TRUE;
}

/* Checks that @value is valid UTF-8 of 1 to @max_length characters. NUL
 * characters never reach this check: the connection rejects a frame whose
 * strings hold one before json-glib would cut the string short. */
gboolean
chorus_args_check_text (const char  *name,
                        const char  *value,
                        glong        max_length,
                        GError     **error)
{
  glong length;

  if (!g_utf8_validate (value, -1, NULL))
    {
      g_set_error (error, CHORUS_FUNCTION_ERROR, CHORUS_FUNCTION_ERROR_INVALID_ARGUMENT,
                   INVALID_ARGUMENT_PREFIX "%s': not valid UTF-8", name);
      return FALSE;
    }

  length = g_utf8_strlen (value, -1);
  if (length == 0 || length > max_length)
    {
      g_set_error (error, CHORUS_FUNCTION_ERROR, CHORUS_FUNCTION_ERROR_INVALID_ARGUMENT,
                   INVALID_ARGUMENT_PREFIX "%s': must be 1 to %ld characters, got %ld",
                   name, max_length, length);
      return FALSE;
    }

  return TRUE;
}

gboolean
chorus_args_check_channel_name (const char  *name,
                                GError     **error)
{
  gsize length = strlen (name);

  for (gsize i = 0; i < length; i++)
    {
      if (!g_ascii_islower (name[i]) && !g_ascii_isdigit (name[i]) &&
          name[i] != '-' && name[i] != '_')
        length = 0;
    }

  if (length == 0 || length > CHORUS_CHANNEL_NAME_MAX_LENGTH)
    {
      g_set_error (error, CHORUS_FUNCTION_ERROR, CHORUS_FUNCTION_ERROR_INVALID_ARGUMENT,
                   INVALID_ARGUMENT_PREFIX "name': a channel name is 1 to %d characters "
                   "of lowercase letters, digits, '-' and '_'",
                   CHORUS_CHANNEL_NAME_MAX_LENGTH);
      return FALSE;
    }

  return TRUE;
}

/* Reads a cursor: null (the start, given as 0) or the decimal text of a
 * positive message sequence number. */
static gboolean
get_cursor (JsonObject  *options,
            const char  *name,
            gint64      *out_cursor,
            GError     **error)
{
  JsonNode *node = json_object_get_member (options, name);
  const char *text;
  char *end = NULL;

  *out_cursor = 0;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  text = JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
         ? json_node_get_string (node) : "";
  if (g_ascii_isdigit (text[0]))
    *out_cursor = g_ascii_strtoll (text, &end, 10);

  if (*out_cursor <= 0 || end == NULL || *end != '\0')
    {
      g_set_error (error, CHORUS_FUNCTION_ERROR, CHORUS_FUNCTION_ERROR_INVALID_ARGUMENT,
                   INVALID_ARGUMENT_PREFIX "paginationOpts.%s': InvalidCursor, expected null "
                   "or a cursor that this server returned", name);
      return FALSE;
    }

  return TRUE;
}

static gboolean
get_num_items (JsonObject  *options,
               guint       *out_num_items,
               GError     **error)
{
  JsonNode *node = json_object_get_member (options, "numItems");
  double value = -1;

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) != G_TYPE_STRING &&
      json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    value = json_node_get_double (node);

  if (value < 0 || value > CHORUS_PAGE_MAX_ITEMS || value != (guint) value)
    {
      g_set_error (error, CHORUS_FUNCTION_ERROR, CHORUS_FUNCTION_ERROR_INVALID_ARGUMENT,
                   INVALID_ARGUMENT_PREFIX "paginationOpts.numItems': must be a whole number "
                   "from 0 to %d", CHORUS_PAGE_MAX_ITEMS);
      return FALSE;
    }

  *out_num_items = (guint) value;
  return TRUE;
}

/* Reads Convex's paginationOpts: {cursor, numItems, id?, endCursor?,
 * maximumRowsRead?, maximumBytesRead?}. The last two are accepted and
 * ignored. A null end cursor gives 0. */
gboolean
chorus_args_get_pagination (JsonObject  *args,
                            gint64      *out_cursor,
                            gint64      *out_end_cursor,
                            guint       *out_num_items,
                            GError     **error)
{
  static const char * const names[] = {
    "cursor", "endCursor", "id", "maximumBytesRead", "maximumRowsRead", "numItems", NULL
  };
  JsonNode *node = json_object_get_member (args, "paginationOpts");
  JsonObject *options;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, CHORUS_FUNCTION_ERROR, CHORUS_FUNCTION_ERROR_INVALID_ARGUMENT,
                   INVALID_ARGUMENT_PREFIX "paginationOpts': expected an object with "
                   "'cursor' and 'numItems'");
      return FALSE;
    }

  options = json_node_get_object (node);
  return chorus_args_check_names (options, names, error) &&
         get_cursor (options, "cursor", out_cursor, error) &&
         get_cursor (options, "endCursor", out_end_cursor, error) &&
         get_num_items (options, out_num_items, error);
}

static const char *
error_code_name (gint code)
{
  switch (code)
    {
    case CHORUS_FUNCTION_ERROR_UNKNOWN_FUNCTION:
      return "UnknownFunction";
    case CHORUS_FUNCTION_ERROR_INVALID_ARGUMENT:
      return "InvalidArgument";
    case CHORUS_FUNCTION_ERROR_NOT_FOUND:
      return "NotFound";
    case CHORUS_FUNCTION_ERROR_FORBIDDEN:
      return "Forbidden";
    case CHORUS_FUNCTION_ERROR_UNAUTHENTICATED:
      return "Unauthenticated";
    case CHORUS_FUNCTION_ERROR_RATE_LIMITED:
      return "RateLimited";
    default:
      return "Error";
    }
}

/* Builds the errorData of a failed query or mutation: {code, field?},
 * where field is the argument an invalid-argument error names. Returns
 * NULL for errors outside CHORUS_FUNCTION_ERROR. */
JsonNode *
chorus_args_error_data (const GError *error)
{
  g_autoptr(JsonObject) data = NULL;
  const char *field, *end;

  if (error == NULL || error->domain != CHORUS_FUNCTION_ERROR)
    return NULL;

  data = json_object_new ();
  json_object_set_string_member (data, "code", error_code_name (error->code));

  if (g_str_has_prefix (error->message, INVALID_ARGUMENT_PREFIX))
    {
      field = error->message + strlen (INVALID_ARGUMENT_PREFIX);
      if ((end = strchr (field, '\'')) != NULL)
        {
          g_autofree char *name = g_strndup (field, end - field);

          json_object_set_string_member (data, "field", name);
        }
    }

  return json_node_init_object (json_node_alloc (), data);
}
