/* chorus-fake-transport.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "chorus-transport.h"

G_BEGIN_DECLS

#define CHORUS_TYPE_FAKE_TRANSPORT (chorus_fake_transport_get_type ())

G_DECLARE_FINAL_TYPE (ChorusFakeTransport, chorus_fake_transport, CHORUS, FAKE_TRANSPORT, GObject)

/*
 * A scripted transport for tests. open() only records the request, and
 * the test decides when the socket opens (accept), what arrives (deliver)
 * and when the server closes it (drop). Every frame sent while open is kept.
 */

ChorusFakeTransport *chorus_fake_transport_new              (void);

void                 chorus_fake_transport_accept           (ChorusFakeTransport *self);
void                 chorus_fake_transport_deliver          (ChorusFakeTransport *self,
                                                             const char          *text);
void                 chorus_fake_transport_drop             (ChorusFakeTransport *self,
                                                             const char          *reason);
void                 chorus_fake_transport_drop_with_code   (ChorusFakeTransport *self,
                                                             guint                code,
                                                             const char          *reason);

gboolean             chorus_fake_transport_is_open          (ChorusFakeTransport *self);
gboolean             chorus_fake_transport_is_opening       (ChorusFakeTransport *self);
guint                chorus_fake_transport_get_open_count   (ChorusFakeTransport *self);
const char          *chorus_fake_transport_get_close_reason (ChorusFakeTransport *self);
void                 chorus_fake_transport_set_fail_sends   (ChorusFakeTransport *self,
                                                             gboolean             fail_sends);

GPtrArray           *chorus_fake_transport_get_sent         (ChorusFakeTransport *self);
GPtrArray           *chorus_fake_transport_take_sent        (ChorusFakeTransport *self);
JsonNode            *chorus_fake_transport_parse_sent       (ChorusFakeTransport *self,
                                                             guint                index);

G_END_DECLS
