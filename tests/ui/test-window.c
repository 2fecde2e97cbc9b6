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

#include <string.h>

#include <adwaita.h>

#include "chorus-message-row.h"
#include "chorus-server-thread.h"
#include "chorus-test-util.h"
#include "chorus-window-private.h"

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

static GtkLabel *
find_label_with_text (GtkWidget  *widget,
                      const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return GTK_LABEL (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *label = find_label_with_text (child, text);

      if (label != NULL)
        return label;
    }

  return NULL;
}

static ChorusMessageRow *
send_and_find_row (Fixture    *fixture,
                   const char *text)
{
  ChorusMessageList *messages = chorus_window_get_message_list (fixture->window);
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (messages));
  g_autoptr(ChorusMessage) message = NULL;

  type_text (fixture->window, text);
  g_assert_true (press_key (fixture->window, GDK_KEY_Return, 0));
  message = g_list_model_get_item (G_LIST_MODEL (messages), n_items);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->window));

  return find_row (GTK_WIDGET (fixture->window), message);
}

static void
test_links_clickable (Fixture       *fixture,
                      gconstpointer  data)
{
  const char *text = "see https://example.org/a?b=1&c=2. <i>or</i> www.example.com";
  ChorusMessageRow *row = send_and_find_row (fixture, text);
  GtkLabel *label;

  g_assert_nonnull (row);
  label = find_label_with_text (GTK_WIDGET (row), text);
  g_assert_nonnull (label);
  g_assert_true (gtk_label_get_use_markup (label));
  g_assert_nonnull (strstr (gtk_label_get_label (label),
                            "<a href=\"https://example.org/a?b=1&amp;c=2\">"));
  g_assert_nonnull (strstr (gtk_label_get_label (label),
                            "<a href=\"https://www.example.com\">www.example.com</a>"));
  g_assert_nonnull (strstr (gtk_label_get_label (label), "&lt;i&gt;or&lt;/i&gt;"));
}

static void
test_drafts_per_channel (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *in_general = NULL;
  g_autofree char *in_random = NULL;
  g_autofree char *back_in_general = NULL;

  type_text (fixture->window, "half a thought");
  g_assert_true (chorus_window_select_channel (fixture->window, "random"));
  in_random = dup_composer_text (fixture->window);
  g_assert_cmpstr (in_random, ==, "");

  type_text (fixture->window, "for random");
  g_assert_true (chorus_window_select_channel (fixture->window, "general"));
  back_in_general = dup_composer_text (fixture->window);
  g_assert_cmpstr (back_in_general, ==, "half a thought");

  g_assert_true (chorus_window_select_channel (fixture->window, "random"));
  in_general = dup_composer_text (fixture->window);
  g_assert_cmpstr (in_general, ==, "for random");
}

static void
test_channel_switcher (Fixture       *fixture,
                       gconstpointer  data)
{
  ChorusWindow *window = fixture->window;

  gtk_editable_set_text (GTK_EDITABLE (window->channel_search), "RAN");
  g_signal_emit_by_name (window->channel_search, "activate");

  g_assert_cmpstr (chorus_message_list_get_channel (chorus_window_get_message_list (window)), ==,
                   chorus_channel_get_id (chorus_channel_list_find_by_name (window->channels, "random", NULL)));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (window->channel_search)), ==, "");

  /* No match leaves the open channel alone and marks the entry. */
  gtk_editable_set_text (GTK_EDITABLE (window->channel_search), "zzz");
  /* GtkSearchEntry reports changes after a short delay. */
  chorus_assert_eventually (gtk_widget_has_css_class (GTK_WIDGET (window->channel_search), "error"));
  g_signal_emit_by_name (window->channel_search, "activate");
  g_assert_cmpstr (chorus_message_list_get_channel (chorus_window_get_message_list (window)), ==,
                   chorus_channel_get_id (chorus_channel_list_find_by_name (window->channels, "random", NULL)));
}

static void
test_create_channel (Fixture       *fixture,
                     gconstpointer  data)
{
  ChorusWindow *window = fixture->window;
  ChorusChannel *channel;

  /* Typed as a person would, and created as a name the server takes */
  gtk_editable_set_text (GTK_EDITABLE (window->new_channel_entry), "Design Review");
  g_signal_emit_by_name (window->new_channel_entry, "activate");

  chorus_assert_eventually (chorus_channel_list_find_by_name (window->channels, "design-review", NULL) != NULL);
  channel = chorus_channel_list_find_by_name (window->channels, "design-review", NULL);
  chorus_assert_eventually (g_strcmp0 (chorus_message_list_get_channel (chorus_window_get_message_list (window)),
                                       chorus_channel_get_id (channel)) == 0);
}

/* A name that cannot become a channel name stays in the box, marked, and
 * the name of a channel that exists opens it instead of failing. */
static void
test_create_channel_refused (Fixture       *fixture,
                             gconstpointer  data)
{
  ChorusWindow *window = fixture->window;
  GtkWidget *entry = GTK_WIDGET (window->new_channel_entry);
  ChorusChannel *random;
  guint n_channels;

  chorus_assert_eventually (chorus_channel_list_find_by_name (window->channels, "random", NULL) != NULL);
  n_channels = g_list_model_get_n_items (G_LIST_MODEL (window->channels));

  gtk_editable_set_text (GTK_EDITABLE (entry), "caf\xc3\xa9 talk");
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "caf\xc3\xa9 talk");
  g_assert_true (gtk_widget_has_css_class (entry, "error"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (window->new_channel_hint), "error"));

  gtk_editable_set_text (GTK_EDITABLE (entry), "Random");
  g_assert_false (gtk_widget_has_css_class (entry, "error"));
  g_signal_emit_by_name (entry, "activate");
  random = chorus_channel_list_find_by_name (window->channels, "random", NULL);
  chorus_assert_eventually (g_strcmp0 (chorus_message_list_get_channel (chorus_window_get_message_list (window)),
                                       chorus_channel_get_id (random)) == 0);
  chorus_test_settle (200);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (window->channels)), ==, n_channels);
}

static void
test_emoji_inserted (Fixture       *fixture,
                     gconstpointer  data)
{
  ChorusWindow *window = fixture->window;
  GtkWidget *chooser = GTK_WIDGET (gtk_menu_button_get_popover (window->emoji_button));
  g_autofree char *text = NULL;
  GtkTextIter end;

  type_text (window, "nice ");
  gtk_text_buffer_get_end_iter (gtk_text_view_get_buffer (window->composer), &end);
  gtk_text_buffer_place_cursor (gtk_text_view_get_buffer (window->composer), &end);
  g_signal_emit_by_name (chooser, "emoji-picked", "🎉");

  text = dup_composer_text (window);
  g_assert_cmpstr (text, ==, "nice 🎉");
}

static ChorusMessage *
send_confirmed (Fixture    *fixture,
                const char *text)
{
  ChorusMessageList *messages = chorus_window_get_message_list (fixture->window);
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (messages));
  g_autoptr(ChorusMessage) message = NULL;

  type_text (fixture->window, text);
  g_assert_true (press_key (fixture->window, GDK_KEY_Return, 0));
  message = g_list_model_get_item (G_LIST_MODEL (messages), n_items);
  chorus_assert_eventually (chorus_message_get_state (message) == CHORUS_MESSAGE_CONFIRMED);

  return message;
}

static void
test_up_edits_last (Fixture       *fixture,
                    gconstpointer  data)
{
  ChorusMessageList *messages = chorus_window_get_message_list (fixture->window);
  ChorusMessage *message = send_confirmed (fixture, "teh typo");
  g_autofree char *text = NULL;

  /* Up only edits from an empty composer. */
  type_text (fixture->window, "draft");
  g_assert_false (press_key (fixture->window, GDK_KEY_Up, 0));
  type_text (fixture->window, "");

  g_assert_true (press_key (fixture->window, GDK_KEY_Up, 0));
  text = dup_composer_text (fixture->window);
  g_assert_cmpstr (text, ==, "teh typo");
  g_assert_true (gtk_revealer_get_reveal_child (fixture->window->editing_revealer));

  type_text (fixture->window, "the typo");
  g_assert_true (press_key (fixture->window, GDK_KEY_Return, 0));

  /* Changed at once, in place, with no new message. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (messages)), ==, 1);
  g_assert_cmpstr (chorus_message_get_body (message), ==, "the typo");
  g_assert_true (chorus_message_get_edited (message));
  g_assert_false (gtk_revealer_get_reveal_child (fixture->window->editing_revealer));

  chorus_test_settle (200);
  g_assert_cmpstr (chorus_message_get_body (message), ==, "the typo");
  g_assert_true (chorus_message_get_edited (message));
}

static void
test_escape_cancels_edit (Fixture       *fixture,
                          gconstpointer  data)
{
  ChorusMessage *message = send_confirmed (fixture, "keep me");
  g_autofree char *text = NULL;

  g_assert_true (press_key (fixture->window, GDK_KEY_Up, 0));
  type_text (fixture->window, "changed my mind");
  g_assert_true (press_key (fixture->window, GDK_KEY_Escape, 0));

  text = dup_composer_text (fixture->window);
  g_assert_cmpstr (text, ==, "");
  g_assert_cmpstr (chorus_message_get_body (message), ==, "keep me");
  g_assert_false (gtk_revealer_get_reveal_child (fixture->window->editing_revealer));
}

static void
test_delete_own_message (Fixture       *fixture,
                         gconstpointer  data)
{
  ChorusMessageList *messages = chorus_window_get_message_list (fixture->window);
  ChorusMessage *message = send_confirmed (fixture, "oops, wrong channel");
  ChorusMessageRow *row;

  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->window));
  row = find_row (GTK_WIDGET (fixture->window), message);
  g_assert_nonnull (row);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "message.delete", NULL));

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (messages)), ==, 0);
  chorus_test_settle (200);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (messages)), ==, 0);
}

/* The context menu of a message's text offers the message's actions,
 * named apart from the Delete that the text's own menu has. */
static void
test_text_menu_actions (Fixture       *fixture,
                        gconstpointer  data)
{
  ChorusMessageList *messages = chorus_window_get_message_list (fixture->window);
  ChorusMessage *message = send_confirmed (fixture, "menu on the text");
  g_autoptr(GMenuModel) section = NULL;
  g_autofree char *action = NULL;
  g_autofree char *label_text = NULL;
  ChorusMessageRow *row;
  GtkLabel *label;
  GMenuModel *menu;

  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->window));
  row = find_row (GTK_WIDGET (fixture->window), message);
  g_assert_nonnull (row);
  label = find_label_with_text (GTK_WIDGET (row), "menu on the text");
  g_assert_nonnull (label);

  menu = gtk_label_get_extra_menu (label);
  g_assert_nonnull (menu);
  section = g_menu_model_get_item_link (menu, 0, G_MENU_LINK_SECTION);
  g_assert_cmpint (g_menu_model_get_n_items (section), ==, 2);
  g_assert_true (g_menu_model_get_item_attribute (section, 1, G_MENU_ATTRIBUTE_ACTION, "s", &action));
  g_assert_cmpstr (action, ==, "message.delete");
  g_assert_true (g_menu_model_get_item_attribute (section, 1, G_MENU_ATTRIBUTE_LABEL, "s", &label_text));
  g_assert_cmpstr (label_text, ==, "Delete _Message");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (label), "message.delete", NULL));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (messages)), ==, 0);
}

static void
test_empty_channel_page (Fixture       *fixture,
                         gconstpointer  data)
{
  GtkWidget *page = GTK_WIDGET (fixture->window->empty_page);

  g_assert_true (gtk_widget_get_visible (page));
  g_assert_cmpstr (adw_status_page_get_description (fixture->window->empty_page), ==,
                   "Be the first to write in #general.");

  type_text (fixture->window, "first!");
  g_assert_true (press_key (fixture->window, GDK_KEY_Return, 0));
  g_assert_false (gtk_widget_get_visible (page));
}

/* Field report 33: a row that was recycled while its message was
 * confirmed must not come back showing the pending state. */
static void
test_rebound_row_not_stale (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(ChorusMessage) message = NULL;
  GtkWidget *row = g_object_ref_sink (chorus_message_row_new ());

  json_parser_load_from_data (parser, "{\"author\":\"Ada\",\"body\":\"hi\",\"channel\":\"c\","
                                      "\"clientId\":\"x\",\"_creationTime\":1}", -1, NULL);
  message = chorus_message_new_from_json (json_node_get_object (json_parser_get_root (parser)));

  chorus_message_row_set_message (CHORUS_MESSAGE_ROW (row), message);
  g_assert_true (gtk_widget_has_css_class (row, "pending"));

  /* Unbound, scrolled away, while the server confirms it. */
  chorus_message_row_set_message (CHORUS_MESSAGE_ROW (row), NULL);
  json_parser_load_from_data (parser, "{\"_id\":\"m1\",\"author\":\"Ada\",\"body\":\"hi\","
                                      "\"channel\":\"c\",\"clientId\":\"x\",\"_creationTime\":2}", -1, NULL);
  chorus_message_update_from_json (message, json_node_get_object (json_parser_get_root (parser)));

  chorus_message_row_set_message (CHORUS_MESSAGE_ROW (row), message);
  g_assert_false (gtk_widget_has_css_class (row, "pending"));
  g_object_unref (row);
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

  g_test_add ("/ui/window/links-clickable", Fixture, NULL,
              fixture_set_up, test_links_clickable, fixture_tear_down);
  g_test_add ("/ui/window/drafts-per-channel", Fixture, NULL,
              fixture_set_up, test_drafts_per_channel, fixture_tear_down);
  g_test_add ("/ui/window/channel-switcher", Fixture, NULL,
              fixture_set_up, test_channel_switcher, fixture_tear_down);
  g_test_add ("/ui/window/create-channel", Fixture, NULL,
              fixture_set_up, test_create_channel, fixture_tear_down);
  g_test_add ("/ui/window/create-channel-refused", Fixture, NULL,
              fixture_set_up, test_create_channel_refused, fixture_tear_down);
  g_test_add ("/ui/window/emoji-inserted", Fixture, NULL,
              fixture_set_up, test_emoji_inserted, fixture_tear_down);

  g_test_add ("/ui/window/up-edits-last", Fixture, NULL,
              fixture_set_up, test_up_edits_last, fixture_tear_down);
  g_test_add ("/ui/window/escape-cancels-edit", Fixture, NULL,
              fixture_set_up, test_escape_cancels_edit, fixture_tear_down);
  g_test_add ("/ui/window/delete-own-message", Fixture, NULL,
              fixture_set_up, test_delete_own_message, fixture_tear_down);
  g_test_add ("/ui/window/text-menu-actions", Fixture, NULL,
              fixture_set_up, test_text_menu_actions, fixture_tear_down);

  g_test_add_func ("/ui/window/rebound-row-not-stale", test_rebound_row_not_stale);
  g_test_add ("/ui/window/empty-channel-page", Fixture, NULL,
              fixture_set_up, test_empty_channel_page, fixture_tear_down);

  return g_test_run ();
}
