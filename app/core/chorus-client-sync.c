/* chorus-client-sync.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-client"

#include "config.h"

#include "chorus-client-state.h"
#include "chorus-subscription-private.h"
#include "chorus-value.h"

/* Handling of server frames. chorus-client-view.c builds the view from
 * the results they bring. */

static gboolean
set_protocol_error (GError     **error,
                    const char  *format,
                    ...) G_GNUC_PRINTF (2, 3);

static gboolean
set_protocol_error (GError     **error,
                    const char  *format,
                    ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error_literal (error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_PROTOCOL, message);

  return FALSE;
}

static gboolean
get_uint (JsonObject *object,
          const char *name,
          guint      *out)
{
  JsonNode *node = json_object_get_member (object, name);
  gint64 value;

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;

  value = json_node_get_int (node);
  if (value < 0 || value > G_MAXUINT32)
    return FALSE;

  *out = (guint) value;
  return TRUE;
}

static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static JsonObject *
get_object (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  return json_node_get_object (node);
}

static gboolean
parse_state_version (JsonObject         *frame,
                     const char         *name,
                     ChorusStateVersion *version,
                     GError            **error)
{
  JsonObject *object = get_object (frame, name);

  if (object == NULL ||
      !get_uint (object, "querySet", &version->query_set) ||
      !get_uint (object, "identity", &version->identity) ||
      !chorus_encoded_ts_decode (get_string (object, "ts"), &version->ts))
    return set_protocol_error (error, "Transition has an invalid %s", name);

  return TRUE;
}

static gboolean
versions_equal (const ChorusStateVersion *a,
                const ChorusStateVersion *b)
{
  return a->query_set == b->query_set &&
         a->ts == b->ts &&
         a->identity == b->identity;
}

void
_chorus_client_server_result_free (ChorusServerResult *result)
{
  g_clear_pointer (&result->value, json_node_unref);
  g_clear_error (&result->error);
  g_free (result->record.pristine);
  g_free (result);
}

/* Raises maxObservedTimestamp, which the next Connect frame reports. */
void
_chorus_client_observe_ts (ChorusClient *self,
                           gint64        ts)
{
  g_assert (CHORUS_IS_CLIENT (self));

  if (!self->has_max_observed_ts || ts > self->max_observed_ts)
    self->max_observed_ts = ts;
  self->has_max_observed_ts = TRUE;
}

static gboolean
check_modification (JsonNode  *node,
                    GError   **error)
{
  JsonObject *object;
  const char *type;
  guint query_id;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return set_protocol_error (error, "Transition modification is not an object");

  object = json_node_get_object (node);
  type = get_string (object, "type");
  if (!get_uint (object, "queryId", &query_id))
    return set_protocol_error (error, "Transition modification has no queryId");

  if (g_strcmp0 (type, "QueryUpdated") == 0 || g_strcmp0 (type, "QueryRemoved") == 0)
    return TRUE;
  if (g_strcmp0 (type, "QueryFailed") == 0 && get_string (object, "errorMessage") != NULL)
    return TRUE;

  return set_protocol_error (error, "Transition has an invalid modification of type “%s”",
                             type ? type : "(none)");
}

static JsonArray *
check_modifications (JsonObject  *frame,
                     GError     **error)
{
  JsonNode *node = json_object_get_member (frame, "modifications");
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      set_protocol_error (error, "Transition has no modifications array");
      return NULL;
    }

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      if (!check_modification (json_array_get_element (array, i), error))
        return NULL;
    }

  return array;
}

static void
store_journal (ChorusClient *self,
               guint         query_id,
               JsonObject   *modification)
{
  ChorusQuery *query = g_hash_table_lookup (self->queries_by_id, GUINT_TO_POINTER (query_id));
  JsonNode *journal = json_object_get_member (modification, "journal");

  if (query == NULL || journal == NULL)
    return;

  g_clear_pointer (&query->journal, g_free);
  query->journal = g_strdup (get_string (modification, "journal"));
  query->has_journal = TRUE;
}

/* Turns a result whose value is not a valid Convex value into a failed
 * result, so the query shows an error instead of a wrongly decoded value. */
static void
check_result_value (ChorusServerResult *result)
{
  g_autoptr(GError) error = NULL;

  if (chorus_value_check (result->value, &error))
    return;

  g_warning ("The server sent an invalid query result: %s", error->message);
  g_clear_pointer (&result->value, json_node_unref);
  result->error = g_error_new (CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_INVALID_VALUE,
                               "The server sent an invalid value: %s", error->message);
}

void
_chorus_client_forget_server_view (ChorusClient *self)
{
  g_clear_pointer (&self->server_view, _chorus_local_store_free);
}

/* Puts the new @result of a query into the server view in place, when
 * the view already lists the query, so its order stays that of the
 * query ids. Otherwise the view is built again when next needed. */
static void
update_server_view (ChorusClient       *self,
                    guint               query_id,
                    ChorusServerResult *result)
{
  ChorusQuery *query = g_hash_table_lookup (self->queries_by_id, GUINT_TO_POINTER (query_id));

  if (self->server_view == NULL)
    return;

  if (query == NULL || _chorus_local_store_lookup (self->server_view, query->token) == NULL)
    {
      _chorus_client_forget_server_view (self);
      return;
    }

  _chorus_local_store_put (self->server_view, query->token, query->udf_path, query->args,
                           result->value, result->error, &result->record);
}

static void
apply_modification (ChorusClient *self,
                    JsonObject   *modification)
{
  const char *type = get_string (modification, "type");
  ChorusServerResult *result;
  JsonNode *value;
  guint query_id = 0;

  get_uint (modification, "queryId", &query_id);
  g_hash_table_remove (self->unsynced_queries, GUINT_TO_POINTER (query_id));
  if (g_str_equal (type, "QueryRemoved"))
    {
      g_hash_table_remove (self->server_results, GUINT_TO_POINTER (query_id));
      chorus_json_cache_forget_query (self->json_cache, query_id);
      _chorus_client_forget_server_view (self);
      return;
    }

  result = g_new0 (ChorusServerResult, 1);
  if (g_str_equal (type, "QueryUpdated"))
    {
      gboolean checked;

      value = json_object_get_member (modification, "value");
      result->value = value ? json_node_ref (value) : json_node_init_null (json_node_alloc ());
      json_node_seal (result->value);
      result->record.pristine = chorus_json_cache_take_text (self->json_cache, result->value,
                                                             &checked);
      if (!checked)
        check_result_value (result);
    }
  else
    {
      result->error = g_error_new_literal (CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_QUERY_FAILED,
                                           get_string (modification, "errorMessage"));
      _chorus_client_error_set_data (result->error,
                                     json_object_get_member (modification, "errorData"));
    }

  store_journal (self, query_id, modification);
  g_hash_table_replace (self->server_results, GUINT_TO_POINTER (query_id), result);
  update_server_view (self, query_id, result);
}

static GPtrArray *
take_reflected_requests (ChorusClient *self,
                         gint64        ts)
{
  GPtrArray *finished = g_ptr_array_new ();
  GList *link = self->requests.head;

  while (link != NULL)
    {
      GList *next = link->next;
      ChorusRequest *request = link->data;

      if (request->state == CHORUS_REQUEST_COMPLETED && request->ts <= ts)
        {
          g_queue_delete_link (&self->requests, link);
          g_ptr_array_add (finished, request);
        }
      link = next;
    }

  return finished;
}

static gboolean
handle_transition (ChorusClient  *self,
                   JsonObject    *frame,
                   GError       **error)
{
  g_autoptr(GPtrArray) finished = NULL;
  ChorusStateVersion start, end;
  JsonArray *modifications;

  if (!parse_state_version (frame, "startVersion", &start, error) ||
      !parse_state_version (frame, "endVersion", &end, error))
    return FALSE;

  if (!versions_equal (&start, &self->remote))
    return set_protocol_error (error,
                               "Invalid start version %" G_GINT64_FORMAT ":%u:%u, "
                               "expected %" G_GINT64_FORMAT ":%u:%u",
                               start.ts, start.query_set, start.identity,
                               self->remote.ts, self->remote.query_set,
                               self->remote.identity);

  if (!(modifications = check_modifications (frame, error)))
    return FALSE;

  _chorus_client_observe_ts (self, end.ts);
  /* As in the convex npm client, a token is confirmed before the view
   * changes, so the auth-changed handler and the token provider see the
   * view from before this Transition. No handler may run between applying
   * the modifications and the recomputation, because the old view still
   * points at the seal records of the results that the modifications free. */
  _chorus_client_auth_transition (self, &start, &end);
  if (self->results_stale)
    {
      g_hash_table_remove_all (self->server_results);
      _chorus_client_forget_server_view (self);
    }
  self->results_stale = FALSE;

  for (guint i = 0; i < json_array_get_length (modifications); i++)
    apply_modification (self, json_array_get_object_element (modifications, i));
  self->remote = end;

  finished = take_reflected_requests (self, end.ts);
  _chorus_client_recompute (self, finished);
  _chorus_client_notify_changes (self);
  _chorus_client_finish_requests (self, finished);
  _chorus_client_check_synced (self);

  return TRUE;
}

/* Marks every subscribed query and every request made so far as sent
 * again on the new socket, so the retry counter waits for them. */
void
_chorus_client_begin_resync (ChorusClient *self)
{
  GHashTableIter iter;
  gpointer query_id;

  g_hash_table_remove_all (self->unsynced_queries);
  g_hash_table_iter_init (&iter, self->queries_by_id);
  while (g_hash_table_iter_next (&iter, &query_id, NULL))
    g_hash_table_add (self->unsynced_queries, query_id);

  self->resync_request_limit = self->next_request_id;
}

/* Resets the retry counter once the client has synced past the last
 * reconnect: every query sent again has had a result, the auth sent
 * again was confirmed, and no request from before the reconnect is still
 * waiting for its result to be reflected. */
void
_chorus_client_check_synced (ChorusClient *self)
{
  if (g_hash_table_size (self->unsynced_queries) > 0 || self->awaiting_auth)
    return;

  for (GList *link = self->requests.head; link != NULL; link = link->next)
    {
      ChorusRequest *request = link->data;

      if (request->request_id < self->resync_request_limit)
        return;
    }

  self->retries = 0;
}

static ChorusRequest *
find_request (ChorusClient *self,
              guint         request_id)
{
  for (GList *link = self->requests.head; link != NULL; link = link->next)
    {
      ChorusRequest *request = link->data;

      if (request->request_id == request_id)
        return request;
    }

  return NULL;
}

/* Removes @request from the queue and completes it with @error, or with
 * its result when @error is NULL. A mutation's optimistic update is
 * dropped in the same step. */
void
_chorus_client_complete_request (ChorusClient  *self,
                      ChorusRequest *request,
                      GError        *error)
{
  g_autoptr(GPtrArray) finished = g_ptr_array_new ();

  g_queue_remove (&self->requests, request);
  request->error = error;
  g_ptr_array_add (finished, request);

  if (!request->is_action)
    {
      _chorus_client_recompute (self, finished);
      _chorus_client_notify_changes (self);
    }
  _chorus_client_finish_requests (self, finished);
  _chorus_client_check_synced (self);
}

static GError *
new_failure (ChorusRequest *request,
             JsonObject    *frame)
{
  const char *message = get_string (frame, "result");
  GError *error;

  if (message == NULL)
    message = request->is_action ? "Action failed on the server" : "Mutation failed on the server";

  error = g_error_new_literal (CHORUS_CLIENT_ERROR,
                               request->is_action ? CHORUS_CLIENT_ERROR_ACTION_FAILED
                                                  : CHORUS_CLIENT_ERROR_MUTATION_FAILED,
                               message);
  _chorus_client_error_set_data (error, json_object_get_member (frame, "errorData"));

  return error;
}

/* Stores the result of a successful response in @request. Returns an
 * error when the result is not a valid Convex value. */
static GError *
take_result (ChorusRequest *request,
             JsonObject    *frame)
{
  JsonNode *result = json_object_get_member (frame, "result");
  GError *error = NULL;

  request->result = result ? json_node_ref (result) : json_node_init_null (json_node_alloc ());
  json_node_seal (request->result);

  if (!chorus_value_check (request->result, &error))
    g_prefix_error (&error, "The server sent an invalid result: ");

  return error;
}

static gboolean
parse_response (JsonObject  *frame,
                guint       *request_id,
                gboolean    *success,
                GError     **error)
{
  JsonNode *node = json_object_get_member (frame, "success");

  if (!get_uint (frame, "requestId", request_id) ||
      node == NULL || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return set_protocol_error (error, "%s has no requestId or success",
                               get_string (frame, "type"));

  *success = json_node_get_boolean (node);
  return TRUE;
}

/* Handles a MutationResponse or an ActionResponse. A response for an
 * unknown or already completed request is ignored, because the server
 * may respond twice to a request that was sent again after a reconnect. */
static gboolean
handle_response (ChorusClient  *self,
                 JsonObject    *frame,
                 gboolean       is_action,
                 GError       **error)
{
  ChorusRequest *request;
  GError *result_error;
  gboolean success = FALSE;
  guint request_id = 0;
  gint64 ts = 0;

  if (!parse_response (frame, &request_id, &success, error))
    return FALSE;

  request = find_request (self, request_id);
  if (request == NULL || request->state == CHORUS_REQUEST_COMPLETED ||
      request->is_action != is_action)
    return TRUE;

  if (!success)
    {
      _chorus_client_complete_request (self, request, new_failure (request, frame));
      return TRUE;
    }

  if (!is_action && !chorus_encoded_ts_decode (get_string (frame, "ts"), &ts))
    return set_protocol_error (error, "MutationResponse has an invalid ts");

  if ((result_error = take_result (request, frame)) != NULL || is_action)
    {
      _chorus_client_complete_request (self, request, result_error);
      return TRUE;
    }

  request->ts = ts;
  request->state = CHORUS_REQUEST_COMPLETED;
  _chorus_client_observe_ts (self, ts);
  _chorus_client_check_synced (self);

  return TRUE;
}

static void
clear_chunks (ChorusClient *self)
{
  g_clear_pointer (&self->chunks, g_ptr_array_unref);
  g_clear_pointer (&self->chunk_transition_id, g_free);
  self->chunk_total = 0;
}

static gboolean
handle_assembled_transition (ChorusClient  *self,
                             GError       **error)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(JsonNode) root = NULL;
  const char *type;

  for (guint i = 0; i < self->chunks->len; i++)
    g_string_append (text, g_ptr_array_index (self->chunks, i));
  clear_chunks (self);

  if (!(root = chorus_json_parse_frame (text->str, self->json_cache, error)))
    return FALSE;

  type = get_string (json_node_get_object (root), "type");
  if (!g_str_equal (type, "Transition"))
    return set_protocol_error (error, "TransitionChunk parts do not form a Transition");

  return handle_transition (self, json_node_get_object (root), error);
}

/* Buffers one part of a Transition that the server split into several
 * frames. The parts must arrive in order and belong to one transition. */
static gboolean
handle_transition_chunk (ChorusClient  *self,
                         JsonObject    *frame,
                         GError       **error)
{
  const char *chunk = get_string (frame, "chunk");
  const char *id = get_string (frame, "transitionId");
  guint part, total;

  if (chunk == NULL || id == NULL ||
      !get_uint (frame, "partNumber", &part) ||
      !get_uint (frame, "totalParts", &total) ||
      total == 0 || part >= total)
    return set_protocol_error (error, "TransitionChunk has invalid parts");

  if (self->chunks == NULL)
    {
      self->chunks = g_ptr_array_new_with_free_func (g_free);
      self->chunk_transition_id = g_strdup (id);
      self->chunk_total = total;
    }

  if (total != self->chunk_total || !g_str_equal (id, self->chunk_transition_id) ||
      part != self->chunks->len)
    {
      clear_chunks (self);
      return set_protocol_error (error, "TransitionChunk received out of order");
    }

  g_ptr_array_add (self->chunks, g_strdup (chunk));
  if (self->chunks->len < total)
    return TRUE;

  return handle_assembled_transition (self, error);
}

static gboolean
handle_fatal_error (ChorusClient *self,
                    JsonObject   *frame)
{
  const char *message = get_string (frame, "error");

  g_warning ("Server sent a FatalError, stopping the client: %s",
             message ? message : "(no message)");
  _chorus_client_terminate (self, message ? message : "(no message)");

  return TRUE;
}

/* Handles one text frame from the server. Returns FALSE with @error set
 * for a protocol error, after which the caller closes the socket. */
gboolean
_chorus_client_handle_frame (ChorusClient  *self,
                             const char    *text,
                             GError       **error)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *frame;
  const char *type;

  g_assert (CHORUS_IS_CLIENT (self));

  if (!(root = chorus_json_parse_frame (text, self->json_cache, error)))
    return FALSE;

  frame = json_node_get_object (root);
  type = get_string (frame, "type");

  if (g_str_equal (type, "Ping"))
    return TRUE;
  if (g_str_equal (type, "TransitionChunk"))
    return handle_transition_chunk (self, frame, error);

  if (self->chunks != NULL)
    {
      g_debug ("Dropping an unfinished chunked Transition before a %s frame", type);
      clear_chunks (self);
    }

  if (g_str_equal (type, "Transition"))
    return handle_transition (self, frame, error);
  if (g_str_equal (type, "MutationResponse"))
    return handle_response (self, frame, FALSE, error);
  if (g_str_equal (type, "ActionResponse"))
    return handle_response (self, frame, TRUE, error);
  if (g_str_equal (type, "FatalError"))
    return handle_fatal_error (self, frame);
  if (g_str_equal (type, "AuthError"))
    return _chorus_client_handle_auth_error (self, frame, error);

  return set_protocol_error (error, "Unknown frame type “%s”", type);
}
