/* test-network-faults.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-network-faults"

#include "config.h"

#include <signal.h>
#include <string.h>

#include "chorus-client-private.h"
#include "chorus-test-util.h"
#include "chorus-value.h"
#include "rel-util.h"

/* The inactivity timeout the tests give the client, and the most they
 * allow between SIGSTOP and the client showing offline. */
#define INACTIVITY_MS 1000
#define DETECTION_BOUND_MS (INACTIVITY_MS + 2000)

typedef struct
{
  gboolean  done;
  JsonNode *result;
  GError   *error;
} Mutation;

static void
mutation_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Mutation *mutation = user_data;

  mutation->result = chorus_client_mutation_finish (CHORUS_CLIENT (object), result,
                                                    &mutation->error);
  mutation->done = TRUE;
}

static void
mutation_clear (Mutation *mutation)
{
  g_clear_pointer (&mutation->result, json_node_unref);
  g_clear_error (&mutation->error);
}

static void
send_message (ChorusClient *client,
              const char   *channel_id,
              const char   *body,
              Mutation     *mutation)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) args = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "channel");
  json_builder_add_string_value (builder, channel_id);
  json_builder_set_member_name (builder, "body");
  json_builder_add_string_value (builder, body);
  json_builder_set_member_name (builder, "author");
  json_builder_add_string_value (builder, "Ada");
  json_builder_set_member_name (builder, "clientId");
  json_builder_add_string_value (builder, body);
  json_builder_end_object (builder);
  args = json_builder_get_root (builder);

  chorus_client_mutation (client, "messages:send", args, NULL, NULL, NULL,
                          NULL, mutation_done_cb, mutation);
}

static guint
count_bodies (ChorusSubscription *subscription,
              const char         *body)
{
  JsonNode *value = chorus_subscription_get_value (subscription);
  JsonArray *messages;
  guint count = 0;

  if (value == NULL)
    return 0;

  messages = json_node_get_array (value);
  for (guint i = 0; i < json_array_get_length (messages); i++)
    {
      JsonObject *message = json_array_get_object_element (messages, i);

      count += g_strcmp0 (json_object_get_string_member (message, "body"), body) == 0;
    }

  return count;
}

static char *
wait_for_channel_id (ChorusClient *client)
{
  g_autoptr(ChorusSubscription) channels = chorus_client_subscribe (client, "channels:list", NULL);
  JsonArray *array;

  chorus_assert_eventually (chorus_subscription_get_value (channels) != NULL);
  array = json_node_get_array (chorus_subscription_get_value (channels));
  g_assert_cmpuint (json_array_get_length (array), >, 0);

  return g_strdup (json_object_get_string_member (json_array_get_object_element (array, 0), "_id"));
}

/* A stopped server is noticed within the bound, the send waits, and after
 * SIGCONT it is delivered exactly once. */
static void
test_sigstop (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = g_dir_make_tmp ("chorus-sigstop-XXXXXX", &error);
  g_autofree char *database = g_build_filename (folder, "server.sqlite", NULL);
  g_autoptr(RelServerProcess) server = rel_server_process_start (database, rel_pick_free_port ());
  g_autofree char *url = rel_server_process_dup_url (server);
  g_autoptr(ChorusClient) client = chorus_client_new_for_url (url, &error);
  g_autoptr(ChorusSubscription) messages = NULL;
  g_autoptr(JsonNode) args = NULL;
  g_autofree char *channel_id = NULL;
  g_autofree char *args_text = NULL;
  Mutation mutation = { 0 };
  gint64 stopped_at, detected_ms;

  g_assert_no_error (error);
  _chorus_client_set_inactivity_timeout (client, INACTIVITY_MS);
  _chorus_client_set_backoff (client, 50, 50, 200);
  chorus_client_start (client);
  channel_id = wait_for_channel_id (client);
  args_text = g_strdup_printf ("{\"channel\":\"%s\"}", channel_id);
  args = json_from_string (args_text, NULL);
  messages = chorus_client_subscribe (client, "messages:list", args);
  chorus_assert_eventually (chorus_subscription_get_value (messages) != NULL);

  g_subprocess_send_signal (server->process, SIGSTOP);
  stopped_at = g_get_monotonic_time ();
  send_message (client, channel_id, "sent while stopped", &mutation);

  chorus_assert_eventually (chorus_client_get_connection_state (client) !=
                            CHORUS_CONNECTION_CONNECTED);
  detected_ms = (g_get_monotonic_time () - stopped_at) / 1000;
  g_test_message ("Offline detected after %" G_GINT64_FORMAT " ms", detected_ms);
  g_assert_cmpint (detected_ms, <=, DETECTION_BOUND_MS);

  /* The message waits, shown optimistically, until the server is back. */
  chorus_test_settle (500);
  g_assert_false (mutation.done);
  g_assert_cmpint (chorus_client_get_connection_state (client), !=, CHORUS_CONNECTION_CONNECTED);

  g_subprocess_send_signal (server->process, SIGCONT);
  chorus_assert_eventually (mutation.done);
  g_assert_no_error (mutation.error);
  chorus_assert_eventually (count_bodies (messages, "sent while stopped") == 1);
  chorus_test_settle (500);
  g_assert_cmpuint (count_bodies (messages, "sent while stopped"), ==, 1);

  mutation_clear (&mutation);
  chorus_client_stop (client);
  g_clear_pointer (&server, rel_server_process_free);
  chorus_test_remove_dir (folder);
}

#define START_TS "AAAAAAAAAAA="
#define END_TS "AQAAAAAAAAA="

/* Responds to a ModifyQuerySet with an empty list. */
static void
answer_query_set (SoupWebsocketConnection *ws,
                  const char              *text)
{
  if (!g_str_has_prefix (text, "{\"type\":\"ModifyQuerySet\""))
    return;

  soup_websocket_connection_send_text (ws,
    "{\"type\":\"Transition\","
    "\"startVersion\":{\"querySet\":0,\"ts\":\"" START_TS "\",\"identity\":0},"
    "\"endVersion\":{\"querySet\":1,\"ts\":\"" END_TS "\",\"identity\":0},"
    "\"modifications\":[{\"type\":\"QueryUpdated\",\"queryId\":0,\"value\":[],"
    "\"logLines\":[],\"journal\":null}]}");
}

static void
close_too_big_cb (RelScriptedServer       *server,
                  SoupWebsocketConnection *ws,
                  const char              *text,
                  gpointer                 user_data)
{
  answer_query_set (ws, text);
  if (g_str_has_prefix (text, "{\"type\":\"Mutation\""))
    soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_TOO_BIG, "Message too big");
}

static void
reject_mutation_cb (RelScriptedServer       *server,
                    SoupWebsocketConnection *ws,
                    const char              *text,
                    gpointer                 user_data)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *response = NULL;

  answer_query_set (ws, text);
  if (!g_str_has_prefix (text, "{\"type\":\"Mutation\""))
    return;

  node = json_from_string (text, NULL);
  response = g_strdup_printf ("{\"type\":\"MutationResponse\",\"requestId\":%" G_GINT64_FORMAT ","
                              "\"success\":false,\"result\":\"Invalid argument 'body'\","
                              "\"logLines\":[]}",
                              json_object_get_int_member (json_node_get_object (node), "requestId"));
  soup_websocket_connection_send_text (ws, response);
}

static ChorusClient *
start_scripted_client (RelScriptedServer  *server,
                       ChorusSubscription **subscription)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = rel_scripted_server_dup_url (server);
  g_autoptr(JsonNode) args = json_from_string ("{\"channel\":\"c1\"}", NULL);
  ChorusClient *client = chorus_client_new_for_url (url, &error);

  g_assert_no_error (error);
  _chorus_client_set_backoff (client, 10, 10, 100);
  *subscription = chorus_client_subscribe (client, "messages:list", args);
  chorus_client_start (client);
  chorus_assert_eventually (chorus_subscription_get_value (*subscription) != NULL);

  return client;
}

/* After Close 1009 on a send, the client neither reconnects nor resends
 * in a loop. With a backoff of 10 to 100 ms a loop would show dozens of
 * connections in two seconds. */
static void
test_close_too_big (void)
{
  g_autoptr(RelScriptedServer) server = rel_scripted_server_new ();
  g_autoptr(ChorusSubscription) subscription = NULL;
  g_autoptr(ChorusClient) client = NULL;
  Mutation mutation = { 0 };
  guint mutations, connections;

  rel_scripted_server_set_handler (server, close_too_big_cb, NULL);
  client = start_scripted_client (server, &subscription);
  send_message (client, "c1", "too big", &mutation);
  chorus_test_settle (2000);

  mutations = rel_scripted_server_count_frames (server, "Mutation");
  connections = rel_scripted_server_get_n_connections (server);
  g_test_message ("After Close 1009: %u Mutation frames on %u connections", mutations, connections);

  g_assert_cmpuint (mutations, <=, 2);
  g_assert_cmpuint (connections, <=, 3);
  g_assert_true (mutation.done);
  g_assert_error (mutation.error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_MUTATION_FAILED);
  g_assert_nonnull (strstr (mutation.error->message, "1009"));

  /* Stopping fails the mutation, and its callback runs from an idle. */
  chorus_client_stop (client);
  chorus_assert_eventually (mutation.done);

  mutation_clear (&mutation);
}

/* A mutation the server rejects fails once and is not sent again. */
static void
test_permanent_rejection (void)
{
  g_autoptr(RelScriptedServer) server = rel_scripted_server_new ();
  g_autoptr(ChorusSubscription) subscription = NULL;
  g_autoptr(ChorusClient) client = NULL;
  Mutation mutation = { 0 };

  rel_scripted_server_set_handler (server, reject_mutation_cb, NULL);
  client = start_scripted_client (server, &subscription);
  send_message (client, "c1", "rejected", &mutation);
  chorus_assert_eventually (mutation.done);
  g_assert_error (mutation.error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_MUTATION_FAILED);

  chorus_test_settle (1000);
  g_assert_cmpuint (rel_scripted_server_count_frames (server, "Mutation"), ==, 1);
  g_assert_cmpuint (rel_scripted_server_get_n_connections (server), ==, 1);
  g_assert_cmpint (chorus_client_get_connection_state (client), ==, CHORUS_CONNECTION_CONNECTED);

  mutation_clear (&mutation);
  chorus_client_stop (client);
}

/* chorus-server refuses a non-loopback --listen address without a token.
 * 192.0.2.1 is a documentation address, so no packet leaves the host even
 * if the check were missing: listening would fail with another error. */
static void
test_non_loopback_refused (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = g_dir_make_tmp ("chorus-listen-XXXXXX", &error);
  g_autofree char *database = g_build_filename (folder, "server.sqlite", NULL);
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *output = NULL;
  g_autofree char *lower = NULL;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
                              &error, g_getenv ("CHORUS_SERVER"), "--listen", "192.0.2.1",
                              "--port", "0", "--database", database, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &output, &error);
  g_assert_no_error (error);

  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), !=, 0);
  lower = g_ascii_strdown (output, -1);
  g_test_message ("chorus-server: %s", output);
  g_assert_nonnull (strstr (lower, "token"));
  g_assert_null (strstr (lower, "could not listen"));
  g_assert_false (g_file_test (database, G_FILE_TEST_EXISTS) &&
                  strstr (lower, "listening") != NULL);

  chorus_test_remove_dir (folder);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/reliability/network/sigstop", test_sigstop);
  g_test_add_func ("/reliability/network/close-too-big", test_close_too_big);
  g_test_add_func ("/reliability/network/permanent-rejection", test_permanent_rejection);
  g_test_add_func ("/reliability/server/non-loopback-refused", test_non_loopback_refused);

  return g_test_run ();
}
