/* test-client.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "chorus-client-state.h"
#include "chorus-fake-transport.h"
#include "chorus-value.h"

#define LIST_PATH "messages:list"

typedef struct
{
  ChorusFakeTransport *transport;
  ChorusClient        *client;
  guint                query_set;  /* the server's query-set version */
  gint64               ts;         /* the server's last ts */
} Fixture;

typedef struct
{
  gboolean  done;
  JsonNode *result;
  GError   *error;
  guint    *changed_counter;
  guint     changed_at_completion;
  char     *visible_at_completion;
  ChorusClient *client;
} MutationState;

static void
mutation_state_clear (MutationState *state)
{
  g_clear_pointer (&state->result, json_node_unref);
  g_clear_error (&state->error);
  g_clear_pointer (&state->visible_at_completion, g_free);
}

static void
iterate_pending (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
wait_for_open_request (Fixture *f)
{
  while (!chorus_fake_transport_is_opening (f->transport))
    g_main_context_iteration (NULL, TRUE);
}

static void
accept_socket (Fixture *f)
{
  chorus_fake_transport_accept (f->transport);
  f->query_set = 0;
  f->ts = 0;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->transport = chorus_fake_transport_new ();
  f->client = chorus_client_new (CHORUS_TRANSPORT (f->transport));
  _chorus_client_set_backoff (f->client, 1, 2, 4);

  chorus_client_start (f->client);
  g_assert_true (chorus_fake_transport_is_opening (f->transport));
  accept_socket (f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  chorus_client_stop (f->client);
  iterate_pending ();
  g_assert_finalize_object (f->client);
  g_assert_finalize_object (f->transport);
}

static JsonObject *
sent_frame (Fixture *f,
            guint    index,
            JsonNode **root)
{
  *root = chorus_fake_transport_parse_sent (f->transport, index);
  return json_node_get_object (*root);
}

static guint
n_sent (Fixture *f)
{
  return chorus_fake_transport_get_sent (f->transport)->len;
}

static const char *
sent_text (Fixture *f,
           guint    index)
{
  return g_ptr_array_index (chorus_fake_transport_get_sent (f->transport), index);
}

static const char *
last_sent (Fixture *f)
{
  g_assert_cmpuint (n_sent (f), >, 0);
  return sent_text (f, n_sent (f) - 1);
}

/* Delivers a Transition that continues the server's chain up to @end_ts,
 * reporting every query-set version the client sent as applied. */
static void
deliver_transition (Fixture    *f,
                    gint64      end_ts,
                    const char *modifications)
{
  g_autofree char *start = chorus_encoded_ts_encode (f->ts);
  g_autofree char *end = chorus_encoded_ts_encode (end_ts);
  g_autofree char *frame = NULL;

  frame = g_strdup_printf ("{\"type\":\"Transition\","
                           "\"startVersion\":{\"querySet\":%u,\"ts\":\"%s\",\"identity\":0},"
                           "\"endVersion\":{\"querySet\":%u,\"ts\":\"%s\",\"identity\":0},"
                           "\"modifications\":[%s]}",
                           f->query_set, start, f->query_set + 1, end, modifications);
  f->query_set++;
  f->ts = end_ts;
  chorus_fake_transport_deliver (f->transport, frame);
}

static void
deliver_list (Fixture    *f,
              gint64      end_ts,
              const char *value)
{
  g_autofree char *modification = NULL;

  modification = g_strdup_printf ("{\"type\":\"QueryUpdated\",\"queryId\":0,\"value\":%s,"
                                  "\"logLines\":[],\"journal\":null}", value);
  deliver_transition (f, end_ts, modification);
}

static void
deliver_mutation_success (Fixture    *f,
                          guint       request_id,
                          gint64      ts,
                          const char *result)
{
  g_autofree char *encoded = chorus_encoded_ts_encode (ts);
  g_autofree char *frame = NULL;

  frame = g_strdup_printf ("{\"type\":\"MutationResponse\",\"requestId\":%u,\"success\":true,"
                           "\"result\":%s,\"ts\":\"%s\",\"logLines\":[]}",
                           request_id, result, encoded);
  chorus_fake_transport_deliver (f->transport, frame);
}

static void
deliver_mutation_failure (Fixture    *f,
                          guint       request_id,
                          const char *message)
{
  g_autofree char *frame = NULL;

  frame = g_strdup_printf ("{\"type\":\"MutationResponse\",\"requestId\":%u,\"success\":false,"
                           "\"result\":\"%s\",\"logLines\":[]}", request_id, message);
  chorus_fake_transport_deliver (f->transport, frame);
}

static void
count_cb (gpointer  instance,
          guint    *counter)
{
  (*counter)++;
}

static char *
value_text (JsonNode *node)
{
  return node ? chorus_value_to_canonical_string (node) : g_strdup ("(loading)");
}

static void
assert_value (ChorusSubscription *subscription,
              const char         *expected)
{
  g_autofree char *text = value_text (chorus_subscription_get_value (subscription));

  g_assert_cmpstr (text, ==, expected);
}

static JsonNode *
parse (const char *json)
{
  JsonNode *node = json_from_string (json, NULL);

  g_assert_nonnull (node);
  return node;
}

/* An optimistic update that appends the mutation's "body" to the list. */
static gboolean
append_body_update (ChorusLocalStore  *store,
                    JsonNode          *mutation_args,
                    gpointer           user_data,
                    GError           **error)
{
  JsonNode *current = chorus_local_store_get_query (store, LIST_PATH, NULL);
  const char *body = json_object_get_string_member (json_node_get_object (mutation_args), "body");
  g_autoptr(JsonNode) copy = NULL;
  JsonArray *array;
  guint *runs = user_data;

  if (runs != NULL)
    (*runs)++;
  if (current == NULL)
    return TRUE;

  copy = json_node_new (JSON_NODE_ARRAY);
  array = json_array_new ();
  for (guint i = 0; i < json_array_get_length (json_node_get_array (current)); i++)
    json_array_add_string_element (array, json_array_get_string_element (json_node_get_array (current), i));
  json_array_add_string_element (array, body);
  json_node_take_array (copy, array);

  chorus_local_store_set_query (store, LIST_PATH, NULL, copy);
  return TRUE;
}

static void
mutation_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  MutationState *state = user_data;
  g_autoptr(JsonNode) visible = NULL;

  state->result = chorus_client_mutation_finish (CHORUS_CLIENT (object), result, &state->error);
  state->done = TRUE;
  if (state->changed_counter != NULL)
    state->changed_at_completion = *state->changed_counter;

  visible = chorus_client_dup_query (CHORUS_CLIENT (object), LIST_PATH, NULL, NULL);
  state->visible_at_completion = value_text (visible);
}

static void
send_message (Fixture       *f,
              const char    *body,
              MutationState *state,
              guint         *runs)
{
  g_autofree char *json = g_strdup_printf ("{\"body\":\"%s\"}", body);
  g_autoptr(JsonNode) args = parse (json);

  chorus_client_mutation (f->client, "messages:send", args,
                          append_body_update, runs, NULL,
                          NULL, mutation_done_cb, state);
}

static void
test_connect_frames (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(JsonNode) connect = NULL;
  g_autoptr(JsonNode) query_set = NULL;
  g_autoptr(JsonNode) add = NULL;
  g_autoptr(JsonNode) args = parse ("{\"b\":1,\"a\":2}");
  g_autoptr(ChorusSubscription) first = NULL;
  g_autoptr(ChorusSubscription) second = NULL;
  JsonObject *frame;

  g_assert_cmpuint (n_sent (f), ==, 2);

  frame = sent_frame (f, 0, &connect);
  g_assert_cmpstr (json_object_get_string_member (frame, "type"), ==, "Connect");
  g_assert_cmpstr (json_object_get_string_member (frame, "sessionId"), ==,
                   chorus_client_get_session_id (f->client));
  g_assert_true (g_uuid_string_is_valid (chorus_client_get_session_id (f->client)));
  g_assert_cmpint (json_object_get_int_member (frame, "connectionCount"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (frame, "lastCloseReason"), ==, "InitialConnect");
  g_assert_false (json_object_has_member (frame, "maxObservedTimestamp"));
  g_assert_cmpint (json_object_get_int_member (frame, "clientTs"), >, 1700000000000);

  g_assert_cmpstr (sent_text (f, 1), ==,
                   "{\"type\":\"ModifyQuerySet\",\"baseVersion\":0,\"newVersion\":1,"
                   "\"modifications\":[]}");

  first = chorus_client_subscribe (f->client, "messages.js", args);
  g_assert_cmpstr (last_sent (f), ==,
                   "{\"type\":\"ModifyQuerySet\",\"baseVersion\":1,\"newVersion\":2,"
                   "\"modifications\":[{\"type\":\"Add\",\"queryId\":0,"
                   "\"udfPath\":\"messages:default\",\"args\":[{\"a\":2,\"b\":1}]}]}");
  g_assert_cmpstr (chorus_subscription_get_udf_path (first), ==, "messages:default");
  g_assert_true (chorus_subscription_is_loading (first));

  second = chorus_client_subscribe (f->client, LIST_PATH, NULL);
  frame = sent_frame (f, n_sent (f) - 1, &add);
  g_assert_cmpint (json_object_get_int_member (frame, "baseVersion"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (frame, "newVersion"), ==, 3);
  g_assert_cmpstr (last_sent (f), ==,
                   "{\"type\":\"ModifyQuerySet\",\"baseVersion\":2,\"newVersion\":3,"
                   "\"modifications\":[{\"type\":\"Add\",\"queryId\":1,"
                   "\"udfPath\":\"messages:list\",\"args\":[{}]}]}");
}

static void
test_subscription_dedupe (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(JsonNode) args1 = parse ("{\"p\":1,\"q\":2}");
  g_autoptr(JsonNode) args2 = parse ("{\"q\":2,\"p\":1}");
  ChorusSubscription *first;
  ChorusSubscription *second;
  ChorusSubscription *third;
  guint sent_before;

  first = chorus_client_subscribe (f->client, "q:get", args1);
  sent_before = n_sent (f);
  second = chorus_client_subscribe (f->client, "q.js:get", args2);
  g_assert_cmpuint (n_sent (f), ==, sent_before);

  deliver_transition (f, 10, "{\"type\":\"QueryUpdated\",\"queryId\":0,\"value\":7,\"logLines\":[],\"journal\":null}");
  g_assert_cmpint (json_node_get_int (chorus_subscription_get_value (first)), ==, 7);
  g_assert_cmpint (json_node_get_int (chorus_subscription_get_value (second)), ==, 7);

  g_object_unref (first);
  g_assert_cmpuint (n_sent (f), ==, sent_before);

  g_object_unref (second);
  g_assert_cmpuint (n_sent (f), ==, sent_before + 1);
  g_assert_cmpstr (last_sent (f), ==,
                   "{\"type\":\"ModifyQuerySet\",\"baseVersion\":2,\"newVersion\":3,"
                   "\"modifications\":[{\"type\":\"Remove\",\"queryId\":0}]}");

  third = chorus_client_subscribe (f->client, "q:get", args1);
  g_assert_cmpstr (last_sent (f), ==,
                   "{\"type\":\"ModifyQuerySet\",\"baseVersion\":3,\"newVersion\":4,"
                   "\"modifications\":[{\"type\":\"Add\",\"queryId\":1,"
                   "\"udfPath\":\"q:get\",\"args\":[{\"p\":1,\"q\":2}]}]}");
  g_assert_true (chorus_subscription_is_loading (third));
  g_object_unref (third);
}

/* Subscribes to the list, delivers ["a"] and makes a mutation that
 * appends "b". Returns the subscription, and @changed counts its signals. */
static ChorusSubscription *
set_up_pending_message (Fixture       *f,
                        MutationState *state,
                        guint         *changed)
{
  ChorusSubscription *subscription = chorus_client_subscribe (f->client, LIST_PATH, NULL);

  g_signal_connect (subscription, "changed", G_CALLBACK (count_cb), changed);
  deliver_list (f, 100, "[\"a\"]");
  g_assert_cmpuint (*changed, ==, 1);

  state->changed_counter = changed;
  send_message (f, "b", state, NULL);
  assert_value (subscription, "[\"a\",\"b\"]");
  g_assert_cmpuint (*changed, ==, 2);

  return subscription;
}

typedef struct
{
  Fixture *fixture;
  guint    sent_at_signal;
  char    *value_at_signal;
} SignalProbe;

static void
probe_changed_cb (ChorusSubscription *subscription,
                  SignalProbe        *probe)
{
  probe->sent_at_signal = n_sent (probe->fixture);
  g_free (probe->value_at_signal);
  probe->value_at_signal = value_text (chorus_subscription_get_value (subscription));
}

static void
test_optimistic_before_send (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(ChorusSubscription) subscription = chorus_client_subscribe (f->client, LIST_PATH, NULL);
  MutationState state = { 0 };
  SignalProbe probe = { f, 0, NULL };
  guint sent_before;

  deliver_list (f, 100, "[\"a\"]");
  g_signal_connect (subscription, "changed", G_CALLBACK (probe_changed_cb), &probe);
  sent_before = n_sent (f);

  send_message (f, "b", &state, NULL);

  g_assert_cmpstr (probe.value_at_signal, ==, "[\"a\",\"b\"]");
  g_assert_cmpuint (probe.sent_at_signal, ==, sent_before);
  g_assert_cmpuint (n_sent (f), ==, sent_before + 1);
  g_assert_cmpstr (last_sent (f), ==,
                   "{\"type\":\"Mutation\",\"requestId\":0,\"udfPath\":\"messages:send\","
                   "\"args\":[{\"body\":\"b\"}]}");
  g_assert_false (state.done);

  deliver_mutation_success (f, 0, 200, "null");
  deliver_list (f, 200, "[\"a\",\"b\"]");
  iterate_pending ();
  g_assert_true (state.done);
  mutation_state_clear (&state);
  g_free (probe.value_at_signal);
}

static void
test_optimistic_kept_below_commit (Fixture       *f,
                                   gconstpointer  data)
{
  MutationState state = { 0 };
  guint changed = 0;
  g_autoptr(ChorusSubscription) subscription = set_up_pending_message (f, &state, &changed);

  deliver_mutation_success (f, 0, 200, "{\"$integer\":\"BwAAAAAAAAA=\"}");
  g_assert_cmpuint (changed, ==, 2);

  deliver_list (f, 150, "[\"a\",\"x\"]");
  assert_value (subscription, "[\"a\",\"x\",\"b\"]");
  g_assert_cmpuint (changed, ==, 3);

  iterate_pending ();
  g_assert_false (state.done);

  deliver_list (f, 200, "[\"a\",\"x\",\"b\"]");
  iterate_pending ();
  g_assert_true (state.done);
  mutation_state_clear (&state);
}

static void
test_optimistic_replaced_at_commit (Fixture       *f,
                                    gconstpointer  data)
{
  MutationState state = { 0 };
  guint changed = 0;
  g_autoptr(ChorusSubscription) subscription = set_up_pending_message (f, &state, &changed);
  g_autofree char *result = NULL;

  deliver_mutation_success (f, 0, 200, "{\"$integer\":\"BwAAAAAAAAA=\"}");
  deliver_list (f, 200, "[\"a\",\"x\",\"b\"]");

  g_assert_cmpuint (changed, ==, 3);
  assert_value (subscription, "[\"a\",\"x\",\"b\"]");

  iterate_pending ();
  g_assert_true (state.done);
  g_assert_no_error (state.error);
  g_assert_cmpuint (state.changed_at_completion, ==, 3);
  g_assert_cmpstr (state.visible_at_completion, ==, "[\"a\",\"x\",\"b\"]");
  result = chorus_value_to_canonical_string (state.result);
  g_assert_cmpstr (result, ==, "{\"$integer\":\"BwAAAAAAAAA=\"}");

  deliver_list (f, 300, "[\"a\",\"x\"]");
  assert_value (subscription, "[\"a\",\"x\"]");
  mutation_state_clear (&state);
}

static void
test_optimistic_rolled_back_on_failure (Fixture       *f,
                                        gconstpointer  data)
{
  MutationState state = { 0 };
  guint changed = 0;
  g_autoptr(ChorusSubscription) subscription = set_up_pending_message (f, &state, &changed);

  deliver_mutation_failure (f, 0, "boom");
  g_assert_cmpuint (changed, ==, 3);
  assert_value (subscription, "[\"a\"]");

  iterate_pending ();
  g_assert_true (state.done);
  g_assert_error (state.error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_MUTATION_FAILED);
  g_assert_cmpstr (state.error->message, ==, "boom");
  g_assert_null (state.result);
  g_assert_cmpuint (state.changed_at_completion, ==, 3);

  /* Responses for finished or unknown requests are ignored. */
  deliver_mutation_failure (f, 0, "again");
  deliver_mutation_success (f, 42, 300, "null");
  g_assert_cmpuint (changed, ==, 3);
  mutation_state_clear (&state);
}

static void
test_unchanged_value_no_signal (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(ChorusSubscription) subscription = chorus_client_subscribe (f->client, LIST_PATH, NULL);
  guint changed = 0;

  g_signal_connect (subscription, "changed", G_CALLBACK (count_cb), &changed);
  deliver_list (f, 100, "[1,{\"k\":2}]");
  g_assert_cmpuint (changed, ==, 1);

  deliver_list (f, 110, "[1.0,{\"k\":2.0}]");
  deliver_transition (f, 120, "");
  g_assert_cmpuint (changed, ==, 1);

  deliver_list (f, 130, "[1,{\"k\":3}]");
  g_assert_cmpuint (changed, ==, 2);
}

static gboolean
failing_update (ChorusLocalStore  *store,
                JsonNode          *mutation_args,
                gpointer           user_data,
                GError           **error)
{
  g_autoptr(JsonNode) value = parse ("[\"partial\"]");
  guint *runs = user_data;

  (*runs)++;
  chorus_local_store_set_query (store, LIST_PATH, NULL, value);
  g_set_error_literal (error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_UPDATE_FAILED,
                       "No such channel");
  return FALSE;
}

static void
test_update_false_fails_mutation (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(ChorusSubscription) subscription = chorus_client_subscribe (f->client, LIST_PATH, NULL);
  MutationState state = { 0 };
  guint changed = 0;
  guint runs = 0;
  guint sent_before;

  deliver_list (f, 100, "[\"a\"]");
  g_signal_connect (subscription, "changed", G_CALLBACK (count_cb), &changed);
  sent_before = n_sent (f);

  chorus_client_mutation (f->client, "messages:send", NULL, failing_update, &runs, NULL,
                          NULL, mutation_done_cb, &state);
  g_assert_cmpuint (runs, ==, 1);
  g_assert_cmpuint (changed, ==, 0);
  g_assert_cmpuint (n_sent (f), ==, sent_before);
  assert_value (subscription, "[\"a\"]");

  iterate_pending ();
  g_assert_true (state.done);
  g_assert_error (state.error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_UPDATE_FAILED);
  g_assert_cmpstr (state.error->message, ==, "No such channel");

  deliver_list (f, 110, "[\"c\"]");
  g_assert_cmpuint (runs, ==, 1);
  assert_value (subscription, "[\"c\"]");
  mutation_state_clear (&state);
}

/* An update that, from run number @bad_from_run on, appends to the value
 * it was handed, which it must not change. The shallow variant appends
 * to a json_node_copy(), which shares the array with the original. */
typedef struct
{
  guint    runs;
  guint    bad_from_run;
  gboolean shallow_copy;
} InPlaceUpdate;

static gboolean
in_place_update (ChorusLocalStore  *store,
                 JsonNode          *mutation_args,
                 gpointer           user_data,
                 GError           **error)
{
  InPlaceUpdate *update = user_data;
  JsonNode *current = chorus_local_store_get_query (store, LIST_PATH, NULL);
  g_autoptr(JsonNode) copy = NULL;

  update->runs++;
  if (current == NULL || update->runs < update->bad_from_run)
    return TRUE;

  if (!update->shallow_copy)
    {
      json_array_add_string_element (json_node_get_array (current), "sneaky");
      return TRUE;
    }

  copy = json_node_copy (current);
  json_array_add_string_element (json_node_get_array (copy), "sneaky");
  chorus_local_store_set_query (store, LIST_PATH, NULL, copy);
  return TRUE;
}

static void
assert_changed_value_error (MutationState *state)
{
  g_assert_true (state->done);
  g_assert_error (state->error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_UPDATE_FAILED);
  g_assert_nonnull (strstr (state->error->message, "messages:send"));
  g_assert_nonnull (strstr (state->error->message, "query messages:list"));
}

static void
test_update_changing_value_fails (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(ChorusSubscription) subscription = chorus_client_subscribe (f->client, LIST_PATH, NULL);
  InPlaceUpdate update = { 0, 1, GPOINTER_TO_INT (data) };
  MutationState state = { 0 };
  guint sent_before;

  deliver_list (f, 100, "[\"a\"]");
  sent_before = n_sent (f);

  g_test_expect_message ("chorus-client", G_LOG_LEVEL_WARNING, "*changed the value of query*");
  chorus_client_mutation (f->client, "messages:send", NULL, in_place_update, &update, NULL,
                          NULL, mutation_done_cb, &state);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (update.runs, ==, 1);
  g_assert_cmpuint (n_sent (f), ==, sent_before);
  assert_value (subscription, "[\"a\"]");

  iterate_pending ();
  assert_changed_value_error (&state);
  g_assert_cmpstr (state.visible_at_completion, ==, "[\"a\"]");

  deliver_list (f, 110, "[\"a\",\"b\"]");
  g_assert_cmpuint (update.runs, ==, 1);
  assert_value (subscription, "[\"a\",\"b\"]");
  mutation_state_clear (&state);
}

static void
test_update_changing_value_on_replay (Fixture       *f,
                                      gconstpointer  data)
{
  g_autoptr(ChorusSubscription) subscription = chorus_client_subscribe (f->client, LIST_PATH, NULL);
  InPlaceUpdate update = { 0, 2, GPOINTER_TO_INT (data) };
  MutationState bad = { 0 };
  MutationState good = { 0 };
  guint good_runs = 0;

  deliver_list (f, 100, "[\"a\"]");
  chorus_client_mutation (f->client, "messages:send", NULL, in_place_update, &update, NULL,
                          NULL, mutation_done_cb, &bad);
  send_message (f, "b", &good, &good_runs);
  assert_value (subscription, "[\"a\",\"b\"]");

  /* The replay on the new server result changes the result itself. */
  g_test_expect_message ("chorus-client", G_LOG_LEVEL_WARNING, "*changed the value of query*");
  deliver_list (f, 110, "[\"c\"]");
  g_test_assert_expected_messages ();
  iterate_pending ();

  assert_changed_value_error (&bad);
  g_assert_false (good.done);
  g_assert_cmpuint (update.runs, ==, 2);
  assert_value (subscription, "[\"c\",\"b\"]");

  deliver_mutation_success (f, 1, 120, "null");
  deliver_list (f, 120, "[\"c\",\"b\"]");
  iterate_pending ();
  g_assert_true (good.done);
  g_assert_no_error (good.error);
  g_assert_cmpuint (update.runs, ==, 2);
  assert_value (subscription, "[\"c\",\"b\"]");

  mutation_state_clear (&bad);
  mutation_state_clear (&good);
}

/* Changes the first row of the list in place, which json-glib 1.6 allows
 * on a sealed object. */
static gboolean
change_row_update (ChorusLocalStore  *store,
                   JsonNode          *mutation_args,
                   gpointer           user_data,
                   GError           **error)
{
  JsonNode *current = chorus_local_store_get_query (store, LIST_PATH, NULL);

  if (current != NULL)
    json_object_set_string_member (json_array_get_object_element (json_node_get_array (current), 0),
                                   "body", "sneaky");
  return TRUE;
}

/* Rows of a result are shared with the next result of the query, so a row
 * that an update changed must not come back in a later result. */
static void
test_update_changing_shared_row (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(ChorusSubscription) subscription = chorus_client_subscribe (f->client, LIST_PATH, NULL);
  MutationState state = { 0 };

  deliver_list (f, 100, "[{\"body\":\"a\"}]");
  g_test_expect_message ("chorus-client", G_LOG_LEVEL_WARNING, "*changed the value of query*");
  chorus_client_mutation (f->client, "messages:send", NULL, change_row_update, NULL, NULL,
                          NULL, mutation_done_cb, &state);
  g_test_assert_expected_messages ();
  iterate_pending ();
  assert_changed_value_error (&state);
  assert_value (subscription, "[{\"body\":\"a\"}]");

  deliver_list (f, 110, "[{\"body\":\"a\"},{\"body\":\"b\"}]");
  assert_value (subscription, "[{\"body\":\"a\"},{\"body\":\"b\"}]");
  mutation_state_clear (&state);
}

/* Only a JWT with numeric "iat" and "exp" claims has a lifetime, and
 * anything else in a token is read without a warning. */
static void
test_token_lifetime (void)
{
  const struct {
    const char *token;
    gint64      lifetime;
  } cases[] = {
    /* {"iat":1000,"exp":1060} and {"iat":1.5e3,"exp":1600} */
    { "eyJhbGciOiJub25lIn0.eyJpYXQiOjEwMDAsImV4cCI6MTA2MH0.sig", 60 },
    { "x.eyJpYXQiOjEuNWUzLCJleHAiOjE2MDB9.", 100 },
    /* {"exp":1060}, {"iat":{},"exp":1060}, {"iat":"1000","exp":1060} */
    { "x.eyJleHAiOjEwNjB9.y", 0 },
    { "x.eyJpYXQiOnt9LCJleHAiOjEwNjB9.y", 0 },
    { "x.eyJpYXQiOiIxMDAwIiwiZXhwIjoxMDYwfQ.y", 0 },
    /* [1], "null", bytes that are not UTF-8, a NUL byte, no JSON */
    { "x.WzFd.y", 0 },
    { "x.bnVsbA.y", 0 },
    { "x._-8.y", 0 },
    { "x.AAAA.y", 0 },
    { "x.bm90IGpzb24.y", 0 },
    { "JWT1", 0 },
    { "a.b", 0 },
    { "a.b.c.d", 0 },
    { "..", 0 },
    { "", 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (_chorus_client_token_lifetime (cases[i].token), ==, cases[i].lifetime);
}

/* Copies the value of q:a into q:b, when q:a has one. */
static gboolean
copy_a_to_b_update (ChorusLocalStore  *store,
                    JsonNode          *mutation_args,
                    gpointer           user_data,
                    GError           **error)
{
  JsonNode *a = chorus_local_store_get_query (store, "q:a", NULL);

  if (a != NULL)
    chorus_local_store_set_query (store, "q:b", NULL, a);
  return TRUE;
}

/* Unsubscribing from a query that an update read changes what the update
 * writes, and the other subscriptions hear of it. */
static void
test_unsubscribe_notifies (Fixture       *f,
                           gconstpointer  data)
{
  ChorusSubscription *a = chorus_client_subscribe (f->client, "q:a", NULL);
  g_autoptr(ChorusSubscription) b = chorus_client_subscribe (f->client, "q:b", NULL);
  MutationState state = { 0 };
  guint changed = 0;

  deliver_transition (f, 100,
                      "{\"type\":\"QueryUpdated\",\"queryId\":0,\"value\":\"from a\","
                      "\"logLines\":[],\"journal\":null},"
                      "{\"type\":\"QueryUpdated\",\"queryId\":1,\"value\":\"b\","
                      "\"logLines\":[],\"journal\":null}");
  chorus_client_mutation (f->client, "m:copy", NULL, copy_a_to_b_update, NULL, NULL,
                          NULL, mutation_done_cb, &state);
  assert_value (b, "\"from a\"");
  g_signal_connect (b, "changed", G_CALLBACK (count_cb), &changed);

  g_object_unref (a);
  iterate_pending ();
  g_assert_cmpuint (changed, ==, 1);
  assert_value (b, "\"b\"");

  chorus_client_stop (f->client);
  iterate_pending ();
  mutation_state_clear (&state);
}

static void
reconnect (Fixture *f)
{
  chorus_fake_transport_drop (f->transport, "InternalServerError");
  wait_for_open_request (f);
  accept_socket (f);
}

static void
test_retries_wait_for_mutation (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(ChorusSubscription) subscription = chorus_client_subscribe (f->client, LIST_PATH, NULL);
  MutationState state = { 0 };

  deliver_list (f, 100, "[\"a\"]");
  g_assert_cmpuint (f->client->retries, ==, 0);
  send_message (f, "b", &state, NULL);

  reconnect (f);
  g_assert_cmpuint (f->client->retries, >, 0);

  /* The query is confirmed, but the mutation from before is in flight. */
  deliver_list (f, 200, "[\"a\"]");
  g_assert_cmpuint (f->client->retries, >, 0);

  deliver_mutation_success (f, 0, 300, "null");
  g_assert_cmpuint (f->client->retries, >, 0);
  deliver_transition (f, 400, "");
  iterate_pending ();
  g_assert_true (state.done);
  g_assert_cmpuint (f->client->retries, ==, 0);
  mutation_state_clear (&state);
}

static void
test_retries_wait_for_queries (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(ChorusSubscription) subscription = chorus_client_subscribe (f->client, LIST_PATH, NULL);

  deliver_list (f, 100, "[\"a\"]");
  reconnect (f);
  g_assert_cmpuint (f->client->retries, >, 0);

  /* An empty Transition does not confirm the query sent again. */
  deliver_transition (f, 150, "");
  g_assert_cmpuint (f->client->retries, >, 0);

  deliver_list (f, 200, "[\"refreshed\"]");
  g_assert_cmpuint (f->client->retries, ==, 0);
}

static void
assert_error_data (const GError *error,
                   const char   *expected)
{
  g_autofree char *text = value_text (chorus_client_error_get_data (error));

  g_assert_cmpstr (text, ==, expected);
}

static void
test_error_data (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(ChorusSubscription) subscription = chorus_client_subscribe (f->client, LIST_PATH, NULL);
  g_autoptr(GError) other = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "other");
  MutationState with_data = { 0 };
  MutationState without_data = { 0 };

  deliver_transition (f, 100, "{\"type\":\"QueryFailed\",\"queryId\":0,"
                              "\"errorMessage\":\"No access\",\"errorData\":{\"code\":403},"
                              "\"logLines\":[],\"journal\":null}");
  g_assert_error (chorus_subscription_get_error (subscription),
                  CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_QUERY_FAILED);
  assert_error_data (chorus_subscription_get_error (subscription), "{\"code\":403}");

  chorus_client_mutation (f->client, "messages:send", NULL, NULL, NULL, NULL,
                          NULL, mutation_done_cb, &with_data);
  chorus_client_mutation (f->client, "messages:send", NULL, NULL, NULL, NULL,
                          NULL, mutation_done_cb, &without_data);
  chorus_fake_transport_deliver (f->transport,
                                 "{\"type\":\"MutationResponse\",\"requestId\":0,"
                                 "\"success\":false,\"result\":\"Channel is full\","
                                 "\"errorData\":[\"full\",2],\"logLines\":[]}");
  deliver_mutation_failure (f, 1, "Plain failure");
  iterate_pending ();

  g_assert_error (with_data.error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_MUTATION_FAILED);
  assert_error_data (with_data.error, "[\"full\",2]");
  g_assert_true (json_node_is_immutable (chorus_client_error_get_data (with_data.error)));
  g_assert_error (without_data.error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_MUTATION_FAILED);
  g_assert_null (chorus_client_error_get_data (without_data.error));
  g_assert_null (chorus_client_error_get_data (other));

  mutation_state_clear (&with_data);
  mutation_state_clear (&without_data);
}

static void
test_reconnect_resends (Fixture       *f,
                        gconstpointer  data)
{
  MutationState first = { 0 };
  MutationState second = { 0 };
  MutationState third = { 0 };
  guint changed = 0;
  g_autoptr(ChorusSubscription) subscription = set_up_pending_message (f, &first, &changed);
  g_autoptr(GPtrArray) old_frames = NULL;
  g_autoptr(JsonNode) connect = NULL;
  g_autofree char *expected_ts = chorus_encoded_ts_encode (200);
  JsonObject *frame;

  deliver_mutation_success (f, 0, 200, "null");
  chorus_fake_transport_drop (f->transport, "InternalServerError: test");
  g_assert_cmpint (chorus_client_get_connection_state (f->client), ==,
                   CHORUS_CONNECTION_DISCONNECTED);

  send_message (f, "c", &second, NULL);
  assert_value (subscription, "[\"a\",\"b\",\"c\"]");

  old_frames = chorus_fake_transport_take_sent (f->transport);
  wait_for_open_request (f);
  g_assert_cmpint (chorus_client_get_connection_state (f->client), ==,
                   CHORUS_CONNECTION_CONNECTING);
  accept_socket (f);
  g_assert_cmpuint (n_sent (f), ==, 4);

  frame = sent_frame (f, 0, &connect);
  g_assert_cmpstr (json_object_get_string_member (frame, "type"), ==, "Connect");
  g_assert_cmpstr (json_object_get_string_member (frame, "sessionId"), ==,
                   chorus_client_get_session_id (f->client));
  g_assert_cmpint (json_object_get_int_member (frame, "connectionCount"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (frame, "lastCloseReason"), ==,
                   "InternalServerError: test");
  g_assert_cmpstr (json_object_get_string_member (frame, "maxObservedTimestamp"), ==, expected_ts);

  g_assert_cmpstr (sent_text (f, 1), ==,
                   "{\"type\":\"ModifyQuerySet\",\"baseVersion\":0,\"newVersion\":1,"
                   "\"modifications\":[{\"type\":\"Add\",\"queryId\":0,"
                   "\"udfPath\":\"messages:list\",\"args\":[{}],\"journal\":null}]}");
  g_assert_cmpstr (sent_text (f, 2), ==,
                   "{\"type\":\"Mutation\",\"requestId\":0,\"udfPath\":\"messages:send\","
                   "\"args\":[{\"body\":\"b\"}]}");
  g_assert_cmpstr (sent_text (f, 3), ==,
                   "{\"type\":\"Mutation\",\"requestId\":1,\"udfPath\":\"messages:send\","
                   "\"args\":[{\"body\":\"c\"}]}");

  /* The view keeps the old values until the first Transition, even when
   * a failure makes the client rebuild it. */
  assert_value (subscription, "[\"a\",\"b\",\"c\"]");
  chorus_client_mutation (f->client, "messages:send", NULL, NULL, NULL, NULL,
                          NULL, mutation_done_cb, &third);
  deliver_mutation_failure (f, 2, "rejected");
  assert_value (subscription, "[\"a\",\"b\",\"c\"]");
  iterate_pending ();
  g_assert_error (third.error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_MUTATION_FAILED);

  deliver_mutation_success (f, 0, 200, "null");
  deliver_list (f, 200, "[\"a\",\"b\"]");
  assert_value (subscription, "[\"a\",\"b\",\"c\"]");

  iterate_pending ();
  g_assert_true (first.done);
  g_assert_false (second.done);

  deliver_mutation_success (f, 1, 250, "null");
  deliver_list (f, 250, "[\"a\",\"b\",\"c\"]");
  iterate_pending ();
  g_assert_true (second.done);
  g_assert_no_error (second.error);

  mutation_state_clear (&first);
  mutation_state_clear (&second);
  mutation_state_clear (&third);
}

static void
test_start_version_mismatch (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(ChorusSubscription) subscription = chorus_client_subscribe (f->client, LIST_PATH, NULL);
  g_autofree char *expected_ts = chorus_encoded_ts_encode (100);
  g_autoptr(JsonNode) connect = NULL;
  JsonObject *frame;

  deliver_list (f, 100, "[\"a\"]");

  /* Pretend the server skipped a Transition. */
  f->ts = 130;
  g_test_expect_message ("chorus-client", G_LOG_LEVEL_WARNING, "*Invalid start version*");
  deliver_list (f, 500, "[\"z\"]");
  g_test_assert_expected_messages ();

  g_assert_cmpstr (chorus_fake_transport_get_close_reason (f->transport), ==, "ProtocolError");
  assert_value (subscription, "[\"a\"]");

  g_ptr_array_unref (chorus_fake_transport_take_sent (f->transport));
  wait_for_open_request (f);
  accept_socket (f);

  frame = sent_frame (f, 0, &connect);
  g_assert_cmpint (json_object_get_int_member (frame, "connectionCount"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (frame, "lastCloseReason"), ==, "ProtocolError");
  g_assert_cmpstr (json_object_get_string_member (frame, "maxObservedTimestamp"), ==, expected_ts);

  deliver_list (f, 600, "[\"a\",\"d\"]");
  assert_value (subscription, "[\"a\",\"d\"]");
}

static char *
deep_frame (guint depth)
{
  GString *text = g_string_new ("{\"type\":\"Ping\",\"x\":");

  for (guint i = 0; i < depth; i++)
    g_string_append_c (text, '[');
  for (guint i = 0; i < depth; i++)
    g_string_append_c (text, ']');
  g_string_append_c (text, '}');

  return g_string_free (text, FALSE);
}

static void
test_malformed_frames_reconnect (Fixture       *f,
                                 gconstpointer  data)
{
  g_autofree char *deep = deep_frame (100000);
  const char *frames[] = {
    "this is not JSON",
    "{\"type\":\"Ping\"}{\"type\":\"Ping\"}",
    deep,
    "{\"type\":\"Bogus\"}",
    "[\"Ping\"]",
    "{\"type\":7}",
    "{\"type\":\"Transition\"}",
    "{\"type\":\"MutationResponse\",\"requestId\":\"x\"}",
    "{\"type\":\"TransitionChunk\",\"chunk\":\"{\",\"partNumber\":1,\"totalParts\":1,\"transitionId\":\"t\"}",
  };
  g_autoptr(ChorusSubscription) subscription = chorus_client_subscribe (f->client, LIST_PATH, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (frames); i++)
    {
      g_autoptr(JsonNode) connect = NULL;
      JsonObject *frame;

      g_test_expect_message ("chorus-client", G_LOG_LEVEL_WARNING, "*Invalid frame*");
      chorus_fake_transport_deliver (f->transport, frames[i]);
      g_test_assert_expected_messages ();

      g_assert_false (chorus_fake_transport_is_open (f->transport));
      g_assert_cmpstr (chorus_fake_transport_get_close_reason (f->transport), ==, "ProtocolError");

      g_ptr_array_unref (chorus_fake_transport_take_sent (f->transport));
      wait_for_open_request (f);
      accept_socket (f);
      frame = sent_frame (f, 0, &connect);
      g_assert_cmpint (json_object_get_int_member (frame, "connectionCount"), ==, i + 1);
      g_assert_cmpuint (f->client->retries, ==, i + 1);
    }

  /* The backoff starts over once a Transition arrives on a new socket. */
  deliver_list (f, 10, "[\"ok\"]");
  assert_value (subscription, "[\"ok\"]");
  g_assert_cmpuint (f->client->retries, ==, 0);
}

static void
test_transition_chunks (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(ChorusSubscription) subscription = chorus_client_subscribe (f->client, LIST_PATH, NULL);
  g_autofree char *end = chorus_encoded_ts_encode (10);
  g_autofree char *transition = NULL;
  g_autofree char *part1 = NULL;
  g_autofree char *part2 = NULL;
  g_autofree char *escaped1 = NULL;
  g_autofree char *escaped2 = NULL;
  g_autofree char *frame1 = NULL;
  g_autofree char *frame2 = NULL;
  gsize half;

  transition = g_strdup_printf ("{\"type\":\"Transition\","
                                "\"startVersion\":{\"querySet\":0,\"ts\":\"AAAAAAAAAAA=\",\"identity\":0},"
                                "\"endVersion\":{\"querySet\":1,\"ts\":\"%s\",\"identity\":0},"
                                "\"modifications\":[{\"type\":\"QueryUpdated\",\"queryId\":0,"
                                "\"value\":[\"chunked\"],\"logLines\":[],\"journal\":null}]}", end);
  half = strlen (transition) / 2;
  part1 = g_strndup (transition, half);
  part2 = g_strdup (transition + half);
  escaped1 = g_strescape (part1, NULL);
  escaped2 = g_strescape (part2, NULL);
  frame1 = g_strdup_printf ("{\"type\":\"TransitionChunk\",\"chunk\":\"%s\",\"partNumber\":0,"
                            "\"totalParts\":2,\"transitionId\":\"t1\"}", escaped1);
  frame2 = g_strdup_printf ("{\"type\":\"TransitionChunk\",\"chunk\":\"%s\",\"partNumber\":1,"
                            "\"totalParts\":2,\"transitionId\":\"t1\"}", escaped2);

  chorus_fake_transport_deliver (f->transport, frame1);
  chorus_fake_transport_deliver (f->transport, "{\"type\":\"Ping\"}");
  g_assert_true (chorus_subscription_is_loading (subscription));
  chorus_fake_transport_deliver (f->transport, frame2);

  g_assert_true (chorus_fake_transport_is_open (f->transport));
  assert_value (subscription, "[\"chunked\"]");
}

static void
test_query_failed (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(ChorusSubscription) subscription = chorus_client_subscribe (f->client, LIST_PATH, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  guint changed = 0;

  g_signal_connect (subscription, "changed", G_CALLBACK (count_cb), &changed);
  deliver_transition (f, 10, "{\"type\":\"QueryFailed\",\"queryId\":0,\"errorMessage\":\"no access\","
                             "\"logLines\":[],\"journal\":null}");

  g_assert_cmpuint (changed, ==, 1);
  g_assert_null (chorus_subscription_get_value (subscription));
  g_assert_false (chorus_subscription_is_loading (subscription));
  g_assert_error (chorus_subscription_get_error (subscription),
                  CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_QUERY_FAILED);
  g_assert_cmpstr (chorus_subscription_get_error (subscription)->message, ==, "no access");

  value = chorus_client_dup_query (f->client, LIST_PATH, NULL, &error);
  g_assert_null (value);
  g_assert_error (error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_QUERY_FAILED);
  g_assert_cmpstr (error->message, ==, "no access");

  deliver_transition (f, 20, "{\"type\":\"QueryRemoved\",\"queryId\":0}");
  g_assert_cmpuint (changed, ==, 2);
  g_assert_true (chorus_subscription_is_loading (subscription));
}

static gboolean
set_unsubscribed_update (ChorusLocalStore  *store,
                         JsonNode          *mutation_args,
                         gpointer           user_data,
                         GError           **error)
{
  g_autoptr(JsonNode) args = parse ("{\"id\":1}");
  g_autoptr(JsonNode) value = parse ("{\"name\":\"local\"}");
  g_autoptr(GPtrArray) entries = NULL;
  ChorusQueryEntry *entry;

  chorus_local_store_set_query (store, "users:get", args, value);
  g_assert_nonnull (chorus_local_store_get_query (store, "users.js:get", args));
  g_assert_true (json_node_is_immutable (chorus_local_store_get_query (store, "users:get", args)));

  chorus_local_store_set_query (store, "users:get", NULL, NULL);
  g_assert_null (chorus_local_store_get_query (store, "users:get", NULL));

  entries = chorus_local_store_get_all_queries (store, "users:get");
  g_assert_cmpuint (entries->len, ==, 2);
  entry = g_ptr_array_index (entries, 0);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (entry->args), "id"), ==, 1);
  g_assert_nonnull (entry->value);
  entry = g_ptr_array_index (entries, 1);
  g_assert_null (entry->value);

  return TRUE;
}

static void
test_optimistic_only_query (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(JsonNode) args = parse ("{\"id\":1}");
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(JsonNode) loading = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  MutationState state = { 0 };

  chorus_client_mutation (f->client, "users:rename", NULL, set_unsubscribed_update, NULL, NULL,
                          NULL, mutation_done_cb, &state);

  value = chorus_client_dup_query (f->client, "users:get", args, &error);
  g_assert_no_error (error);
  text = value_text (value);
  g_assert_cmpstr (text, ==, "{\"name\":\"local\"}");

  loading = chorus_client_dup_query (f->client, "users:get", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (loading);

  deliver_mutation_success (f, 0, 10, "null");
  deliver_transition (f, 10, "");
  iterate_pending ();
  g_assert_true (state.done);
  g_assert_null (chorus_client_dup_query (f->client, "users:get", args, NULL));
  mutation_state_clear (&state);
}

static void
test_inactivity_closes (Fixture       *f,
                        gconstpointer  data)
{
  _chorus_client_set_inactivity_timeout (f->client, 5);
  chorus_fake_transport_deliver (f->transport, "{\"type\":\"Ping\"}");

  while (chorus_fake_transport_is_open (f->transport))
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpstr (chorus_fake_transport_get_close_reason (f->transport), ==, "InactiveServer");
  _chorus_client_set_inactivity_timeout (f->client, 60000);
  wait_for_open_request (f);
}

static void
test_send_failure_reconnects (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(ChorusSubscription) subscription = NULL;
  g_autoptr(JsonNode) connect = NULL;
  JsonObject *frame;

  chorus_fake_transport_set_fail_sends (f->transport, TRUE);
  g_test_expect_message ("chorus-client", G_LOG_LEVEL_WARNING, "*Failed to send*");
  subscription = chorus_client_subscribe (f->client, LIST_PATH, NULL);
  g_test_assert_expected_messages ();
  g_assert_cmpstr (chorus_fake_transport_get_close_reason (f->transport), ==, "FailedToSendMessage");

  chorus_fake_transport_set_fail_sends (f->transport, FALSE);
  g_ptr_array_unref (chorus_fake_transport_take_sent (f->transport));
  wait_for_open_request (f);
  accept_socket (f);

  frame = sent_frame (f, 0, &connect);
  g_assert_cmpstr (json_object_get_string_member (frame, "lastCloseReason"), ==, "FailedToSendMessage");
  g_assert_cmpstr (sent_text (f, 1), ==,
                   "{\"type\":\"ModifyQuerySet\",\"baseVersion\":0,\"newVersion\":1,"
                   "\"modifications\":[{\"type\":\"Add\",\"queryId\":0,"
                   "\"udfPath\":\"messages:list\",\"args\":[{}]}]}");
}

static void
notify_count_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *counter)
{
  (*counter)++;
}

static void
test_connection_state_notify (Fixture       *f,
                              gconstpointer  data)
{
  ChorusConnectionState state;
  guint notified = 0;

  g_assert_cmpint (chorus_client_get_connection_state (f->client), ==, CHORUS_CONNECTION_CONNECTED);
  g_signal_connect (f->client, "notify::connection-state", G_CALLBACK (notify_count_cb), &notified);

  chorus_fake_transport_drop (f->transport, "");
  g_assert_cmpuint (notified, ==, 1);
  g_assert_cmpint (chorus_client_get_connection_state (f->client), ==, CHORUS_CONNECTION_DISCONNECTED);

  wait_for_open_request (f);
  g_assert_cmpuint (notified, ==, 2);
  accept_socket (f);
  g_assert_cmpuint (notified, ==, 3);

  g_object_get (f->client, "connection-state", &state, NULL);
  g_assert_cmpint (state, ==, CHORUS_CONNECTION_CONNECTED);

  g_signal_handlers_disconnect_by_data (f->client, &notified);
}

static void
test_stop_fails_pending (Fixture       *f,
                         gconstpointer  data)
{
  MutationState state = { 0 };
  guint changed = 0;
  g_autoptr(ChorusSubscription) subscription = set_up_pending_message (f, &state, &changed);
  guint opens;

  chorus_client_stop (f->client);
  g_assert_false (chorus_fake_transport_is_open (f->transport));
  assert_value (subscription, "[\"a\"]");

  iterate_pending ();
  g_assert_error (state.error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_STOPPED);

  opens = chorus_fake_transport_get_open_count (f->transport);
  g_usleep (10000);
  iterate_pending ();
  g_assert_cmpuint (chorus_fake_transport_get_open_count (f->transport), ==, opens);
  mutation_state_clear (&state);
}

static void
test_fatal_error_terminates (Fixture       *f,
                             gconstpointer  data)
{
  MutationState state = { 0 };
  guint changed = 0;
  g_autoptr(ChorusSubscription) subscription = set_up_pending_message (f, &state, &changed);
  guint opens = chorus_fake_transport_get_open_count (f->transport);

  g_test_expect_message ("chorus-client", G_LOG_LEVEL_WARNING, "*FatalError*bad session*");
  chorus_fake_transport_deliver (f->transport, "{\"type\":\"FatalError\",\"error\":\"bad session\"}");
  g_test_assert_expected_messages ();

  g_assert_false (chorus_fake_transport_is_open (f->transport));
  g_assert_cmpint (chorus_client_get_connection_state (f->client), ==,
                   CHORUS_CONNECTION_DISCONNECTED);
  assert_value (subscription, "[\"a\"]");

  iterate_pending ();
  g_assert_error (state.error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_FATAL);
  g_assert_nonnull (strstr (state.error->message, "bad session"));

  g_usleep (10000);
  iterate_pending ();
  chorus_client_start (f->client);
  g_assert_cmpuint (chorus_fake_transport_get_open_count (f->transport), ==, opens);
  mutation_state_clear (&state);
}

static void
test_sync_url (void)
{
  static const struct {
    const char *url;
    const char *expected;
  } cases[] = {
    { "http://127.0.0.1:3210", "ws://127.0.0.1:3210/api/" PACKAGE_VERSION "/sync" },
    { "https://chat.example.org", "wss://chat.example.org/api/" PACKAGE_VERSION "/sync" },
    { "http://h:1/", "ws://h:1//api/" PACKAGE_VERSION "/sync" },
    { "wss://h/base", "wss://h/base/api/" PACKAGE_VERSION "/sync" },
    { "http://[::1]:8080", "ws://[::1]:8080/api/" PACKAGE_VERSION "/sync" },
  };
  static const char * const invalid[] = { "ftp://h", "localhost:3210", "", "http://" };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = _chorus_client_build_sync_url (cases[i].url, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (url, ==, cases[i].expected);
    }

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ChorusClient) client = chorus_client_new_for_url (invalid[i], &error);

      g_assert_null (client);
      g_assert_error (error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_INVALID_URL);
      g_assert_nonnull (strstr (error->message, invalid[i]));
    }
}

static void
test_backoff_delay (void)
{
  static const struct {
    guint  initial_ms;
    guint  retries;
    double random;
    guint  expected_ms;
  } cases[] = {
    { 100, 0, 0.5, 100 },
    { 100, 1, 0.5, 200 },
    { 1000, 3, 0.5, 8000 },
    { 1000, 4, 0.5, 16000 },
    { 1000, 10, 0.5, 16000 },
    { 100, 1000, 0.5, 16000 },
    { 1000, 10, 0.0, 8000 },
    { 1000, 10, 0.75, 20000 },
    { 3000, 0, 0.0, 1500 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint delay = _chorus_client_backoff_delay (cases[i].initial_ms, cases[i].retries,
                                                  16000, cases[i].random);

      g_assert_cmpuint (delay, ==, cases[i].expected_ms);
    }

  g_assert_cmpuint (_chorus_client_backoff_delay (1000, 10, 16000, 0.999999), <, 24000);
}

static guint
count_sent (Fixture    *f,
            const char *prefix)
{
  guint count = 0;

  for (guint i = 0; i < n_sent (f); i++)
    count += g_str_has_prefix (sent_text (f, i), prefix);

  return count;
}

/* After Close 1009 right after a Mutation, the mutation fails, its
 * update is dropped, and the next socket does not send it again. */
static void
test_close_too_big_fails_request (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(ChorusSubscription) subscription = chorus_client_subscribe (f->client, LIST_PATH, NULL);
  MutationState state = { 0 };

  deliver_list (f, 100, "[\"a\"]");
  send_message (f, "b", &state, NULL);
  g_assert_true (g_str_has_prefix (last_sent (f), "{\"type\":\"Mutation\""));
  assert_value (subscription, "[\"a\",\"b\"]");

  chorus_fake_transport_drop_with_code (f->transport, 1009, "Message too big");
  iterate_pending ();
  g_assert_true (state.done);
  g_assert_error (state.error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_MUTATION_FAILED);
  assert_value (subscription, "[\"a\"]");

  g_ptr_array_unref (chorus_fake_transport_take_sent (f->transport));
  wait_for_open_request (f);
  accept_socket (f);
  g_assert_cmpuint (count_sent (f, "{\"type\":\"Mutation\""), ==, 0);
  mutation_state_clear (&state);
}

/* Close 1009 after another frame fails no request: the mutation is sent
 * again on the next socket as after any other close. */
static void
test_close_too_big_after_query (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(ChorusSubscription) subscription = NULL;
  g_autoptr(ChorusSubscription) other = NULL;
  g_autoptr(JsonNode) args = parse ("{\"channel\":\"c2\"}");
  MutationState state = { 0 };

  subscription = chorus_client_subscribe (f->client, LIST_PATH, NULL);
  send_message (f, "b", &state, NULL);
  other = chorus_client_subscribe (f->client, LIST_PATH, args);

  chorus_fake_transport_drop_with_code (f->transport, 1009, "Message too big");
  iterate_pending ();
  g_assert_false (state.done);

  g_ptr_array_unref (chorus_fake_transport_take_sent (f->transport));
  wait_for_open_request (f);
  accept_socket (f);
  g_assert_cmpuint (count_sent (f, "{\"type\":\"Mutation\""), ==, 1);

  /* Stopping fails the mutation, so its callback runs before @state goes. */
  chorus_client_stop (f->client);
  iterate_pending ();
  g_assert_true (state.done);
  mutation_state_clear (&state);
}

/* A request whose frame would exceed the size limit fails at once and
 * is never sent. */
static void
test_request_too_big_not_sent (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *body = g_strnfill (CHORUS_MAX_REQUEST_FRAME, 'x');
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) args = json_node_init_object (json_node_alloc (), object);
  MutationState state = { 0 };
  guint sent_before = n_sent (f);

  json_object_set_string_member (json_node_get_object (args), "body", body);
  chorus_client_mutation (f->client, "messages:send", args, NULL, NULL, NULL,
                          NULL, mutation_done_cb, &state);
  iterate_pending ();

  g_assert_true (state.done);
  g_assert_error (state.error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_INVALID_VALUE);
  g_assert_nonnull (strstr (state.error->message, "too big"));
  g_assert_cmpuint (n_sent (f), ==, sent_before);
  g_assert_true (chorus_fake_transport_is_open (f->transport));
  mutation_state_clear (&state);
}

#define OTHER_PATH "messages:other"

static void
deliver_list_and_other (Fixture    *f,
                        gint64      end_ts,
                        const char *list,
                        const char *other)
{
  g_autofree char *modifications = NULL;

  modifications = g_strdup_printf ("{\"type\":\"QueryUpdated\",\"queryId\":0,\"value\":%s,"
                                   "\"logLines\":[],\"journal\":null},"
                                   "{\"type\":\"QueryUpdated\",\"queryId\":1,\"value\":%s,"
                                   "\"logLines\":[],\"journal\":null}", list, other);
  deliver_transition (f, end_ts, modifications);
}

static void
assert_visible (Fixture    *f,
                const char *udf_path,
                const char *expected)
{
  g_autoptr(JsonNode) value = chorus_client_dup_query (f->client, udf_path, NULL, NULL);
  g_autofree char *text = value_text (value);

  g_assert_cmpstr (text, ==, expected);
}

/* Reads the list on every run. From the second run on, it writes both
 * queries and then fails. */
static gboolean
fail_after_writes_update (ChorusLocalStore  *store,
                          JsonNode          *mutation_args,
                          gpointer           user_data,
                          GError           **error)
{
  g_autoptr(JsonNode) partial = parse ("[\"partial\"]");
  guint *runs = user_data;

  (*runs)++;
  chorus_local_store_get_query (store, LIST_PATH, NULL);
  if (*runs == 1)
    return TRUE;

  chorus_local_store_set_query (store, LIST_PATH, NULL, partial);
  chorus_local_store_set_query (store, OTHER_PATH, NULL, partial);
  g_set_error_literal (error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_UPDATE_FAILED,
                       "No such channel");
  return FALSE;
}

/* An update that fails when it runs again leaves none of its writes in
 * the view, as one that fails on its first run. */
static void
test_update_failing_on_rerun (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(ChorusSubscription) list = chorus_client_subscribe (f->client, LIST_PATH, NULL);
  g_autoptr(ChorusSubscription) other = chorus_client_subscribe (f->client, OTHER_PATH, NULL);
  MutationState state = { 0 };
  guint runs = 0;

  deliver_list_and_other (f, 100, "[\"a\"]", "[\"o\"]");
  chorus_client_mutation (f->client, "messages:send", NULL, fail_after_writes_update, &runs,
                          NULL, NULL, mutation_done_cb, &state);
  g_assert_cmpuint (runs, ==, 1);

  deliver_list (f, 110, "[\"c\"]");
  g_assert_cmpuint (runs, ==, 2);
  assert_visible (f, LIST_PATH, "[\"c\"]");
  assert_visible (f, OTHER_PATH, "[\"o\"]");
  assert_value (list, "[\"c\"]");
  assert_value (other, "[\"o\"]");

  iterate_pending ();
  g_assert_true (state.done);
  g_assert_error (state.error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_UPDATE_FAILED);
  mutation_state_clear (&state);
}

/* Writes a new list to the other query on every run. */
static gboolean
set_other_update (ChorusLocalStore  *store,
                  JsonNode          *mutation_args,
                  gpointer           user_data,
                  GError           **error)
{
  g_autoptr(JsonNode) value = parse ("[\"opt\"]");
  guint *runs = user_data;

  (*runs)++;
  chorus_local_store_set_query (store, OTHER_PATH, NULL, value);
  return TRUE;
}

/* Appends to the other query's value in place, which it must not do. */
static gboolean
change_other_update (ChorusLocalStore  *store,
                     JsonNode          *mutation_args,
                     gpointer           user_data,
                     GError           **error)
{
  JsonNode *current = chorus_local_store_get_query (store, OTHER_PATH, NULL);

  if (current != NULL)
    json_array_add_string_element (json_node_get_array (current), "sneaky");
  return TRUE;
}

/* A value that an earlier update wrote and a later one changed in place
 * is written afresh, not replayed with the change. */
static void
test_update_changing_written_value (Fixture       *f,
                                    gconstpointer  data)
{
  g_autoptr(ChorusSubscription) list = chorus_client_subscribe (f->client, LIST_PATH, NULL);
  MutationState first = { 0 };
  MutationState bad = { 0 };
  guint runs = 0;

  deliver_list (f, 100, "[\"a\"]");
  chorus_client_mutation (f->client, "messages:send", NULL, set_other_update, &runs, NULL,
                          NULL, mutation_done_cb, &first);
  assert_visible (f, OTHER_PATH, "[\"opt\"]");

  g_test_expect_message ("chorus-client", G_LOG_LEVEL_WARNING, "*changed the value of query*");
  chorus_client_mutation (f->client, "messages:edit", NULL, change_other_update, NULL, NULL,
                          NULL, mutation_done_cb, &bad);
  g_test_assert_expected_messages ();
  assert_visible (f, OTHER_PATH, "[\"opt\"]");

  deliver_list (f, 110, "[\"b\"]");
  assert_visible (f, OTHER_PATH, "[\"opt\"]");

  iterate_pending ();
  g_assert_true (bad.done);
  g_assert_error (bad.error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_UPDATE_FAILED);
  g_assert_false (first.done);

  deliver_mutation_success (f, 0, 120, "null");
  deliver_list (f, 120, "[\"b\"]");
  iterate_pending ();
  g_assert_true (first.done);
  assert_visible (f, OTHER_PATH, "(loading)");
  mutation_state_clear (&first);
  mutation_state_clear (&bad);
}

typedef struct
{
  MutationState state;
  GString      *reads;
} AuthProbe;

static char *
fixed_token_cb (ChorusClient *client,
                gboolean      force_refresh,
                gpointer      user_data)
{
  return g_strdup ("token");
}

/* Records the list each time the update reads it. */
static gboolean
record_list_update (ChorusLocalStore  *store,
                    JsonNode          *mutation_args,
                    gpointer           user_data,
                    GError           **error)
{
  AuthProbe *probe = user_data;
  g_autofree char *text = value_text (chorus_local_store_get_query (store, LIST_PATH, NULL));

  g_string_append_printf (probe->reads, "%s%s", probe->reads->len > 0 ? " " : "", text);
  return TRUE;
}

static void
auth_mutation_cb (ChorusClient *client,
                  gboolean      authenticated,
                  AuthProbe    *probe)
{
  chorus_client_mutation (client, "messages:send", NULL, record_list_update, probe, NULL,
                          NULL, mutation_done_cb, &probe->state);
}

/* The convex npm client reports a confirmed token before it applies the
 * Transition that confirms it. A mutation made in the auth-changed handler
 * runs its update on the view from before that Transition, then again on
 * the new one. */
static void
test_mutation_in_auth_handler (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(ChorusSubscription) list = chorus_client_subscribe (f->client, LIST_PATH, NULL);
  g_autoptr(ChorusSubscription) other = NULL;
  g_autofree char *start = NULL;
  g_autofree char *end = NULL;
  g_autofree char *frame = NULL;
  AuthProbe probe = { { 0 }, g_string_new (NULL) };

  deliver_list (f, 100, "[\"a\"]");
  /* A new query makes the client build its server view again later. */
  other = chorus_client_subscribe (f->client, OTHER_PATH, NULL);

  chorus_client_set_auth (f->client, fixed_token_cb, NULL, NULL);
  g_signal_connect (f->client, "auth-changed", G_CALLBACK (auth_mutation_cb), &probe);

  start = chorus_encoded_ts_encode (f->ts);
  end = chorus_encoded_ts_encode (110);
  frame = g_strdup_printf ("{\"type\":\"Transition\","
                           "\"startVersion\":{\"querySet\":%u,\"ts\":\"%s\",\"identity\":0},"
                           "\"endVersion\":{\"querySet\":%u,\"ts\":\"%s\",\"identity\":1},"
                           "\"modifications\":[{\"type\":\"QueryUpdated\",\"queryId\":0,"
                           "\"value\":[\"b\"],\"logLines\":[],\"journal\":null}]}",
                           f->query_set, start, f->query_set + 1, end);
  chorus_fake_transport_deliver (f->transport, frame);

  g_assert_cmpstr (probe.reads->str, ==, "[\"a\"] [\"b\"]");
  assert_value (list, "[\"b\"]");

  g_signal_handlers_disconnect_by_data (f->client, &probe);
  chorus_client_stop (f->client);
  iterate_pending ();
  g_assert_true (probe.state.done);
  g_assert_error (probe.state.error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_STOPPED);
  mutation_state_clear (&probe.state);
  g_string_free (probe.reads, TRUE);
}

static void
add_test (const char *name,
          void (*func) (Fixture *, gconstpointer))
{
  g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  add_test ("/core/client/connect-frames", test_connect_frames);
  add_test ("/core/client/update-changing-shared-row", test_update_changing_shared_row);
  g_test_add_func ("/core/client/token-lifetime", test_token_lifetime);
  add_test ("/core/client/unsubscribe-notifies", test_unsubscribe_notifies);
  add_test ("/core/client/subscription-dedupe", test_subscription_dedupe);
  add_test ("/core/client/optimistic-before-send", test_optimistic_before_send);
  add_test ("/core/client/optimistic-kept-below-commit", test_optimistic_kept_below_commit);
  add_test ("/core/client/optimistic-replaced-at-commit", test_optimistic_replaced_at_commit);
  add_test ("/core/client/optimistic-rolled-back", test_optimistic_rolled_back_on_failure);
  add_test ("/core/client/unchanged-value-no-signal", test_unchanged_value_no_signal);
  add_test ("/core/client/update-false-fails", test_update_false_fails_mutation);
  add_test ("/core/client/update-failing-on-rerun", test_update_failing_on_rerun);
  add_test ("/core/client/update-changing-written-value", test_update_changing_written_value);
  add_test ("/core/client/mutation-in-auth-handler", test_mutation_in_auth_handler);
  g_test_add ("/core/client/update-changing-value", Fixture, GINT_TO_POINTER (FALSE),
              fixture_set_up, test_update_changing_value_fails, fixture_tear_down);
  g_test_add ("/core/client/update-changing-shallow-copy", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_update_changing_value_fails, fixture_tear_down);
  g_test_add ("/core/client/update-changing-value-replay", Fixture, GINT_TO_POINTER (FALSE),
              fixture_set_up, test_update_changing_value_on_replay, fixture_tear_down);
  g_test_add ("/core/client/update-changing-copy-replay", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_update_changing_value_on_replay, fixture_tear_down);
  add_test ("/core/client/reconnect-resends", test_reconnect_resends);
  add_test ("/core/client/retries-wait-for-mutation", test_retries_wait_for_mutation);
  add_test ("/core/client/retries-wait-for-queries", test_retries_wait_for_queries);
  add_test ("/core/client/start-version-mismatch", test_start_version_mismatch);
  add_test ("/core/client/malformed-frames", test_malformed_frames_reconnect);
  add_test ("/core/client/transition-chunks", test_transition_chunks);
  add_test ("/core/client/query-failed", test_query_failed);
  add_test ("/core/client/error-data", test_error_data);
  add_test ("/core/client/optimistic-only-query", test_optimistic_only_query);
  add_test ("/core/client/inactivity-closes", test_inactivity_closes);
  add_test ("/core/client/send-failure-reconnects", test_send_failure_reconnects);
  add_test ("/core/client/connection-state", test_connection_state_notify);
  add_test ("/core/client/stop-fails-pending", test_stop_fails_pending);
  add_test ("/core/client/fatal-error-terminates", test_fatal_error_terminates);
  add_test ("/core/client/close-too-big-fails-request", test_close_too_big_fails_request);
  add_test ("/core/client/close-too-big-after-query", test_close_too_big_after_query);
  add_test ("/core/client/request-too-big-not-sent", test_request_too_big_not_sent);
  g_test_add_func ("/core/client/sync-url", test_sync_url);
  g_test_add_func ("/core/client/backoff-delay", test_backoff_delay);

  return g_test_run ();
}
