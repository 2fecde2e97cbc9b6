/* chorus-window.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "chorus-channel-list.h"
#include "chorus-client.h"
#include "chorus-message-list.h"

G_BEGIN_DECLS

#define CHORUS_TYPE_WINDOW (chorus_window_get_type ())

G_DECLARE_FINAL_TYPE (ChorusWindow, chorus_window, CHORUS, WINDOW, AdwApplicationWindow)

ChorusWindow      *chorus_window_new              (GtkApplication *application,
                                                   ChorusOutbox   *outbox,
                                                   const char     *author);
ChorusMessageList *chorus_window_get_message_list (ChorusWindow   *self);
GtkTextView       *chorus_window_get_composer     (ChorusWindow   *self);
ChorusChannelList *chorus_window_get_channels     (ChorusWindow   *self);
gboolean           chorus_window_select_channel   (ChorusWindow   *self,
                                                   const char     *name);
gboolean           chorus_window_select_channel_by_id (ChorusWindow *self,
                                                   const char     *channel_id);

G_END_DECLS
