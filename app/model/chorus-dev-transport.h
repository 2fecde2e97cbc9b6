/* chorus-dev-transport.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "chorus-transport.h"

G_BEGIN_DECLS

#define CHORUS_TYPE_DEV_TRANSPORT (chorus_dev_transport_get_type ())

G_DECLARE_FINAL_TYPE (ChorusDevTransport, chorus_dev_transport, CHORUS, DEV_TRANSPORT, GObject)

ChorusDevTransport *chorus_dev_transport_new                (ChorusTransport    *inner);
guint               chorus_dev_transport_get_latency        (ChorusDevTransport *self);
void                chorus_dev_transport_set_latency        (ChorusDevTransport *self,
                                                             guint               latency_ms);
gboolean            chorus_dev_transport_get_offline        (ChorusDevTransport *self);
void                chorus_dev_transport_set_offline        (ChorusDevTransport *self,
                                                             gboolean            offline);
gboolean            chorus_dev_transport_get_fail_next_send (ChorusDevTransport *self);
void                chorus_dev_transport_set_fail_next_send (ChorusDevTransport *self,
                                                             gboolean            fail_next_send);

G_END_DECLS
