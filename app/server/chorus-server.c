/* chorus-server.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-server"

#include <netinet/in.h>
#include <sys/socket.h>

#include <libsoup/soup.h>

#include "chorus-connection.h"
#include "chorus-db.h"
#include "chorus-server.h"

struct _ChorusServer
{
  GObject parent_instance;

  /* Owned references */
  ChorusDb *db;
  SoupServer *soup;
  GPtrArray *connections;
  ChorusConnectionConfig config;

  /* ChorusPendingMutations in arrival order, and the source that commits
   * them. */
  GQueue pending;
  GSource *flush_source;
  guint commit_delay_ms;
  guint n_group_commits;

  guint port;
};

/* The server sends a Ping after this long without any outgoing frame. */
#define DEFAULT_PING_INTERVAL_MS 15000

/* The largest frame a client may send. A chat Mutation is at most a few
 * tens of KiB (a 4000-character body, escaped), and a ModifyQuerySet that
 * re-adds every subscription after a reconnect stays far below this. */
#define DEFAULT_MAX_INCOMING_BYTES (1024 * 1024)

/* A client that falls this far behind is disconnected. That is 800
 * Transitions of a full messages:list (100 messages of 200 bytes). */
#define DEFAULT_MAX_OUTBOUND_BYTES (16 * 1024 * 1024)

/* Chat is typed by people: 100 mutations a second with bursts of 500 (a
 * reconnect re-sends every pending message at once) leave room for any
 * person and for scripted tests, and still stop a runaway client. */
#define DEFAULT_MUTATION_RATE 100.0
#define DEFAULT_MUTATION_BURST 500.0

/* Transitions longer than this go out as TransitionChunk frames. */
#define DEFAULT_CHUNK_SIZE (512 * 1024)

G_DEFINE_FINAL_TYPE (ChorusServer, chorus_server, G_TYPE_OBJECT)

G_DEFINE_QUARK (chorus-server-error-quark, chorus_server_error)

enum {
  CONNECTION_OPENED,
  CONNECTION_CLOSED,
  N_SIGNALS
};

static guint signals [N_SIGNALS];

/* Matches /api/<any version>/sync. The official client keeps a trailing
 * slash of its base URL, so leading slashes are skipped. */
static gboolean
is_sync_path (const char *path)
{
  g_auto(GStrv) parts = NULL;

  while (*path == '/')
    path++;

  parts = g_strsplit (path, "/", -1);
  return g_strv_length (parts) == 3 &&
         g_str_equal (parts[0], "api") &&
         parts[1][0] != '\0' &&
         g_str_equal (parts[2], "sync");
}

static void
early_handler_cb (SoupServer        *soup,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  if (!is_sync_path (path))
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

/* Refreshes every connection after a group commit, those with a
 * mutation in the group first and always, so each learns that its
 * mutations are reflected. Each query runs once per group, however many
 * connections subscribe to it. */
static void
refresh_connections (ChorusServer *self,
                     GHashTable   *writes,
                     GHashTable   *origins)
{
  ChorusRefreshCache *cache = self->config.results;
  g_autoptr(GPtrArray) connections = NULL;
  GHashTableIter iter;
  gpointer origin;

  chorus_refresh_cache_renew (cache, chorus_db_get_last_ts (self->db));

  /* Refreshing a connection can close it, which edits the list. */
  connections = g_ptr_array_new_full (self->connections->len, g_object_unref);
  for (guint i = 0; i < self->connections->len; i++)
    g_ptr_array_add (connections, g_object_ref (self->connections->pdata[i]));

  g_hash_table_iter_init (&iter, origins);
  while (g_hash_table_iter_next (&iter, &origin, NULL))
    chorus_connection_refresh (origin, writes, cache, TRUE);

  for (guint i = 0; i < connections->len; i++)
    {
      if (!g_hash_table_contains (origins, connections->pdata[i]))
        chorus_connection_refresh (connections->pdata[i], writes, cache, FALSE);
    }
}

/* Fails every mutation of @group that ran so far, because the group's
 * transaction was rolled back or did not commit. */
static void
fail_group (GPtrArray    *group,
            guint         end,
            const GError *error)
{
  for (guint i = 0; i < end; i++)
    chorus_pending_mutation_fail (group->pdata[i], error);
}

/* Runs each mutation of @group in a savepoint of one transaction, so one
 * fsync covers all of them. When SQLite rolls back the whole transaction
 * instead of one savepoint, the mutations before fail and the rest start
 * a new transaction. */
static void
commit_group (ChorusServer *self,
              GPtrArray    *group)
{
  g_autoptr(GError) error = NULL;
  guint start = 0;

  for (guint i = 0; i < group->len; i++)
    {
      if (!chorus_db_in_transaction (self->db) && !chorus_db_begin_group (self->db, &error))
        {
          g_warning ("Could not start a transaction for %u mutations: %s",
                     group->len - i, error->message);
          fail_group (group, group->len, error);
          return;
        }

      chorus_connection_run_mutation (group->pdata[i]);
      if (!chorus_db_in_transaction (self->db))
        {
          g_set_error (&error, CHORUS_SERVER_ERROR, CHORUS_SERVER_ERROR_DATABASE,
                       "The transaction of a group of mutations was rolled back");
          fail_group (group, i, error);
          g_clear_error (&error);
          start = i + 1;
        }
    }

  self->n_group_commits++;
  if (chorus_db_in_transaction (self->db) && !chorus_db_commit (self->db, &error))
    {
      g_warning ("Could not commit %u mutations: %s", group->len - start, error->message);
      chorus_db_rollback (self->db);
      fail_group (group, group->len, error);
    }
}

/* Commits every queued mutation, sends their responses in arrival order,
 * then refreshes the connections once for all of their writes. */
static void
flush_mutations (ChorusServer *self)
{
  g_autoptr(GPtrArray) group = g_ptr_array_new_with_free_func ((GDestroyNotify) chorus_pending_mutation_free);
  g_autoptr(GHashTable) writes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) origins = g_hash_table_new (NULL, NULL);
  ChorusPendingMutation *pending;

  if (self->flush_source != NULL)
    {
      g_source_destroy (self->flush_source);
      g_clear_pointer (&self->flush_source, g_source_unref);
    }

  while ((pending = g_queue_pop_head (&self->pending)))
    g_ptr_array_add (group, pending);
  if (group->len == 0)
    return;

  commit_group (self, group);
  for (guint i = 0; i < group->len; i++)
    {
      GHashTableIter iter;
      gpointer key;

      pending = group->pdata[i];
      chorus_connection_finish_mutation (pending);
      if (chorus_pending_mutation_succeeded (pending))
        g_hash_table_add (origins, chorus_pending_mutation_get_connection (pending));

      g_hash_table_iter_init (&iter, chorus_pending_mutation_get_writes (pending));
      while (g_hash_table_iter_next (&iter, &key, NULL))
        g_hash_table_add (writes, key);
    }

  refresh_connections (self, writes, origins);
}

static gboolean
flush_cb (gpointer user_data)
{
  flush_mutations (CHORUS_SERVER (user_data));
  return G_SOURCE_REMOVE;
}

/* Queues a mutation for the next group commit. Without a commit delay it
 * runs once the main loop has dispatched the other frames that are ready
 * at the same priority, so mutations that arrive together share a
 * commit. */
static void
mutation_queued_cb (ChorusConnection      *connection,
                    ChorusPendingMutation *pending,
                    gpointer               user_data)
{
  ChorusServer *self = CHORUS_SERVER (user_data);

  g_queue_push_tail (&self->pending, pending);
  if (self->flush_source != NULL)
    return;

  if (self->commit_delay_ms > 0)
    self->flush_source = g_timeout_source_new (self->commit_delay_ms);
  else
    self->flush_source = g_idle_source_new ();

  g_source_set_priority (self->flush_source, G_PRIORITY_DEFAULT);
  g_source_set_callback (self->flush_source, flush_cb, self, NULL);
  g_source_attach (self->flush_source, g_main_context_get_thread_default ());
}

static void
flush_needed_cb (ChorusConnection *connection,
                 gpointer          user_data)
{
  flush_mutations (CHORUS_SERVER (user_data));
}

static void
connection_closed_cb (ChorusConnection *connection,
                      gpointer          user_data)
{
  ChorusServer *self = CHORUS_SERVER (user_data);
  g_autoptr(ChorusConnection) hold = g_object_ref (connection);

  g_signal_emit (self, signals[CONNECTION_CLOSED], 0, chorus_connection_get_peer (connection));
  g_signal_handlers_disconnect_by_data (connection, self);
  g_ptr_array_remove (self->connections, connection);
}

static void
websocket_cb (SoupServer              *soup,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *ws,
              gpointer                 user_data)
{
  ChorusServer *self = CHORUS_SERVER (user_data);
  ChorusConnection *connection;

  if (self->db == NULL)
    {
      soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "Server shutting down");
      return;
    }

  connection = chorus_connection_new (ws, soup_server_message_get_socket (msg), self->db,
                                      &self->config, soup_server_message_get_remote_host (msg));
  g_signal_connect (connection, "mutation-queued", G_CALLBACK (mutation_queued_cb), self);
  g_signal_connect (connection, "flush-needed", G_CALLBACK (flush_needed_cb), self);
  g_signal_connect (connection, "closed", G_CALLBACK (connection_closed_cb), self);
  g_ptr_array_add (self->connections, connection);

  g_signal_emit (self, signals[CONNECTION_OPENED], 0, chorus_connection_get_peer (connection));
}

ChorusServer *
chorus_server_new (const char  *database_path,
                   GError     **error)
{
  g_autoptr(ChorusServer) self = NULL;
  g_autoptr(ChorusDb) db = NULL;

  g_return_val_if_fail (database_path != NULL, NULL);

  if (!(db = chorus_db_open (database_path, error)))
    return NULL;

  self = g_object_new (CHORUS_TYPE_SERVER, NULL);
  self->db = g_steal_pointer (&db);
  self->soup = soup_server_new ("server-header", "chorus-server", NULL);
  soup_server_add_early_handler (self->soup, NULL, early_handler_cb, NULL, NULL);
  soup_server_add_websocket_handler (self->soup, NULL, NULL, NULL, websocket_cb, self, NULL);

  return g_steal_pointer (&self);
}

static guint
read_listener_port (ChorusServer *self)
{
  GSList *listeners = soup_server_get_listeners (self->soup);
  g_autoptr(GSocketAddress) address = NULL;
  guint port = 0;

  if (listeners != NULL)
    address = g_socket_get_local_address (listeners->data, NULL);
  if (G_IS_INET_SOCKET_ADDRESS (address))
    port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));

  g_slist_free (listeners);
  return port;
}

/* Returns a socket that listens on @address with the system's largest
 * backlog. libsoup's own listening socket keeps GSocket's default of 10
 * pending connections, so when many clients connect at once, as after a
 * restart, the kernel drops their SYNs and they retry only after 1, 3,
 * 7 seconds and longer. */
static GSocket *
listen_socket_new (GSocketAddress  *address,
                   GError         **error)
{
  g_autoptr(GSocket) socket = NULL;

  socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_DEFAULT, error);
  if (socket == NULL)
    return NULL;

  if (g_socket_address_get_family (address) == G_SOCKET_FAMILY_IPV6 &&
      !g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, error))
    return NULL;

  g_socket_set_listen_backlog (socket, SOMAXCONN);
  if (!g_socket_bind (socket, address, TRUE, error) || !g_socket_listen (socket, error))
    return NULL;

  return g_steal_pointer (&socket);
}

/*
 * Listens on @address (NULL means 127.0.0.1) and @port (0 picks a free
 * one, which chorus_server_get_port() then returns).
 */
gboolean
chorus_server_listen (ChorusServer  *self,
                      const char    *address,
                      guint          port,
                      GError       **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (CHORUS_IS_SERVER (self), FALSE);
  g_return_val_if_fail (port <= G_MAXUINT16, FALSE);
  g_return_val_if_fail (self->db != NULL, FALSE);

  if (address == NULL)
    address = "127.0.0.1";

  if (!(inet = g_inet_address_new_from_string (address)))
    {
      g_set_error (error, CHORUS_SERVER_ERROR, CHORUS_SERVER_ERROR_LISTEN,
                   "Invalid listen address '%s': expected an IPv4 or IPv6 address", address);
      return FALSE;
    }

  socket_address = g_inet_socket_address_new (inet, port);
  if (!(socket = listen_socket_new (socket_address, &local_error)) ||
      !soup_server_listen_socket (self->soup, socket, 0, &local_error))
    {
      g_set_error (error, CHORUS_SERVER_ERROR, CHORUS_SERVER_ERROR_LISTEN,
                   "Could not listen on %s port %u: %s", address, port, local_error->message);
      return FALSE;
    }

  self->port = read_listener_port (self);
  return TRUE;
}

/* Requires clients to authenticate with one of @tokens, and takes the
 * author of their messages from it. NULL turns authentication off. */
void
chorus_server_set_tokens (ChorusServer *self,
                          ChorusTokens *tokens)
{
  g_return_if_fail (CHORUS_IS_SERVER (self));

  g_clear_pointer (&self->config.tokens, chorus_tokens_unref);
  self->config.tokens = tokens ? chorus_tokens_ref (tokens) : NULL;
}

/* Sets the idle time after which a connection sends a Ping (0: never). */
void
chorus_server_set_ping_interval (ChorusServer *self,
                                 guint         milliseconds)
{
  g_return_if_fail (CHORUS_IS_SERVER (self));

  self->config.ping_interval_ms = milliseconds;
}

/*
 * Sets the per-connection limits: @max_outbound_bytes queued for a slow
 * reader before it is disconnected (0: no limit), @mutation_rate mutations
 * a second in bursts of @mutation_burst (a rate of 0: no limit), and
 * @chunk_size, above which a Transition is sent as TransitionChunks (0:
 * never).
 */
void
chorus_server_set_limits (ChorusServer *self,
                          gsize         max_outbound_bytes,
                          double        mutation_rate,
                          double        mutation_burst,
                          gsize         chunk_size)
{
  g_return_if_fail (CHORUS_IS_SERVER (self));

  self->config.max_outbound_bytes = max_outbound_bytes;
  self->config.mutation_rate = mutation_rate;
  self->config.mutation_burst = MAX (mutation_burst, 1);
  self->config.chunk_size = chunk_size;
}

/* Sets how long the first mutation of a group waits for others before
 * they commit together (0: only those that arrived with it). A delay
 * trades latency for fewer fsyncs. */
void
chorus_server_set_commit_delay (ChorusServer *self,
                                guint         milliseconds)
{
  g_return_if_fail (CHORUS_IS_SERVER (self));

  self->commit_delay_ms = milliseconds;
}

/* Returns how many transactions committed groups of mutations so far. */
guint
chorus_server_get_n_group_commits (ChorusServer *self)
{
  g_return_val_if_fail (CHORUS_IS_SERVER (self), 0);

  return self->n_group_commits;
}

guint
chorus_server_get_n_connections (ChorusServer *self)
{
  g_return_val_if_fail (CHORUS_IS_SERVER (self), 0);

  return self->connections->len;
}

guint
chorus_server_get_port (ChorusServer *self)
{
  g_return_val_if_fail (CHORUS_IS_SERVER (self), 0);

  return self->port;
}

/* Commits the mutations that wait, then closes every connection and the
 * listening sockets, then the database. The server cannot listen again
 * afterwards. */
void
chorus_server_shutdown (ChorusServer *self)
{
  g_return_if_fail (CHORUS_IS_SERVER (self));

  if (self->db != NULL)
    flush_mutations (self);

  for (guint i = 0; i < self->connections->len; i++)
    g_signal_handlers_disconnect_by_data (self->connections->pdata[i], self);
  g_ptr_array_set_size (self->connections, 0);

  if (self->soup != NULL)
    soup_server_disconnect (self->soup);

  g_clear_pointer (&self->db, chorus_db_free);
}

static void
chorus_server_dispose (GObject *object)
{
  ChorusServer *self = CHORUS_SERVER (object);

  chorus_server_shutdown (self);
  g_clear_object (&self->soup);

  G_OBJECT_CLASS (chorus_server_parent_class)->dispose (object);
}

static void
chorus_server_finalize (GObject *object)
{
  ChorusServer *self = CHORUS_SERVER (object);

  g_clear_pointer (&self->connections, g_ptr_array_unref);
  g_queue_clear_full (&self->pending, (GDestroyNotify) chorus_pending_mutation_free);
  g_clear_pointer (&self->config.tokens, chorus_tokens_unref);
  g_clear_pointer (&self->config.results, chorus_refresh_cache_free);

  G_OBJECT_CLASS (chorus_server_parent_class)->finalize (object);
}

static void
chorus_server_class_init (ChorusServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chorus_server_dispose;
  object_class->finalize = chorus_server_finalize;

  /**
   * ChorusServer::connection-opened:
   * @peer: the client's address
   *
   * Emitted when a client has opened a sync WebSocket.
   */
  signals[CONNECTION_OPENED] = g_signal_new ("connection-opened", G_TYPE_FROM_CLASS (klass),
                                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                             G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * ChorusServer::connection-closed:
   * @peer: the client's address
   *
   * Emitted when a client's sync WebSocket has closed.
   */
  signals[CONNECTION_CLOSED] = g_signal_new ("connection-closed", G_TYPE_FROM_CLASS (klass),
                                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                             G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
chorus_server_init (ChorusServer *self)
{
  self->connections = g_ptr_array_new_with_free_func (g_object_unref);
  g_queue_init (&self->pending);
  self->config.ping_interval_ms = DEFAULT_PING_INTERVAL_MS;
  self->config.max_incoming_bytes = DEFAULT_MAX_INCOMING_BYTES;
  self->config.max_outbound_bytes = DEFAULT_MAX_OUTBOUND_BYTES;
  self->config.mutation_rate = DEFAULT_MUTATION_RATE;
  self->config.mutation_burst = DEFAULT_MUTATION_BURST;
  self->config.chunk_size = DEFAULT_CHUNK_SIZE;
  self->config.results = chorus_refresh_cache_new ();
}
