/* test-conformance.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "chorus-client.h"
#include "chorus-client-private.h"
#include "chorus-fake-transport.h"
#include "chorus-paginated-query.h"
#include "chorus-value.h"

/*
 * Replays every scenario in scenarios/ against app/core over the fake
 * transport. After each step it records what was observable: the frames
 * sent, the watched queries, the changed queries, the request outcomes,
 * the values optimistic updates read, and auth changes. Two subtests per
 * scenario check that record against the scenario's "expect" blocks and
 * against the official client's record, which oracle.mjs produces. A
 * step's "differs" block lists what the official client observes instead
 * where Chorus deliberately behaves otherwise, and why.
 */

static const char * const observation_keys[] = {
  "frames", "reads", "notify", "requests", "recorded", "auth", "fetches", "error",
  "paginated", "retries", "delay", NULL
};

static char *conformance_dir;

typedef struct
{
  ChorusFakeTransport *transport;
  ChorusClient        *client;
  JsonObject          *scenario;
  GHashTable          *subscriptions;  /* ref -> ChorusSubscription */
  GHashTable          *paginated;      /* ref -> ChorusPaginatedQuery */
  JsonObject          *requests;       /* ref -> outcome */
  JsonObject          *recorded;
  JsonArray           *notify;
  JsonArray           *auth;
  JsonArray           *fetches;
  JsonArray           *tokens;
  guint                token_index;
  gint64               dropped_at;     /* when the socket last closed */
  char                *delay;          /* how the last reopen's delay compared */
} Runner;

typedef struct
{
  Runner *runner;
  char   *ref;
} RequestData;

static JsonNode *
new_string_node (const char *text)
{
  return json_node_init_string (json_node_alloc (), text);
}

/* Returns a deep copy, so later steps cannot change a recorded step.
 * json_node_copy() shares the objects and arrays it contains. */
static JsonNode *
deep_copy (JsonNode *node)
{
  g_autofree char *text = chorus_value_to_canonical_string (node);

  return json_from_string (text, NULL);
}

static JsonNode *
object_node (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return deep_copy (node);
}

static JsonNode *
array_node (JsonArray *array)
{
  g_autoptr(JsonNode) node = json_node_init_array (json_node_alloc (), array);

  return deep_copy (node);
}

static JsonNode *
load_json_file (const char *path)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);

  return json_node_ref (json_parser_get_root (parser));
}

/* Returns the (path, args) of a query given as a watch name or inline. */
static JsonObject *
lookup_query (Runner   *runner,
              JsonNode *spec)
{
  if (JSON_NODE_HOLDS_OBJECT (spec))
    return json_node_get_object (spec);

  return json_object_get_object_member (json_object_get_object_member (runner->scenario, "watch"),
                                        json_node_get_string (spec));
}

static JsonNode *
query_args (JsonObject *query)
{
  return json_object_get_member (query, "args");
}

static JsonNode *
describe_value (JsonNode *value)
{
  JsonObject *object;

  if (value == NULL)
    return new_string_node ("loading");

  object = json_object_new ();
  json_object_set_member (object, "value", json_node_copy (value));
  return json_node_init_object (json_node_alloc (), object);
}

/* Reads every entry of getAllQueries in the form oracle.mjs writes. */
static JsonNode *
describe_all_queries (GPtrArray *entries)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < entries->len; i++)
    {
      ChorusQueryEntry *entry = g_ptr_array_index (entries, i);
      JsonObject *object = json_object_new ();

      json_object_set_member (object, "args", json_node_copy (entry->args));
      if (entry->value != NULL)
        json_object_set_member (object, "value", json_node_copy (entry->value));
      else
        json_object_set_boolean_member (object, "loading", TRUE);
      json_array_add_object_element (array, object);
    }

  return json_node_init_array (json_node_alloc (), array);
}

static JsonNode *
appended (JsonNode   *list,
          JsonObject *mutation_args,
          const char *member)
{
  JsonNode *copy = deep_copy (list);
  JsonNode *item = json_object_get_member (mutation_args, member);

  json_array_add_element (json_node_get_array (copy), json_node_copy (item));
  return copy;
}

static JsonNode *
concatenated (JsonNode   *current,
              JsonObject *op)
{
  g_autofree char *text = NULL;

  if (current == NULL)
    return new_string_node (json_object_get_string_member (op, "ifLoading"));

  text = g_strconcat (json_node_get_string (current),
                      json_object_get_string_member (op, "suffix"), NULL);
  return new_string_node (text);
}

/* Runs one declarative update operation. Returns FALSE for "throw". */
static gboolean
run_update_op (Runner            *runner,
               JsonObject        *op,
               ChorusLocalStore  *store,
               JsonNode          *mutation_args,
               GError           **error)
{
  const char *kind = json_object_get_string_member (op, "op");
  JsonObject *query = NULL;
  JsonNode *current = NULL;
  g_autoptr(JsonNode) value = NULL;
  const char *path = NULL;

  if (json_object_has_member (op, "query"))
    {
      query = lookup_query (runner, json_object_get_member (op, "query"));
      path = json_object_get_string_member (query, "path");
      current = chorus_local_store_get_query (store, path, query_args (query));
    }

  if (g_str_equal (kind, "append") && current != NULL)
    value = appended (current, json_node_get_object (mutation_args),
                      json_object_get_string_member (op, "from"));
  else if (g_str_equal (kind, "set") && !json_object_has_member (op, "loading"))
    value = json_node_copy (json_object_get_member (op, "value"));
  else if (g_str_equal (kind, "concat"))
    value = concatenated (current, op);
  else if (g_str_equal (kind, "get"))
    json_object_set_member (runner->recorded, json_object_get_string_member (op, "record"),
                            describe_value (current));
  else if (g_str_equal (kind, "getAll"))
    {
      g_autoptr(GPtrArray) entries =
        chorus_local_store_get_all_queries (store, json_object_get_string_member (op, "path"));

      json_object_set_member (runner->recorded, json_object_get_string_member (op, "record"),
                              describe_all_queries (entries));
    }
  else if (g_str_equal (kind, "throw"))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           json_object_get_string_member (op, "message"));
      return FALSE;
    }

  /* "target" names another query to write, for an update that reads
   * one query and writes a second. */
  if (json_object_has_member (op, "target"))
    {
      query = lookup_query (runner, json_object_get_member (op, "target"));
      path = json_object_get_string_member (query, "path");
    }

  if (value != NULL || g_str_equal (kind, "set"))
    chorus_local_store_set_query (store, path, query_args (query), value);

  return TRUE;
}

typedef struct
{
  Runner    *runner;
  JsonArray *ops;
} UpdateData;

static void
update_data_free (UpdateData *data)
{
  json_array_unref (data->ops);
  g_free (data);
}

static gboolean
declarative_update (ChorusLocalStore  *store,
                    JsonNode          *mutation_args,
                    gpointer           user_data,
                    GError           **error)
{
  UpdateData *data = user_data;

  for (guint i = 0; i < json_array_get_length (data->ops); i++)
    {
      JsonObject *op = json_array_get_object_element (data->ops, i);

      if (!run_update_op (data->runner, op, store, mutation_args, error))
        return FALSE;
    }

  return TRUE;
}

static void
request_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  RequestData *data = user_data;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *outcome = json_object_new ();

  if (g_task_get_source_tag (G_TASK (result)) == chorus_client_action)
    value = chorus_client_action_finish (CHORUS_CLIENT (source), result, &error);
  else
    value = chorus_client_mutation_finish (CHORUS_CLIENT (source), result, &error);

  if (error != NULL)
    json_object_set_string_member (outcome, "rejected", error->message);
  else
    json_object_set_member (outcome, "resolved", json_node_copy (value));

  json_object_set_object_member (data->runner->requests, data->ref, outcome);
  g_free (data->ref);
  g_free (data);
}

static RequestData *
track_request (Runner     *runner,
               const char *ref)
{
  RequestData *data = g_new0 (RequestData, 1);

  data->runner = runner;
  data->ref = g_strdup (ref);
  json_object_set_string_member (runner->requests, ref, "pending");

  return data;
}

static void
subscription_changed_cb (ChorusSubscription *subscription,
                         Runner             *runner)
{
  JsonObject *token = json_object_new ();

  json_object_set_string_member (token, "udfPath", chorus_subscription_get_udf_path (subscription));
  json_object_set_member (token, "args", json_node_copy (chorus_subscription_get_args (subscription)));
  json_array_add_object_element (runner->notify, token);
}

static void
auth_changed_cb (ChorusClient *client,
                 gboolean      authenticated,
                 Runner       *runner)
{
  json_array_add_boolean_element (runner->auth, authenticated);
}

static char *
fetch_token_cb (ChorusClient *client,
                gboolean      force_refresh,
                gpointer      user_data)
{
  Runner *runner = user_data;
  guint last = json_array_get_length (runner->tokens) - 1;
  JsonNode *token = json_array_get_element (runner->tokens, MIN (runner->token_index, last));

  runner->token_index++;
  json_array_add_boolean_element (runner->fetches, force_refresh);

  return JSON_NODE_HOLDS_NULL (token) ? NULL : g_strdup (json_node_get_string (token));
}

static void
iterate_pending (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
step_subscribe (Runner     *runner,
                JsonObject *step)
{
  ChorusSubscription *subscription;

  subscription = chorus_client_subscribe_with_journal (runner->client,
                                                       json_object_get_string_member (step, "path"),
                                                       json_object_get_member (step, "args"),
                                                       json_object_get_string_member_with_default (step, "journal", NULL));
  g_signal_connect (subscription, "changed", G_CALLBACK (subscription_changed_cb), runner);
  g_hash_table_insert (runner->subscriptions,
                       g_strdup (json_object_get_string_member (step, "ref")), subscription);
}

static void
step_subscribe_paginated (Runner     *runner,
                          JsonObject *step)
{
  ChorusPaginatedQuery *query;

  query = chorus_paginated_query_new (runner->client, json_object_get_string_member (step, "path"),
                                      json_object_get_member (step, "args"),
                                      json_object_get_int_member (step, "initialNumItems"),
                                      json_object_get_int_member (step, "id"));
  g_hash_table_insert (runner->paginated,
                       g_strdup (json_object_get_string_member (step, "ref")), query);
}

/* Records what loadMore returned under the step's "record" name. */
static void
step_load_more (Runner     *runner,
                JsonObject *step)
{
  ChorusPaginatedQuery *query = g_hash_table_lookup (runner->paginated,
                                                     json_object_get_string_member (step, "ref"));
  gboolean added;

  g_assert_nonnull (query);
  added = chorus_paginated_query_load_more (query, json_object_get_int_member (step, "numItems"));
  json_object_set_boolean_member (runner->recorded, json_object_get_string_member (step, "record"),
                                  added);
}

static void
step_mutation (Runner     *runner,
               JsonObject *step)
{
  const char *ref = json_object_get_string_member (step, "ref");
  UpdateData *update = NULL;

  if (json_object_has_member (step, "update"))
    {
      update = g_new0 (UpdateData, 1);
      update->runner = runner;
      update->ops = json_array_ref (json_object_get_array_member (step, "update"));
    }

  chorus_client_mutation (runner->client, json_object_get_string_member (step, "path"),
                          json_object_get_member (step, "args"),
                          update ? declarative_update : NULL, update,
                          update ? (GDestroyNotify) update_data_free : NULL, NULL,
                          request_done_cb, track_request (runner, ref));
}

/* Describes how the time since the last close compares with the step's
 * "delayRange" [low, high] in ms, in words both harnesses write alike. */
static char *
describe_delay (Runner     *runner,
                JsonObject *step)
{
  JsonArray *range = json_object_get_array_member (step, "delayRange");
  gint64 waited = (g_get_monotonic_time () - runner->dropped_at) / 1000;
  gint64 low = json_array_get_int_element (range, 0);
  gint64 high = json_array_get_int_element (range, 1);

  if (waited >= low && waited <= high)
    return g_strdup ("in range");

  return g_strdup_printf ("%" G_GINT64_FORMAT " ms, outside [%" G_GINT64_FORMAT ", %"
                          G_GINT64_FORMAT "]", waited, low, high);
}

static void
step_open (Runner     *runner,
           JsonObject *step)
{
  gint64 wait_ms = json_object_get_int_member_with_default (step, "wait_ms", 2000);
  gint64 deadline = g_get_monotonic_time () + wait_ms * 1000;

  while (!chorus_fake_transport_is_opening (runner->transport) &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, !chorus_fake_transport_is_open (runner->transport));

  if (json_object_has_member (step, "delayRange"))
    runner->delay = describe_delay (runner, step);
  if (chorus_fake_transport_is_opening (runner->transport))
    chorus_fake_transport_accept (runner->transport);
}

static gboolean
set_true_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Lets the client's timers run for @ms milliseconds of real time. */
static void
step_wait (gint64 ms)
{
  gboolean done = FALSE;

  g_timeout_add ((guint) ms, set_true_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* Closes the socket from the server side. An empty reason becomes
 * "closed with code N", as the libsoup transport reports it. */
static void
step_drop (Runner     *runner,
           JsonObject *step)
{
  const char *reason = json_object_get_string_member_with_default (step, "reason", "");
  g_autofree char *text = NULL;

  if (*reason == '\0')
    reason = text = g_strdup_printf ("closed with code %" G_GINT64_FORMAT,
                                     json_object_get_int_member_with_default (step, "code", 1011));

  runner->dropped_at = g_get_monotonic_time ();
  chorus_fake_transport_drop (runner->transport, reason);
}

static void
run_step (Runner     *runner,
          JsonObject *step)
{
  const char *kind = json_object_get_string_member (step, "do");
  g_autofree char *text = NULL;

  if (g_str_equal (kind, "subscribe"))
    step_subscribe (runner, step);
  else if (g_str_equal (kind, "subscribePaginated"))
    step_subscribe_paginated (runner, step);
  else if (g_str_equal (kind, "loadMore"))
    step_load_more (runner, step);
  else if (g_str_equal (kind, "unsubscribe"))
    {
      g_hash_table_remove (runner->subscriptions, json_object_get_string_member (step, "ref"));
      g_hash_table_remove (runner->paginated, json_object_get_string_member (step, "ref"));
    }
  else if (g_str_equal (kind, "open"))
    step_open (runner, step);
  else if (g_str_equal (kind, "wait"))
    step_wait (json_object_get_int_member (step, "ms"));
  else if (g_str_equal (kind, "failSends"))
    {
      runner->dropped_at = g_get_monotonic_time ();
      chorus_fake_transport_set_fail_sends (runner->transport,
                                            json_object_get_boolean_member (step, "fail"));
    }
  else if (g_str_equal (kind, "deliver"))
    {
      text = chorus_value_to_canonical_string (json_object_get_member (step, "frame"));
      chorus_fake_transport_deliver (runner->transport, text);
    }
  else if (g_str_equal (kind, "drop"))
    step_drop (runner, step);
  else if (g_str_equal (kind, "mutation"))
    step_mutation (runner, step);
  else if (g_str_equal (kind, "action"))
    chorus_client_action (runner->client, json_object_get_string_member (step, "path"),
                          json_object_get_member (step, "args"), NULL, request_done_cb,
                          track_request (runner, json_object_get_string_member (step, "ref")));
  else if (g_str_equal (kind, "setAuth"))
    {
      runner->tokens = json_array_ref (json_object_get_array_member (step, "tokens"));
      chorus_client_set_auth (runner->client, fetch_token_cb, runner, NULL);
    }
  else if (g_str_equal (kind, "clearAuth"))
    chorus_client_clear_auth (runner->client);
  else if (!g_str_equal (kind, "flush"))
    g_error ("Unknown step “%s”", kind);
}

/* Parses a sent frame and removes the Connect members that differ on
 * every run, after checking that they are there with the right type. */
static JsonNode *
normalise_frame (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);
  JsonObject *frame;

  g_assert_no_error (error);
  frame = json_node_get_object (node);
  if (!g_str_equal (json_object_get_string_member (frame, "type"), "Connect"))
    return node;

  g_assert_cmpint (json_node_get_value_type (json_object_get_member (frame, "sessionId")), ==,
                   G_TYPE_STRING);
  g_assert_true (JSON_NODE_HOLDS_VALUE (json_object_get_member (frame, "clientTs")));
  json_object_remove_member (frame, "sessionId");
  json_object_remove_member (frame, "clientTs");

  return node;
}

static JsonNode *
read_watches (Runner *runner)
{
  JsonObject *reads = json_object_new ();
  JsonObject *watch = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *spec;

  if (json_object_has_member (runner->scenario, "watch"))
    watch = json_object_get_object_member (runner->scenario, "watch");

  json_object_iter_init (&iter, watch ? watch : reads);
  while (watch && json_object_iter_next (&iter, &name, &spec))
    {
      JsonObject *query = json_node_get_object (spec);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) value = NULL;
      JsonObject *failed;

      value = chorus_client_dup_query (runner->client, json_object_get_string_member (query, "path"),
                                       query_args (query), &error);
      if (error == NULL)
        {
          json_object_set_member (reads, name, describe_value (value));
          continue;
        }

      failed = json_object_new ();
      json_object_set_string_member (failed, "error", error->message);
      json_object_set_object_member (reads, name, failed);
    }

  return json_node_init_object (json_node_alloc (), reads);
}

static const char * const status_names[] = {
  [CHORUS_PAGINATION_LOADING_FIRST_PAGE] = "LoadingFirstPage",
  [CHORUS_PAGINATION_CAN_LOAD_MORE] = "CanLoadMore",
  [CHORUS_PAGINATION_LOADING_MORE] = "LoadingMore",
  [CHORUS_PAGINATION_EXHAUSTED] = "Exhausted",
};

/* Describes each paginated query as {results, status}, or {error}. */
static JsonNode *
read_paginated (Runner *runner)
{
  JsonObject *reads = json_object_new ();
  GHashTableIter iter;
  gpointer ref, query;

  g_hash_table_iter_init (&iter, runner->paginated);
  while (g_hash_table_iter_next (&iter, &ref, &query))
    {
      g_autoptr(GError) error = NULL;
      JsonNode *results = chorus_paginated_query_dup_results (query, &error);
      JsonObject *read = json_object_new ();

      if (results != NULL)
        {
          json_object_set_member (read, "results", results);
          json_object_set_string_member (read, "status",
                                         status_names[chorus_paginated_query_get_status (query)]);
        }
      else
        json_object_set_string_member (read, "error", error->message);
      json_object_set_object_member (reads, ref, read);
    }

  return json_node_init_object (json_node_alloc (), reads);
}

static JsonObject *
observe (Runner *runner)
{
  g_autoptr(GPtrArray) sent = chorus_fake_transport_take_sent (runner->transport);
  JsonObject *observation = json_object_new ();
  JsonArray *frames = json_array_new ();

  for (guint i = 0; i < sent->len; i++)
    json_array_add_element (frames, normalise_frame (g_ptr_array_index (sent, i)));

  json_object_set_array_member (observation, "frames", frames);
  json_object_set_member (observation, "reads", read_watches (runner));
  json_object_set_member (observation, "notify", array_node (runner->notify));
  json_object_set_member (observation, "requests", object_node (runner->requests));
  json_object_set_member (observation, "recorded", object_node (runner->recorded));
  json_object_set_member (observation, "auth", array_node (runner->auth));
  json_object_set_member (observation, "fetches", array_node (runner->fetches));
  json_object_set_null_member (observation, "error");
  json_object_set_member (observation, "paginated", read_paginated (runner));
  /* The reconnect counter, for scenarios about when it resets */
  if (json_object_get_boolean_member_with_default (runner->scenario, "observeRetries", FALSE))
    json_object_set_int_member (observation, "retries", _chorus_client_get_retries (runner->client));
  if (runner->delay != NULL)
    json_object_set_string_member (observation, "delay", runner->delay);
  g_clear_pointer (&runner->delay, g_free);

  return observation;
}

static void
reset_step_records (Runner *runner)
{
  g_clear_pointer (&runner->notify, json_array_unref);
  g_clear_pointer (&runner->recorded, json_object_unref);
  g_clear_pointer (&runner->auth, json_array_unref);
  g_clear_pointer (&runner->fetches, json_array_unref);
  runner->notify = json_array_new ();
  runner->recorded = json_object_new ();
  runner->auth = json_array_new ();
  runner->fetches = json_array_new ();

  if (runner->requests == NULL)
    runner->requests = json_object_new ();
}

static JsonArray *
run_scenario (JsonObject *scenario)
{
  JsonArray *steps = json_object_get_array_member (scenario, "steps");
  JsonArray *observations = json_array_new ();
  Runner runner = { 0 };

  runner.scenario = scenario;
  runner.subscriptions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  runner.paginated = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  runner.transport = chorus_fake_transport_new ();
  runner.client = chorus_client_new (CHORUS_TRANSPORT (runner.transport));
  /* Real intervals only where a scenario measures them */
  if (!json_object_get_boolean_member_with_default (scenario, "realBackoff", FALSE))
    _chorus_client_set_backoff (runner.client, 1, 1, 4);
  g_signal_connect (runner.client, "auth-changed", G_CALLBACK (auth_changed_cb), &runner);
  chorus_client_start (runner.client);

  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      reset_step_records (&runner);
      run_step (&runner, json_array_get_object_element (steps, i));
      iterate_pending ();
      json_array_add_object_element (observations, observe (&runner));
    }

  chorus_client_stop (runner.client);
  iterate_pending ();
  g_hash_table_unref (runner.paginated);
  g_hash_table_unref (runner.subscriptions);
  g_clear_object (&runner.client);
  g_clear_object (&runner.transport);
  reset_step_records (&runner);
  json_array_unref (runner.notify);
  json_object_unref (runner.recorded);
  json_array_unref (runner.auth);
  json_array_unref (runner.fetches);
  json_object_unref (runner.requests);
  g_clear_pointer (&runner.tokens, json_array_unref);

  return observations;
}

/* Scenario file name -> its JsonArray of observations, so the two
 * subtests of a scenario replay it through app/core once. */
static GHashTable *observed_scenarios;

static JsonArray *
observe_scenario (const char *name,
                  JsonObject *scenario)
{
  JsonArray *observations;

  if (observed_scenarios == NULL)
    observed_scenarios = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                (GDestroyNotify) json_array_unref);

  observations = g_hash_table_lookup (observed_scenarios, name);
  if (observations == NULL)
    {
      observations = run_scenario (scenario);
      g_hash_table_insert (observed_scenarios, g_strdup (name), observations);
    }

  return json_array_ref (observations);
}

static int
compare_canonical (gconstpointer a,
                   gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

/* Returns @node as canonical text, with the list sorted for "notify",
 * which is a set of queries. */
static char *
canonical_text (const char *key,
                JsonNode   *node)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) out = g_string_new ("[");
  JsonArray *array;

  if (!g_str_equal (key, "notify") || !JSON_NODE_HOLDS_ARRAY (node))
    return chorus_value_to_canonical_string (node);

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      char *text = chorus_value_to_canonical_string (json_array_get_element (array, i));

      if (!g_ptr_array_find_with_equal_func (items, text, g_str_equal, NULL))
        g_ptr_array_add (items, text);
      else
        g_free (text);
    }
  g_ptr_array_sort (items, compare_canonical);

  for (guint i = 0; i < items->len; i++)
    g_string_append_printf (out, "%s%s", i > 0 ? "," : "", (char *) g_ptr_array_index (items, i));
  g_string_append_c (out, ']');

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
check_equal (const char *what,
             guint       step,
             const char *key,
             JsonNode   *expected,
             JsonNode   *actual)
{
  g_autofree char *expected_text = canonical_text (key, expected);
  g_autofree char *actual_text = canonical_text (key, actual);
  g_autoptr(JsonNode) expected_sorted = json_from_string (expected_text, NULL);
  g_autoptr(JsonNode) actual_sorted = json_from_string (actual_text, NULL);

  if (chorus_value_equal (expected_sorted, actual_sorted))
    return TRUE;

  g_test_message ("step %u, %s: %s\n  expected: %s\n  actual:   %s",
                  step + 1, key, what, expected_text, actual_text);
  return FALSE;
}

static void
test_expectations (gconstpointer data)
{
  g_autofree char *path = g_build_filename (conformance_dir, "scenarios", data, NULL);
  g_autoptr(JsonNode) root = load_json_file (path);
  JsonObject *scenario = json_node_get_object (root);
  JsonArray *steps = json_object_get_array_member (scenario, "steps");
  g_autoptr(JsonArray) observations = observe_scenario (data, scenario);
  gboolean ok = TRUE;

  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      JsonObject *step = json_array_get_object_element (steps, i);
      JsonObject *observed = json_array_get_object_element (observations, i);
      JsonObject *expect;
      JsonObjectIter iter;
      const char *key;
      JsonNode *expected;

      if (!json_object_has_member (step, "expect"))
        continue;

      expect = json_object_get_object_member (step, "expect");
      json_object_iter_init (&iter, expect);
      while (json_object_iter_next (&iter, &key, &expected))
        ok &= check_equal ("app/core differs from the scenario", i, key, expected,
                           json_object_get_member (observed, key));
    }

  if (!ok)
    g_test_fail ();
}

/* Runs oracle.mjs on the scenario and returns its steps, or NULL with a
 * reason to skip when Node or the pinned convex package is missing. */
static JsonArray *
run_oracle (const char  *path,
            char       **skip_reason)
{
  g_autofree char *node = g_find_program_in_path ("node");
  g_autofree char *package = g_build_filename (conformance_dir, "node_modules", "convex",
                                               "package.json", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  const char *argv[] = { NULL, "oracle.mjs", path, NULL };
  int status = 0;

  if (node == NULL || !g_file_test (package, G_FILE_TEST_EXISTS))
    {
      *skip_reason = g_strdup ("node or tests/conformance/node_modules is missing "
                               "(run npm ci in tests/conformance)");
      return NULL;
    }

  argv[0] = node;
  g_spawn_sync (conformance_dir, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("oracle.mjs failed on %s: %s\n%s", path, error->message, err);

  root = json_from_string (out, &error);
  g_assert_no_error (error);

  return json_array_ref (json_object_get_array_member (json_node_get_object (root), "steps"));
}

static gboolean
check_step_against_oracle (JsonObject *step,
                           guint       index,
                           JsonObject *observed,
                           JsonObject *oracle)
{
  JsonObject *differs = NULL;
  gboolean ok = TRUE;

  if (json_object_has_member (step, "differs"))
    differs = json_object_get_object_member (json_object_get_object_member (step, "differs"),
                                             "oracle");

  for (guint k = 0; observation_keys[k] != NULL; k++)
    {
      const char *key = observation_keys[k];
      JsonNode *recorded = differs ? json_object_get_member (differs, key) : NULL;

      if (recorded != NULL && g_strcmp0 (json_node_get_string (recorded), "any") == 0)
        continue;
      if (recorded != NULL)
        ok &= check_equal ("the official client differs from the recorded difference",
                           index, key, recorded, json_object_get_member (oracle, key));
      else
        ok &= check_equal ("app/core differs from the official client", index, key,
                           json_object_get_member (oracle, key),
                           json_object_get_member (observed, key));
    }

  return ok;
}

static void
test_oracle (gconstpointer data)
{
  g_autofree char *path = g_build_filename (conformance_dir, "scenarios", data, NULL);
  g_autoptr(JsonNode) root = load_json_file (path);
  JsonObject *scenario = json_node_get_object (root);
  JsonArray *steps = json_object_get_array_member (scenario, "steps");
  g_autofree char *skip_reason = NULL;
  g_autoptr(JsonArray) oracle = run_oracle (path, &skip_reason);
  g_autoptr(JsonArray) observations = NULL;
  gboolean ok = TRUE;

  if (oracle == NULL)
    {
      g_test_skip (skip_reason);
      return;
    }

  observations = observe_scenario (data, scenario);
  g_assert_cmpuint (json_array_get_length (oracle), ==, json_array_get_length (steps));

  for (guint i = 0; i < json_array_get_length (steps); i++)
    ok &= check_step_against_oracle (json_array_get_object_element (steps, i), i,
                                     json_array_get_object_element (observations, i),
                                     json_array_get_object_element (oracle, i));

  if (!ok)
    g_test_fail ();
}

static void
add_scenario_tests (void)
{
  g_autofree char *dir_path = g_build_filename (conformance_dir, "scenarios", NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)))
    {
      if (g_str_has_suffix (name, ".json"))
        g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_canonical);

  for (guint i = 0; i < names->len; i++)
    {
      char *file = g_ptr_array_index (names, i);
      g_autofree char *stem = g_strndup (file, strlen (file) - strlen (".json"));
      g_autofree char *expected = g_strdup_printf ("/conformance/%s/expected", stem);
      g_autofree char *oracle = g_strdup_printf ("/conformance/%s/oracle", stem);

      g_test_add_data_func_full (expected, g_strdup (file), test_expectations, g_free);
      g_test_add_data_func_full (oracle, file, test_oracle, g_free);
    }
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  /* The client's warnings about bad frames are part of the scenarios. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

  conformance_dir = g_strdup (argc > 1 ? argv[1] : ".");
  add_scenario_tests ();

  status = g_test_run ();
  g_clear_pointer (&observed_scenarios, g_hash_table_unref);

  return status;
}
