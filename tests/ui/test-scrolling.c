/* test-scrolling.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The message view under Xvfb with a busy channel: it opens at the
 * newest message, follows new ones while at the bottom, and stays still
 * while the user reads history, whatever arrives.
 */

#define G_LOG_DOMAIN "test-scrolling"

#include "config.h"

#include <adwaita.h>

#include "chorus-message-row.h"
#include "chorus-server-thread.h"
#include "chorus-test-util.h"
#include "chorus-window-private.h"

#define N_HISTORY 160

typedef struct
{
  char               *folder;
  ChorusServerThread *server;
  ChorusClient       *ada_client;
  ChorusClient       *lin_client;
  ChorusOutbox       *lin_outbox;
  ChorusMessageList  *lin_view;
  ChorusWindow       *window;
} Fixture;

static ChorusClient *
start_client (Fixture *fixture)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u",
                                          chorus_server_thread_get_port (fixture->server));
  g_autoptr(GError) error = NULL;
  ChorusClient *client = chorus_client_new_for_url (url, &error);

  g_assert_no_error (error);
  chorus_client_start (client);

  return client;
}

static GtkAdjustment *
get_adjustment (Fixture *fixture)
{
  return gtk_scrolled_window_get_vadjustment (fixture->window->message_scroller);
}

static ChorusMessageList *
get_messages (Fixture *fixture)
{
  return chorus_window_get_message_list (fixture->window);
}

static guint
n_messages (Fixture *fixture)
{
  return g_list_model_get_n_items (G_LIST_MODEL (get_messages (fixture)));
}

static const char *
last_body (Fixture *fixture)
{
  g_autoptr(ChorusMessage) message = g_list_model_get_item (G_LIST_MODEL (get_messages (fixture)),
                                                            n_messages (fixture) - 1);

  return message != NULL ? chorus_message_get_body (message) : NULL;
}

static ChorusMessage *
get_first (Fixture *fixture)
{
  g_autoptr(ChorusMessage) message = g_list_model_get_item (G_LIST_MODEL (get_messages (fixture)), 0);

  return message;
}

static void
draw (Fixture *fixture)
{
  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->window));
  chorus_test_settle (50);
}

static gboolean
is_at_bottom (Fixture *fixture)
{
  GtkAdjustment *adjustment = get_adjustment (fixture);

  return gtk_adjustment_get_value (adjustment) >=
         gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment) - 1;
}

/* Lin fills general with history before Ada's window opens. */
static void
fill_history (Fixture    *fixture,
              const char *channel_id)
{
  g_autoptr(GError) error = NULL;

  fixture->lin_outbox = chorus_outbox_new (fixture->lin_client, NULL, &error);
  g_assert_no_error (error);
  fixture->lin_view = chorus_message_list_new (fixture->lin_outbox, channel_id);
  chorus_assert_eventually (!chorus_message_list_is_loading (fixture->lin_view));

  for (guint i = 0; i < N_HISTORY; i++)
    {
      g_autofree char *body = g_strdup_printf ("history line %u", i);

      chorus_outbox_send (fixture->lin_outbox, channel_id, "Lin", body);
    }

  chorus_assert_eventually (chorus_outbox_get_messages (fixture->lin_outbox)->len == 0);
}

static char *
dup_general_id (ChorusClient *client)
{
  g_autoptr(ChorusChannelList) channels = chorus_channel_list_new (client);

  chorus_assert_eventually (chorus_channel_list_find_by_name (channels, "general", NULL) != NULL);

  return g_strdup (chorus_channel_get_id (chorus_channel_list_find_by_name (channels, "general", NULL)));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *database = NULL;
  g_autofree char *general = NULL;

  fixture->folder = g_dir_make_tmp ("chorus-test-XXXXXX", &error);
  g_assert_no_error (error);
  database = g_build_filename (fixture->folder, "chorus.sqlite", NULL);
  fixture->server = chorus_server_thread_start (database, 0, &error);
  g_assert_no_error (error);

  fixture->lin_client = start_client (fixture);
  general = dup_general_id (fixture->lin_client);
  fill_history (fixture, general);

  fixture->ada_client = start_client (fixture);
  fixture->window = g_object_new (CHORUS_TYPE_WINDOW,
                                  "client", fixture->ada_client,
                                  "author", "Ada",
                                  "default-height", 600,
                                  NULL);
  g_object_ref_sink (fixture->window);
  gtk_window_present (GTK_WINDOW (fixture->window));

  chorus_assert_eventually (get_messages (fixture) != NULL &&
                            !chorus_message_list_is_loading (get_messages (fixture)));
  draw (fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_clear_object (&fixture->window);
  g_clear_object (&fixture->lin_view);
  g_clear_object (&fixture->lin_outbox);
  chorus_client_stop (fixture->ada_client);
  chorus_client_stop (fixture->lin_client);
  g_clear_object (&fixture->ada_client);
  g_clear_object (&fixture->lin_client);
  chorus_server_thread_stop (fixture->server);
  chorus_test_remove_dir (fixture->folder);
  g_free (fixture->folder);
}

typedef struct
{
  ChorusMessage *message;
  double         y;
} Anchor;

/* Finds the topmost row that shows in the view, and where it sits. The
 * list view keeps its row widgets in no particular order. */
static gboolean
find_top_row (Fixture *fixture,
              Anchor  *anchor)
{
  GtkWidget *scroller = GTK_WIDGET (fixture->window->message_scroller);
  GtkWidget *view = GTK_WIDGET (fixture->window->message_view);
  gboolean found = FALSE;

  for (GtkWidget *child = gtk_widget_get_first_child (view);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *row = gtk_widget_get_first_child (child);
      double x, y;

      if (!CHORUS_IS_MESSAGE_ROW (row) || !gtk_widget_get_mapped (child) ||
          !gtk_widget_translate_coordinates (child, scroller, 0, 0, &x, &y) ||
          y + gtk_widget_get_height (child) <= 0)
        continue;

      if (!found || y < anchor->y)
        {
          anchor->message = chorus_message_row_get_message (CHORUS_MESSAGE_ROW (row));
          anchor->y = y;
          found = TRUE;
        }
    }

  return found;
}

static void
assert_anchor_kept (Fixture      *fixture,
                    const Anchor *before)
{
  Anchor after;

  draw (fixture);
  g_assert_true (find_top_row (fixture, &after));
  g_assert_true (after.message == before->message);
  g_assert_cmpfloat_with_epsilon (after.y, before->y, 1.0);
}

static gboolean
shows_message (Fixture    *fixture,
               const char *id)
{
  for (guint i = 0; i < n_messages (fixture); i++)
    {
      g_autoptr(ChorusMessage) message = g_list_model_get_item (G_LIST_MODEL (get_messages (fixture)), i);

      if (g_strcmp0 (chorus_message_get_id (message), id) == 0)
        return TRUE;
    }

  return FALSE;
}

/* Lin deletes the message three rows below @message, which is on
 * screen. */
static void
delete_below (Fixture       *fixture,
              ChorusMessage *message)
{
  GListModel *lin_rows = G_LIST_MODEL (fixture->lin_view);
  const char *body = chorus_message_get_body (message);
  guint n_items = g_list_model_get_n_items (lin_rows);

  for (guint i = 0; i + 3 < n_items; i++)
    {
      g_autoptr(ChorusMessage) row = g_list_model_get_item (lin_rows, i);
      g_autoptr(ChorusMessage) victim = NULL;
      g_autofree char *victim_id = NULL;

      if (g_strcmp0 (chorus_message_get_body (row), body) != 0)
        continue;

      victim = g_list_model_get_item (lin_rows, i + 3);
      victim_id = g_strdup (chorus_message_get_id (victim));
      chorus_message_list_remove (fixture->lin_view, victim, NULL, NULL);
      chorus_assert_eventually (!shows_message (fixture, victim_id));
      return;
    }

  g_assert_not_reached ();
}

static void
scroll_to_middle (Fixture *fixture)
{
  GtkAdjustment *adjustment = get_adjustment (fixture);

  gtk_adjustment_set_value (adjustment,
                            (gtk_adjustment_get_upper (adjustment) -
                             gtk_adjustment_get_page_size (adjustment)) / 2);
  draw (fixture);
  g_assert_false (is_at_bottom (fixture));
}

static void
test_opens_at_newest (Fixture       *fixture,
                      gconstpointer  data)
{
  g_assert_cmpuint (n_messages (fixture), ==, 100);
  chorus_assert_eventually (is_at_bottom (fixture));
  g_assert_false (gtk_widget_get_visible (fixture->window->jump_button));

  /* At the bottom, a new message scrolls into view. */
  chorus_message_list_send (fixture->lin_view, "Lin", "still here?");
  chorus_assert_eventually (g_strcmp0 (last_body (fixture), "still here?") == 0);
  draw (fixture);
  chorus_assert_eventually (is_at_bottom (fixture));
  g_assert_false (gtk_widget_get_visible (fixture->window->jump_button));
}

static void
test_reading_history_holds_still (Fixture       *fixture,
                                  gconstpointer  data)
{
  Anchor anchor;
  ChorusMessage *mine;

  /* Ada sends while the server is held back, then scrolls up to read. */
  chorus_server_thread_pause (fixture->server);
  mine = chorus_message_list_send (get_messages (fixture), "Ada", "pending while reading");
  draw (fixture);
  scroll_to_middle (fixture);
  g_assert_true (find_top_row (fixture, &anchor));

  /* Her confirmation arrives: nothing moves. */
  chorus_server_thread_resume (fixture->server);
  chorus_assert_eventually (chorus_message_get_state (mine) == CHORUS_MESSAGE_CONFIRMED);
  assert_anchor_kept (fixture, &anchor);

  /* Lin writes twice: nothing moves, and the button counts them. */
  chorus_message_list_send (fixture->lin_view, "Lin", "one");
  chorus_message_list_send (fixture->lin_view, "Lin", "two");
  chorus_assert_eventually (g_strcmp0 (last_body (fixture), "two") == 0);
  assert_anchor_kept (fixture, &anchor);
  g_assert_true (gtk_widget_get_visible (fixture->window->jump_button));
  g_assert_cmpstr (gtk_label_get_text (fixture->window->jump_label), ==, "2 new messages");

  /* Lin deletes a message below the top row: nothing moves either. */
  delete_below (fixture, anchor.message);
  assert_anchor_kept (fixture, &anchor);

  /* Jumping goes to the newest and hides the button. */
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.jump-to-latest", NULL);
  draw (fixture);
  chorus_assert_eventually (is_at_bottom (fixture));
  g_assert_false (gtk_widget_get_visible (fixture->window->jump_button));
}

static void
test_sending_goes_to_newest (Fixture       *fixture,
                             gconstpointer  data)
{
  ChorusMessage *mine;

  scroll_to_middle (fixture);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (fixture->window->composer), "look at this", -1);
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.send", NULL);
  mine = g_list_model_get_item (G_LIST_MODEL (get_messages (fixture)), n_messages (fixture) - 1);
  g_object_unref (mine);
  g_assert_cmpstr (chorus_message_get_body (mine), ==, "look at this");
  draw (fixture);

  /* Sending from history goes back to the conversation. */
  chorus_assert_eventually (is_at_bottom (fixture));
  chorus_assert_eventually (chorus_message_get_state (mine) == CHORUS_MESSAGE_CONFIRMED);
  draw (fixture);
  g_assert_true (is_at_bottom (fixture));
  g_assert_false (gtk_widget_get_visible (fixture->window->jump_button));
}

static void
test_history_loads_above (Fixture       *fixture,
                          gconstpointer  data)
{
  GtkAdjustment *adjustment = get_adjustment (fixture);
  Anchor anchor;

  /* One screen below the top is near enough to load. The server waits,
   * so the top row can be noted before history comes. */
  chorus_server_thread_pause (fixture->server);
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_page_size (adjustment));
  draw (fixture);
  g_assert_true (find_top_row (fixture, &anchor));
  chorus_server_thread_resume (fixture->server);

  /* Reaching the top requests older messages; they go in above, and
   * the row the user was looking at stays put. */
  chorus_assert_eventually (n_messages (fixture) == 150);
  assert_anchor_kept (fixture, &anchor);

  /* Up at the top again, the rest of the channel arrives. */
  gtk_adjustment_set_value (adjustment, 0);
  chorus_assert_eventually (n_messages (fixture) == N_HISTORY);
  draw (fixture);
  g_assert_cmpstr (chorus_message_get_body (get_first (fixture)), ==, "history line 0");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  gtk_init ();
  adw_init ();

  g_test_add ("/ui/scrolling/opens-at-newest", Fixture, NULL,
              fixture_set_up, test_opens_at_newest, fixture_tear_down);
  g_test_add ("/ui/scrolling/reading-history-holds-still", Fixture, NULL,
              fixture_set_up, test_reading_history_holds_still, fixture_tear_down);
  g_test_add ("/ui/scrolling/sending-goes-to-newest", Fixture, NULL,
              fixture_set_up, test_sending_goes_to_newest, fixture_tear_down);
  g_test_add ("/ui/scrolling/history-loads-above", Fixture, NULL,
              fixture_set_up, test_history_loads_above, fixture_tear_down);

  return g_test_run ();
}
