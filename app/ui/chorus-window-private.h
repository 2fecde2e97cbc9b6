/* chorus-window-private.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "chorus-channel-list.h"
#include "chorus-window.h"

G_BEGIN_DECLS

struct _ChorusWindow
{
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  AdwToastOverlay   *toast_overlay;
  AdwWindowTitle    *window_title;
  GtkRevealer       *offline_revealer;
  GtkLabel          *offline_label;
  GtkSearchEntry    *channel_search;
  GtkListView       *channel_view;
  GtkPopover        *new_channel_popover;
  GtkEntry          *new_channel_entry;
  GtkLabel          *new_channel_hint;
  GtkScrolledWindow *message_scroller;
  GtkListView       *message_view;
  AdwStatusPage     *empty_page;
  GtkWidget         *jump_button;
  GtkLabel          *jump_label;
  GtkRevealer       *editing_revealer;
  GtkMenuButton     *emoji_button;
  GtkTextView       *composer;
  GtkLabel          *composer_placeholder;

  /* Owned references */
  ChorusClient       *client;
  ChorusOutbox       *outbox;
  char               *author;
  ChorusChannelList  *channels;
  GtkSingleSelection *channel_selection;
  ChorusMessageList  *messages;
  GHashTable         *drafts;           /* channel id → composer text */
  ChorusMessage      *editing;          /* the message the composer changes */
  GSettings          *settings;
  GSignalGroup       *channel_signals;  /* of the open channel */

  /* The view follows new messages while it shows the newest one. */
  gboolean            stick_to_bottom;
  guint               unseen_count;
  gulong              follow_handler;   /* after-paint handler that follows the newest row */
  gboolean            list_changed;     /* since follow_handler last ran */
  gboolean            auto_scrolling;
  gboolean            auth_rejected;
};

void _chorus_window_class_add_composer (GtkWidgetClass *widget_class);
void _chorus_window_setup_composer     (ChorusWindow   *self);
void _chorus_window_switch_draft       (ChorusWindow   *self,
                                        const char     *old_channel_id,
                                        ChorusChannel  *channel);
void _chorus_window_show_toast         (ChorusWindow   *self,
                                        const char     *text);
void _chorus_window_start_edit         (ChorusWindow   *self,
                                        ChorusMessage  *message);
void _chorus_window_cancel_edit        (ChorusWindow   *self);
void _chorus_window_delete_message     (ChorusWindow   *self,
                                        ChorusMessage  *message);

G_END_DECLS
