/* chorus-application.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-application"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "chorus-application.h"
#include "chorus-client.h"
#include "chorus-server-thread.h"
#include "chorus-window.h"

struct _ChorusApplication
{
  AdwApplication parent_instance;

  /* Owned references */
  GSettings          *settings;
  ChorusServerThread *server;
  ChorusClient       *client;
  char               *server_url;
  char               *author;
};

G_DEFINE_FINAL_TYPE (ChorusApplication, chorus_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "server", 's', 0, G_OPTION_ARG_STRING, NULL,
    N_("Connect to the chorus-server or Convex deployment at URL instead of the built-in server"),
    N_("URL") },
  { "name", 'n', 0, G_OPTION_ARG_STRING, NULL,
    N_("Send messages under NAME"), N_("NAME") },
  { NULL }
};

static gint
chorus_application_handle_local_options (GApplication *application,
                                         GVariantDict *options)
{
  ChorusApplication *self = CHORUS_APPLICATION (application);

  g_variant_dict_lookup (options, "server", "s", &self->server_url);
  g_variant_dict_lookup (options, "name", "s", &self->author);

  /* Each instance pointed at its own server is its own user: several can
   * run side by side, as Ada and Lin in two windows. */
  if (self->server_url != NULL)
    g_application_set_flags (application,
                             g_application_get_flags (application) | G_APPLICATION_NON_UNIQUE);

  return -1;
}

static char *
dup_default_author (ChorusApplication *self)
{
  g_autofree char *name = g_settings_get_string (self->settings, "display-name");
  const char *real_name = g_get_real_name ();

  if (*name != '\0')
    return g_steal_pointer (&name);

  if (real_name != NULL && *real_name != '\0' && g_strcmp0 (real_name, "Unknown") != 0)
    return g_strdup (real_name);

  return g_strdup (g_get_user_name ());
}

static char *
start_embedded_server (ChorusApplication  *self,
                       GError            **error)
{
  g_autofree char *folder = g_build_filename (g_get_user_data_dir (), "chorus", NULL);
  g_autofree char *database = g_build_filename (folder, "chorus.sqlite", NULL);

  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Could not create the folder %s: %s"), folder, g_strerror (saved_errno));
      return NULL;
    }

  self->server = chorus_server_thread_start (database, 0, error);
  if (self->server == NULL)
    return NULL;

  return g_strdup_printf ("http://127.0.0.1:%u", chorus_server_thread_get_port (self->server));
}

static gboolean
connect_client (ChorusApplication  *self,
                GError            **error)
{
  g_autofree char *url = NULL;

  if (self->server_url == NULL)
    self->server_url = g_settings_get_string (self->settings, "server-url");

  if (*self->server_url != '\0')
    url = g_strdup (self->server_url);
  else
    url = start_embedded_server (self, error);

  if (url == NULL)
    return FALSE;

  self->client = chorus_client_new_for_url (url, error);
  if (self->client == NULL)
    return FALSE;

  chorus_client_start (self->client);
  return TRUE;
}

static void
show_startup_error (ChorusApplication *self,
                    const GError      *error)
{
  GtkWidget *dialog;

  g_warning ("Could not start: %s", error->message);
  dialog = adw_message_dialog_new (NULL, _("Chorus Could Not Start"), error->message);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_set_application (GTK_WINDOW (dialog), GTK_APPLICATION (self));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
chorus_application_activate (GApplication *application)
{
  ChorusApplication *self = CHORUS_APPLICATION (application);
  g_autoptr(GError) error = NULL;
  GtkWindow *window;

  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (window != NULL)
    {
      gtk_window_present (window);
      return;
    }

  if (self->client == NULL && !connect_client (self, &error))
    {
      show_startup_error (self, error);
      return;
    }

  if (self->author == NULL)
    self->author = dup_default_author (self);

  window = GTK_WINDOW (chorus_window_new (GTK_APPLICATION (self), self->client, self->author));
  gtk_window_present (window);
}

static void
chorus_application_startup (GApplication *application)
{
  ChorusApplication *self = CHORUS_APPLICATION (application);
  const char *quit_accels[] = { "<Control>q", NULL };

  G_APPLICATION_CLASS (chorus_application_parent_class)->startup (application);

  self->settings = g_settings_new (APP_ID);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
}

static void
chorus_application_shutdown (GApplication *application)
{
  ChorusApplication *self = CHORUS_APPLICATION (application);

  if (self->client != NULL)
    chorus_client_stop (self->client);
  g_clear_object (&self->client);
  g_clear_pointer (&self->server, chorus_server_thread_stop);

  G_APPLICATION_CLASS (chorus_application_parent_class)->shutdown (application);
}

static void
chorus_application_finalize (GObject *object)
{
  ChorusApplication *self = CHORUS_APPLICATION (object);

  g_clear_object (&self->settings);
  g_free (self->server_url);
  g_free (self->author);

  G_OBJECT_CLASS (chorus_application_parent_class)->finalize (object);
}

static void
chorus_application_class_init (ChorusApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = chorus_application_finalize;
  app_class->activate = chorus_application_activate;
  app_class->startup = chorus_application_startup;
  app_class->shutdown = chorus_application_shutdown;
  app_class->handle_local_options = chorus_application_handle_local_options;
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *application = GTK_APPLICATION (user_data);
  const char *developers[] = { "The Chorus developers", NULL };

  adw_show_about_window (gtk_application_get_active_window (application),
                         "application-name", _("Chorus"),
                         "application-icon", APP_ID,
                         "developer-name", _("The Chorus developers"),
                         "developers", developers,
                         "version", PACKAGE_VERSION,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "comments", _("Chat in channels, with messages that appear the moment you send them."),
                         NULL);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated },
  { "about", about_activated },
};

static void
chorus_application_init (ChorusApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
}

ChorusApplication *
chorus_application_new (void)
{
  return g_object_new (CHORUS_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/chorus_chat/Chorus",
                       NULL);
}
