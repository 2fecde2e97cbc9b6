/* chorus-channel.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define CHORUS_TYPE_CHANNEL (chorus_channel_get_type ())

G_DECLARE_FINAL_TYPE (ChorusChannel, chorus_channel, CHORUS, CHANNEL, GObject)

ChorusChannel *chorus_channel_new_from_json    (JsonObject    *object);
void           chorus_channel_update_from_json (ChorusChannel *self,
                                                JsonObject    *object);
const char    *chorus_channel_get_id           (ChorusChannel *self);
const char    *chorus_channel_get_name         (ChorusChannel *self);
char          *chorus_channel_name_from_text   (const char    *text);
guint          chorus_channel_get_unread_count (ChorusChannel *self);
void           chorus_channel_set_unread_count (ChorusChannel *self,
                                                guint          unread_count);

G_END_DECLS
