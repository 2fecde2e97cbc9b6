/* test-pseudo-locale.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs the windows in a pseudo-locale whose catalogue wraps every message
 * in ⟦…⟧, walks the widgets on screen and fails on any text that did not
 * go through gettext. Message bodies, author names and channel names are
 * user content and pass as they are. Needs a display; the test command
 * runs it under Xvfb.
 *
 * The catalogue comes from make-pseudo-locale.sh; meson passes its path in
 * CHORUS_PSEUDO_LOCALE_MO.
 */

#define G_LOG_DOMAIN "test-pseudo-locale"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <locale.h>

#include "chorus-application.h"
#include "chorus-server-thread.h"
#include "chorus-test-util.h"
#include "chorus-window.h"

#define MESSAGE_BODY "Lunch at noon?"
#define AUTHOR "Ada"

/* The server creates these channels in a new database. */
static const char * const user_content[] = { MESSAGE_BODY, AUTHOR, "general", "random", NULL };

typedef struct
{
  GPtrArray *failures;
  guint      n_checked;
} Walk;

static gboolean
is_pseudo_translated (const char *text)
{
  return g_str_has_prefix (text, "⟦") && g_str_has_suffix (text, "⟧");
}

/* Text passes when it is translated, or when nothing but punctuation,
 * digits and spaces remain once the user content is taken out of it. */
static gboolean
is_acceptable (const char *text)
{
  g_autofree char *rest = g_strdup (text);

  if (is_pseudo_translated (text))
    return TRUE;

  for (guint i = 0; user_content[i] != NULL; i++)
    {
      g_auto(GStrv) pieces = g_strsplit (rest, user_content[i], -1);

      g_free (rest);
      rest = g_strjoinv ("", pieces);
    }

  for (const char *p = rest; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (g_unichar_isalpha (g_utf8_get_char (p)))
        return FALSE;
    }

  return TRUE;
}

static char *
describe_widget (GtkWidget *widget)
{
  g_autoptr(GString) path = g_string_new (G_OBJECT_TYPE_NAME (widget));

  for (GtkWidget *parent = gtk_widget_get_parent (widget);
       parent != NULL;
       parent = gtk_widget_get_parent (parent))
    g_string_prepend (g_string_prepend (path, " > "), G_OBJECT_TYPE_NAME (parent));

  return g_string_free (g_steal_pointer (&path), FALSE);
}

static void
check_text (Walk       *walk,
            GtkWidget  *widget,
            const char *what,
            const char *text)
{
  g_autofree char *where = NULL;

  if (text == NULL || *text == '\0')
    return;

  walk->n_checked++;
  if (is_acceptable (text))
    return;

  where = describe_widget (widget);
  g_ptr_array_add (walk->failures,
                   g_strdup_printf ("untranslated %s \"%s\" in %s", what, text, where));
}

static void
check_string_property (Walk       *walk,
                       GtkWidget  *widget,
                       const char *property)
{
  g_autofree char *text = NULL;

  g_object_get (widget, property, &text, NULL);
  check_text (walk, widget, property, text);
}

static void
walk_widget (Walk      *walk,
             GtkWidget *widget)
{
  if (!gtk_widget_get_mapped (widget))
    return;

  /* GTK draws and names the window buttons with its own translations,
   * and an avatar shows the initials of a user's name. */
  if (GTK_IS_WINDOW_CONTROLS (widget) || ADW_IS_AVATAR (widget))
    return;

  /* The header of the shortcuts window is GTK's own, "Shortcuts" and the
   * search button included. */
  if (GTK_IS_HEADER_BAR (widget) && GTK_IS_SHORTCUTS_WINDOW (gtk_widget_get_parent (widget)))
    return;

  check_text (walk, widget, "tooltip", gtk_widget_get_tooltip_text (widget));

  /* The key caps of a shortcut are in GTK's words, so only the title is
   * checked. */
  if (GTK_IS_SHORTCUTS_SHORTCUT (widget))
    {
      check_string_property (walk, widget, "title");
      return;
    }

  if (GTK_IS_SHORTCUTS_GROUP (widget))
    check_string_property (walk, widget, "title");

  /* Menu items show accelerators in GTK's words ("Ctrl+Q"). */
  if (GTK_IS_LABEL (widget) && !gtk_widget_has_css_class (widget, "accelerator"))
    check_text (walk, widget, "label", gtk_label_get_text (GTK_LABEL (widget)));

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    walk_widget (walk, child);
}

static void
assert_all_translated (GtkWidget *root,
                       guint      min_checked)
{
  g_autoptr(GPtrArray) failures = g_ptr_array_new_with_free_func (g_free);
  Walk walk = { failures, 0 };

  gtk_test_widget_wait_for_draw (root);
  walk_widget (&walk, root);

  if (GTK_IS_WINDOW (root))
    check_text (&walk, root, "window title", gtk_window_get_title (GTK_WINDOW (root)));

  for (guint i = 0; i < failures->len; i++)
    g_printerr ("%s\n", (char *) failures->pdata[i]);

  g_test_message ("checked %u strings", walk.n_checked);
  g_assert_cmpuint (walk.n_checked, >=, min_checked);
  if (failures->len > 0)
    g_test_fail_printf ("%u untranslated strings, the first: %s",
                        failures->len, (char *) failures->pdata[0]);
}

static void
test_catalogue_loaded (void)
{
  /* Without this, every other test here would fail for one reason. */
  g_assert_cmpstr (_("Chorus"), ==, "⟦Chorus⟧");
}

static GtkWidget *
find_menu_button (GtkWidget *widget)
{
  if (GTK_IS_MENU_BUTTON (widget))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_menu_button (child);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static void
send_pending_message (ChorusWindow *window)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (chorus_window_get_composer (window));
  ChorusMessageList *messages = chorus_window_get_message_list (window);

  gtk_text_buffer_set_text (buffer, MESSAGE_BODY, -1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.send", NULL));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (messages)), ==, 1);
}

static void
test_main_window (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = g_dir_make_tmp ("chorus-test-XXXXXX", &error);
  g_autofree char *database = g_build_filename (folder, "chorus.sqlite", NULL);
  g_autofree char *url = NULL;
  ChorusServerThread *server;
  g_autoptr(ChorusClient) client = NULL;
  ChorusWindow *window;
  GtkWidget *menu_button;

  server = chorus_server_thread_start (database, 0, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("http://127.0.0.1:%u", chorus_server_thread_get_port (server));
  client = chorus_client_new_for_url (url, &error);
  g_assert_no_error (error);
  chorus_client_start (client);

  window = g_object_new (CHORUS_TYPE_WINDOW, "client", client, "author", AUTHOR, NULL);
  gtk_window_present (GTK_WINDOW (window));
  chorus_assert_eventually (chorus_window_get_message_list (window) != NULL &&
                            !chorus_message_list_is_loading (chorus_window_get_message_list (window)));

  /* A held-back server keeps the new message pending, so its row shows
   * the sending state too. */
  chorus_server_thread_pause (server);
  send_pending_message (window);

  menu_button = find_menu_button (GTK_WIDGET (window));
  g_assert_nonnull (menu_button);
  gtk_menu_button_popup (GTK_MENU_BUTTON (menu_button));

  assert_all_translated (GTK_WIDGET (window), 10);

  gtk_menu_button_popdown (GTK_MENU_BUTTON (menu_button));
  chorus_server_thread_resume (server);
  gtk_window_destroy (GTK_WINDOW (window));
  chorus_client_stop (client);
  chorus_server_thread_stop (server);
  chorus_test_remove_dir (folder);
}

/* One application for the whole run: a registered application keeps its
 * object path on the session bus, so a second one could not register. */
static ChorusApplication *shared_application;

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
destroy_windows (ChorusApplication *application)
{
  GList *windows;

  while ((windows = gtk_application_get_windows (GTK_APPLICATION (application))) != NULL)
    gtk_window_destroy (windows->data);
}

static void
test_preferences_window (void)
{
  GtkWindow *window;

  g_action_group_activate_action (G_ACTION_GROUP (shared_application), "preferences", NULL);
  window = gtk_application_get_active_window (GTK_APPLICATION (shared_application));
  g_assert_true (ADW_IS_PREFERENCES_WINDOW (window));

  assert_all_translated (GTK_WIDGET (window), 6);
  destroy_windows (shared_application);
}

static void
test_shortcuts_window (void)
{
  GtkWidget *window = adw_application_window_new (GTK_APPLICATION (shared_application));
  GtkShortcutsWindow *overlay = gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window));

  g_assert_nonnull (overlay);
  gtk_window_present (GTK_WINDOW (overlay));

  assert_all_translated (GTK_WIDGET (overlay), 6);
  destroy_windows (shared_application);
}

/* Puts the catalogue where gettext looks for the "xx" language, in a
 * temporary folder, and returns that folder. */
static char *
install_pseudo_locale (void)
{
  const char *catalogue = g_getenv ("CHORUS_PSEUDO_LOCALE_MO");
  g_autoptr(GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("chorus-locale-XXXXXX", &error);
  g_autofree char *folder = g_build_filename (root, "xx", "LC_MESSAGES", NULL);
  g_autofree char *target = g_build_filename (folder, GETTEXT_PACKAGE ".mo", NULL);
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_no_error (error);
  g_assert_nonnull (catalogue);
  g_file_get_contents (catalogue, &contents, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  g_file_set_contents (target, contents, length, &error);
  g_assert_no_error (error);

  /* gettext ignores LANGUAGE in the plain C locale, but not in C.UTF-8,
   * which the test environment sets. */
  g_setenv ("LANGUAGE", "xx", TRUE);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, root);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  return g_steal_pointer (&root);
}

static void
remove_pseudo_locale (const char *root)
{
  g_autofree char *catalogue = g_build_filename (root, "xx", "LC_MESSAGES",
                                                 GETTEXT_PACKAGE ".mo", NULL);
  g_autofree char *messages = g_build_filename (root, "xx", "LC_MESSAGES", NULL);
  g_autofree char *language = g_build_filename (root, "xx", NULL);

  g_unlink (catalogue);
  g_rmdir (messages);
  g_rmdir (language);
  g_rmdir (root);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *locale_root = NULL;
  int status;

  /* No G_TEST_OPTION_ISOLATE_DIRS: it hides the shared-mime-info
   * database, and without it gdk-pixbuf cannot load GTK's own SVG icons.
   * The server's database and the catalogue go to temporary folders. */
  g_test_init (&argc, &argv, NULL);
  locale_root = install_pseudo_locale ();
  gtk_init ();
  adw_init ();
  shared_application = start_application ();

  g_test_add_func ("/i18n/pseudo-locale/catalogue-loaded", test_catalogue_loaded);
  g_test_add_func ("/i18n/pseudo-locale/main-window", test_main_window);
  g_test_add_func ("/i18n/pseudo-locale/preferences-window", test_preferences_window);
  g_test_add_func ("/i18n/pseudo-locale/shortcuts-window", test_shortcuts_window);

  status = g_test_run ();
  g_clear_object (&shared_application);
  remove_pseudo_locale (locale_root);

  return status;
}
