/* chorus-functions.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-functions"

#include "chorus-functions.h"

#define CHANNEL_NAME_MAX_LENGTH 80
#define AUTHOR_MAX_LENGTH 80
#define CLIENT_ID_MAX_LENGTH 128

/* A message body is at most 4000 characters (Unicode code points). That
 * is plenty for chat, and it keeps every Mutation frame far below the
 * WebSocket payload limit of the server. */
#define BODY_MAX_LENGTH 4000

/* messages:list returns this many of the newest messages. */
#define MESSAGE_LIST_LIMIT 100

G_DEFINE_QUARK (chorus-function-error-quark, chorus_function_error)

typedef JsonNode *(*QueryFunc)    (ChorusDb    *db,
                                   JsonObject  *args,
                                   GHashTable  *reads,
                                   GError     **error);
typedef JsonNode *(*MutationFunc) (ChorusDb    *db,
                                   JsonObject  *args,
                                   guint64      ts,
                                   GHashTable  *writes,
                                   GError     **error);

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
static gboolean
check_arg_names (JsonObject         *args,
                 const char * const *names,
                 GError            **error)
{
  g_autoptr(GList) members = json_object_get_members (args);

  for (const GList *l = members; l != NULL; l = l->next)
    {
      if (!g_strv_contains (names, l->data))
        {
          g_set_error (error, CHORUS_FUNCTION_ERROR, CHORUS_FUNCTION_ERROR_INVALID_ARGUMENT,
                       "Unexpected argument '%s'", (const char *) l->data);
          return FALSE;
        }
    }

  return TRUE;
}

/* Reads a string argument. An optional one that is missing or null gives
 * NULL. */
static gboolean
get_string_arg (JsonObject   *args,
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
                   "Missing argument '%s'", name);
      return FALSE;
    }

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, CHORUS_FUNCTION_ERROR, CHORUS_FUNCTION_ERROR_INVALID_ARGUMENT,
                   "Invalid argument '%s': expected a string, got %s",
                   name, describe_node (node));
      return FALSE;
    }

  *out_value = json_node_get_string (node);
  return TRUE;
}

/* Checks that @value is valid UTF-8 of 1 to @max_length characters. */
static gboolean
check_text (const char  *name,
            const char  *value,
            glong        max_length,
            GError     **error)
{
  glong length;

  if (!g_utf8_validate (value, -1, NULL))
    {
      g_set_error (error, CHORUS_FUNCTION_ERROR, CHORUS_FUNCTION_ERROR_INVALID_ARGUMENT,
                   "Invalid argument '%s': not valid UTF-8", name);
      return FALSE;
    }

  length = g_utf8_strlen (value, -1);
  if (length == 0 || length > max_length)
    {
      g_set_error (error, CHORUS_FUNCTION_ERROR, CHORUS_FUNCTION_ERROR_INVALID_ARGUMENT,
                   "Invalid argument '%s': must be 1 to %ld characters, got %ld",
                   name, max_length, length);
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_channel_name (const char  *name,
                    GError     **error)
{
  gsize length = strlen (name);

  for (gsize i = 0; i < length; i++)
    {
      if (!g_ascii_islower (name[i]) && !g_ascii_isdigit (name[i]) &&
          name[i] != '-' && name[i] != '_')
        length = 0;
    }

  if (length == 0 || length > CHANNEL_NAME_MAX_LENGTH)
    {
      g_set_error (error, CHORUS_FUNCTION_ERROR, CHORUS_FUNCTION_ERROR_INVALID_ARGUMENT,
                   "Invalid argument 'name': a channel name is 1 to %d characters "
                   "of lowercase letters, digits, '-' and '_'",
                   CHANNEL_NAME_MAX_LENGTH);
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_channel_exists (ChorusDb    *db,
                      const char  *channel_id,
                      GError     **error)
{
  gboolean found = FALSE;

  if (!chorus_db_has_channel (db, channel_id, &found, error))
    return FALSE;

  if (!found)
    {
      g_set_error (error, CHORUS_FUNCTION_ERROR, CHORUS_FUNCTION_ERROR_NOT_FOUND,
                   "Invalid argument 'channel': no channel has the id '%s'", channel_id);
      return FALSE;
    }

  return TRUE;
}

/* Wraps @array in a node, taking over the caller's reference. */
static JsonNode *
array_node_new (JsonArray *array)
{
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  json_node_take_array (node, array);
  return node;
}

static JsonNode *
list_channels (ChorusDb    *db,
               JsonObject  *args,
               GHashTable  *reads,
               GError     **error)
{
  static const char * const names[] = { NULL };
  JsonArray *channels;

  g_hash_table_add (reads, g_strdup ("channels"));
  if (!check_arg_names (args, names, error) ||
      !(channels = chorus_db_list_channels (db, error)))
    return NULL;

  return array_node_new (channels);
}

static JsonNode *
list_messages (ChorusDb    *db,
               JsonObject  *args,
               GHashTable  *reads,
               GError     **error)
{
  static const char * const names[] = { "channel", NULL };
  const char *channel = NULL;
  JsonArray *messages;

  if (!check_arg_names (args, names, error) ||
      !get_string_arg (args, "channel", TRUE, &channel, error))
    return NULL;

  g_hash_table_add (reads, g_strconcat ("messages/", channel, NULL));
  if (!check_channel_exists (db, channel, error) ||
      !(messages = chorus_db_list_messages (db, channel, MESSAGE_LIST_LIMIT, error)))
    return NULL;

  return array_node_new (messages);
}

static JsonNode *
create_channel (ChorusDb    *db,
                JsonObject  *args,
                guint64      ts,
                GHashTable  *writes,
                GError     **error)
{
  static const char * const names[] = { "name", NULL };
  g_autofree char *id = NULL;
  const char *name = NULL;
  gboolean taken = FALSE;

  if (!check_arg_names (args, names, error) ||
      !get_string_arg (args, "name", TRUE, &name, error) ||
      !check_channel_name (name, error) ||
      !chorus_db_has_channel_name (db, name, &taken, error))
    return NULL;

  if (taken)
    {
      g_set_error (error, CHORUS_FUNCTION_ERROR, CHORUS_FUNCTION_ERROR_INVALID_ARGUMENT,
                   "Invalid argument 'name': a channel named '%s' already exists", name);
      return NULL;
    }

  if (!(id = chorus_db_insert_channel (db, name, ts, error)))
    return NULL;

  g_hash_table_add (writes, g_strdup ("channels"));
  return json_node_init_string (json_node_alloc (), id);
}

static gboolean
read_send_args (ChorusDb     *db,
                JsonObject   *args,
                const char  **channel,
                const char  **body,
                const char  **author,
                const char  **client_id,
                GError      **error)
{
  static const char * const names[] = { "author", "body", "channel", "clientId", NULL };

  return check_arg_names (args, names, error) &&
         get_string_arg (args, "channel", TRUE, channel, error) &&
         get_string_arg (args, "body", TRUE, body, error) &&
         get_string_arg (args, "author", TRUE, author, error) &&
         get_string_arg (args, "clientId", FALSE, client_id, error) &&
         check_text ("body", *body, BODY_MAX_LENGTH, error) &&
         check_text ("author", *author, AUTHOR_MAX_LENGTH, error) &&
         (*client_id == NULL ||
          check_text ("clientId", *client_id, CLIENT_ID_MAX_LENGTH, error)) &&
         check_channel_exists (db, *channel, error);
}

/* A send whose client id already exists returns the stored message's id
 * and writes nothing, so a client that retries after a restart does not
 * post the message twice. */
static JsonNode *
send_message (ChorusDb    *db,
              JsonObject  *args,
              guint64      ts,
              GHashTable  *writes,
              GError     **error)
{
  const char *channel, *body, *author, *client_id;
  g_autofree char *id = NULL;

  if (!read_send_args (db, args, &channel, &body, &author, &client_id, error))
    return NULL;

  if (client_id != NULL && !chorus_db_find_message_by_client_id (db, client_id, &id, error))
    return NULL;

  if (id == NULL)
    {
      if (!(id = chorus_db_insert_message (db, channel, author, body, client_id, ts, error)))
        return NULL;

      g_hash_table_add (writes, g_strconcat ("messages/", channel, NULL));
    }

  return json_node_init_string (json_node_alloc (), id);
}

static const struct {
  const char *udf_path;
  QueryFunc   func;
} queries[] = {
  { "channels:list", list_channels },
  { "messages:list", list_messages },
};

static const struct {
  const char   *udf_path;
  MutationFunc  func;
} mutations[] = {
  { "channels:create", create_channel },
  { "messages:send", send_message },
};

/* Runs the query at the canonical @udf_path. */
JsonNode *
chorus_functions_run_query (ChorusDb    *db,
                            const char  *udf_path,
                            JsonObject  *args,
                            GHashTable  *reads,
                            GError     **error)
{
  g_return_val_if_fail (db != NULL, NULL);
  g_return_val_if_fail (udf_path != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    {
      if (g_str_equal (queries[i].udf_path, udf_path))
        return queries[i].func (db, args, reads, error);
    }

  g_set_error (error, CHORUS_FUNCTION_ERROR, CHORUS_FUNCTION_ERROR_UNKNOWN_FUNCTION,
               "Could not find public query '%s'", udf_path);
  return NULL;
}

/* Runs the mutation at the canonical @udf_path inside the caller's
 * transaction, whose commit timestamp is @ts. */
JsonNode *
chorus_functions_run_mutation (ChorusDb    *db,
                               const char  *udf_path,
                               JsonObject  *args,
                               guint64      ts,
                               GHashTable  *writes,
                               GError     **error)
{
  g_return_val_if_fail (db != NULL, NULL);
  g_return_val_if_fail (udf_path != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (mutations); i++)
    {
      if (g_str_equal (mutations[i].udf_path, udf_path))
        return mutations[i].func (db, args, ts, writes, error);
    }

  g_set_error (error, CHORUS_FUNCTION_ERROR, CHORUS_FUNCTION_ERROR_UNKNOWN_FUNCTION,
               "Could not find public mutation '%s'", udf_path);
  return NULL;
}

gboolean
chorus_functions_sets_intersect (GHashTable *reads,
                                 GHashTable *writes)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, writes);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      if (g_hash_table_contains (reads, key))
        return TRUE;
    }

  return FALSE;
}
