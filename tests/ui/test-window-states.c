/* test-window-states.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window's offline banner, driven through the developer transport,
 * and the accessible names of its controls. Runs with GTK_A11Y=test so
 * the accessible properties can be read back.
 */

#define G_LOG_DOMAIN "test-window-states"

#include "config.h"

#include <adwaita.h>

#include "chorus-client-private.h"
#include "chorus-dev-transport.h"
#include "chorus-message-row.h"
#include "chorus-server-thread.h"
#include "chorus-soup-transport.h"
#include "chorus-test-util.h"
#include "chorus-window-private.h"

typedef struct
{
  char               *folder;
  ChorusServerThread *server;
  ChorusDevTransport *transport;
  ChorusClient       *client;
  ChorusWindow       *window;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChorusTransport) socket = NULL;
  g_autofree char *database = NULL;
  g_autofree char *url = NULL;
  g_autofree char *ws_url = NULL;

  fixture->folder = g_dir_make_tmp ("chorus-test-XXXXXX", &error);
  g_assert_no_error (error);
  database = g_build_filename (fixture->folder, "chorus.sqlite", NULL);
  fixture->server = chorus_server_thread_start (database, 0, &error);
  g_assert_no_error (error);

  url = g_strdup_printf ("http://127.0.0.1:%u", chorus_server_thread_get_port (fixture->server));
  ws_url = _chorus_client_build_sync_url (url, &error);
  g_assert_no_error (error);
  socket = chorus_soup_transport_new (ws_url);
  fixture->transport = chorus_dev_transport_new (socket);
  fixture->client = chorus_client_new (CHORUS_TRANSPORT (fixture->transport));
  _chorus_client_set_backoff (fixture->client, 20, 20, 100);
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
  g_clear_object (&fixture->transport);
  chorus_server_thread_stop (fixture->server);
  chorus_test_remove_dir (fixture->folder);
  g_free (fixture->folder);
}

static void
send_text (Fixture    *fixture,
           const char *text)
{
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (fixture->window->composer), text, -1);
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.send", NULL);
}

static ChorusMessage *
last_message (Fixture *fixture)
{
  GListModel *messages = G_LIST_MODEL (chorus_window_get_message_list (fixture->window));
  g_autoptr(ChorusMessage) message = g_list_model_get_item (messages, g_list_model_get_n_items (messages) - 1);

  return message;
}

static void
test_offline_banner_and_queue (Fixture       *fixture,
                               gconstpointer  data)
{
  GtkRevealer *banner = fixture->window->offline_revealer;
  ChorusMessage *first;
  ChorusMessage *second;

  g_assert_false (gtk_revealer_get_reveal_child (banner));

  chorus_dev_transport_set_offline (fixture->transport, TRUE);
  chorus_assert_eventually (gtk_revealer_get_reveal_child (banner));

  /* Sending still works offline: the messages wait, pending. */
  send_text (fixture, "first, offline");
  first = last_message (fixture);
  send_text (fixture, "second, offline");
  second = last_message (fixture);
  chorus_test_settle (200);
  g_assert_cmpint (chorus_message_get_state (first), ==, CHORUS_MESSAGE_PENDING);
  g_assert_cmpint (chorus_message_get_state (second), ==, CHORUS_MESSAGE_PENDING);

  chorus_dev_transport_set_offline (fixture->transport, FALSE);
  chorus_assert_eventually (!gtk_revealer_get_reveal_child (banner));
  chorus_assert_eventually (chorus_message_get_state (first) == CHORUS_MESSAGE_CONFIRMED &&
                            chorus_message_get_state (second) == CHORUS_MESSAGE_CONFIRMED);
}

/* A send the server rejects stays failed, and the next one still goes. */
static void
test_failed_send_not_blocking (Fixture       *fixture,
                               gconstpointer  data)
{
  ChorusMessage *failed;
  ChorusMessage *next;

  chorus_dev_transport_set_fail_next_send (fixture->transport, TRUE);
  send_text (fixture, "this one fails");
  failed = last_message (fixture);
  send_text (fixture, "this one goes");
  next = last_message (fixture);

  chorus_assert_eventually (chorus_message_get_state (failed) == CHORUS_MESSAGE_FAILED);
  chorus_assert_eventually (chorus_message_get_state (next) == CHORUS_MESSAGE_CONFIRMED);
  g_assert_cmpint (chorus_message_get_state (failed), ==, CHORUS_MESSAGE_FAILED);

  /* Retry from the row sends it again. */
  g_assert_true (chorus_outbox_retry (fixture->window->outbox, failed));
  chorus_assert_eventually (chorus_message_get_state (failed) == CHORUS_MESSAGE_CONFIRMED);
}

static gboolean
is_icon_only (GtkWidget *widget)
{
  if (GTK_IS_MENU_BUTTON (widget))
    return gtk_menu_button_get_label (GTK_MENU_BUTTON (widget)) == NULL;

  return GTK_IS_BUTTON (widget) && gtk_button_get_label (GTK_BUTTON (widget)) == NULL &&
         gtk_button_get_icon_name (GTK_BUTTON (widget)) != NULL;
}

/* Every button that shows only an icon has an accessible name. Widgets
 * inside GTK's own composites (the emoji chooser, the text view) are
 * GTK's business and are skipped. */
static void
assert_named (GtkWidget *widget,
              guint     *checked)
{
  if (GTK_IS_EMOJI_CHOOSER (widget) || GTK_IS_TEXT_VIEW (widget))
    return;

  if (is_icon_only (widget) && !GTK_IS_MENU_BUTTON (gtk_widget_get_parent (widget)))
    {
      if (!gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL))
        g_error ("%s with icon %s has no accessible label", G_OBJECT_TYPE_NAME (widget),
                 GTK_IS_BUTTON (widget) ? gtk_button_get_icon_name (GTK_BUTTON (widget))
                                        : gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (widget)));
      (*checked)++;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    assert_named (child, checked);
}

static void
test_controls_have_names (Fixture       *fixture,
                          gconstpointer  data)
{
  guint checked = 0;

  /* An own confirmed message, so its row shows the actions button. */
  send_text (fixture, "mine");
  chorus_assert_eventually (chorus_message_get_state (last_message (fixture)) == CHORUS_MESSAGE_CONFIRMED);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->window));

  assert_named (GTK_WIDGET (fixture->window), &checked);

  /* New channel, main menu, cancel editing, emoji, send, and the
   * message's actions. */
  g_assert_cmpuint (checked, >=, 6);

  /* The jump button shows a count, not its purpose, so it is named too. */
  g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (fixture->window->jump_button),
                                                   GTK_ACCESSIBLE_PROPERTY_LABEL));
}

/* A server that never responds leaves no channels: the window says it is
 * connecting instead of staying blank. */
static void
test_unreachable_server (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = g_dir_make_tmp ("chorus-test-XXXXXX", &error);
  g_autofree char *database = g_build_filename (folder, "chorus.sqlite", NULL);
  g_autofree char *url = NULL;
  g_autoptr(ChorusClient) client = NULL;
  ChorusServerThread *server;
  ChorusWindow *window;

  /* A port that was just free: nothing listens there any more. */
  server = chorus_server_thread_start (database, 0, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("http://127.0.0.1:%u", chorus_server_thread_get_port (server));
  chorus_server_thread_stop (server);

  client = chorus_client_new_for_url (url, &error);
  g_assert_no_error (error);
  chorus_client_start (client);
  window = g_object_new (CHORUS_TYPE_WINDOW, "client", client, "author", "Ada", NULL);
  g_object_ref_sink (window);
  gtk_window_present (GTK_WINDOW (window));

  chorus_assert_eventually (gtk_revealer_get_reveal_child (window->offline_revealer));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window->empty_page)));
  g_assert_cmpstr (adw_status_page_get_title (window->empty_page), ==, "Connecting…");

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
  chorus_client_stop (client);
  chorus_test_remove_dir (folder);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  gtk_init ();
  adw_init ();

  g_test_add ("/ui/window-states/offline-banner-and-queue", Fixture, NULL,
              fixture_set_up, test_offline_banner_and_queue, fixture_tear_down);
  g_test_add ("/ui/window-states/failed-send-not-blocking", Fixture, NULL,
              fixture_set_up, test_failed_send_not_blocking, fixture_tear_down);
  g_test_add ("/ui/window-states/controls-have-names", Fixture, NULL,
              fixture_set_up, test_controls_have_names, fixture_tear_down);

  g_test_add_func ("/ui/window-states/unreachable-server", test_unreachable_server);

  return g_test_run ();
}
