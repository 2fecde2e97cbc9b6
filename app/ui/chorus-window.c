/* chorus-window.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-window"

#include "config.h"

#include <glib/gi18n.h>

#include "chorus-message-row.h"
#include "chorus-resources.h"
#include "chorus-window-private.h"

/*
 * The main window: channels on the left, the open channel's messages and
 * the composer on the right.
 */

enum {
  PROP_0,
  PROP_CLIENT,
  PROP_OUTBOX,
  PROP_AUTHOR,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (ChorusWindow, chorus_window, ADW_TYPE_APPLICATION_WINDOW)

static GParamSpec *properties [N_PROPS];

static char *
channel_title (GtkListItem *item,
               const char  *name)
{
  return g_strdup_printf ("# %s", name ?: "");
}

static char *
unread_label (GtkListItem *item,
              guint        unread_count)
{
  return unread_count > 99 ? g_strdup ("99+") : g_strdup_printf ("%u", unread_count);
}

static gboolean
has_unread (GtkListItem *item,
            guint        unread_count)
{
  return unread_count > 0;
}

static ChorusChannel *
get_current_channel (ChorusWindow *self)
{
  return gtk_single_selection_get_selected_item (self->channel_selection);
}

static char *
build_notification_id (ChorusChannel *channel)
{
  return g_strdup_printf ("channel-%s", chorus_channel_get_id (channel));
}

static void
save_last_read (ChorusWindow  *self,
                ChorusChannel *channel)
{
  g_autoptr(GVariant) stored = g_settings_get_value (self->settings, "last-read");
  const char *channel_id = chorus_channel_get_id (channel);
  gint64 last_read = chorus_channel_list_get_last_read (self->channels, channel_id);
  GVariantBuilder builder;
  GVariantIter iter;
  const char *id;
  gint64 value;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sx}"));
  g_variant_iter_init (&iter, stored);
  while (g_variant_iter_next (&iter, "{&sx}", &id, &value))
    {
      if (g_strcmp0 (id, channel_id) == 0 && value == last_read)
        {
          g_variant_builder_clear (&builder);
          return;
        }

      if (g_strcmp0 (id, channel_id) != 0)
        g_variant_builder_add (&builder, "{sx}", id, value);
    }

  g_variant_builder_add (&builder, "{sx}", channel_id, last_read);
  g_settings_set_value (self->settings, "last-read", g_variant_builder_end (&builder));
}

static void
load_last_read (ChorusWindow *self)
{
  g_autoptr(GVariant) stored = g_settings_get_value (self->settings, "last-read");
  GVariantIter iter;
  const char *id;
  gint64 last_read;

  g_variant_iter_init (&iter, stored);
  while (g_variant_iter_next (&iter, "{&sx}", &id, &last_read))
    chorus_channel_list_set_last_read (self->channels, id, last_read);
}

/* Messages count as read when the user can see the newest one. */
static void
mark_current_read (ChorusWindow *self)
{
  ChorusChannel *channel = get_current_channel (self);
  GApplication *application = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  g_autofree char *notification_id = NULL;

  if (channel == NULL || !self->stick_to_bottom ||
      !gtk_window_is_active (GTK_WINDOW (self)))
    return;

  chorus_channel_list_mark_read (self->channels, channel);
  save_last_read (self, channel);

  notification_id = build_notification_id (channel);
  if (application != NULL)
    g_application_withdraw_notification (application, notification_id);
}

static void
update_jump_button (ChorusWindow *self)
{
  g_autofree char *label = NULL;

  if (self->stick_to_bottom)
    self->unseen_count = 0;

  gtk_widget_set_visible (self->jump_button, !self->stick_to_bottom);

  /* Translators: the count of new messages below the visible ones, on
   * the button that scrolls to them. */
  label = self->unseen_count > 0
    ? g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u new message", "%u new messages",
                                    self->unseen_count),
                       self->unseen_count)
    : g_strdup (_("Latest"));
  gtk_label_set_text (self->jump_label, label);
}

static void
scroll_to_bottom (ChorusWindow *self)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->message_scroller);

  self->auto_scrolling = TRUE;
  gtk_adjustment_set_value (adjustment,
                            gtk_adjustment_get_upper (adjustment) -
                            gtk_adjustment_get_page_size (adjustment));
  self->auto_scrolling = FALSE;
}

static void
follow_newest (ChorusWindow *self)
{
  g_clear_signal_handler (&self->follow_handler, gtk_widget_get_frame_clock (GTK_WIDGET (self)));
  self->list_changed = FALSE;
  if (self->stick_to_bottom)
    scroll_to_bottom (self);
}

/* Runs after GTK has laid out the changed list in this frame, so the
 * bottom it scrolls to is the new one. The frame clock repeats its
 * layout phase when the scroll requests it, so the newest row is painted
 * in this same frame, not the one after. */
static void
after_layout_cb (GdkFrameClock *frame_clock,
                 ChorusWindow  *self)
{
  follow_newest (self);
}

static void
follow_newest_later (ChorusWindow *self)
{
  GdkFrameClock *frame_clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));

  if (self->follow_handler != 0)
    return;

  if (frame_clock == NULL)
    {
      self->list_changed = FALSE;
      return;
    }

  self->follow_handler = g_signal_connect_after (frame_clock, "layout",
                                                G_CALLBACK (after_layout_cb), self);
  gtk_widget_queue_draw (GTK_WIDGET (self->message_view));
}

/* Older messages load while the view is still two screens from the top,
 * so they are in place before the user gets there. */
static void
load_history_if_near_top (ChorusWindow  *self,
                          GtkAdjustment *adjustment)
{
  if (self->messages == NULL ||
      gtk_adjustment_get_value (adjustment) > 2 * gtk_adjustment_get_page_size (adjustment))
    return;

  chorus_message_list_load_older (self->messages);
}

static void
adjustment_value_changed_cb (ChorusWindow  *self,
                             GtkAdjustment *adjustment)
{
  double bottom = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);
  gboolean at_bottom = gtk_adjustment_get_value (adjustment) >= bottom - 1;

  load_history_if_near_top (self, adjustment);

  /* The view moves the value itself while rows come and go above it;
   * that is no sign the user scrolled away from the newest message. */
  if (self->auto_scrolling || (self->list_changed && !at_bottom))
    return;

  if (at_bottom == self->stick_to_bottom)
    return;

  self->stick_to_bottom = at_bottom;
  update_jump_button (self);
  mark_current_read (self);
}

static void
adjustment_bounds_changed_cb (ChorusWindow  *self,
                              GParamSpec    *pspec,
                              GtkAdjustment *adjustment)
{
  if (self->stick_to_bottom)
    follow_newest_later (self);
}

/* Without channels yet, the server has not responded, so say so instead of
 * showing an empty window. */
static void
show_connecting_page (ChorusWindow *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->empty_page), TRUE);
  adw_status_page_set_title (self->empty_page, _("Connecting…"));
  adw_status_page_set_description (self->empty_page,
                                   _("Chorus is trying to reach the server, and keeps trying."));
}

static void
update_empty_page (ChorusWindow *self)
{
  ChorusChannel *channel = get_current_channel (self);
  g_autofree char *description = NULL;
  gboolean empty;

  if (channel == NULL)
    {
      show_connecting_page (self);
      return;
    }

  empty = self->messages != NULL &&
          !chorus_message_list_is_loading (self->messages) &&
          g_list_model_get_n_items (G_LIST_MODEL (self->messages)) == 0;
  gtk_widget_set_visible (GTK_WIDGET (self->empty_page), empty);
  if (!empty)
    return;

  /* Translators: under "No Messages Yet" in an empty channel; %s is the
   * channel name. */
  description = g_strdup_printf (_("Be the first to write in #%s."), chorus_channel_get_name (channel));
  adw_status_page_set_title (self->empty_page, _("No Messages Yet"));
  adw_status_page_set_description (self->empty_page, description);
}

/* New messages below the view while the user reads history are counted
 * on the jump button instead of moving the view. */
static void
messages_changed_cb (ChorusWindow *self,
                     guint         position,
                     guint         removed,
                     guint         added,
                     GListModel   *model)
{
  self->list_changed = TRUE;
  follow_newest_later (self);
  update_empty_page (self);

  if (self->stick_to_bottom || added == 0 ||
      position + added != g_list_model_get_n_items (model))
    return;

  self->unseen_count += added;
  update_jump_button (self);
}

static void
jump_to_latest_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  ChorusWindow *self = CHORUS_WINDOW (widget);

  self->stick_to_bottom = TRUE;
  scroll_to_bottom (self);
  update_jump_button (self);
  mark_current_read (self);
}

static void
message_retry_cb (ChorusWindow     *self,
                  ChorusMessage    *message,
                  ChorusMessageRow *row)
{
  chorus_outbox_retry (self->outbox, message);
}

static void
message_discard_cb (ChorusWindow     *self,
                    ChorusMessage    *message,
                    ChorusMessageRow *row)
{
  gtk_widget_grab_focus (GTK_WIDGET (self->composer));
  chorus_outbox_discard (self->outbox, message);
}

static void
message_edit_cb (ChorusWindow     *self,
                 ChorusMessage    *message,
                 ChorusMessageRow *row)
{
  _chorus_window_start_edit (self, message);
}

static void
message_delete_cb (ChorusWindow     *self,
                   ChorusMessage    *message,
                   ChorusMessageRow *row)
{
  _chorus_window_delete_message (self, message);
}

static void
setup_message_cb (ChorusWindow             *self,
                  GtkListItem              *item,
                  GtkSignalListItemFactory *factory)
{
  GtkWidget *row = chorus_message_row_new ();

  g_signal_connect_object (row, "retry", G_CALLBACK (message_retry_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (row, "discard", G_CALLBACK (message_discard_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (row, "edit", G_CALLBACK (message_edit_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (row, "delete", G_CALLBACK (message_delete_cb), self, G_CONNECT_SWAPPED);
  gtk_list_item_set_activatable (item, FALSE);
  gtk_list_item_set_selectable (item, FALSE);
  gtk_list_item_set_child (item, row);
}

static void
bind_message_cb (ChorusWindow             *self,
                 GtkListItem              *item,
                 GtkSignalListItemFactory *factory)
{
  ChorusMessageRow *row = CHORUS_MESSAGE_ROW (gtk_list_item_get_child (item));
  ChorusMessage *message = gtk_list_item_get_item (item);

  chorus_message_row_set_own (row, g_strcmp0 (chorus_message_get_author (message), self->author) == 0);
  chorus_message_row_set_message (row, message);
}

static void
unbind_message_cb (ChorusWindow             *self,
                   GtkListItem              *item,
                   GtkSignalListItemFactory *factory)
{
  chorus_message_row_set_message (CHORUS_MESSAGE_ROW (gtk_list_item_get_child (item)), NULL);
}

static void
show_channel (ChorusWindow  *self,
              ChorusChannel *channel)
{
  g_autoptr(GtkNoSelection) selection = NULL;
  g_autofree char *old_channel_id = NULL;

  if (self->messages != NULL)
    old_channel_id = g_strdup (chorus_message_list_get_channel (self->messages));
  g_clear_object (&self->messages);
  _chorus_window_switch_draft (self, old_channel_id, channel);
  adw_window_title_set_subtitle (self->window_title, "");

  if (channel != NULL)
    {
      g_autofree char *subtitle = g_strdup_printf ("# %s", chorus_channel_get_name (channel));

      self->messages = chorus_message_list_new (self->outbox, chorus_channel_get_id (channel));
      g_signal_connect_object (self->messages, "items-changed",
                               G_CALLBACK (messages_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->messages, "notify::loading",
                               G_CALLBACK (update_empty_page), self, G_CONNECT_SWAPPED);
      selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->messages)));
      adw_window_title_set_subtitle (self->window_title, subtitle);
    }

  self->stick_to_bottom = TRUE;
  update_jump_button (self);
  g_signal_group_set_target (self->channel_signals, channel);
  gtk_list_view_set_model (self->message_view, GTK_SELECTION_MODEL (selection));
  update_empty_page (self);
  mark_current_read (self);
}

static void
selected_channel_changed_cb (ChorusWindow       *self,
                             GParamSpec         *pspec,
                             GtkSingleSelection *selection)
{
  ChorusChannel *channel = gtk_single_selection_get_selected_item (selection);

  if (self->messages != NULL && channel != NULL &&
      g_strcmp0 (chorus_message_list_get_channel (self->messages), chorus_channel_get_id (channel)) == 0)
    return;

  show_channel (self, channel);
}

static void
current_unread_changed_cb (ChorusWindow *self)
{
  mark_current_read (self);
}

static void
message_received_cb (ChorusWindow      *self,
                     ChorusChannel     *channel,
                     const char        *author,
                     const char        *body,
                     ChorusChannelList *channels)
{
  GApplication *application = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *title = NULL;
  g_autofree char *notification_id = NULL;

  if (application == NULL || !g_settings_get_boolean (self->settings, "notifications") ||
      (channel == get_current_channel (self) && gtk_window_is_active (GTK_WINDOW (self))))
    return;

  /* Translators: a notification title; the first %s is who wrote, the
   * second the channel name. */
  title = g_strdup_printf (_("%s in #%s"), author, chorus_channel_get_name (channel));
  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  g_notification_set_default_action_and_target (notification, "app.open-channel", "s",
                                                chorus_channel_get_id (channel));

  notification_id = build_notification_id (channel);
  g_application_send_notification (application, notification_id, notification);
}

static void
connection_state_changed_cb (ChorusWindow *self,
                             GParamSpec   *pspec,
                             ChorusClient *client)
{
  gboolean online = chorus_client_get_connection_state (client) == CHORUS_CONNECTION_CONNECTED;

  gtk_revealer_set_reveal_child (self->offline_revealer, !online || self->auth_rejected);
}

/* A rejected token leaves the connection up but every query failing, so
 * the banner gives the reason instead of showing an empty window. */
static void
auth_changed_cb (ChorusWindow *self,
                 gboolean      authenticated,
                 ChorusClient *client)
{
  self->auth_rejected = !authenticated;
  gtk_label_set_text (self->offline_label,
                      self->auth_rejected
                      ? _("The server did not accept your sign-in token. Check the file given with --token-file.")
                      : _("Offline. Messages you send wait here until the connection is back."));
  connection_state_changed_cb (self, NULL, client);
}

static ChorusChannel *
find_channel_match (ChorusWindow *self,
                    const char   *text,
                    guint        *position)
{
  g_autofree char *needle = g_utf8_casefold (text, -1);
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->channels));

  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < n_items; i++)
      {
        g_autoptr(ChorusChannel) channel = g_list_model_get_item (G_LIST_MODEL (self->channels), i);
        g_autofree char *name = g_utf8_casefold (chorus_channel_get_name (channel), -1);

        /* Names that start with the text win over names that contain it. */
        if (pass == 0 ? g_str_has_prefix (name, needle) : strstr (name, needle) != NULL)
          {
            *position = i;
            return channel;
          }
      }

  return NULL;
}

static void
channel_search_changed_cb (ChorusWindow   *self,
                           GtkSearchEntry *entry)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));
  guint position;

  gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
  if (*text != '\0' && find_channel_match (self, text, &position) == NULL)
    gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
}

static void
channel_search_activate_cb (ChorusWindow   *self,
                            GtkSearchEntry *entry)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));
  guint position;

  if (*text == '\0' || find_channel_match (self, text, &position) == NULL)
    return;

  gtk_single_selection_set_selected (self->channel_selection, position);
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  gtk_widget_grab_focus (GTK_WIDGET (self->composer));
}

static void
channel_search_stop_cb (ChorusWindow   *self,
                        GtkSearchEntry *entry)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  gtk_widget_grab_focus (GTK_WIDGET (self->composer));
}

static gboolean
focus_channel_search (GtkWidget *widget,
                      GVariant  *args,
                      gpointer   user_data)
{
  ChorusWindow *self = CHORUS_WINDOW (widget);

  gtk_widget_grab_focus (GTK_WIDGET (self->channel_search));
  return TRUE;
}

/* Server errors can be long; a dialog shows them whole, where a toast
 * would cut them off. */
static void
show_error_dialog (ChorusWindow *self,
                   const char   *heading,
                   const char   *body)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
create_channel_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ChorusWindow) self = user_data;
  g_autoptr(JsonNode) id = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_object_steal_data (G_OBJECT (self), "creating-channel");

  id = chorus_client_mutation_finish (CHORUS_CLIENT (object), result, &error);
  if (id == NULL)
    {
      show_error_dialog (self, _("Could Not Create the Channel"), error->message);
      return;
    }

  chorus_window_select_channel (self, name);
  gtk_widget_grab_focus (GTK_WIDGET (self->composer));
}

static void
create_channel (ChorusWindow *self,
                const char   *name)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) args = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (object, "name", name);
  json_node_set_object (args, object);
  g_object_set_data_full (G_OBJECT (self), "creating-channel", g_strdup (name), g_free);

  chorus_client_mutation (self->client, "channels:create", args, NULL, NULL, NULL,
                          NULL, create_channel_cb, g_object_ref (self));
}

static void
set_new_channel_error (ChorusWindow *self,
                       gboolean      error)
{
  if (error)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->new_channel_entry), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->new_channel_hint), "error");
      return;
    }

  gtk_widget_remove_css_class (GTK_WIDGET (self->new_channel_entry), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->new_channel_hint), "error");
}

static void
new_channel_changed_cb (ChorusWindow *self)
{
  set_new_channel_error (self, FALSE);
}

/* Creates the channel the user typed, as a name the server takes. A name
 * that cannot become one keeps the popover open and marks the hint; the
 * name of a channel that exists opens it. */
static void
new_channel_activate_cb (ChorusWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->new_channel_entry));
  g_autofree char *name = NULL;

  if (*text == '\0')
    return;

  name = chorus_channel_name_from_text (text);
  if (name == NULL)
    {
      set_new_channel_error (self, TRUE);
      return;
    }

  gtk_editable_set_text (GTK_EDITABLE (self->new_channel_entry), "");
  gtk_popover_popdown (self->new_channel_popover);
  if (chorus_channel_list_find_by_name (self->channels, name, NULL) == NULL)
    create_channel (self, name);
  else
    chorus_window_select_channel (self, name);
}

static void
setup_message_view (ChorusWindow *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->message_scroller);

  g_signal_connect_object (factory, "setup", G_CALLBACK (setup_message_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (factory, "bind", G_CALLBACK (bind_message_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (factory, "unbind", G_CALLBACK (unbind_message_cb), self, G_CONNECT_SWAPPED);
  gtk_list_view_set_factory (self->message_view, factory);

  g_signal_connect_object (adjustment, "value-changed",
                           G_CALLBACK (adjustment_value_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adjustment, "notify::upper",
                           G_CALLBACK (adjustment_bounds_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adjustment, "notify::page-size",
                           G_CALLBACK (adjustment_bounds_changed_cb), self, G_CONNECT_SWAPPED);
}

static void
setup_channels (ChorusWindow *self)
{
  self->channels = chorus_channel_list_new (self->client);
  chorus_channel_list_set_own_author (self->channels, self->author);
  load_last_read (self);

  /* Messages that arrive in the open channel are read as they come. */
  self->channel_signals = g_signal_group_new (CHORUS_TYPE_CHANNEL);
  g_signal_group_connect_object (self->channel_signals, "notify::unread-count",
                                 G_CALLBACK (current_unread_changed_cb), self, G_CONNECT_SWAPPED);
  self->channel_selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->channels)));
  gtk_list_view_set_model (self->channel_view, GTK_SELECTION_MODEL (self->channel_selection));

  g_signal_connect_object (self->channel_selection, "notify::selected-item",
                           G_CALLBACK (selected_channel_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->channels, "message-received",
                           G_CALLBACK (message_received_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->channels, "items-changed",
                           G_CALLBACK (current_unread_changed_cb), self, G_CONNECT_SWAPPED);
  selected_channel_changed_cb (self, NULL, self->channel_selection);
  update_empty_page (self);
}

static void
chorus_window_constructed (GObject *object)
{
  ChorusWindow *self = CHORUS_WINDOW (object);

  G_OBJECT_CLASS (chorus_window_parent_class)->constructed (object);

  /* A window made for a bare client keeps its outbox in memory. */
  if (self->outbox == NULL)
    self->outbox = chorus_outbox_new (self->client, NULL, NULL);
  if (self->client == NULL)
    self->client = g_object_ref (chorus_outbox_get_client (self->outbox));

  self->settings = g_settings_new (APP_ID);
  setup_channels (self);

  g_signal_connect_object (self->client, "notify::connection-state",
                           G_CALLBACK (connection_state_changed_cb), self, G_CONNECT_SWAPPED);
  connection_state_changed_cb (self, NULL, self->client);
  g_signal_connect_object (self->client, "auth-changed",
                           G_CALLBACK (auth_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect (self, "notify::is-active", G_CALLBACK (current_unread_changed_cb), NULL);
  gtk_widget_grab_focus (GTK_WIDGET (self->composer));
}

static void
chorus_window_dispose (GObject *object)
{
  ChorusWindow *self = CHORUS_WINDOW (object);

  if (gtk_widget_get_frame_clock (GTK_WIDGET (self)) != NULL)
    g_clear_signal_handler (&self->follow_handler, gtk_widget_get_frame_clock (GTK_WIDGET (self)));
  gtk_widget_dispose_template (GTK_WIDGET (self), CHORUS_TYPE_WINDOW);
  g_clear_object (&self->editing);
  g_clear_object (&self->channel_signals);
  g_clear_object (&self->settings);
  g_clear_object (&self->messages);
  g_clear_object (&self->channel_selection);
  g_clear_object (&self->channels);
  g_clear_object (&self->outbox);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (chorus_window_parent_class)->dispose (object);
}

static void
chorus_window_finalize (GObject *object)
{
  ChorusWindow *self = CHORUS_WINDOW (object);

  g_clear_pointer (&self->drafts, g_hash_table_unref);
  g_free (self->author);

  G_OBJECT_CLASS (chorus_window_parent_class)->finalize (object);
}

static void
chorus_window_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  ChorusWindow *self = CHORUS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      break;

    case PROP_OUTBOX:
      self->outbox = g_value_dup_object (value);
      break;

    case PROP_AUTHOR:
      self->author = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
install_properties (GObjectClass *object_class)
{
  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL,
                         CHORUS_TYPE_CLIENT,
                         (G_PARAM_WRITABLE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  properties[PROP_OUTBOX] =
    g_param_spec_object ("outbox", NULL, NULL,
                         CHORUS_TYPE_OUTBOX,
                         (G_PARAM_WRITABLE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  /* The name sent as the author of this window's messages. */
  properties[PROP_AUTHOR] =
    g_param_spec_string ("author", NULL, NULL, NULL,
                         (G_PARAM_WRITABLE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
chorus_window_class_init (ChorusWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = chorus_window_constructed;
  object_class->dispose = chorus_window_dispose;
  object_class->finalize = chorus_window_finalize;
  object_class->set_property = chorus_window_set_property;
  install_properties (object_class);

  /* Referencing the bundle keeps the linker from dropping it out of the
   * static library; its constructor registers it before main(). */
  g_assert (chorus_get_resource () != NULL);

  g_type_ensure (CHORUS_TYPE_CHANNEL);
  gtk_widget_class_set_template_from_resource (widget_class, APP_PATH "ui/chorus-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ChorusWindow, channel_search);
  gtk_widget_class_bind_template_child (widget_class, ChorusWindow, new_channel_hint);
  gtk_widget_class_bind_template_child (widget_class, ChorusWindow, channel_view);
  gtk_widget_class_bind_template_child (widget_class, ChorusWindow, composer);
  gtk_widget_class_bind_template_child (widget_class, ChorusWindow, composer_placeholder);
  gtk_widget_class_bind_template_child (widget_class, ChorusWindow, editing_revealer);
  gtk_widget_class_bind_template_child (widget_class, ChorusWindow, emoji_button);
  gtk_widget_class_bind_template_child (widget_class, ChorusWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, ChorusWindow, jump_button);
  gtk_widget_class_bind_template_child (widget_class, ChorusWindow, jump_label);
  gtk_widget_class_bind_template_child (widget_class, ChorusWindow, message_scroller);
  gtk_widget_class_bind_template_child (widget_class, ChorusWindow, message_view);
  gtk_widget_class_bind_template_child (widget_class, ChorusWindow, new_channel_entry);
  gtk_widget_class_bind_template_child (widget_class, ChorusWindow, new_channel_popover);
  gtk_widget_class_bind_template_child (widget_class, ChorusWindow, offline_label);
  gtk_widget_class_bind_template_child (widget_class, ChorusWindow, offline_revealer);
  gtk_widget_class_bind_template_child (widget_class, ChorusWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ChorusWindow, window_title);
  gtk_widget_class_bind_template_callback (widget_class, channel_title);
  gtk_widget_class_bind_template_callback (widget_class, unread_label);
  gtk_widget_class_bind_template_callback (widget_class, has_unread);
  gtk_widget_class_bind_template_callback (widget_class, channel_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, channel_search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, channel_search_stop_cb);
  gtk_widget_class_bind_template_callback (widget_class, new_channel_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, new_channel_changed_cb);
  _chorus_window_class_add_composer (widget_class);

  gtk_widget_class_install_action (widget_class, "win.jump-to-latest", NULL, jump_to_latest_action);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_k, GDK_CONTROL_MASK, focus_channel_search, NULL);
}

static void
chorus_window_init (ChorusWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->stick_to_bottom = TRUE;
  setup_message_view (self);
  _chorus_window_setup_composer (self);
}

ChorusWindow *
chorus_window_new (GtkApplication *application,
                   ChorusOutbox   *outbox,
                   const char     *author)
{
  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (CHORUS_IS_OUTBOX (outbox), NULL);
  g_return_val_if_fail (author != NULL, NULL);

  return g_object_new (CHORUS_TYPE_WINDOW,
                       "application", application,
                       "outbox", outbox,
                       "author", author,
                       NULL);
}

void
_chorus_window_show_toast (ChorusWindow *self,
                           const char   *text)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

/**
 * chorus_window_get_message_list:
 * @self: a #ChorusWindow
 *
 * Returns: (transfer none) (nullable): the messages of the open channel
 */
ChorusMessageList *
chorus_window_get_message_list (ChorusWindow *self)
{
  g_return_val_if_fail (CHORUS_IS_WINDOW (self), NULL);

  return self->messages;
}

GtkTextView *
chorus_window_get_composer (ChorusWindow *self)
{
  g_return_val_if_fail (CHORUS_IS_WINDOW (self), NULL);

  return self->composer;
}

ChorusChannelList *
chorus_window_get_channels (ChorusWindow *self)
{
  g_return_val_if_fail (CHORUS_IS_WINDOW (self), NULL);

  return self->channels;
}

/**
 * chorus_window_select_channel:
 * @self: a #ChorusWindow
 * @name: a channel name
 *
 * Opens the channel called @name.
 *
 * Returns: %TRUE if the channel exists
 */
gboolean
chorus_window_select_channel (ChorusWindow *self,
                              const char   *name)
{
  guint position;

  g_return_val_if_fail (CHORUS_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (chorus_channel_list_find_by_name (self->channels, name, &position) == NULL)
    return FALSE;

  gtk_single_selection_set_selected (self->channel_selection, position);
  return TRUE;
}

/**
 * chorus_window_select_channel_by_id:
 * @self: a #ChorusWindow
 * @channel_id: a channel `_id`
 *
 * Opens the channel with the server id @channel_id, as a notification
 * does when clicked.
 *
 * Returns: %TRUE if the channel exists
 */
gboolean
chorus_window_select_channel_by_id (ChorusWindow *self,
                                    const char   *channel_id)
{
  guint n_items;

  g_return_val_if_fail (CHORUS_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (channel_id != NULL, FALSE);

  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->channels));
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(ChorusChannel) channel = g_list_model_get_item (G_LIST_MODEL (self->channels), i);

      if (g_strcmp0 (chorus_channel_get_id (channel), channel_id) == 0)
        {
          gtk_single_selection_set_selected (self->channel_selection, i);
          return TRUE;
        }
    }

  return FALSE;
}
