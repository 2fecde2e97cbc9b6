/* chorus-subscription.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define CHORUS_TYPE_SUBSCRIPTION (chorus_subscription_get_type ())

G_DECLARE_FINAL_TYPE (ChorusSubscription, chorus_subscription, CHORUS, SUBSCRIPTION, GObject)

/*
 * One holder's interest in a query. Subscriptions to the same canonical
 * (udfPath, args) share one server query; the last one to be finalized
 * removes it. A subscription keeps its client alive.
 *
 * The "changed" signal is emitted when the visible value (server result
 * plus optimistic updates) of the query changed by value, including a
 * change to loading or to an error.
 */

const char *chorus_subscription_get_udf_path (ChorusSubscription *self);
JsonNode   *chorus_subscription_get_args     (ChorusSubscription *self);
JsonNode   *chorus_subscription_get_value    (ChorusSubscription *self);
const GError *chorus_subscription_get_error  (ChorusSubscription *self);
gboolean    chorus_subscription_is_loading   (ChorusSubscription *self);

G_END_DECLS
