/* chorus-message.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  CHORUS_MESSAGE_PENDING,
  CHORUS_MESSAGE_CONFIRMED,
  CHORUS_MESSAGE_FAILED,
} ChorusMessageState;

#define CHORUS_TYPE_MESSAGE_STATE (chorus_message_state_get_type ())
#define CHORUS_TYPE_MESSAGE (chorus_message_get_type ())

GType chorus_message_state_get_type (void);

G_DECLARE_FINAL_TYPE (ChorusMessage, chorus_message, CHORUS, MESSAGE, GObject)

ChorusMessage      *chorus_message_new_from_json  (JsonObject    *object);
gboolean            chorus_message_update_from_json (ChorusMessage *self,
                                                   JsonObject    *object);

const char         *chorus_message_get_id         (ChorusMessage *self);
const char         *chorus_message_get_client_id  (ChorusMessage *self);
const char         *chorus_message_get_channel    (ChorusMessage *self);
const char         *chorus_message_get_author     (ChorusMessage *self);
const char         *chorus_message_get_body       (ChorusMessage *self);
gint64              chorus_message_get_created    (ChorusMessage *self);
ChorusMessageState  chorus_message_get_state      (ChorusMessage *self);
void                chorus_message_set_state      (ChorusMessage *self,
                                                   ChorusMessageState state);
const char         *chorus_message_get_error      (ChorusMessage *self);
void                chorus_message_set_error      (ChorusMessage *self,
                                                   const char    *error);
const char         *chorus_message_get_key        (ChorusMessage *self);
gboolean            chorus_message_get_edited     (ChorusMessage *self);
gboolean            chorus_message_get_starts_group (ChorusMessage *self);
gboolean            chorus_message_get_starts_day (ChorusMessage *self);
void                chorus_message_set_position_flags (ChorusMessage *self,
                                                   gboolean       starts_group,
                                                   gboolean       starts_day);

G_END_DECLS
