/* test-security.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-security"

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "chorus-client.h"
#include "chorus-test-util.h"
#include "rel-util.h"

/* chorus-server with --listen 127.0.0.1 --token-file: a wrong token is
 * rejected, and with tokens a client can neither post as another author
 * nor change another author's messages. Each check reads the server's
 * SQLite file too, so a mutation that was rejected but still ran fails. */

#define ADA_TOKEN "ada-5b1e0c2f7d9a4c61"
#define LIN_TOKEN "lin-93d7a4e8b20f1e57"
#define WRONG_TOKEN "ada-5b1e0c2f7d9a4c62"

typedef struct
{
  char             *folder;
  char             *database;
  RelServerProcess *server;
  char             *url;
  char             *channel_id;
} Fixture;

static char *
provide_token_cb (ChorusClient *client,
                  gboolean      force_refresh,
                  gpointer      user_data)
{
  return g_strdup (user_data);
}

/* Starts a client that authenticates with @token, or none when NULL. */
static ChorusClient *
start_client (Fixture    *fixture,
              const char *token)
{
  g_autoptr(GError) error = NULL;
  ChorusClient *client = chorus_client_new_for_url (fixture->url, &error);

  g_assert_no_error (error);
  if (token != NULL)
    chorus_client_set_auth (client, provide_token_cb, g_strdup (token), g_free);
  chorus_client_start (client);

  return client;
}

static void
stop_client (ChorusClient *client)
{
  chorus_client_stop (client);
  g_object_unref (client);
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

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tokens = NULL;
  const char *args[] = { "--listen", "127.0.0.1", "--token-file", NULL, NULL };
  ChorusClient *ada;

  fixture->folder = g_dir_make_tmp ("chorus-security-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->database = g_build_filename (fixture->folder, "server.sqlite", NULL);
  tokens = g_build_filename (fixture->folder, "tokens", NULL);
  g_file_set_contents (tokens, "Ada " ADA_TOKEN "\nLin " LIN_TOKEN "\n", -1, &error);
  g_assert_no_error (error);

  args[3] = tokens;
  fixture->server = rel_server_process_start_with_args (fixture->database, rel_pick_free_port (),
                                                        args);
  fixture->url = rel_server_process_dup_url (fixture->server);

  ada = start_client (fixture, ADA_TOKEN);
  fixture->channel_id = wait_for_channel_id (ada);
  stop_client (ada);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_pointer (&fixture->server, rel_server_process_free);
  chorus_test_remove_dir (fixture->folder);
  g_free (fixture->folder);
  g_free (fixture->database);
  g_free (fixture->url);
  g_free (fixture->channel_id);
}

/* Returns the number of rows that @sql (with one text parameter) counts
 * in the server's database. */
static int
count_rows (Fixture    *fixture,
            const char *sql,
            const char *parameter)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int count;

  g_assert_cmpint (sqlite3_open_v2 (fixture->database, &db, SQLITE_OPEN_READONLY, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, parameter, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  count = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return count;
}

/* Reads the author, body and edited state of message @id. Returns FALSE
 * when there is no such message. */
static gboolean
read_message (Fixture     *fixture,
              const char  *id,
              char       **author,
              char       **body,
              gboolean    *edited)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean found;

  g_assert_cmpint (sqlite3_open_v2 (fixture->database, &db, SQLITE_OPEN_READONLY, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT author, body, edited_at FROM messages "
                                       "WHERE id = ?1", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  if (found)
    {
      *author = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      *body = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      *edited = sqlite3_column_type (stmt, 2) != SQLITE_NULL;
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return found;
}

typedef struct
{
  gboolean  done;
  JsonNode *result;
  GError   *error;
} MutationWait;

static void
mutation_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  MutationWait *wait = user_data;

  wait->result = chorus_client_mutation_finish (CHORUS_CLIENT (object), result, &wait->error);
  wait->done = TRUE;
}

/* Runs @udf_path with @args_json on @client and waits for its result.
 * Returns the result, or NULL with @error set. */
static JsonNode *
run_mutation (ChorusClient  *client,
              const char    *udf_path,
              const char    *args_json,
              GError       **error)
{
  g_autoptr(JsonNode) args = json_from_string (args_json, NULL);
  MutationWait wait = { FALSE, NULL, NULL };

  g_assert_nonnull (args);
  chorus_client_mutation (client, udf_path, args, NULL, NULL, NULL, NULL,
                          mutation_done_cb, &wait);
  chorus_assert_eventually (wait.done);
  if (wait.error != NULL)
    g_propagate_error (error, wait.error);

  return wait.result;
}

static char *
send_message (ChorusClient *client,
              const char   *channel_id,
              const char   *author,
              const char   *body)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *args = g_strdup_printf ("{\"channel\":\"%s\",\"author\":\"%s\",\"body\":\"%s\"}",
                                           channel_id, author, body);
  g_autoptr(JsonNode) id = run_mutation (client, "messages:send", args, &error);

  g_assert_no_error (error);
  g_assert_nonnull (id);

  return g_strdup (json_node_get_string (id));
}

/* Checks that @error is the failure of a mutation the server rejected
 * with errorData.code @code. */
static void
assert_rejected_with (const GError *error,
                      const char   *code)
{
  JsonNode *data;

  g_assert_error (error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_MUTATION_FAILED);
  data = chorus_client_error_get_data (error);
  g_assert_nonnull (data);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (data));
  g_assert_cmpstr (json_object_get_string_member_with_default (json_node_get_object (data),
                                                               "code", NULL), ==, code);
}

#define RAW_CONNECT \
  "{\"type\":\"Connect\",\"sessionId\":\"wrong-token\",\"connectionCount\":0," \
  "\"lastCloseReason\":null,\"clientTs\":1}"
#define RAW_AUTHENTICATE \
  "{\"type\":\"Authenticate\",\"tokenType\":\"User\",\"value\":\"" WRONG_TOKEN "\"," \
  "\"baseVersion\":0}"

static gboolean
socket_closed (gpointer user_data)
{
  RelSocket *socket = user_data;

  return socket->closed;
}

/* A raw WebSocket sends a wrong token, then a query and a send in the
 * same burst: it gets an AuthError, the server closes the connection, and
 * neither the query nor the send runs. */
static void
test_wrong_token_raw (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(RelSocket) socket = rel_socket_open (fixture->server->port);
  g_autoptr(JsonObject) auth_error = NULL;
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(JsonObject) transition = NULL;
  g_autofree char *query = NULL;
  g_autofree char *mutation = NULL;

  g_assert_false (socket->failed);
  query = g_strdup_printf ("{\"type\":\"ModifyQuerySet\",\"baseVersion\":0,\"newVersion\":1,"
                           "\"modifications\":[{\"type\":\"Add\",\"queryId\":0,"
                           "\"udfPath\":\"messages:list\",\"args\":[{\"channel\":\"%s\"}]}]}",
                           fixture->channel_id);
  mutation = g_strdup_printf ("{\"type\":\"Mutation\",\"requestId\":0,\"udfPath\":\"messages:send\","
                              "\"args\":[{\"channel\":\"%s\",\"author\":\"Ada\","
                              "\"body\":\"sent with a wrong token\"}]}", fixture->channel_id);
  rel_socket_send_text (socket, RAW_CONNECT);
  rel_socket_send_text (socket, RAW_AUTHENTICATE);
  rel_socket_send_text (socket, query);
  rel_socket_send_text (socket, mutation);

  g_assert_true (rel_wait_until (socket_closed, socket, CHORUS_TEST_TIMEOUT_SECONDS * 1000));

  auth_error = rel_socket_find (socket, "AuthError", 0);
  g_assert_nonnull (auth_error);
  g_assert_cmpstr (json_object_get_string_member (auth_error, "error"), ==, "Invalid token");
  response = rel_socket_find (socket, "MutationResponse", 0);
  g_assert_null (response);
  transition = rel_socket_find (socket, "Transition", 0);
  g_assert_null (transition);
  g_assert_cmpint (count_rows (fixture, "SELECT COUNT(*) FROM messages WHERE body = ?1",
                               "sent with a wrong token"), ==, 0);
  g_assert_true (rel_server_process_is_running (fixture->server));
}

static void
auth_changed_cb (ChorusClient *client,
                 gboolean      authenticated,
                 gpointer      user_data)
{
  guint *count = user_data;

  (*count)++;
}

/* A ChorusClient with a wrong token gives up on it after the AuthError and
 * goes on unauthenticated: its query and its send are both rejected. */
static void
test_wrong_token_client (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *args = NULL;
  g_autofree char *list_args_text = g_strdup_printf ("{\"channel\":\"%s\"}", fixture->channel_id);
  g_autoptr(JsonNode) list_args = json_from_string (list_args_text, NULL);
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(ChorusSubscription) list = NULL;
  ChorusClient *client = start_client (fixture, WRONG_TOKEN);
  guint auth_changes = 0;

  g_signal_connect (client, "auth-changed", G_CALLBACK (auth_changed_cb), &auth_changes);
  list = chorus_client_subscribe (client, "messages:list", list_args);
  args = g_strdup_printf ("{\"channel\":\"%s\",\"author\":\"Ada\","
                          "\"body\":\"sent with a wrong token\"}", fixture->channel_id);
  result = run_mutation (client, "messages:send", args, &error);

  g_assert_null (result);
  assert_rejected_with (error, "Unauthenticated");
  chorus_assert_eventually (chorus_subscription_get_error (list) != NULL);
  g_assert_null (chorus_subscription_get_value (list));
  g_assert_nonnull (strstr (chorus_subscription_get_error (list)->message, "Unauthenticated"));
  g_assert_false (chorus_client_is_authenticated (client));
  g_assert_cmpuint (auth_changes, >=, 1);
  g_assert_cmpint (count_rows (fixture, "SELECT COUNT(*) FROM messages WHERE body = ?1",
                               "sent with a wrong token"), ==, 0);

  stop_client (client);
}

/* Tokens apply on 127.0.0.1 too: a client without one cannot send. */
static void
test_no_token_rejected (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *args = g_strdup_printf ("{\"channel\":\"%s\",\"author\":\"Ada\","
                                           "\"body\":\"sent without a token\"}",
                                           fixture->channel_id);
  ChorusClient *client = start_client (fixture, NULL);
  g_autoptr(JsonNode) result = run_mutation (client, "messages:send", args, &error);

  g_assert_null (result);
  assert_rejected_with (error, "Unauthenticated");
  g_assert_cmpint (count_rows (fixture, "SELECT COUNT(*) FROM messages WHERE body = ?1",
                               "sent without a token"), ==, 0);

  stop_client (client);
}

/* A send that names another author is stored with the token's user. */
static void
test_forged_author (Fixture       *fixture,
                    gconstpointer  data)
{
  ChorusClient *ada = start_client (fixture, ADA_TOKEN);
  g_autofree char *id = send_message (ada, fixture->channel_id, "Lin", "forged as Lin");
  g_autofree char *author = NULL;
  g_autofree char *body = NULL;
  gboolean edited = TRUE;

  g_assert_true (read_message (fixture, id, &author, &body, &edited));
  g_assert_cmpstr (author, ==, "Ada");
  g_assert_cmpstr (body, ==, "forged as Lin");
  g_assert_false (edited);
  g_assert_cmpint (count_rows (fixture, "SELECT COUNT(*) FROM messages WHERE author = ?1",
                               "Lin"), ==, 0);

  stop_client (ada);
}

static void
assert_unchanged (Fixture    *fixture,
                  const char *id,
                  const char *expected_body)
{
  g_autofree char *author = NULL;
  g_autofree char *body = NULL;
  gboolean edited = TRUE;

  g_assert_true (read_message (fixture, id, &author, &body, &edited));
  g_assert_cmpstr (author, ==, "Lin");
  g_assert_cmpstr (body, ==, expected_body);
  g_assert_false (edited);
}

/* Ada can neither edit nor remove Lin's message, while Lin can edit it:
 * the check is on the author, not a broken edit. */
static void
test_change_others_message (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GError) edit_error = NULL;
  g_autoptr(GError) remove_error = NULL;
  g_autoptr(GError) own_error = NULL;
  g_autoptr(JsonNode) edited = NULL;
  g_autoptr(JsonNode) removed = NULL;
  g_autoptr(JsonNode) own = NULL;
  g_autofree char *edit_args = NULL;
  g_autofree char *remove_args = NULL;
  ChorusClient *lin = start_client (fixture, LIN_TOKEN);
  ChorusClient *ada = start_client (fixture, ADA_TOKEN);
  g_autofree char *id = send_message (lin, fixture->channel_id, "Lin", "Lin's own words");

  edit_args = g_strdup_printf ("{\"id\":\"%s\",\"body\":\"put in Lin's mouth\"}", id);
  remove_args = g_strdup_printf ("{\"id\":\"%s\"}", id);

  edited = run_mutation (ada, "messages:edit", edit_args, &edit_error);
  g_assert_null (edited);
  assert_rejected_with (edit_error, "Forbidden");
  assert_unchanged (fixture, id, "Lin's own words");

  removed = run_mutation (ada, "messages:remove", remove_args, &remove_error);
  g_assert_null (removed);
  assert_rejected_with (remove_error, "Forbidden");
  assert_unchanged (fixture, id, "Lin's own words");

  own = run_mutation (lin, "messages:edit", edit_args, &own_error);
  g_assert_no_error (own_error);
  g_assert_cmpint (count_rows (fixture, "SELECT COUNT(*) FROM messages WHERE id = ?1 AND "
                               "body = 'put in Lin''s mouth' AND edited_at IS NOT NULL", id), ==, 1);

  stop_client (ada);
  stop_client (lin);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* The client warns when the server rejects its token. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

  g_test_add ("/reliability/security/wrong-token-raw", Fixture, NULL,
              fixture_set_up, test_wrong_token_raw, fixture_tear_down);
  g_test_add ("/reliability/security/wrong-token-client", Fixture, NULL,
              fixture_set_up, test_wrong_token_client, fixture_tear_down);
  g_test_add ("/reliability/security/no-token-rejected", Fixture, NULL,
              fixture_set_up, test_no_token_rejected, fixture_tear_down);
  g_test_add ("/reliability/security/forged-author", Fixture, NULL,
              fixture_set_up, test_forged_author, fixture_tear_down);
  g_test_add ("/reliability/security/change-others-message", Fixture, NULL,
              fixture_set_up, test_change_others_message, fixture_tear_down);

  return g_test_run ();
}
