/* chorus-server-thread.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Runs a ChorusServer on 127.0.0.1 in a thread of its own, so the
 * application's main loop never waits for a SQLite commit.
 */
typedef struct _ChorusServerThread ChorusServerThread;

ChorusServerThread *chorus_server_thread_start    (const char         *database_path,
                                                   guint               port,
                                                   GError            **error);
guint               chorus_server_thread_get_port (ChorusServerThread *self);
void                chorus_server_thread_pause    (ChorusServerThread *self);
void                chorus_server_thread_resume   (ChorusServerThread *self);
void                chorus_server_thread_stop     (ChorusServerThread *self);

G_END_DECLS
