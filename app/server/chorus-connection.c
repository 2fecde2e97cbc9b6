/* chorus-connection.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-connection"

#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "chorus-connection-private.h"
#include "chorus-json-check.h"
#include "chorus-protocol.h"

G_DEFINE_FINAL_TYPE (ChorusConnection, chorus_connection, G_TYPE_OBJECT)

enum {
  MUTATION_QUEUED,
  FLUSH_NEEDED,
  CLOSED,
  N_SIGNALS
};

static guint signals [N_SIGNALS];

static gboolean send_ping_cb (gpointer user_data);

static void
cancel_ping (ChorusConnection *self)
{
  if (self->ping_source == NULL)
    return;

  g_source_destroy (self->ping_source);
  g_clear_pointer (&self->ping_source, g_source_unref);
}

/* The size of the header of an unmasked server frame (RFC 6455 5.2). */
static gsize
frame_header_size (gsize length)
{
  if (length < 126)
    return 2;
  if (length <= G_MAXUINT16)
    return 4;
  return 10;
}

/* Returns the bytes the kernel has taken from this socket so far: those
 * the peer acknowledged plus those still in the send queue. Linux only. */
static guint64
kernel_sent_bytes (GSocket *socket)
{
  struct tcp_info info = { 0, };
  socklen_t length = sizeof info;
  int fd = g_socket_get_fd (socket);
  int queued = 0;

  if (getsockopt (fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0 ||
      ioctl (fd, SIOCOUTQ, &queued) != 0)
    return G_MAXUINT64;

  return info.tcpi_bytes_acked + (guint64) MAX (queued, 0);
}

/* Closes the connection of a client that reads too slowly. libsoup keeps
 * every frame it could not write yet in memory, so without this a client
 * that stops reading makes the server grow without bound. The estimate
 * leaves out the few hundred bytes of the HTTP upgrade response. */
static void
check_outbound (ChorusConnection *self)
{
  guint64 kernel;
  guint64 pending;

  if (self->socket == NULL || self->config->max_outbound_bytes == 0)
    return;

  /* The kernel's count only grows, so while the bytes queued since the
   * last reading stay within the limit, no new reading is needed. That
   * spares two system calls per frame and subscriber. */
  if (self->queued_bytes <= self->kernel_bytes + self->config->max_outbound_bytes)
    return;

  kernel = kernel_sent_bytes (self->socket);
  if (kernel != G_MAXUINT64)
    self->kernel_bytes = kernel;
  pending = kernel < self->queued_bytes ? self->queued_bytes - kernel : 0;
  if (kernel == G_MAXUINT64 || pending <= self->config->max_outbound_bytes)
    return;

  g_warning ("Closing the connection from %s: %" G_GUINT64_FORMAT " bytes wait to be sent, "
             "more than the limit of %" G_GSIZE_FORMAT, self->peer, pending,
             self->config->max_outbound_bytes);
  self->closing = TRUE;
  cancel_ping (self);
  g_socket_shutdown (self->socket, TRUE, TRUE, NULL);
}

/* Starts the ping timer on the thread-default main context, which is the
 * server's own context when it runs in a ChorusServerThread. */
static void
schedule_ping (ChorusConnection *self,
               guint             delay_ms)
{
  self->ping_source = g_timeout_source_new (delay_ms);
  g_source_set_callback (self->ping_source, send_ping_cb, self, NULL);
  g_source_attach (self->ping_source, g_main_context_get_thread_default ());
}

void
chorus_connection_send_text (ChorusConnection *self,
                             const char       *text,
                             gsize             length)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, length);

  chorus_connection_send_bytes (self, bytes);
}

/* Sends @bytes as one text frame. libsoup copies them into the frame, so
 * the same bytes can go to every subscriber. */
void
chorus_connection_send_bytes (ChorusConnection *self,
                              GBytes           *bytes)
{
  gsize length = g_bytes_get_size (bytes);

  if (self->closing || soup_websocket_connection_get_state (self->ws) != SOUP_WEBSOCKET_STATE_OPEN)
    return;

  soup_websocket_connection_send_message (self->ws, SOUP_WEBSOCKET_DATA_TEXT, bytes);
  self->queued_bytes += length + frame_header_size (length);

  /* One timer per connection, moved on when it fires, costs less than a
   * new timer for every frame sent to every subscriber. */
  self->last_send_time = g_get_monotonic_time ();
  if (self->ping_source == NULL && self->config->ping_interval_ms > 0)
    schedule_ping (self, self->config->ping_interval_ms);

  check_outbound (self);
}

void
chorus_connection_send_frame (ChorusConnection *self,
                              JsonObject       *frame)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), frame);
  gsize length = 0;
  g_autofree char *text = json_to_string (node, FALSE);

  length = strlen (text);
  chorus_connection_send_text (self, text, length);
}

/* Sends a Ping once the connection has sent nothing for the ping
 * interval. The official client gives up on a server after 60 s of
 * silence. */
static gboolean
send_ping_cb (gpointer user_data)
{
  ChorusConnection *self = CHORUS_CONNECTION (user_data);
  static const char ping[] = "{\"type\":\"Ping\"}";
  gint64 interval_us = (gint64) self->config->ping_interval_ms * 1000;
  gint64 idle_us = g_get_monotonic_time () - self->last_send_time;

  g_clear_pointer (&self->ping_source, g_source_unref);
  if (interval_us == 0)
    return G_SOURCE_REMOVE;

  if (idle_us < interval_us)
    schedule_ping (self, (interval_us - idle_us + 999) / 1000);
  else
    chorus_connection_send_text (self, ping, strlen (ping));

  return G_SOURCE_REMOVE;
}

/* Fails with "Unauthenticated" when the server uses tokens and this
 * connection has not authenticated. */
gboolean
chorus_connection_check_authenticated (ChorusConnection  *self,
                                       GError           **error)
{
  if (self->config->tokens == NULL || self->user != NULL)
    return TRUE;

  g_set_error (error, CHORUS_FUNCTION_ERROR, CHORUS_FUNCTION_ERROR_UNAUTHENTICATED,
               "Unauthenticated: this server requires an Authenticate message "
               "with a User token first");
  return FALSE;
}

/* Fails when the frame being handled contains a NUL character in a string,
 * naming the member that contains it. */
gboolean
chorus_connection_check_nul (ChorusConnection  *self,
                             GError           **error)
{
  if (self->nul_field == NULL)
    return TRUE;

  g_set_error (error, CHORUS_FUNCTION_ERROR, CHORUS_FUNCTION_ERROR_INVALID_ARGUMENT,
               "Invalid argument '%s': must not contain NUL characters (U+0000)",
               self->nul_field);
  return FALSE;
}

static void
send_auth_error (ChorusConnection *self,
                 const char       *message,
                 guint32           base_version)
{
  g_autoptr(JsonObject) response = json_object_new ();

  json_object_set_string_member (response, "type", "AuthError");
  json_object_set_string_member (response, "error", message);
  json_object_set_int_member (response, "baseVersion", base_version);
  json_object_set_boolean_member (response, "authUpdateAttempted", TRUE);
  chorus_connection_send_frame (self, response);
}

/* Moves the identity on and sends a Transition that confirms it, with
 * the queries whose results changed for the new identity. */
static void
change_identity (ChorusConnection *self,
                 const char       *user)
{
  g_autoptr(GPtrArray) modifications = chorus_modifications_new ();

  g_free (self->user);
  self->user = g_strdup (user);
  self->identity++;

  chorus_connection_refresh_all (self, modifications);
  chorus_connection_send_transition (self, modifications, NULL);
}

/* Checks a User token against the token file. A rejected token gets an
 * AuthError, and the connection closes afterwards as with Convex. */
static gboolean
handle_authenticate (ChorusConnection  *self,
                     JsonObject        *frame,
                     GError           **error)
{
  const char *token_type, *value, *user = NULL;
  guint32 base_version;

  if (!chorus_protocol_get_string (frame, "tokenType", TRUE, &token_type, error) ||
      !chorus_protocol_get_string (frame, "value", FALSE, &value, error) ||
      !chorus_protocol_get_u32 (frame, "baseVersion", &base_version, error))
    return FALSE;

  if (base_version != self->identity)
    {
      g_set_error (error, CHORUS_PROTOCOL_ERROR, 0,
                   "Authenticate from identity version %u does not apply to version %u",
                   base_version, self->identity);
      return FALSE;
    }

  if (g_str_equal (token_type, "None"))
    {
      change_identity (self, NULL);
      return TRUE;
    }

  if (g_str_equal (token_type, "User") && value != NULL && self->config->tokens != NULL)
    user = chorus_tokens_lookup (self->config->tokens, value);

  if (user == NULL)
    {
      const char *message = self->config->tokens == NULL
                            ? "This server does not use tokens" : "Invalid token";

      send_auth_error (self, message, base_version);
      g_set_error (error, CHORUS_PROTOCOL_ERROR, 0, "Authentication failed: %s", message);
      return FALSE;
    }

  g_message ("Client from %s authenticated as %s", self->peer, user);
  change_identity (self, user);
  return TRUE;
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
      g_set_error (error, CHORUS_PROTOCOL_ERROR, 0, "Field 'maxObservedTimestamp' is not an EncodedTS");
      return FALSE;
    }

  /* A client that has seen a later timestamp than ours talked to another
   * database, or to this one before its timestamps went backwards. */
  if (max_observed > chorus_db_get_last_ts (self->db))
    {
      g_set_error (error, CHORUS_PROTOCOL_ERROR, 0,
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

      g_set_error (error, CHORUS_PROTOCOL_ERROR, 0, "Expected Connect once, as the first message");
      return FALSE;
    }

  if (self->n_pending > 0 && !g_str_equal (type, "Mutation"))
    g_signal_emit (self, signals[FLUSH_NEEDED], 0);

  if (g_str_equal (type, "ModifyQuerySet"))
    return chorus_connection_modify_query_set (self, frame, error);
  if (g_str_equal (type, "Mutation"))
    return chorus_connection_handle_mutation (self, frame, error);
  if (g_str_equal (type, "Action"))
    return chorus_connection_handle_action (self, frame, error);
  if (g_str_equal (type, "Authenticate"))
    return handle_authenticate (self, frame, error);
  if (g_str_equal (type, "Event"))
    return TRUE;

  g_set_error (error, CHORUS_PROTOCOL_ERROR, 0, "Unknown message type '%s'", type);
  return FALSE;
}

/* Only Mutation and ModifyQuerySet frames may carry a NUL character:
 * their handlers fail the one mutation or query that has it. */
static gboolean
check_frame_nul (ChorusConnection  *self,
                 const char        *type,
                 GError           **error)
{
  if (self->nul_field == NULL ||
      g_str_equal (type, "Mutation") || g_str_equal (type, "ModifyQuerySet"))
    return TRUE;

  g_set_error (error, CHORUS_PROTOCOL_ERROR, 0,
               "Field '%s' must not contain NUL characters (U+0000)", self->nul_field);
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
      g_set_error (error, CHORUS_PROTOCOL_ERROR, 0, "Binary frames are not supported");
      return FALSE;
    }

  /* json-glib is lenient and recurses without a limit, so the text has
   * to pass the strict check first. */
  if (!chorus_json_check (data, size, error))
    return FALSE;

  if (!json_parser_load_from_data (parser, data, size, &parse_error))
    {
      g_set_error (error, CHORUS_PROTOCOL_ERROR, 0, "Invalid JSON: %s", parse_error->message);
      return FALSE;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, CHORUS_PROTOCOL_ERROR, 0, "A message must be a JSON object");
      return FALSE;
    }

  if (!chorus_protocol_get_string (json_node_get_object (root), "type", TRUE, &type, error))
    return FALSE;

  g_clear_pointer (&self->nul_field, g_free);
  self->nul_field = chorus_protocol_find_nul (data, size);
  if (!check_frame_nul (self, type, error))
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

  g_clear_pointer (&self->nul_field, g_free);
}

static void
closed_cb (SoupWebsocketConnection *ws,
           gpointer                 user_data)
{
  ChorusConnection *self = CHORUS_CONNECTION (user_data);

  self->closing = TRUE;
  cancel_ping (self);
  g_signal_emit (self, signals[CLOSED], 0);
}

/* Closes the socket with @code and @reason, which is made valid UTF-8
 * and cut to the 123 bytes a Close frame allows. */
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
  cancel_ping (self);

  text = chorus_protocol_dup_close_reason (reason);
  if (soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->ws, code, text);
}

const char *
chorus_connection_get_peer (ChorusConnection *self)
{
  g_return_val_if_fail (CHORUS_IS_CONNECTION (self), NULL);

  return self->peer;
}

/* @socket is the connection's TCP socket, used to measure how much of the
 * output the client has read; NULL turns that limit off. */
ChorusConnection *
chorus_connection_new (SoupWebsocketConnection      *ws,
                       GSocket                      *socket,
                       ChorusDb                     *db,
                       const ChorusConnectionConfig *config,
                       const char                   *peer)
{
  ChorusConnection *self;

  g_return_val_if_fail (SOUP_IS_WEBSOCKET_CONNECTION (ws), NULL);
  g_return_val_if_fail (socket == NULL || G_IS_SOCKET (socket), NULL);
  g_return_val_if_fail (db != NULL, NULL);
  g_return_val_if_fail (config != NULL, NULL);

  self = g_object_new (CHORUS_TYPE_CONNECTION, NULL);
  self->ws = g_object_ref (ws);
  self->socket = socket ? g_object_ref (socket) : NULL;
  self->db = db;
  self->config = config;
  self->peer = g_strdup (peer ? peer : "unknown peer");
  self->mutation_tokens = config->mutation_burst;
  self->mutation_refill_time = g_get_monotonic_time ();

  /* Setting it explicitly bounds the memory one peer can make us
   * allocate, whatever default the libsoup version has. */
  soup_websocket_connection_set_max_incoming_payload_size (ws, config->max_incoming_bytes);
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

  cancel_ping (self);
  g_clear_object (&self->ws);
  g_clear_object (&self->socket);
  self->db = NULL;
  self->config = NULL;

  G_OBJECT_CLASS (chorus_connection_parent_class)->dispose (object);
}

static void
chorus_connection_finalize (GObject *object)
{
  ChorusConnection *self = CHORUS_CONNECTION (object);

  g_clear_pointer (&self->queries, g_hash_table_unref);
  g_free (self->peer);
  g_free (self->session_id);
  g_free (self->user);
  g_free (self->nul_field);

  G_OBJECT_CLASS (chorus_connection_parent_class)->finalize (object);
}

static void
chorus_connection_class_init (ChorusConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chorus_connection_dispose;
  object_class->finalize = chorus_connection_finalize;

  /**
   * ChorusConnection::mutation-queued:
   * @pending: (transfer full): a ChorusPendingMutation
   *
   * Emitted for each Mutation that waits for a commit. The handler takes
   * @pending, runs it with chorus_connection_run_mutation() in a group
   * transaction, commits, then calls chorus_connection_finish_mutation()
   * and refreshes every connection with chorus_connection_refresh(), in
   * the order the mutations were queued.
   */
  signals[MUTATION_QUEUED] = g_signal_new ("mutation-queued", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 1, G_TYPE_POINTER);

  /**
   * ChorusConnection::flush-needed:
   *
   * Emitted before a frame other than a Mutation is handled while
   * mutations of this connection wait. The handler has to commit them
   * and send their responses first, so that frames take effect in the
   * order they arrived.
   */
  signals[FLUSH_NEEDED] = g_signal_new ("flush-needed", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 0);

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
  self->queries = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) chorus_query_free);
}
