/* chorus-connection-queries.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-connection"

#include <string.h>

#include "chorus-connection-private.h"
#include "chorus-protocol.h"

struct _ChorusRefreshCache
{
  /* ChorusQueryResults by path, arguments, journal and authentication. */
  GHashTable *results;
  /* Transition frames as GBytes, by version prefix and the addresses of
   * the modification texts. */
  GHashTable *frames;
  /* The modification texts that the keys of frames name. Holding them
   * keeps their addresses from being reused by other texts. */
  GPtrArray  *frame_texts;
  /* The commit timestamp that the entries belong to. */
  guint64     ts;
};

void
chorus_query_free (ChorusQuery *query)
{
  g_free (query->udf_path);
  g_clear_pointer (&query->args, json_object_unref);
  g_free (query->args_text);
  g_clear_pointer (&query->reads, g_hash_table_unref);
  g_free (query->journal);
  g_clear_error (&query->invalid_args);
  g_clear_pointer (&query->sent_result, g_ref_string_release);
  g_free (query);
}

static void
query_result_free (ChorusQueryResult *result)
{
  g_clear_pointer (&result->value_text, g_ref_string_release);
  g_clear_error (&result->error);
  g_clear_pointer (&result->reads, g_hash_table_unref);
  g_free (result->journal);
  g_clear_pointer (&result->sent_text, g_ref_string_release);
  g_clear_pointer (&result->compared_text, g_ref_string_release);
  g_clear_pointer (&result->modification, g_ref_string_release);
  g_free (result);
}

/* Returns a cache for chorus_connection_refresh(): query results and
 * Transition frames, valid until the next commit. */
ChorusRefreshCache *
chorus_refresh_cache_new (void)
{
  ChorusRefreshCache *cache = g_new0 (ChorusRefreshCache, 1);

  cache->results = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) query_result_free);
  cache->frames = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_bytes_unref);
  cache->frame_texts = chorus_modifications_new ();
  return cache;
}

/* Empties @cache unless its entries belong to the commit at @ts. Every
 * query reads the same database state until the next commit, so results
 * from any connection stay valid until then. */
void
chorus_refresh_cache_renew (ChorusRefreshCache *cache,
                            guint64             ts)
{
  if (cache->ts == ts)
    return;

  g_hash_table_remove_all (cache->frames);
  g_ptr_array_set_size (cache->frame_texts, 0);
  g_hash_table_remove_all (cache->results);
  cache->ts = ts;
}

void
chorus_refresh_cache_free (ChorusRefreshCache *cache)
{
  if (cache == NULL)
    return;

  g_hash_table_unref (cache->results);
  g_hash_table_unref (cache->frames);
  g_ptr_array_unref (cache->frame_texts);
  g_free (cache);
}

/* Returns an array for modification texts, which are GRefStrings. */
GPtrArray *
chorus_modifications_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) g_ref_string_release);
}

static char *
json_string_text (const char *text)
{
  g_autoptr(JsonNode) node = NULL;

  if (text == NULL)
    return g_strdup ("null");

  node = json_node_init_string (json_node_alloc (), text);
  return json_to_string (node, FALSE);
}

static void
append_state_version (GString *out,
                      guint32  query_set,
                      guint64  ts,
                      guint32  identity)
{
  g_autofree char *encoded = chorus_protocol_encode_ts (ts);

  g_string_append_printf (out, "{\"querySet\":%u,\"ts\":\"%s\",\"identity\":%u}",
                          query_set, encoded, identity);
}

/* Sends @text as TransitionChunk frames of at most chunk_size bytes each,
 * cut between UTF-8 characters so every chunk is valid text. */
static void
send_chunks (ChorusConnection *self,
             const char       *text,
             gsize             length)
{
  g_autofree char *transition_id = g_strdup_printf ("%u", self->transition_count);
  gsize chunk_size = MAX (self->config->chunk_size, 8);
  g_autoptr(GPtrArray) chunks = g_ptr_array_new_with_free_func (g_free);

  for (gsize start = 0, end; start < length; start = end)
    {
      end = MIN (start + chunk_size, length);
      while (end < length && end > start + 1 && ((guchar) text[end] & 0xC0) == 0x80)
        end--;
      g_ptr_array_add (chunks, g_strndup (text + start, end - start));
    }

  for (guint i = 0; i < chunks->len; i++)
    {
      g_autoptr(JsonObject) frame = json_object_new ();

      json_object_set_string_member (frame, "type", "TransitionChunk");
      json_object_set_string_member (frame, "chunk", chunks->pdata[i]);
      json_object_set_int_member (frame, "partNumber", i);
      json_object_set_int_member (frame, "totalParts", chunks->len);
      json_object_set_string_member (frame, "transitionId", transition_id);
      chorus_connection_send_frame (self, frame);
    }
}

static void
append_modifications (GString   *text,
                      GPtrArray *modifications)
{
  for (guint i = 0; modifications != NULL && i < modifications->len; i++)
    {
      if (i > 0)
        g_string_append_c (text, ',');
      g_string_append (text, modifications->pdata[i]);
    }
  g_string_append (text, "]}");
}

/* Returns the Transition frame that starts with @prefix and contains
 * @modifications. Connections at the same versions that get the same
 * modifications share one frame from @cache, so each distinct frame is
 * written once per commit. */
static GBytes *
lookup_frame (GString            *prefix,
              GPtrArray          *modifications,
              ChorusRefreshCache *cache)
{
  g_autoptr(GString) key = NULL;
  GBytes *frame;

  if (cache == NULL)
    {
      append_modifications (prefix, modifications);
      return g_bytes_new (prefix->str, prefix->len);
    }

  /* The texts are shared GRefStrings, so their addresses identify them
   * while the cache keeps a reference to them. A result builds a new text
   * when a subscriber has another query id, and frees its old one. */
  key = g_string_new_len (prefix->str, prefix->len);
  for (guint i = 0; modifications != NULL && i < modifications->len; i++)
    g_string_append_printf (key, "\n%p", modifications->pdata[i]);

  if ((frame = g_hash_table_lookup (cache->frames, key->str)))
    return g_bytes_ref (frame);

  for (guint i = 0; modifications != NULL && i < modifications->len; i++)
    g_ptr_array_add (cache->frame_texts, g_ref_string_acquire (modifications->pdata[i]));
  append_modifications (prefix, modifications);
  frame = g_bytes_new (prefix->str, prefix->len);
  g_hash_table_insert (cache->frames, g_string_free (g_steal_pointer (&key), FALSE),
                       g_bytes_ref (frame));
  return frame;
}

/* Sends the next Transition of this connection's chain, with the
 * modifications given as JSON text. It brings the client to the current
 * query set, identity and latest commit timestamp. @cache may be NULL. */
void
chorus_connection_send_transition (ChorusConnection   *self,
                                   GPtrArray          *modifications,
                                   ChorusRefreshCache *cache)
{
  g_autoptr(GString) prefix = g_string_new ("{\"type\":\"Transition\",\"startVersion\":");
  g_autoptr(GBytes) frame = NULL;
  guint64 ts = chorus_db_get_last_ts (self->db);
  gsize length;

  append_state_version (prefix, self->sent_query_set, self->sent_ts, self->sent_identity);
  g_string_append (prefix, ",\"endVersion\":");
  append_state_version (prefix, self->query_set, ts, self->identity);
  g_string_append (prefix, ",\"modifications\":[");
  frame = lookup_frame (prefix, modifications, cache);
  length = g_bytes_get_size (frame);

  self->transition_count++;
  if (self->config->chunk_size > 0 && length > self->config->chunk_size)
    send_chunks (self, g_bytes_get_data (frame, NULL), length);
  else
    chorus_connection_send_bytes (self, frame);

  self->sent_query_set = self->query_set;
  self->sent_identity = self->identity;
  self->sent_ts = ts;
}

/* Returns the QueryUpdated or QueryFailed modification of @result for
 * @query_id as a GRefString, built once for all its subscribers. */
static char *
query_modification_new (guint32            query_id,
                        ChorusQueryResult *result)
{
  g_autofree char *journal = json_string_text (result->journal);
  g_autoptr(JsonObject) failed = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  JsonNode *error_data;

  if (result->modification != NULL && result->modification_query_id == query_id)
    return g_ref_string_acquire (result->modification);

  if (result->value_text != NULL)
    text = g_strdup_printf ("{\"type\":\"QueryUpdated\",\"queryId\":%u,\"value\":%s,"
                            "\"logLines\":[],\"journal\":%s}",
                            query_id, result->value_text, journal);
  else
    {
      failed = json_object_new ();
      json_object_set_string_member (failed, "type", "QueryFailed");
      json_object_set_int_member (failed, "queryId", query_id);
      json_object_set_string_member (failed, "errorMessage", result->error->message);
      json_object_set_array_member (failed, "logLines", json_array_new ());
      json_object_set_null_member (failed, "journal");
      if ((error_data = chorus_args_error_data (result->error)) != NULL)
        json_object_set_member (failed, "errorData", error_data);

      node = json_node_init_object (json_node_alloc (), failed);
      text = json_to_string (node, FALSE);
    }

  g_clear_pointer (&result->modification, g_ref_string_release);
  result->modification = g_ref_string_new (text);
  result->modification_query_id = query_id;
  return g_ref_string_acquire (result->modification);
}

static ChorusQueryResult *
execute_query (ChorusConnection *self,
               ChorusQuery      *query)
{
  ChorusQueryResult *result = g_new0 (ChorusQueryResult, 1);
  g_autoptr(JsonNode) value = NULL;
  ChorusCall call = { 0, };

  result->reads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  call.db = self->db;
  call.user = self->user;
  call.deps = result->reads;
  call.journal = g_strdup (query->journal);

  if (query->invalid_args != NULL)
    result->error = g_error_copy (query->invalid_args);
  else if (chorus_connection_check_authenticated (self, &result->error))
    value = chorus_functions_run_query (&call, query->udf_path, query->args, &result->error);

  if (value != NULL)
    {
      g_autofree char *text = json_to_string (value, FALSE);

      result->value_text = g_ref_string_new (text);
      result->sent_text = g_ref_string_acquire (result->value_text);
    }
  else
    {
      g_autofree char *text = g_strconcat ("!", result->error->message, NULL);

      result->sent_text = g_ref_string_new (text);
      if (result->error->domain != CHORUS_FUNCTION_ERROR)
        g_warning ("Query %s from %s failed: %s", query->udf_path, self->peer,
                   result->error->message);
    }

  result->journal = call.journal;
  return result;
}

/* Tells whether @result is the one last sent for @query. Subscribers
 * that were sent the same text share it, so only the first of them
 * compares the texts. */
static gboolean
result_was_sent (ChorusQuery       *query,
                 ChorusQueryResult *result)
{
  if (query->sent_result == NULL)
    return FALSE;
  if (query->sent_result == result->sent_text)
    return TRUE;
  if (query->sent_result == result->compared_text)
    return result->compared_equal;

  g_clear_pointer (&result->compared_text, g_ref_string_release);
  result->compared_text = g_ref_string_acquire (query->sent_result);
  result->compared_equal = g_str_equal (query->sent_result, result->sent_text);
  return result->compared_equal;
}

/* Runs @query, or takes its result from @cache, and returns its
 * QueryUpdated or QueryFailed modification as a GRefString. Returns NULL
 * when @only_changed is set and the result is the one last sent. */
static char *
run_query (ChorusConnection   *self,
           guint32             query_id,
           ChorusQuery        *query,
           ChorusRefreshCache *cache,
           gboolean            only_changed)
{
  g_autoptr(ChorusRefreshCache) own = NULL;
  g_autofree char *key = NULL;
  ChorusQueryResult *result = NULL;
  gboolean unchanged;

  if (cache == NULL)
    cache = own = chorus_refresh_cache_new ();

  /* No query depends on who runs it, only on whether the caller passed
   * the authentication check. */
  key = g_strdup_printf ("%s\n%s\n%s\n%d", query->udf_path, query->args_text,
                         query->journal ? query->journal : "", self->user != NULL);
  if (!(result = g_hash_table_lookup (cache->results, key)))
    {
      result = execute_query (self, query);
      g_hash_table_insert (cache->results, g_steal_pointer (&key), result);
    }

  /* Nothing changes a result's reads once it has run, so they are shared. */
  g_clear_pointer (&query->reads, g_hash_table_unref);
  query->reads = g_hash_table_ref (result->reads);

  g_free (query->journal);
  query->journal = g_strdup (result->journal);

  unchanged = result_was_sent (query, result);
  if (only_changed && unchanged)
    return NULL;

  g_clear_pointer (&query->sent_result, g_ref_string_release);
  query->sent_result = g_ref_string_acquire (result->sent_text);
  return query_modification_new (query_id, result);
}

static gint
compare_query_ids (gconstpointer a,
                   gconstpointer b)
{
  guint32 id_a = GPOINTER_TO_UINT (*(gconstpointer *) a);
  guint32 id_b = GPOINTER_TO_UINT (*(gconstpointer *) b);

  return (id_a > id_b) - (id_a < id_b);
}

static GPtrArray *
sorted_query_ids (ChorusConnection *self)
{
  GPtrArray *ids = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->queries);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (ids, key);
  g_ptr_array_sort (ids, compare_query_ids);

  return ids;
}

/* Runs every query again, after the identity changed, and adds the
 * results that changed to @modifications. */
void
chorus_connection_refresh_all (ChorusConnection *self,
                               GPtrArray        *modifications)
{
  g_autoptr(GPtrArray) ids = sorted_query_ids (self);

  for (guint i = 0; i < ids->len; i++)
    {
      ChorusQuery *query = g_hash_table_lookup (self->queries, ids->pdata[i]);
      char *modification = run_query (self, GPOINTER_TO_UINT (ids->pdata[i]), query, NULL, TRUE);

      if (modification != NULL)
        g_ptr_array_add (modifications, modification);
    }
}

/*
 * Runs again every subscription that read something in @writes, and sends
 * a Transition with the results that changed. @cache, from
 * chorus_refresh_cache_new(), lets the connections share one run of
 * each query and each Transition frame per commit. With @always_send it sends the Transition even
 * when it is empty, which a mutation's own connection needs to complete
 * the mutation.
 */
void
chorus_connection_refresh (ChorusConnection   *self,
                           GHashTable         *writes,
                           ChorusRefreshCache *cache,
                           gboolean            always_send)
{
  g_autoptr(GPtrArray) modifications = chorus_modifications_new ();
  g_autoptr(GPtrArray) ids = NULL;

  g_return_if_fail (CHORUS_IS_CONNECTION (self));

  if (self->session_id == NULL || self->closing)
    return;

  ids = sorted_query_ids (self);
  for (guint i = 0; i < ids->len; i++)
    {
      ChorusQuery *query = g_hash_table_lookup (self->queries, ids->pdata[i]);
      char *modification;

      if (!chorus_functions_sets_intersect (query->reads, writes))
        continue;

      modification = run_query (self, GPOINTER_TO_UINT (ids->pdata[i]), query, cache, TRUE);
      if (modification != NULL)
        g_ptr_array_add (modifications, modification);
    }

  if (always_send || modifications->len > 0)
    chorus_connection_send_transition (self, modifications, cache);
}

static gboolean
add_query (ChorusConnection  *self,
           JsonObject        *add,
           GPtrArray         *modifications,
           GError           **error)
{
  g_autoptr(JsonObject) args = NULL;
  g_autoptr(JsonNode) args_node = NULL;
  const char *udf_path, *journal;
  guint32 query_id;
  ChorusQuery *query;

  if (!chorus_protocol_get_u32 (add, "queryId", &query_id, error) ||
      !chorus_protocol_get_string (add, "udfPath", TRUE, &udf_path, error) ||
      !chorus_protocol_get_string (add, "journal", FALSE, &journal, error) ||
      !chorus_protocol_get_args (add, &args, error))
    return FALSE;

  if (g_hash_table_contains (self->queries, GUINT_TO_POINTER (query_id)))
    {
      g_set_error (error, CHORUS_PROTOCOL_ERROR, 0, "Query %u is already in the query set", query_id);
      return FALSE;
    }

  query = g_new0 (ChorusQuery, 1);
  query->udf_path = chorus_protocol_canonicalize_path (udf_path);
  args_node = json_node_init_object (json_node_alloc (), args);
  query->args_text = json_to_string (args_node, FALSE);
  query->args = g_steal_pointer (&args);
  query->journal = g_strdup (journal);
  chorus_connection_check_nul (self, &query->invalid_args);
  g_hash_table_insert (self->queries, GUINT_TO_POINTER (query_id), query);

  /* Clients that split a page all add the same halves right after the
   * commit that grew it, so the shared results run each half once. */
  chorus_refresh_cache_renew (self->config->results, chorus_db_get_last_ts (self->db));
  g_ptr_array_add (modifications, run_query (self, query_id, query, self->config->results, FALSE));
  return TRUE;
}

static gboolean
remove_query (ChorusConnection  *self,
              JsonObject        *remove,
              GPtrArray         *modifications,
              GError           **error)
{
  g_autofree char *text = NULL;
  guint32 query_id;

  if (!chorus_protocol_get_u32 (remove, "queryId", &query_id, error))
    return FALSE;

  if (!g_hash_table_remove (self->queries, GUINT_TO_POINTER (query_id)))
    {
      g_set_error (error, CHORUS_PROTOCOL_ERROR, 0, "Query %u is not in the query set", query_id);
      return FALSE;
    }

  text = g_strdup_printf ("{\"type\":\"QueryRemoved\",\"queryId\":%u}", query_id);
  g_ptr_array_add (modifications, g_ref_string_new (text));
  return TRUE;
}

static gboolean
apply_modification (ChorusConnection  *self,
                    JsonNode          *node,
                    GPtrArray         *modifications,
                    GError           **error)
{
  JsonObject *change;
  const char *type;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, CHORUS_PROTOCOL_ERROR, 0, "A query set modification is not an object");
      return FALSE;
    }

  change = json_node_get_object (node);
  if (!chorus_protocol_get_string (change, "type", TRUE, &type, error))
    return FALSE;

  if (g_str_equal (type, "Add"))
    return add_query (self, change, modifications, error);
  if (g_str_equal (type, "Remove"))
    return remove_query (self, change, modifications, error);

  g_set_error (error, CHORUS_PROTOCOL_ERROR, 0, "Unknown query set modification '%s'", type);
  return FALSE;
}

/* Applies a ModifyQuerySet and responds with one Transition that contains the
 * results of every added query. */
gboolean
chorus_connection_modify_query_set (ChorusConnection  *self,
                                    JsonObject        *frame,
                                    GError           **error)
{
  g_autoptr(GPtrArray) modifications = chorus_modifications_new ();
  guint32 base_version, new_version;
  JsonArray *changes;

  if (!chorus_protocol_get_u32 (frame, "baseVersion", &base_version, error) ||
      !chorus_protocol_get_u32 (frame, "newVersion", &new_version, error) ||
      !chorus_protocol_get_array (frame, "modifications", &changes, error))
    return FALSE;

  if (base_version != self->query_set || new_version <= base_version)
    {
      g_set_error (error, CHORUS_PROTOCOL_ERROR, 0,
                   "ModifyQuerySet from version %u to %u does not apply to query set version %u",
                   base_version, new_version, self->query_set);
      return FALSE;
    }

  for (guint i = 0; i < json_array_get_length (changes); i++)
    {
      if (!apply_modification (self, json_array_get_element (changes, i), modifications, error))
        return FALSE;
    }

  self->query_set = new_version;
  chorus_connection_send_transition (self, modifications, NULL);
  return TRUE;
}
