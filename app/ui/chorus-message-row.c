/* chorus-message-row.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-message-row"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "chorus-message-row.h"

struct _ChorusMessageRow
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkLabel    *day_label;
  GtkWidget   *box;
  GtkWidget   *header_box;
  GtkWidget   *content_box;
  AdwAvatar   *avatar;
  GtkLabel    *author_label;
  GtkLabel    *time_label;
  GtkImage    *state_icon;
  GtkLabel    *body_label;
  GtkWidget   *failure_box;
  GtkLabel    *error_label;
  GtkWidget   *actions_button;

  /* Owned references */
  ChorusMessage *message;
  GSignalGroup  *message_signals;

  /* The user sent this message, so it may be edited or deleted. */
  gboolean       own;
};

enum {
  PROP_0,
  PROP_MESSAGE,
  N_PROPS
};

enum {
  RETRY,
  DISCARD,
  EDIT,
  DELETE,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (ChorusMessageRow, chorus_message_row, GTK_TYPE_WIDGET)

static GParamSpec *properties [N_PROPS];
static guint signals [N_SIGNALS];

/* Matches what people paste as links. The match stops before closing
 * punctuation that usually ends a sentence rather than the address. */
static const char link_pattern[] = "\\b(?:https?://|www\\.)[^\\s<>\"]*[^\\s<>\".,;:!?)\\]']";

static void
append_escaped (GString    *markup,
                const char *text,
                gssize      length)
{
  g_autofree char *escaped = g_markup_escape_text (text, length);

  g_string_append (markup, escaped);
}

static void
append_link (GString    *markup,
             const char *link,
             gssize      length)
{
  g_autofree char *escaped = g_markup_escape_text (link, length);

  g_string_append_printf (markup, "<a href=\"%s%s\">%s</a>",
                          g_str_has_prefix (escaped, "www.") ? "https://" : "",
                          escaped, escaped);
}

/*
 * Turns message text into Pango markup with clickable links. Every piece
 * of the text goes through g_markup_escape_text(), so nothing a sender
 * types is ever read as markup: the label shows the text as it was sent.
 */
static char *
build_body_markup (const char *text)
{
  static GRegex *links;
  g_autoptr(GMatchInfo) match = NULL;
  GString *markup = g_string_new (NULL);
  const char *rest = text;
  int start, end;

  if (g_once_init_enter (&links))
    g_once_init_leave (&links, g_regex_new (link_pattern, G_REGEX_OPTIMIZE, 0, NULL));

  g_regex_match (links, text, 0, &match);
  for (; g_match_info_matches (match); g_match_info_next (match, NULL))
    {
      g_match_info_fetch_pos (match, 0, &start, &end);
      append_escaped (markup, rest, text + start - rest);
      append_link (markup, text + start, end - start);
      rest = text + end;
    }
  append_escaped (markup, rest, -1);

  return g_string_free (markup, FALSE);
}

static char *
format_time (gint64 created_ms)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (created_ms / 1000);

  if (time == NULL)
    return g_strdup ("");

  /* Translators: the time a message was sent, as g_date_time_format()
   * takes it. */
  return g_date_time_format (time, _("%H:%M"));
}

static void
set_css_class (GtkWidget  *widget,
               const char *css_class,
               gboolean    enabled)
{
  if (enabled)
    gtk_widget_add_css_class (widget, css_class);
  else
    gtk_widget_remove_css_class (widget, css_class);
}

static void
update_state (ChorusMessageRow *self)
{
  ChorusMessageState state = chorus_message_get_state (self->message);
  gboolean pending = state == CHORUS_MESSAGE_PENDING;
  gboolean failed = state == CHORUS_MESSAGE_FAILED;
  const char *tooltip = NULL;

  if (pending)
    tooltip = _("Sending…");
  else if (failed)
    tooltip = _("Not sent");

  gtk_image_set_from_icon_name (self->state_icon,
                                failed ? "dialog-error-symbolic" : "content-loading-symbolic");
  gtk_widget_set_visible (GTK_WIDGET (self->state_icon), pending || failed);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->state_icon), tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->state_icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip ? tooltip : "",
                                  -1);

  gtk_widget_set_visible (self->failure_box, failed);
  gtk_label_set_text (self->error_label,
                      chorus_message_get_error (self->message) ?: "");

  set_css_class (GTK_WIDGET (self->body_label), "dim-label", pending);
  set_css_class (GTK_WIDGET (self), "pending", pending);
  set_css_class (GTK_WIDGET (self), "failed", failed);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "message.retry", failed);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "message.discard", failed);
  gtk_widget_set_visible (self->actions_button,
                          self->own && state == CHORUS_MESSAGE_CONFIRMED);
}

static char *
format_day (gint64 created_ms)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (created_ms / 1000);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) today = NULL;
  GTimeSpan since_midnight;

  if (time == NULL || now == NULL)
    return g_strdup ("");

  today = g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                                 g_date_time_get_day_of_month (now), 0, 0, 0);
  since_midnight = g_date_time_difference (time, today);

  if (since_midnight >= 0)
    return g_strdup (_("Today"));
  if (since_midnight >= -G_TIME_SPAN_DAY)
    return g_strdup (_("Yesterday"));
  if (g_date_time_get_year (time) == g_date_time_get_year (now))
    /* Translators: a date line above the messages of a day this year,
     * as g_date_time_format() takes it. */
    return g_date_time_format (time, _("%A, %e %B"));

  /* Translators: a date line above the messages of a day in another
   * year, as g_date_time_format() takes it. */
  return g_date_time_format (time, _("%e %B %Y"));
}

/* Messages after the first of a group hide the author and avatar, as a
 * run of lines by one person reads in Fractal and Chatty. */
static void
update_position (ChorusMessageRow *self)
{
  gboolean starts_group = chorus_message_get_starts_group (self->message);
  gboolean starts_day = chorus_message_get_starts_day (self->message);
  g_autofree char *day = NULL;

  gtk_widget_set_visible (self->header_box, starts_group);

  /* A hidden avatar would still make a one-line row as tall as itself,
   * so it goes, and the text keeps its column by a margin instead. */
  gtk_widget_set_visible (GTK_WIDGET (self->avatar), starts_group);
  gtk_widget_set_margin_start (self->content_box,
                               starts_group ? 0 : adw_avatar_get_size (self->avatar) +
                                                  gtk_box_get_spacing (GTK_BOX (self->box)));
  gtk_widget_set_margin_top (self->box, starts_group ? 8 : 0);

  gtk_widget_set_visible (GTK_WIDGET (self->day_label), starts_day);
  if (starts_day)
    {
      day = format_day (chorus_message_get_created (self->message));
      gtk_label_set_text (self->day_label, day);
    }
}

static void
update_content (ChorusMessageRow *self)
{
  g_autofree char *time = format_time (chorus_message_get_created (self->message));
  const char *author = chorus_message_get_author (self->message);
  g_autofree char *body = NULL;

  /* Author names are plain text; the body is escaped markup with links. */
  gtk_label_set_text (self->author_label, author ?: "");
  body = build_body_markup (chorus_message_get_body (self->message) ?: "");

  /* The mark goes on the text, not the header, which grouped rows hide. */
  if (chorus_message_get_edited (self->message))
    {
      g_autofree char *edited = g_markup_printf_escaped (" <span size='smaller' alpha='60%%'>%s</span>",
                                                         _("(edited)"));
      g_autofree char *plain = g_steal_pointer (&body);

      body = g_strconcat (plain, edited, NULL);
    }
  gtk_label_set_markup (self->body_label, body);
  gtk_label_set_text (self->time_label, time);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->body_label), time);
  adw_avatar_set_text (self->avatar, author);
  update_position (self);
}

static void
message_notify_cb (ChorusMessageRow *self,
                   GParamSpec       *pspec,
                   ChorusMessage    *message)
{
  g_assert (CHORUS_IS_MESSAGE_ROW (self));

  if (g_strcmp0 (pspec->name, "state") == 0 || g_strcmp0 (pspec->name, "error") == 0)
    update_state (self);
  else if (g_str_has_prefix (pspec->name, "starts-"))
    update_position (self);
  else
    update_content (self);
}

static void
retry_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  ChorusMessageRow *self = CHORUS_MESSAGE_ROW (widget);

  if (self->message != NULL)
    g_signal_emit (self, signals[RETRY], 0, self->message);
}

static void
discard_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  ChorusMessageRow *self = CHORUS_MESSAGE_ROW (widget);

  if (self->message != NULL)
    g_signal_emit (self, signals[DISCARD], 0, self->message);
}

static void
emit_for_message (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  ChorusMessageRow *self = CHORUS_MESSAGE_ROW (widget);
  guint signal_id = g_str_equal (action_name, "message.edit") ? signals[EDIT] : signals[DELETE];

  if (self->message != NULL)
    g_signal_emit (self, signal_id, 0, self->message);
}

static void
chorus_message_row_dispose (GObject *object)
{
  ChorusMessageRow *self = CHORUS_MESSAGE_ROW (object);

  GtkWidget *child;

  g_clear_object (&self->message_signals);
  g_clear_object (&self->message);
  gtk_widget_dispose_template (GTK_WIDGET (self), CHORUS_TYPE_MESSAGE_ROW);

  /* GTK 4.8 disposes only the template children bound by name. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (chorus_message_row_parent_class)->dispose (object);
}

static void
chorus_message_row_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ChorusMessageRow *self = CHORUS_MESSAGE_ROW (object);

  switch (prop_id)
    {
    case PROP_MESSAGE:
      g_value_set_object (value, self->message);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chorus_message_row_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ChorusMessageRow *self = CHORUS_MESSAGE_ROW (object);

  switch (prop_id)
    {
    case PROP_MESSAGE:
      chorus_message_row_set_message (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chorus_message_row_class_init (ChorusMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chorus_message_row_dispose;
  object_class->get_property = chorus_message_row_get_property;
  object_class->set_property = chorus_message_row_set_property;

  properties[PROP_MESSAGE] =
    g_param_spec_object ("message", NULL, NULL,
                         CHORUS_TYPE_MESSAGE,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ChorusMessageRow::retry:
   * @message: the failed message
   *
   * Emitted when the user asks to send a failed message again.
   */
  signals[RETRY] = g_signal_new ("retry",
                                 G_TYPE_FROM_CLASS (klass),
                                 G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL,
                                 G_TYPE_NONE, 1, CHORUS_TYPE_MESSAGE);

  /**
   * ChorusMessageRow::discard:
   * @message: the failed message
   *
   * Emitted when the user asks to drop a failed message.
   */
  signals[DISCARD] = g_signal_new ("discard",
                                   G_TYPE_FROM_CLASS (klass),
                                   G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 1, CHORUS_TYPE_MESSAGE);

  /**
   * ChorusMessageRow::edit:
   * @message: the user's own message
   *
   * Emitted when the user asks to change the text of the message.
   */
  signals[EDIT] = g_signal_new ("edit",
                                G_TYPE_FROM_CLASS (klass),
                                G_SIGNAL_RUN_LAST,
                                0, NULL, NULL, NULL,
                                G_TYPE_NONE, 1, CHORUS_TYPE_MESSAGE);

  /**
   * ChorusMessageRow::delete:
   * @message: the user's own message
   *
   * Emitted when the user asks to delete the message.
   */
  signals[DELETE] = g_signal_new ("delete",
                                  G_TYPE_FROM_CLASS (klass),
                                  G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL,
                                  G_TYPE_NONE, 1, CHORUS_TYPE_MESSAGE);

  g_type_ensure (ADW_TYPE_AVATAR);
  gtk_widget_class_set_template_from_resource (widget_class, APP_PATH "ui/chorus-message-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ChorusMessageRow, author_label);
  gtk_widget_class_bind_template_child (widget_class, ChorusMessageRow, avatar);
  gtk_widget_class_bind_template_child (widget_class, ChorusMessageRow, body_label);
  gtk_widget_class_bind_template_child (widget_class, ChorusMessageRow, box);
  gtk_widget_class_bind_template_child (widget_class, ChorusMessageRow, content_box);
  gtk_widget_class_bind_template_child (widget_class, ChorusMessageRow, day_label);
  gtk_widget_class_bind_template_child (widget_class, ChorusMessageRow, actions_button);
  gtk_widget_class_bind_template_child (widget_class, ChorusMessageRow, error_label);
  gtk_widget_class_bind_template_child (widget_class, ChorusMessageRow, failure_box);
  gtk_widget_class_bind_template_child (widget_class, ChorusMessageRow, header_box);
  gtk_widget_class_bind_template_child (widget_class, ChorusMessageRow, state_icon);
  gtk_widget_class_bind_template_child (widget_class, ChorusMessageRow, time_label);

  gtk_widget_class_install_action (widget_class, "message.retry", NULL, retry_action);
  gtk_widget_class_install_action (widget_class, "message.discard", NULL, discard_action);
  gtk_widget_class_install_action (widget_class, "message.edit", NULL, emit_for_message);
  gtk_widget_class_install_action (widget_class, "message.delete", NULL, emit_for_message);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "messagerow");
}

static void
chorus_message_row_init (ChorusMessageRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->message_signals = g_signal_group_new (CHORUS_TYPE_MESSAGE);
  g_signal_group_connect_object (self->message_signals, "notify",
                                 G_CALLBACK (message_notify_cb), self,
                                 G_CONNECT_SWAPPED);
}

GtkWidget *
chorus_message_row_new (void)
{
  return g_object_new (CHORUS_TYPE_MESSAGE_ROW, NULL);
}

ChorusMessage *
chorus_message_row_get_message (ChorusMessageRow *self)
{
  g_return_val_if_fail (CHORUS_IS_MESSAGE_ROW (self), NULL);

  return self->message;
}

void
chorus_message_row_set_message (ChorusMessageRow *self,
                                ChorusMessage    *message)
{
  g_return_if_fail (CHORUS_IS_MESSAGE_ROW (self));
  g_return_if_fail (!message || CHORUS_IS_MESSAGE (message));

  if (!g_set_object (&self->message, message))
    return;

  g_signal_group_set_target (self->message_signals, message);
  if (message != NULL)
    {
      update_content (self);
      update_state (self);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
}

/**
 * chorus_message_row_set_own:
 * @self: a #ChorusMessageRow
 * @own: whether the user sent the message
 *
 * Offers Edit and Delete on the user's own confirmed messages.
 */
void
chorus_message_row_set_own (ChorusMessageRow *self,
                            gboolean          own)
{
  g_return_if_fail (CHORUS_IS_MESSAGE_ROW (self));

  self->own = !!own;
  if (self->message != NULL)
    update_state (self);
}
