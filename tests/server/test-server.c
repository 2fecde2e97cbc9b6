/* test-server.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-server"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "chorus-protocol.h"
#include "chorus-server-thread.h"
#include "test-server-util.h"

typedef struct
{
  char *dir;
  char *db_path;
  ChorusServer *server;
  guint port;
} Fixture;

static void
start_server (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  fixture->server = chorus_server_new (fixture->db_path, &error);
  g_assert_no_error (error);
  chorus_server_listen (fixture->server, NULL, 0, &error);
  g_assert_no_error (error);
  fixture->port = chorus_server_get_port (fixture->server);
  g_assert_cmpuint (fixture->port, >, 0);
}

static void
stop_server (Fixture *fixture)
{
  chorus_server_shutdown (fixture->server);
  g_clear_object (&fixture->server);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("chorus-server-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->db_path = g_build_filename (fixture->dir, "server.sqlite", NULL);
  start_server (fixture);
}

static void
remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      g_unlink (child);
    }

  g_rmdir (path);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  if (fixture->server != NULL)
    stop_server (fixture);

  remove_dir (fixture->dir);
  g_free (fixture->db_path);
  g_free (fixture->dir);
}

/* Opens a client, sends Connect and returns the general channel's id from a
 * channels:list subscription (query id 0, query set version 1 afterwards). */
static TestClient *
open_client (Fixture     *fixture,
             const char  *session_id,
             char       **out_general)
{
  TestClient *client = test_client_new (fixture->port, NULL);

  g_assert_nonnull (client->ws);
  test_client_connect (client, session_id);
  *out_general = test_client_find_channel (client, 0, 0, "general");

  return client;
}

static char *
send_args (const char *channel,
           const char *body,
           const char *client_id)
{
  return g_strdup_printf ("{\"author\":\"ada\",\"body\":\"%s\",\"channel\":\"%s\","
                          "\"clientId\":\"%s\"}", body, channel, client_id);
}

static gint64
count_rows (const char *db_path,
            const char *client_id)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 count;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM messages WHERE client_id = ?1",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, client_id, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  count = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return count;
}

static void
assert_string_member (JsonObject *object,
                      const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_STRING);
}

static void
test_send_then_list (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(TestClient) client = NULL;
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(JsonObject) transition = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autofree char *general = NULL;
  g_autofree char *args = NULL;
  g_autofree char *list_args = NULL;
  g_autoptr(GList) members = NULL;
  JsonObject *message;
  JsonNode *time;

  client = open_client (fixture, "session-send", &general);
  args = send_args (general, "hello", "client-1");
  response = test_client_mutate (client, 0, "messages.js:send", args);
  g_assert_true (json_object_get_boolean_member (response, "success"));
  assert_string_member (response, "result");
  transition = test_client_expect (client, "Transition");

  list_args = g_strdup_printf ("{\"channel\":\"%s\"}", general);
  value = test_client_subscribe (client, 1, 1, "messages:list", list_args);
  g_assert_nonnull (value);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (value)), ==, 1);

  message = json_array_get_object_element (json_node_get_array (value), 0);
  g_assert_cmpstr (json_object_get_string_member (message, "_id"), ==,
                   json_object_get_string_member (response, "result"));
  time = json_object_get_member (message, "_creationTime");
  g_assert_cmpint (json_node_get_value_type (time), ==, G_TYPE_DOUBLE);
  g_assert_cmpfloat (json_node_get_double (time), >, 1.7e12);
  g_assert_cmpstr (json_object_get_string_member (message, "channel"), ==, general);
  g_assert_cmpstr (json_object_get_string_member (message, "author"), ==, "ada");
  g_assert_cmpstr (json_object_get_string_member (message, "body"), ==, "hello");
  g_assert_cmpstr (json_object_get_string_member (message, "clientId"), ==, "client-1");

  members = json_object_get_members (message);
  g_assert_cmpuint (g_list_length (members), ==, 6);
  for (const GList *l = members; l != NULL && l->next != NULL; l = l->next)
    g_assert_cmpint (strcmp (l->data, l->next->data), <, 0);
}

static void
test_commit_before_ack (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(TestClient) client = NULL;
  g_autoptr(JsonObject) response = NULL;
  g_autofree char *general = NULL;
  g_autofree char *args = NULL;

  client = open_client (fixture, "session-commit", &general);
  g_assert_cmpint (count_rows (fixture->db_path, "client-commit"), ==, 0);

  args = send_args (general, "durable", "client-commit");
  test_client_send (client,
                    "{\"type\":\"Mutation\",\"requestId\":0,\"udfPath\":\"messages:send\","
                    "\"args\":[%s]}", args);

  /* Wait without handling anything else, then look at the file at once. */
  while (g_queue_is_empty (&client->frames))
    g_main_context_iteration (NULL, TRUE);

  response = g_queue_pop_head (&client->frames);
  g_assert_cmpstr (json_object_get_string_member (response, "type"), ==, "MutationResponse");
  g_assert_cmpint (count_rows (fixture->db_path, "client-commit"), ==, 1);
}

static void
test_restart_keeps_data (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(TestClient) client = NULL;
  g_autoptr(TestClient) after = NULL;
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(JsonObject) transition = NULL;
  g_autoptr(JsonObject) response_after = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autofree char *general = NULL;
  g_autofree char *general_after = NULL;
  g_autofree char *args = NULL;
  g_autofree char *list_args = NULL;
  guint64 max_ts_before;

  client = open_client (fixture, "session-restart", &general);
  args = send_args (general, "before restart", "client-restart-1");
  response = test_client_mutate (client, 0, "messages:send", args);
  transition = test_client_expect (client, "Transition");
  max_ts_before = MAX (test_decode_ts (response, "ts"), test_transition_end_ts (transition));

  g_clear_pointer (&client, test_client_free);
  stop_server (fixture);
  start_server (fixture);

  after = open_client (fixture, "session-restart-2", &general_after);
  g_assert_cmpstr (general_after, ==, general);
  list_args = g_strdup_printf ("{\"channel\":\"%s\"}", general);
  value = test_client_subscribe (after, 1, 1, "messages:list", list_args);
  g_assert_nonnull (value);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (value)), ==, 1);

  g_free (args);
  args = send_args (general, "after restart", "client-restart-2");
  response_after = test_client_mutate (after, 0, "messages:send", args);
  g_assert_true (json_object_get_boolean_member (response_after, "success"));
  g_assert_cmpuint (test_decode_ts (response_after, "ts"), >, max_ts_before);
}

static void
test_response_precedes_transition (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autoptr(TestClient) client = NULL;
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(JsonObject) transition = NULL;
  g_autoptr(JsonObject) create_response = NULL;
  g_autoptr(JsonObject) create_transition = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autofree char *general = NULL;
  g_autofree char *args = NULL;
  g_autofree char *list_args = NULL;
  JsonArray *modifications;

  client = open_client (fixture, "session-order", &general);
  list_args = g_strdup_printf ("{\"channel\":\"%s\"}", general);
  value = test_client_subscribe (client, 1, 1, "messages:list", list_args);

  args = send_args (general, "ordered", "client-order");
  response = test_client_mutate (client, 0, "messages:send", args);
  transition = test_client_expect (client, "Transition");
  g_assert_cmpuint (test_transition_end_ts (transition), >=, test_decode_ts (response, "ts"));
  modifications = json_object_get_array_member (transition, "modifications");
  g_assert_cmpuint (json_array_get_length (modifications), ==, 1);

  /* channels:create changes no messages:list, but a Transition must still
   * carry the client past the commit. */
  create_response = test_client_mutate (client, 1, "channels:create", "{\"name\":\"design\"}");
  g_assert_true (json_object_get_boolean_member (create_response, "success"));
  create_transition = test_client_expect (client, "Transition");
  g_assert_cmpuint (test_transition_end_ts (create_transition), >=,
                    test_decode_ts (create_response, "ts"));
}

static void
test_second_connection_updated (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(TestClient) sender = NULL;
  g_autoptr(TestClient) watcher = NULL;
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(JsonObject) transition = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autofree char *general = NULL;
  g_autofree char *general_watcher = NULL;
  g_autofree char *args = NULL;
  g_autofree char *list_args = NULL;
  JsonObject *modification;
  JsonArray *messages;

  sender = open_client (fixture, "session-sender", &general);
  watcher = open_client (fixture, "session-watcher", &general_watcher);
  list_args = g_strdup_printf ("{\"channel\":\"%s\"}", general);
  value = test_client_subscribe (watcher, 1, 1, "messages:list", list_args);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (value)), ==, 0);

  args = send_args (general, "for everyone", "client-shared");
  response = test_client_mutate (sender, 0, "messages:send", args);
  g_assert_true (json_object_get_boolean_member (response, "success"));

  transition = test_client_expect (watcher, "Transition");
  g_assert_cmpuint (test_transition_end_ts (transition), >=, test_decode_ts (response, "ts"));
  modification = json_array_get_object_element (
    json_object_get_array_member (transition, "modifications"), 0);
  g_assert_cmpstr (json_object_get_string_member (modification, "type"), ==, "QueryUpdated");
  messages = json_object_get_array_member (modification, "value");
  g_assert_cmpuint (json_array_get_length (messages), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (messages, 0),
                                                  "body"), ==, "for everyone");
}

static void
test_client_id_retry (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(TestClient) client = NULL;
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) first_transition = NULL;
  g_autoptr(JsonObject) retry = NULL;
  g_autofree char *general = NULL;
  g_autofree char *args = NULL;

  client = open_client (fixture, "session-retry", &general);
  args = send_args (general, "only once", "client-retry");
  first = test_client_mutate (client, 0, "messages:send", args);
  first_transition = test_client_expect (client, "Transition");

  /* A restarted app has a new session and new request ids. */
  retry = test_client_mutate (client, 1, "messages:send", args);
  g_assert_true (json_object_get_boolean_member (retry, "success"));
  g_assert_cmpstr (json_object_get_string_member (retry, "result"), ==,
                   json_object_get_string_member (first, "result"));
  g_assert_cmpint (count_rows (fixture->db_path, "client-retry"), ==, 1);
}

static void
test_request_replay (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(TestClient) client = NULL;
  g_autoptr(TestClient) reconnected = NULL;
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) replayed = NULL;
  g_autoptr(JsonObject) transition = NULL;
  g_autofree char *general = NULL;
  g_autofree char *general_again = NULL;
  g_autofree char *args = NULL;

  client = open_client (fixture, "session-replay", &general);
  first = test_client_mutate (client, 7, "channels:create", "{\"name\":\"replayed\"}");
  g_assert_true (json_object_get_boolean_member (first, "success"));
  g_clear_pointer (&client, test_client_free);

  /* The same session re-sends request 7 on a new socket. */
  reconnected = open_client (fixture, "session-replay", &general_again);
  replayed = test_client_mutate (reconnected, 7, "channels:create", "{\"name\":\"replayed\"}");
  g_assert_true (json_object_get_boolean_member (replayed, "success"));
  g_assert_cmpstr (json_object_get_string_member (replayed, "result"), ==,
                   json_object_get_string_member (first, "result"));
  g_assert_cmpuint (test_decode_ts (replayed, "ts"), ==, test_decode_ts (first, "ts"));

  transition = test_client_expect (reconnected, "Transition");
  g_assert_cmpuint (test_transition_end_ts (transition), >=, test_decode_ts (first, "ts"));
}

static void
test_other_channel_not_updated (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(TestClient) sender = NULL;
  g_autoptr(TestClient) watcher = NULL;
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(JsonObject) transition = NULL;
  g_autoptr(JsonObject) next = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autofree char *general = NULL;
  g_autofree char *random = NULL;
  g_autofree char *args = NULL;
  g_autofree char *list_args = NULL;

  sender = open_client (fixture, "session-general", &general);
  watcher = test_client_new (fixture->port, NULL);
  test_client_connect (watcher, "session-random");
  random = test_client_find_channel (watcher, 0, 0, "random");
  list_args = g_strdup_printf ("{\"channel\":\"%s\"}", random);
  value = test_client_subscribe (watcher, 1, 1, "messages:list", list_args);

  args = send_args (general, "not for random", "client-general");
  response = test_client_mutate (sender, 0, "messages:send", args);
  transition = test_client_expect (sender, "Transition");

  /* The server handles frames in order, so anything it sent the watcher
   * because of the send arrives before this empty ModifyQuerySet's reply. */
  test_client_send (watcher, "{\"type\":\"ModifyQuerySet\",\"baseVersion\":2,"
                             "\"newVersion\":3,\"modifications\":[]}");
  next = test_client_expect (watcher, "Transition");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (next, "modifications")),
                    ==, 0);
}

/* The server logs one warning for each connection it closes. */
static void
expect_close_warning (void)
{
  g_test_expect_message ("chorus-connection", G_LOG_LEVEL_WARNING,
                         "Closing the connection from 127.0.0.1: *");
}

static const struct {
  const char *udf_path;
  const char *args;
  const char *expected;
} invalid_mutations[] = {
  { "channels:create", "{\"name\":\"Bad Name\"}", "'name'" },
  { "channels:create", "{\"name\":\"\"}", "'name'" },
  { "channels:create", "{\"name\":5}", "'name'" },
  { "channels:create", "{\"name\":\"general\"}", "already exists" },
  { "channels:create", "{}", "'name'" },
  { "messages:send", "{\"author\":\"ada\",\"body\":\"\",\"channel\":\"%s\"}", "'body'" },
  { "messages:send", "{\"author\":\"ada\",\"body\":\"hi\",\"channel\":\"missing\"}", "'channel'" },
  { "messages:send", "{\"author\":\"ada\",\"body\":\"hi\",\"channel\":7}", "'channel'" },
  { "messages:send", "{\"body\":\"hi\",\"channel\":\"%s\"}", "'author'" },
  { "messages:send", "{\"author\":\"ada\",\"body\":[],\"channel\":\"%s\"}", "'body'" },
  { "messages:send", "{\"author\":\"ada\",\"body\":\"hi\",\"channel\":\"%s\",\"clientId\":1}",
    "'clientId'" },
  { "messages:send", "{\"author\":\"ada\",\"body\":\"hi\",\"channel\":\"%s\",\"extra\":1}",
    "'extra'" },
  { "messages:purge", "{}", "messages:purge" },
};

static void
test_validation_errors (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(TestClient) client = NULL;
  g_autofree char *general = NULL;
  g_autofree char *long_body = NULL;
  g_autofree char *long_args = NULL;
  g_autoptr(JsonObject) long_response = NULL;
  g_autoptr(JsonNode) failed = NULL;

  client = open_client (fixture, "session-validation", &general);

  for (guint i = 0; i < G_N_ELEMENTS (invalid_mutations); i++)
    {
      g_autofree char *args = g_strdup_printf (invalid_mutations[i].args, general);
      g_autoptr(JsonObject) response = NULL;

      response = test_client_mutate (client, i, invalid_mutations[i].udf_path, args);
      g_test_message ("%s %s: %s", invalid_mutations[i].udf_path, args,
                      json_object_get_string_member (response, "result"));
      g_assert_false (json_object_get_boolean_member (response, "success"));
      g_assert_nonnull (strstr (json_object_get_string_member (response, "result"),
                                invalid_mutations[i].expected));
    }

  /* One character over the 4000-character limit of a message body. */
  long_body = g_strnfill (4001, 'x');
  long_args = send_args (general, long_body, "client-long");
  long_response = test_client_mutate (client, 100, "messages:send", long_args);
  g_assert_false (json_object_get_boolean_member (long_response, "success"));
  g_assert_nonnull (strstr (json_object_get_string_member (long_response, "result"), "'body'"));
  g_assert_nonnull (strstr (json_object_get_string_member (long_response, "result"), "4000"));
  g_assert_cmpint (count_rows (fixture->db_path, "client-long"), ==, 0);

  failed = test_client_subscribe (client, 1, 1, "messages:list", "{\"channel\":\"missing\"}");
  g_assert_null (failed);
}

static const char * const malformed_frames[] = {
  "not json",
  "[1, 2]",
  "{\"noType\":true}",
  "{\"type\":\"Teleport\"}",
  "{\"type\":\"Mutation\",\"requestId\":\"one\",\"udfPath\":\"messages:send\",\"args\":[{}]}",
  "{\"type\":\"Mutation\",\"requestId\":1,\"udfPath\":\"messages:send\",\"args\":{}}",
  "{\"type\":\"ModifyQuerySet\",\"baseVersion\":0,\"newVersion\":1,\"modifications\":[7]}",
  "{\"type\":\"Connect\",\"sessionId\":\"again\"}",
};

static void
test_malformed_frames (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(TestClient) bystander = NULL;
  g_autoptr(JsonObject) response = NULL;
  g_autofree char *general = NULL;

  bystander = open_client (fixture, "session-bystander", &general);

  for (guint i = 0; i < G_N_ELEMENTS (malformed_frames); i++)
    {
      g_autoptr(TestClient) client = test_client_new (fixture->port, NULL);

      test_client_connect (client, "session-malformed");
      expect_close_warning ();
      test_client_send (client, "%s", malformed_frames[i]);
      test_client_wait_closed (client);
      g_test_assert_expected_messages ();
      g_test_message ("%s: closed with %u, %s", malformed_frames[i],
                      client->close_code, client->close_reason);
      g_assert_cmpuint (client->close_code, ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
      g_assert_nonnull (client->close_reason);
      g_assert_cmpstr (client->close_reason, !=, "");
    }

  response = test_client_mutate (bystander, 0, "channels:create", "{\"name\":\"survivors\"}");
  g_assert_true (json_object_get_boolean_member (response, "success"));
}

static void
test_connect_required_first (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(TestClient) client = test_client_new (fixture->port, NULL);

  expect_close_warning ();
  test_client_send (client, "{\"type\":\"ModifyQuerySet\",\"baseVersion\":0,"
                            "\"newVersion\":1,\"modifications\":[]}");
  test_client_wait_closed (client);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (client->close_code, ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
}

static void
test_wrong_base_version (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(TestClient) client = NULL;
  g_autofree char *general = NULL;

  expect_close_warning ();
  client = open_client (fixture, "session-base", &general);
  test_client_send (client, "{\"type\":\"ModifyQuerySet\",\"baseVersion\":0,"
                            "\"newVersion\":1,\"modifications\":[]}");
  test_client_wait_closed (client);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (client->close_code, ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  g_assert_nonnull (strstr (client->close_reason, "query set version 1"));
}

static void
test_observed_ts_ahead (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(TestClient) client = test_client_new (fixture->port, NULL);
  g_autofree char *future = chorus_protocol_encode_ts (G_MAXINT64 - 1);

  expect_close_warning ();
  test_client_send (client, "{\"type\":\"Connect\",\"sessionId\":\"s\","
                            "\"maxObservedTimestamp\":\"%s\"}", future);
  test_client_wait_closed (client);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (client->close_code, ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  g_assert_nonnull (strstr (client->close_reason, "maxObservedTimestamp"));
}

static void
test_first_transition_chain (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(TestClient) client = test_client_new (fixture->port, "//api/1.48.0/sync");
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) second = NULL;
  JsonObject *start;

  g_assert_nonnull (client->ws);
  test_client_connect (client, "session-chain");
  test_client_send (client, "{\"type\":\"ModifyQuerySet\",\"baseVersion\":0,\"newVersion\":1,"
                            "\"modifications\":[{\"type\":\"Add\",\"queryId\":3,"
                            "\"udfPath\":\"channels.js:list\"}]}");
  first = test_client_expect (client, "Transition");
  start = json_object_get_object_member (first, "startVersion");
  g_assert_cmpint (json_object_get_int_member (start, "querySet"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (start, "ts"), ==, "AAAAAAAAAAA=");
  g_assert_cmpint (json_object_get_int_member (start, "identity"), ==, 0);

  test_client_send (client, "{\"type\":\"ModifyQuerySet\",\"baseVersion\":1,\"newVersion\":2,"
                            "\"modifications\":[{\"type\":\"Remove\",\"queryId\":3}]}");
  second = test_client_expect (client, "Transition");
  g_assert_true (json_node_equal (json_object_get_member (first, "endVersion"),
                                  json_object_get_member (second, "startVersion")));
  g_assert_cmpstr (json_object_get_string_member (
                     json_array_get_object_element (
                       json_object_get_array_member (second, "modifications"), 0), "type"),
                   ==, "QueryRemoved");
}

static void
test_unknown_path_rejected (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(TestClient) client = test_client_new (fixture->port, "/api/sync");

  g_assert_null (client->ws);
}

static void
test_server_thread (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("chorus-thread-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "server.sqlite", NULL);
  g_autoptr(TestClient) client = NULL;
  g_autofree char *general = NULL;
  ChorusServerThread *thread;

  thread = chorus_server_thread_start (path, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chorus_server_thread_get_port (thread), >, 0);

  client = test_client_new (chorus_server_thread_get_port (thread), NULL);
  test_client_connect (client, "session-thread");
  general = test_client_find_channel (client, 0, 0, "general");
  g_assert_nonnull (general);

  g_clear_pointer (&client, test_client_free);
  chorus_server_thread_stop (thread);
  remove_dir (dir);
}

static void
test_server_thread_error (void)
{
  g_autoptr(GError) error = NULL;
  ChorusServerThread *thread;

  thread = chorus_server_thread_start ("/nonexistent/folder/server.sqlite", 0, &error);
  g_assert_null (thread);
  g_assert_error (error, CHORUS_SERVER_ERROR, CHORUS_SERVER_ERROR_DATABASE);
}

#define ADD_TEST(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

#define BURST_CONNECTIONS 64

/* Clients that connect all at once, before the server accepts any of
 * them, all complete the TCP handshake at once. With a listen backlog of
 * 10, the kernel drops the SYNs past it and those clients retry only
 * after a second. */
static void
test_connect_burst_accepted (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, fixture->port);
  g_autoptr(GPtrArray) sockets = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < BURST_CONNECTIONS; i++)
    {
      g_autoptr(GError) error = NULL;
      GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_DEFAULT, &error);

      g_assert_no_error (error);
      g_ptr_array_add (sockets, socket);
      g_socket_connect (socket, address, NULL, &error);
      g_assert_no_error (error);
    }

  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC / 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  ADD_TEST ("/server/send-then-list", test_send_then_list);
  ADD_TEST ("/server/commit-before-ack", test_commit_before_ack);
  ADD_TEST ("/server/restart-keeps-data", test_restart_keeps_data);
  ADD_TEST ("/server/response-precedes-transition", test_response_precedes_transition);
  ADD_TEST ("/server/second-connection-updated", test_second_connection_updated);
  ADD_TEST ("/server/client-id-retry", test_client_id_retry);
  ADD_TEST ("/server/request-replay", test_request_replay);
  ADD_TEST ("/server/other-channel-not-updated", test_other_channel_not_updated);
  ADD_TEST ("/server/validation-errors", test_validation_errors);
  ADD_TEST ("/server/malformed-frames", test_malformed_frames);
  ADD_TEST ("/server/connect-required-first", test_connect_required_first);
  ADD_TEST ("/server/wrong-base-version", test_wrong_base_version);
  ADD_TEST ("/server/observed-ts-ahead", test_observed_ts_ahead);
  ADD_TEST ("/server/first-transition-chain", test_first_transition_chain);
  ADD_TEST ("/server/unknown-path-rejected", test_unknown_path_rejected);
  ADD_TEST ("/server/connect-burst-accepted", test_connect_burst_accepted);
  g_test_add_func ("/server/thread", test_server_thread);
  g_test_add_func ("/server/thread-error", test_server_thread_error);

  return g_test_run ();
}
