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
#include "chorus-client-private.h"
#include "chorus-dev-tools-window.h"
#include "chorus-dev-transport.h"
#include "chorus-outbox.h"
#include "chorus-soup-transport.h"
#include "chorus-server-thread.h"
#include "chorus-window.h"

struct _ChorusApplication
{
  AdwApplication parent_instance;

  /* Owned references */
  GSettings          *settings;
  ChorusServerThread *server;
  ChorusClient       *client;
  ChorusDevTransport *dev_transport;
  ChorusOutbox       *outbox;
  char               *server_url;
  char               *connected_url;
  char               *author;
  char               *token_file;

  /* Clients of the windows opened as other users, stopped at shutdown. */
  GPtrArray          *guest_clients;

  /* Borrowed references */
  GtkWindow          *preferences_window;
};

G_DEFINE_FINAL_TYPE (ChorusApplication, chorus_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "server", 's', 0, G_OPTION_ARG_STRING, NULL,
    N_("Connect to the chorus-server or Convex deployment at URL instead of the built-in server"),
    N_("URL") },
  { "name", 'n', 0, G_OPTION_ARG_STRING, NULL,
    N_("Send messages under NAME"), N_("NAME") },
  { "token-file", 't', 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Sign in to the server with the token in FILE, for servers that require one"),
    N_("FILE") },
  { NULL }
};

static gint
chorus_application_handle_local_options (GApplication *application,
                                         GVariantDict *options)
{
  ChorusApplication *self = CHORUS_APPLICATION (application);

  g_variant_dict_lookup (options, "server", "s", &self->server_url);
  g_variant_dict_lookup (options, "name", "s", &self->author);
  g_variant_dict_lookup (options, "token-file", "^ay", &self->token_file);

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
dup_data_folder (GError **error)
{
  g_autofree char *folder = g_build_filename (g_get_user_data_dir (), "chorus", NULL);

  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Could not create the folder %s: %s"), folder, g_strerror (saved_errno));
      return NULL;
    }

  return g_steal_pointer (&folder);
}

static char *
start_embedded_server (ChorusApplication  *self,
                       GError            **error)
{
  g_autofree char *folder = dup_data_folder (error);
  g_autofree char *database = NULL;

  if (folder == NULL)
    return NULL;

  database = g_build_filename (folder, "chorus.sqlite", NULL);
  self->server = chorus_server_thread_start (database, 0, error);
  if (self->server == NULL)
    return NULL;

  return g_strdup_printf ("http://127.0.0.1:%u", chorus_server_thread_get_port (self->server));
}

/* Each server gets its own outbox file. The built-in server's address
 * changes with every start, so its file is called "local" instead. */
static char *
build_outbox_name (const char *server_url)
{
  g_autofree char *digest = NULL;

  if (server_url == NULL || *server_url == '\0')
    return g_strdup ("outbox-local.sqlite");

  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, server_url, -1);
  return g_strdup_printf ("outbox-%.16s.sqlite", digest);
}

static gboolean
open_outbox (ChorusApplication  *self,
             GError            **error)
{
  g_autofree char *folder = dup_data_folder (error);
  g_autofree char *name = build_outbox_name (self->server_url);
  g_autofree char *path = NULL;

  if (folder == NULL)
    return FALSE;

  path = g_build_filename (folder, name, NULL);
  self->outbox = chorus_outbox_new (self->client, path, error);

  return self->outbox != NULL;
}

static char *
provide_token (ChorusClient *client,
               gboolean      force_refresh,
               gpointer      user_data)
{
  return g_strdup (user_data);
}

/* The token file contains the token on its first line, as chorus-server's
 * token files contain one per user. */
static gboolean
use_token_file (ChorusApplication  *self,
                GError            **error)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  if (self->token_file == NULL)
    return TRUE;

  if (!g_file_get_contents (self->token_file, &contents, NULL, error))
    return FALSE;

  lines = g_strsplit (contents, "\n", 2);
  g_strstrip (lines[0]);
  if (*lines[0] == '\0')
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("The token file %s is empty"), self->token_file);
      return FALSE;
    }

  chorus_client_set_auth (self->client, provide_token, g_strdup (lines[0]), g_free);
  return TRUE;
}

static gboolean
connect_client (ChorusApplication  *self,
                GError            **error)
{
  g_autoptr(ChorusTransport) transport = NULL;
  g_autofree char *ws_url = NULL;
  g_autofree char *url = NULL;

  if (self->server_url == NULL)
    self->server_url = g_settings_get_string (self->settings, "server-url");

  if (*self->server_url != '\0')
    url = g_strdup (self->server_url);
  else
    url = start_embedded_server (self, error);

  if (url == NULL)
    return FALSE;

  ws_url = _chorus_client_build_sync_url (url, error);
  if (ws_url == NULL)
    return FALSE;

  /* The developer tools steer this wrapper; it passes frames straight
   * through until they are used. */
  transport = chorus_soup_transport_new (ws_url);
  self->dev_transport = chorus_dev_transport_new (transport);
  self->client = chorus_client_new (CHORUS_TRANSPORT (self->dev_transport));
  self->connected_url = g_steal_pointer (&url);
  if (!use_token_file (self, error))
    return FALSE;

  chorus_client_start (self->client);
  return open_outbox (self, error);
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

  window = GTK_WINDOW (chorus_window_new (GTK_APPLICATION (self), self->outbox, self->author));
  gtk_window_present (window);
}

static void
chorus_application_startup (GApplication *application)
{
  ChorusApplication *self = CHORUS_APPLICATION (application);
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *preferences_accels[] = { "<Control>comma", NULL };

  G_APPLICATION_CLASS (chorus_application_parent_class)->startup (application);

  self->settings = g_settings_new (APP_ID);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);
}

static void
chorus_application_shutdown (GApplication *application)
{
  ChorusApplication *self = CHORUS_APPLICATION (application);

  if (self->client != NULL)
    chorus_client_stop (self->client);
  for (guint i = 0; i < self->guest_clients->len; i++)
    chorus_client_stop (g_ptr_array_index (self->guest_clients, i));
  g_ptr_array_set_size (self->guest_clients, 0);
  g_clear_object (&self->outbox);
  g_clear_object (&self->client);
  g_clear_object (&self->dev_transport);
  g_clear_pointer (&self->server, chorus_server_thread_stop);

  G_APPLICATION_CLASS (chorus_application_parent_class)->shutdown (application);
}

static void
chorus_application_finalize (GObject *object)
{
  ChorusApplication *self = CHORUS_APPLICATION (object);

  g_clear_weak_pointer (&self->preferences_window);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->guest_clients, g_ptr_array_unref);
  g_free (self->server_url);
  g_free (self->connected_url);
  g_free (self->author);
  g_free (self->token_file);

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
                         "developer-name", "The Chorus developers",
                         "developers", developers,
                         "version", PACKAGE_VERSION,
                         "copyright", "© 2026 The Chorus developers",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "website", "https://github.com/chorus-chat/chorus",
                         "issue-url", "https://github.com/chorus-chat/chorus/issues",
                         /* Translators: Replace this with your name, one
                          * translator a line, e.g. "Ada Lovelace <ada@example.org>". */
                         "translator-credits", _("translator-credits"),
                         "comments", _("Chat in channels, with messages that appear the moment you send them."),
                         NULL);
}

/* Uses the same parser as the client at startup, so a URL saved here is
 * one that Chorus can connect to. An empty URL selects the built-in server. */
static gboolean
is_valid_server_url (const char *url)
{
  g_autoptr(ChorusClient) probe = NULL;

  if (*url == '\0')
    return TRUE;

  probe = chorus_client_new_for_url (url, NULL);

  return probe != NULL;
}

static void
server_url_applied_cb (AdwEntryRow       *row,
                       ChorusApplication *self)
{
  g_autofree char *url = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
  GtkRoot *window = gtk_widget_get_root (GTK_WIDGET (row));

  if (!is_valid_server_url (url))
    {
      gtk_widget_add_css_class (GTK_WIDGET (row), "error");
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (window),
                                        adw_toast_new (_("Enter an address that starts with http://, https://, ws:// or wss://")));
      return;
    }

  gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
  g_settings_set_string (self->settings, "server-url", url);
}

static void
server_url_changed_cb (AdwEntryRow *row)
{
  gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
}

static void
display_name_applied_cb (AdwEntryRow       *row,
                         ChorusApplication *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

  g_settings_set_string (self->settings, "display-name", name);
}

static void
load_text_setting (ChorusApplication *self,
                   GtkBuilder        *builder,
                   const char        *row_id,
                   const char        *key)
{
  GtkEditable *row = GTK_EDITABLE (gtk_builder_get_object (builder, row_id));
  g_autofree char *value = g_settings_get_string (self->settings, key);

  gtk_editable_set_text (row, value);
}

static GtkWindow *
create_preferences_window (ChorusApplication *self)
{
  g_autoptr(GtkBuilder) builder = NULL;
  GObject *server_url_row;

  builder = gtk_builder_new_from_resource ("/io/github/chorus_chat/Chorus/ui/chorus-preferences-window.ui");

  load_text_setting (self, builder, "server_url_row", "server-url");
  load_text_setting (self, builder, "display_name_row", "display-name");
  g_settings_bind (self->settings, "notifications",
                   gtk_builder_get_object (builder, "notifications_switch"), "active",
                   G_SETTINGS_BIND_DEFAULT);

  server_url_row = gtk_builder_get_object (builder, "server_url_row");
  g_signal_connect_object (server_url_row, "apply", G_CALLBACK (server_url_applied_cb), self, 0);
  g_signal_connect (server_url_row, "changed", G_CALLBACK (server_url_changed_cb), NULL);
  g_signal_connect_object (gtk_builder_get_object (builder, "display_name_row"), "apply",
                           G_CALLBACK (display_name_applied_cb), self, 0);

  return GTK_WINDOW (gtk_builder_get_object (builder, "preferences_window"));
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  ChorusApplication *self = CHORUS_APPLICATION (user_data);

  if (self->preferences_window == NULL)
    {
      GtkWindow *window = create_preferences_window (self);

      gtk_window_set_transient_for (window, gtk_application_get_active_window (GTK_APPLICATION (self)));
      gtk_window_set_application (window, GTK_APPLICATION (self));
      g_set_weak_pointer (&self->preferences_window, window);
    }

  gtk_window_present (self->preferences_window);
}

static void
developer_tools_activated (GSimpleAction *action,
                           GVariant      *parameter,
                           gpointer       user_data)
{
  ChorusApplication *self = CHORUS_APPLICATION (user_data);
  GtkWindow *window;

  if (self->dev_transport == NULL)
    return;

  window = chorus_dev_tools_window_new (self->dev_transport);
  gtk_window_set_transient_for (window, gtk_application_get_active_window (GTK_APPLICATION (self)));
  gtk_window_present (window);
}

static void
open_channel_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  ChorusApplication *self = CHORUS_APPLICATION (user_data);
  GtkWindow *window;

  g_application_activate (G_APPLICATION (self));
  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (CHORUS_IS_WINDOW (window))
    chorus_window_select_channel_by_id (CHORUS_WINDOW (window), g_variant_get_string (parameter, NULL));
}

/* A second person on the same server, in a window of their own, to see
 * one user's message arrive at another. */
static void
open_guest_window (ChorusApplication *self,
                   const char        *author)
{
  g_autoptr(ChorusClient) client = NULL;
  g_autoptr(ChorusOutbox) outbox = NULL;
  g_autoptr(GError) error = NULL;

  client = chorus_client_new_for_url (self->connected_url, &error);
  if (client != NULL)
    outbox = chorus_outbox_new (client, NULL, &error);
  if (outbox == NULL)
    {
      show_startup_error (self, error);
      return;
    }

  chorus_client_start (client);
  g_ptr_array_add (self->guest_clients, g_object_ref (client));
  gtk_window_present (GTK_WINDOW (chorus_window_new (GTK_APPLICATION (self), outbox, author)));
}

static void
guest_name_response_cb (ChorusApplication *self,
                        const char        *response,
                        AdwMessageDialog  *dialog)
{
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  if (g_strcmp0 (response, "open") == 0 && *name != '\0')
    open_guest_window (self, name);
}

static void
new_user_window_activated (GSimpleAction *action,
                           GVariant      *parameter,
                           gpointer       user_data)
{
  ChorusApplication *self = CHORUS_APPLICATION (user_data);
  GtkWidget *dialog;
  GtkWidget *entry = gtk_entry_new ();

  if (self->connected_url == NULL)
    return;

  dialog = adw_message_dialog_new (gtk_application_get_active_window (GTK_APPLICATION (self)),
                                   _("Open a Window as Another User"),
                                   _("The new window joins the same server under another name, so you can watch messages travel between two people."));
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("Name"));
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "open", _("_Open Window"),
                                    NULL);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "open");
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "open", ADW_RESPONSE_SUGGESTED);
  g_signal_connect_swapped (dialog, "response", G_CALLBACK (guest_name_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static const GActionEntry app_actions[] = {
  { "developer-tools", developer_tools_activated },
  { "open-channel", open_channel_activated, "s" },
  { "new-user-window", new_user_window_activated },
  { "quit", quit_activated },
  { "about", about_activated },
  { "preferences", preferences_activated },
};

static void
chorus_application_init (ChorusApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  self->guest_clients = g_ptr_array_new_with_free_func (g_object_unref);
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
