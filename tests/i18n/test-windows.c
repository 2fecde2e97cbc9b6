/* test-windows.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Opens the Preferences, Keyboard Shortcuts and About windows through the
 * application's actions, as the primary menu does, and checks that the
 * Preferences window reads and writes the settings. Builder and template
 * errors abort at construction, so opening a window also validates its
 * .ui file. Needs a display; the test command runs it under Xvfb.
 */

#define G_LOG_DOMAIN "test-windows"

#include "config.h"

#include <adwaita.h>

#include "chorus-application.h"
#include "chorus-test-util.h"

typedef struct
{
  ChorusApplication *application;
  GSettings         *settings;
} Fixture;

/* One application for the whole run: a registered application keeps its
 * object path on the session bus, so a second one in the same process
 * could not register. */
static ChorusApplication *shared_application;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->settings = g_settings_new (APP_ID);
  g_settings_reset (fixture->settings, "server-url");
  g_settings_reset (fixture->settings, "display-name");
  g_settings_reset (fixture->settings, "notifications");

  fixture->application = g_object_ref (shared_application);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  GList *windows;

  while ((windows = gtk_application_get_windows (GTK_APPLICATION (fixture->application))) != NULL)
    gtk_window_destroy (windows->data);

  g_clear_object (&fixture->application);
  g_clear_object (&fixture->settings);
}

static void
activate_action (Fixture    *fixture,
                 const char *name)
{
  g_action_group_activate_action (G_ACTION_GROUP (fixture->application), name, NULL);
  chorus_test_settle (50);
}

static GtkWindow *
find_window (Fixture *fixture,
             GType    type)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (fixture->application));
       l != NULL;
       l = l->next)
    {
      if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type))
        return l->data;
    }

  return NULL;
}

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type))
        return window;
    }

  return NULL;
}

static guint
count_windows (Fixture *fixture,
               GType    type)
{
  guint count = 0;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (fixture->application));
       l != NULL;
       l = l->next)
    count += G_TYPE_CHECK_INSTANCE_TYPE (l->data, type);

  return count;
}

/* Finds the first descendant of @widget of @type whose @property equals @value. */
static GtkWidget *
find_descendant (GtkWidget  *widget,
                 GType       type,
                 const char *property,
                 const char *value)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
        {
          g_autofree char *text = NULL;

          g_object_get (child, property, &text, NULL);
          if (g_strcmp0 (text, value) == 0)
            return child;
        }

      if ((found = find_descendant (child, type, property, value)) != NULL)
        return found;
    }

  return NULL;
}

static GtkWindow *
open_preferences (Fixture *fixture)
{
  GtkWindow *window;

  activate_action (fixture, "preferences");
  window = find_window (fixture, ADW_TYPE_PREFERENCES_WINDOW);
  g_assert_nonnull (window);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));

  return window;
}

static GtkEditable *
find_entry_row (GtkWindow  *window,
                const char *title)
{
  GtkWidget *row = find_descendant (GTK_WIDGET (window), ADW_TYPE_ENTRY_ROW, "title", title);

  g_assert_nonnull (row);

  return GTK_EDITABLE (row);
}

static GtkSwitch *
find_notifications_switch (GtkWindow *window)
{
  GtkWidget *row = find_descendant (GTK_WIDGET (window), ADW_TYPE_ACTION_ROW,
                                    "title", "Show Notifications");
  GtkWidget *widget;

  g_assert_nonnull (row);
  widget = adw_action_row_get_activatable_widget (ADW_ACTION_ROW (row));
  g_assert_true (GTK_IS_SWITCH (widget));

  return GTK_SWITCH (widget);
}

static void
test_preferences_opens_once (Fixture       *fixture,
                             gconstpointer  data)
{
  GtkWindow *window = open_preferences (fixture);

  g_assert_cmpstr (gtk_window_get_title (window), ==, "Preferences");

  activate_action (fixture, "preferences");
  g_assert_cmpuint (count_windows (fixture, ADW_TYPE_PREFERENCES_WINDOW), ==, 1);
  g_assert_true (find_window (fixture, ADW_TYPE_PREFERENCES_WINDOW) == window);
}

static void
test_preferences_show_settings (Fixture       *fixture,
                                gconstpointer  data)
{
  GtkWindow *window;

  g_settings_set_string (fixture->settings, "server-url", "http://127.0.0.1:8765");
  g_settings_set_string (fixture->settings, "display-name", "Ada");
  g_settings_set_boolean (fixture->settings, "notifications", FALSE);

  window = open_preferences (fixture);

  g_assert_cmpstr (gtk_editable_get_text (find_entry_row (window, "Server URL")), ==,
                   "http://127.0.0.1:8765");
  g_assert_cmpstr (gtk_editable_get_text (find_entry_row (window, "Display Name")), ==, "Ada");
  g_assert_false (gtk_switch_get_active (find_notifications_switch (window)));
}

static void
test_preferences_save_server_url (Fixture       *fixture,
                                  gconstpointer  data)
{
  GtkWindow *window = open_preferences (fixture);
  GtkEditable *row = find_entry_row (window, "Server URL");
  g_autofree char *saved = NULL;

  gtk_editable_set_text (row, "  https://chat.example.org/team  ");
  g_signal_emit_by_name (row, "apply");

  saved = g_settings_get_string (fixture->settings, "server-url");
  g_assert_cmpstr (saved, ==, "https://chat.example.org/team");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (row), "error"));
}

static void
test_preferences_reject_bad_url (Fixture       *fixture,
                                 gconstpointer  data)
{
  const char *bad_urls[] = { "ftp://127.0.0.1/", "127.0.0.1:8765", "http://", "not a url" };
  GtkWindow *window;
  GtkEditable *row;

  g_settings_set_string (fixture->settings, "server-url", "http://127.0.0.1:8765");
  window = open_preferences (fixture);
  row = find_entry_row (window, "Server URL");

  for (guint i = 0; i < G_N_ELEMENTS (bad_urls); i++)
    {
      g_autofree char *saved = NULL;

      g_test_message ("URL: %s", bad_urls[i]);
      gtk_editable_set_text (row, bad_urls[i]);
      g_signal_emit_by_name (row, "apply");

      saved = g_settings_get_string (fixture->settings, "server-url");
      g_assert_cmpstr (saved, ==, "http://127.0.0.1:8765");
      g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (row), "error"));
    }

  /* Editing the text again clears the error. */
  gtk_editable_set_text (row, "http://127.0.0.1:8766");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (row), "error"));
}

static void
test_preferences_empty_url (Fixture       *fixture,
                            gconstpointer  data)
{
  GtkWindow *window;
  GtkEditable *row;
  g_autofree char *saved = NULL;

  g_settings_set_string (fixture->settings, "server-url", "http://127.0.0.1:8765");
  window = open_preferences (fixture);
  row = find_entry_row (window, "Server URL");

  /* An empty URL goes back to the built-in server. */
  gtk_editable_set_text (row, " ");
  g_signal_emit_by_name (row, "apply");

  saved = g_settings_get_string (fixture->settings, "server-url");
  g_assert_cmpstr (saved, ==, "");
}

static void
test_preferences_save_display_name (Fixture       *fixture,
                                    gconstpointer  data)
{
  GtkWindow *window = open_preferences (fixture);
  GtkEditable *row = find_entry_row (window, "Display Name");
  g_autofree char *saved = NULL;

  gtk_editable_set_text (row, " Lin ");
  g_signal_emit_by_name (row, "apply");

  saved = g_settings_get_string (fixture->settings, "display-name");
  g_assert_cmpstr (saved, ==, "Lin");
}

static void
test_preferences_notifications (Fixture       *fixture,
                                gconstpointer  data)
{
  GtkWindow *window = open_preferences (fixture);
  GtkSwitch *notifications = find_notifications_switch (window);

  g_assert_true (gtk_switch_get_active (notifications));

  gtk_switch_set_active (notifications, FALSE);
  g_assert_false (g_settings_get_boolean (fixture->settings, "notifications"));

  g_settings_set_boolean (fixture->settings, "notifications", TRUE);
  g_assert_true (gtk_switch_get_active (notifications));
}

static void
check_shortcut_accels (Fixture   *fixture,
                       GtkWidget *widget,
                       guint     *n_shortcuts)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_SHORTCUTS_SHORTCUT (child))
        {
          g_autofree char *action_name = NULL;
          g_autofree char *accelerator = NULL;

          g_object_get (child, "action-name", &action_name, "accelerator", &accelerator, NULL);
          *n_shortcuts += 1;

          if (action_name != NULL)
            {
              g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (fixture->application),
                                                                            action_name);

              g_test_message ("shortcut for %s", action_name);
              g_assert_cmpuint (g_strv_length (accels), >, 0);
            }
          else
            {
              g_assert_true (gtk_accelerator_parse (accelerator, NULL, NULL));
            }
        }

      check_shortcut_accels (fixture, child, n_shortcuts);
    }
}

static void
test_shortcuts_window (Fixture       *fixture,
                       gconstpointer  data)
{
  GtkWidget *window = adw_application_window_new (GTK_APPLICATION (fixture->application));
  GtkShortcutsWindow *overlay;
  guint n_shortcuts = 0;

  /* GtkApplication gives every application window the overlay that
   * gtk/help-overlay.ui describes. */
  overlay = gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window));
  g_assert_nonnull (overlay);

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (gtk_widget_activate_action (window, "win.show-help-overlay", NULL));
  chorus_test_settle (50);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (overlay)));

  check_shortcut_accels (fixture, GTK_WIDGET (overlay), &n_shortcuts);
  g_assert_cmpuint (n_shortcuts, >=, 5);
}

static void
test_about_window (Fixture       *fixture,
                   gconstpointer  data)
{
  GtkWidget *window = adw_application_window_new (GTK_APPLICATION (fixture->application));
  GtkWindow *about;
  GtkIconTheme *theme;

  gtk_window_present (GTK_WINDOW (window));
  activate_action (fixture, "about");

  /* adw_show_about_window() does not add the window to the application. */
  about = find_toplevel (ADW_TYPE_ABOUT_WINDOW);
  g_assert_nonnull (about);
  g_assert_true (gtk_window_get_transient_for (about) == GTK_WINDOW (window));
  g_assert_cmpstr (adw_about_window_get_version (ADW_ABOUT_WINDOW (about)), ==, PACKAGE_VERSION);
  g_assert_cmpstr (adw_about_window_get_application_icon (ADW_ABOUT_WINDOW (about)), ==, APP_ID);

  /* The icon comes from the resources, so it shows before installation. */
  theme = gtk_icon_theme_get_for_display (gtk_widget_get_display (window));
  g_assert_true (gtk_icon_theme_has_icon (theme, APP_ID));
  g_assert_true (gtk_icon_theme_has_icon (theme, APP_ID "-symbolic"));

  gtk_window_destroy (about);
}

static ChorusApplication *
start_application (void)
{
  ChorusApplication *application = chorus_application_new ();
  g_autoptr(GError) error = NULL;

  /* Non-unique, so that parallel test runs on one session bus do not
   * hand their actions to each other. */
  g_application_set_flags (G_APPLICATION (application), G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (application), NULL, &error);
  g_assert_no_error (error);

  return application;
}

static void
add_test (const char *path,
          void      (*test) (Fixture *, gconstpointer))
{
  g_test_add (path, Fixture, NULL, fixture_set_up, test, fixture_tear_down);
}

int
main (int   argc,
      char *argv[])
{
  /* No G_TEST_OPTION_ISOLATE_DIRS: it hides the shared-mime-info
   * database, and without it gdk-pixbuf cannot tell that GTK's own
   * symbolic icons are SVG files. Nothing here writes user files. */
  g_autoptr(ChorusApplication) application = NULL;

  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();
  application = start_application ();
  shared_application = application;

  add_test ("/windows/preferences/opens-once", test_preferences_opens_once);
  add_test ("/windows/preferences/show-settings", test_preferences_show_settings);
  add_test ("/windows/preferences/save-server-url", test_preferences_save_server_url);
  add_test ("/windows/preferences/reject-bad-url", test_preferences_reject_bad_url);
  add_test ("/windows/preferences/empty-url", test_preferences_empty_url);
  add_test ("/windows/preferences/save-display-name", test_preferences_save_display_name);
  add_test ("/windows/preferences/notifications", test_preferences_notifications);
  add_test ("/windows/shortcuts/help-overlay", test_shortcuts_window);
  add_test ("/windows/about/opens", test_about_window);

  return g_test_run ();
}
