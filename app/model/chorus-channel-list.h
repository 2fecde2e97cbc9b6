/* chorus-channel-list.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "chorus-channel.h"
#include "chorus-client.h"

G_BEGIN_DECLS

#define CHORUS_TYPE_CHANNEL_LIST (chorus_channel_list_get_type ())

G_DECLARE_FINAL_TYPE (ChorusChannelList, chorus_channel_list, CHORUS, CHANNEL_LIST, GObject)

ChorusChannelList *chorus_channel_list_new          (ChorusClient      *client);
ChorusChannel     *chorus_channel_list_find_by_name (ChorusChannelList *self,
                                                     const char        *name,
                                                     guint             *position);

void               chorus_channel_list_set_own_author (ChorusChannelList *self,
                                                       const char        *author);
void               chorus_channel_list_mark_read      (ChorusChannelList *self,
                                                       ChorusChannel     *channel);
gint64             chorus_channel_list_get_last_read  (ChorusChannelList *self,
                                                       const char        *channel_id);
void               chorus_channel_list_set_last_read  (ChorusChannelList *self,
                                                       const char        *channel_id,
                                                       gint64             last_read);

G_END_DECLS
