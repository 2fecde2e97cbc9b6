/* chorus-outbox.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-outbox"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <sqlite3.h>

#include "chorus-outbox.h"

/*
 * The messages this user sent that the server has not confirmed yet.
 *
 * Each one is written to a local SQLite file before it goes to the
 * client, and removed when the server confirms it, so a message pending
 * when the app quits or crashes is sent again on the next start. The
 * server stores a client id once, so sending again cannot duplicate it.
 * A send the server rejects stays here, failed, until the user retries or
 * discards it.
 *
 * The file runs in WAL mode with synchronous=NORMAL: a commit survives the
 * app crashing but may be lost if the whole machine loses power. That
 * keeps an fsync off the main loop between Enter and the pending row.
 */
struct _ChorusOutbox
{
  GObject parent_instance;

  ChorusClient *client;
  sqlite3      *db;
  GPtrArray    *messages;
};

enum {
  CHANGED,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (ChorusOutbox, chorus_outbox, G_TYPE_OBJECT)
G_DEFINE_QUARK (chorus-outbox-error-quark, chorus_outbox_error)

static guint signals [N_SIGNALS];

static const char schema[] =
  "PRAGMA journal_mode = WAL;"
  "PRAGMA synchronous = NORMAL;"
  "CREATE TABLE IF NOT EXISTS outbox ("
  "  client_id TEXT PRIMARY KEY,"
  "  channel TEXT NOT NULL,"
  "  author TEXT NOT NULL,"
  "  body TEXT NOT NULL,"
  "  created INTEGER NOT NULL,"
  "  error TEXT"
  ");";

typedef struct
{
  ChorusOutbox  *self;
  ChorusMessage *message;
} SendData;

static void
send_data_free (SendData *data)
{
  g_clear_object (&data->self);
  g_clear_object (&data->message);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SendData, send_data_free)

static void
set_database_error (GError     **error,
                    sqlite3     *db,
                    const char  *what)
{
  g_set_error (error, CHORUS_OUTBOX_ERROR, CHORUS_OUTBOX_ERROR_DATABASE,
               /* Translators: an error message. The first %s is what
                * failed, the second the reason. */
               _("%s: %s"), what, db ? sqlite3_errmsg (db) : g_strerror (ENOMEM));
}

/* Runs one statement with text parameters; a NULL parameter binds NULL. */
static gboolean
run_statement (ChorusOutbox        *self,
               const char          *sql,
               const char * const  *params,
               guint                n_params,
               GError             **error)
{
  sqlite3_stmt *statement = NULL;
  int result;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &statement, NULL) != SQLITE_OK)
    {
      set_database_error (error, self->db, _("Could not prepare a statement for the outbox"));
      return FALSE;
    }

  for (guint i = 0; i < n_params; i++)
    sqlite3_bind_text (statement, i + 1, params[i], -1, SQLITE_TRANSIENT);

  result = sqlite3_step (statement);
  sqlite3_finalize (statement);

  if (result != SQLITE_DONE)
    {
      set_database_error (error, self->db, _("Could not write to the outbox"));
      return FALSE;
    }

  return TRUE;
}

static void
store_message (ChorusOutbox  *self,
               ChorusMessage *message)
{
  g_autofree char *created = g_strdup_printf ("%" G_GINT64_FORMAT, chorus_message_get_created (message));
  const char *params[] = {
    chorus_message_get_client_id (message),
    chorus_message_get_channel (message),
    chorus_message_get_author (message),
    chorus_message_get_body (message),
    created,
  };
  g_autoptr(GError) error = NULL;

  if (!run_statement (self,
                      "INSERT OR REPLACE INTO outbox (client_id, channel, author, body, created) "
                      "VALUES (?, ?, ?, ?, CAST(? AS INTEGER))",
                      params, G_N_ELEMENTS (params), &error))
    g_warning ("Message %s will not survive a restart: %s", params[0], error->message);
}

static void
store_error (ChorusOutbox  *self,
             ChorusMessage *message)
{
  const char *params[] = {
    chorus_message_get_error (message),
    chorus_message_get_client_id (message),
  };
  g_autoptr(GError) error = NULL;

  if (!run_statement (self, "UPDATE outbox SET error = ? WHERE client_id = ?",
                      params, G_N_ELEMENTS (params), &error))
    g_warning ("Could not store the failure of message %s: %s", params[1], error->message);
}

static void
forget_message (ChorusOutbox  *self,
                ChorusMessage *message)
{
  const char *params[] = { chorus_message_get_client_id (message) };
  g_autoptr(GError) error = NULL;

  if (!run_statement (self, "DELETE FROM outbox WHERE client_id = ?", params, 1, &error))
    g_warning ("Message %s may be sent again after a restart: %s", params[0], error->message);
}

static void
remove_message (ChorusOutbox  *self,
                ChorusMessage *message)
{
  g_autoptr(ChorusMessage) removed = g_object_ref (message);

  forget_message (self, message);
  if (g_ptr_array_remove (self->messages, message))
    g_signal_emit (self, signals[CHANGED], 0, chorus_message_get_channel (removed));
}

static JsonNode *
build_list_args (const char *channel)
{
  g_autoptr(JsonObject) object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (object, "channel", channel);
  json_node_set_object (node, object);

  return node;
}

static gboolean
rows_contain_client_id (JsonArray  *rows,
                        const char *client_id)
{
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonNode *element = json_array_get_element (rows, i);
      JsonNode *member;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;

      member = json_object_get_member (json_node_get_object (element), "clientId");
      if (member != NULL && json_node_get_value_type (member) == G_TYPE_STRING &&
          g_strcmp0 (json_node_get_string (member), client_id) == 0)
        return TRUE;
    }

  return FALSE;
}

/* The pending row: the send's arguments plus the local send time, which
 * is for display only and never used for ordering. */
static JsonNode *
build_pending_row (JsonObject *send_args,
                   gint64      created)
{
  const char *members[] = { "author", "body", "channel", "clientId" };
  g_autoptr(JsonObject) row = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_double_member (row, "_creationTime", (double)created);
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    json_object_set_string_member (row, members[i],
                                   json_object_get_string_member (send_args, members[i]));
  json_node_set_object (node, row);

  return node;
}

static JsonNode *
append_row (JsonArray *rows,
            JsonNode  *row)
{
  g_autoptr(JsonArray) copy = json_array_sized_new (json_array_get_length (rows) + 1);
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < json_array_get_length (rows); i++)
    json_array_add_element (copy, json_node_ref (json_array_get_element (rows, i)));
  json_array_add_element (copy, row);
  json_node_set_array (node, copy);

  return node;
}

/* The optimistic update of messages:send. It leaves a list that has not
 * loaded alone, and never adds a row whose client id is there already,
 * so a message sent again cannot show twice. */
static gboolean
append_pending_row (ChorusLocalStore  *store,
                    JsonNode          *mutation_args,
                    gpointer           user_data,
                    GError           **error)
{
  JsonObject *send_args = json_node_get_object (mutation_args);
  const char *channel = json_object_get_string_member (send_args, "channel");
  const char *client_id = json_object_get_string_member (send_args, "clientId");
  g_autoptr(JsonNode) list_args = build_list_args (channel);
  g_autoptr(JsonNode) rows = NULL;
  JsonNode *current;

  current = chorus_local_store_get_query (store, "messages:list", list_args);
  if (current == NULL || !JSON_NODE_HOLDS_ARRAY (current))
    return TRUE;

  if (rows_contain_client_id (json_node_get_array (current), client_id))
    return TRUE;

  rows = append_row (json_node_get_array (current),
                     build_pending_row (send_args, *(gint64 *)user_data));
  chorus_local_store_set_query (store, "messages:list", list_args, rows);

  return TRUE;
}

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(SendData) data = user_data;
  g_autoptr(JsonNode) id = NULL;
  g_autoptr(GError) error = NULL;

  id = chorus_client_mutation_finish (CHORUS_CLIENT (object), result, &error);
  if (id != NULL)
    {
      remove_message (data->self, data->message);
      return;
    }

  /* Quitting stops the client; the message stays pending on disk and is
   * sent on the next start. */
  if (g_error_matches (error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_STOPPED))
    return;

  g_message ("Sending message %s failed: %s",
             chorus_message_get_client_id (data->message), error->message);
  chorus_message_set_error (data->message, error->message);
  chorus_message_set_state (data->message, CHORUS_MESSAGE_FAILED);
  store_error (data->self, data->message);
}

static JsonNode *
build_send_args (ChorusMessage *message)
{
  g_autoptr(JsonObject) object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (object, "author", chorus_message_get_author (message));
  json_object_set_string_member (object, "body", chorus_message_get_body (message));
  json_object_set_string_member (object, "channel", chorus_message_get_channel (message));
  json_object_set_string_member (object, "clientId", chorus_message_get_client_id (message));
  json_node_set_object (node, object);

  return node;
}

static void
submit (ChorusOutbox  *self,
        ChorusMessage *message)
{
  g_autoptr(JsonNode) args = build_send_args (message);
  gint64 *created = g_new (gint64, 1);
  SendData *data = g_new0 (SendData, 1);

  *created = chorus_message_get_created (message);
  data->self = g_object_ref (self);
  data->message = g_object_ref (message);

  chorus_client_mutation (self->client, "messages:send", args,
                          append_pending_row, created, g_free,
                          NULL, send_cb, data);
}

static ChorusMessage *
build_message (const char *client_id,
               const char *channel,
               const char *author,
               const char *body,
               gint64      created)
{
  g_autoptr(JsonObject) row = json_object_new ();

  json_object_set_string_member (row, "author", author);
  json_object_set_string_member (row, "body", body);
  json_object_set_string_member (row, "channel", channel);
  json_object_set_string_member (row, "clientId", client_id);
  json_object_set_double_member (row, "_creationTime", (double)created);

  return chorus_message_new_from_json (row);
}

static const char *
column_text (sqlite3_stmt *statement,
             int           column)
{
  return (const char *)sqlite3_column_text (statement, column);
}

static ChorusMessage *
read_message (sqlite3_stmt *statement)
{
  ChorusMessage *message = build_message (column_text (statement, 0),
                                          column_text (statement, 1),
                                          column_text (statement, 2),
                                          column_text (statement, 3),
                                          sqlite3_column_int64 (statement, 4));
  const char *error = column_text (statement, 5);

  if (error != NULL)
    {
      chorus_message_set_error (message, error);
      chorus_message_set_state (message, CHORUS_MESSAGE_FAILED);
    }

  return message;
}

static gboolean
load_messages (ChorusOutbox  *self,
               GError       **error)
{
  sqlite3_stmt *statement = NULL;
  int result;

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT client_id, channel, author, body, created, error "
                          "FROM outbox ORDER BY rowid",
                          -1, &statement, NULL) != SQLITE_OK)
    {
      set_database_error (error, self->db, _("Could not read the outbox"));
      return FALSE;
    }

  while ((result = sqlite3_step (statement)) == SQLITE_ROW)
    g_ptr_array_add (self->messages, read_message (statement));
  sqlite3_finalize (statement);

  if (result != SQLITE_DONE)
    {
      set_database_error (error, self->db, _("Could not read the outbox"));
      return FALSE;
    }

  return TRUE;
}

static gboolean
open_database (ChorusOutbox  *self,
               const char    *path,
               GError       **error)
{
  char *message = NULL;

  if (sqlite3_open_v2 (path ? path : ":memory:", &self->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    {
      set_database_error (error, self->db, _("Could not open the outbox"));
      return FALSE;
    }

  if (sqlite3_exec (self->db, schema, NULL, NULL, &message) != SQLITE_OK)
    {
      g_set_error (error, CHORUS_OUTBOX_ERROR, CHORUS_OUTBOX_ERROR_DATABASE,
                   _("Could not set up the outbox in %s: %s"), path ? path : "memory", message);
      sqlite3_free (message);
      return FALSE;
    }

  return TRUE;
}

static void
chorus_outbox_finalize (GObject *object)
{
  ChorusOutbox *self = CHORUS_OUTBOX (object);

  g_clear_pointer (&self->messages, g_ptr_array_unref);
  g_clear_object (&self->client);
  g_clear_pointer (&self->db, sqlite3_close);

  G_OBJECT_CLASS (chorus_outbox_parent_class)->finalize (object);
}

static void
chorus_outbox_class_init (ChorusOutboxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = chorus_outbox_finalize;

  /**
   * ChorusOutbox::changed:
   * @channel: the channel `_id` of the message
   *
   * Emitted when a message was added to or removed from the outbox.
   */
  signals[CHANGED] = g_signal_new ("changed",
                                   G_TYPE_FROM_CLASS (klass),
                                   G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
chorus_outbox_init (ChorusOutbox *self)
{
  self->messages = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * chorus_outbox_new:
 * @client: the client that sends the messages
 * @path: (nullable): the SQLite file to keep them in, or %NULL to keep
 *   them in memory only
 * @error: return location for an error
 *
 * Opens the outbox and sends again every message that was still pending
 * when it was last closed. Failed messages stay failed.
 *
 * Returns: (transfer full): the outbox, or %NULL if the file could not be
 *   opened
 */
ChorusOutbox *
chorus_outbox_new (ChorusClient  *client,
                   const char    *path,
                   GError       **error)
{
  g_autoptr(ChorusOutbox) self = NULL;

  g_return_val_if_fail (CHORUS_IS_CLIENT (client), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (CHORUS_TYPE_OUTBOX, NULL);
  self->client = g_object_ref (client);

  if (!open_database (self, path, error) || !load_messages (self, error))
    return NULL;

  for (guint i = 0; i < self->messages->len; i++)
    {
      ChorusMessage *message = g_ptr_array_index (self->messages, i);

      if (chorus_message_get_state (message) == CHORUS_MESSAGE_PENDING)
        submit (self, message);
    }

  return g_steal_pointer (&self);
}

ChorusClient *
chorus_outbox_get_client (ChorusOutbox *self)
{
  g_return_val_if_fail (CHORUS_IS_OUTBOX (self), NULL);

  return self->client;
}

/**
 * chorus_outbox_get_messages:
 * @self: a #ChorusOutbox
 *
 * Returns: (transfer none) (element-type ChorusMessage): the messages not
 *   confirmed yet, in the order they were sent
 */
GPtrArray *
chorus_outbox_get_messages (ChorusOutbox *self)
{
  g_return_val_if_fail (CHORUS_IS_OUTBOX (self), NULL);

  return self->messages;
}

/**
 * chorus_outbox_send:
 * @self: a #ChorusOutbox
 * @channel: the channel `_id`
 * @author: the display name of the sender
 * @body: the text, valid UTF-8
 *
 * Stores a new message and sends it. It is pending in the channel's
 * `messages:list` when this returns.
 *
 * Returns: (transfer none): the pending message
 */
ChorusMessage *
chorus_outbox_send (ChorusOutbox *self,
                    const char   *channel,
                    const char   *author,
                    const char   *body)
{
  g_autofree char *client_id = g_uuid_string_random ();
  ChorusMessage *message;

  g_return_val_if_fail (CHORUS_IS_OUTBOX (self), NULL);
  g_return_val_if_fail (channel != NULL, NULL);
  g_return_val_if_fail (author != NULL, NULL);
  g_return_val_if_fail (body != NULL, NULL);

  message = build_message (client_id, channel, author, body, g_get_real_time () / 1000);
  g_ptr_array_add (self->messages, message);
  store_message (self, message);

  g_signal_emit (self, signals[CHANGED], 0, channel);
  submit (self, message);

  return message;
}

/**
 * chorus_outbox_retry:
 * @self: a #ChorusOutbox
 * @message: a failed message of this outbox
 *
 * Sends a failed message again under the same client id, so the server
 * stores it once even if an earlier attempt did reach it.
 *
 * Returns: %TRUE if @message was failed and is pending again
 */
gboolean
chorus_outbox_retry (ChorusOutbox  *self,
                     ChorusMessage *message)
{
  g_return_val_if_fail (CHORUS_IS_OUTBOX (self), FALSE);
  g_return_val_if_fail (CHORUS_IS_MESSAGE (message), FALSE);

  if (chorus_message_get_state (message) != CHORUS_MESSAGE_FAILED ||
      !g_ptr_array_find (self->messages, message, NULL))
    return FALSE;

  chorus_message_set_error (message, NULL);
  chorus_message_set_state (message, CHORUS_MESSAGE_PENDING);
  store_error (self, message);
  submit (self, message);

  return TRUE;
}

/**
 * chorus_outbox_discard:
 * @self: a #ChorusOutbox
 * @message: a failed message of this outbox
 *
 * Drops a failed message without sending it.
 *
 * Returns: %TRUE if @message was failed and is gone
 */
gboolean
chorus_outbox_discard (ChorusOutbox  *self,
                       ChorusMessage *message)
{
  g_return_val_if_fail (CHORUS_IS_OUTBOX (self), FALSE);
  g_return_val_if_fail (CHORUS_IS_MESSAGE (message), FALSE);

  if (chorus_message_get_state (message) != CHORUS_MESSAGE_FAILED ||
      !g_ptr_array_find (self->messages, message, NULL))
    return FALSE;

  remove_message (self, message);

  return TRUE;
}
