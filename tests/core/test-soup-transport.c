/* test-soup-transport.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsoup/soup.h>

#include "chorus-client-private.h"
#include "chorus-soup-transport.h"
#include "chorus-value.h"

#define SYNC_PATH "/api/" PACKAGE_VERSION "/sync"

/* A WebSocket server on 127.0.0.1 that records what the client sends. */
typedef struct
{
  SoupServer              *server;
  SoupWebsocketConnection *connection;
  GPtrArray               *received;
  guint                    port;
  guint                    n_connections;
} Fixture;

static void
server_message_cb (SoupWebsocketConnection *connection,
                   int                      type,
                   GBytes                  *message,
                   Fixture                 *f)
{
  gsize size = 0;
  const char *data = g_bytes_get_data (message, &size);

  g_assert_cmpint (type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  g_ptr_array_add (f->received, g_strndup (data, size));
}

static void
websocket_cb (SoupServer              *server,
              SoupServerMessage       *message,
              const char              *path,
              SoupWebsocketConnection *connection,
              gpointer                 user_data)
{
  Fixture *f = user_data;

  g_clear_object (&f->connection);
  f->connection = g_object_ref (connection);
  f->n_connections++;
  g_signal_connect (connection, "message", G_CALLBACK (server_message_cb), f);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;

  f->received = g_ptr_array_new_with_free_func (g_free);
  f->server = soup_server_new (NULL, NULL);
  soup_server_add_websocket_handler (f->server, SYNC_PATH, NULL, NULL, websocket_cb, f, NULL);
  soup_server_listen_local (f->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (f->server);
  f->port = g_uri_get_port (uris->data);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->connection != NULL)
    g_signal_handlers_disconnect_by_data (f->connection, f);
  g_clear_object (&f->connection);
  soup_server_disconnect (f->server);
  g_clear_object (&f->server);
  g_ptr_array_unref (f->received);
}

static void
wait_for_frames (Fixture *f,
                 guint    count)
{
  while (f->received->len < count)
    g_main_context_iteration (NULL, TRUE);
}

static JsonObject *
received_frame (Fixture   *f,
                guint      index,
                JsonNode **root)
{
  *root = json_from_string (g_ptr_array_index (f->received, index), NULL);
  g_assert_nonnull (*root);
  return json_node_get_object (*root);
}

static ChorusClient *
new_client (Fixture *f)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", f->port);
  g_autoptr(GError) error = NULL;
  ChorusClient *client = chorus_client_new_for_url (url, &error);

  g_assert_no_error (error);
  _chorus_client_set_backoff (client, 1, 1, 2);
  return client;
}

static char *
large_transition (gsize value_size)
{
  g_autofree char *filler = g_strnfill (value_size, 'x');

  return g_strdup_printf ("{\"type\":\"Transition\","
                          "\"startVersion\":{\"querySet\":0,\"ts\":\"AAAAAAAAAAA=\",\"identity\":0},"
                          "\"endVersion\":{\"querySet\":1,\"ts\":\"ZAAAAAAAAAA=\",\"identity\":0},"
                          "\"modifications\":[{\"type\":\"QueryUpdated\",\"queryId\":0,"
                          "\"value\":\"%s\",\"logLines\":[],\"journal\":null}]}", filler);
}

static void
test_large_frame_and_reconnect (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(ChorusClient) client = new_client (f);
  g_autoptr(ChorusSubscription) subscription = NULL;
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) second = NULL;
  g_autoptr(JsonNode) third = NULL;
  g_autofree char *transition = large_transition (1024 * 1024);
  JsonObject *frame;

  subscription = chorus_client_subscribe (client, "messages:list", NULL);
  chorus_client_start (client);
  wait_for_frames (f, 2);

  frame = received_frame (f, 0, &first);
  g_assert_cmpstr (json_object_get_string_member (frame, "type"), ==, "Connect");
  g_assert_cmpint (chorus_client_get_connection_state (client), ==, CHORUS_CONNECTION_CONNECTED);

  /* Larger than libsoup's default limit of 128 KiB. */
  soup_websocket_connection_send_text (f->connection, transition);
  while (chorus_subscription_get_value (subscription) == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (strlen (json_node_get_string (chorus_subscription_get_value (subscription))),
                    ==, 1024 * 1024);

  soup_websocket_connection_close (f->connection, 4000, "InternalServerError: test");
  wait_for_frames (f, 4);
  frame = received_frame (f, 2, &second);
  g_assert_cmpint (json_object_get_int_member (frame, "connectionCount"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (frame, "lastCloseReason"), ==,
                   "InternalServerError: test");
  g_assert_cmpstr (json_object_get_string_member (frame, "maxObservedTimestamp"), ==,
                   "ZAAAAAAAAAA=");

  soup_websocket_connection_close (f->connection, 4001, NULL);
  wait_for_frames (f, 6);
  frame = received_frame (f, 4, &third);
  g_assert_cmpstr (json_object_get_string_member (frame, "lastCloseReason"), ==,
                   "closed with code 4001");
  g_assert_cmpuint (f->n_connections, ==, 3);

  chorus_client_stop (client);
}

static void
closed_cb (ChorusTransport  *transport,
           const char       *reason,
           char            **out)
{
  *out = g_strdup (reason);
}

static void
test_open_failure_reports_close (Fixture       *f,
                                 gconstpointer  data)
{
  g_autofree char *url = g_strdup_printf ("ws://127.0.0.1:%u/no-such-path", f->port);
  g_autoptr(ChorusTransport) transport = chorus_soup_transport_new (url);
  g_autofree char *reason = NULL;
  g_autoptr(GError) error = NULL;

  g_signal_connect (transport, "closed", G_CALLBACK (closed_cb), &reason);
  chorus_transport_open (transport);
  while (reason == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpstr (reason, ==, "closed with code 1006");
  g_assert_false (chorus_transport_send (transport, "{}", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/core/soup-transport/large-frame-and-reconnect", Fixture, NULL,
              fixture_set_up, test_large_frame_and_reconnect, fixture_tear_down);
  g_test_add ("/core/soup-transport/open-failure", Fixture, NULL,
              fixture_set_up, test_open_failure_reports_close, fixture_tear_down);

  return g_test_run ();
}
