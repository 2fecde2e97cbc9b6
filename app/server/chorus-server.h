/* chorus-server.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "chorus-tokens.h"

G_BEGIN_DECLS

#define CHORUS_SERVER_ERROR (chorus_server_error_quark ())

typedef enum
{
  CHORUS_SERVER_ERROR_DATABASE,
  CHORUS_SERVER_ERROR_LISTEN,
} ChorusServerError;

#define CHORUS_TYPE_SERVER (chorus_server_get_type ())

G_DECLARE_FINAL_TYPE (ChorusServer, chorus_server, CHORUS, SERVER, GObject)

/*
 * The reactive chat backend. It opens (or creates and seeds) the SQLite
 * database at @database_path and serves the Convex sync protocol on
 * /api/<any version>/sync. It attaches to the thread-default main context
 * of the thread that creates it, and must be used from that thread only.
 */

GQuark        chorus_server_error_quark (void);

ChorusServer *chorus_server_new         (const char    *database_path,
                                         GError       **error);
gboolean      chorus_server_listen      (ChorusServer  *self,
                                         const char    *address,
                                         guint          port,
                                         GError       **error);
guint         chorus_server_get_port    (ChorusServer  *self);
guint         chorus_server_get_n_connections (ChorusServer *self);
void          chorus_server_set_tokens  (ChorusServer  *self,
                                         ChorusTokens  *tokens);
void          chorus_server_set_ping_interval (ChorusServer *self,
                                               guint         milliseconds);
void          chorus_server_set_limits  (ChorusServer  *self,
                                         gsize          max_outbound_bytes,
                                         double         mutation_rate,
                                         double         mutation_burst,
                                         gsize          chunk_size);
void          chorus_server_set_commit_delay    (ChorusServer *self,
                                                 guint         milliseconds);
guint         chorus_server_get_n_group_commits (ChorusServer *self);
void          chorus_server_shutdown    (ChorusServer  *self);

G_END_DECLS
