/* test-restart.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-restart"

#include "config.h"

#include <signal.h>
#include <sqlite3.h>

#include "chorus-client-private.h"
#include "chorus-outbox.h"
#include "chorus-test-util.h"
#include "rel-util.h"

/* The app quits with messages in its outbox and starts again on the same
 * outbox file, against a real chorus-server: every message is stored
 * exactly once, whether or not the first attempt reached the server. */

#define N_MESSAGES 20

typedef enum
{
  RESUME_WITH_SIGCONT,
  RESUME_WITH_RESTART,
} ResumeMode;

typedef struct
{
  char             *folder;
  char             *database;
  char             *outbox_path;
  RelServerProcess *server;
  char             *url;
  char             *channel_id;
  GPtrArray        *client_ids;  /* char *, of the messages sent */
} Fixture;

static ChorusClient *
start_client (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  ChorusClient *client = chorus_client_new_for_url (fixture->url, &error);

  g_assert_no_error (error);
  _chorus_client_set_backoff (client, 20, 20, 200);
  chorus_client_start (client);

  return client;
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
  ChorusClient *client;

  fixture->folder = g_dir_make_tmp ("chorus-restart-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->database = g_build_filename (fixture->folder, "server.sqlite", NULL);
  fixture->outbox_path = g_build_filename (fixture->folder, "outbox.sqlite", NULL);
  fixture->server = rel_server_process_start (fixture->database, rel_pick_free_port ());
  fixture->url = rel_server_process_dup_url (fixture->server);
  fixture->client_ids = g_ptr_array_new_with_free_func (g_free);

  client = start_client (fixture);
  fixture->channel_id = wait_for_channel_id (client);
  chorus_client_stop (client);
  g_object_unref (client);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_pointer (&fixture->server, rel_server_process_free);
  chorus_test_remove_dir (fixture->folder);
  g_free (fixture->folder);
  g_free (fixture->database);
  g_free (fixture->outbox_path);
  g_free (fixture->url);
  g_free (fixture->channel_id);
  g_ptr_array_unref (fixture->client_ids);
}

/* Returns the single integer that @sql selects from the SQLite file @path,
 * with @parameter bound to ?1 when it is not NULL. */
static int
query_int (const char *path,
           const char *sql,
           const char *parameter)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int value;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (parameter != NULL)
    sqlite3_bind_text (stmt, 1, parameter, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return value;
}

static guint
count_stored (Fixture *fixture)
{
  guint stored = 0;

  for (guint i = 0; i < fixture->client_ids->len; i++)
    stored += query_int (fixture->database, "SELECT COUNT(*) FROM messages WHERE client_id = ?1",
                         g_ptr_array_index (fixture->client_ids, i));

  return stored;
}

static void
send_messages (Fixture      *fixture,
               ChorusOutbox *outbox)
{
  for (guint i = 0; i < N_MESSAGES; i++)
    {
      g_autofree char *body = g_strdup_printf ("sent before the restart %u", i);
      ChorusMessage *message = chorus_outbox_send (outbox, fixture->channel_id, "Ada", body);

      g_ptr_array_add (fixture->client_ids, g_strdup (chorus_message_get_client_id (message)));
    }
}

/* Quits the app: stops the client and drops the outbox, then lets the
 * cancelled sends finish so that the outbox file is closed. */
static void
quit_app (ChorusClient *client,
          ChorusOutbox *outbox)
{
  chorus_client_stop (client);
  g_object_unref (outbox);
  g_object_unref (client);
  chorus_test_settle (100);
}

/* Checks that each message is stored once, and that the outbox is empty
 * in memory and on disk. */
static void
assert_stored_once (Fixture      *fixture,
                    ChorusOutbox *outbox)
{
  chorus_assert_eventually (chorus_outbox_get_messages (outbox)->len == 0);
  g_assert_cmpuint (fixture->client_ids->len, ==, N_MESSAGES);

  for (guint i = 0; i < fixture->client_ids->len; i++)
    {
      const char *client_id = g_ptr_array_index (fixture->client_ids, i);

      g_assert_cmpint (query_int (fixture->database,
                                  "SELECT COUNT(*) FROM messages WHERE client_id = ?1",
                                  client_id), ==, 1);
    }

  g_assert_cmpint (query_int (fixture->database, "SELECT COUNT(*) FROM messages", NULL), ==,
                   N_MESSAGES);
  g_assert_cmpint (query_int (fixture->outbox_path, "SELECT COUNT(*) FROM outbox", NULL), ==, 0);
}

static void
resume_server (Fixture    *fixture,
               ResumeMode  mode)
{
  if (mode == RESUME_WITH_SIGCONT)
    {
      g_subprocess_send_signal (fixture->server->process, SIGCONT);
      return;
    }

  rel_server_process_kill (fixture->server);
  g_assert_true (rel_server_process_start_again (fixture->server));
}

/* The server is stopped with SIGSTOP while the app sends, so every send
 * stays pending. The app quits and restarts before the server resumes by
 * SIGCONT or by a restart on the same database. */
static void
test_pending_while_stopped (Fixture       *fixture,
                            gconstpointer  data)
{
  ResumeMode mode = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;
  g_autoptr(ChorusOutbox) restarted_outbox = NULL;
  ChorusClient *restarted_client;
  ChorusClient *client = start_client (fixture);
  ChorusOutbox *outbox;

  chorus_assert_eventually (chorus_client_get_connection_state (client) ==
                            CHORUS_CONNECTION_CONNECTED);
  g_subprocess_send_signal (fixture->server->process, SIGSTOP);

  outbox = chorus_outbox_new (client, fixture->outbox_path, &error);
  g_assert_no_error (error);
  send_messages (fixture, outbox);
  chorus_test_settle (200);
  g_assert_cmpuint (chorus_outbox_get_messages (outbox)->len, ==, N_MESSAGES);
  quit_app (client, outbox);

  g_assert_cmpint (query_int (fixture->outbox_path, "SELECT COUNT(*) FROM outbox", NULL), ==,
                   N_MESSAGES);
  g_assert_cmpuint (count_stored (fixture), ==, 0);

  restarted_client = start_client (fixture);
  restarted_outbox = chorus_outbox_new (restarted_client, fixture->outbox_path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chorus_outbox_get_messages (restarted_outbox)->len, ==, N_MESSAGES);
  chorus_test_settle (200);
  resume_server (fixture, mode);

  assert_stored_once (fixture, restarted_outbox);

  chorus_client_stop (restarted_client);
  g_object_unref (restarted_client);
}

/* Waits, without running the main loop, until the server has committed
 * every message sent, so the client never reads a MutationResponse. */
static gboolean
wait_for_commits_blocking (Fixture *fixture)
{
  gint64 deadline = g_get_monotonic_time () + CHORUS_TEST_TIMEOUT_SECONDS * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      if (count_stored (fixture) == N_MESSAGES)
        return TRUE;
      g_usleep (10 * 1000);
    }

  return FALSE;
}

/* The app is killed after the server committed every send but before the
 * app read a response: the restarted app sends them all again, and the
 * server stores each client id once. */
static void
test_committed_before_quit (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChorusOutbox) restarted_outbox = NULL;
  ChorusClient *restarted_client;
  ChorusClient *client = start_client (fixture);
  ChorusOutbox *outbox;

  chorus_assert_eventually (chorus_client_get_connection_state (client) ==
                            CHORUS_CONNECTION_CONNECTED);
  chorus_test_settle (100);

  outbox = chorus_outbox_new (client, fixture->outbox_path, &error);
  g_assert_no_error (error);
  send_messages (fixture, outbox);
  g_assert_true (wait_for_commits_blocking (fixture));
  quit_app (client, outbox);

  /* The app saw no response, so every message is still in its outbox. */
  g_assert_cmpint (query_int (fixture->outbox_path, "SELECT COUNT(*) FROM outbox", NULL), ==,
                   N_MESSAGES);

  restarted_client = start_client (fixture);
  restarted_outbox = chorus_outbox_new (restarted_client, fixture->outbox_path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chorus_outbox_get_messages (restarted_outbox)->len, ==, N_MESSAGES);

  assert_stored_once (fixture, restarted_outbox);

  chorus_client_stop (restarted_client);
  g_object_unref (restarted_client);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/reliability/restart/pending-then-sigcont", Fixture,
              GINT_TO_POINTER (RESUME_WITH_SIGCONT),
              fixture_set_up, test_pending_while_stopped, fixture_tear_down);
  g_test_add ("/reliability/restart/pending-then-server-restart", Fixture,
              GINT_TO_POINTER (RESUME_WITH_RESTART),
              fixture_set_up, test_pending_while_stopped, fixture_tear_down);
  g_test_add ("/reliability/restart/committed-before-quit", Fixture, NULL,
              fixture_set_up, test_committed_before_quit, fixture_tear_down);

  return g_test_run ();
}
