/* test-notifications.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The whole application on a private session bus: a message in a channel
 * the user is not viewing raises a GNotification, and the notification's
 * action opens that channel. A fake org.gtk.Notifications service on the
 * bus records what GIO sends it.
 */

#define G_LOG_DOMAIN "test-notifications"

#include "config.h"

#include <adwaita.h>

#include "chorus-application.h"
#include "chorus-outbox.h"
#include "chorus-server-thread.h"
#include "chorus-test-util.h"
#include "chorus-window.h"

static const char notifications_xml[] =
  "<node>"
  "  <interface name='org.gtk.Notifications'>"
  "    <method name='AddNotification'>"
  "      <arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/>"
  "    </method>"
  "    <method name='RemoveNotification'>"
  "      <arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "    </method>"
  "  </interface>"
  "</node>";

typedef struct
{
  GPtrArray *added;   /* "id|title|body" */
  GPtrArray *removed; /* ids */
} NotificationLog;

static void
notification_method_cb (GDBusConnection       *connection,
                        const char            *sender,
                        const char            *object_path,
                        const char            *interface_name,
                        const char            *method_name,
                        GVariant              *parameters,
                        GDBusMethodInvocation *invocation,
                        gpointer               user_data)
{
  NotificationLog *log = user_data;
  g_autoptr(GVariant) notification = NULL;
  const char *app_id, *id;
  const char *title = "", *body = "";

  if (g_str_equal (method_name, "AddNotification"))
    {
      g_variant_get (parameters, "(&s&s@a{sv})", &app_id, &id, &notification);
      g_variant_lookup (notification, "title", "&s", &title);
      g_variant_lookup (notification, "body", "&s", &body);
      g_ptr_array_add (log->added, g_strdup_printf ("%s|%s|%s", id, title, body));
    }
  else
    {
      g_variant_get (parameters, "(&s&s)", &app_id, &id);
      g_ptr_array_add (log->removed, g_strdup (id));
    }

  g_dbus_method_invocation_return_value (invocation, NULL);
}

static const GDBusInterfaceVTable notification_vtable = { notification_method_cb };

static void
serve_notifications (GDBusConnection *bus,
                     NotificationLog *log)
{
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (notifications_xml, NULL);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  g_dbus_connection_register_object (bus, "/org/gtk/Notifications", info->interfaces[0],
                                     &notification_vtable, log, NULL, &error);
  g_assert_no_error (error);

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", "org.gtk.Notifications", 4),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_no_error (error);
}

static ChorusClient *
start_client (guint port)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", port);
  g_autoptr(GError) error = NULL;
  ChorusClient *client = chorus_client_new_for_url (url, &error);

  g_assert_no_error (error);
  chorus_client_start (client);
  return client;
}

static ChorusWindow *
find_window (GtkApplication *application)
{
  GtkWindow *window = gtk_application_get_active_window (application);

  return CHORUS_IS_WINDOW (window) ? CHORUS_WINDOW (window) : NULL;
}

static void
test_notify_and_open (void)
{
  NotificationLog log = { g_ptr_array_new_with_free_func (g_free), g_ptr_array_new_with_free_func (g_free) };
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(ChorusApplication) application = chorus_application_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = g_dir_make_tmp ("chorus-test-XXXXXX", &error);
  g_autofree char *database = g_build_filename (folder, "chorus.sqlite", NULL);
  g_autofree char *url = NULL;
  g_autoptr(ChorusClient) lin = NULL;
  g_autoptr(ChorusOutbox) lin_outbox = NULL;
  ChorusServerThread *server;
  ChorusChannel *random;
  ChorusWindow *window;
  g_autofree char *expected_id = NULL;

  if (bus == NULL)
    {
      g_test_skip ("no session bus; run under dbus-run-session");
      return;
    }

  serve_notifications (bus, &log);
  server = chorus_server_thread_start (database, 0, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("http://127.0.0.1:%u", chorus_server_thread_get_port (server));

  /* Ada's app, pointed at the test server through its settings. */
  g_settings_set_string (settings, "server-url", url);
  g_settings_set_string (settings, "display-name", "Ada");
  g_application_set_flags (G_APPLICATION (application), G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (application), NULL, &error);
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (application));

  chorus_assert_eventually ((window = find_window (GTK_APPLICATION (application))) != NULL &&
                            chorus_window_get_message_list (window) != NULL &&
                            !chorus_message_list_is_loading (chorus_window_get_message_list (window)) &&
                            chorus_channel_list_find_by_name (chorus_window_get_channels (window), "random", NULL));
  random = chorus_channel_list_find_by_name (chorus_window_get_channels (window), "random", NULL);
  expected_id = g_strdup_printf ("channel-%s|Lin in #random|lunch?", chorus_channel_get_id (random));
  chorus_test_settle (200);

  /* Lin writes in #random while Ada has #general open. */
  lin = start_client (chorus_server_thread_get_port (server));
  lin_outbox = chorus_outbox_new (lin, NULL, NULL);
  chorus_outbox_send (lin_outbox, chorus_channel_get_id (random), "Lin", "lunch?");

  chorus_assert_eventually (log.added->len == 1);
  g_assert_cmpstr (g_ptr_array_index (log.added, 0), ==, expected_id);

  /* The notification's action opens the channel. */
  g_action_group_activate_action (G_ACTION_GROUP (application), "open-channel",
                                  g_variant_new_string (chorus_channel_get_id (random)));
  g_assert_cmpstr (chorus_message_list_get_channel (chorus_window_get_message_list (window)), ==,
                   chorus_channel_get_id (random));

  /* Ada's own messages never notify her. */
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (chorus_window_get_composer (window)), "on my way", -1);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.send", NULL);
  chorus_test_settle (300);
  g_assert_cmpuint (log.added->len, ==, 1);

  chorus_client_stop (lin);
  g_application_quit (G_APPLICATION (application));
  gtk_window_destroy (GTK_WINDOW (window));
  chorus_test_settle (50);
  g_clear_object (&application);
  chorus_server_thread_stop (server);
  chorus_test_remove_dir (folder);
  g_ptr_array_unref (log.added);
  g_ptr_array_unref (log.removed);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *home = g_dir_make_tmp ("chorus-home-XXXXXX", NULL);

  /* The app writes its outbox under XDG_DATA_HOME, so that moves to a
   * temporary folder. G_TEST_OPTION_ISOLATE_DIRS would also hide the
   * system MIME database, without which GTK cannot load SVG icons. */
  g_setenv ("XDG_DATA_HOME", home, TRUE);
  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();

  g_test_add_func ("/ui/notifications/notify-and-open", test_notify_and_open);

  return g_test_run ();
}
