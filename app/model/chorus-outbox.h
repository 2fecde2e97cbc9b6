/* chorus-outbox.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "chorus-client.h"
#include "chorus-message.h"

G_BEGIN_DECLS

#define CHORUS_OUTBOX_ERROR (chorus_outbox_error_quark ())

typedef enum
{
  CHORUS_OUTBOX_ERROR_DATABASE,
} ChorusOutboxError;

#define CHORUS_TYPE_OUTBOX (chorus_outbox_get_type ())

G_DECLARE_FINAL_TYPE (ChorusOutbox, chorus_outbox, CHORUS, OUTBOX, GObject)

GQuark         chorus_outbox_error_quark  (void);

ChorusOutbox  *chorus_outbox_new          (ChorusClient  *client,
                                           const char    *path,
                                           GError       **error);
ChorusClient  *chorus_outbox_get_client   (ChorusOutbox  *self);
GPtrArray     *chorus_outbox_get_messages (ChorusOutbox  *self);
ChorusMessage *chorus_outbox_send         (ChorusOutbox  *self,
                                           const char    *channel,
                                           const char    *author,
                                           const char    *body);
gboolean       chorus_outbox_retry        (ChorusOutbox  *self,
                                           ChorusMessage *message);
gboolean       chorus_outbox_discard      (ChorusOutbox  *self,
                                           ChorusMessage *message);

G_END_DECLS
