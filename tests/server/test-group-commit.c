/* test-group-commit.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Mutations that arrive together commit in one SQLite transaction, with a
 * savepoint each. A commit delay makes the server gather every mutation
 * these tests send into one group, and the group commit counter checks
 * that they shared it.
 */

#define G_LOG_DOMAIN "test-group-commit"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "test-server-util.h"

#define COMMIT_DELAY_MS 300

typedef struct
{
  char *dir;
  char *db_path;
  ChorusServer *server;
  guint port;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("chorus-group-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->db_path = g_build_filename (fixture->dir, "server.sqlite", NULL);

  fixture->server = chorus_server_new (fixture->db_path, &error);
  g_assert_no_error (error);
  chorus_server_set_commit_delay (fixture->server, COMMIT_DELAY_MS);
  chorus_server_listen (fixture->server, NULL, 0, &error);
  g_assert_no_error (error);
  fixture->port = chorus_server_get_port (fixture->server);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  chorus_server_shutdown (fixture->server);
  g_clear_object (&fixture->server);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  dir = g_dir_open (fixture->dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (fixture->dir, name, NULL);

      g_unlink (child);
    }
  g_rmdir (fixture->dir);
  g_free (fixture->db_path);
  g_free (fixture->dir);
}

/* Opens a client with a channels:list subscription (query set version 1)
 * and returns the id of the general channel. */
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

/* Sends a messages:send without waiting for its response. */
static void
send_message (TestClient *client,
              guint       request_id,
              const char *channel,
              const char *body)
{
  test_client_send (client,
                    "{\"type\":\"Mutation\",\"requestId\":%u,\"udfPath\":\"messages:send\","
                    "\"args\":[{\"author\":\"ada\",\"body\":\"%s\",\"channel\":\"%s\","
                    "\"clientId\":\"client-%s\"}]}", request_id, body, channel, body);
}

static JsonObject *
expect_response (TestClient *client,
                 guint       request_id)
{
  JsonObject *response = test_client_expect (client, "MutationResponse");

  g_assert_cmpint (json_object_get_int_member (response, "requestId"), ==, request_id);
  return response;
}

static gint64
count_rows (const char *db_path,
            const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 count;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  count = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return count;
}

/* Returns the bodies of a messages:list value, joined with spaces. */
static char *
join_bodies (JsonNode *value)
{
  JsonArray *messages = json_node_get_array (value);
  g_autoptr(GString) bodies = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (messages); i++)
    {
      JsonObject *message = json_array_get_object_element (messages, i);

      if (i > 0)
        g_string_append_c (bodies, ' ');
      g_string_append (bodies, json_object_get_string_member (message, "body"));
    }

  return g_string_free (g_steal_pointer (&bodies), FALSE);
}

/* A failing mutation between two good ones, and one from another
 * connection, all in one group: only the failing one is rolled back. */
static void
test_failure_isolated (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(TestClient) ada = NULL;
  g_autoptr(TestClient) lin = NULL;
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) failed = NULL;
  g_autoptr(JsonObject) third = NULL;
  g_autoptr(JsonObject) other = NULL;
  g_autoptr(JsonObject) transition = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autofree char *general = NULL;
  g_autofree char *general_lin = NULL;
  g_autofree char *list_args = NULL;
  g_autofree char *bodies = NULL;
  guint commits;

  ada = open_client (fixture, "session-ada", &general);
  lin = open_client (fixture, "session-lin", &general_lin);
  commits = chorus_server_get_n_group_commits (fixture->server);

  send_message (ada, 0, general, "one");
  send_message (ada, 1, "no-such-channel", "bad");
  send_message (ada, 2, general, "three");
  send_message (lin, 0, general, "other");

  first = expect_response (ada, 0);
  failed = expect_response (ada, 1);
  third = expect_response (ada, 2);
  other = expect_response (lin, 0);
  g_assert_cmpuint (chorus_server_get_n_group_commits (fixture->server), ==, commits + 1);

  g_assert_true (json_object_get_boolean_member (first, "success"));
  g_assert_false (json_object_get_boolean_member (failed, "success"));
  g_assert_true (json_object_get_boolean_member (third, "success"));
  g_assert_true (json_object_get_boolean_member (other, "success"));
  g_assert_true (json_object_get_null_member (failed, "ts"));
  g_assert_cmpuint (test_decode_ts (first, "ts"), <, test_decode_ts (third, "ts"));
  g_assert_cmpuint (test_decode_ts (other, "ts"), !=, test_decode_ts (first, "ts"));
  g_assert_cmpuint (test_decode_ts (other, "ts"), !=, test_decode_ts (third, "ts"));

  g_assert_cmpint (count_rows (fixture->db_path, "SELECT count(*) FROM messages"), ==, 3);
  g_assert_cmpint (count_rows (fixture->db_path,
                               "SELECT count(*) FROM messages WHERE body = 'bad'"), ==, 0);
  g_assert_cmpint (count_rows (fixture->db_path, "SELECT count(*) FROM mutations "
                               "WHERE session_id = 'session-ada'"), ==, 2);

  /* The group's Transition carries ada past both of its commits. */
  transition = test_client_expect (ada, "Transition");
  g_assert_cmpuint (test_transition_end_ts (transition), >=, test_decode_ts (third, "ts"));

  list_args = g_strdup_printf ("{\"channel\":\"%s\"}", general);
  value = test_client_subscribe (ada, 1, 1, "messages:list", list_args);
  bodies = join_bodies (value);
  g_assert_nonnull (strstr (bodies, "one"));
  g_assert_nonnull (strstr (bodies, "three"));
  g_assert_nonnull (strstr (bodies, "other"));
  g_assert_null (strstr (bodies, "bad"));
}

/* Twenty mutations of one connection in one group, a repeated request id
 * among them, then a ModifyQuerySet: responses come in arrival order with
 * increasing timestamps, and the query set change reflects every commit. */
static void
test_arrival_order (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(TestClient) client = NULL;
  g_autoptr(JsonObject) transition = NULL;
  g_autoptr(JsonObject) repeated = NULL;
  g_autoptr(GString) expected = g_string_new (NULL);
  g_autofree char *general = NULL;
  g_autofree char *bodies = NULL;
  JsonArray *modifications;
  JsonObject *added;
  guint64 last_ts = 0;
  guint64 ts_5 = 0;
  guint commits;

  client = open_client (fixture, "session-order", &general);
  commits = chorus_server_get_n_group_commits (fixture->server);

  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *body = g_strdup_printf ("m%02u", i);

      send_message (client, i, general, body);
      g_string_append_printf (expected, "%s%s", i > 0 ? " " : "", body);
    }
  send_message (client, 5, general, "m05");
  test_client_send (client, "{\"type\":\"ModifyQuerySet\",\"baseVersion\":1,\"newVersion\":2,"
                    "\"modifications\":[{\"type\":\"Add\",\"queryId\":1,\"udfPath\":"
                    "\"messages:list\",\"args\":[{\"channel\":\"%s\"}]}]}", general);

  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(JsonObject) response = expect_response (client, i);
      guint64 ts = test_decode_ts (response, "ts");

      g_assert_true (json_object_get_boolean_member (response, "success"));
      g_assert_cmpuint (ts, >, last_ts);
      last_ts = ts;
      if (i == 5)
        ts_5 = ts;
    }

  repeated = expect_response (client, 5);
  g_assert_cmpuint (test_decode_ts (repeated, "ts"), ==, ts_5);
  g_assert_cmpuint (chorus_server_get_n_group_commits (fixture->server), ==, commits + 1);

  /* The group's own Transition, then the one for the query set change. */
  transition = test_client_expect (client, "Transition");
  g_assert_cmpuint (test_transition_end_ts (transition), >=, last_ts);
  g_clear_pointer (&transition, json_object_unref);
  transition = test_client_expect (client, "Transition");
  modifications = json_object_get_array_member (transition, "modifications");
  g_assert_cmpuint (json_array_get_length (modifications), ==, 1);
  added = json_array_get_object_element (modifications, 0);
  g_assert_cmpstr (json_object_get_string_member (added, "type"), ==, "QueryUpdated");

  bodies = join_bodies (json_object_get_member (added, "value"));
  g_assert_cmpstr (bodies, ==, expected->str);
}

#define ADD_TEST(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  ADD_TEST ("/group-commit/failure-isolated", test_failure_isolated);
  ADD_TEST ("/group-commit/arrival-order", test_arrival_order);

  return g_test_run ();
}
