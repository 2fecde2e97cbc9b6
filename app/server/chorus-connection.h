/* chorus-connection.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "chorus-db.h"
#include "chorus-tokens.h"

G_BEGIN_DECLS

/*
 * Settings shared by the server's connections. The server owns them and
 * connections read them on every use, so a change applies at once.
 *
 * max_outbound_bytes bounds the bytes queued for a client that reads too
 * slowly; past it the connection is closed. Mutations are limited by a
 * token bucket of mutation_burst mutations that refills at mutation_rate
 * per second. A Transition longer than chunk_size bytes goes out as
 * TransitionChunk frames. With tokens set, clients have to authenticate.
 */
typedef struct
{
  guint         ping_interval_ms;
  gsize         max_incoming_bytes;
  gsize         max_outbound_bytes;
  double        mutation_rate;
  double        mutation_burst;
  gsize         chunk_size;
  ChorusTokens *tokens;
} ChorusConnectionConfig;

#define CHORUS_TYPE_CONNECTION (chorus_connection_get_type ())

G_DECLARE_FINAL_TYPE (ChorusConnection, chorus_connection, CHORUS, CONNECTION, GObject)

/*
 * One client's sync session on one WebSocket: its query set, its chain of
 * Transitions and its mutations. It emits ::committed with the dependency
 * keys a mutation wrote (see chorus-functions.h), so the server can refresh
 * the other connections, and ::closed once the socket has closed.
 */

ChorusConnection *chorus_connection_new         (SoupWebsocketConnection      *ws,
                                                 GSocket                      *socket,
                                                 ChorusDb                     *db,
                                                 const ChorusConnectionConfig *config,
                                                 const char                   *peer);
const char       *chorus_connection_get_peer    (ChorusConnection             *self);
void              chorus_connection_refresh     (ChorusConnection             *self,
                                                 GHashTable                   *writes,
                                                 GHashTable                   *cache,
                                                 gboolean                      always_send);
void              chorus_connection_close       (ChorusConnection             *self,
                                                 gushort                       code,
                                                 const char                   *reason);
GHashTable       *chorus_connection_cache_new   (void);

G_END_DECLS
