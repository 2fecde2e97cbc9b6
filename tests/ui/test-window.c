/* test-window.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Drives the Chorus window as a person would: type, press Enter, watch
 * the pending row appear and then turn confirmed. Needs a display; the
 * test command runs it under Xvfb.
 */

#define G_LOG_DOMAIN "test-window"

#include "config.h"

#include <adwaita.h>

#include "chorus-message-row.h"
#include "chorus-server-thread.h"
#include "chorus-test-util.h"
#include "chorus-window.h"

typedef struct
{
  char               *folder;
  ChorusServerThread *server;
  ChorusClient       *client;
  ChorusWindow       *window;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *database = NULL;
  g_autofree char *url = NULL;

  fixture->folder = g_dir_make_tmp ("chorus-test-XXXXXX", &error);
  g_assert_no_error (error);

  database = g_build_filename (fixture->folder, "chorus.sqlite", NULL);
  fixture->server = chorus_server_thread_start (database, 0, &error);
  g_assert_no_error (error);

  url = g_strdup_printf ("http://127.0.0.1:%u", chorus_server_thread_get_port (fixture->server));
  fixture->client = chorus_client_new_for_url (url, &error);
  g_assert_no_error (error);
  chorus_client_start (fixture->client);

  fixture->window = g_object_new (CHORUS_TYPE_WINDOW,
                                  "client", fixture->client,
                                  "author", "Ada",
                                  NULL);
  g_object_ref_sink (fixture->window);
  gtk_window_present (GTK_WINDOW (fixture->window));

  chorus_assert_eventually (chorus_window_get_message_list (fixture->window) != NULL &&
                            !chorus_message_list_is_loading (chorus_window_get_message_list (fixture->window)));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_clear_object (&fixture->window);
  chorus_client_stop (fixture->client);
  g_clear_object (&fixture->client);
  chorus_server_thread_stop (fixture->server);
  chorus_test_remove_dir (fixture->folder);
  g_free (fixture->folder);
}

static GtkEventController *
find_composer_keys (ChorusWindow *window)
{
  GtkWidget *composer = GTK_WIDGET (chorus_window_get_composer (window));
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (composer);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (g_strcmp0 (gtk_event_controller_get_name (controller), "composer-keys") == 0)
        return controller;
    }

  g_assert_not_reached ();
}

static gboolean
press_key (ChorusWindow    *window,
           guint            keyval,
           GdkModifierType  state)
{
  gboolean handled = FALSE;

  g_signal_emit_by_name (find_composer_keys (window), "key-pressed", keyval, 0, state, &handled);

  return handled;
}

static void
type_text (ChorusWindow *window,
           const char   *text)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (chorus_window_get_composer (window));

  gtk_text_buffer_set_text (buffer, text, -1);
}

static char *
dup_composer_text (ChorusWindow *window)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (chorus_window_get_composer (window));
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);

  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

/* Finds the row widget that shows @message, if the list view made one. */
static ChorusMessageRow *
find_row (GtkWidget     *widget,
          ChorusMessage *message)
{
  if (CHORUS_IS_MESSAGE_ROW (widget) &&
      chorus_message_row_get_message (CHORUS_MESSAGE_ROW (widget)) == message)
    return CHORUS_MESSAGE_ROW (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      ChorusMessageRow *row = find_row (child, message);

      if (row != NULL)
        return row;
    }

  return NULL;
}

static void
test_enter_sends (Fixture       *fixture,
                  gconstpointer  data)
{
  ChorusMessageList *messages = chorus_window_get_message_list (fixture->window);
  g_autofree char *left_over = NULL;
  ChorusMessage *message;
  ChorusMessageRow *row;

  type_text (fixture->window, "Hello from the composer");
  g_assert_true (press_key (fixture->window, GDK_KEY_Return, 0));

  /* The message is in the model before the main loop runs again, so the
   * next frame already has its row. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (messages)), ==, 1);
  message = g_list_model_get_item (G_LIST_MODEL (messages), 0);
  g_object_unref (message);
  g_assert_cmpint (chorus_message_get_state (message), ==, CHORUS_MESSAGE_PENDING);
  g_assert_cmpstr (chorus_message_get_body (message), ==, "Hello from the composer");
  g_assert_cmpstr (chorus_message_get_author (message), ==, "Ada");

  left_over = dup_composer_text (fixture->window);
  g_assert_cmpstr (left_over, ==, "");

  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->window));
  row = find_row (GTK_WIDGET (fixture->window), message);
  g_assert_nonnull (row);

  chorus_assert_eventually (chorus_message_get_state (message) == CHORUS_MESSAGE_CONFIRMED);
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (row), "pending"));
  g_assert_true (find_row (GTK_WIDGET (fixture->window), message) == row);
}

static void
test_pending_row_marked (Fixture       *fixture,
                         gconstpointer  data)
{
  ChorusMessageList *messages = chorus_window_get_message_list (fixture->window);
  ChorusMessage *message;
  ChorusMessageRow *row;

  /* Hold the server back, so the row stays pending long enough to look. */
  chorus_server_thread_pause (fixture->server);

  type_text (fixture->window, "Are you there?");
  g_assert_true (press_key (fixture->window, GDK_KEY_KP_Enter, 0));
  message = g_list_model_get_item (G_LIST_MODEL (messages), 0);
  g_object_unref (message);

  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->window));
  row = find_row (GTK_WIDGET (fixture->window), message);
  g_assert_nonnull (row);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (row), "pending"));

  chorus_server_thread_resume (fixture->server);
  chorus_assert_eventually (chorus_message_get_state (message) == CHORUS_MESSAGE_CONFIRMED);
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (row), "pending"));
}

static void
test_shift_enter_newline (Fixture       *fixture,
                          gconstpointer  data)
{
  ChorusMessageList *messages = chorus_window_get_message_list (fixture->window);

  type_text (fixture->window, "first line");
  g_assert_false (press_key (fixture->window, GDK_KEY_Return, GDK_SHIFT_MASK));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (messages)), ==, 0);
}

static void
test_blank_not_sent (Fixture       *fixture,
                     gconstpointer  data)
{
  ChorusMessageList *messages = chorus_window_get_message_list (fixture->window);

  type_text (fixture->window, "  \n\t ");
  g_assert_true (press_key (fixture->window, GDK_KEY_Return, 0));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (messages)), ==, 0);
}

static void
test_markup_shown_literally (Fixture       *fixture,
                             gconstpointer  data)
{
  ChorusMessageList *messages = chorus_window_get_message_list (fixture->window);
  const char *text = "<b>not bold</b> & <span foreground='red'>x</span>";
  ChorusMessage *message;
  ChorusMessageRow *row;
  GtkWidget *child;
  gboolean found = FALSE;

  type_text (fixture->window, text);
  press_key (fixture->window, GDK_KEY_Return, 0);
  message = g_list_model_get_item (G_LIST_MODEL (messages), 0);
  g_object_unref (message);

  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->window));
  row = find_row (GTK_WIDGET (fixture->window), message);
  g_assert_nonnull (row);

  /* Some label in the row shows the exact text, markup characters and all. */
  for (child = GTK_WIDGET (row); child != NULL; )
    {
      if (GTK_IS_LABEL (child) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (child)), text) == 0)
        {
          found = TRUE;
          g_assert_false (gtk_label_get_use_markup (GTK_LABEL (child)));
          break;
        }

      if (gtk_widget_get_first_child (child) != NULL)
        child = gtk_widget_get_first_child (child);
      else
        {
          while (child != GTK_WIDGET (row) && gtk_widget_get_next_sibling (child) == NULL)
            child = gtk_widget_get_parent (child);
          child = child == GTK_WIDGET (row) ? NULL : gtk_widget_get_next_sibling (child);
        }
    }

  g_assert_true (found);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  gtk_init ();
  adw_init ();

  g_test_add ("/ui/window/enter-sends", Fixture, NULL,
              fixture_set_up, test_enter_sends, fixture_tear_down);
  g_test_add ("/ui/window/pending-row-marked", Fixture, NULL,
              fixture_set_up, test_pending_row_marked, fixture_tear_down);
  g_test_add ("/ui/window/shift-enter-newline", Fixture, NULL,
              fixture_set_up, test_shift_enter_newline, fixture_tear_down);
  g_test_add ("/ui/window/blank-not-sent", Fixture, NULL,
              fixture_set_up, test_blank_not_sent, fixture_tear_down);
  g_test_add ("/ui/window/markup-shown-literally", Fixture, NULL,
              fixture_set_up, test_markup_shown_literally, fixture_tear_down);

  return g_test_run ();
}
