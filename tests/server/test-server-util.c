/* test-server-util.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-server"

#include <string.h>

#include "chorus-protocol.h"
#include "test-server-util.h"

#define WAIT_TIMEOUT_SECONDS 10

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the thread-default main context until *@done is set, and fails the
 * test when that takes longer than WAIT_TIMEOUT_SECONDS. */
static void
wait_for (gboolean   *done,
          const char *what)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (WAIT_TIMEOUT_SECONDS, timeout_cb, &timed_out);

  while (!*done && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (timed_out)
    g_error ("Timed out waiting for %s", what);

  g_source_remove (id);
}

static void
connect_ready_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  TestClient *client = user_data;
  g_autoptr(GError) error = NULL;

  client->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (client->ws == NULL)
    client->closed = TRUE;
}

static void
message_cb (SoupWebsocketConnection *ws,
            gint                     type,
            GBytes                  *message,
            gpointer                 user_data)
{
  TestClient *client = user_data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize size = 0;
  const char *data = g_bytes_get_data (message, &size);

  g_assert_cmpint (type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  g_assert_true (json_parser_load_from_data (parser, data, size, NULL));
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  g_queue_push_tail (&client->frames,
                     json_object_ref (json_node_get_object (json_parser_get_root (parser))));
}

static void
closed_cb (SoupWebsocketConnection *ws,
           gpointer                 user_data)
{
  TestClient *client = user_data;

  client->closed = TRUE;
  client->close_code = soup_websocket_connection_get_close_code (ws);
  client->close_reason = g_strdup (soup_websocket_connection_get_close_data (ws));
}

/* Opens a WebSocket to 127.0.0.1:@port at @path (NULL means
 * /api/1.48.0/sync). When the upgrade fails, ws is NULL and closed set. */
TestClient *
test_client_new (guint       port,
                 const char *path)
{
  TestClient *client = g_new0 (TestClient, 1);
  g_autofree char *uri = NULL;
  g_autoptr(SoupMessage) msg = NULL;

  uri = g_strdup_printf ("ws://127.0.0.1:%u%s", port, path ? path : "/api/1.48.0/sync");
  msg = soup_message_new ("GET", uri);
  client->session = soup_session_new ();
  g_queue_init (&client->frames);

  soup_session_websocket_connect_async (client->session, msg, NULL, NULL,
                                        G_PRIORITY_DEFAULT, NULL, connect_ready_cb, client);
  while (client->ws == NULL && !client->closed)
    g_main_context_iteration (NULL, TRUE);

  if (client->ws != NULL)
    {
      g_signal_connect (client->ws, "message", G_CALLBACK (message_cb), client);
      g_signal_connect (client->ws, "closed", G_CALLBACK (closed_cb), client);
    }

  return client;
}

void
test_client_free (TestClient *client)
{
  if (client->ws != NULL)
    {
      g_signal_handlers_disconnect_by_data (client->ws, client);
      if (soup_websocket_connection_get_state (client->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (client->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    }

  g_clear_object (&client->ws);
  g_clear_object (&client->session);
  g_queue_clear_full (&client->frames, (GDestroyNotify) json_object_unref);
  g_free (client->close_reason);
  g_free (client);
}

void
test_client_send (TestClient *client,
                  const char *format,
                  ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  g_assert_nonnull (client->ws);
  soup_websocket_connection_send_text (client->ws, text);
}

void
test_client_connect (TestClient *client,
                     const char *session_id)
{
  test_client_send (client,
                    "{\"type\":\"Connect\",\"sessionId\":\"%s\",\"connectionCount\":0,"
                    "\"lastCloseReason\":\"InitialConnect\",\"clientTs\":1796411777958}",
                    session_id);
}

static gboolean
has_frame_or_closed (TestClient *client)
{
  return !g_queue_is_empty (&client->frames) || client->closed;
}

/* Returns the next frame, waiting for it. Fails when the socket closes. */
JsonObject *
test_client_next (TestClient *client)
{
  gboolean done = has_frame_or_closed (client);
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (WAIT_TIMEOUT_SECONDS, timeout_cb, &timed_out);

  while (!done && !timed_out)
    {
      g_main_context_iteration (NULL, TRUE);
      done = has_frame_or_closed (client);
    }

  if (timed_out)
    g_error ("Timed out waiting for a frame");
  g_source_remove (id);

  if (g_queue_is_empty (&client->frames))
    g_error ("Connection closed (%u: %s) while waiting for a frame",
             client->close_code, client->close_reason);

  return g_queue_pop_head (&client->frames);
}

/* Returns the next frame after checking that its type is @type. Ping
 * frames are skipped. */
JsonObject *
test_client_expect (TestClient *client,
                    const char *type)
{
  g_autoptr(JsonObject) frame = NULL;

  do
    {
      g_clear_pointer (&frame, json_object_unref);
      frame = test_client_next (client);
    }
  while (g_str_equal (json_object_get_string_member (frame, "type"), "Ping"));

  g_assert_cmpstr (json_object_get_string_member (frame, "type"), ==, type);
  return g_steal_pointer (&frame);
}

void
test_client_wait_closed (TestClient *client)
{
  wait_for (&client->closed, "the connection to close");
}

/* Adds one query and returns its value from the Transition that follows,
 * or NULL after a QueryFailed (whose message goes to the test log). */
JsonNode *
test_client_subscribe (TestClient *client,
                       guint       base_version,
                       guint       query_id,
                       const char *udf_path,
                       const char *args_json)
{
  g_autoptr(JsonObject) transition = NULL;
  JsonArray *modifications;
  JsonObject *modification;

  test_client_send (client,
                    "{\"type\":\"ModifyQuerySet\",\"baseVersion\":%u,\"newVersion\":%u,"
                    "\"modifications\":[{\"type\":\"Add\",\"queryId\":%u,\"udfPath\":\"%s\","
                    "\"args\":[%s]}]}",
                    base_version, base_version + 1, query_id, udf_path, args_json);

  transition = test_client_expect (client, "Transition");
  modifications = json_object_get_array_member (transition, "modifications");
  g_assert_cmpuint (json_array_get_length (modifications), ==, 1);

  modification = json_array_get_object_element (modifications, 0);
  g_assert_cmpint (json_object_get_int_member (modification, "queryId"), ==, query_id);
  if (g_str_equal (json_object_get_string_member (modification, "type"), "QueryFailed"))
    {
      g_test_message ("Query failed: %s",
                      json_object_get_string_member (modification, "errorMessage"));
      return NULL;
    }

  g_assert_cmpstr (json_object_get_string_member (modification, "type"), ==, "QueryUpdated");
  return json_node_copy (json_object_get_member (modification, "value"));
}

/* Sends a Mutation and returns its MutationResponse. */
JsonObject *
test_client_mutate (TestClient *client,
                    guint       request_id,
                    const char *udf_path,
                    const char *args_json)
{
  test_client_send (client,
                    "{\"type\":\"Mutation\",\"requestId\":%u,\"udfPath\":\"%s\",\"args\":[%s]}",
                    request_id, udf_path, args_json);

  return test_client_expect (client, "MutationResponse");
}

/* Subscribes to channels:list and returns the _id of the channel @name. */
char *
test_client_find_channel (TestClient *client,
                          guint       base_version,
                          guint       query_id,
                          const char *name)
{
  g_autoptr(JsonNode) value = NULL;
  JsonArray *channels;

  value = test_client_subscribe (client, base_version, query_id, "channels:list", "{}");
  g_assert_nonnull (value);
  channels = json_node_get_array (value);

  for (guint i = 0; i < json_array_get_length (channels); i++)
    {
      JsonObject *channel = json_array_get_object_element (channels, i);

      if (g_str_equal (json_object_get_string_member (channel, "name"), name))
        return g_strdup (json_object_get_string_member (channel, "_id"));
    }

  g_error ("No channel named %s", name);
}

guint64
test_decode_ts (JsonObject *object,
                const char *member)
{
  guint64 ts = 0;

  g_assert_true (chorus_protocol_decode_ts (json_object_get_string_member (object, member), &ts));
  return ts;
}

guint64
test_transition_end_ts (JsonObject *transition)
{
  return test_decode_ts (json_object_get_object_member (transition, "endVersion"), "ts");
}
