/* chorus-functions.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-functions"

#include <string.h>

#include "chorus-functions.h"

/* messages:list returns this many of the newest messages. */
#define MESSAGE_LIST_LIMIT 100

typedef JsonNode *(*ChatFunc) (ChorusCall  *call,
                               JsonObject  *args,
                               GError     **error);

static gboolean
check_channel_exists (ChorusDb    *db,
                      const char  *channel_id,
                      GError     **error)
{
  gboolean found = FALSE;

  if (!chorus_db_has_channel (db, channel_id, &found, error))
    return FALSE;

  if (!found)
    {
      g_set_error (error, CHORUS_FUNCTION_ERROR, CHORUS_FUNCTION_ERROR_NOT_FOUND,
                   "Invalid argument 'channel': no channel has the id '%s'", channel_id);
      return FALSE;
    }

  return TRUE;
}

/* Wraps @array in a node, taking over the caller's reference. */
static JsonNode *
array_node_new (JsonArray *array)
{
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  json_node_take_array (node, array);
  return node;
}

static JsonNode *
list_channels (ChorusCall  *call,
               JsonObject  *args,
               GError     **error)
{
  static const char * const names[] = { NULL };
  JsonArray *channels;

  g_hash_table_add (call->deps, g_strdup ("channels"));
  if (!chorus_args_check_names (args, names, error) ||
      !(channels = chorus_db_list_channels (call->db, error)))
    return NULL;

  return array_node_new (channels);
}

/* Reads the channel argument and records the channel's messages as read. */
static gboolean
read_channel_arg (ChorusCall   *call,
                  JsonObject   *args,
                  const char  **out_channel,
                  GError      **error)
{
  if (!chorus_args_get_string (args, "channel", TRUE, out_channel, error))
    return FALSE;

  g_hash_table_add (call->deps, g_strconcat ("messages/", *out_channel, NULL));
  return check_channel_exists (call->db, *out_channel, error);
}

/* Records that the query includes the channel's newest end. A sent
 * message takes a sequence number above every one used before, because
 * seq is AUTOINCREMENT, so it never lands in a page that a cursor bounds
 * from above, and sends only write this key. Those pages then do not run
 * again on every send. */
static void
read_newest (ChorusCall *call,
             const char *channel)
{
  g_hash_table_add (call->deps, g_strconcat ("messages/", channel, "/newest", NULL));
}

/* Sets @out_open to whether a page that ends below @cursor can take in
 * messages sent later. It can with no cursor, or with one above every
 * sequence number used so far, such as the continueCursor of an empty page. */
static gboolean
page_is_open (ChorusCall  *call,
              gint64       cursor,
              gboolean    *out_open,
              GError     **error)
{
  gint64 last_seq = 0;

  *out_open = TRUE;
  if (cursor == 0)
    return TRUE;

  if (!chorus_db_get_last_seq (call->db, &last_seq, error))
    return FALSE;

  *out_open = cursor > last_seq;
  return TRUE;
}

static JsonNode *
list_messages (ChorusCall  *call,
               JsonObject  *args,
               GError     **error)
{
  static const char * const names[] = { "channel", NULL };
  const char *channel = NULL;
  JsonArray *messages;

  if (!chorus_args_check_names (args, names, error) ||
      !read_channel_arg (call, args, &channel, error))
    return NULL;

  read_newest (call, channel);
  if (!(messages = chorus_db_list_messages (call->db, channel, MESSAGE_LIST_LIMIT, error)))
    return NULL;

  return array_node_new (messages);
}

/* Builds the page result. A @split_seq other than 0 adds "splitCursor"
 * and pageStatus "SplitRecommended". ChorusPaginatedQuery and the official
 * client then subscribe to the two halves and drop the page. */
static JsonNode *
page_result_new (JsonArray *page,
                 gboolean   is_done,
                 gint64     end,
                 gint64     split_seq)
{
  g_autoptr(JsonObject) result = json_object_new ();
  g_autofree char *cursor = g_strdup_printf ("%" G_GINT64_FORMAT, end);

  /* Keys in ascending order, as the value encoding requires. */
  json_object_set_string_member (result, "continueCursor", cursor);
  json_object_set_boolean_member (result, "isDone", is_done);
  json_object_set_array_member (result, "page", page);
  if (split_seq > 0)
    {
      g_autofree char *split = g_strdup_printf ("%" G_GINT64_FORMAT, split_seq);

      json_object_set_string_member (result, "pageStatus", "SplitRecommended");
      json_object_set_string_member (result, "splitCursor", split);
    }

  return json_node_init_object (json_node_alloc (), result);
}

/* Finds the cursor between the newer and the older half of a page that
 * grew past twice its numItems. Only a page with a kept end grows, as
 * messages arrive, and each of its subscribers receives all of it again
 * on every new message. @out_split is 0 for a page that needs no split. */
static gboolean
find_page_split (ChorusCall  *call,
                 const char  *channel,
                 gint64       cursor,
                 gint64       end,
                 guint        length,
                 guint        num_items,
                 gint64      *out_split,
                 GError     **error)
{
  guint newer_half = MAX (length / 2, 1);

  *out_split = 0;
  if (length <= 2 * (guint64) num_items)
    return TRUE;

  /* The newer half ends at its oldest message, which the half that
   * starts at the split cursor then leaves out. */
  return chorus_db_find_page_seq (call->db, channel, cursor, end, newer_half - 1,
                                  out_split, error);
}

/* Returns the signature of a page journal: the HMAC-SHA256 of the
 * channel, the cursor and the end, under the database's journal key. */
static char *
sign_journal (ChorusCall *call,
              const char *channel,
              gint64      cursor,
              gint64      end)
{
  GBytes *key = chorus_db_get_journal_key (call->db);
  g_autofree char *data = g_strdup_printf ("%s\n%" G_GINT64_FORMAT "\n%" G_GINT64_FORMAT,
                                           channel, cursor, end);

  return g_compute_hmac_for_data (G_CHECKSUM_SHA256,
                                  g_bytes_get_data (key, NULL), g_bytes_get_size (key),
                                  (const guchar *) data, strlen (data));
}

/* Reads the page end from a journal "END:SIGNATURE" that this server
 * issued for the same channel and cursor. Returns 0, meaning no stored
 * end, for anything else, so a forged journal cannot make a page cover
 * more than numItems and the messages sent after the page was first run. */
static gint64
read_journal (ChorusCall *call,
              const char *channel,
              gint64      cursor)
{
  g_autofree char *expected = NULL;
  const char *colon;
  char *digits_end = NULL;
  gint64 end;

  if (call->journal == NULL || (colon = strchr (call->journal, ':')) == NULL)
    return 0;

  end = g_ascii_strtoll (call->journal, &digits_end, 10);
  if (digits_end != colon || end <= 0 || (cursor > 0 && end >= cursor))
    return 0;

  expected = sign_journal (call, channel, cursor, end);
  return g_str_equal (colon + 1, expected) ? end : 0;
}

/*
 * messages:page {channel, paginationOpts}: the channel's messages newest
 * first, in Convex's {page, isDone, continueCursor} shape. A cursor is the
 * decimal sequence number a page ends at. The first run of a subscription
 * stores that end, signed, in the journal and later runs keep it, so a
 * page grows with new messages instead of pushing its oldest ones out of
 * every page.
 */
static JsonNode *
page_messages (ChorusCall  *call,
               JsonObject  *args,
               GError     **error)
{
  static const char * const names[] = { "channel", "paginationOpts", NULL };
  const char *channel = NULL;
  gint64 cursor = 0, end_cursor = 0, end = 0, split = 0;
  gboolean is_done = FALSE, open = TRUE;
  guint num_items = 0;
  g_autofree char *signature = NULL;
  JsonArray *page;

  if (!chorus_args_check_names (args, names, error) ||
      !read_channel_arg (call, args, &channel, error) ||
      !chorus_args_get_pagination (args, &cursor, &end_cursor, &num_items, error))
    return NULL;

  /* NOTE: an explicit paginationOpts.endCursor is still taken as sent,
   * so a client can ask for one page that covers the whole channel. */
  if (!page_is_open (call, cursor, &open, error))
    return NULL;
  if (open)
    read_newest (call, channel);

  if (end_cursor == 0)
    end_cursor = read_journal (call, channel, cursor);
  if (end_cursor < 0 || (cursor > 0 && end_cursor >= cursor))
    end_cursor = 0;

  if (!(page = chorus_db_page_messages (call->db, channel, cursor, end_cursor, num_items,
                                        &end, &is_done, error)))
    return NULL;

  if (!find_page_split (call, channel, cursor, end, json_array_get_length (page), num_items,
                        &split, error))
    {
      json_array_unref (page);
      return NULL;
    }

  signature = sign_journal (call, channel, cursor, end);
  g_free (call->journal);
  call->journal = g_strdup_printf ("%" G_GINT64_FORMAT ":%s", end, signature);
  return page_result_new (page, is_done, end, split);
}

static JsonNode *
create_channel (ChorusCall  *call,
                JsonObject  *args,
                GError     **error)
{
  static const char * const names[] = { "name", NULL };
  g_autofree char *id = NULL;
  const char *name = NULL;
  gboolean taken = FALSE;

  if (!chorus_args_check_names (args, names, error) ||
      !chorus_args_get_string (args, "name", TRUE, &name, error) ||
      !chorus_args_check_channel_name (name, error) ||
      !chorus_db_has_channel_name (call->db, name, &taken, error))
    return NULL;

  if (taken)
    {
      g_set_error (error, CHORUS_FUNCTION_ERROR, CHORUS_FUNCTION_ERROR_INVALID_ARGUMENT,
                   "Invalid argument 'name': a channel named '%s' already exists", name);
      return NULL;
    }

  if (!(id = chorus_db_insert_channel (call->db, name, call->ts, error)))
    return NULL;

  g_hash_table_add (call->deps, g_strdup ("channels"));
  return json_node_init_string (json_node_alloc (), id);
}

/* With tokens the author is the authenticated user, and an author
 * argument, if any, is ignored. */
static gboolean
read_send_args (ChorusCall   *call,
                JsonObject   *args,
                const char  **channel,
                const char  **body,
                const char  **author,
                const char  **client_id,
                GError      **error)
{
  static const char * const names[] = { "author", "body", "channel", "clientId", NULL };

  if (!chorus_args_check_names (args, names, error) ||
      !chorus_args_get_string (args, "channel", TRUE, channel, error) ||
      !chorus_args_get_string (args, "body", TRUE, body, error) ||
      !chorus_args_get_string (args, "author", call->user == NULL, author, error) ||
      !chorus_args_get_string (args, "clientId", FALSE, client_id, error))
    return FALSE;

  if (call->user != NULL)
    *author = call->user;

  return chorus_args_check_text ("body", *body, CHORUS_BODY_MAX_LENGTH, error) &&
         chorus_args_check_text ("author", *author, CHORUS_AUTHOR_MAX_LENGTH, error) &&
         (*client_id == NULL ||
          chorus_args_check_text ("clientId", *client_id, CHORUS_CLIENT_ID_MAX_LENGTH, error)) &&
         check_channel_exists (call->db, *channel, error);
}

/* A send whose client id already exists, or belonged to a removed
 * message, returns that message's id and writes nothing, so a client that
 * retries after a restart does not post the message twice. */
static JsonNode *
send_message (ChorusCall  *call,
              JsonObject  *args,
              GError     **error)
{
  const char *channel, *body, *author, *client_id;
  g_autofree char *id = NULL;

  if (!read_send_args (call, args, &channel, &body, &author, &client_id, error))
    return NULL;

  if (client_id != NULL &&
      !chorus_db_find_message_by_client_id (call->db, client_id, &id, error))
    return NULL;

  if (id == NULL)
    {
      if (!(id = chorus_db_insert_message (call->db, channel, author, body, client_id,
                                           call->ts, error)))
        return NULL;

      g_hash_table_add (call->deps, g_strconcat ("messages/", channel, "/newest", NULL));
    }

  return json_node_init_string (json_node_alloc (), id);
}

/* Looks up the message @args names by "id" and checks that the caller may
 * change it: with tokens, only its author may. */
static gboolean
find_own_message (ChorusCall   *call,
                  JsonObject   *args,
                  const char  **out_id,
                  char        **out_channel,
                  GError      **error)
{
  g_autofree char *author = NULL;

  if (!chorus_args_get_string (args, "id", TRUE, out_id, error) ||
      !chorus_db_get_message (call->db, *out_id, out_channel, &author, error))
    return FALSE;

  if (*out_channel == NULL)
    {
      g_set_error (error, CHORUS_FUNCTION_ERROR, CHORUS_FUNCTION_ERROR_NOT_FOUND,
                   "Invalid argument 'id': no message has the id '%s'", *out_id);
      return FALSE;
    }

  if (call->user != NULL && g_strcmp0 (call->user, author) != 0)
    {
      g_set_error (error, CHORUS_FUNCTION_ERROR, CHORUS_FUNCTION_ERROR_FORBIDDEN,
                   "Forbidden: only the author of message '%s' may change it", *out_id);
      return FALSE;
    }

  return TRUE;
}

/* messages:edit {id, body} replaces the body and sets editedAt. */
static JsonNode *
edit_message (ChorusCall  *call,
              JsonObject  *args,
              GError     **error)
{
  static const char * const names[] = { "body", "id", NULL };
  g_autofree char *channel = NULL;
  const char *id, *body;

  if (!chorus_args_check_names (args, names, error) ||
      !chorus_args_get_string (args, "body", TRUE, &body, error) ||
      !chorus_args_check_text ("body", body, CHORUS_BODY_MAX_LENGTH, error) ||
      !find_own_message (call, args, &id, &channel, error) ||
      !chorus_db_edit_message (call->db, id, body, call->ts, error))
    return NULL;

  g_hash_table_add (call->deps, g_strconcat ("messages/", channel, NULL));
  return json_node_init_null (json_node_alloc ());
}

/* messages:remove {id} deletes the message and keeps its client id. */
static JsonNode *
remove_message (ChorusCall  *call,
                JsonObject  *args,
                GError     **error)
{
  static const char * const names[] = { "id", NULL };
  g_autofree char *channel = NULL;
  const char *id;

  if (!chorus_args_check_names (args, names, error) ||
      !find_own_message (call, args, &id, &channel, error) ||
      !chorus_db_remove_message (call->db, id, call->ts, error))
    return NULL;

  g_hash_table_add (call->deps, g_strconcat ("messages/", channel, NULL));
  return json_node_init_null (json_node_alloc ());
}

typedef struct
{
  const char *udf_path;
  ChatFunc    func;
} Function;

static const Function queries[] = {
  { "channels:list", list_channels },
  { "messages:list", list_messages },
  { "messages:page", page_messages },
};

static const Function mutations[] = {
  { "channels:create", create_channel },
  { "messages:send", send_message },
  { "messages:edit", edit_message },
  { "messages:remove", remove_message },
};

static JsonNode *
run_function (const Function  *functions,
              guint            n_functions,
              const char      *kind,
              ChorusCall      *call,
              const char      *udf_path,
              JsonObject      *args,
              GError         **error)
{
  g_return_val_if_fail (call != NULL && call->db != NULL, NULL);
  g_return_val_if_fail (udf_path != NULL, NULL);

  for (guint i = 0; i < n_functions; i++)
    {
      if (g_str_equal (functions[i].udf_path, udf_path))
        return functions[i].func (call, args, error);
    }

  g_set_error (error, CHORUS_FUNCTION_ERROR, CHORUS_FUNCTION_ERROR_UNKNOWN_FUNCTION,
               "Could not find public %s '%s'", kind, udf_path);
  return NULL;
}

/* Runs the query at the canonical @udf_path. */
JsonNode *
chorus_functions_run_query (ChorusCall  *call,
                            const char  *udf_path,
                            JsonObject  *args,
                            GError     **error)
{
  return run_function (queries, G_N_ELEMENTS (queries), "query", call, udf_path, args, error);
}

/* Runs the mutation at the canonical @udf_path inside the caller's
 * transaction, whose commit timestamp is @call->ts. */
JsonNode *
chorus_functions_run_mutation (ChorusCall  *call,
                               const char  *udf_path,
                               JsonObject  *args,
                               GError     **error)
{
  return run_function (mutations, G_N_ELEMENTS (mutations), "mutation",
                       call, udf_path, args, error);
}

gboolean
chorus_functions_sets_intersect (GHashTable *reads,
                                 GHashTable *writes)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, writes);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      if (g_hash_table_contains (reads, key))
        return TRUE;
    }

  return FALSE;
}
