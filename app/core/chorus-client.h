/* chorus-client.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "chorus-local-store.h"
#include "chorus-subscription.h"
#include "chorus-transport.h"

G_BEGIN_DECLS

#define CHORUS_CLIENT_ERROR (chorus_client_error_quark ())

typedef enum
{
  CHORUS_CLIENT_ERROR_MUTATION_FAILED,
  CHORUS_CLIENT_ERROR_UPDATE_FAILED,
  CHORUS_CLIENT_ERROR_QUERY_FAILED,
  CHORUS_CLIENT_ERROR_PROTOCOL,
  CHORUS_CLIENT_ERROR_INVALID_URL,
  CHORUS_CLIENT_ERROR_STOPPED,
  CHORUS_CLIENT_ERROR_INVALID_VALUE,
  CHORUS_CLIENT_ERROR_ACTION_FAILED,
  CHORUS_CLIENT_ERROR_CONNECTION_LOST,
  CHORUS_CLIENT_ERROR_FATAL,
  CHORUS_CLIENT_ERROR_AUTH,
} ChorusClientError;

typedef enum
{
  CHORUS_CONNECTION_DISCONNECTED,
  CHORUS_CONNECTION_CONNECTING,
  CHORUS_CONNECTION_CONNECTED,
} ChorusConnectionState;

#define CHORUS_TYPE_CONNECTION_STATE (chorus_connection_state_get_type ())

GType chorus_connection_state_get_type (void);

#define CHORUS_TYPE_CLIENT (chorus_client_get_type ())

G_DECLARE_FINAL_TYPE (ChorusClient, chorus_client, CHORUS, CLIENT, GObject)

/*
 * Returns a new JWT for the server, or NULL when there is none. The client
 * calls it with @force_refresh FALSE when auth is set, and with TRUE after
 * the server confirmed or rejected a token, when a cached token will not do.
 * It calls it with TRUE again 10 seconds before a token that it fetched
 * with TRUE expires, by the token's "iat" and "exp" claims, and a NULL
 * then signs the session out.
 */
typedef char *(*ChorusTokenProvider) (ChorusClient *client,
                                      gboolean      force_refresh,
                                      gpointer      user_data);

/*
 * Fetches a JWT for the server without blocking, at the same moments as a
 * ChorusTokenProvider. It completes @task with g_task_return_pointer():
 * a new string to free with g_free(), or NULL when there is no token. An
 * error counts as no token. A socket that would open during a fetch waits
 * for the token, so that the token goes first.
 */
typedef void (*ChorusTokenFetcher) (ChorusClient *client,
                                    gboolean      force_refresh,
                                    GTask        *task,
                                    gpointer      user_data);

GQuark                 chorus_client_error_quark           (void);
JsonNode              *chorus_client_error_get_data        (const GError         *error);

ChorusClient          *chorus_client_new                   (ChorusTransport      *transport);
ChorusClient          *chorus_client_new_for_url           (const char           *url,
                                                            GError              **error);

void                   chorus_client_start                 (ChorusClient         *self);
void                   chorus_client_stop                  (ChorusClient         *self);

ChorusConnectionState  chorus_client_get_connection_state  (ChorusClient         *self);
const char            *chorus_client_get_session_id        (ChorusClient         *self);

ChorusSubscription    *chorus_client_subscribe             (ChorusClient         *self,
                                                            const char           *udf_path,
                                                            JsonNode             *args);
ChorusSubscription    *chorus_client_subscribe_with_journal (ChorusClient      *self,
                                                            const char           *udf_path,
                                                            JsonNode             *args,
                                                            const char           *journal);
JsonNode              *chorus_client_dup_query             (ChorusClient         *self,
                                                            const char           *udf_path,
                                                            JsonNode             *args,
                                                            GError              **error);

void                   chorus_client_mutation              (ChorusClient         *self,
                                                            const char           *udf_path,
                                                            JsonNode             *args,
                                                            ChorusOptimisticUpdate update,
                                                            gpointer              update_data,
                                                            GDestroyNotify        update_data_destroy,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
JsonNode              *chorus_client_mutation_finish       (ChorusClient         *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

void                   chorus_client_action                (ChorusClient         *self,
                                                            const char           *udf_path,
                                                            JsonNode             *args,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
JsonNode              *chorus_client_action_finish         (ChorusClient         *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

void                   chorus_client_set_auth              (ChorusClient         *self,
                                                            ChorusTokenProvider   fetch_token,
                                                            gpointer              user_data,
                                                            GDestroyNotify        user_data_destroy);
void                   chorus_client_set_auth_fetcher      (ChorusClient         *self,
                                                            ChorusTokenFetcher    fetch_token,
                                                            gpointer              user_data,
                                                            GDestroyNotify        user_data_destroy);
void                   chorus_client_clear_auth            (ChorusClient         *self);
gboolean               chorus_client_is_authenticated      (ChorusClient         *self);

G_END_DECLS
