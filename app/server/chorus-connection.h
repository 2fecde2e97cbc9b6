/* chorus-connection.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "chorus-db.h"

G_BEGIN_DECLS

#define CHORUS_TYPE_CONNECTION (chorus_connection_get_type ())

G_DECLARE_FINAL_TYPE (ChorusConnection, chorus_connection, CHORUS, CONNECTION, GObject)

/*
 * One client's sync session on one WebSocket: its query set, its chain of
 * Transitions and its mutations. It emits ::committed with the dependency
 * keys a mutation wrote (see chorus-functions.h), so the server can refresh
 * the other connections, and ::closed once the socket has closed.
 */

ChorusConnection *chorus_connection_new         (SoupWebsocketConnection *ws,
                                                 ChorusDb                *db,
                                                 const char              *peer);
const char       *chorus_connection_get_peer    (ChorusConnection        *self);
void              chorus_connection_refresh     (ChorusConnection        *self,
                                                 GHashTable              *writes,
                                                 gboolean                 always_send);
void              chorus_connection_close       (ChorusConnection        *self,
                                                 gushort                  code,
                                                 const char              *reason);

G_END_DECLS
