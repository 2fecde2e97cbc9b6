/* chorus-window.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-window"

#include "config.h"

#include <glib/gi18n.h>

#include "chorus-channel-list.h"
#include "chorus-message-row.h"
#include "chorus-resources.h"
#include "chorus-window.h"

struct _ChorusWindow
{
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  AdwWindowTitle    *window_title;
  GtkRevealer       *offline_revealer;
  GtkListView       *channel_view;
  GtkScrolledWindow *message_scroller;
  GtkListView       *message_view;
  GtkTextView       *composer;
  GtkLabel          *composer_placeholder;

  /* Owned references */
  ChorusClient       *client;
  ChorusOutbox       *outbox;
  char               *author;
  ChorusChannelList  *channels;
  GtkSingleSelection *channel_selection;
  ChorusMessageList  *messages;

  /* The view follows new messages while it shows the newest one. */
  gboolean            stick_to_bottom;
};

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

static void
scroll_to_bottom (ChorusWindow *self)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->message_scroller);

  gtk_adjustment_set_value (adjustment,
                            gtk_adjustment_get_upper (adjustment) -
                            gtk_adjustment_get_page_size (adjustment));
}

static void
adjustment_value_changed_cb (ChorusWindow  *self,
                             GtkAdjustment *adjustment)
{
  double bottom = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);

  self->stick_to_bottom = gtk_adjustment_get_value (adjustment) >= bottom - 1;
}

static void
adjustment_bounds_changed_cb (ChorusWindow  *self,
                              GParamSpec    *pspec,
                              GtkAdjustment *adjustment)
{
  if (self->stick_to_bottom)
    scroll_to_bottom (self);
}

static void
message_retry_cb (ChorusWindow     *self,
                  ChorusMessage    *message,
                  ChorusMessageRow *row)
{
  if (self->messages != NULL)
    chorus_message_list_retry (self->messages, message);
}

static void
message_discard_cb (ChorusWindow     *self,
                    ChorusMessage    *message,
                    ChorusMessageRow *row)
{
  if (self->messages != NULL)
    chorus_message_list_discard (self->messages, message);
}

static void
setup_message_cb (ChorusWindow             *self,
                  GtkListItem              *item,
                  GtkSignalListItemFactory *factory)
{
  GtkWidget *row = chorus_message_row_new ();

  g_signal_connect_object (row, "retry", G_CALLBACK (message_retry_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (row, "discard", G_CALLBACK (message_discard_cb), self, G_CONNECT_SWAPPED);
  gtk_list_item_set_activatable (item, FALSE);
  gtk_list_item_set_selectable (item, FALSE);
  gtk_list_item_set_child (item, row);
}

static void
bind_message_cb (ChorusWindow             *self,
                 GtkListItem              *item,
                 GtkSignalListItemFactory *factory)
{
  chorus_message_row_set_message (CHORUS_MESSAGE_ROW (gtk_list_item_get_child (item)),
                                  gtk_list_item_get_item (item));
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

  g_clear_object (&self->messages);
  adw_window_title_set_subtitle (self->window_title, "");

  if (channel != NULL)
    {
      const char *name = chorus_channel_get_name (channel);
      g_autofree char *subtitle = g_strdup_printf ("# %s", name);
      /* Translators: the hint in the empty composer; %s is a channel name. */
      g_autofree char *placeholder = g_strdup_printf (_("Message #%s"), name);

      gtk_label_set_text (self->composer_placeholder, placeholder);

      self->messages = chorus_message_list_new (self->outbox, chorus_channel_get_id (channel));
      selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->messages)));
      adw_window_title_set_subtitle (self->window_title, subtitle);
    }

  self->stick_to_bottom = TRUE;
  gtk_list_view_set_model (self->message_view, GTK_SELECTION_MODEL (selection));
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

static char *
dup_composer_text (ChorusWindow *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->composer);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
send_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ChorusWindow *self = CHORUS_WINDOW (widget);
  g_autofree char *text = dup_composer_text (self);

  if (self->messages == NULL || *g_strstrip (text) == '\0')
    return;

  chorus_message_list_send (self->messages, self->author, text);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->composer), "", 0);
  self->stick_to_bottom = TRUE;
}

/* Enter sends; Shift+Enter falls through to the text view, which inserts
 * a newline. */
static gboolean
composer_key_pressed_cb (ChorusWindow          *self,
                         guint                  keyval,
                         guint                  keycode,
                         GdkModifierType        state,
                         GtkEventControllerKey *controller)
{
  if (keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter && keyval != GDK_KEY_ISO_Enter)
    return FALSE;

  if (state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK | GDK_ALT_MASK))
    return FALSE;

  gtk_widget_activate_action (GTK_WIDGET (self), "win.send", NULL);
  return TRUE;
}

static void
connection_state_changed_cb (ChorusWindow *self,
                             GParamSpec   *pspec,
                             ChorusClient *client)
{
  gboolean online = chorus_client_get_connection_state (client) == CHORUS_CONNECTION_CONNECTED;

  gtk_revealer_set_reveal_child (self->offline_revealer, !online);
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
composer_changed_cb (ChorusWindow  *self,
                     GtkTextBuffer *buffer)
{
  gtk_widget_set_visible (GTK_WIDGET (self->composer_placeholder),
                          gtk_text_buffer_get_char_count (buffer) == 0);
}

static void
setup_composer (ChorusWindow *self)
{
  GtkEventController *keys = gtk_event_controller_key_new ();

  g_signal_connect_object (gtk_text_view_get_buffer (self->composer), "changed",
                           G_CALLBACK (composer_changed_cb), self, G_CONNECT_SWAPPED);

  gtk_event_controller_set_name (keys, "composer-keys");
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_object (keys, "key-pressed",
                           G_CALLBACK (composer_key_pressed_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->composer), keys);
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

  self->channels = chorus_channel_list_new (self->client);
  self->channel_selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->channels)));
  gtk_list_view_set_model (self->channel_view, GTK_SELECTION_MODEL (self->channel_selection));
  g_signal_connect_object (self->channel_selection, "notify::selected-item",
                           G_CALLBACK (selected_channel_changed_cb), self, G_CONNECT_SWAPPED);
  selected_channel_changed_cb (self, NULL, self->channel_selection);

  g_signal_connect_object (self->client, "notify::connection-state",
                           G_CALLBACK (connection_state_changed_cb), self, G_CONNECT_SWAPPED);
  connection_state_changed_cb (self, NULL, self->client);
  gtk_widget_grab_focus (GTK_WIDGET (self->composer));
}

static void
chorus_window_dispose (GObject *object)
{
  ChorusWindow *self = CHORUS_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), CHORUS_TYPE_WINDOW);
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
chorus_window_class_init (ChorusWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = chorus_window_constructed;
  object_class->dispose = chorus_window_dispose;
  object_class->finalize = chorus_window_finalize;
  object_class->set_property = chorus_window_set_property;

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

  /* Referencing the bundle keeps the linker from dropping it out of the
   * static library; its constructor registers it before main(). */
  g_assert (chorus_get_resource () != NULL);

  g_type_ensure (CHORUS_TYPE_CHANNEL);
  gtk_widget_class_set_template_from_resource (widget_class, APP_PATH "ui/chorus-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ChorusWindow, channel_view);
  gtk_widget_class_bind_template_child (widget_class, ChorusWindow, composer);
  gtk_widget_class_bind_template_child (widget_class, ChorusWindow, composer_placeholder);
  gtk_widget_class_bind_template_child (widget_class, ChorusWindow, message_scroller);
  gtk_widget_class_bind_template_child (widget_class, ChorusWindow, message_view);
  gtk_widget_class_bind_template_child (widget_class, ChorusWindow, offline_revealer);
  gtk_widget_class_bind_template_child (widget_class, ChorusWindow, window_title);
  gtk_widget_class_bind_template_callback (widget_class, channel_title);

  gtk_widget_class_install_action (widget_class, "win.send", NULL, send_action);
}

static void
chorus_window_init (ChorusWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->stick_to_bottom = TRUE;
  setup_message_view (self);
  setup_composer (self);
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
