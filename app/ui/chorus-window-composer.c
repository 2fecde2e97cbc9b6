/* chorus-window-composer.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-window-composer"

#include "config.h"

#include <glib/gi18n.h>

#include "chorus-window-private.h"

/*
 * The composer at the bottom of the window: Enter sends, Shift+Enter adds
 * a line, the emoji button inserts at the cursor, and each channel keeps
 * its own unsent draft while the window is open.
 */

static char *
dup_composer_text (ChorusWindow *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->composer);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);

  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
set_composer_text (ChorusWindow *self,
                   const char   *text)
{
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->composer), text ?: "", -1);
}

static void
change_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ChorusWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (chorus_message_list_change_finish (CHORUS_MESSAGE_LIST (object), result, &error))
    return;

  text = g_strdup_printf (_("Could not change the message: %s"), error->message);
  _chorus_window_show_toast (self, text);
}

void
_chorus_window_start_edit (ChorusWindow  *self,
                           ChorusMessage *message)
{
  g_set_object (&self->editing, message);
  set_composer_text (self, chorus_message_get_body (message));
  gtk_revealer_set_reveal_child (self->editing_revealer, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->composer));
}

void
_chorus_window_cancel_edit (ChorusWindow *self)
{
  if (self->editing == NULL)
    return;

  g_clear_object (&self->editing);
  set_composer_text (self, "");
  gtk_revealer_set_reveal_child (self->editing_revealer, FALSE);
}

void
_chorus_window_delete_message (ChorusWindow  *self,
                               ChorusMessage *message)
{
  if (self->messages == NULL || chorus_message_get_state (message) != CHORUS_MESSAGE_CONFIRMED)
    return;

  /* The focused row goes away; without this, focus lands in the next
   * row's text and selects all of it. */
  gtk_widget_grab_focus (GTK_WIDGET (self->composer));
  chorus_message_list_remove (self->messages, message, change_cb, g_object_ref (self));
}

static void
finish_edit (ChorusWindow *self,
             const char   *text)
{
  g_autoptr(ChorusMessage) message = g_steal_pointer (&self->editing);

  gtk_revealer_set_reveal_child (self->editing_revealer, FALSE);
  set_composer_text (self, "");

  if (g_strcmp0 (text, chorus_message_get_body (message)) != 0 &&
      chorus_message_get_state (message) == CHORUS_MESSAGE_CONFIRMED)
    chorus_message_list_edit (self->messages, message, text, change_cb, g_object_ref (self));
}

/* chorus-server's limit on a message body, in characters. Checking it
 * here keeps an overlong message in the composer, where it can be
 * shortened, instead of failing in the list where Retry cannot help. */
#define MAX_BODY_LENGTH 4000

static gboolean
check_length (ChorusWindow *self,
              const char   *text)
{
  glong length = g_utf8_strlen (text, -1);
  g_autofree char *message = NULL;

  if (length <= MAX_BODY_LENGTH)
    return TRUE;

  /* Translators: %d is the limit, %ld how long the message is. */
  message = g_strdup_printf (_("Messages can be at most %d characters long; this one has %ld."),
                             MAX_BODY_LENGTH, length);
  _chorus_window_show_toast (self, message);
  return FALSE;
}

static void
send_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ChorusWindow *self = CHORUS_WINDOW (widget);
  g_autofree char *text = dup_composer_text (self);

  /* Leading and trailing blank lines are typing noise; inner ones stay. */
  if (self->messages == NULL || *g_strstrip (text) == '\0' || !check_length (self, text))
    return;

  if (self->editing != NULL)
    {
      finish_edit (self, text);
      return;
    }

  chorus_message_list_send (self->messages, self->author, text);
  set_composer_text (self, "");

  /* Sending from history goes back to the conversation. */
  gtk_widget_activate_action (GTK_WIDGET (self), "win.jump-to-latest", NULL);
}

static void
cancel_edit_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  _chorus_window_cancel_edit (CHORUS_WINDOW (widget));
}

/* Up in an empty composer edits the user's last message, as in most
 * chat apps. */
static gboolean
edit_last_message (ChorusWindow *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->composer);
  ChorusMessage *message;

  if (self->messages == NULL || gtk_text_buffer_get_char_count (buffer) > 0)
    return FALSE;

  message = chorus_message_list_find_last_own (self->messages, self->author);
  if (message == NULL)
    return FALSE;

  _chorus_window_start_edit (self, message);
  return TRUE;
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
  if (keyval == GDK_KEY_Up && state == 0)
    return edit_last_message (self);

  if (keyval == GDK_KEY_Escape && self->editing != NULL)
    {
      _chorus_window_cancel_edit (self);
      return TRUE;
    }

  if (keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter && keyval != GDK_KEY_ISO_Enter)
    return FALSE;

  if (state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK | GDK_ALT_MASK))
    return FALSE;

  gtk_widget_activate_action (GTK_WIDGET (self), "win.send", NULL);
  return TRUE;
}

static void
composer_changed_cb (ChorusWindow  *self,
                     GtkTextBuffer *buffer)
{
  gtk_widget_set_visible (GTK_WIDGET (self->composer_placeholder),
                          gtk_text_buffer_get_char_count (buffer) == 0);
}

static void
emoji_picked_cb (ChorusWindow *self,
                 const char   *emoji)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->composer);

  gtk_text_buffer_insert_at_cursor (buffer, emoji, -1);
  gtk_widget_grab_focus (GTK_WIDGET (self->composer));
}

void
_chorus_window_switch_draft (ChorusWindow  *self,
                             const char    *old_channel_id,
                             ChorusChannel *channel)
{
  g_autofree char *text = dup_composer_text (self);
  g_autofree char *placeholder = NULL;

  /* An edit belongs to its channel; switching away abandons it. */
  if (self->editing != NULL)
    {
      g_clear_pointer (&text, g_free);
      _chorus_window_cancel_edit (self);
    }

  if (old_channel_id != NULL && text != NULL)
    g_hash_table_insert (self->drafts, g_strdup (old_channel_id), g_steal_pointer (&text));

  if (channel == NULL)
    return;

  set_composer_text (self, g_hash_table_lookup (self->drafts, chorus_channel_get_id (channel)));

  /* Translators: the hint in the empty composer; the first %s is a
   * channel name, the second the name the user sends as. */
  placeholder = g_strdup_printf (_("Message #%s as %s"), chorus_channel_get_name (channel), self->author);
  gtk_label_set_text (self->composer_placeholder, placeholder);
}

void
_chorus_window_setup_composer (ChorusWindow *self)
{
  GtkEventController *keys = gtk_event_controller_key_new ();

  self->drafts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_signal_connect_object (gtk_text_view_get_buffer (self->composer), "changed",
                           G_CALLBACK (composer_changed_cb), self, G_CONNECT_SWAPPED);

  gtk_event_controller_set_name (keys, "composer-keys");
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_object (keys, "key-pressed",
                           G_CALLBACK (composer_key_pressed_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->composer), keys);
}

void
_chorus_window_class_add_composer (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback (widget_class, emoji_picked_cb);
  gtk_widget_class_install_action (widget_class, "win.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-edit", NULL, cancel_edit_action);
}
