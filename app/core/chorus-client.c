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

enum {
  PROP_0,
  PROP_CONNECTION_STATE,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (ChorusClient, chorus_client, G_TYPE_OBJECT)
/* The extra data of a CHORUS_CLIENT_ERROR: the server's errorData. */
typedef struct
{
  JsonNode *data;  /* sealed, or NULL */
} ChorusClientErrorPrivate;

static void
chorus_client_error_private_init (ChorusClientErrorPrivate *priv)
{
  priv->data = NULL;
}

static void
chorus_client_error_private_copy (const ChorusClientErrorPrivate *src,
                                  ChorusClientErrorPrivate       *dest)
{
  dest->data = src->data ? json_node_ref (src->data) : NULL;
}

static void
chorus_client_error_private_clear (ChorusClientErrorPrivate *priv)
{
  g_clear_pointer (&priv->data, json_node_unref);
}

G_DEFINE_EXTENDED_ERROR (ChorusClientError, chorus_client_error)

/**
 * chorus_client_error_get_data:
 * @error: a #GError
 *
 * Looks up the errorData that the server sent with a failed query,
 * mutation or action, the value a Convex function passed to ConvexError.
 *
 * Returns: (transfer none) (nullable): the sealed errorData, or NULL when
 *   @error is not a %CHORUS_CLIENT_ERROR or came without errorData
 */
JsonNode *
chorus_client_error_get_data (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain != CHORUS_CLIENT_ERROR)
    return NULL;

  return chorus_client_error_get_private (error)->data;
}

/* Attaches @data, which is sealed on the way, to @error. */
void
_chorus_client_error_set_data (GError   *error,
                               JsonNode *data)
{
  ChorusClientErrorPrivate *priv;

  g_return_if_fail (error != NULL && error->domain == CHORUS_CLIENT_ERROR);

  priv = chorus_client_error_get_private (error);
  g_clear_pointer (&priv->data, json_node_unref);
  priv->data = chorus_value_dup_sealed (data);
}
G_DEFINE_ENUM_TYPE (ChorusConnectionState, chorus_connection_state,
  G_DEFINE_ENUM_VALUE (CHORUS_CONNECTION_DISCONNECTED, "disconnected"),
  G_DEFINE_ENUM_VALUE (CHORUS_CONNECTION_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (CHORUS_CONNECTION_CONNECTED, "connected"))

enum {
  AUTH_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties [N_PROPS];
static guint signals [N_SIGNALS];

static void
query_free (ChorusQuery *query)
{
  g_ref_string_release (query->token);
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
  g_clear_pointer (&request->memo, _chorus_update_memo_unref);
  g_clear_error (&request->error);
  g_clear_object (&request->task);
  g_free (request);
}

void
_chorus_client_set_state (ChorusClient          *self,
                          ChorusConnectionState  state)
{
  g_assert (CHORUS_IS_CLIENT (self));

  if (self->state == state)
    return;

  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_CONNECTION_STATE]);
}

/* Fails every pending request with @code and @message, and drops the
 * optimistic updates. */
static void
fail_all_requests (ChorusClient *self,
                   int           code,
                   const char   *message)
{
  g_autoptr(GPtrArray) finished = g_ptr_array_new ();
  ChorusRequest *request;

  if (g_queue_is_empty (&self->requests))
    return;

  while ((request = g_queue_pop_head (&self->requests)))
    {
      request->error = g_error_new_literal (CHORUS_CLIENT_ERROR, code, message);
      g_ptr_array_add (finished, request);
    }

  _chorus_client_recompute (self, finished);
  _chorus_client_notify_changes (self);
  _chorus_client_finish_requests (self, finished);
}

/* Stops the client for good after a FatalError from the server. Unlike
 * the convex npm client, which leaves them pending for ever, the pending
 * requests fail with %CHORUS_CLIENT_ERROR_FATAL. */
void
_chorus_client_terminate (ChorusClient *self,
                          const char   *message)
{
  g_autofree char *text = NULL;

  g_assert (CHORUS_IS_CLIENT (self));

  self->terminated = TRUE;
  _chorus_client_clear_timers (self);
  _chorus_client_close_socket (self, NULL);

  text = g_strdup_printf ("The server ended the session with a fatal error: %s", message);
  fail_all_requests (self, CHORUS_CLIENT_ERROR_FATAL, text);
}

static void
chorus_client_dispose (GObject *object)
{
  ChorusClient *self = (ChorusClient *)object;

  self->started = FALSE;
  _chorus_client_clear_timers (self);

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

  /* Each pending request's GTask references the client, so none is left here. */
  g_assert (g_queue_is_empty (&self->requests));

  g_clear_pointer (&self->queries_by_id, g_hash_table_unref);
  g_clear_pointer (&self->unsynced_queries, g_hash_table_unref);
  g_clear_pointer (&self->queries, g_hash_table_unref);
  g_clear_pointer (&self->sorted_queries, g_ptr_array_unref);
  _chorus_client_forget_server_view (self);
  g_clear_pointer (&self->server_results, g_hash_table_unref);
  g_clear_pointer (&self->view, _chorus_local_store_free);
  g_clear_pointer (&self->server_view, _chorus_local_store_free);
  g_clear_pointer (&self->last_server_view, g_ptr_array_unref);
  g_clear_pointer (&self->ran_memos, g_ptr_array_unref);
  g_clear_pointer (&self->unnotified, g_hash_table_unref);
  g_clear_pointer (&self->json_cache, chorus_json_cache_free);
  g_clear_pointer (&self->chunks, g_ptr_array_unref);
  g_clear_pointer (&self->chunk_transition_id, g_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  _chorus_client_clear_token_provider (self);
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
      g_value_set_enum (value, chorus_client_get_connection_state (self));
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
   * The state of the socket to the server.
   */
  properties [PROP_CONNECTION_STATE] =
    g_param_spec_enum ("connection-state", NULL, NULL,
                       CHORUS_TYPE_CONNECTION_STATE,
                       CHORUS_CONNECTION_DISCONNECTED,
                       (G_PARAM_READABLE |
                        G_PARAM_EXPLICIT_NOTIFY |
                        G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ChorusClient::auth-changed:
   * @authenticated: whether the server accepted the token
   *
   * Emitted when the server confirms a token, and when the client gives up
   * on a rejected token and goes on without one.
   */
  signals [AUTH_CHANGED] =
    g_signal_new ("auth-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
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
  self->unsynced_queries = g_hash_table_new (NULL, NULL);
  self->server_results = g_hash_table_new_full (NULL, NULL, NULL,
                                                (GDestroyNotify) _chorus_client_server_result_free);
  self->view = _chorus_local_store_new ();
  self->ran_memos = g_ptr_array_new_with_free_func ((GDestroyNotify) _chorus_update_memo_unref);
  self->json_cache = chorus_json_cache_new ();
  self->unnotified = _chorus_token_table_new ();
  g_queue_init (&self->requests);

  self->client_backoff_ms = CHORUS_CLIENT_BACKOFF_MS;
  self->server_backoff_ms = CHORUS_SERVER_BACKOFF_MS;
  self->max_backoff_ms = CHORUS_MAX_BACKOFF_MS;
  self->inactivity_ms = CHORUS_INACTIVITY_MS;
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

  _chorus_client_attach_transport (self);

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

  /* A trailing slash stays, as in the convex npm client. */
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
  _chorus_client_connect (self);
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
  _chorus_client_clear_timers (self);
  _chorus_client_close_socket (self, NULL);
  fail_all_requests (self, CHORUS_CLIENT_ERROR_STOPPED, "The client was stopped");
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
  /* Its writes are now in the view, so dropping it must undo them. */
  g_ptr_array_add (self->ran_memos, _chorus_update_memo_ref (request->memo));
  _chorus_update_memo_mark_writes (request->memo, self->unnotified);
  _chorus_client_notify_changes (self);

  return TRUE;
}

static ChorusRequest *
new_request (ChorusClient        *self,
             const char          *udf_path,
             JsonNode            *args,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  ChorusRequest *request = g_new0 (ChorusRequest, 1);

  request->request_id = self->next_request_id++;
  request->udf_path = g_strdup (udf_path);
  request->task = g_task_new (self, cancellable, callback, user_data);

  return request;
}

static void
finish_one (ChorusClient  *self,
            ChorusRequest *request)
{
  g_autoptr(GPtrArray) finished = g_ptr_array_new ();

  g_ptr_array_add (finished, request);
  _chorus_client_finish_requests (self, finished);
}

/* Checks that the frame for @request stays within the size the server
 * accepts, so a request that the server would close the socket over is
 * never sent. */
static gboolean
check_request_size (ChorusRequest  *request,
                    JsonNode       *args,
                    GError        **error)
{
  g_autofree char *text = chorus_value_to_canonical_string (args);
  /* The frame adds the type, requestId and udfPath around the arguments. */
  gsize size = strlen (text) + strlen (request->udf_path) + 80;

  if (size <= CHORUS_MAX_REQUEST_FRAME)
    return TRUE;

  g_set_error (error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_INVALID_VALUE,
               "the request is too big to send (about %" G_GSIZE_FORMAT " bytes, "
               "the limit is %u bytes)", size, CHORUS_MAX_REQUEST_FRAME);
  return FALSE;
}

/* Checks the caller's arguments before anything runs or is sent, and
 * fails @request with %CHORUS_CLIENT_ERROR_INVALID_VALUE if they are not
 * a valid Convex value. */
static gboolean
check_request_args (ChorusClient  *self,
                    ChorusRequest *request,
                    JsonNode      *args)
{
  g_autoptr(GError) error = NULL;

  if ((args == NULL || chorus_value_check (args, &error)) &&
      check_request_size (request, args, &error))
    {
      request->args = chorus_value_dup_args (args);
      return TRUE;
    }

  request->error = g_error_new (CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_INVALID_VALUE,
                                "Invalid arguments for %s: %s", request->udf_path, error->message);
  request->update_data_destroy = NULL;
  finish_one (self, request);

  return FALSE;
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

  request = new_request (self, udf_path, args, cancellable, callback, user_data);
  request->update = update;
  request->update_data = update_data;
  request->update_data_destroy = update_data_destroy;
  g_task_set_source_tag (request->task, chorus_client_mutation);

  if (!check_request_args (self, request, args))
    return;

  g_queue_push_tail (&self->requests, request);

  if (update != NULL && !apply_new_update (self, request))
    {
      g_queue_remove (&self->requests, request);
      if (self->view_outdated)
        _chorus_client_rebuild_view (self);
      finish_one (self, request);
      return;
    }

  _chorus_client_send_request (self, request);
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

/* Returns how many reconnects in a row have not yet synced again. */
guint
_chorus_client_get_retries (ChorusClient *self)
{
  g_return_val_if_fail (CHORUS_IS_CLIENT (self), 0);

  return self->retries;
}

void
_chorus_client_set_inactivity_timeout (ChorusClient *self,
                                       guint         timeout_ms)
{
  g_return_if_fail (CHORUS_IS_CLIENT (self));

  self->inactivity_ms = timeout_ms;
}

/**
 * chorus_client_action:
 * @udf_path: the action function, sent as written
 * @args: (nullable): the arguments object, NULL for {}
 * @cancellable: (nullable): a #GCancellable; cancelling only makes the
 *   result G_IO_ERROR_CANCELLED, the action itself still runs
 * @callback: called when the action completes
 * @user_data: data for @callback
 *
 * Runs an action on the server. It completes as soon as the server's
 * ActionResponse arrives. An action is sent once: if the socket closes
 * before the response, it fails with %CHORUS_CLIENT_ERROR_CONNECTION_LOST
 * when the next socket opens.
 */
void
chorus_client_action (ChorusClient        *self,
                      const char          *udf_path,
                      JsonNode            *args,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  ChorusRequest *request;

  g_return_if_fail (CHORUS_IS_CLIENT (self));
  g_return_if_fail (udf_path != NULL);
  g_return_if_fail (args == NULL || JSON_NODE_HOLDS_OBJECT (args));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  request = new_request (self, udf_path, args, cancellable, callback, user_data);
  request->is_action = TRUE;
  g_task_set_source_tag (request->task, chorus_client_action);

  if (!check_request_args (self, request, args))
    return;

  g_queue_push_tail (&self->requests, request);
  _chorus_client_send_request (self, request);
}

/**
 * chorus_client_action_finish:
 *
 * Returns: (transfer full) (nullable): the action's result as the server
 *   encoded it (a sealed node), or NULL with @error set
 */
JsonNode *
chorus_client_action_finish (ChorusClient  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (CHORUS_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
