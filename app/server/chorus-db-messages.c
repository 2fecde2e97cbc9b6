/* chorus-db-messages.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-db"

#include "chorus-db-private.h"

#define MESSAGE_COLUMNS "seq, id, channel, author, body, client_id, creation_time, edited_at"

static JsonObject *
message_from_row (sqlite3_stmt *stmt)
{
  JsonObject *message = json_object_new ();

  /* Keys in ascending order, as the value encoding requires. */
  json_object_set_double_member (message, "_creationTime", sqlite3_column_double (stmt, 6));
  chorus_db_add_text_member (message, "_id", stmt, 1);
  chorus_db_add_text_member (message, "author", stmt, 3);
  chorus_db_add_text_member (message, "body", stmt, 4);
  chorus_db_add_text_member (message, "channel", stmt, 2);
  chorus_db_add_text_member (message, "clientId", stmt, 5);
  if (sqlite3_column_type (stmt, 7) != SQLITE_NULL)
    json_object_set_double_member (message, "editedAt", sqlite3_column_double (stmt, 7));

  return message;
}

/* Steps @stmt to its end and appends a message per row. Returns the
 * sequence number of the last row in @out_last_seq, or leaves it. */
static gboolean
collect_messages (ChorusDb      *self,
                  sqlite3_stmt  *stmt,
                  JsonArray     *messages,
                  gint64        *out_last_seq,
                  GError       **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      json_array_add_object_element (messages, message_from_row (stmt));
      if (out_last_seq != NULL)
        *out_last_seq = sqlite3_column_int64 (stmt, 0);
    }

  if (rc != SQLITE_DONE)
    return chorus_db_set_error (self, error, "Listing messages");

  return TRUE;
}

JsonArray *
chorus_db_list_messages (ChorusDb    *self,
                         const char  *channel_id,
                         guint        limit,
                         GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(JsonArray) messages = json_array_new ();

  g_return_val_if_fail (self != NULL, NULL);

  if (!(stmt = chorus_db_prepare (self,
                                  "SELECT " MESSAGE_COLUMNS " FROM "
                                  "(SELECT * FROM messages WHERE channel = ?1 "
                                  "ORDER BY seq DESC LIMIT ?2) ORDER BY seq ASC", error)))
    return NULL;

  sqlite3_bind_text (stmt, 1, channel_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, limit);
  if (!collect_messages (self, stmt, messages, NULL, error))
    return NULL;

  return g_steal_pointer (&messages);
}

static gboolean
has_older_message (ChorusDb    *self,
                   const char  *channel_id,
                   gint64       seq,
                   gboolean    *out_found,
                   GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  if (!(stmt = chorus_db_prepare (self,
                                  "SELECT 1 FROM messages WHERE channel = ?1 AND seq < ?2 LIMIT 1",
                                  error)))
    return FALSE;

  sqlite3_bind_text (stmt, 1, channel_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, seq);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return chorus_db_set_error (self, error, "Paging messages");

  *out_found = rc == SQLITE_ROW;
  return TRUE;
}

/*
 * Returns one page of a channel's messages, newest first. The page starts
 * below sequence number @cursor (0 means the newest message) and contains
 * @num_items messages, or, when @end_cursor is not 0, every message down
 * to sequence number @end_cursor whatever their number. @out_end is the
 * sequence number the page ends at, which is the next page's cursor, and
 * @out_is_done tells whether older messages remain.
 */
JsonArray *
chorus_db_page_messages (ChorusDb    *self,
                         const char  *channel_id,
                         gint64       cursor,
                         gint64       end_cursor,
                         guint        num_items,
                         gint64      *out_end,
                         gboolean    *out_is_done,
                         GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(JsonArray) messages = json_array_new ();
  gboolean older = FALSE;

  g_return_val_if_fail (self != NULL, NULL);

  if (!(stmt = chorus_db_prepare (self,
                                  "SELECT " MESSAGE_COLUMNS " FROM messages "
                                  "WHERE channel = ?1 AND seq < ?2 AND seq >= ?3 "
                                  "ORDER BY seq DESC LIMIT ?4", error)))
    return NULL;

  sqlite3_bind_text (stmt, 1, channel_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, cursor > 0 ? cursor : G_MAXINT64);
  sqlite3_bind_int64 (stmt, 3, end_cursor);
  sqlite3_bind_int64 (stmt, 4, end_cursor > 0 ? -1 : (gint64) num_items);

  *out_end = end_cursor > 0 ? end_cursor : (cursor > 0 ? cursor : G_MAXINT64);
  if (!collect_messages (self, stmt, messages, end_cursor > 0 ? NULL : out_end, error) ||
      !has_older_message (self, channel_id, *out_end, &older, error))
    return NULL;

  /* An empty first page ends at 1, the lowest sequence number, so that
   * it takes in every message sent later. */
  if (json_array_get_length (messages) < num_items && end_cursor == 0)
    *out_end = older ? *out_end : 1;

  *out_is_done = !older;
  return g_steal_pointer (&messages);
}

/* Looks up the highest sequence number any message ever had, 0 before
 * the first. Every message sent later gets a higher one. */
gboolean
chorus_db_get_last_seq (ChorusDb    *self,
                        gint64      *out_seq,
                        GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, FALSE);

  *out_seq = 0;
  if (!(stmt = chorus_db_prepare (self,
                                  "SELECT seq FROM sqlite_sequence WHERE name = 'messages'",
                                  error)))
    return FALSE;

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *out_seq = sqlite3_column_int64 (stmt, 0);
  else if (rc != SQLITE_DONE)
    return chorus_db_set_error (self, error, "Reading the last sequence number");

  return TRUE;
}

/* Looks up the sequence number of the message at @index, counted from
 * 0 at the newest, in the page from @cursor down to @end_cursor, with
 * the same bounds as chorus_db_page_messages(). @out_seq is 0 when the
 * page has no message at @index. */
gboolean
chorus_db_find_page_seq (ChorusDb    *self,
                         const char  *channel_id,
                         gint64       cursor,
                         gint64       end_cursor,
                         guint        index,
                         gint64      *out_seq,
                         GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, FALSE);

  *out_seq = 0;
  if (!(stmt = chorus_db_prepare (self,
                                  "SELECT seq FROM messages "
                                  "WHERE channel = ?1 AND seq < ?2 AND seq >= ?3 "
                                  "ORDER BY seq DESC LIMIT 1 OFFSET ?4", error)))
    return FALSE;

  sqlite3_bind_text (stmt, 1, channel_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, cursor > 0 ? cursor : G_MAXINT64);
  sqlite3_bind_int64 (stmt, 3, end_cursor);
  sqlite3_bind_int64 (stmt, 4, index);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *out_seq = sqlite3_column_int64 (stmt, 0);
  else if (rc != SQLITE_DONE)
    return chorus_db_set_error (self, error, "Splitting a page of messages");

  return TRUE;
}

/* Looks up a message's channel and author. Both are NULL when there is
 * no message with @message_id. */
gboolean
chorus_db_get_message (ChorusDb    *self,
                       const char  *message_id,
                       char       **out_channel,
                       char       **out_author,
                       GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, FALSE);

  *out_channel = *out_author = NULL;
  if (!(stmt = chorus_db_prepare (self, "SELECT channel, author FROM messages WHERE id = ?1",
                                  error)))
    return FALSE;

  sqlite3_bind_text (stmt, 1, message_id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *out_channel = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      *out_author = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    }
  else if (rc != SQLITE_DONE)
    return chorus_db_set_error (self, error, "Looking up a message");

  return TRUE;
}

gboolean
chorus_db_edit_message (ChorusDb    *self,
                        const char  *message_id,
                        const char  *body,
                        guint64      ts,
                        GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!(stmt = chorus_db_prepare (self,
                                  "UPDATE messages SET body = ?2, edited_at = ?3, commit_ts = ?4 "
                                  "WHERE id = ?1", error)))
    return FALSE;

  sqlite3_bind_text (stmt, 1, message_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, body, -1, SQLITE_TRANSIENT);
  sqlite3_bind_double (stmt, 3, chorus_db_ts_to_creation_time (ts));
  sqlite3_bind_int64 (stmt, 4, (sqlite3_int64) ts);
  return chorus_db_step_done (self, stmt, error);
}

/* Keeps the client id of the message in removed_messages, in the caller's
 * transaction. Messages sent without a client id leave nothing. */
static gboolean
store_tombstone (ChorusDb    *self,
                 const char  *message_id,
                 guint64      ts,
                 GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (!(stmt = chorus_db_prepare (self,
                                  "INSERT OR REPLACE INTO removed_messages (client_id, id, commit_ts) "
                                  "SELECT client_id, id, ?2 FROM messages "
                                  "WHERE id = ?1 AND client_id IS NOT NULL", error)))
    return FALSE;

  sqlite3_bind_text (stmt, 1, message_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) ts);
  return chorus_db_step_done (self, stmt, error);
}

/* Deletes a message and keeps its client id, so that
 * chorus_db_find_message_by_client_id() still finds the removed id. */
gboolean
chorus_db_remove_message (ChorusDb    *self,
                          const char  *message_id,
                          guint64      ts,
                          GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!store_tombstone (self, message_id, ts, error) ||
      !(stmt = chorus_db_prepare (self, "DELETE FROM messages WHERE id = ?1", error)))
    return FALSE;

  sqlite3_bind_text (stmt, 1, message_id, -1, SQLITE_TRANSIENT);
  return chorus_db_step_done (self, stmt, error);
}

gboolean
chorus_db_find_message_by_client_id (ChorusDb    *self,
                                     const char  *client_id,
                                     char       **out_id,
                                     GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, FALSE);

  *out_id = NULL;
  if (!(stmt = chorus_db_prepare (self,
                                  "SELECT id FROM messages WHERE client_id = ?1 UNION ALL "
                                  "SELECT id FROM removed_messages WHERE client_id = ?1 LIMIT 1",
                                  error)))
    return FALSE;

  sqlite3_bind_text (stmt, 1, client_id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *out_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  else if (rc != SQLITE_DONE)
    return chorus_db_set_error (self, error, "Looking up a client id");

  return TRUE;
}

char *
chorus_db_insert_message (ChorusDb    *self,
                          const char  *channel_id,
                          const char  *author,
                          const char  *body,
                          const char  *client_id,
                          guint64      ts,
                          GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *id = g_uuid_string_random ();

  g_return_val_if_fail (self != NULL, NULL);

  if (!(stmt = chorus_db_prepare (self,
                        "INSERT INTO messages (id, channel, author, body, client_id, "
                        "creation_time, commit_ts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        error)))
    return NULL;

  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, channel_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, author, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, body, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, client_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_double (stmt, 6, chorus_db_ts_to_creation_time (ts));
  sqlite3_bind_int64 (stmt, 7, (sqlite3_int64) ts);
  if (!chorus_db_step_done (self, stmt, error))
    return NULL;

  return g_steal_pointer (&id);
}

