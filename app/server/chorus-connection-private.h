/* chorus-connection-private.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "chorus-connection.h"
#include "chorus-functions.h"

G_BEGIN_DECLS

/* Errors in this domain close the connection that sent the frame. */
#define CHORUS_PROTOCOL_ERROR (g_quark_from_static_string ("chorus-protocol-error"))

/* One subscribed query. */
typedef struct
{
  char       *udf_path;
  JsonObject *args;
  char       *args_text;
  GHashTable *reads;
  char       *journal;
  /* Set when the arguments held a NUL character: every run fails. */
  GError     *invalid_args;
  /* The last result sent, as JSON text, or "!" and the error message: a
   * GRefString shared with the other subscribers of the same result. */
  char       *sent_result;
} ChorusQuery;

/* One run of a query, shared by every connection that subscribes to the
 * same query during one commit's refresh. The text fields are
 * GRefStrings, so subscribers keep references instead of copies. */
typedef struct
{
  char       *value_text;
  GError     *error;
  GHashTable *reads;
  char       *journal;
  /* value_text, or "!" and the error message. */
  char       *sent_text;
  /* The last sent_result compared with sent_text, and whether they were
   * equal: subscribers that had the same result skip the comparison. */
  char       *compared_text;
  gboolean    compared_equal;
  /* The modification text built for the query id modification_query_id. */
  char       *modification;
  guint32     modification_query_id;
} ChorusQueryResult;

/* One mutation waiting for the next group commit, in arrival order. */
struct _ChorusPendingMutation
{
  ChorusConnection *connection;
  guint32           request_id;
  char             *udf_path;
  JsonObject       *args;
  /* The caller when the mutation arrived. */
  char             *user;
  /* The dependency keys the mutation wrote. */
  GHashTable       *writes;
  /* Set for a mutation this session already ran: its stored result is
   * sent again. */
  gboolean          replayed;
  JsonNode         *result;
  guint64           ts;
  GError           *error;
};

struct _ChorusConnection
{
  GObject parent_instance;

  /* Borrowed references */
  ChorusDb *db;
  const ChorusConnectionConfig *config;

  /* Owned references */
  SoupWebsocketConnection *ws;
  GSocket *socket;
  GHashTable *queries;
  char *peer;
  char *session_id;
  char *user;

  guint32 query_set;
  guint32 sent_query_set;
  guint32 identity;
  guint32 sent_identity;
  guint64 sent_ts;
  guint   transition_count;

  /* Bytes handed to libsoup, WebSocket headers included. */
  guint64 queued_bytes;
  /* The bytes the kernel had taken from the socket at the last reading. */
  guint64 kernel_bytes;

  /* Mutation rate limit: a token bucket. */
  double  mutation_tokens;
  gint64  mutation_refill_time;

  /* The member that contains a NUL character in the frame being handled. */
  char   *nul_field;

  /* Mutations of this connection that wait for the group commit. */
  guint   n_pending;

  gint64 last_send_time;
  GSource *ping_source;
  gulong message_handler;
  gulong closed_handler;
  gboolean closing;
};

/* chorus-connection.c */
void     chorus_connection_send_text             (ChorusConnection  *self,
                                                  const char        *text,
                                                  gsize              length);
void     chorus_connection_send_bytes            (ChorusConnection  *self,
                                                  GBytes            *bytes);
void     chorus_connection_send_frame            (ChorusConnection  *self,
                                                  JsonObject        *frame);
gboolean chorus_connection_check_authenticated   (ChorusConnection  *self,
                                                  GError           **error);
gboolean chorus_connection_check_nul             (ChorusConnection  *self,
                                                  GError           **error);

/* chorus-connection-queries.c */
void     chorus_query_free                       (ChorusQuery       *query);
GPtrArray *chorus_modifications_new              (void);
void     chorus_connection_send_transition       (ChorusConnection  *self,
                                                  GPtrArray         *modifications,
                                                  ChorusRefreshCache *cache);
void     chorus_connection_refresh_all           (ChorusConnection  *self,
                                                  GPtrArray         *modifications);
gboolean chorus_connection_modify_query_set      (ChorusConnection  *self,
                                                  JsonObject        *frame,
                                                  GError           **error);

/* chorus-connection-mutations.c */
gboolean chorus_connection_handle_mutation       (ChorusConnection  *self,
                                                  JsonObject        *frame,
                                                  GError           **error);
gboolean chorus_connection_handle_action         (ChorusConnection  *self,
                                                  JsonObject        *frame,
                                                  GError           **error);

G_END_DECLS
