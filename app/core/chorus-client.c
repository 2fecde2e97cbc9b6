/* chorus-client.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-client"

#include "config.h"

#include <string.h>

#include "chorus-client-state.h"
#include "chorus-soup-transport.h"
#include "chorus-subscription-private.h"
#include "chorus-value.h"

#define CLIENT_BACKOFF_MS      100
#define SERVER_BACKOFF_MS      1000
#define BUSY_SERVER_BACKOFF_MS 3000
#define MAX_BACKOFF_MS         16000
/* libsoup 3.2 has no pong timeout, so silence from the server is caught
 * here. The server sends a Ping after 15 s without other frames. */
#define INACTIVITY_MS          60000

#define REASON_INACTIVE_SERVER  "InactiveServer"
#define REASON_FAILED_TO_SEND   "FailedToSendMessage"
#define REASON_PROTOCOL_ERROR   "ProtocolError"

/* Close reasons that name an overloaded server, which gets a longer wait. */
static const char * const busy_server_reasons[] = {
  "SubscriptionsWorkerFullError", "TooManyConcurrentRequests", "CommitterFullError",
  "AwsTooManyRequestsException", "ExecuteFullError", "SystemTimeoutError",
  "ExpiredInQueue", "VectorIndexTooLarge", "SearchIndexTooLarge",
  "TooManyWritesInTimePeriod", NULL
};

enum {
  PROP_0,
  PROP_CONNECTION_STATE,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (ChorusClient, chorus_client, G_TYPE_OBJECT)
G_DEFINE_QUARK (chorus-client-error-quark, chorus_client_error)

static GParamSpec *properties [N_PROPS];

static void connect_socket (ChorusClient *self);

static void
query_free (ChorusQuery *query)
{
  g_free (query->token);
  g_free (query->udf_path);
  g_clear_pointer (&query->args, json_node_unref);
  g_free (query->journal);
  g_ptr_array_unref (query->subscriptions);
  g_free (query);
}

void
_chorus_client_request_free (ChorusRequest *request)
{
  if (request->update_data_destroy != NULL)
    request->update_data_destroy (request->update_data);

  g_free (request->udf_path);
  g_clear_pointer (&request->args, json_node_unref);
  g_clear_pointer (&request->result, json_node_unref);
  g_clear_error (&request->error);
  g_clear_object (&request->task);
  g_free (request);
}

static void
set_state (ChorusClient          *self,
           ChorusConnectionState  state)
{
  if (self->state == state)
    return;

  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_CONNECTION_STATE]);
}

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
  connect_socket (self);

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
        return self->server_backoff_ms * (BUSY_SERVER_BACKOFF_MS / SERVER_BACKOFF_MS);
    }

  return self->server_backoff_ms;
}

/* Schedules the next connection attempt: the initial delay doubles with
 * every retry up to the cap, then jitter of ±50 % spreads the clients. */
static void
schedule_reconnect (ChorusClient *self,
                    const char   *reason)
{
  double delay = initial_backoff (self, reason);
  guint interval;

  for (guint i = 0; i < self->retries && delay < self->max_backoff_ms; i++)
    delay *= 2;
  delay = MIN (delay, self->max_backoff_ms);
  interval = (guint) (delay + delay * (g_random_double () - 0.5));
  self->retries++;

  g_debug ("Reconnecting in %u ms after “%s”", interval, reason ? reason : "stop");
  clear_source (&self->reconnect_source);
  self->reconnect_source = add_timeout (self, interval, reconnect_cb);
}

static void
transport_closed_cb (ChorusClient *self,
                     const char   *reason)
{
  g_assert (CHORUS_IS_CLIENT (self));

  if (self->state == CHORUS_CONNECTION_DISCONNECTED)
    return;

  g_debug ("Socket closed: %s", reason ? reason : "(no reason)");
  clear_source (&self->inactivity_source);
  g_clear_pointer (&self->chunks, g_ptr_array_unref);
  g_clear_pointer (&self->chunk_transition_id, g_free);
  g_free (self->last_close_reason);
  self->last_close_reason = g_strdup (reason);
  set_state (self, CHORUS_CONNECTION_DISCONNECTED);

  if (self->started && !self->terminated)
    schedule_reconnect (self, reason);
}

/* Closes the socket; the transport emits "closed" before it returns. */
void
_chorus_client_close_socket (ChorusClient *self,
                             const char   *reason)
{
  g_assert (CHORUS_IS_CLIENT (self));

  if (self->state == CHORUS_CONNECTION_DISCONNECTED)
    return;

  chorus_transport_close (self->transport, reason);

  /* A transport that does not report its own close is treated as closed. */
  if (self->state != CHORUS_CONNECTION_DISCONNECTED)
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
    return TRUE;

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
static void
send_query_change (ChorusClient *self,
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

static int
compare_query_ids (gconstpointer a,
                   gconstpointer b)
{
  const ChorusQuery *qa = *(ChorusQuery * const *) a;
  const ChorusQuery *qb = *(ChorusQuery * const *) b;

  return (qa->query_id > qb->query_id) - (qa->query_id < qb->query_id);
}

static void
send_full_query_set (ChorusClient *self)
{
  g_autoptr(GString) frame = g_string_new (NULL);
  g_autoptr(GPtrArray) queries = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer query;

  g_hash_table_iter_init (&iter, self->queries);
  while (g_hash_table_iter_next (&iter, NULL, &query))
    g_ptr_array_add (queries, query);
  g_ptr_array_sort (queries, compare_query_ids);

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

static void
send_request (ChorusClient  *self,
              ChorusRequest *request)
{
  g_autoptr(GString) frame = g_string_new (NULL);

  g_string_append_printf (frame, "{\"type\":\"Mutation\",\"requestId\":%u,\"udfPath\":",
                          request->request_id);
  chorus_value_write_string (frame, request->udf_path);
  write_args (frame, request->args);
  g_string_append_c (frame, '}');

  if (_chorus_client_send_text (self, frame->str) &&
      request->state == CHORUS_REQUEST_NOT_SENT)
    request->state = CHORUS_REQUEST_REQUESTED;
}

/* Sends every mutation whose result no Transition has reflected yet,
 * including completed ones, so the server moves this socket past their
 * commit ts. The server answers a repeated requestId from its records. */
static void
send_unreflected_requests (ChorusClient *self)
{
  for (GList *link = self->requests.head; link != NULL; link = link->next)
    {
      if (self->state != CHORUS_CONNECTION_CONNECTED)
        return;
      send_request (self, link->data);
    }
}

static void
transport_opened_cb (ChorusClient *self)
{
  g_assert (CHORUS_IS_CLIENT (self));

  if (self->state != CHORUS_CONNECTION_CONNECTING)
    return;

  set_state (self, CHORUS_CONNECTION_CONNECTED);
  restart_inactivity_timer (self);

  /* A new socket starts a new chain of Transitions from version zero. */
  memset (&self->remote, 0, sizeof self->remote);
  g_hash_table_remove_all (self->server_results);

  send_connect (self);
  self->connection_count++;
  send_full_query_set (self);
  send_unreflected_requests (self);
}

static void
transport_message_cb (ChorusClient *self,
                      const char   *text)
{
  g_autoptr(GError) error = NULL;

  g_assert (CHORUS_IS_CLIENT (self));

  if (self->state != CHORUS_CONNECTION_CONNECTED)
    return;

  restart_inactivity_timer (self);
  if (_chorus_client_handle_frame (self, text, &error))
    return;

  g_warning ("Invalid frame from the server, reconnecting: %s: %.80s",
             error->message, text);
  _chorus_client_close_socket (self, REASON_PROTOCOL_ERROR);
}

static void
connect_socket (ChorusClient *self)
{
  g_assert (CHORUS_IS_CLIENT (self));

  if (self->state != CHORUS_CONNECTION_DISCONNECTED || !self->started || self->terminated)
    return;

  set_state (self, CHORUS_CONNECTION_CONNECTING);
  restart_inactivity_timer (self);
  chorus_transport_open (self->transport);
}

/* Fails every pending mutation with @code and drops its update. */
static void
fail_all_requests (ChorusClient *self,
                   const char   *message)
{
  g_autoptr(GPtrArray) finished = g_ptr_array_new ();
  ChorusRequest *request;

  if (g_queue_is_empty (&self->requests))
    return;

  while ((request = g_queue_pop_head (&self->requests)))
    {
      request->error = g_error_new_literal (CHORUS_CLIENT_ERROR,
                                            CHORUS_CLIENT_ERROR_STOPPED, message);
      g_ptr_array_add (finished, request);
    }

  _chorus_client_recompute (self, finished);
  _chorus_client_notify_changes (self);
  _chorus_client_finish_requests (self, finished);
}

/* Stops the client for good after a FatalError from the server. */
void
_chorus_client_terminate (ChorusClient *self)
{
  g_assert (CHORUS_IS_CLIENT (self));

  self->terminated = TRUE;
  clear_source (&self->reconnect_source);
  _chorus_client_close_socket (self, NULL);
  fail_all_requests (self, "The server stopped the session with a fatal error");
}

static void
chorus_client_dispose (GObject *object)
{
  ChorusClient *self = (ChorusClient *)object;

  self->started = FALSE;
  clear_source (&self->reconnect_source);
  clear_source (&self->inactivity_source);

  if (self->transport != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->transport, self);
      if (self->state != CHORUS_CONNECTION_DISCONNECTED)
        chorus_transport_close (self->transport, NULL);
      g_clear_object (&self->transport);
    }

  G_OBJECT_CLASS (chorus_client_parent_class)->dispose (object);
}

static void
chorus_client_finalize (GObject *object)
{
  ChorusClient *self = (ChorusClient *)object;

  /* Each pending request's GTask holds the client, so none is left here. */
  g_assert (g_queue_is_empty (&self->requests));

  g_clear_pointer (&self->queries_by_id, g_hash_table_unref);
  g_clear_pointer (&self->queries, g_hash_table_unref);
  g_clear_pointer (&self->server_results, g_hash_table_unref);
  g_clear_pointer (&self->view, _chorus_local_store_free);
  g_clear_pointer (&self->chunks, g_ptr_array_unref);
  g_clear_pointer (&self->chunk_transition_id, g_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->session_id);
  g_free (self->last_close_reason);

  G_OBJECT_CLASS (chorus_client_parent_class)->finalize (object);
}

static void
chorus_client_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ChorusClient *self = CHORUS_CLIENT (object);

  switch (prop_id)
    {
    case PROP_CONNECTION_STATE:
      g_value_set_int (value, chorus_client_get_connection_state (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chorus_client_class_init (ChorusClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chorus_client_dispose;
  object_class->finalize = chorus_client_finalize;
  object_class->get_property = chorus_client_get_property;

  /**
   * ChorusClient:connection-state:
   *
   * The state of the socket to the server, a #ChorusConnectionState.
   */
  properties [PROP_CONNECTION_STATE] =
    g_param_spec_int ("connection-state", NULL, NULL,
                      CHORUS_CONNECTION_DISCONNECTED,
                      CHORUS_CONNECTION_CONNECTED,
                      CHORUS_CONNECTION_DISCONNECTED,
                      (G_PARAM_READABLE |
                       G_PARAM_EXPLICIT_NOTIFY |
                       G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
chorus_client_init (ChorusClient *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->session_id = g_uuid_string_random ();
  self->last_close_reason = g_strdup ("InitialConnect");
  self->queries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) query_free);
  self->queries_by_id = g_hash_table_new (NULL, NULL);
  self->server_results = g_hash_table_new_full (NULL, NULL, NULL,
                                                (GDestroyNotify) _chorus_client_server_result_free);
  self->view = _chorus_local_store_new ();
  g_queue_init (&self->requests);

  self->client_backoff_ms = CLIENT_BACKOFF_MS;
  self->server_backoff_ms = SERVER_BACKOFF_MS;
  self->max_backoff_ms = MAX_BACKOFF_MS;
  self->inactivity_ms = INACTIVITY_MS;
}

/**
 * chorus_client_new:
 * @transport: the transport to the server
 *
 * Creates a client that speaks the sync protocol over @transport. It runs
 * on the thread-default main context of the calling thread and does not
 * connect until chorus_client_start().
 *
 * Returns: (transfer full): a new client
 */
ChorusClient *
chorus_client_new (ChorusTransport *transport)
{
  ChorusClient *self;

  g_return_val_if_fail (CHORUS_IS_TRANSPORT (transport), NULL);

  self = g_object_new (CHORUS_TYPE_CLIENT, NULL);
  self->transport = g_object_ref (transport);

  g_signal_connect_object (transport, "opened",
                           G_CALLBACK (transport_opened_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (transport, "message",
                           G_CALLBACK (transport_message_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (transport, "closed",
                           G_CALLBACK (transport_closed_cb), self, G_CONNECT_SWAPPED);

  return self;
}

static char *
build_sync_url (GUri *uri)
{
  const char *scheme = g_uri_get_scheme (uri);
  const char *host = g_uri_get_host (uri);
  gboolean secure = g_str_equal (scheme, "https") || g_str_equal (scheme, "wss");
  g_autoptr(GString) url = g_string_new (secure ? "wss://" : "ws://");

  if (strchr (host, ':') != NULL)
    g_string_append_printf (url, "[%s]", host);
  else
    g_string_append (url, host);

  if (g_uri_get_port (uri) != -1)
    g_string_append_printf (url, ":%d", g_uri_get_port (uri));

  /* A trailing slash stays, as in the official client. */
  g_string_append (url, g_uri_get_path (uri));
  g_string_append (url, "/api/" PACKAGE_VERSION "/sync");

  return g_string_free (g_steal_pointer (&url), FALSE);
}

static gboolean
is_supported_scheme (const char *scheme)
{
  return g_strcmp0 (scheme, "http") == 0 || g_strcmp0 (scheme, "https") == 0 ||
         g_strcmp0 (scheme, "ws") == 0 || g_strcmp0 (scheme, "wss") == 0;
}

/* Builds the sync endpoint URL, ws(s)://host[:port][/path]/api/<version>/sync,
 * from a deployment URL. */
char *
_chorus_client_build_sync_url (const char  *url,
                               GError     **error)
{
  g_autoptr(GUri) uri = NULL;

  g_return_val_if_fail (url != NULL, NULL);

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL || !is_supported_scheme (g_uri_get_scheme (uri)) ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_INVALID_URL,
                   "Invalid server URL “%s”: expected an http, https, ws or wss URL with a host",
                   url);
      return NULL;
    }

  return build_sync_url (uri);
}

/**
 * chorus_client_new_for_url:
 * @url: the deployment URL, http://, https://, ws:// or wss://
 * @error: return location for a %CHORUS_CLIENT_ERROR_INVALID_URL error
 *
 * Creates a client that connects over a libsoup WebSocket to
 * ws(s)://host[:port][/path]/api/<version>/sync.
 *
 * Returns: (transfer full) (nullable): a new client, or NULL if @url is
 *   not a supported URL
 */
ChorusClient *
chorus_client_new_for_url (const char  *url,
                           GError     **error)
{
  g_autoptr(ChorusTransport) transport = NULL;
  g_autofree char *sync_url = NULL;

  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(sync_url = _chorus_client_build_sync_url (url, error)))
    return NULL;

  transport = chorus_soup_transport_new (sync_url);

  return chorus_client_new (transport);
}

/**
 * chorus_client_start:
 *
 * Connects to the server, and reconnects whenever the socket closes until
 * chorus_client_stop() is called.
 */
void
chorus_client_start (ChorusClient *self)
{
  g_return_if_fail (CHORUS_IS_CLIENT (self));

  if (self->started)
    return;

  self->started = TRUE;
  connect_socket (self);
}

/**
 * chorus_client_stop:
 *
 * Closes the socket and stops reconnecting. Pending mutations fail with
 * %CHORUS_CLIENT_ERROR_STOPPED and their optimistic updates are dropped.
 * Subscriptions stay, and a later chorus_client_start() subscribes them
 * again.
 */
void
chorus_client_stop (ChorusClient *self)
{
  g_return_if_fail (CHORUS_IS_CLIENT (self));

  self->started = FALSE;
  clear_source (&self->reconnect_source);
  _chorus_client_close_socket (self, NULL);
  fail_all_requests (self, "The client was stopped");
}

ChorusConnectionState
chorus_client_get_connection_state (ChorusClient *self)
{
  g_return_val_if_fail (CHORUS_IS_CLIENT (self), CHORUS_CONNECTION_DISCONNECTED);

  return self->state;
}

/**
 * chorus_client_get_session_id:
 *
 * Returns: the random session id that every Connect frame of this client
 *   carries
 */
const char *
chorus_client_get_session_id (ChorusClient *self)
{
  g_return_val_if_fail (CHORUS_IS_CLIENT (self), NULL);

  return self->session_id;
}

static ChorusQuery *
add_query (ChorusClient *self,
           const char   *token,
           const char   *udf_path,
           JsonNode     *args)
{
  ChorusQuery *query = g_new0 (ChorusQuery, 1);

  query->token = g_strdup (token);
  query->udf_path = g_strdup (udf_path);
  query->args = json_node_ref (args);
  query->query_id = self->next_query_id++;
  query->subscriptions = g_ptr_array_new ();

  g_hash_table_insert (self->queries, query->token, query);
  g_hash_table_insert (self->queries_by_id, GUINT_TO_POINTER (query->query_id), query);
  send_query_change (self, query, 0);

  return query;
}

/**
 * chorus_client_subscribe:
 * @udf_path: the query function, such as "messages:list"
 * @args: (nullable): the arguments object, NULL for {}
 *
 * Subscribes to a query. Subscriptions with the same canonical path and
 * arguments share one server query.
 *
 * Returns: (transfer full): a new subscription; the query is removed from
 *   the server when the last subscription to it is finalized
 */
ChorusSubscription *
chorus_client_subscribe (ChorusClient *self,
                         const char   *udf_path,
                         JsonNode     *args)
{
  g_autoptr(JsonNode) sealed_args = NULL;
  g_autofree char *path = NULL;
  g_autofree char *token = NULL;
  ChorusSubscription *subscription;
  ChorusViewEntry *entry;
  ChorusQuery *query;

  g_return_val_if_fail (CHORUS_IS_CLIENT (self), NULL);
  g_return_val_if_fail (udf_path != NULL, NULL);
  g_return_val_if_fail (args == NULL || JSON_NODE_HOLDS_OBJECT (args), NULL);

  path = chorus_canonical_udf_path (udf_path);
  sealed_args = chorus_value_dup_args (args);
  token = chorus_query_token (path, sealed_args);

  query = g_hash_table_lookup (self->queries, token);
  if (query == NULL)
    query = add_query (self, token, path, sealed_args);

  subscription = _chorus_subscription_new (self, token, path, query->args);
  g_ptr_array_add (query->subscriptions, subscription);

  entry = _chorus_local_store_lookup (self->view, token);
  if (entry != NULL)
    _chorus_subscription_update (subscription, entry->value, entry->error);

  return subscription;
}

void
_chorus_client_release_subscription (ChorusClient       *self,
                                     ChorusSubscription *subscription)
{
  const char *token = _chorus_subscription_get_token (subscription);
  g_autoptr(GPtrArray) finished = NULL;
  ChorusQuery *query;
  guint query_id;

  g_return_if_fail (CHORUS_IS_CLIENT (self));

  query = g_hash_table_lookup (self->queries, token);
  if (query == NULL || !g_ptr_array_remove (query->subscriptions, subscription))
    g_return_if_reached ();

  if (query->subscriptions->len > 0)
    return;

  query_id = query->query_id;
  g_hash_table_remove (self->queries_by_id, GUINT_TO_POINTER (query_id));
  g_hash_table_remove (self->server_results, GUINT_TO_POINTER (query_id));
  g_hash_table_remove (self->queries, token);
  send_query_change (self, NULL, query_id);

  /* Drop the server's result from the view, so that a new subscription
   * to the same query starts out loading. */
  finished = g_ptr_array_new ();
  _chorus_client_recompute (self, finished);
  _chorus_client_finish_requests (self, finished);
}

/**
 * chorus_client_dup_query:
 * @udf_path: the query function
 * @args: (nullable): the arguments object, NULL for {}
 * @error: return location for a %CHORUS_CLIENT_ERROR_QUERY_FAILED error
 *
 * Reads the visible value of a query: the server's result with the
 * pending optimistic updates applied. Values that optimistic updates set
 * for queries nobody subscribed to can be read here too.
 *
 * Returns: (transfer full) (nullable): the sealed value, or NULL while
 *   the query is loading or unknown, or NULL with @error set if it failed
 */
JsonNode *
chorus_client_dup_query (ChorusClient  *self,
                         const char    *udf_path,
                         JsonNode      *args,
                         GError       **error)
{
  g_autofree char *path = NULL;
  g_autofree char *token = NULL;
  ChorusViewEntry *entry;

  g_return_val_if_fail (CHORUS_IS_CLIENT (self), NULL);
  g_return_val_if_fail (udf_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  path = chorus_canonical_udf_path (udf_path);
  token = chorus_query_token (path, args);
  entry = _chorus_local_store_lookup (self->view, token);

  if (entry == NULL)
    return NULL;

  if (entry->error != NULL)
    {
      g_propagate_error (error, g_error_copy (entry->error));
      return NULL;
    }

  return entry->value ? json_node_ref (entry->value) : NULL;
}

/* Runs a new mutation's optimistic update once on a copy of the view, so
 * a failing update leaves no partial writes behind. */
static gboolean
apply_new_update (ChorusClient  *self,
                  ChorusRequest *request)
{
  ChorusLocalStore *view = _chorus_local_store_copy (self->view);

  if (!_chorus_client_run_update (self, request, view))
    {
      _chorus_local_store_free (view);
      return FALSE;
    }

  _chorus_local_store_free (self->view);
  self->view = view;
  _chorus_client_notify_changes (self);

  return TRUE;
}

/**
 * chorus_client_mutation:
 * @udf_path: the mutation function, sent as written
 * @args: (nullable): the arguments object, NULL for {}
 * @update: (nullable): an optimistic update
 * @update_data: data for @update
 * @update_data_destroy: (nullable): frees @update_data once the update is
 *   dropped
 * @cancellable: (nullable): a #GCancellable; cancelling only makes the
 *   result G_IO_ERROR_CANCELLED, the mutation itself still runs
 * @callback: called when the mutation completes
 * @user_data: data for @callback
 *
 * Runs a mutation on the server. @update runs at once, before this
 * function returns and before the Mutation frame is sent, and subscribers
 * see its writes right away. It is replayed on each new server state until
 * a Transition reaches the mutation's commit ts, and then it is dropped in
 * the same notification that brings the server's result. @callback runs
 * after that notification.
 */
void
chorus_client_mutation (ChorusClient           *self,
                        const char             *udf_path,
                        JsonNode               *args,
                        ChorusOptimisticUpdate  update,
                        gpointer                update_data,
                        GDestroyNotify          update_data_destroy,
                        GCancellable           *cancellable,
                        GAsyncReadyCallback     callback,
                        gpointer                user_data)
{
  ChorusRequest *request;

  g_return_if_fail (CHORUS_IS_CLIENT (self));
  g_return_if_fail (udf_path != NULL);
  g_return_if_fail (args == NULL || JSON_NODE_HOLDS_OBJECT (args));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  request = g_new0 (ChorusRequest, 1);
  request->request_id = self->next_request_id++;
  request->udf_path = g_strdup (udf_path);
  request->args = chorus_value_dup_args (args);
  request->update = update;
  request->update_data = update_data;
  request->update_data_destroy = update_data_destroy;
  request->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (request->task, chorus_client_mutation);
  g_queue_push_tail (&self->requests, request);

  if (update != NULL && !apply_new_update (self, request))
    {
      g_autoptr(GPtrArray) finished = g_ptr_array_new ();

      g_queue_remove (&self->requests, request);
      g_ptr_array_add (finished, request);
      _chorus_client_finish_requests (self, finished);
      return;
    }

  send_request (self, request);
}

/**
 * chorus_client_mutation_finish:
 *
 * Returns: (transfer full) (nullable): the mutation's result as the
 *   server encoded it (a sealed node), or NULL with @error set
 */
JsonNode *
chorus_client_mutation_finish (ChorusClient  *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (CHORUS_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
_chorus_client_set_backoff (ChorusClient *self,
                            guint         client_initial_ms,
                            guint         server_initial_ms,
                            guint         max_ms)
{
  g_return_if_fail (CHORUS_IS_CLIENT (self));

  self->client_backoff_ms = client_initial_ms;
  self->server_backoff_ms = server_initial_ms;
  self->max_backoff_ms = max_ms;
}

void
_chorus_client_set_inactivity_timeout (ChorusClient *self,
                                       guint         timeout_ms)
{
  g_return_if_fail (CHORUS_IS_CLIENT (self));

  self->inactivity_ms = timeout_ms;
}
