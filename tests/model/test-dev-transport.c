/* test-dev-transport.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The developer tools' transport around a scripted one: latency, offline
 * and a failing send.
 */

#define G_LOG_DOMAIN "test-dev-transport"

#include "config.h"

#include <string.h>

#include "chorus-client.h"
#include "chorus-dev-transport.h"
#include "chorus-fake-transport.h"
#include "chorus-test-util.h"

typedef struct
{
  ChorusFakeTransport *inner;
  ChorusDevTransport  *transport;
  ChorusClient        *client;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->inner = chorus_fake_transport_new ();
  fixture->transport = chorus_dev_transport_new (CHORUS_TRANSPORT (fixture->inner));
  fixture->client = chorus_client_new (CHORUS_TRANSPORT (fixture->transport));
  chorus_client_start (fixture->client);
  chorus_fake_transport_accept (fixture->inner);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  chorus_client_stop (fixture->client);
  g_clear_object (&fixture->client);
  g_clear_object (&fixture->transport);
  g_clear_object (&fixture->inner);
}

static guint
count_sent_mutations (Fixture *fixture)
{
  GPtrArray *sent = chorus_fake_transport_get_sent (fixture->inner);
  guint count = 0;

  for (guint i = 0; i < sent->len; i++)
    count += strstr (g_ptr_array_index (sent, i), "\"Mutation\"") != NULL;

  return count;
}

static JsonNode *
send_args (void)
{
  g_autoptr(JsonObject) object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (object, "author", "Ada");
  json_object_set_string_member (object, "body", "hi");
  json_object_set_string_member (object, "channel", "c");
  json_object_set_string_member (object, "clientId", "x");
  json_node_set_object (node, object);

  return node;
}

static void
mutation_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GError **error = user_data;
  g_autoptr(JsonNode) value = chorus_client_mutation_finish (CHORUS_CLIENT (object), result, error);

  if (*error == NULL)
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "unexpected success");
}

static void
test_latency_delays_frames (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(JsonNode) args = send_args ();
  gint64 start = g_get_monotonic_time ();

  chorus_dev_transport_set_latency (fixture->transport, 150);
  chorus_client_mutation (fixture->client, "messages:send", args, NULL, NULL, NULL, NULL, NULL, NULL);

  g_assert_cmpuint (count_sent_mutations (fixture), ==, 0);
  chorus_assert_eventually (count_sent_mutations (fixture) == 1);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 150 * 1000);
}

static void
test_fail_next_send (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(JsonNode) args = send_args ();
  g_autoptr(GError) error = NULL;

  chorus_dev_transport_set_fail_next_send (fixture->transport, TRUE);
  chorus_client_mutation (fixture->client, "messages:send", args, NULL, NULL, NULL,
                          NULL, mutation_done_cb, &error);

  chorus_assert_eventually (error != NULL);
  g_assert_error (error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_MUTATION_FAILED);
  g_assert_nonnull (strstr (error->message, "Simulated failure"));
  g_assert_cmpuint (count_sent_mutations (fixture), ==, 0);

  /* Only the next one: the switch turns itself off. */
  g_assert_false (chorus_dev_transport_get_fail_next_send (fixture->transport));
}

static void
test_offline_disconnects (Fixture       *fixture,
                          gconstpointer  data)
{
  g_assert_cmpint (chorus_client_get_connection_state (fixture->client), ==, CHORUS_CONNECTION_CONNECTED);

  chorus_dev_transport_set_offline (fixture->transport, TRUE);

  g_assert_false (chorus_fake_transport_is_open (fixture->inner));
  chorus_assert_eventually (chorus_client_get_connection_state (fixture->client) != CHORUS_CONNECTION_CONNECTED);

  /* Reconnect attempts fail while offline and never reach the socket. */
  chorus_test_settle (300);
  g_assert_false (chorus_fake_transport_is_opening (fixture->inner));
  g_assert_cmpuint (chorus_fake_transport_get_open_count (fixture->inner), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/model/dev-transport/latency-delays-frames", Fixture, NULL,
              fixture_set_up, test_latency_delays_frames, fixture_tear_down);
  g_test_add ("/model/dev-transport/fail-next-send", Fixture, NULL,
              fixture_set_up, test_fail_next_send, fixture_tear_down);
  g_test_add ("/model/dev-transport/offline-disconnects", Fixture, NULL,
              fixture_set_up, test_offline_disconnects, fixture_tear_down);

  return g_test_run ();
}
