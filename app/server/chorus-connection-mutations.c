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

void
chorus_pending_mutation_free (ChorusPendingMutation *pending)
{
  if (pending == NULL)
    return;

  g_clear_object (&pending->connection);
  g_free (pending->udf_path);
  g_clear_pointer (&pending->args, json_object_unref);
  g_free (pending->user);
  g_clear_pointer (&pending->writes, g_hash_table_unref);
  g_clear_pointer (&pending->result, json_node_unref);
  g_clear_error (&pending->error);
  g_free (pending);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChorusPendingMutation, chorus_pending_mutation_free)

ChorusConnection *
chorus_pending_mutation_get_connection (ChorusPendingMutation *pending)
{
  return pending->connection;
}

/* Returns the dependency keys the mutation wrote; empty unless it
 * committed. */
GHashTable *
chorus_pending_mutation_get_writes (ChorusPendingMutation *pending)
{
  return pending->writes;
}

/* Tells whether the mutation ran, or was replayed, without an error. */
gboolean
chorus_pending_mutation_succeeded (ChorusPendingMutation *pending)
{
  return pending->result != NULL;
}

/* Fails a mutation whose savepoint was released but whose transaction
 * did not commit. A replayed mutation keeps its stored result. */
void
chorus_pending_mutation_fail (ChorusPendingMutation *pending,
                              const GError          *error)
{
  if (pending->replayed || pending->error != NULL)
    return;

  g_clear_pointer (&pending->result, json_node_unref);
  g_hash_table_remove_all (pending->writes);
  pending->error = g_error_copy (error);
}

/* Loads the stored response of a mutation this session already ran,
 * with its original commit timestamp. Returns FALSE when there is none,
 * or with @error set when reading it failed. */
static gboolean
load_replay (ChorusPendingMutation  *pending,
             GError                **error)
{
  ChorusConnection *self = pending->connection;
  g_autofree char *text = NULL;
  guint64 ts = 0;

  if (!chorus_db_find_mutation (self->db, self->session_id, pending->request_id, &text, &ts, error) ||
      text == NULL)
    return FALSE;

  if (!(pending->result = json_from_string (text, error)))
    return FALSE;

  pending->ts = ts;
  pending->replayed = TRUE;
  return TRUE;
}

/*
 * Runs a queued mutation in a savepoint of the server's open group
 * transaction (see chorus_db_begin_group()), together with the record of
 * its (session id, request id). A mutation that fails rolls back its own
 * savepoint only. The caller commits the group before it calls
 * chorus_connection_finish_mutation().
 */
void
chorus_connection_run_mutation (ChorusPendingMutation *pending)
{
  ChorusConnection *self = pending->connection;
  ChorusCall call = { self->db, pending->user, 0, pending->writes, NULL };
  g_autofree char *text = NULL;

  /* An earlier mutation of the same group may have had this request id. */
  if (pending->error != NULL || pending->replayed ||
      load_replay (pending, &pending->error) || pending->error != NULL)
    return;

  if (!chorus_db_savepoint (self->db, &call.ts, &pending->error))
    return;

  if ((pending->result = chorus_functions_run_mutation (&call, pending->udf_path,
                                                        pending->args, &pending->error)))
    text = json_to_string (pending->result, FALSE);

  if (pending->result == NULL ||
      !chorus_db_record_mutation (self->db, self->session_id, pending->request_id, text,
                                  call.ts, &pending->error) ||
      !chorus_db_release_savepoint (self->db, call.ts, &pending->error))
    {
      chorus_db_rollback_savepoint (self->db);
      g_clear_pointer (&pending->result, json_node_unref);
      g_hash_table_remove_all (pending->writes);
      return;
    }

  pending->ts = call.ts;
}

/* Sends the MutationResponse of a mutation whose group has committed. */
void
chorus_connection_finish_mutation (ChorusPendingMutation *pending)
{
  ChorusConnection *self = pending->connection;
  const GError *error = pending->error;

  g_assert (self->n_pending > 0);

  self->n_pending--;
  if (error != NULL && error->domain != CHORUS_FUNCTION_ERROR)
    g_warning ("Mutation %s from %s failed: %s", pending->udf_path, self->peer, error->message);

  send_mutation_response (self, pending->request_id, pending->result, pending->ts, error);
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
 * passes none of these again: its response is already stored. */
static gboolean
check_mutation (ChorusConnection  *self,
                GError           **error)
{
  return chorus_connection_check_nul (self, error) &&
         chorus_connection_check_authenticated (self, error) &&
         take_mutation_token (self, error);
}

static ChorusPendingMutation *
pending_mutation_new (ChorusConnection *self,
                      guint32           request_id,
                      const char       *udf_path,
                      JsonObject       *args)
{
  ChorusPendingMutation *pending = g_new0 (ChorusPendingMutation, 1);

  pending->connection = g_object_ref (self);
  pending->request_id = request_id;
  pending->udf_path = chorus_protocol_canonicalize_path (udf_path);
  pending->args = json_object_ref (args);
  pending->user = g_strdup (self->user);
  pending->writes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  return pending;
}

/*
 * Checks a Mutation and queues it for the server's next group commit.
 * The checks see the frame and the caller as they were on arrival. A
 * replay or a failed check that has no queued mutation of this connection
 * before it gets its response at once.
 */
gboolean
chorus_connection_handle_mutation (ChorusConnection  *self,
                                   JsonObject        *frame,
                                   GError           **error)
{
  g_autoptr(ChorusPendingMutation) pending = NULL;
  g_autoptr(JsonObject) args = NULL;
  const char *udf_path;
  guint32 request_id;

  if (!chorus_protocol_get_u32 (frame, "requestId", &request_id, error) ||
      !chorus_protocol_get_string (frame, "udfPath", TRUE, &udf_path, error) ||
      !chorus_protocol_get_args (frame, &args, error))
    return FALSE;

  pending = pending_mutation_new (self, request_id, udf_path, args);
  if (!load_replay (pending, &pending->error) && pending->error == NULL)
    check_mutation (self, &pending->error);

  self->n_pending++;
  if (self->n_pending == 1 && (pending->replayed || pending->error != NULL))
    {
      chorus_connection_finish_mutation (pending);
      if (pending->replayed)
        chorus_connection_send_transition (self, NULL, NULL);
      return TRUE;
    }

  g_signal_emit_by_name (self, "mutation-queued", g_steal_pointer (&pending));
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
