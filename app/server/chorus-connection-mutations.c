/* chorus-connection-mutations.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-connection"

#include "chorus-connection-private.h"
#include "chorus-protocol.h"

static void
send_mutation_response (ChorusConnection *self,
                        guint32           request_id,
                        JsonNode         *result,
                        guint64           ts,
                        const GError     *error)
{
  g_autoptr(JsonObject) frame = json_object_new ();
  JsonNode *error_data;

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
      if ((error_data = chorus_args_error_data (error)) != NULL)
        json_object_set_member (frame, "errorData", error_data);
    }

  chorus_connection_send_frame (self, frame);
}

/* Runs a mutation in one SQLite transaction, together with the record of
 * its (session id, request id), and commits before anything is sent.
 * TODO: group commit. Each mutation pays for its own fsync, which caps
 * durable sends at the SQLite limit of one insert per transaction. */
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
  ChorusCall call = { self->db, self->user, 0, writes, NULL };

  if (!chorus_db_begin (self->db, &call.ts, error))
    return NULL;

  if ((result = chorus_functions_run_mutation (&call, udf_path, args, error)))
    text = json_to_string (result, FALSE);

  if (result == NULL ||
      !chorus_db_record_mutation (self->db, self->session_id, request_id, text, call.ts, error) ||
      !chorus_db_commit (self->db, error))
    {
      chorus_db_rollback (self->db);
      return NULL;
    }

  *out_ts = call.ts;
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
  guint64 ts = 0;

  if (!chorus_db_find_mutation (self->db, self->session_id, request_id, &text, &ts, error) ||
      text == NULL)
    return FALSE;

  if (!(result = json_from_string (text, error)))
    return FALSE;

  send_mutation_response (self, request_id, result, ts, NULL);
  chorus_connection_send_transition (self, NULL);
  return TRUE;
}

/* Takes one token from the connection's bucket, which refills at
 * mutation_rate per second up to mutation_burst tokens. */
static gboolean
take_mutation_token (ChorusConnection  *self,
                     GError           **error)
{
  const ChorusConnectionConfig *config = self->config;
  gint64 now = g_get_monotonic_time ();
  double refill = (now - self->mutation_refill_time) / (double) G_USEC_PER_SEC;

  if (config->mutation_rate <= 0)
    return TRUE;

  self->mutation_tokens = MIN (config->mutation_burst,
                               self->mutation_tokens + refill * config->mutation_rate);
  self->mutation_refill_time = now;
  if (self->mutation_tokens >= 1)
    {
      self->mutation_tokens -= 1;
      return TRUE;
    }

  g_set_error (error, CHORUS_FUNCTION_ERROR, CHORUS_FUNCTION_ERROR_RATE_LIMITED,
               "TooManyRequests: at most %g mutations per second (bursts of %g) "
               "are allowed on one connection", config->mutation_rate, config->mutation_burst);
  return FALSE;
}

/* Checks what may stop a mutation before it runs. A replayed mutation
 * passes none of these again: its answer is already stored. */
static gboolean
check_mutation (ChorusConnection  *self,
                GError           **error)
{
  return chorus_connection_check_nul (self, error) &&
         chorus_connection_check_authenticated (self, error) &&
         take_mutation_token (self, error);
}

gboolean
chorus_connection_handle_mutation (ChorusConnection  *self,
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

  if (local_error == NULL && check_mutation (self, &local_error))
    result = commit_mutation (self, request_id, path, args, writes, &ts, &local_error);

  if (local_error != NULL && local_error->domain != CHORUS_FUNCTION_ERROR)
    g_warning ("Mutation %s from %s failed: %s", path, self->peer, local_error->message);

  send_mutation_response (self, request_id, result, ts, local_error);
  if (result == NULL)
    return TRUE;

  g_signal_emit_by_name (self, "committed", writes);
  return TRUE;
}

/* Chorus has no actions, so every Action fails. */
gboolean
chorus_connection_handle_action (ChorusConnection  *self,
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
  chorus_connection_send_frame (self, response);
  return TRUE;
}
