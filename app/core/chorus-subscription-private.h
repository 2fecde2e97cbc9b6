/* chorus-subscription-private.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "chorus-client.h"
#include "chorus-subscription.h"

G_BEGIN_DECLS

ChorusSubscription *_chorus_subscription_new          (ChorusClient       *client,
                                                       const char         *token,
                                                       const char         *udf_path,
                                                       JsonNode           *args);
const char         *_chorus_subscription_get_token    (ChorusSubscription *self);
gboolean            _chorus_subscription_update       (ChorusSubscription *self,
                                                       JsonNode           *value,
                                                       const GError       *error);
void                _chorus_subscription_emit_changed (ChorusSubscription *self);

G_END_DECLS
