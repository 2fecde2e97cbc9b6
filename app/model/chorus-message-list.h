/* chorus-message-list.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "chorus-client.h"
#include "chorus-message.h"
#include "chorus-outbox.h"

G_BEGIN_DECLS

#define CHORUS_TYPE_MESSAGE_LIST (chorus_message_list_get_type ())

G_DECLARE_FINAL_TYPE (ChorusMessageList, chorus_message_list, CHORUS, MESSAGE_LIST, GObject)

ChorusMessageList *chorus_message_list_new         (ChorusOutbox      *outbox,
                                                    const char        *channel_id);
const char        *chorus_message_list_get_channel (ChorusMessageList *self);
gboolean           chorus_message_list_is_loading  (ChorusMessageList *self);
ChorusMessage     *chorus_message_list_send        (ChorusMessageList *self,
                                                    const char        *author,
                                                    const char        *body);
void               chorus_message_list_retry       (ChorusMessageList *self,
                                                    ChorusMessage     *message);
void               chorus_message_list_discard     (ChorusMessageList *self,
                                                    ChorusMessage     *message);

void               chorus_message_list_edit        (ChorusMessageList  *self,
                                                    ChorusMessage      *message,
                                                    const char         *body,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
void               chorus_message_list_remove      (ChorusMessageList  *self,
                                                    ChorusMessage      *message,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
gboolean           chorus_message_list_change_finish (ChorusMessageList *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);
gboolean           chorus_message_list_can_load_older (ChorusMessageList *self);
gboolean           chorus_message_list_load_older  (ChorusMessageList  *self);
ChorusMessage     *chorus_message_list_find_last_own (ChorusMessageList *self,
                                                    const char         *author);

G_END_DECLS
