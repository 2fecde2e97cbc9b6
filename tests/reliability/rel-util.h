/* rel-util.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/*
 * Helpers for the reliability tests: a scripted WebSocket server, a raw
 * WebSocket client and a chorus-server child process, all on 127.0.0.1.
 */

/* A WebSocket server that records every text frame it receives and lets
 * the test decide what to send back. */
typedef struct _RelScriptedServer RelScriptedServer;

typedef void (*RelFrameFunc) (RelScriptedServer       *server,
                              SoupWebsocketConnection *ws,
                              const char              *text,
                              gpointer                 user_data);

RelScriptedServer       *rel_scripted_server_new         (void);
void                     rel_scripted_server_free        (RelScriptedServer *self);
char                    *rel_scripted_server_dup_url     (RelScriptedServer *self);
void                     rel_scripted_server_set_handler (RelScriptedServer *self,
                                                          RelFrameFunc       func,
                                                          gpointer           user_data);
guint                    rel_scripted_server_get_n_connections (RelScriptedServer *self);
SoupWebsocketConnection *rel_scripted_server_get_connection (RelScriptedServer *self,
                                                          guint              index);
GPtrArray               *rel_scripted_server_get_frames  (RelScriptedServer *self,
                                                          guint              index);
guint                    rel_scripted_server_count_frames (RelScriptedServer *self,
                                                          const char        *type);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RelScriptedServer, rel_scripted_server_free)

/* A WebSocket client that sends raw bytes as text frames. */
typedef struct
{
  SoupSession             *session;
  SoupWebsocketConnection *ws;
  GPtrArray               *frames;  /* char *, as received */
  gboolean                 failed;
  gboolean                 closed;
  gushort                  close_code;
  char                    *close_reason;
} RelSocket;

RelSocket  *rel_socket_open          (guint       port);
void        rel_socket_free          (RelSocket  *self);
void        rel_socket_send          (RelSocket  *self,
                                      const char *data,
                                      gsize       size);
void        rel_socket_send_text     (RelSocket  *self,
                                      const char *text);
JsonObject *rel_socket_find          (RelSocket  *self,
                                      const char *type,
                                      guint       from);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RelSocket, rel_socket_free)

/* A chorus-server child process on a port picked at run time. */
typedef struct
{
  GSubprocess *process;
  char        *database;
  guint        port;
  char       **extra_args;  /* appended to --port and --database, or NULL */
} RelServerProcess;

guint             rel_pick_free_port         (void);
RelServerProcess *rel_server_process_start   (const char       *database,
                                              guint             port);
RelServerProcess *rel_server_process_start_with_args (const char         *database,
                                                     guint               port,
                                                     const char * const *extra_args);
gboolean          rel_server_process_start_again (RelServerProcess *self);
void              rel_server_process_kill    (RelServerProcess *self);
gboolean          rel_server_process_is_running (RelServerProcess *self);
void              rel_server_process_free    (RelServerProcess *self);
char             *rel_server_process_dup_url (RelServerProcess *self);
gsize             rel_process_rss_kib        (const char       *pid,
                                              const char       *field);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RelServerProcess, rel_server_process_free)

gboolean          rel_wait_until             (gboolean        (*done) (gpointer),
                                              gpointer          data,
                                              guint             timeout_ms);
gboolean          rel_utf8_valid_everywhere  (JsonNode         *node);

G_END_DECLS
