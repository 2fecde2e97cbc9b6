/* test-server-util.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "chorus-server.h"

G_BEGIN_DECLS

/* A plain libsoup WebSocket client that queues every frame it receives. */
typedef struct
{
  SoupSession *session;
  SoupWebsocketConnection *ws;
  GQueue frames;
  gboolean closed;
  gushort close_code;
  char *close_reason;
} TestClient;

TestClient *test_client_new            (guint        port,
                                        const char  *path);
void        test_client_free           (TestClient  *client);
void        test_client_send           (TestClient  *client,
                                        const char  *format,
                                        ...) G_GNUC_PRINTF (2, 3);
void        test_client_connect        (TestClient  *client,
                                        const char  *session_id);
JsonObject *test_client_next           (TestClient  *client);
JsonObject *test_client_expect         (TestClient  *client,
                                        const char  *type);
void        test_client_wait_closed    (TestClient  *client);
JsonNode   *test_client_subscribe      (TestClient  *client,
                                        guint        base_version,
                                        guint        query_id,
                                        const char  *udf_path,
                                        const char  *args_json);
JsonObject *test_client_mutate         (TestClient  *client,
                                        guint        request_id,
                                        const char  *udf_path,
                                        const char  *args_json);
char       *test_client_find_channel   (TestClient  *client,
                                        guint        base_version,
                                        guint        query_id,
                                        const char  *name);

guint64     test_decode_ts             (JsonObject  *object,
                                        const char  *member);
guint64     test_transition_end_ts     (JsonObject  *transition);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestClient, test_client_free)

G_END_DECLS
