/* chorus-connection.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-connection"

#include <string.h>

#include "chorus-connection.h"
#include "chorus-functions.h"
#include "chorus-protocol.h"

/* The server sends a Ping after this long without any outgoing frame. The
 * official client gives up on a server after 60 s of silence. */
#define PING_INTERVAL_MS 15000

/* The largest frame a client may send. A chat Mutation is at most a few
 * tens of KiB (a 4000-character body, escaped), and a ModifyQuerySet that
 * re-adds every subscription after a reconnect stays far below this.
 * Setting it explicitly bounds the memory one peer can make us allocate,
 * whatever default the libsoup version has. */
#define MAX_INCOMING_PAYLOAD (1024 * 1024)

/* RFC 6455 allows at most 123 bytes of reason in a Close frame. */
#define MAX_CLOSE_REASON 123

#define PROTOCOL_ERROR (g_quark_from_static_string ("chorus-protocol-error"))

typedef struct
{
  char       *udf_path;
  JsonObject *args;
  GHashTable *reads;
  /* The last result sent, as JSON text, or "!" and the error message. */
  char       *sent_result;
} Query;

struct _ChorusConnection
{
  GObject parent_instance;

  /* Borrowed references */
  ChorusDb *db;

  /* Owned references */
  SoupWebsocketConnection *ws;
  GHashTable *queries;
  char *peer;
  char *session_id;

  guint32 query_set;
  guint32 sent_query_set;
  guint64 sent_ts;

  guint ping_id;
  gulong message_handler;
  gulong closed_handler;
  gboolean closing;
};

G_DEFINE_FINAL_TYPE (ChorusConnection, chorus_connection, G_TYPE_OBJECT)

enum {
  COMMITTED,
  CLOSED,
  N_SIGNALS
};

static guint signals [N_SIGNALS];

static void
query_free (Query *query)
{
  g_free (query->udf_path);
  g_clear_pointer (&query->args, json_object_unref);
  g_clear_pointer (&query->reads, g_hash_table_unref);
  g_free (query->sent_result);
  g_free (query);
}

static gboolean send_ping_cb (gpointer user_data);

static void
send_frame (ChorusConnection *self,
            JsonObject       *frame)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), frame);
  g_autofree char *text = json_to_string (node, FALSE);

  if (soup_websocket_connection_get_state (self->ws) != SOUP_WEBSOCKET_STATE_OPEN)
    return;

  soup_websocket_connection_send_text (self->ws, text);

  g_clear_handle_id (&self->ping_id, g_source_remove);
  self->ping_id = g_timeout_add (PING_INTERVAL_MS, send_ping_cb, self);
}

static gboolean
send_ping_cb (gpointer user_data)
{
  ChorusConnection *self = CHORUS_CONNECTION (user_data);
  g_autoptr(JsonObject) frame = json_object_new ();

  self->ping_id = 0;
  json_object_set_string_member (frame, "type", "Ping");
  send_frame (self, frame);

  return G_SOURCE_REMOVE;
}

static JsonObject *
state_version_new (guint32 query_set,
                   guint64 ts)
{
  JsonObject *version = json_object_new ();
  g_autofree char *encoded = chorus_protocol_encode_ts (ts);

  json_object_set_int_member (version, "querySet", query_set);
  json_object_set_string_member (version, "ts", encoded);
  json_object_set_int_member (version, "identity", 0);

  return version;
}

/* Sends the next Transition of this connection's chain. It brings the
 * client to the current query set and the latest commit timestamp. */
static void
send_transition (ChorusConnection *self,
                 JsonArray        *modifications)
{
  g_autoptr(JsonObject) frame = json_object_new ();
  guint64 ts = chorus_db_get_last_ts (self->db);

  json_object_set_string_member (frame, "type", "Transition");
  json_object_set_object_member (frame, "startVersion",
                                 state_version_new (self->sent_query_set, self->sent_ts));
  json_object_set_object_member (frame, "endVersion",
                                 state_version_new (self->query_set, ts));
  json_object_set_array_member (frame, "modifications", json_array_ref (modifications));
  send_frame (self, frame);

  self->sent_query_set = self->query_set;
  self->sent_ts = ts;
}

static JsonObject *
query_modification_new (guint32     query_id,
                        JsonNode   *value,
                        GError     *error)
{
  JsonObject *modification = json_object_new ();

  json_object_set_int_member (modification, "queryId", query_id);
  json_object_set_array_member (modification, "logLines", json_array_new ());
  json_object_set_null_member (modification, "journal");

  if (value != NULL)
    {
      json_object_set_string_member (modification, "type", "QueryUpdated");
      json_object_set_member (modification, "value", json_node_copy (value));
    }
  else
    {
      json_object_set_string_member (modification, "type", "QueryFailed");
      json_object_set_string_member (modification, "errorMessage", error->message);
    }

  return modification;
}

/* Runs @query and returns its QueryUpdated or QueryFailed modification,
 * or NULL when @only_changed is set and the result is the one last sent. */
static JsonObject *
run_query (ChorusConnection *self,
           guint32           query_id,
           Query            *query,
           gboolean          only_changed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autofree char *result = NULL;

  g_hash_table_remove_all (query->reads);
  value = chorus_functions_run_query (self->db, query->udf_path, query->args,
                                      query->reads, &error);
  if (value != NULL)
    result = json_to_string (value, FALSE);
  else
    result = g_strconcat ("!", error->message, NULL);

  if (error != NULL && error->domain != CHORUS_FUNCTION_ERROR)
    g_warning ("Query %s failed: %s", query->udf_path, error->message);

  if (only_changed && g_strcmp0 (result, query->sent_result) == 0)
    return NULL;

  g_free (query->sent_result);
  query->sent_result = g_steal_pointer (&result);
  return query_modification_new (query_id, value, error);
}

static gint
compare_query_ids (gconstpointer a,
                   gconstpointer b)
{
  guint32 id_a = GPOINTER_TO_UINT (*(gconstpointer *) a);
  guint32 id_b = GPOINTER_TO_UINT (*(gconstpointer *) b);

  return (id_a > id_b) - (id_a < id_b);
}

/*
 * Runs again every subscription that read something in @writes, and sends
 * a Transition with the results that changed. With @always_send it sends
 * the Transition even when it is empty, which a mutation's own connection
 * needs to complete the mutation.
 */
void
chorus_connection_refresh (ChorusConnection *self,
                           GHashTable       *writes,
                           gboolean          always_send)
{
  g_autoptr(JsonArray) modifications = json_array_new ();
  g_autoptr(GPtrArray) ids = NULL;
  GHashTableIter iter;
  gpointer key;

  g_return_if_fail (CHORUS_IS_CONNECTION (self));

  if (self->session_id == NULL || self->closing)
    return;

  ids = g_ptr_array_new ();
  g_hash_table_iter_init (&iter, self->queries);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (ids, key);
  g_ptr_array_sort (ids, compare_query_ids);
  for (guint i = 0; i < ids->len; i++)
    {
      Query *query = g_hash_table_lookup (self->queries, ids->pdata[i]);
      JsonObject *modification;

      if (!chorus_functions_sets_intersect (query->reads, writes))
        continue;

      modification = run_query (self, GPOINTER_TO_UINT (ids->pdata[i]), query, TRUE);
      if (modification != NULL)
        json_array_add_object_element (modifications, modification);
    }

  if (always_send || json_array_get_length (modifications) > 0)
    send_transition (self, modifications);
}

static gboolean
add_query (ChorusConnection  *self,
           JsonObject        *add,
           JsonArray         *modifications,
           GError           **error)
{
  g_autoptr(JsonObject) args = NULL;
  const char *udf_path;
  guint32 query_id;
  Query *query;

  if (!chorus_protocol_get_u32 (add, "queryId", &query_id, error) ||
      !chorus_protocol_get_string (add, "udfPath", TRUE, &udf_path, error) ||
      !chorus_protocol_get_args (add, &args, error))
    return FALSE;

  if (g_hash_table_contains (self->queries, GUINT_TO_POINTER (query_id)))
    {
      g_set_error (error, PROTOCOL_ERROR, 0, "Query %u is already in the query set", query_id);
      return FALSE;
    }

  query = g_new0 (Query, 1);
  query->udf_path = chorus_protocol_canonicalize_path (udf_path);
  query->args = g_steal_pointer (&args);
  query->reads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_insert (self->queries, GUINT_TO_POINTER (query_id), query);

  json_array_add_object_element (modifications, run_query (self, query_id, query, FALSE));
  return TRUE;
}

static gboolean
remove_query (ChorusConnection  *self,
              JsonObject        *remove,
              JsonArray         *modifications,
              GError           **error)
{
  JsonObject *modification;
  guint32 query_id;

  if (!chorus_protocol_get_u32 (remove, "queryId", &query_id, error))
    return FALSE;

  if (!g_hash_table_remove (self->queries, GUINT_TO_POINTER (query_id)))
    {
      g_set_error (error, PROTOCOL_ERROR, 0, "Query %u is not in the query set", query_id);
      return FALSE;
    }

  modification = json_object_new ();
  json_object_set_string_member (modification, "type", "QueryRemoved");
  json_object_set_int_member (modification, "queryId", query_id);
  json_array_add_object_element (modifications, modification);
  return TRUE;
}

static gboolean
apply_modification (ChorusConnection  *self,
                    JsonNode          *node,
                    JsonArray         *modifications,
                    GError           **error)
{
  JsonObject *change;
  const char *type;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, PROTOCOL_ERROR, 0, "A query set modification is not an object");
      return FALSE;
    }

  change = json_node_get_object (node);
  if (!chorus_protocol_get_string (change, "type", TRUE, &type, error))
    return FALSE;

  if (g_str_equal (type, "Add"))
    return add_query (self, change, modifications, error);
  if (g_str_equal (type, "Remove"))
    return remove_query (self, change, modifications, error);

  g_set_error (error, PROTOCOL_ERROR, 0, "Unknown query set modification '%s'", type);
  return FALSE;
}

static gboolean
handle_modify_query_set (ChorusConnection  *self,
                         JsonObject        *frame,
                         GError           **error)
{
  g_autoptr(JsonArray) modifications = json_array_new ();
  guint32 base_version, new_version;
  JsonArray *changes;

  if (!chorus_protocol_get_u32 (frame, "baseVersion", &base_version, error) ||
      !chorus_protocol_get_u32 (frame, "newVersion", &new_version, error) ||
      !chorus_protocol_get_array (frame, "modifications", &changes, error))
    return FALSE;

  if (base_version != self->query_set || new_version <= base_version)
    {
      g_set_error (error, PROTOCOL_ERROR, 0,
                   "ModifyQuerySet from version %u to %u does not apply to query set version %u",
                   base_version, new_version, self->query_set);
      return FALSE;
    }

  for (guint i = 0; i < json_array_get_length (changes); i++)
    {
      if (!apply_modification (self, json_array_get_element (changes, i), modifications, error))
        return FALSE;
    }

  self->query_set = new_version;
  send_transition (self, modifications);
  return TRUE;
}

static void
send_mutation_response (ChorusConnection *self,
                        guint32           request_id,
                        JsonNode         *result,
                        guint64           ts,
                        const GError     *error)
{
  g_autoptr(JsonObject) frame = json_object_new ();

  json_object_set_string_member (frame, "type", "MutationResponse");
  json_object_set_int_member (frame, "requestId", request_id);
  json_object_set_boolean_member (frame, "success", result != NULL);
  json_object_set_array_member (frame, "logLines", json_array_new ());

  if (result != NULL)
    {
      g_autofree char *encoded = chorus_protocol_encode_ts (ts);

      json_object_set_member (frame, "result", json_node_copy (result));
      json_object_set_string_member (frame, "ts", encoded);
    }
  else
    {
      json_object_set_string_member (frame, "result", error->message);
      json_object_set_null_member (frame, "ts");
    }

  send_frame (self, frame);
}

/* Runs a mutation in one SQLite transaction, together with the record of
 * its (session id, request id), and commits before anything is sent. */
static JsonNode *
commit_mutation (ChorusConnection  *self,
                 guint32            request_id,
                 const char        *udf_path,
                 JsonObject        *args,
                 GHashTable        *writes,
                 guint64           *out_ts,
                 GError           **error)
{
  g_autoptr(JsonNode) result = NULL;
  g_autofree char *text = NULL;

  if (!chorus_db_begin (self->db, out_ts, error))
    return NULL;

  if ((result = chorus_functions_run_mutation (self->db, udf_path, args, *out_ts, writes, error)))
    text = json_to_string (result, FALSE);

  if (result == NULL ||
      !chorus_db_record_mutation (self->db, self->session_id, request_id, text, *out_ts, error) ||
      !chorus_db_commit (self->db, error))
    {
      chorus_db_rollback (self->db);
      return NULL;
    }

  return g_steal_pointer (&result);
}

/* Replays the stored response of a mutation this session already ran,
 * with its original commit timestamp. Returns FALSE when there is none. */
static gboolean
replay_mutation (ChorusConnection  *self,
                 guint32            request_id,
                 GError           **error)
{
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonArray) empty = json_array_new ();
  guint64 ts = 0;

  if (!chorus_db_find_mutation (self->db, self->session_id, request_id, &text, &ts, error) ||
      text == NULL)
    return FALSE;

  if (!(result = json_from_string (text, error)))
    return FALSE;

  send_mutation_response (self, request_id, result, ts, NULL);
  send_transition (self, empty);
  return TRUE;
}

static gboolean
handle_mutation (ChorusConnection  *self,
                 JsonObject        *frame,
                 GError           **error)
{
  g_autoptr(GHashTable) writes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(JsonObject) args = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *path = NULL;
  const char *udf_path;
  guint32 request_id;
  guint64 ts = 0;

  if (!chorus_protocol_get_u32 (frame, "requestId", &request_id, error) ||
      !chorus_protocol_get_string (frame, "udfPath", TRUE, &udf_path, error) ||
      !chorus_protocol_get_args (frame, &args, error))
    return FALSE;

  path = chorus_protocol_canonicalize_path (udf_path);
  if (replay_mutation (self, request_id, &local_error))
    return TRUE;

  if (local_error == NULL)
    result = commit_mutation (self, request_id, path, args, writes, &ts, &local_error);

  if (local_error != NULL && local_error->domain != CHORUS_FUNCTION_ERROR)
    g_warning ("Mutation %s from %s failed: %s", path, self->peer, local_error->message);

  send_mutation_response (self, request_id, result, ts, local_error);
  if (result == NULL)
    return TRUE;

  g_signal_emit (self, signals[COMMITTED], 0, writes);
  chorus_connection_refresh (self, writes, TRUE);
  return TRUE;
}

/* Chorus has no actions, so every Action fails. */
static gboolean
handle_action (ChorusConnection  *self,
               JsonObject        *frame,
               GError           **error)
{
  g_autoptr(JsonObject) response = json_object_new ();
  g_autofree char *message = NULL;
  const char *udf_path;
  guint32 request_id;

  if (!chorus_protocol_get_u32 (frame, "requestId", &request_id, error) ||
      !chorus_protocol_get_string (frame, "udfPath", TRUE, &udf_path, error))
    return FALSE;

  message = g_strdup_printf ("Could not find public action '%s'", udf_path);
  json_object_set_string_member (response, "type", "ActionResponse");
  json_object_set_int_member (response, "requestId", request_id);
  json_object_set_boolean_member (response, "success", FALSE);
  json_object_set_string_member (response, "result", message);
  json_object_set_array_member (response, "logLines", json_array_new ());
  send_frame (self, response);
  return TRUE;
}

/* Clearing the identity changes nothing here. A token gets an AuthError,
 * and the connection closes afterwards as with the Convex backend. */
static gboolean
handle_authenticate (ChorusConnection  *self,
                     JsonObject        *frame,
                     GError           **error)
{
  g_autoptr(JsonObject) response = json_object_new ();
  const char *token_type;
  guint32 base_version;

  if (!chorus_protocol_get_string (frame, "tokenType", TRUE, &token_type, error) ||
      !chorus_protocol_get_u32 (frame, "baseVersion", &base_version, error))
    return FALSE;

  if (g_str_equal (token_type, "None"))
    return TRUE;

  json_object_set_string_member (response, "type", "AuthError");
  json_object_set_string_member (response, "error", "Token authentication is not implemented yet");
  json_object_set_int_member (response, "baseVersion", base_version);
  json_object_set_boolean_member (response, "authUpdateAttempted", TRUE);
  send_frame (self, response);

  g_set_error (error, PROTOCOL_ERROR, 0, "Token authentication is not implemented yet");
  return FALSE;
}

static gboolean
handle_connect (ChorusConnection  *self,
                JsonObject        *frame,
                GError           **error)
{
  const char *session_id, *close_reason, *observed;
  guint64 max_observed = 0;

  if (!chorus_protocol_get_string (frame, "sessionId", TRUE, &session_id, error) ||
      !chorus_protocol_get_string (frame, "lastCloseReason", FALSE, &close_reason, error) ||
      !chorus_protocol_get_string (frame, "maxObservedTimestamp", FALSE, &observed, error))
    return FALSE;

  if (observed != NULL && !chorus_protocol_decode_ts (observed, &max_observed))
    {
      g_set_error (error, PROTOCOL_ERROR, 0, "Field 'maxObservedTimestamp' is not an EncodedTS");
      return FALSE;
    }

  /* A client that has seen a later timestamp than ours talked to another
   * database, or to this one before its timestamps went backwards. */
  if (max_observed > chorus_db_get_last_ts (self->db))
    {
      g_set_error (error, PROTOCOL_ERROR, 0,
                   "maxObservedTimestamp is ahead of the server's latest timestamp");
      return FALSE;
    }

  self->session_id = g_strdup (session_id);
  g_debug ("Session %s connected from %s (last close reason: %s)",
           session_id, self->peer, close_reason ? close_reason : "none");
  return TRUE;
}

static gboolean
dispatch_frame (ChorusConnection  *self,
                const char        *type,
                JsonObject        *frame,
                GError           **error)
{
  if (self->session_id == NULL || g_str_equal (type, "Connect"))
    {
      if (self->session_id == NULL && g_str_equal (type, "Connect"))
        return handle_connect (self, frame, error);

      g_set_error (error, PROTOCOL_ERROR, 0, "Expected Connect once, as the first message");
      return FALSE;
    }

  if (g_str_equal (type, "ModifyQuerySet"))
    return handle_modify_query_set (self, frame, error);
  if (g_str_equal (type, "Mutation"))
    return handle_mutation (self, frame, error);
  if (g_str_equal (type, "Action"))
    return handle_action (self, frame, error);
  if (g_str_equal (type, "Authenticate"))
    return handle_authenticate (self, frame, error);
  if (g_str_equal (type, "Event"))
    return TRUE;

  g_set_error (error, PROTOCOL_ERROR, 0, "Unknown message type '%s'", type);
  return FALSE;
}

static gboolean
handle_message (ChorusConnection  *self,
                gint               data_type,
                GBytes            *message,
                GError           **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) parse_error = NULL;
  gsize size = 0;
  const char *data = g_bytes_get_data (message, &size);
  const char *type;
  JsonNode *root;

  if (data_type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      g_set_error (error, PROTOCOL_ERROR, 0, "Binary frames are not supported");
      return FALSE;
    }

  if (!json_parser_load_from_data (parser, data, size, &parse_error))
    {
      g_set_error (error, PROTOCOL_ERROR, 0, "Invalid JSON: %s", parse_error->message);
      return FALSE;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, PROTOCOL_ERROR, 0, "A message must be a JSON object");
      return FALSE;
    }

  if (!chorus_protocol_get_string (json_node_get_object (root), "type", TRUE, &type, error))
    return FALSE;

  return dispatch_frame (self, type, json_node_get_object (root), error);
}

static void
message_cb (SoupWebsocketConnection *ws,
            gint                     data_type,
            GBytes                  *message,
            gpointer                 user_data)
{
  g_autoptr(ChorusConnection) self = g_object_ref (CHORUS_CONNECTION (user_data));
  g_autoptr(GError) error = NULL;

  if (self->closing)
    return;

  if (!handle_message (self, data_type, message, &error))
    {
      g_warning ("Closing the connection from %s: %s", self->peer, error->message);
      chorus_connection_close (self, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, error->message);
    }
}

static void
closed_cb (SoupWebsocketConnection *ws,
           gpointer                 user_data)
{
  ChorusConnection *self = CHORUS_CONNECTION (user_data);

  self->closing = TRUE;
  g_clear_handle_id (&self->ping_id, g_source_remove);
  g_signal_emit (self, signals[CLOSED], 0);
}

/* Closes the socket with @code and @reason, which is cut to the 123 bytes
 * a Close frame allows. */
void
chorus_connection_close (ChorusConnection *self,
                         gushort           code,
                         const char       *reason)
{
  g_autofree char *text = NULL;

  g_return_if_fail (CHORUS_IS_CONNECTION (self));

  if (self->closing)
    return;

  self->closing = TRUE;
  g_clear_handle_id (&self->ping_id, g_source_remove);

  text = g_strdup (reason ? reason : "");
  if (strlen (text) > MAX_CLOSE_REASON)
    {
      const char *end = text + MAX_CLOSE_REASON;

      while (end > text && (*end & 0xC0) == 0x80)
        end--;
      text[end - text] = '\0';
    }

  if (soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->ws, code, text);
}

const char *
chorus_connection_get_peer (ChorusConnection *self)
{
  g_return_val_if_fail (CHORUS_IS_CONNECTION (self), NULL);

  return self->peer;
}

ChorusConnection *
chorus_connection_new (SoupWebsocketConnection *ws,
                       ChorusDb                *db,
                       const char              *peer)
{
  ChorusConnection *self;

  g_return_val_if_fail (SOUP_IS_WEBSOCKET_CONNECTION (ws), NULL);
  g_return_val_if_fail (db != NULL, NULL);

  self = g_object_new (CHORUS_TYPE_CONNECTION, NULL);
  self->ws = g_object_ref (ws);
  self->db = db;
  self->peer = g_strdup (peer ? peer : "unknown peer");

  soup_websocket_connection_set_max_incoming_payload_size (ws, MAX_INCOMING_PAYLOAD);
  self->message_handler = g_signal_connect (ws, "message", G_CALLBACK (message_cb), self);
  self->closed_handler = g_signal_connect (ws, "closed", G_CALLBACK (closed_cb), self);

  return self;
}

static void
chorus_connection_dispose (GObject *object)
{
  ChorusConnection *self = CHORUS_CONNECTION (object);

  if (self->ws != NULL)
    {
      g_clear_signal_handler (&self->message_handler, self->ws);
      g_clear_signal_handler (&self->closed_handler, self->ws);
      chorus_connection_close (self, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "Server shutting down");
    }

  g_clear_handle_id (&self->ping_id, g_source_remove);
  g_clear_object (&self->ws);
  self->db = NULL;

  G_OBJECT_CLASS (chorus_connection_parent_class)->dispose (object);
}

static void
chorus_connection_finalize (GObject *object)
{
  ChorusConnection *self = CHORUS_CONNECTION (object);

  g_clear_pointer (&self->queries, g_hash_table_unref);
  g_free (self->peer);
  g_free (self->session_id);

  G_OBJECT_CLASS (chorus_connection_parent_class)->finalize (object);
}

static void
chorus_connection_class_init (ChorusConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chorus_connection_dispose;
  object_class->finalize = chorus_connection_finalize;

  /**
   * ChorusConnection::committed:
   * @writes: the dependency keys the mutation wrote
   *
   * Emitted after a mutation from this connection has committed and its
   * MutationResponse has been sent.
   */
  signals[COMMITTED] = g_signal_new ("committed", G_TYPE_FROM_CLASS (klass),
                                     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                     G_TYPE_NONE, 1, G_TYPE_HASH_TABLE);

  /**
   * ChorusConnection::closed:
   *
   * Emitted once the WebSocket has closed.
   */
  signals[CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass),
                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                  G_TYPE_NONE, 0);
}

static void
chorus_connection_init (ChorusConnection *self)
{
  self->queries = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) query_free);
}
