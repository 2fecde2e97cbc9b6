/* chorus-client-connection.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-client"

#include "config.h"

#include <string.h>

#include "chorus-client-state.h"
#include "chorus-value.h"

/* The socket's life: opening, the frames sent on open, the inactivity
 * timer, and reconnecting with backoff after every close. */

#define REASON_INACTIVE_SERVER  "InactiveServer"
#define REASON_FAILED_TO_SEND   "FailedToSendMessage"
#define REASON_PROTOCOL_ERROR   "ProtocolError"

/* The WebSocket close code for a message too big to process (RFC 6455). */
#define CLOSE_CODE_TOO_BIG      1009

/* Close reasons that name an overloaded server, which gets a longer wait. */
static const char * const busy_server_reasons[] = {
  "SubscriptionsWorkerFullError", "TooManyConcurrentRequests", "CommitterFullError",
  "AwsTooManyRequestsException", "ExecuteFullError", "SystemTimeoutError",
  "ExpiredInQueue", "VectorIndexTooLarge", "SearchIndexTooLarge",
  "TooManyWritesInTimePeriod", NULL
};

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;

  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static GSource *
add_timeout (ChorusClient *self,
             guint         interval_ms,
             GSourceFunc   callback)
{
  GSource *source = g_timeout_source_new (interval_ms);

  g_source_set_callback (source, callback, self, NULL);
  g_source_attach (source, self->context);

  return source;
}

static gboolean
inactivity_timeout_cb (gpointer user_data)
{
  ChorusClient *self = user_data;

  g_assert (CHORUS_IS_CLIENT (self));

  g_clear_pointer (&self->inactivity_source, g_source_unref);
  g_debug ("No frame from the server for %u ms, closing the socket", self->inactivity_ms);
  _chorus_client_close_socket (self, REASON_INACTIVE_SERVER);

  return G_SOURCE_REMOVE;
}

static void
restart_inactivity_timer (ChorusClient *self)
{
  clear_source (&self->inactivity_source);
  self->inactivity_source = add_timeout (self, self->inactivity_ms, inactivity_timeout_cb);
}

static gboolean
reconnect_cb (gpointer user_data)
{
  ChorusClient *self = user_data;

  g_assert (CHORUS_IS_CLIENT (self));

  g_clear_pointer (&self->reconnect_source, g_source_unref);
  _chorus_client_connect (self);

  return G_SOURCE_REMOVE;
}

static guint
initial_backoff (ChorusClient *self,
                 const char   *reason)
{
  if (reason == NULL ||
      g_str_equal (reason, REASON_INACTIVE_SERVER) ||
      g_str_equal (reason, REASON_FAILED_TO_SEND) ||
      g_str_equal (reason, REASON_PROTOCOL_ERROR))
    return self->client_backoff_ms;

  for (guint i = 0; busy_server_reasons[i] != NULL; i++)
    {
      if (g_str_has_prefix (reason, busy_server_reasons[i]))
        return self->server_backoff_ms * (CHORUS_BUSY_SERVER_BACKOFF_MS / CHORUS_SERVER_BACKOFF_MS);
    }

  return self->server_backoff_ms;
}

/* Returns the wait in ms before the reconnect attempt that follows
 * @retries failed ones: @initial_ms doubled per retry and capped at
 * @max_ms, then spread by ±50 % with @random, a number in [0, 1). */
guint
_chorus_client_backoff_delay (guint  initial_ms,
                              guint  retries,
                              guint  max_ms,
                              double random)
{
  double delay = initial_ms;

  for (guint i = 0; i < retries && delay < max_ms; i++)
    delay *= 2;
  delay = MIN (delay, max_ms);

  return (guint) (delay + delay * (random - 0.5));
}

/* Schedules the next connection attempt with exponential backoff, so
 * that many clients do not reconnect to a failing server in step. */
static void
schedule_reconnect (ChorusClient *self,
                    const char   *reason)
{
  guint interval;

  interval = _chorus_client_backoff_delay (initial_backoff (self, reason), self->retries,
                                           self->max_backoff_ms, g_random_double ());
  self->retries++;

  g_debug ("Reconnecting in %u ms after “%s”", interval, reason ? reason : "stop");
  clear_source (&self->reconnect_source);
  self->reconnect_source = add_timeout (self, interval, reconnect_cb);
}

/* Returns the request whose frame was the last one sent on the socket,
 * if it has no response yet. */
static ChorusRequest *
find_last_sent_request (ChorusClient *self)
{
  if (!self->last_sent_is_request)
    return NULL;

  for (GList *link = self->requests.head; link != NULL; link = link->next)
    {
      ChorusRequest *request = link->data;

      if (request->request_id == self->last_sent_request_id)
        return request->state == CHORUS_REQUEST_REQUESTED ? request : NULL;
    }

  return NULL;
}

/* Fails the request sent last after the server closed the socket with
 * code 1009 (message too big). Sending it again on the next socket would
 * only close that one too, for ever. */
static void
fail_too_big_request (ChorusClient *self)
{
  ChorusRequest *request = find_last_sent_request (self);
  GError *error;

  self->last_sent_is_request = FALSE;
  if (request == NULL)
    return;

  /* The caller gets the error, so this is only a debug message. */
  g_debug ("The server closed the socket with code 1009 (message too big) "
           "after request %u for %s, so it fails and is not sent again",
           request->request_id, request->udf_path);
  error = g_error_new (CHORUS_CLIENT_ERROR,
                       request->is_action ? CHORUS_CLIENT_ERROR_ACTION_FAILED
                                          : CHORUS_CLIENT_ERROR_MUTATION_FAILED,
                       "The server rejected %s as too big (close code 1009)",
                       request->udf_path);
  _chorus_client_complete_request (self, request, error);
}

static void
transport_closed_cb (ChorusClient *self,
                     const char   *reason)
{
  g_autoptr(ChorusClient) hold = NULL;

  g_assert (CHORUS_IS_CLIENT (self));

  if (self->state == CHORUS_CONNECTION_DISCONNECTED)
    return;

  /* Completion callbacks may drop the last reference to the client. */
  hold = g_object_ref (self);

  g_debug ("Socket closed: %s", reason ? reason : "(no reason)");
  self->close_count++;
  clear_source (&self->inactivity_source);
  g_clear_pointer (&self->chunks, g_ptr_array_unref);
  g_clear_pointer (&self->chunk_transition_id, g_free);
  g_free (self->last_close_reason);
  self->last_close_reason = g_strdup (reason);
  _chorus_client_set_state (self, CHORUS_CONNECTION_DISCONNECTED);

  if (chorus_transport_get_close_code (self->transport) == CLOSE_CODE_TOO_BIG)
    fail_too_big_request (self);
  self->last_sent_is_request = FALSE;

  if (self->restart_now)
    {
      self->restart_now = FALSE;
      _chorus_client_connect (self);
    }
  else if (self->started && !self->terminated)
    schedule_reconnect (self, reason);
}

/* Closes the socket. The transport emits "closed" before it returns. */
void
_chorus_client_close_socket (ChorusClient *self,
                             const char   *reason)
{
  guint close_count;

  g_assert (CHORUS_IS_CLIENT (self));

  if (self->state == CHORUS_CONNECTION_DISCONNECTED)
    return;

  close_count = self->close_count;
  chorus_transport_close (self->transport, reason);

  /* A transport that does not report its own close is treated as closed.
   * The state alone does not tell, because a restart after an AuthError
   * is already connecting again. */
  if (self->close_count == close_count)
    transport_closed_cb (self, reason);
}

gboolean
_chorus_client_send_text (ChorusClient *self,
                          const char   *text)
{
  g_autoptr(GError) error = NULL;

  g_assert (CHORUS_IS_CLIENT (self));

  if (self->state != CHORUS_CONNECTION_CONNECTED)
    return FALSE;

  if (chorus_transport_send (self->transport, text, &error))
    {
      self->last_sent_is_request = FALSE;
      return TRUE;
    }

  g_warning ("Failed to send a frame, reconnecting: %s", error->message);
  _chorus_client_close_socket (self, REASON_FAILED_TO_SEND);

  return FALSE;
}

static void
send_connect (ChorusClient *self)
{
  g_autoptr(GString) frame = g_string_new ("{\"type\":\"Connect\",\"sessionId\":");

  chorus_value_write_string (frame, self->session_id);
  g_string_append_printf (frame, ",\"connectionCount\":%u,\"lastCloseReason\":",
                          self->connection_count);
  if (self->last_close_reason != NULL)
    chorus_value_write_string (frame, self->last_close_reason);
  else
    g_string_append (frame, "null");

  if (self->has_max_observed_ts)
    {
      g_autofree char *ts = chorus_encoded_ts_encode (self->max_observed_ts);

      g_string_append (frame, ",\"maxObservedTimestamp\":");
      chorus_value_write_string (frame, ts);
    }

  g_string_append_printf (frame, ",\"clientTs\":%" G_GINT64_FORMAT "}",
                          g_get_real_time () / 1000);
  _chorus_client_send_text (self, frame->str);
}

static void
write_args (GString  *frame,
            JsonNode *args)
{
  g_string_append (frame, ",\"args\":[");
  chorus_value_write_canonical (frame, args);
  g_string_append (frame, "]");
}

static void
write_add (GString     *frame,
           ChorusQuery *query)
{
  g_string_append_printf (frame, "{\"type\":\"Add\",\"queryId\":%u,\"udfPath\":",
                          query->query_id);
  chorus_value_write_string (frame, query->udf_path);
  write_args (frame, query->args);

  if (query->has_journal)
    {
      g_string_append (frame, ",\"journal\":");
      if (query->journal != NULL)
        chorus_value_write_string (frame, query->journal);
      else
        g_string_append (frame, "null");
    }

  g_string_append_c (frame, '}');
}

/* Sends a ModifyQuerySet that adds @added (or removes @removed_id when
 * @added is NULL) and advances the local query-set version. */
void
_chorus_client_send_query_change (ChorusClient *self,
                                  ChorusQuery  *added,
                                  guint         removed_id)
{
  g_autoptr(GString) frame = g_string_new (NULL);

  g_string_append_printf (frame,
                          "{\"type\":\"ModifyQuerySet\",\"baseVersion\":%u,"
                          "\"newVersion\":%u,\"modifications\":[",
                          self->query_set_version, self->query_set_version + 1);
  self->query_set_version++;

  if (added != NULL)
    write_add (frame, added);
  else
    g_string_append_printf (frame, "{\"type\":\"Remove\",\"queryId\":%u}", removed_id);

  g_string_append (frame, "]}");
  _chorus_client_send_text (self, frame->str);
}

static void
send_full_query_set (ChorusClient *self)
{
  g_autoptr(GString) frame = g_string_new (NULL);
  g_autoptr(GPtrArray) queries = _chorus_client_list_queries (self);

  g_string_append (frame, "{\"type\":\"ModifyQuerySet\",\"baseVersion\":0,"
                          "\"newVersion\":1,\"modifications\":[");
  for (guint i = 0; i < queries->len; i++)
    {
      if (i > 0)
        g_string_append_c (frame, ',');
      write_add (frame, g_ptr_array_index (queries, i));
    }
  g_string_append (frame, "]}");

  self->query_set_version = 1;
  _chorus_client_send_text (self, frame->str);
}

void
_chorus_client_send_request (ChorusClient  *self,
                             ChorusRequest *request)
{
  g_autoptr(GString) frame = g_string_new (NULL);

  g_string_append_printf (frame, "{\"type\":\"%s\",\"requestId\":%u,\"udfPath\":",
                          request->is_action ? "Action" : "Mutation", request->request_id);
  chorus_value_write_string (frame, request->udf_path);
  write_args (frame, request->args);
  g_string_append_c (frame, '}');

  if (!_chorus_client_send_text (self, frame->str))
    return;

  self->last_sent_is_request = TRUE;
  self->last_sent_request_id = request->request_id;
  if (request->state == CHORUS_REQUEST_NOT_SENT)
    request->state = CHORUS_REQUEST_REQUESTED;
}

/* Takes the actions that were sent on an earlier socket out of the
 * queue. They are not sent again, because an action may not be idempotent. */
static GPtrArray *
take_lost_actions (ChorusClient *self)
{
  GPtrArray *lost = g_ptr_array_new ();
  GList *link = self->requests.head;

  while (link != NULL)
    {
      GList *next = link->next;
      ChorusRequest *request = link->data;

      if (request->is_action && request->state == CHORUS_REQUEST_REQUESTED)
        {
          request->error = g_error_new_literal (CHORUS_CLIENT_ERROR,
                                                CHORUS_CLIENT_ERROR_CONNECTION_LOST,
                                                "Connection lost while action was in flight");
          g_queue_delete_link (&self->requests, link);
          g_ptr_array_add (lost, request);
        }
      link = next;
    }

  return lost;
}

/* Sends every mutation whose result no Transition has reflected yet,
 * including completed ones, so the server moves this socket past their
 * commit ts, and every action not sent yet. The server replies to a
 * repeated mutation requestId with the result it stored, without running
 * the mutation again. Actions sent on the old socket fail. */
static void
send_unreflected_requests (ChorusClient *self)
{
  g_autoptr(GPtrArray) lost = take_lost_actions (self);

  for (GList *link = self->requests.head; link != NULL; link = link->next)
    {
      if (self->state != CHORUS_CONNECTION_CONNECTED)
        break;
      _chorus_client_send_request (self, link->data);
    }

  _chorus_client_finish_requests (self, lost);
}

static void
transport_opened_cb (ChorusClient *self)
{
  g_assert (CHORUS_IS_CLIENT (self));

  if (self->state != CHORUS_CONNECTION_CONNECTING)
    return;

  _chorus_client_set_state (self, CHORUS_CONNECTION_CONNECTED);
  restart_inactivity_timer (self);

  /* A new socket starts a new chain of Transitions from version zero. */
  memset (&self->remote, 0, sizeof self->remote);
  self->results_stale = TRUE;

  send_connect (self);
  self->connection_count++;
  _chorus_client_auth_socket_opened (self);
  send_full_query_set (self);
  _chorus_client_begin_resync (self);
  send_unreflected_requests (self);
}

static void
transport_message_cb (ChorusClient *self,
                      const char   *text)
{
  g_autoptr(ChorusClient) hold = NULL;
  g_autoptr(GError) error = NULL;

  g_assert (CHORUS_IS_CLIENT (self));

  /* Completion callbacks may drop the last reference to the client. */
  hold = g_object_ref (self);

  if (self->state != CHORUS_CONNECTION_CONNECTED)
    return;

  restart_inactivity_timer (self);
  if (_chorus_client_handle_frame (self, text, &error))
    return;

  g_warning ("Invalid frame from the server, reconnecting: %s: %.80s",
             error->message, text);
  _chorus_client_close_socket (self, REASON_PROTOCOL_ERROR);
}

void
_chorus_client_connect (ChorusClient *self)
{
  g_assert (CHORUS_IS_CLIENT (self));

  if (self->state != CHORUS_CONNECTION_DISCONNECTED || !self->started || self->terminated)
    return;
  if (_chorus_client_hold_connect (self))
    return;

  _chorus_client_set_state (self, CHORUS_CONNECTION_CONNECTING);
  restart_inactivity_timer (self);
  chorus_transport_open (self->transport);
}

/* Connects the transport's signals to the client. */
void
_chorus_client_attach_transport (ChorusClient *self)
{
  g_assert (CHORUS_IS_CLIENT (self));

  g_signal_connect_object (self->transport, "opened",
                           G_CALLBACK (transport_opened_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->transport, "message",
                           G_CALLBACK (transport_message_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->transport, "closed",
                           G_CALLBACK (transport_closed_cb), self, G_CONNECT_SWAPPED);
}

void
_chorus_client_clear_timers (ChorusClient *self)
{
  g_assert (CHORUS_IS_CLIENT (self));

  clear_source (&self->reconnect_source);
  clear_source (&self->inactivity_source);
  clear_source (&self->notify_source);
  _chorus_client_cancel_token_refresh (self);
}
