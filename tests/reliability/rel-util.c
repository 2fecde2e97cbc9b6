/* rel-util.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "rel-util"

#include <json-glib/json-glib.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>

#include "rel-util.h"

/* How long a chorus-server child may take to accept connections. A
 * sanitizer build on a busy machine needs well under a second. */
#define SERVER_START_TIMEOUT_MS 15000

struct _RelScriptedServer
{
  SoupServer   *soup;
  guint         port;
  GPtrArray    *connections;  /* SoupWebsocketConnection */
  GPtrArray    *frames;       /* GPtrArray of char *, one per connection */
  RelFrameFunc  handler;
  gpointer      handler_data;
};

static void
scripted_message_cb (SoupWebsocketConnection *ws,
                     gint                     type,
                     GBytes                  *message,
                     gpointer                 user_data)
{
  RelScriptedServer *self = user_data;
  gsize size = 0;
  const char *data = g_bytes_get_data (message, &size);
  char *text = g_strndup (data, size);
  guint index = 0;

  g_ptr_array_find (self->connections, ws, &index);
  g_ptr_array_add (g_ptr_array_index (self->frames, index), text);

  if (self->handler != NULL)
    self->handler (self, ws, text, self->handler_data);
}

static void
scripted_websocket_cb (SoupServer              *server,
                       SoupServerMessage       *message,
                       const char              *path,
                       SoupWebsocketConnection *ws,
                       gpointer                 user_data)
{
  RelScriptedServer *self = user_data;

  /* The corpus has frames above libsoup's default limit of 128 KiB. */
  soup_websocket_connection_set_max_incoming_payload_size (ws, 64 * 1024 * 1024);
  g_ptr_array_add (self->connections, g_object_ref (ws));
  g_ptr_array_add (self->frames, g_ptr_array_new_with_free_func (g_free));
  g_signal_connect (ws, "message", G_CALLBACK (scripted_message_cb), self);
}

RelScriptedServer *
rel_scripted_server_new (void)
{
  RelScriptedServer *self = g_new0 (RelScriptedServer, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  self->soup = soup_server_new (NULL, NULL);
  self->connections = g_ptr_array_new_with_free_func (g_object_unref);
  self->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  soup_server_add_websocket_handler (self->soup, NULL, NULL, NULL,
                                     scripted_websocket_cb, self, NULL);
  soup_server_listen (self->soup, address, 0, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (self->soup);
  self->port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  return self;
}

void
rel_scripted_server_free (RelScriptedServer *self)
{
  for (guint i = 0; i < self->connections->len; i++)
    {
      SoupWebsocketConnection *ws = g_ptr_array_index (self->connections, i);

      g_signal_handlers_disconnect_by_data (ws, self);
      if (soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
    }

  soup_server_disconnect (self->soup);
  g_object_unref (self->soup);
  g_ptr_array_unref (self->connections);
  g_ptr_array_unref (self->frames);
  g_free (self);
}

char *
rel_scripted_server_dup_url (RelScriptedServer *self)
{
  return g_strdup_printf ("http://127.0.0.1:%u", self->port);
}

void
rel_scripted_server_set_handler (RelScriptedServer *self,
                                 RelFrameFunc       func,
                                 gpointer           user_data)
{
  self->handler = func;
  self->handler_data = user_data;
}

guint
rel_scripted_server_get_n_connections (RelScriptedServer *self)
{
  return self->connections->len;
}

SoupWebsocketConnection *
rel_scripted_server_get_connection (RelScriptedServer *self,
                                    guint              index)
{
  g_assert_cmpuint (index, <, self->connections->len);
  return g_ptr_array_index (self->connections, index);
}

GPtrArray *
rel_scripted_server_get_frames (RelScriptedServer *self,
                                guint              index)
{
  g_assert_cmpuint (index, <, self->frames->len);
  return g_ptr_array_index (self->frames, index);
}

/* Counts the frames of @type received on every connection so far. */
guint
rel_scripted_server_count_frames (RelScriptedServer *self,
                                  const char        *type)
{
  g_autofree char *needle = g_strdup_printf ("{\"type\":\"%s\"", type);
  guint count = 0;

  for (guint i = 0; i < self->frames->len; i++)
    {
      GPtrArray *frames = g_ptr_array_index (self->frames, i);

      for (guint j = 0; j < frames->len; j++)
        count += g_str_has_prefix (g_ptr_array_index (frames, j), needle);
    }

  return count;
}

static void
socket_message_cb (SoupWebsocketConnection *ws,
                   gint                     type,
                   GBytes                  *message,
                   gpointer                 user_data)
{
  RelSocket *self = user_data;
  gsize size = 0;
  const char *data = g_bytes_get_data (message, &size);

  g_ptr_array_add (self->frames, g_strndup (data, size));
}

static void
socket_closed_cb (SoupWebsocketConnection *ws,
                  gpointer                 user_data)
{
  RelSocket *self = user_data;

  self->closed = TRUE;
  self->close_code = soup_websocket_connection_get_close_code (ws);
  self->close_reason = g_strdup (soup_websocket_connection_get_close_data (ws));
}

static void
socket_connect_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  RelSocket *self = user_data;

  self->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, NULL);
  self->failed = (self->ws == NULL);
}

/* Opens a WebSocket to the sync endpoint on 127.0.0.1:@port. Returns with
 * @failed set when the handshake fails. */
RelSocket *
rel_socket_open (guint port)
{
  RelSocket *self = g_new0 (RelSocket, 1);
  g_autofree char *uri = g_strdup_printf ("ws://127.0.0.1:%u/api/1.0.0/sync", port);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", uri);

  self->session = soup_session_new ();
  self->frames = g_ptr_array_new_with_free_func (g_free);
  soup_session_websocket_connect_async (self->session, message, NULL, NULL,
                                        G_PRIORITY_DEFAULT, NULL, socket_connect_cb, self);
  while (self->ws == NULL && !self->failed)
    g_main_context_iteration (NULL, TRUE);

  if (self->ws != NULL)
    {
      soup_websocket_connection_set_max_incoming_payload_size (self->ws, 64 * 1024 * 1024);
      g_signal_connect (self->ws, "message", G_CALLBACK (socket_message_cb), self);
      g_signal_connect (self->ws, "closed", G_CALLBACK (socket_closed_cb), self);
    }

  return self;
}

void
rel_socket_free (RelSocket *self)
{
  if (self->ws != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->ws, self);
      if (soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    }

  g_clear_object (&self->ws);
  g_clear_object (&self->session);
  g_ptr_array_unref (self->frames);
  g_free (self->close_reason);
  g_free (self);
}

/* Sends @size bytes as one text frame, without checking that they are
 * UTF-8 or free of NUL bytes. */
void
rel_socket_send (RelSocket  *self,
                 const char *data,
                 gsize       size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);

  g_assert_nonnull (self->ws);
  soup_websocket_connection_send_message (self->ws, SOUP_WEBSOCKET_DATA_TEXT, bytes);
}

void
rel_socket_send_text (RelSocket  *self,
                      const char *text)
{
  rel_socket_send (self, text, strlen (text));
}

/* Returns the first received frame of @type at index @from or later, or
 * NULL. The caller owns the returned object. */
JsonObject *
rel_socket_find (RelSocket  *self,
                 const char *type,
                 guint       from)
{
  for (guint i = from; i < self->frames->len; i++)
    {
      g_autoptr(JsonNode) node = json_from_string (g_ptr_array_index (self->frames, i), NULL);
      JsonObject *object;

      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        continue;

      object = json_node_get_object (node);
      if (g_strcmp0 (json_object_get_string_member_with_default (object, "type", NULL), type) == 0)
        return json_object_ref (object);
    }

  return NULL;
}

/* Returns a TCP port on 127.0.0.1 that was free a moment ago. */
guint
rel_pick_free_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, &error);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_no_error (error);
  g_socket_bind (socket, address, TRUE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static gboolean
port_accepts (guint port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
  return connection != NULL;
}

/* Ends the server with the test program, even when a failed assertion
 * aborts the test. */
static void
kill_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Starts (again) the chorus-server of @self and waits until it accepts
 * connections. Returns FALSE when it exits or times out first. */
gboolean
rel_server_process_start_again (RelServerProcess *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *port = g_strdup_printf ("%u", self->port);
  const char *program = g_getenv ("CHORUS_SERVER");
  gint64 deadline = g_get_monotonic_time () + SERVER_START_TIMEOUT_MS * 1000;

  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autofree char *log = g_strconcat (self->database, ".log", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_assert_nonnull (program);
  g_ptr_array_add (argv, (char *) program);
  g_ptr_array_add (argv, "--port");
  g_ptr_array_add (argv, port);
  g_ptr_array_add (argv, "--database");
  g_ptr_array_add (argv, self->database);
  for (guint i = 0; self->extra_args != NULL && self->extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, self->extra_args[i]);
  g_ptr_array_add (argv, NULL);
  g_clear_object (&self->process);

  /* The server's output goes to a file next to its database: a child
   * that held the test's stdout open would keep meson waiting. */
  g_subprocess_launcher_set_stdout_file_path (launcher, "/dev/null");
  g_subprocess_launcher_set_stderr_file_path (launcher, log);
  g_subprocess_launcher_set_child_setup (launcher, kill_with_parent, NULL, NULL);
  self->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                &error);
  g_assert_no_error (error);

  while (g_get_monotonic_time () < deadline)
    {
      if (!rel_server_process_is_running (self))
        return FALSE;
      if (port_accepts (self->port))
        return TRUE;
      g_usleep (10 * 1000);
    }

  return FALSE;
}

RelServerProcess *
rel_server_process_start (const char *database,
                          guint       port)
{
  return rel_server_process_start_with_args (database, port, NULL);
}

/* Starts chorus-server with @extra_args (such as "--token-file", FILE)
 * after its --port and --database, on every start. */
RelServerProcess *
rel_server_process_start_with_args (const char         *database,
                                    guint               port,
                                    const char * const *extra_args)
{
  RelServerProcess *self = g_new0 (RelServerProcess, 1);

  self->database = g_strdup (database);
  self->port = port;
  self->extra_args = g_strdupv ((char **) extra_args);
  g_assert_true (rel_server_process_start_again (self));

  return self;
}

gboolean
rel_server_process_is_running (RelServerProcess *self)
{
  if (self->process == NULL)
    return FALSE;

  /* Reaps the child if it has exited. */
  g_main_context_iteration (NULL, FALSE);
  return g_subprocess_get_identifier (self->process) != NULL;
}

/* Kills the server with SIGKILL and waits for it to exit. */
void
rel_server_process_kill (RelServerProcess *self)
{
  g_autoptr(GError) error = NULL;

  if (self->process == NULL)
    return;

  g_subprocess_send_signal (self->process, SIGKILL);
  g_subprocess_wait (self->process, NULL, &error);
  g_assert_no_error (error);
}

void
rel_server_process_free (RelServerProcess *self)
{
  if (self->process != NULL && g_subprocess_get_identifier (self->process) != NULL)
    {
      g_subprocess_send_signal (self->process, SIGCONT);
      rel_server_process_kill (self);
    }

  g_clear_object (&self->process);
  g_free (self->database);
  g_strfreev (self->extra_args);
  g_free (self);
}

char *
rel_server_process_dup_url (RelServerProcess *self)
{
  return g_strdup_printf ("http://127.0.0.1:%u", self->port);
}

/* Returns the @field line ("VmRSS", "VmHWM") of /proc/@pid/status in KiB,
 * or 0 when it cannot be read. */
gsize
rel_process_rss_kib (const char *pid,
                     const char *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/status", pid);
  g_autofree char *contents = NULL;
  g_autofree char *prefix = g_strconcat ("\n", field, ":", NULL);
  const char *line;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;

  line = strstr (contents, prefix);
  if (line == NULL)
    return 0;

  return g_ascii_strtoull (line + strlen (prefix), NULL, 10);
}

/* Runs the default main context until @done returns TRUE or @timeout_ms
 * passes. Returns what @done returned last. */
gboolean
rel_wait_until (gboolean (*done) (gpointer),
                gpointer   data,
                guint      timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!done (data))
    {
      GSource *wake;

      if (g_get_monotonic_time () > deadline)
        return done (data);

      wake = g_timeout_source_new (5);
      g_source_set_dummy_callback (wake);
      g_source_attach (wake, NULL);
      g_main_context_iteration (NULL, TRUE);
      g_source_destroy (wake);
      g_source_unref (wake);
    }

  return TRUE;
}

/* Checks that every string and object member name in @node is UTF-8. */
gboolean
rel_utf8_valid_everywhere (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        if (!rel_utf8_valid_everywhere (json_array_get_element (array, i)))
          return FALSE;
      return TRUE;
    }

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &name, &member))
        if (!g_utf8_validate (name, -1, NULL) || !rel_utf8_valid_everywhere (member))
          return FALSE;
      return TRUE;
    }

  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_utf8_validate (json_node_get_string (node), -1, NULL);

  return TRUE;
}
