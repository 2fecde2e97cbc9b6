/* test-paginated-query.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "chorus-paginated-query.h"
#include "chorus-fake-transport.h"
#include "chorus-value.h"

#define PAGE_PATH "messages:page"

typedef struct
{
  ChorusFakeTransport  *transport;
  ChorusClient         *client;
  ChorusPaginatedQuery *query;
  guint                 changed;
  guint                 query_set;  /* the last version the server applied */
  gint64                ts;
} Fixture;

static void
changed_cb (ChorusPaginatedQuery *query,
            Fixture              *f)
{
  f->changed++;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(JsonNode) args = json_from_string ("{\"channel\":\"c1\"}", NULL);

  f->transport = chorus_fake_transport_new ();
  f->client = chorus_client_new (CHORUS_TRANSPORT (f->transport));
  chorus_client_start (f->client);
  chorus_fake_transport_accept (f->transport);

  f->query = chorus_paginated_query_new (f->client, PAGE_PATH, args, 2, 7);
  g_signal_connect (f->query, "changed", G_CALLBACK (changed_cb), f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->query);
  chorus_client_stop (f->client);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_finalize_object (f->client);
  g_assert_finalize_object (f->transport);
}

/* Delivers a Transition that applies the client's query set up to
 * @query_set and carries @modifications. */
static void
deliver (Fixture    *f,
         guint       query_set,
         const char *modifications)
{
  g_autofree char *start = chorus_encoded_ts_encode (f->ts);
  g_autofree char *end = chorus_encoded_ts_encode (f->ts + 10);
  g_autofree char *frame = NULL;

  frame = g_strdup_printf ("{\"type\":\"Transition\","
                           "\"startVersion\":{\"querySet\":%u,\"ts\":\"%s\",\"identity\":0},"
                           "\"endVersion\":{\"querySet\":%u,\"ts\":\"%s\",\"identity\":0},"
                           "\"modifications\":[%s]}",
                           f->query_set, start, query_set, end, modifications);
  chorus_fake_transport_deliver (f->transport, frame);
  f->query_set = query_set;
  f->ts += 10;
}

static char *
results_text (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) results = chorus_paginated_query_dup_results (f->query, &error);

  g_assert_no_error (error);
  return chorus_value_to_canonical_string (results);
}

static const char *
last_sent (Fixture *f)
{
  GPtrArray *sent = chorus_fake_transport_get_sent (f->transport);

  return g_ptr_array_index (sent, sent->len - 1);
}

static gboolean
sent_contains (Fixture    *f,
               const char *text)
{
  GPtrArray *sent = chorus_fake_transport_get_sent (f->transport);

  for (guint i = 0; i < sent->len; i++)
    {
      if (strstr (g_ptr_array_index (sent, i), text) != NULL)
        return TRUE;
    }

  return FALSE;
}

/* The first page is subscribed with the caller's args, cursor null and
 * the given id; load_more is refused until it has loaded. */
static void
test_first_page (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *text = NULL;

  g_assert_nonnull (strstr (last_sent (f),
                            "\"args\":[{\"channel\":\"c1\",\"paginationOpts\":"
                            "{\"cursor\":null,\"id\":7,\"numItems\":2}}]"));
  g_assert_cmpint (chorus_paginated_query_get_status (f->query), ==,
                   CHORUS_PAGINATION_LOADING_FIRST_PAGE);
  g_assert_false (chorus_paginated_query_load_more (f->query, 2));

  deliver (f, 2, "{\"type\":\"QueryUpdated\",\"queryId\":0,\"logLines\":[],\"journal\":null,"
                 "\"value\":{\"page\":[1,2],\"isDone\":false,\"continueCursor\":\"c2\"}}");
  text = results_text (f);
  g_assert_cmpstr (text, ==, "[1,2]");
  g_assert_cmpint (chorus_paginated_query_get_status (f->query), ==,
                   CHORUS_PAGINATION_CAN_LOAD_MORE);
  g_assert_cmpuint (f->changed, ==, 1);

  g_assert_true (chorus_paginated_query_load_more (f->query, 4));
  g_assert_cmpuint (f->changed, ==, 2);
  g_assert_nonnull (strstr (last_sent (f), "{\"cursor\":\"c2\",\"id\":7,\"numItems\":4}"));
  g_assert_cmpint (chorus_paginated_query_get_status (f->query), ==,
                   CHORUS_PAGINATION_LOADING_MORE);
}

/* A page with a splitCursor that grew past twice the first page's size
 * is split even without a pageStatus. */
static void
test_split_when_grown (Fixture       *f,
                       gconstpointer  data)
{
  guint sent_before;

  deliver (f, 2, "{\"type\":\"QueryUpdated\",\"queryId\":0,\"logLines\":[],\"journal\":null,"
                 "\"value\":{\"page\":[1,2,3,4],\"isDone\":true,\"continueCursor\":\"end\","
                 "\"splitCursor\":\"s\"}}");
  g_assert_cmpuint (chorus_fake_transport_get_sent (f->transport)->len, ==, 3);

  sent_before = chorus_fake_transport_get_sent (f->transport)->len;
  deliver (f, 2, "{\"type\":\"QueryUpdated\",\"queryId\":0,\"logLines\":[],\"journal\":null,"
                 "\"value\":{\"page\":[1,2,3,4,5],\"isDone\":true,\"continueCursor\":\"end\","
                 "\"splitCursor\":\"s\",\"pageStatus\":null}}");
  g_assert_cmpuint (chorus_fake_transport_get_sent (f->transport)->len, ==, sent_before + 2);
  g_assert_nonnull (strstr (last_sent (f), "{\"cursor\":\"s\",\"endCursor\":\"end\",\"id\":7,"
                                           "\"numItems\":2}"));
}

/* A page that fails with InvalidCursor restarts from the first page
 * under a new id. */
static void
test_invalid_cursor_restarts (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) results = NULL;
  g_autofree char *expected = NULL;

  deliver (f, 2, "{\"type\":\"QueryFailed\",\"queryId\":0,\"logLines\":[],\"journal\":null,"
                 "\"errorMessage\":\"Uncaught Error: InvalidCursor: the cursor is stale\"}");
  g_assert_cmpint (chorus_paginated_query_get_id (f->query), !=, 7);
  expected = g_strdup_printf ("{\"cursor\":null,\"id\":%" G_GINT64_FORMAT ",\"numItems\":2}",
                              chorus_paginated_query_get_id (f->query));
  g_assert_true (sent_contains (f, expected));
  g_assert_true (sent_contains (f, "{\"type\":\"Remove\",\"queryId\":0}"));
  g_assert_cmpint (chorus_paginated_query_get_status (f->query), ==,
                   CHORUS_PAGINATION_LOADING_FIRST_PAGE);

  results = chorus_paginated_query_dup_results (f->query, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (results)), ==, 0);
}

/* A page that failed otherwise, or is not a pagination result, makes
 * the results an error. */
static void
test_failed_page_error (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) results = NULL;

  deliver (f, 2, "{\"type\":\"QueryUpdated\",\"queryId\":0,\"logLines\":[],\"journal\":null,"
                 "\"value\":{\"page\":\"not a list\",\"isDone\":false,\"continueCursor\":\"c\"}}");
  results = chorus_paginated_query_dup_results (f->query, &error);
  g_assert_null (results);
  g_assert_error (error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_INVALID_VALUE);
  g_clear_error (&error);

  deliver (f, 2, "{\"type\":\"QueryFailed\",\"queryId\":0,\"logLines\":[],\"journal\":null,"
                 "\"errorMessage\":\"boom\"}");
  results = chorus_paginated_query_dup_results (f->query, &error);
  g_assert_null (results);
  g_assert_error (error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_QUERY_FAILED);
  g_assert_cmpint (chorus_paginated_query_get_id (f->query), ==, 7);
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

  add_test ("/core/paginated-query/first-page", test_first_page);
  add_test ("/core/paginated-query/split-when-grown", test_split_when_grown);
  add_test ("/core/paginated-query/invalid-cursor-restarts", test_invalid_cursor_restarts);
  add_test ("/core/paginated-query/failed-page-error", test_failed_page_error);

  return g_test_run ();
}
