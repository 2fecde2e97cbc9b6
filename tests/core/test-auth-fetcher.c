/* test-auth-fetcher.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "chorus-client-private.h"
#include "chorus-fake-transport.h"

/* A ChorusTokenFetcher whose fetches the test completes by hand. */
typedef struct
{
  ChorusFakeTransport *transport;
  ChorusClient        *client;
  GPtrArray           *tasks;   /* GTask, the fetches not yet completed */
  GArray              *forced;  /* gboolean, force_refresh of each fetch */
} Fixture;

static void
fetch_token (ChorusClient *client,
             gboolean      force_refresh,
             GTask        *task,
             gpointer      user_data)
{
  Fixture *f = user_data;

  g_ptr_array_add (f->tasks, g_object_ref (task));
  g_array_append_val (f->forced, force_refresh);
}

static void
iterate_pending (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Runs the main loop for @ms, so that timers as short as the test's
 * backoff get their turn. */
static void
iterate_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      iterate_pending ();
      g_usleep (1000);
    }
}

static void
complete_fetch (Fixture    *f,
                const char *token)
{
  g_autoptr(GTask) task = NULL;

  g_assert_cmpuint (f->tasks->len, >, 0);
  task = g_ptr_array_steal_index (f->tasks, 0);
  g_task_return_pointer (task, g_strdup (token), g_free);
  iterate_pending ();
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->transport = chorus_fake_transport_new ();
  f->client = chorus_client_new (CHORUS_TRANSPORT (f->transport));
  f->tasks = g_ptr_array_new_with_free_func (g_object_unref);
  f->forced = g_array_new (FALSE, FALSE, sizeof (gboolean));
  _chorus_client_set_backoff (f->client, 1, 1, 4);
  chorus_client_set_auth_fetcher (f->client, fetch_token, f, NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  while (f->tasks->len > 0)
    complete_fetch (f, NULL);

  chorus_client_stop (f->client);
  iterate_pending ();
  g_assert_finalize_object (f->client);
  g_assert_finalize_object (f->transport);
  g_ptr_array_unref (f->tasks);
  g_array_unref (f->forced);
}

/* Returns the "type" of each frame sent since the last call, and the
 * token of the first Authenticate in @token. */
static char *
take_frame_types (Fixture  *f,
                  char    **token)
{
  g_autoptr(GPtrArray) sent = chorus_fake_transport_take_sent (f->transport);
  g_autoptr(GString) types = g_string_new (NULL);

  for (guint i = 0; i < sent->len; i++)
    {
      g_autoptr(JsonNode) frame = json_from_string (g_ptr_array_index (sent, i), NULL);
      JsonObject *object = json_node_get_object (frame);
      const char *type = json_object_get_string_member (object, "type");

      g_string_append_printf (types, "%s%s", i > 0 ? "," : "", type);
      if (token != NULL && *token == NULL && g_str_equal (type, "Authenticate"))
        *token = g_strdup (json_object_get_string_member_with_default (object, "value", ""));
    }

  return g_string_free (g_steal_pointer (&types), FALSE);
}

/* The first socket opens only once the first token is there, so the
 * token goes before the query set. */
static void
test_first_token_holds_socket (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *types = NULL;
  g_autofree char *token = NULL;

  g_assert_cmpuint (f->tasks->len, ==, 1);
  g_assert_false (g_array_index (f->forced, gboolean, 0));

  chorus_client_start (f->client);
  iterate_for (20);
  g_assert_false (chorus_fake_transport_is_opening (f->transport));

  complete_fetch (f, "token-1");
  g_assert_true (chorus_fake_transport_is_opening (f->transport));
  chorus_fake_transport_accept (f->transport);

  types = take_frame_types (f, &token);
  g_assert_cmpstr (types, ==, "Connect,Authenticate,ModifyQuerySet");
  g_assert_cmpstr (token, ==, "token-1");
}

/* A fetch that completes after the auth was cleared sends nothing, and
 * clearing lets the held socket open without a token. */
static void
test_cleared_fetch_ignored (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *types = NULL;

  chorus_client_start (f->client);
  chorus_client_clear_auth (f->client);
  iterate_pending ();
  g_assert_true (chorus_fake_transport_is_opening (f->transport));
  chorus_fake_transport_accept (f->transport);

  complete_fetch (f, "token-old");
  types = take_frame_types (f, NULL);
  g_assert_cmpstr (types, ==, "Connect,ModifyQuerySet");
}

/* After an AuthError, the new socket waits for the fresh token, which
 * it then sends. */
static void
test_auth_error_waits_for_token (Fixture       *f,
                                 gconstpointer  data)
{
  g_autofree char *types = NULL;
  g_autofree char *token = NULL;

  chorus_client_start (f->client);
  complete_fetch (f, "token-1");
  chorus_fake_transport_accept (f->transport);
  g_clear_pointer (&types, g_free);
  types = take_frame_types (f, NULL);

  g_test_expect_message ("chorus-client", G_LOG_LEVEL_WARNING, "*rejected the token*");
  chorus_fake_transport_deliver (f->transport,
                                 "{\"type\":\"AuthError\",\"error\":\"expired\","
                                 "\"baseVersion\":0,\"authUpdateAttempted\":true}");
  g_test_assert_expected_messages ();
  iterate_for (20);
  g_assert_false (chorus_fake_transport_is_opening (f->transport));
  g_assert_cmpuint (f->tasks->len, ==, 1);
  g_assert_true (g_array_index (f->forced, gboolean, 1));

  complete_fetch (f, "token-2");
  g_assert_true (chorus_fake_transport_is_opening (f->transport));
  chorus_fake_transport_accept (f->transport);
  g_clear_pointer (&types, g_free);
  types = take_frame_types (f, &token);
  g_assert_cmpstr (types, ==, "Connect,Authenticate,ModifyQuerySet");
  g_assert_cmpstr (token, ==, "token-2");
}

/* A fetch that fails counts as no token: the socket opens without one. */
static void
test_failed_fetch_no_token (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *types = NULL;

  chorus_client_start (f->client);
  task = g_ptr_array_steal_index (f->tasks, 0);
  g_test_expect_message ("chorus-client", G_LOG_LEVEL_WARNING, "*Failed to fetch a token*");
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no keyring");
  iterate_pending ();
  g_test_assert_expected_messages ();

  g_assert_true (chorus_fake_transport_is_opening (f->transport));
  chorus_fake_transport_accept (f->transport);
  types = take_frame_types (f, NULL);
  g_assert_cmpstr (types, ==, "Connect,ModifyQuerySet");
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

  add_test ("/core/auth-fetcher/first-token-holds-socket", test_first_token_holds_socket);
  add_test ("/core/auth-fetcher/cleared-fetch-ignored", test_cleared_fetch_ignored);
  add_test ("/core/auth-fetcher/auth-error-waits", test_auth_error_waits_for_token);
  add_test ("/core/auth-fetcher/failed-fetch-no-token", test_failed_fetch_no_token);

  return g_test_run ();
}
