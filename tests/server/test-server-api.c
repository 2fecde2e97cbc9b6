/* test-server-api.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tests of messages:page, messages:edit and messages:remove, tokens, the
 * per-connection limits, Ping and TransitionChunk.
 */

#define G_LOG_DOMAIN "test-server"

#include <glib/gstdio.h>
#include <string.h>

#include "chorus-protocol.h"
#include "chorus-server.h"
#include "test-server-util.h"

#define TOKENS "ada ada-token-0123456789\nlin lin-token-0123456789\n"

typedef struct
{
  char *dir;
  ChorusServer *server;
  guint port;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  fixture->dir = g_dir_make_tmp ("chorus-server-api-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (fixture->dir, "server.sqlite", NULL);

  fixture->server = chorus_server_new (path, &error);
  g_assert_no_error (error);
  chorus_server_listen (fixture->server, NULL, 0, &error);
  g_assert_no_error (error);
  fixture->port = chorus_server_get_port (fixture->server);

  if (data != NULL)
    {
      g_autoptr(ChorusTokens) tokens = chorus_tokens_parse (data, &error);

      g_assert_no_error (error);
      chorus_server_set_tokens (fixture->server, tokens);
    }
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
  g_free (fixture->dir);
}

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

/* Sends a mutation that has to succeed, skips the Transition that follows
 * and returns the result. */
static JsonNode *
mutate_ok (TestClient *client,
           guint       request_id,
           const char *udf_path,
           const char *args_json)
{
  g_autoptr(JsonObject) response = test_client_mutate (client, request_id, udf_path, args_json);
  g_autoptr(JsonObject) transition = NULL;

  if (!json_object_get_boolean_member (response, "success"))
    g_error ("%s %s failed: %s", udf_path, args_json,
             json_object_get_string_member (response, "result"));

  transition = test_client_expect (client, "Transition");
  return json_node_copy (json_object_get_member (response, "result"));
}

/* Sends a mutation that has to fail and returns its errorData. */
static JsonObject *
mutate_fail (TestClient *client,
             guint       request_id,
             const char *udf_path,
             const char *args_json,
             const char *expected)
{
  g_autoptr(JsonObject) response = test_client_mutate (client, request_id, udf_path, args_json);
  const char *message = json_object_get_string_member (response, "result");

  g_test_message ("%s %s: %s", udf_path, args_json, message);
  g_assert_false (json_object_get_boolean_member (response, "success"));
  g_assert_nonnull (strstr (message, expected));
  g_assert_true (json_object_has_member (response, "errorData"));

  return json_object_ref (json_object_get_object_member (response, "errorData"));
}

static void
send_numbered (TestClient *client,
               const char *channel,
               guint       first,
               guint       count)
{
  for (guint i = first; i < first + count; i++)
    {
      g_autofree char *args = g_strdup_printf ("{\"author\":\"ada\",\"body\":\"m%u\","
                                               "\"channel\":\"%s\",\"clientId\":\"c%u\"}",
                                               i, channel, i);
      g_autoptr(JsonNode) result = mutate_ok (client, i, "messages:send", args);
    }
}

static JsonNode *
subscribe_page (TestClient *client,
                guint       base_version,
                const char *channel,
                const char *cursor,
                guint       num_items)
{
  g_autofree char *args = g_strdup_printf ("{\"channel\":\"%s\",\"paginationOpts\":"
                                           "{\"cursor\":%s,\"numItems\":%u}}",
                                           channel, cursor, num_items);

  return test_client_subscribe (client, base_version, base_version, "messages:page", args);
}

static void
assert_page_bodies (JsonNode   *result,
                    const char *expected)
{
  JsonArray *page = json_object_get_array_member (json_node_get_object (result), "page");
  g_autoptr(GString) bodies = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (page); i++)
    {
      JsonObject *message = json_array_get_object_element (page, i);

      g_string_append_printf (bodies, "%s%s", i ? " " : "",
                              json_object_get_string_member (message, "body"));
    }

  g_assert_cmpstr (bodies->str, ==, expected);
}

static void
test_page_newest_first (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *general = NULL;
  g_autoptr(TestClient) client = open_client (fixture, "session-page", &general);
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) second = NULL;
  g_autofree char *cursor = NULL;

  send_numbered (client, general, 1, 5);

  first = subscribe_page (client, 1, general, "null", 3);
  assert_page_bodies (first, "m5 m4 m3");
  g_assert_false (json_object_get_boolean_member (json_node_get_object (first), "isDone"));

  cursor = g_strdup_printf ("\"%s\"", json_object_get_string_member (json_node_get_object (first),
                                                                    "continueCursor"));
  second = subscribe_page (client, 2, general, cursor, 3);
  assert_page_bodies (second, "m2 m1");
  g_assert_true (json_object_get_boolean_member (json_node_get_object (second), "isDone"));
}

/* A new message grows the first page instead of pushing its oldest
 * message into a gap before the second page. */
static void
test_page_gapless (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *general = NULL;
  g_autoptr(TestClient) client = open_client (fixture, "session-gapless", &general);
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(JsonObject) transition = NULL;
  JsonObject *modification;
  g_autoptr(JsonNode) value = NULL;
  g_autofree char *args = NULL;

  send_numbered (client, general, 1, 4);
  first = subscribe_page (client, 1, general, "null", 2);
  assert_page_bodies (first, "m4 m3");

  args = g_strdup_printf ("{\"author\":\"ada\",\"body\":\"m5\",\"channel\":\"%s\"}", general);
  response = test_client_mutate (client, 5, "messages:send", args);
  g_assert_true (json_object_get_boolean_member (response, "success"));
  transition = test_client_expect (client, "Transition");
  modification = json_array_get_object_element (json_object_get_array_member (transition,
                                                                              "modifications"), 0);
  g_assert_cmpstr (json_object_get_string_member (modification, "journal"), !=, NULL);
  value = json_node_copy (json_object_get_member (modification, "value"));
  assert_page_bodies (value, "m5 m4 m3");
}

/* Sends message "m<number>" and returns the value of the first query
 * that the Transition after it updates. */
static JsonNode *
send_and_read_update (TestClient *client,
                      const char *channel,
                      guint       number)
{
  g_autofree char *args = g_strdup_printf ("{\"author\":\"ada\",\"body\":\"m%u\","
                                           "\"channel\":\"%s\"}", number, channel);
  g_autoptr(JsonObject) response = test_client_mutate (client, number, "messages:send", args);
  g_autoptr(JsonObject) transition = NULL;
  JsonArray *modifications;

  g_assert_true (json_object_get_boolean_member (response, "success"));
  transition = test_client_expect (client, "Transition");
  modifications = json_object_get_array_member (transition, "modifications");
  g_assert_cmpuint (json_array_get_length (modifications), ==, 1);

  return json_node_copy (json_object_get_member (json_array_get_object_element (modifications, 0),
                                                 "value"));
}

static JsonNode *
subscribe_page_range (TestClient *client,
                      guint       base_version,
                      const char *channel,
                      const char *cursor,
                      const char *end_cursor,
                      guint       num_items)
{
  g_autofree char *args = g_strdup_printf ("{\"channel\":\"%s\",\"paginationOpts\":"
                                           "{\"cursor\":%s,\"endCursor\":\"%s\","
                                           "\"numItems\":%u}}",
                                           channel, cursor, end_cursor, num_items);

  return test_client_subscribe (client, base_version, base_version, "messages:page", args);
}

/* A first page that grew past twice its numItems comes with a split
 * cursor, and the two halves it names hold the same messages, with no
 * gap and no overlap. */
static void
test_page_split_recommended (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *general = NULL;
  g_autoptr(TestClient) client = open_client (fixture, "session-split", &general);
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) newer = NULL;
  g_autoptr(JsonNode) older = NULL;
  g_autofree char *head_cursor = NULL;
  JsonObject *result;

  send_numbered (client, general, 1, 4);
  first = subscribe_page (client, 1, general, "null", 2);
  assert_page_bodies (first, "m4 m3");

  for (guint i = 5; i <= 6; i++)
    {
      g_autoptr(JsonNode) grown = send_and_read_update (client, general, i);

      g_assert_false (json_object_has_member (json_node_get_object (grown), "splitCursor"));
      g_assert_false (json_object_has_member (json_node_get_object (grown), "pageStatus"));
    }

  g_clear_pointer (&first, json_node_unref);
  first = send_and_read_update (client, general, 7);
  assert_page_bodies (first, "m7 m6 m5 m4 m3");
  result = json_node_get_object (first);
  g_assert_cmpstr (json_object_get_string_member (result, "pageStatus"), ==, "SplitRecommended");
  g_assert_nonnull (json_object_get_string_member (result, "splitCursor"));

  newer = subscribe_page_range (client, 2, general, "null",
                                json_object_get_string_member (result, "splitCursor"), 2);
  assert_page_bodies (newer, "m7 m6");
  g_assert_false (json_object_has_member (json_node_get_object (newer), "splitCursor"));

  head_cursor = g_strdup_printf ("\"%s\"", json_object_get_string_member (result, "splitCursor"));
  older = subscribe_page_range (client, 3, general, head_cursor,
                                json_object_get_string_member (result, "continueCursor"), 2);
  assert_page_bodies (older, "m5 m4 m3");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (older), "continueCursor"),
                   ==, json_object_get_string_member (result, "continueCursor"));
}

/* Sends only run again the pages that can take in a new message. One
 * whose cursor is above every message so far is such a page, and one
 * bounded by an older message's cursor changes only on an edit. */
static void
test_page_open_cursor_updates (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autofree char *general = NULL;
  g_autoptr(TestClient) client = open_client (fixture, "session-open", &general);
  g_autoptr(JsonNode) above = NULL;
  g_autoptr(JsonNode) older = NULL;
  g_autoptr(JsonNode) grown = NULL;
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(JsonObject) transition = NULL;
  g_autofree char *edit_args = NULL;
  JsonArray *modifications;
  JsonObject *edited;

  send_numbered (client, general, 1, 3);
  above = subscribe_page (client, 1, general, "\"1000000\"", 5);
  assert_page_bodies (above, "m3 m2 m1");

  /* In a new database m1 to m3 have the sequence numbers 1 to 3. */
  older = subscribe_page (client, 2, general, "\"2\"", 5);
  assert_page_bodies (older, "m1");

  grown = send_and_read_update (client, general, 4);
  assert_page_bodies (grown, "m4 m3 m2 m1");

  edit_args = g_strdup_printf ("{\"body\":\"m1 edited\",\"id\":\"%s\"}",
                               json_object_get_string_member (json_array_get_object_element (
                                 json_object_get_array_member (json_node_get_object (older), "page"),
                                 0), "_id"));
  response = test_client_mutate (client, 10, "messages:edit", edit_args);
  g_assert_true (json_object_get_boolean_member (response, "success"));
  transition = test_client_expect (client, "Transition");
  modifications = json_object_get_array_member (transition, "modifications");
  g_assert_cmpuint (json_array_get_length (modifications), ==, 2);
  edited = json_array_get_object_element (modifications, 1);
  g_assert_cmpint (json_object_get_int_member (edited, "queryId"), ==, 2);
}

/* Two connections at the same versions that subscribe to the same query
 * under different query ids each get a Transition with their own id,
 * although the server builds one frame per distinct content. */
static void
test_shared_result_own_query_id (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autofree char *general = NULL;
  g_autofree char *general_b = NULL;
  g_autofree char *general_c = NULL;
  g_autoptr(TestClient) first = open_client (fixture, "session-id-a", &general);
  g_autoptr(TestClient) second = open_client (fixture, "session-id-b", &general_b);
  g_autoptr(TestClient) sender = open_client (fixture, "session-id-c", &general_c);
  g_autofree char *list_args = g_strdup_printf ("{\"channel\":\"%s\"}", general);
  g_autofree char *send_args = g_strdup_printf ("{\"author\":\"ada\",\"body\":\"hi\","
                                                "\"channel\":\"%s\"}", general);
  g_autoptr(JsonNode) first_value = NULL;
  g_autoptr(JsonNode) second_value = NULL;
  g_autoptr(JsonNode) sent = NULL;
  TestClient *readers[] = { first, second };
  const guint query_ids[] = { 1, 7 };

  first_value = test_client_subscribe (first, 1, 1, "messages:list", list_args);
  second_value = test_client_subscribe (second, 1, 7, "messages:list", list_args);
  sent = mutate_ok (sender, 1, "messages:send", send_args);

  for (guint i = 0; i < G_N_ELEMENTS (readers); i++)
    {
      g_autoptr(JsonObject) transition = test_client_expect (readers[i], "Transition");
      JsonArray *modifications = json_object_get_array_member (transition, "modifications");
      JsonObject *modification = json_array_get_object_element (modifications, 0);

      g_assert_cmpuint (json_array_get_length (modifications), ==, 1);
      g_assert_cmpint (json_object_get_int_member (modification, "queryId"), ==, query_ids[i]);
    }
}

/* Connections share the results of the queries they add until the next
 * commit, so a query added after a send has to include it. */
static void
test_added_query_sees_commit (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree char *general = NULL;
  g_autofree char *general_b = NULL;
  g_autoptr(TestClient) first = open_client (fixture, "session-added-a", &general);
  g_autoptr(TestClient) second = open_client (fixture, "session-added-b", &general_b);
  g_autofree char *list_args = g_strdup_printf ("{\"channel\":\"%s\"}", general);
  g_autofree char *send_args = g_strdup_printf ("{\"author\":\"ada\",\"body\":\"hi\","
                                                "\"channel\":\"%s\"}", general);
  g_autoptr(JsonNode) before = NULL;
  g_autoptr(JsonNode) same = NULL;
  g_autoptr(JsonNode) sent = NULL;
  g_autoptr(JsonNode) after = NULL;

  before = test_client_subscribe (first, 1, 1, "messages:list", list_args);
  same = test_client_subscribe (second, 1, 1, "messages:list", list_args);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (before)), ==, 0);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (same)), ==, 0);

  sent = mutate_ok (first, 1, "messages:send", send_args);
  json_object_unref (test_client_expect (second, "Transition"));
  after = test_client_subscribe (second, 2, 2, "messages:list", list_args);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (after)), ==, 1);
}

/* Adds a first-page subscription of @num_items with @journal (JSON text)
 * and returns its QueryUpdated modification. */
static JsonObject *
subscribe_page_with_journal (TestClient *client,
                             guint       base_version,
                             const char *channel,
                             guint       num_items,
                             const char *journal)
{
  g_autoptr(JsonObject) transition = NULL;
  JsonObject *modification;

  test_client_send (client, "{\"type\":\"ModifyQuerySet\",\"baseVersion\":%u,\"newVersion\":%u,"
                    "\"modifications\":[{\"type\":\"Add\",\"queryId\":%u,"
                    "\"udfPath\":\"messages:page\",\"args\":[{\"channel\":\"%s\","
                    "\"paginationOpts\":{\"cursor\":null,\"numItems\":%u}}],\"journal\":%s}]}",
                    base_version, base_version + 1, base_version, channel, num_items, journal);
  transition = test_client_expect (client, "Transition");
  modification = json_array_get_object_element (json_object_get_array_member (transition,
                                                                              "modifications"), 0);
  g_assert_cmpstr (json_object_get_string_member (modification, "type"), ==, "QueryUpdated");

  return json_object_ref (modification);
}

/* A journal the server did not issue for this page is ignored, so it
 * cannot stretch a page over the whole channel. One it issued keeps the
 * page's end. */
static void
test_page_journal_forged (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *general = NULL;
  g_autoptr(TestClient) client = open_client (fixture, "session-journal", &general);
  g_autoptr(JsonObject) plain = NULL;
  g_autoptr(JsonObject) forged = NULL;
  g_autoptr(JsonObject) issued = NULL;
  g_autoptr(JsonObject) kept = NULL;
  g_autoptr(JsonObject) other_channel = NULL;
  g_autofree char *random = NULL;
  g_autofree char *journal = NULL;

  send_numbered (client, general, 1, 5);

  plain = subscribe_page_with_journal (client, 1, general, 2, "\"1\"");
  assert_page_bodies (json_object_get_member (plain, "value"), "m5 m4");

  forged = subscribe_page_with_journal (client, 2, general, 2, "\"1:0123456789abcdef\"");
  assert_page_bodies (json_object_get_member (forged, "value"), "m5 m4");

  issued = subscribe_page_with_journal (client, 3, general, 2, "null");
  assert_page_bodies (json_object_get_member (issued, "value"), "m5 m4");
  journal = g_strdup_printf ("\"%s\"", json_object_get_string_member (issued, "journal"));
  send_numbered (client, general, 6, 1);

  kept = subscribe_page_with_journal (client, 4, general, 2, journal);
  assert_page_bodies (json_object_get_member (kept, "value"), "m6 m5 m4");

  /* The journal does not apply to another channel: the empty first page
   * of "random" ends at 1, not at the end the journal names. */
  random = test_client_find_channel (client, 5, 5, "random");
  other_channel = subscribe_page_with_journal (client, 6, random, 2, journal);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (other_channel, "journal"), "1:"));
}

static void
test_page_bad_options (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *general = NULL;
  g_autoptr(TestClient) client = open_client (fixture, "session-page-bad", &general);
  g_autoptr(JsonNode) bad_cursor = subscribe_page (client, 1, general, "\"nope\"", 3);
  g_autoptr(JsonNode) too_many = subscribe_page (client, 2, general, "null", 5000);

  g_assert_null (bad_cursor);
  g_assert_null (too_many);
}

static void
test_edit_and_remove (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *general = NULL;
  g_autoptr(TestClient) client = open_client (fixture, "session-edit", &general);
  g_autofree char *list_args = g_strdup_printf ("{\"channel\":\"%s\"}", general);
  g_autoptr(JsonNode) list = test_client_subscribe (client, 1, 1, "messages:list", list_args);
  g_autoptr(JsonNode) id = NULL;
  g_autoptr(JsonObject) edited = NULL;
  g_autoptr(JsonObject) removed = NULL;
  g_autofree char *args = NULL;
  g_autofree char *send = NULL;
  JsonObject *message;

  send = g_strdup_printf ("{\"author\":\"ada\",\"body\":\"typo\",\"channel\":\"%s\"}", general);
  id = mutate_ok (client, 0, "messages:send", send);

  args = g_strdup_printf ("{\"body\":\"fixed\",\"id\":\"%s\"}", json_node_get_string (id));
  test_client_mutate (client, 1, "messages:edit", args);
  edited = test_client_expect (client, "Transition");
  message = json_array_get_object_element (
    json_node_get_array (json_object_get_member (
      json_array_get_object_element (json_object_get_array_member (edited, "modifications"), 0),
      "value")), 0);
  g_assert_cmpstr (json_object_get_string_member (message, "body"), ==, "fixed");
  g_assert_true (json_object_has_member (message, "editedAt"));
  g_assert_true (json_object_has_member (message, "clientId"));

  g_clear_pointer (&args, g_free);
  args = g_strdup_printf ("{\"id\":\"%s\"}", json_node_get_string (id));
  test_client_mutate (client, 2, "messages:remove", args);
  removed = test_client_expect (client, "Transition");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (json_object_get_member (
    json_array_get_object_element (json_object_get_array_member (removed, "modifications"), 0),
    "value"))), ==, 0);

  json_object_unref (mutate_fail (client, 3, "messages:remove", args, "no message has the id"));
}

/* A send retried with the client id of a removed message, from a new
 * session as after an app restart, returns the removed id and posts
 * nothing. */
static void
test_removed_client_id (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *general = NULL;
  g_autofree char *retry_general = NULL;
  g_autoptr(TestClient) client = open_client (fixture, "session-before", &general);
  g_autoptr(TestClient) retry = NULL;
  g_autoptr(JsonNode) id = NULL;
  g_autoptr(JsonNode) removed = NULL;
  g_autoptr(JsonNode) resent = NULL;
  g_autoptr(JsonNode) other = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autofree char *send = NULL;
  g_autofree char *remove = NULL;
  g_autofree char *list_args = g_strdup_printf ("{\"channel\":\"%s\"}", general);

  send = g_strdup_printf ("{\"author\":\"ada\",\"body\":\"oops\",\"channel\":\"%s\","
                          "\"clientId\":\"retried-1\"}", general);
  id = mutate_ok (client, 0, "messages:send", send);
  remove = g_strdup_printf ("{\"id\":\"%s\"}", json_node_get_string (id));
  removed = mutate_ok (client, 1, "messages:remove", remove);

  retry = open_client (fixture, "session-after", &retry_general);
  resent = mutate_ok (retry, 0, "messages:send", send);
  g_assert_cmpstr (json_node_get_string (resent), ==, json_node_get_string (id));

  list = test_client_subscribe (retry, 1, 1, "messages:list", list_args);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 0);

  /* Another client id still posts. */
  g_clear_pointer (&send, g_free);
  send = g_strdup_printf ("{\"author\":\"ada\",\"body\":\"new\",\"channel\":\"%s\","
                          "\"clientId\":\"retried-2\"}", general);
  other = mutate_ok (retry, 1, "messages:send", send);
  g_assert_cmpstr (json_node_get_string (other), !=, json_node_get_string (id));
}

/* A frame with two Mutations is rejected whole: the connection closes
 * with a reason and neither mutation runs. */
static void
test_two_mutations_rejected (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *general = NULL;
  g_autofree char *check_general = NULL;
  g_autoptr(TestClient) client = open_client (fixture, "session-twins", &general);
  g_autoptr(TestClient) check = NULL;
  g_autoptr(JsonNode) channels = NULL;
  JsonArray *array;

  g_test_expect_message ("chorus-connection", G_LOG_LEVEL_WARNING, "*exactly one JSON value*");
  test_client_send (client, "{\"type\":\"Mutation\",\"requestId\":0,\"udfPath\":\"channels:create\","
                    "\"args\":[{\"name\":\"twin-a\"}]}"
                    "{\"type\":\"Mutation\",\"requestId\":1,\"udfPath\":\"channels:create\","
                    "\"args\":[{\"name\":\"twin-b\"}]}");
  test_client_wait_closed (client);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (client->close_code, ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  g_assert_nonnull (strstr (client->close_reason, "exactly one JSON value"));

  check = open_client (fixture, "session-check", &check_general);
  channels = test_client_subscribe (check, 1, 1, "channels:list", "{}");
  array = json_node_get_array (channels);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      const char *name = json_object_get_string_member (json_array_get_object_element (array, i),
                                                        "name");

      g_assert_false (g_str_has_prefix (name, "twin-"));
    }
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
}

static void
test_nul_rejected (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *general = NULL;
  g_autoptr(TestClient) client = open_client (fixture, "session-nul", &general);
  g_autofree char *args = g_strdup_printf ("{\"author\":\"ada\",\"body\":\"ab\\u0000cd\","
                                           "\"channel\":\"%s\"}", general);
  g_autofree char *escaped = g_strdup_printf ("{\"author\":\"ada\",\"body\":\"a\\\\u0000\","
                                              "\"channel\":\"%s\"}", general);
  g_autoptr(JsonObject) data_nul = mutate_fail (client, 0, "messages:send", args, "NUL");
  g_autoptr(JsonNode) ok = NULL;

  g_assert_cmpstr (json_object_get_string_member (data_nul, "field"), ==, "body");
  g_assert_cmpstr (json_object_get_string_member (data_nul, "code"), ==, "InvalidArgument");

  /* An escaped backslash followed by "u0000" is ordinary text. */
  ok = mutate_ok (client, 1, "messages:send", escaped);
}

static void
test_error_data (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *general = NULL;
  g_autoptr(TestClient) client = open_client (fixture, "session-error-data", &general);
  g_autofree char *long_body = g_strnfill (4001, 'x');
  g_autofree char *args = g_strdup_printf ("{\"author\":\"ada\",\"body\":\"%s\",\"channel\":\"%s\"}",
                                           long_body, general);
  g_autoptr(JsonObject) error_data = mutate_fail (client, 0, "messages:send", args, "4000");
  g_autoptr(JsonObject) unknown = mutate_fail (client, 1, "messages:nothing", "{}", "messages:nothing");

  g_assert_cmpstr (json_object_get_string_member (error_data, "field"), ==, "body");
  g_assert_cmpstr (json_object_get_string_member (unknown, "code"), ==, "UnknownFunction");
}

static void
test_mutation_path_canonical (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree char *general = NULL;
  g_autoptr(TestClient) client = open_client (fixture, "session-path", &general);
  g_autofree char *args = g_strdup_printf ("{\"author\":\"ada\",\"body\":\"hi\",\"channel\":\"%s\"}",
                                           general);
  g_autoptr(JsonNode) id = mutate_ok (client, 0, "messages.js:send", args);

  g_assert_nonnull (json_node_get_string (id));
}

static void
authenticate (TestClient *client,
              const char *token)
{
  test_client_send (client, "{\"type\":\"Authenticate\",\"tokenType\":\"User\","
                    "\"value\":\"%s\",\"baseVersion\":0}", token);
}

static void
test_token_required (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(TestClient) client = test_client_new (fixture->port, NULL);
  g_autoptr(JsonNode) channels = NULL;
  g_autoptr(JsonObject) error_data = NULL;

  test_client_connect (client, "session-anonymous");
  channels = test_client_subscribe (client, 0, 0, "channels:list", "{}");
  g_assert_null (channels);
  error_data = mutate_fail (client, 0, "channels:create", "{\"name\":\"x\"}", "Unauthenticated");
  g_assert_cmpstr (json_object_get_string_member (error_data, "code"), ==, "Unauthenticated");
}

static void
test_token_invalid (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(TestClient) client = test_client_new (fixture->port, NULL);
  g_autoptr(JsonObject) error = NULL;

  test_client_connect (client, "session-bad-token");
  g_test_expect_message ("chorus-connection", G_LOG_LEVEL_WARNING, "*Invalid token*");
  authenticate (client, "ada-token-0123456788");
  error = test_client_expect (client, "AuthError");
  g_assert_true (json_object_get_boolean_member (error, "authUpdateAttempted"));
  test_client_wait_closed (client);
  g_test_assert_expected_messages ();
}

/* Opens a client authenticated with @token and returns the general
 * channel's id. */
static TestClient *
open_user (Fixture     *fixture,
           const char  *session_id,
           const char  *token,
           char       **out_general)
{
  TestClient *client = test_client_new (fixture->port, NULL);
  g_autoptr(JsonObject) confirmed = NULL;
  JsonObject *end;

  test_client_connect (client, session_id);
  authenticate (client, token);
  confirmed = test_client_expect (client, "Transition");
  end = json_object_get_object_member (confirmed, "endVersion");
  g_assert_cmpint (json_object_get_int_member (end, "identity"), ==, 1);

  *out_general = test_client_find_channel (client, 0, 0, "general");
  return client;
}

static void
test_token_sets_author (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *general = NULL;
  g_autofree char *other = NULL;
  g_autoptr(TestClient) ada = open_user (fixture, "session-ada", "ada-token-0123456789", &general);
  g_autoptr(TestClient) lin = open_user (fixture, "session-lin", "lin-token-0123456789", &other);
  g_autofree char *args = g_strdup_printf ("{\"author\":\"lin\",\"body\":\"hi\",\"channel\":\"%s\"}",
                                           general);
  g_autofree char *list_args = g_strdup_printf ("{\"channel\":\"%s\"}", general);
  g_autoptr(JsonNode) id = mutate_ok (ada, 0, "messages:send", args);
  g_autoptr(JsonNode) list = test_client_subscribe (ada, 1, 1, "messages:list", list_args);
  g_autofree char *edit = g_strdup_printf ("{\"body\":\"mine\",\"id\":\"%s\"}",
                                           json_node_get_string (id));
  g_autoptr(JsonObject) forbidden = NULL;
  JsonObject *message = json_array_get_object_element (json_node_get_array (list), 0);

  g_assert_cmpstr (json_object_get_string_member (message, "author"), ==, "ada");
  forbidden = mutate_fail (lin, 0, "messages:edit", edit, "only the author");
  g_assert_cmpstr (json_object_get_string_member (forbidden, "code"), ==, "Forbidden");
}

static void
test_ping_when_idle (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *general = NULL;
  g_autoptr(TestClient) client = NULL;
  g_autoptr(JsonObject) ping = NULL;
  gint64 start;

  chorus_server_set_ping_interval (fixture->server, 200);
  client = open_client (fixture, "session-ping", &general);

  start = g_get_monotonic_time ();
  ping = test_client_next (client);
  g_assert_cmpstr (json_object_get_string_member (ping, "type"), ==, "Ping");
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 150 * 1000);
}

static void
test_transition_chunks (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(TestClient) client = test_client_new (fixture->port, NULL);
  g_autoptr(GString) joined = g_string_new (NULL);
  g_autoptr(JsonNode) transition = NULL;
  gint64 total = 0;

  chorus_server_set_limits (fixture->server, 0, 0, 1, 64);
  test_client_connect (client, "session-chunks");
  test_client_send (client, "{\"type\":\"ModifyQuerySet\",\"baseVersion\":0,\"newVersion\":1,"
                    "\"modifications\":[{\"type\":\"Add\",\"queryId\":0,"
                    "\"udfPath\":\"channels:list\",\"args\":[{}]}]}");

  do
    {
      g_autoptr(JsonObject) chunk = test_client_expect (client, "TransitionChunk");

      g_assert_cmpint (json_object_get_int_member (chunk, "partNumber"), ==, total == 0 ? 0 : (gint64) joined->len / 64);
      total = json_object_get_int_member (chunk, "totalParts");
      g_assert_cmpuint (strlen (json_object_get_string_member (chunk, "chunk")), <=, 64);
      g_string_append (joined, json_object_get_string_member (chunk, "chunk"));
      if (json_object_get_int_member (chunk, "partNumber") == total - 1)
        break;
    }
  while (TRUE);

  g_assert_cmpint (total, >, 1);
  transition = json_from_string (joined->str, NULL);
  g_assert_nonnull (transition);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (transition), "type"),
                   ==, "Transition");
}

static void
test_mutation_rate_limit (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *general = NULL;
  g_autoptr(TestClient) client = NULL;
  g_autoptr(JsonObject) limited = NULL;
  g_autofree char *args = NULL;

  chorus_server_set_limits (fixture->server, 0, 0.5, 2, 0);
  client = open_client (fixture, "session-rate", &general);
  send_numbered (client, general, 0, 2);

  args = g_strdup_printf ("{\"author\":\"ada\",\"body\":\"x\",\"channel\":\"%s\"}", general);
  limited = mutate_fail (client, 2, "messages:send", args, "TooManyRequests");
  g_assert_cmpstr (json_object_get_string_member (limited, "code"), ==, "RateLimited");
}

/* A subscriber that never reads is disconnected once the server has
 * queued more than the outbound limit for it. */
static void
test_slow_reader_disconnected (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autofree char *general = NULL;
  g_autofree char *reader_general = NULL;
  g_autoptr(TestClient) sender = NULL;
  g_autoptr(TestClient) reader = NULL;
  g_autofree char *body = g_strnfill (3000, 'y');
  g_autofree char *list_args = NULL;
  gint64 deadline;

  chorus_server_set_limits (fixture->server, 256 * 1024, 0, 1, 0);
  sender = open_client (fixture, "session-fast", &general);
  reader = open_client (fixture, "session-slow", &reader_general);
  list_args = g_strdup_printf ("{\"channel\":\"%s\"}", general);
  g_clear_pointer (&reader->ws, g_object_unref);
  g_assert_cmpuint (chorus_server_get_n_connections (fixture->server), ==, 2);

  /* Drop the reader's socket handling: keep the TCP connection open but
   * stop reading it. */
  test_client_send (sender, "{\"type\":\"ModifyQuerySet\",\"baseVersion\":1,\"newVersion\":2,"
                    "\"modifications\":[]}");
  json_object_unref (test_client_expect (sender, "Transition"));

  g_test_expect_message ("chorus-connection", G_LOG_LEVEL_WARNING, "*bytes wait to be sent*");
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  for (guint i = 0; chorus_server_get_n_connections (fixture->server) > 1; i++)
    {
      g_autofree char *args = g_strdup_printf ("{\"author\":\"ada\",\"body\":\"%s\","
                                               "\"channel\":\"%s\"}", body, general);

      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      json_object_unref (test_client_mutate (sender, i, "messages:send", args));
      json_object_unref (test_client_expect (sender, "Transition"));
    }
}

#define ADD_TEST(path, tokens, func) \
  g_test_add (path, Fixture, tokens, fixture_setup, func, fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  ADD_TEST ("/server-api/page-newest-first", NULL, test_page_newest_first);
  ADD_TEST ("/server-api/page-gapless", NULL, test_page_gapless);
  ADD_TEST ("/server-api/page-split-recommended", NULL, test_page_split_recommended);
  ADD_TEST ("/server-api/shared-result-own-query-id", NULL, test_shared_result_own_query_id);
  ADD_TEST ("/server-api/added-query-sees-commit", NULL, test_added_query_sees_commit);
  ADD_TEST ("/server-api/page-open-cursor-updates", NULL, test_page_open_cursor_updates);
  ADD_TEST ("/server-api/page-journal-forged", NULL, test_page_journal_forged);
  ADD_TEST ("/server-api/page-bad-options", NULL, test_page_bad_options);
  ADD_TEST ("/server-api/edit-and-remove", NULL, test_edit_and_remove);
  ADD_TEST ("/server-api/removed-client-id", NULL, test_removed_client_id);
  ADD_TEST ("/server-api/two-mutations-rejected", NULL, test_two_mutations_rejected);
  ADD_TEST ("/server-api/nul-rejected", NULL, test_nul_rejected);
  ADD_TEST ("/server-api/error-data", NULL, test_error_data);
  ADD_TEST ("/server-api/mutation-path-canonical", NULL, test_mutation_path_canonical);
  ADD_TEST ("/server-api/token-required", TOKENS, test_token_required);
  ADD_TEST ("/server-api/token-invalid", TOKENS, test_token_invalid);
  ADD_TEST ("/server-api/token-sets-author", TOKENS, test_token_sets_author);
  ADD_TEST ("/server-api/ping-when-idle", NULL, test_ping_when_idle);
  ADD_TEST ("/server-api/transition-chunks", NULL, test_transition_chunks);
  ADD_TEST ("/server-api/mutation-rate-limit", NULL, test_mutation_rate_limit);
  ADD_TEST ("/server-api/slow-reader-disconnected", NULL, test_slow_reader_disconnected);

  return g_test_run ();
}
