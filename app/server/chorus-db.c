/* chorus-db.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-db"

#include <sqlite3.h>

#include "chorus-db-private.h"
#include "chorus-server.h"

#define SCHEMA_VERSION 3


static const char schema_v1[] =
  "CREATE TABLE meta ("
  "  key TEXT PRIMARY KEY,"
  "  value INTEGER NOT NULL);"
  "CREATE TABLE channels ("
  "  id TEXT PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE,"
  "  creation_time REAL NOT NULL,"
  "  commit_ts INTEGER NOT NULL);"
  "CREATE TABLE messages ("
  "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  id TEXT NOT NULL UNIQUE,"
  "  channel TEXT NOT NULL REFERENCES channels (id),"
  "  author TEXT NOT NULL,"
  "  body TEXT NOT NULL,"
  "  client_id TEXT UNIQUE,"
  "  creation_time REAL NOT NULL,"
  "  commit_ts INTEGER NOT NULL);"
  "CREATE INDEX messages_by_channel ON messages (channel, seq);"
  "CREATE TABLE mutations ("
  "  session_id TEXT NOT NULL,"
  "  request_id INTEGER NOT NULL,"
  "  result TEXT NOT NULL,"
  "  commit_ts INTEGER NOT NULL,"
  "  PRIMARY KEY (session_id, request_id));"
  "INSERT INTO meta (key, value) VALUES ('last_ts', 0);";

/* Version 2 records when a message was last edited. */
static const char schema_v2[] =
  "ALTER TABLE messages ADD COLUMN edited_at REAL;";

/* Version 3 keeps the client id of every removed message, so that a send
 * retried with it later returns the removed id instead of posting again,
 * and a random key that signs query journals. */
static const char schema_v3[] =
  "CREATE TABLE removed_messages ("
  "  client_id TEXT PRIMARY KEY,"
  "  id TEXT NOT NULL,"
  "  commit_ts INTEGER NOT NULL);"
  "CREATE TABLE secrets ("
  "  name TEXT PRIMARY KEY,"
  "  value BLOB NOT NULL);"
  "INSERT INTO secrets (name, value) VALUES ('journal', randomblob(32));";

gboolean
chorus_db_set_error (ChorusDb    *self,
           GError     **error,
           const char  *what)
{
  g_set_error (error, CHORUS_SERVER_ERROR, CHORUS_SERVER_ERROR_DATABASE,
               "%s failed: %s", what, sqlite3_errmsg (self->handle));
  return FALSE;
}

static gboolean
exec (ChorusDb    *self,
      const char  *sql,
      GError     **error)
{
  if (sqlite3_exec (self->handle, sql, NULL, NULL, NULL) != SQLITE_OK)
    return chorus_db_set_error (self, error, sql);

  return TRUE;
}

sqlite3_stmt *
chorus_db_prepare (ChorusDb    *self,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->handle, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      chorus_db_set_error (self, error, "Preparing a statement");
      return NULL;
    }

  return stmt;
}

/* Runs a statement that returns no rows. */
gboolean
chorus_db_step_done (ChorusDb      *self,
           sqlite3_stmt  *stmt,
           GError       **error)
{
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return chorus_db_set_error (self, error, sqlite3_sql (stmt));

  return TRUE;
}

static gboolean
read_user_version (ChorusDb  *self,
                   int       *out_version,
                   GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (!(stmt = chorus_db_prepare (self, "PRAGMA user_version", error)))
    return FALSE;

  if (sqlite3_step (stmt) != SQLITE_ROW)
    return chorus_db_set_error (self, error, "Reading the schema version");

  *out_version = sqlite3_column_int (stmt, 0);
  return TRUE;
}

static gboolean
read_last_ts (ChorusDb  *self,
              GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (!(stmt = chorus_db_prepare (self, "SELECT value FROM meta WHERE key = 'last_ts'", error)))
    return FALSE;

  if (sqlite3_step (stmt) != SQLITE_ROW)
    return chorus_db_set_error (self, error, "Reading the last commit timestamp");

  self->last_ts = (guint64) sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

static gboolean
read_journal_key (ChorusDb  *self,
                  GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (!(stmt = chorus_db_prepare (self, "SELECT value FROM secrets WHERE name = 'journal'", error)))
    return FALSE;

  if (sqlite3_step (stmt) != SQLITE_ROW || sqlite3_column_bytes (stmt, 0) < 16)
    return chorus_db_set_error (self, error, "Reading the journal key");

  g_clear_pointer (&self->journal_key, g_bytes_unref);
  self->journal_key = g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
  return TRUE;
}

static gboolean
seed_channels (ChorusDb  *self,
               GError   **error)
{
  g_autofree char *general = NULL;
  g_autofree char *random = NULL;
  guint64 ts;

  if (!chorus_db_begin (self, &ts, error))
    return FALSE;

  if (!(general = chorus_db_insert_channel (self, "general", ts, error)) ||
      !(random = chorus_db_insert_channel (self, "random", ts, error)) ||
      !chorus_db_commit (self, error))
    {
      chorus_db_rollback (self);
      return FALSE;
    }

  return TRUE;
}

/* Creates the schema on a new database, or checks the version of an
 * existing one. Later versions add their migrations here. */
static gboolean
migrate (ChorusDb  *self,
         GError   **error)
{
  g_autoptr(GString) steps = NULL;
  int version = 0;

  if (!read_user_version (self, &version, error))
    return FALSE;

  if (version > SCHEMA_VERSION)
    {
      g_set_error (error, CHORUS_SERVER_ERROR, CHORUS_SERVER_ERROR_DATABASE,
                   "Database schema version %d is newer than this server supports (%d)",
                   version, SCHEMA_VERSION);
      return FALSE;
    }

  if (version == SCHEMA_VERSION)
    return read_last_ts (self, error) && read_journal_key (self, error);

  steps = g_string_new ("BEGIN IMMEDIATE;");
  if (version < 1)
    g_string_append (steps, schema_v1);
  if (version < 2)
    g_string_append (steps, schema_v2);
  if (version < 3)
    g_string_append (steps, schema_v3);
  g_string_append_printf (steps, "PRAGMA user_version = %d; COMMIT;", SCHEMA_VERSION);

  if (!exec (self, steps->str, error))
    {
      sqlite3_exec (self->handle, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }

  return read_last_ts (self, error) && read_journal_key (self, error) &&
         (version > 0 || seed_channels (self, error));
}

ChorusDb *
chorus_db_open (const char  *path,
                GError     **error)
{
  g_autoptr(ChorusDb) self = g_new0 (ChorusDb, 1);

  g_return_val_if_fail (path != NULL, NULL);

  if (sqlite3_open_v2 (path, &self->handle,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK)
    {
      g_set_error (error, CHORUS_SERVER_ERROR, CHORUS_SERVER_ERROR_DATABASE,
                   "Could not open the database %s: %s", path,
                   self->handle ? sqlite3_errmsg (self->handle) : "out of memory");
      return NULL;
    }

  /* synchronous=FULL makes each COMMIT durable before it returns, and the
   * server sends a MutationResponse only after that. */
  sqlite3_busy_timeout (self->handle, 5000);
  if (!exec (self, "PRAGMA journal_mode = WAL", error) ||
      !exec (self, "PRAGMA synchronous = FULL", error) ||
      !exec (self, "PRAGMA foreign_keys = ON", error) ||
      !migrate (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

void
chorus_db_free (ChorusDb *self)
{
  if (self == NULL)
    return;

  sqlite3_close_v2 (self->handle);
  g_clear_pointer (&self->journal_key, g_bytes_unref);
  g_free (self);
}

/* Returns the random key, kept in the database, that signs the journals
 * of paged queries so that a client cannot forge one. */
GBytes *
chorus_db_get_journal_key (ChorusDb *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->journal_key;
}

guint64
chorus_db_get_last_ts (ChorusDb *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->last_ts;
}

static gboolean
store_last_ts (ChorusDb  *self,
               guint64    ts,
               GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (!(stmt = chorus_db_prepare (self, "UPDATE meta SET value = ?1 WHERE key = 'last_ts'", error)))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) ts);
  return chorus_db_step_done (self, stmt, error);
}

/* Starts a write transaction and allocates its commit timestamp:
 * max (now, last + 1) in nanoseconds since the epoch. */
gboolean
chorus_db_begin (ChorusDb  *self,
                 guint64   *out_ts,
                 GError   **error)
{
  guint64 now = (guint64) g_get_real_time () * 1000;
  guint64 ts;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;

  /* Another process may have committed since we last looked. */
  if (!read_last_ts (self, error))
    {
      chorus_db_rollback (self);
      return FALSE;
    }

  ts = MAX (now, self->last_ts + 1);
  if (ts >= G_MAXINT64)
    {
      chorus_db_rollback (self);
      g_set_error (error, CHORUS_SERVER_ERROR, CHORUS_SERVER_ERROR_DATABASE,
                   "Commit timestamps are exhausted (last %" G_GUINT64_FORMAT ")",
                   self->last_ts);
      return FALSE;
    }

  if (!store_last_ts (self, ts, error))
    {
      chorus_db_rollback (self);
      return FALSE;
    }

  *out_ts = ts;
  return TRUE;
}

/* Starts a write transaction for a group of mutations, each of which
 * then runs in a savepoint from chorus_db_savepoint(). */
gboolean
chorus_db_begin_group (ChorusDb  *self,
                       GError   **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;

  /* Another process may have committed since we last looked. */
  if (!read_last_ts (self, error))
    {
      chorus_db_rollback (self);
      return FALSE;
    }

  self->group_ts = self->last_ts;
  return TRUE;
}

/* Opens a savepoint inside a group and allocates its commit timestamp:
 * max (now, previous + 1), where previous is the timestamp of the last
 * savepoint released in this group, or the last commit. */
gboolean
chorus_db_savepoint (ChorusDb  *self,
                     guint64   *out_ts,
                     GError   **error)
{
  guint64 now = (guint64) g_get_real_time () * 1000;
  guint64 ts = MAX (now, self->group_ts + 1);

  g_return_val_if_fail (self != NULL, FALSE);

  if (ts >= G_MAXINT64)
    {
      g_set_error (error, CHORUS_SERVER_ERROR, CHORUS_SERVER_ERROR_DATABASE,
                   "Commit timestamps are exhausted (last %" G_GUINT64_FORMAT ")",
                   self->group_ts);
      return FALSE;
    }

  if (!exec (self, "SAVEPOINT mutation", error))
    return FALSE;

  if (!store_last_ts (self, ts, error))
    {
      chorus_db_rollback_savepoint (self);
      return FALSE;
    }

  *out_ts = ts;
  return TRUE;
}

/* Keeps the writes of the open savepoint in the group's transaction. */
gboolean
chorus_db_release_savepoint (ChorusDb  *self,
                             guint64    ts,
                             GError   **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!exec (self, "RELEASE mutation", error))
    return FALSE;

  self->group_ts = ts;
  return TRUE;
}

/* Undoes the writes of the open savepoint only. When SQLite has already
 * rolled back the whole transaction, chorus_db_in_transaction() turns
 * FALSE and the group has to start again. */
void
chorus_db_rollback_savepoint (ChorusDb *self)
{
  g_return_if_fail (self != NULL);

  if (sqlite3_get_autocommit (self->handle))
    return;

  sqlite3_exec (self->handle, "ROLLBACK TO mutation", NULL, NULL, NULL);
  sqlite3_exec (self->handle, "RELEASE mutation", NULL, NULL, NULL);
}

gboolean
chorus_db_in_transaction (ChorusDb *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return !sqlite3_get_autocommit (self->handle);
}

gboolean
chorus_db_commit (ChorusDb  *self,
                  GError   **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!exec (self, "COMMIT", error))
    return FALSE;

  return read_last_ts (self, error);
}

void
chorus_db_rollback (ChorusDb *self)
{
  g_return_if_fail (self != NULL);

  if (!sqlite3_get_autocommit (self->handle))
    sqlite3_exec (self->handle, "ROLLBACK", NULL, NULL, NULL);
  read_last_ts (self, NULL);
}

void
chorus_db_add_text_member (JsonObject   *object,
                 const char   *name,
                 sqlite3_stmt *stmt,
                 int           column)
{
  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    json_object_set_null_member (object, name);
  else
    json_object_set_string_member (object, name,
                                   (const char *) sqlite3_column_text (stmt, column));
}

static JsonObject *
channel_from_row (sqlite3_stmt *stmt)
{
  JsonObject *channel = json_object_new ();

  /* Keys in ascending order, as the value encoding requires. */
  json_object_set_double_member (channel, "_creationTime", sqlite3_column_double (stmt, 2));
  chorus_db_add_text_member (channel, "_id", stmt, 0);
  chorus_db_add_text_member (channel, "name", stmt, 1);

  return channel;
}

JsonArray *
chorus_db_list_channels (ChorusDb  *self,
                         GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(JsonArray) channels = json_array_new ();
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  if (!(stmt = chorus_db_prepare (self, "SELECT id, name, creation_time FROM channels ORDER BY name", error)))
    return NULL;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    json_array_add_object_element (channels, channel_from_row (stmt));

  if (rc != SQLITE_DONE)
    {
      chorus_db_set_error (self, error, "Listing channels");
      return NULL;
    }

  return g_steal_pointer (&channels);
}

static gboolean
exists (ChorusDb    *self,
        const char  *sql,
        const char  *value,
        gboolean    *out_found,
        GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  if (!(stmt = chorus_db_prepare (self, sql, error)))
    return FALSE;

  sqlite3_bind_text (stmt, 1, value, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return chorus_db_set_error (self, error, sql);

  *out_found = rc == SQLITE_ROW;
  return TRUE;
}

gboolean
chorus_db_has_channel (ChorusDb    *self,
                       const char  *channel_id,
                       gboolean    *out_found,
                       GError     **error)
{
  return exists (self, "SELECT 1 FROM channels WHERE id = ?1",
                 channel_id, out_found, error);
}

gboolean
chorus_db_has_channel_name (ChorusDb    *self,
                            const char  *name,
                            gboolean    *out_found,
                            GError     **error)
{
  return exists (self, "SELECT 1 FROM channels WHERE name = ?1",
                 name, out_found, error);
}

/* Creation times are the commit timestamp in milliseconds since the epoch,
 * with the sub-millisecond part as the fraction. */
double
chorus_db_ts_to_creation_time (guint64 ts)
{
  return (double) ts / 1e6;
}

char *
chorus_db_insert_channel (ChorusDb    *self,
                          const char  *name,
                          guint64      ts,
                          GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *id = g_uuid_string_random ();

  g_return_val_if_fail (self != NULL, NULL);

  if (!(stmt = chorus_db_prepare (self,
                        "INSERT INTO channels (id, name, creation_time, commit_ts) "
                        "VALUES (?1, ?2, ?3, ?4)", error)))
    return NULL;

  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_double (stmt, 3, chorus_db_ts_to_creation_time (ts));
  sqlite3_bind_int64 (stmt, 4, (sqlite3_int64) ts);
  if (!chorus_db_step_done (self, stmt, error))
    return NULL;

  return g_steal_pointer (&id);
}

gboolean
chorus_db_find_mutation (ChorusDb    *self,
                         const char  *session_id,
                         guint32      request_id,
                         char       **out_result,
                         guint64     *out_ts,
                         GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, FALSE);

  *out_result = NULL;
  if (!(stmt = chorus_db_prepare (self,
                        "SELECT result, commit_ts FROM mutations "
                        "WHERE session_id = ?1 AND request_id = ?2", error)))
    return FALSE;

  sqlite3_bind_text (stmt, 1, session_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, request_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *out_result = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      *out_ts = (guint64) sqlite3_column_int64 (stmt, 1);
    }
  else if (rc != SQLITE_DONE)
    return chorus_db_set_error (self, error, "Looking up a mutation record");

  return TRUE;
}

/* Records a successful mutation. Call it inside the mutation's own
 * transaction, so the record exists exactly when its writes do. */
gboolean
chorus_db_record_mutation (ChorusDb    *self,
                           const char  *session_id,
                           guint32      request_id,
                           const char  *result,
                           guint64      ts,
                           GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!(stmt = chorus_db_prepare (self,
                        "INSERT INTO mutations (session_id, request_id, result, commit_ts) "
                        "VALUES (?1, ?2, ?3, ?4)", error)))
    return FALSE;

  sqlite3_bind_text (stmt, 1, session_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, request_id);
  sqlite3_bind_text (stmt, 3, result, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, (sqlite3_int64) ts);
  return chorus_db_step_done (self, stmt, error);
}
