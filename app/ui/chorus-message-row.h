/* chorus-message-row.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "chorus-message.h"

G_BEGIN_DECLS

#define CHORUS_TYPE_MESSAGE_ROW (chorus_message_row_get_type ())

G_DECLARE_FINAL_TYPE (ChorusMessageRow, chorus_message_row, CHORUS, MESSAGE_ROW, GtkWidget)

GtkWidget     *chorus_message_row_new         (void);
ChorusMessage *chorus_message_row_get_message (ChorusMessageRow *self);
void           chorus_message_row_set_message (ChorusMessageRow *self,
                                               ChorusMessage    *message);

void           chorus_message_row_set_own     (ChorusMessageRow *self,
                                               gboolean          own);

G_END_DECLS
