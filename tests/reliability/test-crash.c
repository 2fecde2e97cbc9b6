/* test-crash.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-crash"

#include "config.h"

#include <signal.h>
#include <sqlite3.h>

#include "chorus-client-private.h"
#include "chorus-test-util.h"
#include "chorus-value.h"
#include "rel-util.h"

/* Four clients send 2,000 messages while chorus-server is killed with
 * SIGKILL at random moments and restarted on the same database and port. */
#define N_CLIENTS 4
#define N_PER_CLIENT 500
#define MIN_KILLS 5
#define SEND_INTERVAL_MS 4

typedef struct
{
  ChorusClient *client;
  guint         sent;
  guint         confirmed;
  guint         failed;
} Sender;

typedef struct
{
  Sender      senders[N_CLIENTS];
  char       *channel_id;
  GHashTable *confirmed;  /* body -> message id */
} Run;

typedef struct
{
  Run  *run;
  char *body;
} Pending;

static void
send_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Pending *pending = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) id = chorus_client_mutation_finish (CHORUS_CLIENT (object), result, &error);

  for (guint i = 0; i < N_CLIENTS; i++)
    {
      Sender *sender = &pending->run->senders[i];

      if (sender->client != CHORUS_CLIENT (object))
        continue;
      if (error != NULL)
        {
          g_test_message ("%s failed: %s", pending->body, error->message);
          sender->failed++;
        }
      else
        {
          sender->confirmed++;
          g_hash_table_insert (pending->run->confirmed, g_strdup (pending->body),
                               g_strdup (json_node_get_string (id)));
        }
    }

  g_free (pending->body);
  g_free (pending);
}

static void
send_next (Run    *run,
           Sender *sender,
           guint   index)
{
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) args = NULL;
  Pending *pending = g_new0 (Pending, 1);

  pending->run = run;
  pending->body = g_strdup_printf ("client %u message %u", index, sender->sent);
  text = g_strdup_printf ("{\"channel\":\"%s\",\"author\":\"client %u\",\"body\":\"%s\","
                          "\"clientId\":\"%s\"}", run->channel_id, index, pending->body,
                          pending->body);
  args = json_from_string (text, NULL);
  sender->sent++;

  chorus_client_mutation (sender->client, "messages:send", args, NULL, NULL, NULL,
                          NULL, send_done_cb, pending);
}

static gboolean
send_tick_cb (gpointer user_data)
{
  Run *run = user_data;
  gboolean more = FALSE;

  for (guint i = 0; i < N_CLIENTS; i++)
    {
      if (run->senders[i].sent < N_PER_CLIENT)
        send_next (run, &run->senders[i], i);
      more |= run->senders[i].sent < N_PER_CLIENT;
    }

  return more ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static guint
count_finished (Run *run)
{
  guint finished = 0;

  for (guint i = 0; i < N_CLIENTS; i++)
    finished += run->senders[i].confirmed + run->senders[i].failed;

  return finished;
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

/* Counts the stored rows of every message body. */
static GHashTable *
count_stored (const char *database)
{
  GHashTable *counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (database, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT body, COUNT(*) FROM messages GROUP BY body",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_hash_table_insert (counts, g_strdup ((const char *) sqlite3_column_text (stmt, 0)),
                         GINT_TO_POINTER (sqlite3_column_int (stmt, 1)));
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return counts;
}

static void
kill_at_random_moments (RelServerProcess *server,
                        Run              *run)
{
  guint kills = 0;

  while (kills < MIN_KILLS || count_finished (run) < N_CLIENTS * N_PER_CLIENT / 2)
    {
      if (kills >= 3 * MIN_KILLS)
        break;

      chorus_test_settle (g_random_int_range (100, 600));
      rel_server_process_kill (server);
      kills++;
      g_test_message ("Killed the server (%u) after %u of %u messages finished",
                      kills, count_finished (run), N_CLIENTS * N_PER_CLIENT);
      chorus_test_settle (g_random_int_range (0, 200));
      g_assert_true (rel_server_process_start_again (server));
    }

  g_assert_cmpuint (kills, >=, MIN_KILLS);
}

static void
assert_same_lists (ChorusSubscription **lists)
{
  chorus_assert_eventually (chorus_subscription_get_value (lists[0]) != NULL);
  for (guint i = 1; i < N_CLIENTS; i++)
    {
      chorus_assert_eventually (chorus_subscription_get_value (lists[i]) != NULL &&
                                chorus_value_equal (chorus_subscription_get_value (lists[i]),
                                                    chorus_subscription_get_value (lists[0])));
    }
}

static void
test_sigkill_during_sends (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = g_dir_make_tmp ("chorus-crash-XXXXXX", &error);
  g_autofree char *database = g_build_filename (folder, "server.sqlite", NULL);
  g_autoptr(RelServerProcess) server = rel_server_process_start (database, rel_pick_free_port ());
  g_autofree char *url = rel_server_process_dup_url (server);
  g_autoptr(GHashTable) stored = NULL;
  ChorusSubscription *lists[N_CLIENTS];
  g_autoptr(JsonNode) list_args = NULL;
  g_autofree char *list_args_text = NULL;
  Run run = { 0 };
  GHashTableIter iter;
  gpointer body;

  run.confirmed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < N_CLIENTS; i++)
    {
      run.senders[i].client = chorus_client_new_for_url (url, &error);
      g_assert_no_error (error);
      _chorus_client_set_backoff (run.senders[i].client, 20, 20, 200);
      _chorus_client_set_inactivity_timeout (run.senders[i].client, 5000);
      chorus_client_start (run.senders[i].client);
    }

  run.channel_id = wait_for_channel_id (run.senders[0].client);
  list_args_text = g_strdup_printf ("{\"channel\":\"%s\"}", run.channel_id);
  list_args = json_from_string (list_args_text, NULL);
  for (guint i = 0; i < N_CLIENTS; i++)
    lists[i] = chorus_client_subscribe (run.senders[i].client, "messages:list", list_args);

  g_timeout_add (SEND_INTERVAL_MS, send_tick_cb, &run);
  kill_at_random_moments (server, &run);

  /* Every message still pending is sent again after the reconnect. */
  while (count_finished (&run) < N_CLIENTS * N_PER_CLIENT)
    chorus_test_iterate ();
  for (guint i = 0; i < N_CLIENTS; i++)
    g_assert_cmpuint (run.senders[i].failed, ==, 0);
  assert_same_lists (lists);

  stored = count_stored (database);
  g_assert_cmpuint (g_hash_table_size (stored), ==, N_CLIENTS * N_PER_CLIENT);
  g_hash_table_iter_init (&iter, run.confirmed);
  while (g_hash_table_iter_next (&iter, &body, NULL))
    g_assert_cmpint (GPOINTER_TO_INT (g_hash_table_lookup (stored, body)), ==, 1);
  g_hash_table_iter_init (&iter, stored);
  while (g_hash_table_iter_next (&iter, &body, NULL))
    g_assert_cmpint (GPOINTER_TO_INT (g_hash_table_lookup (stored, body)), ==, 1);

  for (guint i = 0; i < N_CLIENTS; i++)
    {
      g_object_unref (lists[i]);
      chorus_client_stop (run.senders[i].client);
      g_object_unref (run.senders[i].client);
    }
  g_hash_table_unref (run.confirmed);
  g_free (run.channel_id);
  g_clear_pointer (&server, rel_server_process_free);
  chorus_test_remove_dir (folder);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* The client warns when a send meets a socket the kill has closed. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

  g_test_add_func ("/reliability/crash/sigkill-during-sends", test_sigkill_during_sends);

  return g_test_run ();
}
