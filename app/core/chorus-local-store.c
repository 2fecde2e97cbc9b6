/* chorus-local-store.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-local-store"

#include "config.h"

#include "chorus-local-store-private.h"
#include "chorus-value.h"

/* The shape hash of a value that the store handed to an update, taken
 * before the update could change it. */
typedef struct
{
  guint64  hash;
  char    *udf_path;
} ChorusFingerprint;

/* The view: entries in the order they were first added, indexed by token. */
struct _ChorusLocalStore
{
  GPtrArray  *entries;
  GHashTable *by_token;
  /* JsonNode (referenced) -> ChorusFingerprint, for every value handed
   * out since the store was made. NULL until the first one. */
  GHashTable *fingerprints;
  /* The values handed out during the current update, borrowed. */
  GPtrArray  *handed;
};

static void
fingerprint_free (ChorusFingerprint *fingerprint)
{
  g_free (fingerprint->udf_path);
  g_free (fingerprint);
}

static void
view_entry_free (ChorusViewEntry *entry)
{
  g_free (entry->token);
  g_free (entry->udf_path);
  g_clear_pointer (&entry->args, json_node_unref);
  g_clear_pointer (&entry->value, json_node_unref);
  g_clear_error (&entry->error);
  g_free (entry);
}

ChorusLocalStore *
_chorus_local_store_new (void)
{
  ChorusLocalStore *self = g_new0 (ChorusLocalStore, 1);

  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) view_entry_free);
  self->by_token = g_hash_table_new (g_str_hash, g_str_equal);

  return self;
}

/* Returns a new store with the same entries, sharing their values. */
ChorusLocalStore *
_chorus_local_store_copy (ChorusLocalStore *self)
{
  ChorusLocalStore *copy = _chorus_local_store_new ();

  g_assert (self != NULL);

  for (guint i = 0; i < self->entries->len; i++)
    {
      ChorusViewEntry *entry = g_ptr_array_index (self->entries, i);

      _chorus_local_store_put (copy, entry->token, entry->udf_path,
                               entry->args, entry->value, entry->error);
    }

  return copy;
}

void
_chorus_local_store_free (ChorusLocalStore *self)
{
  if (self == NULL)
    return;

  g_hash_table_unref (self->by_token);
  g_ptr_array_unref (self->entries);
  g_clear_pointer (&self->fingerprints, g_hash_table_unref);
  g_clear_pointer (&self->handed, g_ptr_array_unref);
  g_free (self);
}

ChorusViewEntry *
_chorus_local_store_lookup (ChorusLocalStore *self,
                            const char       *token)
{
  g_assert (self != NULL);

  return g_hash_table_lookup (self->by_token, token);
}

/* Creates or overwrites the entry for @token. @args and @value must be
 * sealed, and the store takes new references to them. */
void
_chorus_local_store_put (ChorusLocalStore *self,
                         const char       *token,
                         const char       *udf_path,
                         JsonNode         *args,
                         JsonNode         *value,
                         const GError     *error)
{
  ChorusViewEntry *entry;

  g_assert (self != NULL);
  g_assert (value == NULL || json_node_is_immutable (value));

  entry = g_hash_table_lookup (self->by_token, token);
  if (entry == NULL)
    {
      entry = g_new0 (ChorusViewEntry, 1);
      entry->token = g_strdup (token);
      entry->udf_path = g_strdup (udf_path);
      entry->args = json_node_ref (args);
      g_ptr_array_add (self->entries, entry);
      g_hash_table_insert (self->by_token, entry->token, entry);
    }

  g_clear_pointer (&entry->value, json_node_unref);
  g_clear_error (&entry->error);
  entry->value = value ? json_node_ref (value) : NULL;
  entry->error = error ? g_error_copy (error) : NULL;
}

#define HASH_SEED  0xcbf29ce484222325ull
#define HASH_PRIME 0x100000001b3ull

static inline guint64
hash_add (guint64  hash,
          gconstpointer pointer)
{
  return (hash ^ GPOINTER_TO_SIZE (pointer)) * HASH_PRIME;
}

/* Hashes which nodes make up @node, not what they contain. json-glib 1.6
 * rejects json_node_set_*() on a sealed node, so only the arrays and
 * objects inside can change, and any such change puts another node, or
 * another member name, in place. This walk formats no text, so taking it
 * before and after every update stays cheap. */
static guint64
hash_shape (JsonNode *node,
            guint64   hash)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *member;
  JsonArray *array;
  guint64 sum = 0;

  hash = hash_add (hash, node);
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      array = json_node_get_array (node);
      hash = hash_add (hash, GUINT_TO_POINTER (json_array_get_length (array)));
      for (guint i = 0; i < json_array_get_length (array); i++)
        hash = hash_shape (json_array_get_element (array, i), hash);
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      /* Adding up the members keeps the hash independent of their order. */
      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &key, &member))
        sum += hash_shape (member, hash_add (HASH_SEED, key));
      hash = hash_add (hash, GSIZE_TO_POINTER (sum));
    }

  return hash;
}

/* Records @entry's value as handed to the running update, and takes its
 * fingerprint the first time this store hands it out. json-glib 1.6 does
 * not stop writes into the arrays and objects of a sealed node, so the
 * fingerprint is what catches an update that changes a value in place. */
static JsonNode *
hand_out (ChorusLocalStore *self,
          ChorusViewEntry  *entry)
{
  ChorusFingerprint *fingerprint;

  if (entry->value == NULL)
    return NULL;

  if (self->fingerprints == NULL)
    {
      self->fingerprints = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) json_node_unref,
                                                  (GDestroyNotify) fingerprint_free);
      self->handed = g_ptr_array_new ();
    }

  fingerprint = g_hash_table_lookup (self->fingerprints, entry->value);
  if (fingerprint == NULL)
    {
      fingerprint = g_new0 (ChorusFingerprint, 1);
      fingerprint->hash = hash_shape (entry->value, HASH_SEED);
      fingerprint->udf_path = g_strdup (entry->udf_path);
      g_hash_table_insert (self->fingerprints, json_node_ref (entry->value), fingerprint);
    }

  g_ptr_array_add (self->handed, entry->value);
  return entry->value;
}

/* Forgets which values the previous update was handed. */
void
_chorus_local_store_begin_update (ChorusLocalStore *self)
{
  g_assert (self != NULL);

  if (self->handed != NULL)
    g_ptr_array_set_size (self->handed, 0);
}

/* Returns the canonical path of a query whose value, handed out during
 * the current update, no longer matches its fingerprint, or NULL when
 * the update changed none. */
const char *
_chorus_local_store_find_changed (ChorusLocalStore *self)
{
  g_assert (self != NULL);

  if (self->handed == NULL)
    return NULL;

  for (guint i = 0; i < self->handed->len; i++)
    {
      JsonNode *node = g_ptr_array_index (self->handed, i);
      ChorusFingerprint *fingerprint = g_hash_table_lookup (self->fingerprints, node);

      if (hash_shape (node, HASH_SEED) != fingerprint->hash)
        return fingerprint->udf_path;
    }

  return NULL;
}

/**
 * chorus_local_store_get_query:
 * @store: the store handed to the update
 * @udf_path: the query's function path
 * @args: (nullable): the query's arguments object, NULL for {}
 *
 * Looks up the visible value of a query.
 *
 * Returns: (transfer none) (nullable): the sealed value, or NULL when the
 *   query is absent, loading or failed
 */
JsonNode *
chorus_local_store_get_query (ChorusLocalStore *store,
                              const char       *udf_path,
                              JsonNode         *args)
{
  g_autofree char *path = NULL;
  g_autofree char *token = NULL;
  ChorusViewEntry *entry;

  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (udf_path != NULL, NULL);

  path = chorus_canonical_udf_path (udf_path);
  token = chorus_query_token (path, args);
  entry = g_hash_table_lookup (store->by_token, token);
  if (entry == NULL)
    return NULL;

  return hand_out (store, entry);
}

/**
 * chorus_local_store_set_query:
 * @store: the store handed to the update
 * @udf_path: the query's function path
 * @args: (nullable): the query's arguments object, NULL for {}
 * @value: (nullable): the new value, or NULL to make the query loading
 *
 * Sets the visible value of a query, subscribed or not. A sealed @value is
 * referenced, an unsealed one is copied, so the caller keeps ownership.
 */
void
chorus_local_store_set_query (ChorusLocalStore *store,
                              const char       *udf_path,
                              JsonNode         *args,
                              JsonNode         *value)
{
  g_autoptr(JsonNode) sealed_args = NULL;
  g_autoptr(JsonNode) sealed_value = NULL;
  g_autofree char *path = NULL;
  g_autofree char *token = NULL;

  g_return_if_fail (store != NULL);
  g_return_if_fail (udf_path != NULL);
  g_return_if_fail (args == NULL || JSON_NODE_HOLDS_OBJECT (args));

  path = chorus_canonical_udf_path (udf_path);
  token = chorus_query_token (path, args);
  sealed_args = chorus_value_dup_args (args);
  sealed_value = chorus_value_dup_sealed (value);

  _chorus_local_store_put (store, token, path, sealed_args, sealed_value, NULL);
}

static ChorusQueryEntry *
query_entry_new (ChorusViewEntry *entry)
{
  ChorusQueryEntry *query = g_new0 (ChorusQueryEntry, 1);

  query->args = json_node_ref (entry->args);
  query->value = entry->value ? json_node_ref (entry->value) : NULL;

  return query;
}

/**
 * chorus_local_store_get_all_queries:
 * @store: the store handed to the update
 * @udf_path: the function path to match
 *
 * Lists every query in the view whose canonical path equals that of
 * @udf_path, in the order the view gained them. Entries that are loading
 * or failed have a NULL value.
 *
 * Returns: (transfer full) (element-type ChorusQueryEntry): a new array
 *   whose free function is chorus_query_entry_free(); release it with
 *   g_ptr_array_unref()
 */
GPtrArray *
chorus_local_store_get_all_queries (ChorusLocalStore *store,
                                    const char       *udf_path)
{
  g_autofree char *path = NULL;
  GPtrArray *queries;

  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (udf_path != NULL, NULL);

  path = chorus_canonical_udf_path (udf_path);
  queries = g_ptr_array_new_with_free_func ((GDestroyNotify) chorus_query_entry_free);

  for (guint i = 0; i < store->entries->len; i++)
    {
      ChorusViewEntry *entry = g_ptr_array_index (store->entries, i);

      if (!g_str_equal (entry->udf_path, path))
        continue;

      hand_out (store, entry);
      g_ptr_array_add (queries, query_entry_new (entry));
    }

  return queries;
}

/**
 * chorus_query_entry_free:
 * @entry: (nullable): an entry from chorus_local_store_get_all_queries()
 *
 * Frees @entry and drops its references to the arguments and the value.
 */
void
chorus_query_entry_free (ChorusQueryEntry *entry)
{
  if (entry == NULL)
    return;

  g_clear_pointer (&entry->args, json_node_unref);
  g_clear_pointer (&entry->value, json_node_unref);
  g_free (entry);
}
