/* bench-window.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Opens the Chorus window on a channel of 100,000 messages, with the
 * server in the same process as the app runs it, and prints:
 * - the time from the start of main() until the newest messages are
 *   painted;
 * - the resident memory then;
 * - for repeated sends, how many frames pass between Enter and the frame
 *   that paints the pending row, and how long that takes.
 * Needs a display: run it under xvfb-run.
 */

#define G_LOG_DOMAIN "bench-window"

#include "config.h"

#include <adwaita.h>
#include <sqlite3.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "chorus-message-row.h"
#include "chorus-server-thread.h"
#include "chorus-window-private.h"

#define N_MESSAGES 100000
#define N_SENDS    20

static gint64 main_start;

static void
check_sqlite (int         result,
              sqlite3    *db,
              const char *what)
{
  if (result != SQLITE_OK && result != SQLITE_DONE)
    g_error ("%s failed: %s", what, sqlite3_errmsg (db));
}

static char *
find_general (sqlite3 *db)
{
  sqlite3_stmt *statement = NULL;
  char *id;

  check_sqlite (sqlite3_prepare_v2 (db, "SELECT id FROM channels WHERE name = 'general'", -1,
                                    &statement, NULL), db, "prepare");
  if (sqlite3_step (statement) != SQLITE_ROW)
    g_error ("no general channel");
  id = g_strdup ((const char *)sqlite3_column_text (statement, 0));
  sqlite3_finalize (statement);

  return id;
}

/* Writes the history straight into the server's database: sending
 * 100,000 messages through the protocol would take minutes. */
static void
fill_database (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *general = NULL;
  ChorusServerThread *server;
  sqlite3_stmt *insert = NULL;
  gint64 start_ms = g_get_real_time () / 1000 - (gint64)N_MESSAGES * 60 * 1000;
  sqlite3 *db;

  server = chorus_server_thread_start (path, 0, &error);
  g_assert_no_error (error);
  chorus_server_thread_stop (server);

  check_sqlite (sqlite3_open (path, &db), db, "open");
  general = find_general (db);
  check_sqlite (sqlite3_exec (db, "BEGIN", NULL, NULL, NULL), db, "begin");
  check_sqlite (sqlite3_prepare_v2 (db,
                                    "INSERT INTO messages (id, channel, author, body, client_id, "
                                    "creation_time, commit_ts) VALUES (?, ?, ?, ?, ?, ?, 1)",
                                    -1, &insert, NULL), db, "prepare");

  for (guint i = 0; i < N_MESSAGES; i++)
    {
      g_autofree char *id = g_strdup_printf ("bench-%u", i);
      g_autofree char *client_id = g_strdup_printf ("bench-client-%u", i);
      g_autofree char *body = g_strdup_printf ("Message %u. %s", i,
                                               i % 7 == 0 ? "A longer one that wraps onto a second line "
                                                            "in a window of ordinary width, as real chat does."
                                                          : "Short.");

      sqlite3_bind_text (insert, 1, id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (insert, 2, general, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (insert, 3, i % 3 == 0 ? "Lin" : "Ada", -1, SQLITE_STATIC);
      sqlite3_bind_text (insert, 4, body, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (insert, 5, client_id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_double (insert, 6, (double)(start_ms + (gint64)i * 60 * 1000));
      check_sqlite (sqlite3_step (insert), db, "insert");
      sqlite3_reset (insert);
    }

  sqlite3_finalize (insert);
  check_sqlite (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), db, "commit");
  sqlite3_close (db);
}

static double
resident_mib (void)
{
  g_autofree char *statm = NULL;
  long pages = 0;

  if (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL))
    pages = strtol (strchr (statm, ' ') + 1, NULL, 10);

  return pages * (double)sysconf (_SC_PAGESIZE) / (1024.0 * 1024.0);
}

static gboolean
shows_row_for (GtkWidget     *view,
               ChorusMessage *message)
{
  for (GtkWidget *child = gtk_widget_get_first_child (view);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *row = gtk_widget_get_first_child (child);

      if (CHORUS_IS_MESSAGE_ROW (row) && gtk_widget_get_mapped (row) &&
          (message == NULL || chorus_message_row_get_message (CHORUS_MESSAGE_ROW (row)) == message))
        return TRUE;
    }

  return FALSE;
}

typedef struct
{
  ChorusWindow  *window;
  ChorusMessage *message;     /* the row to wait for, or NULL for any */
  gint64         painted_at;  /* monotonic µs, 0 until painted */
  gint64         frame;
} PaintWatch;

static void
after_paint_cb (GdkFrameClock *frame_clock,
                PaintWatch    *watch)
{
  ChorusMessageList *messages = chorus_window_get_message_list (watch->window);

  if (watch->painted_at != 0 || messages == NULL || chorus_message_list_is_loading (messages) ||
      !shows_row_for (GTK_WIDGET (watch->window->message_view), watch->message))
    return;

  watch->painted_at = g_get_monotonic_time ();
  watch->frame = gdk_frame_clock_get_frame_counter (frame_clock);
}

static void
wait_for_paint (PaintWatch *watch)
{
  GdkFrameClock *frame_clock = gtk_widget_get_frame_clock (GTK_WIDGET (watch->window));
  gulong handler = g_signal_connect (frame_clock, "after-paint", G_CALLBACK (after_paint_cb), watch);
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (watch->painted_at == 0 && g_get_monotonic_time () < deadline)
    {
      gtk_widget_queue_draw (GTK_WIDGET (watch->window));
      g_main_context_iteration (NULL, TRUE);
    }

  g_signal_handler_disconnect (frame_clock, handler);
  if (watch->painted_at == 0)
    g_error ("timed out waiting for a paint");
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return x < y ? -1 : x > y;
}

static void
measure_sends (ChorusWindow *window)
{
  double latencies[N_SENDS];
  gint64 max_frames = 0;

  for (guint i = 0; i < N_SENDS; i++)
    {
      GdkFrameClock *frame_clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
      ChorusMessageList *messages = chorus_window_get_message_list (window);
      PaintWatch watch = { window, NULL, 0, 0 };
      g_autofree char *text = g_strdup_printf ("benchmark send %u", i);
      gint64 frame_before = gdk_frame_clock_get_frame_counter (frame_clock);
      gint64 pressed;

      gtk_text_buffer_set_text (gtk_text_view_get_buffer (window->composer), text, -1);
      pressed = g_get_monotonic_time ();
      gtk_widget_activate_action (GTK_WIDGET (window), "win.send", NULL);
      watch.message = g_list_model_get_item (G_LIST_MODEL (messages),
                                             g_list_model_get_n_items (G_LIST_MODEL (messages)) - 1);
      wait_for_paint (&watch);

      latencies[i] = (watch.painted_at - pressed) / 1000.0;
      max_frames = MAX (max_frames, watch.frame - frame_before);
      g_object_unref (watch.message);
    }

  qsort (latencies, N_SENDS, sizeof (double), compare_doubles);
  g_print ("Enter to pending row painted (%d sends): p50 %.1f ms, max %.1f ms, "
           "at most %" G_GINT64_FORMAT " frame(s) after the one that was current\n",
           N_SENDS, latencies[N_SENDS / 2], latencies[N_SENDS - 1], max_frames);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *database = NULL;
  g_autofree char *url = NULL;
  g_autoptr(ChorusClient) client = NULL;
  ChorusServerThread *server;
  ChorusWindow *window;
  PaintWatch first = { NULL, NULL, 0, 0 };
  gint64 filled_at;

  folder = g_dir_make_tmp ("chorus-bench-XXXXXX", &error);
  g_assert_no_error (error);
  database = g_build_filename (folder, "chorus.sqlite", NULL);
  fill_database (database);
  filled_at = g_get_monotonic_time ();

  /* The launch starts here, with a database that already contains the
   * history, as it would on an ordinary start. */
  main_start = filled_at;
  gtk_init ();
  adw_init ();

  server = chorus_server_thread_start (database, 0, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("http://127.0.0.1:%u", chorus_server_thread_get_port (server));
  client = chorus_client_new_for_url (url, &error);
  g_assert_no_error (error);
  chorus_client_start (client);

  window = g_object_new (CHORUS_TYPE_WINDOW, "client", client, "author", "Ada", NULL);
  gtk_window_present (GTK_WINDOW (window));
  first.window = window;
  wait_for_paint (&first);

  g_print ("Channel of %d messages, server in the same process\n", N_MESSAGES);
  g_print ("Launch to first paint of the newest messages: %.1f ms (target under 500 ms)\n",
           (first.painted_at - main_start) / 1000.0);
  g_print ("Resident memory after first paint: %.1f MiB (target under 200 MiB)\n", resident_mib ());

  measure_sends (window);

  gtk_window_destroy (GTK_WINDOW (window));
  chorus_client_stop (client);
  chorus_server_thread_stop (server);
  g_unlink (database);
  return 0;
}
