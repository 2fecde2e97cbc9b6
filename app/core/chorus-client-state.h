/* chorus-client-state.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "chorus-client-private.h"
#include "chorus-local-store-private.h"
#include "chorus-value.h"

G_BEGIN_DECLS

/* The client's internal state, shared by chorus-client.c (public API and
 * requests), chorus-client-queries.c (subscriptions),
 * chorus-client-connection.c (the socket), chorus-client-auth.c (tokens),
 * chorus-client-sync.c (server frames) and chorus-client-view.c (the view). */

#define CHORUS_CLIENT_BACKOFF_MS      100
#define CHORUS_SERVER_BACKOFF_MS      1000
#define CHORUS_BUSY_SERVER_BACKOFF_MS 3000
#define CHORUS_MAX_BACKOFF_MS         16000
/* libsoup 3.2 has no pong timeout, so silence from the server is caught
 * here. A Convex server sends a Ping after 15 s without other frames, so
 * 60 s of silence means the socket is dead. */
#define CHORUS_INACTIVITY_MS          60000
/* The largest Mutation or Action frame the client sends. chorus-server
 * closes the socket with code 1009 on a frame over 1 MiB, its default.
 * NOTE: a Convex deployment may accept larger frames; this limit is an
 * assumption, not read from the server. */
#define CHORUS_MAX_REQUEST_FRAME      (1024 * 1024)

/* One subscribed query, shared by every subscription with its token. */
typedef struct
{
  char      *token;  /* interned, see ChorusViewEntry */
  char      *udf_path;       /* canonical */
  JsonNode  *args;           /* sealed */
  guint      query_id;
  char      *journal;
  gboolean   has_journal;
  GPtrArray *subscriptions;  /* borrowed ChorusSubscription pointers */
} ChorusQuery;

typedef enum
{
  CHORUS_REQUEST_NOT_SENT,
  CHORUS_REQUEST_REQUESTED,
  CHORUS_REQUEST_COMPLETED,
} ChorusRequestState;

typedef struct
{
  guint                  request_id;
  ChorusRequestState     state;
  gboolean               is_action;
  char                  *udf_path;  /* as the caller wrote it */
  JsonNode              *args;      /* sealed */
  ChorusOptimisticUpdate update;
  gpointer               update_data;
  GDestroyNotify         update_data_destroy;
  GTask                 *task;
  JsonNode              *result;    /* sealed, once completed */
  gint64                 ts;        /* commit ts, once completed */
  GError                *error;     /* set when it failed */
  ChorusUpdateMemo      *memo;      /* from the update's last run */
} ChorusRequest;

typedef struct
{
  guint  query_set;
  gint64 ts;
  guint  identity;
} ChorusStateVersion;

/* A query result from the server: a value, or a failure. */
typedef struct
{
  JsonNode *value;
  GError   *error;
  /* Taken when a view first hands @value to an update, to restore the
   * value from when an optimistic update changed it in place. */
  ChorusSealRecord record;
} ChorusServerResult;

struct _ChorusClient
{
  GObject               parent_instance;

  /* Owned references */
  ChorusTransport      *transport;
  GMainContext         *context;
  char                 *session_id;
  char                 *last_close_reason;
  GHashTable           *queries;         /* token -> ChorusQuery */
  GHashTable           *queries_by_id;   /* query id -> borrowed ChorusQuery */
  /* The queries in query id order, or NULL until listed again */
  GPtrArray            *sorted_queries;
  GHashTable           *server_results;  /* query id -> ChorusServerResult */
  /* Query ids sent again at the last reconnect that have had no result
   * since. The retry counter resets only once this is empty. */
  GHashTable           *unsynced_queries;
  GQueue                requests;        /* ChorusRequest, by request id */
  ChorusLocalStore     *view;
  /* The server results of the subscribed queries without the updates,
   * that each recomputation starts from, or NULL until built again */
  ChorusLocalStore     *server_view;
  /* The server view and the update memos the last recomputation used,
   * to tell which updates need to run again. */
  GPtrArray            *last_server_view;  /* ChorusViewEntry */
  GPtrArray            *ran_memos;
  /* Interned token -> interned path of each query whose value in the
   * view may differ from what its subscriptions last got. */
  GHashTable           *unnotified;
  /* The rows of each query's last result, shared with the next one */
  ChorusJsonCache      *json_cache;
  GSource              *reconnect_source;
  GSource              *inactivity_source;
  /* Tells subscriptions about a change made inside a finalize */
  GSource              *notify_source;
  GPtrArray            *chunks;
  char                 *chunk_transition_id;

  ChorusConnectionState state;
  ChorusStateVersion    remote;
  gint64                max_observed_ts;
  guint                 connection_count;
  guint                 close_count;
  guint                 query_set_version;
  guint                 next_query_id;
  guint                 next_request_id;
  guint                 retries;
  /* Requests with a lower id were made before the last reconnect. */
  guint                 resync_request_limit;
  guint                 chunk_total;
  /* The request whose frame was the last one sent on this socket. */
  guint                 last_sent_request_id;
  guint                 client_backoff_ms;
  guint                 server_backoff_ms;
  guint                 max_backoff_ms;
  guint                 inactivity_ms;
  ChorusTokenProvider   token_provider;
  ChorusTokenFetcher    token_fetcher;
  /* Goes up when the token source changes, so a fetch from the old one is
   * ignored when it completes. */
  guint                 auth_generation;
  gpointer              token_provider_data;
  GDestroyNotify        token_provider_destroy;
  char                 *auth_token;
  /* Fetches a fresh token before the confirmed one expires */
  GSource              *token_refresh_source;
  guint                 identity_version;
  guint                 auth_retries;
  guint                 authenticated : 1;
  guint                 awaiting_auth : 1;
  /* The token came from a fetch with force_refresh, not from a cache. */
  guint                 token_fresh : 1;
  /* A ChorusTokenFetcher is fetching a token, and a socket that would
   * open waits for it. */
  guint                 token_pending : 1;
  guint                 connect_after_token : 1;
  /* Reconnect at once, without backoff, after an AuthError. */
  guint                 restart_now : 1;
  guint                 started : 1;
  guint                 terminated : 1;
  guint                 has_max_observed_ts : 1;
  guint                 last_sent_is_request : 1;
  /* The server results are from the previous socket. They stay visible
   * until the first Transition on the new socket replaces them. */
  guint                 results_stale : 1;
  /* The view contains writes of an update that failed, or a value that
   * an update changed in place, so it must be built again. */
  guint                 view_outdated : 1;
};

/* chorus-client.c */
void     _chorus_client_set_state      (ChorusClient  *self,
                                        ChorusConnectionState state);
void     _chorus_client_terminate      (ChorusClient  *self,
                                        const char    *message);
void     _chorus_client_request_free   (ChorusRequest *request);

/* chorus-client-connection.c */
void     _chorus_client_attach_transport (ChorusClient *self);
void     _chorus_client_connect        (ChorusClient  *self);
void     _chorus_client_clear_timers   (ChorusClient  *self);
gboolean _chorus_client_send_text      (ChorusClient  *self,
                                        const char    *text);
void     _chorus_client_close_socket   (ChorusClient  *self,
                                        const char    *reason);
void     _chorus_client_send_query_change (ChorusClient *self,
                                        ChorusQuery   *added,
                                        guint          removed_id);
void     _chorus_client_send_request   (ChorusClient  *self,
                                        ChorusRequest *request);
guint    _chorus_client_backoff_delay  (guint          initial_ms,
                                        guint          retries,
                                        guint          max_ms,
                                        double         random);

/* chorus-client-auth.c */
void     _chorus_client_send_authenticate  (ChorusClient *self);
void     _chorus_client_auth_socket_opened (ChorusClient *self);
void     _chorus_client_auth_transition    (ChorusClient *self,
                                            const ChorusStateVersion *start,
                                            const ChorusStateVersion *end);
void     _chorus_client_clear_token_provider (ChorusClient *self);
void     _chorus_client_cancel_token_refresh (ChorusClient *self);
gboolean _chorus_client_hold_connect       (ChorusClient *self);
gboolean _chorus_client_handle_auth_error  (ChorusClient *self,
                                            JsonObject   *frame,
                                            GError      **error);

/* chorus-client-sync.c and chorus-client-view.c */
gboolean _chorus_client_handle_frame   (ChorusClient  *self,
                                        const char    *text,
                                        GError       **error);
void     _chorus_client_observe_ts     (ChorusClient  *self,
                                        gint64         ts);
gboolean _chorus_client_run_update     (ChorusClient  *self,
                                        ChorusRequest *request,
                                        ChorusLocalStore *store);
void     _chorus_client_recompute      (ChorusClient  *self,
                                        GPtrArray     *finished);
void     _chorus_client_notify_changes (ChorusClient  *self);
void     _chorus_client_rebuild_view   (ChorusClient  *self);
void     _chorus_client_forget_server_view (ChorusClient *self);
void     _chorus_client_begin_resync   (ChorusClient  *self);
void     _chorus_client_check_synced   (ChorusClient  *self);
void     _chorus_client_finish_requests (ChorusClient *self,
                                        GPtrArray     *finished);
void     _chorus_client_complete_request (ChorusClient *self,
                                        ChorusRequest *request,
                                        GError        *error);
GPtrArray *_chorus_client_list_queries (ChorusClient *self);
void     _chorus_client_server_result_free (ChorusServerResult *result);

G_END_DECLS
