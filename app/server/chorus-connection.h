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
typedef struct _ChorusRefreshCache ChorusRefreshCache;

typedef struct
{
  guint         ping_interval_ms;
  gsize         max_incoming_bytes;
  gsize         max_outbound_bytes;
  double        mutation_rate;
  double        mutation_burst;
  gsize         chunk_size;
  ChorusTokens *tokens;
  /* Query results at the newest commit. The refresh after a commit and
   * every query added until the next one share them. */
  ChorusRefreshCache *results;
} ChorusConnectionConfig;

typedef struct _ChorusPendingMutation ChorusPendingMutation;

#define CHORUS_TYPE_CONNECTION (chorus_connection_get_type ())

G_DECLARE_FINAL_TYPE (ChorusConnection, chorus_connection, CHORUS, CONNECTION, GObject)

/*
 * One client's sync session on one WebSocket: its query set, its chain of
 * Transitions and its mutations. It emits ::mutation-queued with each
 * mutation, which the server commits in a group with the mutations of
 * other connections (see chorus_connection_run_mutation()), ::flush-needed
 * when a frame has to wait for those commits, and ::closed once the socket
 * has closed.
 */

ChorusConnection *chorus_connection_new         (SoupWebsocketConnection      *ws,
                                                 GSocket                      *socket,
                                                 ChorusDb                     *db,
                                                 const ChorusConnectionConfig *config,
                                                 const char                   *peer);
const char       *chorus_connection_get_peer    (ChorusConnection             *self);
void              chorus_connection_refresh     (ChorusConnection             *self,
                                                 GHashTable                   *writes,
                                                 ChorusRefreshCache           *cache,
                                                 gboolean                      always_send);
void              chorus_connection_close       (ChorusConnection             *self,
                                                 gushort                       code,
                                                 const char                   *reason);

ChorusRefreshCache *chorus_refresh_cache_new    (void);
void                chorus_refresh_cache_renew  (ChorusRefreshCache    *cache,
                                                 guint64                ts);
void                chorus_refresh_cache_free   (ChorusRefreshCache    *cache);

ChorusConnection *chorus_pending_mutation_get_connection (ChorusPendingMutation *pending);
GHashTable       *chorus_pending_mutation_get_writes     (ChorusPendingMutation *pending);
gboolean          chorus_pending_mutation_succeeded      (ChorusPendingMutation *pending);
void              chorus_pending_mutation_fail           (ChorusPendingMutation *pending,
                                                          const GError          *error);
void              chorus_pending_mutation_free           (ChorusPendingMutation *pending);
void              chorus_connection_run_mutation         (ChorusPendingMutation *pending);
void              chorus_connection_finish_mutation      (ChorusPendingMutation *pending);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChorusRefreshCache, chorus_refresh_cache_free)

G_END_DECLS
