/* chorus-db.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * The server's SQLite store: channels, messages, the record of committed
 * mutations per (session id, request id) and the last commit timestamp.
 *
 * Timestamps are nanoseconds since the Unix epoch, kept below 2^63. Each
 * write transaction takes max (now, last + 1) and stores it in the same
 * transaction, so they keep increasing across restarts.
 */
typedef struct _ChorusDb ChorusDb;

ChorusDb  *chorus_db_open                      (const char  *path,
                                                GError     **error);
void       chorus_db_free                      (ChorusDb    *self);
guint64    chorus_db_get_last_ts               (ChorusDb    *self);
GBytes    *chorus_db_get_journal_key           (ChorusDb    *self);

gboolean   chorus_db_begin                     (ChorusDb    *self,
                                                guint64     *out_ts,
                                                GError     **error);
gboolean   chorus_db_commit                    (ChorusDb    *self,
                                                GError     **error);
void       chorus_db_rollback                  (ChorusDb    *self);
gboolean   chorus_db_begin_group               (ChorusDb    *self,
                                                GError     **error);
gboolean   chorus_db_savepoint                 (ChorusDb    *self,
                                                guint64     *out_ts,
                                                GError     **error);
gboolean   chorus_db_release_savepoint         (ChorusDb    *self,
                                                guint64      ts,
                                                GError     **error);
void       chorus_db_rollback_savepoint        (ChorusDb    *self);
gboolean   chorus_db_in_transaction            (ChorusDb    *self);

JsonArray *chorus_db_list_channels             (ChorusDb    *self,
                                                GError     **error);
gboolean   chorus_db_has_channel               (ChorusDb    *self,
                                                const char  *channel_id,
                                                gboolean    *out_found,
                                                GError     **error);
gboolean   chorus_db_has_channel_name          (ChorusDb    *self,
                                                const char  *name,
                                                gboolean    *out_found,
                                                GError     **error);
char      *chorus_db_insert_channel            (ChorusDb    *self,
                                                const char  *name,
                                                guint64      ts,
                                                GError     **error);

JsonArray *chorus_db_list_messages             (ChorusDb    *self,
                                                const char  *channel_id,
                                                guint        limit,
                                                GError     **error);
JsonArray *chorus_db_page_messages             (ChorusDb    *self,
                                                const char  *channel_id,
                                                gint64       cursor,
                                                gint64       end_cursor,
                                                guint        num_items,
                                                gint64      *out_end,
                                                gboolean    *out_is_done,
                                                GError     **error);
gboolean   chorus_db_get_last_seq              (ChorusDb    *self,
                                                gint64      *out_seq,
                                                GError     **error);
gboolean   chorus_db_find_page_seq             (ChorusDb    *self,
                                                const char  *channel_id,
                                                gint64       cursor,
                                                gint64       end_cursor,
                                                guint        index,
                                                gint64      *out_seq,
                                                GError     **error);
gboolean   chorus_db_get_message               (ChorusDb    *self,
                                                const char  *message_id,
                                                char       **out_channel,
                                                char       **out_author,
                                                GError     **error);
gboolean   chorus_db_edit_message              (ChorusDb    *self,
                                                const char  *message_id,
                                                const char  *body,
                                                guint64      ts,
                                                GError     **error);
gboolean   chorus_db_remove_message            (ChorusDb    *self,
                                                const char  *message_id,
                                                guint64      ts,
                                                GError     **error);
gboolean   chorus_db_find_message_by_client_id (ChorusDb    *self,
                                                const char  *client_id,
                                                char       **out_id,
                                                GError     **error);
char      *chorus_db_insert_message            (ChorusDb    *self,
                                                const char  *channel_id,
                                                const char  *author,
                                                const char  *body,
                                                const char  *client_id,
                                                guint64      ts,
                                                GError     **error);

gboolean   chorus_db_find_mutation             (ChorusDb    *self,
                                                const char  *session_id,
                                                guint32      request_id,
                                                char       **out_result,
                                                guint64     *out_ts,
                                                GError     **error);
gboolean   chorus_db_record_mutation           (ChorusDb    *self,
                                                const char  *session_id,
                                                guint32      request_id,
                                                const char  *result,
                                                guint64      ts,
                                                GError     **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChorusDb, chorus_db_free)

G_END_DECLS
