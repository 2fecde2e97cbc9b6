/* chorus-local-store.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-local-store"

#include "config.h"

#include "chorus-local-store-private.h"
#include "chorus-value.h"

/* A value handed to the running update, with the shape hash it had
 * before the update ran. The node is kept alive by the store or by the
 * server result it comes from. */
typedef struct
{
  JsonNode   *node;
  guint64     hash;
  const char *udf_path;
} ChorusHandedValue;

/* The view: entries in the order they were first added, indexed by token.
 * A copy starts as a layer over the store it copies, which it references,
 * and holds only the entries it changed. */
struct _ChorusLocalStore
{
  guint       ref_count;
  ChorusLocalStore *base;  /* has no base itself */
  GPtrArray  *entries;
  GHashTable *by_token;
  /* JsonNode (referenced) -> shape hash, for every value without a seal
   * record handed out since the store was made. NULL until the first. */
  GHashTable *fingerprints;
  /* ChorusHandedValue, for the current update */
  GArray     *handed;
  /* The record of the running update's reads and writes, or NULL */
  ChorusUpdateMemo *recording;
};

struct _ChorusUpdateMemo
{
  guint       ref_count;
  GHashTable *read_tokens;
  /* Paths listed with get_all_queries(), which any new or changed entry
   * on that path can change. */
  GHashTable *read_paths;
  GPtrArray  *writes;  /* ChorusViewEntry, in the order they were made */
};

static void
view_entry_unref (ChorusViewEntry *entry)
{
  if (--entry->ref_count > 0)
    return;

  g_ref_string_release (entry->token);
  g_ref_string_release (entry->udf_path);
  g_clear_pointer (&entry->args, json_node_unref);
  g_clear_pointer (&entry->value, json_node_unref);
  g_clear_error (&entry->error);
  g_free (entry);
}

/* Takes interned strings, see ChorusViewEntry. */
static ChorusViewEntry *
view_entry_new (const char *token,
                const char *udf_path,
                JsonNode   *args)
{
  ChorusViewEntry *entry = g_new0 (ChorusViewEntry, 1);

  entry->ref_count = 1;
  entry->token = g_ref_string_acquire ((char *) token);
  entry->udf_path = g_ref_string_acquire ((char *) udf_path);
  entry->args = json_node_ref (args);

  return entry;
}

ChorusLocalStore *
_chorus_local_store_new (void)
{
  ChorusLocalStore *self = g_new0 (ChorusLocalStore, 1);

  self->ref_count = 1;
  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) view_entry_unref);
  self->by_token = g_hash_table_new (NULL, NULL);

  return self;
}

static void
add_entry (ChorusLocalStore *self,
           ChorusViewEntry  *entry)
{
  g_ptr_array_add (self->entries, entry);
  g_hash_table_insert (self->by_token, entry->token, entry);
}

/* Returns a new store with the same entries, as a layer over @self or
 * over the base of @self. The stores share each entry until one of them
 * changes it, so a copy costs only the few entries a layer contains.
 * NOTE: a store that is the base of a layer is not copied on write, so
 * the layer shows what is put into it. The client only puts server results
 * into its server view, right before it builds a new view. */
ChorusLocalStore *
_chorus_local_store_copy (ChorusLocalStore *self)
{
  ChorusLocalStore *copy = _chorus_local_store_new ();

  g_assert (self != NULL);

  copy->base = self->base ? self->base : self;
  copy->base->ref_count++;
  if (self->base == NULL)
    return copy;

  for (guint i = 0; i < self->entries->len; i++)
    {
      ChorusViewEntry *entry = g_ptr_array_index (self->entries, i);

      entry->ref_count++;
      add_entry (copy, entry);
    }

  return copy;
}

/* Drops one reference to @self. */
void
_chorus_local_store_free (ChorusLocalStore *self)
{
  if (self == NULL || --self->ref_count > 0)
    return;

  g_clear_pointer (&self->base, _chorus_local_store_free);
  g_hash_table_unref (self->by_token);
  g_ptr_array_unref (self->entries);
  g_clear_pointer (&self->fingerprints, g_hash_table_unref);
  g_clear_pointer (&self->handed, g_array_unref);
  g_free (self);
}

ChorusViewEntry *
_chorus_local_store_lookup (ChorusLocalStore *self,
                            const char       *token)
{
  ChorusViewEntry *entry;

  g_assert (self != NULL);

  entry = g_hash_table_lookup (self->by_token, token);
  if (entry == NULL && self->base != NULL)
    entry = g_hash_table_lookup (self->base->by_token, token);

  return entry;
}

/* Returns the entries of @self in order: those of the base, each in the
 * place of the one of @self with its token, then the others of @self. */
static GPtrArray *
list_entries (ChorusLocalStore *self)
{
  GPtrArray *entries;

  if (self->base == NULL)
    return g_ptr_array_ref (self->entries);

  entries = g_ptr_array_sized_new (self->base->entries->len + self->entries->len);
  for (guint i = 0; i < self->base->entries->len; i++)
    {
      ChorusViewEntry *entry = g_ptr_array_index (self->base->entries, i);

      g_ptr_array_add (entries, _chorus_local_store_lookup (self, entry->token));
    }

  for (guint i = 0; i < self->entries->len; i++)
    {
      ChorusViewEntry *entry = g_ptr_array_index (self->entries, i);

      if (!g_hash_table_contains (self->base->by_token, entry->token))
        g_ptr_array_add (entries, entry);
    }

  return entries;
}

/* Returns @entry, or a copy of it that takes its place in @self when
 * another store shares it, so that changing it leaves the others alone. */
static ChorusViewEntry *
own_entry (ChorusLocalStore *self,
           ChorusViewEntry  *entry)
{
  ChorusViewEntry *copy;
  guint index;

  if (entry->ref_count == 1)
    return entry;

  copy = view_entry_new (entry->token, entry->udf_path, entry->args);
  copy->value = entry->value ? json_node_ref (entry->value) : NULL;
  copy->error = entry->error ? g_error_copy (entry->error) : NULL;
  copy->record = entry->record;

  if (!g_ptr_array_find (self->entries, entry, &index))
    g_assert_not_reached ();
  g_hash_table_replace (self->by_token, copy->token, copy);
  self->entries->pdata[index] = copy;
  view_entry_unref (entry);

  return copy;
}

/* Creates or overwrites the entry for @token. @args and @value must be
 * sealed, and the store takes new references to them. @record is the
 * seal record of the server result that @value comes from, or NULL. */
void
_chorus_local_store_put (ChorusLocalStore *self,
                         const char       *token,
                         const char       *udf_path,
                         JsonNode         *args,
                         JsonNode         *value,
                         const GError     *error,
                         ChorusSealRecord *record)
{
  ChorusViewEntry *entry;

  g_assert (self != NULL);
  g_assert (value == NULL || json_node_is_immutable (value));

  entry = g_hash_table_lookup (self->by_token, token);
  if (entry != NULL)
    {
      entry = own_entry (self, entry);
    }
  else
    {
      g_autoptr(GRefString) path = g_ref_string_new_intern (udf_path);

      entry = view_entry_new (token, path, args);
      add_entry (self, entry);
    }

  if (value != NULL)
    json_node_ref (value);
  g_clear_pointer (&entry->value, json_node_unref);
  g_clear_error (&entry->error);
  entry->value = value;
  entry->error = error ? g_error_copy (error) : NULL;
  entry->record = record;
}

ChorusUpdateMemo *
_chorus_update_memo_new (void)
{
  ChorusUpdateMemo *memo = g_new0 (ChorusUpdateMemo, 1);

  memo->ref_count = 1;
  memo->read_tokens = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) g_ref_string_release,
                                             NULL);
  memo->read_paths = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) g_ref_string_release,
                                            NULL);
  memo->writes = g_ptr_array_new_with_free_func ((GDestroyNotify) view_entry_unref);

  return memo;
}

ChorusUpdateMemo *
_chorus_update_memo_ref (ChorusUpdateMemo *memo)
{
  memo->ref_count++;
  return memo;
}

void
_chorus_update_memo_unref (ChorusUpdateMemo *memo)
{
  if (memo == NULL || --memo->ref_count > 0)
    return;

  g_hash_table_unref (memo->read_tokens);
  g_hash_table_unref (memo->read_paths);
  g_ptr_array_unref (memo->writes);
  g_free (memo);
}

/* Returns TRUE when @memo's update read a query listed in @dirty, a
 * table of interned token -> interned canonical path. */
gboolean
_chorus_update_memo_is_stale (ChorusUpdateMemo *memo,
                              GHashTable       *dirty)
{
  GHashTableIter iter;
  gpointer token, path;
  gboolean has_paths;

  if (g_hash_table_size (dirty) == 0)
    return FALSE;

  has_paths = g_hash_table_size (memo->read_paths) > 0;
  g_hash_table_iter_init (&iter, dirty);
  while (g_hash_table_iter_next (&iter, &token, &path))
    {
      if (g_hash_table_contains (memo->read_tokens, token) ||
          (has_paths && g_hash_table_contains (memo->read_paths, path)))
        return TRUE;
    }

  return FALSE;
}

/* Returns a new table of interned token -> interned canonical path, the
 * form of the sets of queries that may have changed. */
GHashTable *
_chorus_token_table_new (void)
{
  return g_hash_table_new_full (NULL, NULL, (GDestroyNotify) g_ref_string_release,
                                (GDestroyNotify) g_ref_string_release);
}

/* Adds the query with the interned @token and @path to @table. */
void
_chorus_token_table_add (GHashTable *table,
                         const char *token,
                         const char *path)
{
  if (!g_hash_table_contains (table, token))
    g_hash_table_insert (table, g_ref_string_acquire ((char *) token),
                         g_ref_string_acquire ((char *) path));
}

/* Adds the queries that @memo's update wrote to @dirty. */
void
_chorus_update_memo_mark_writes (ChorusUpdateMemo *memo,
                                 GHashTable       *dirty)
{
  for (guint i = 0; i < memo->writes->len; i++)
    {
      ChorusViewEntry *write = g_ptr_array_index (memo->writes, i);

      _chorus_token_table_add (dirty, write->token, write->udf_path);
    }
}

/* Makes the update that runs next on @self record into @memo, or stops
 * recording when @memo is NULL. */
void
_chorus_local_store_record (ChorusLocalStore *self,
                            ChorusUpdateMemo *memo)
{
  g_assert (self != NULL);

  self->recording = memo;
}

/* Repeats the writes of @memo's update, in the same order. The store
 * shares the memo's entries, as stores share entries with each other. */
void
_chorus_local_store_replay (ChorusLocalStore *self,
                            ChorusUpdateMemo *memo)
{
  for (guint i = 0; i < memo->writes->len; i++)
    {
      ChorusViewEntry *write = g_ptr_array_index (memo->writes, i);
      ChorusViewEntry *entry = g_hash_table_lookup (self->by_token, write->token);
      guint index;

      write->ref_count++;
      if (entry == NULL)
        {
          add_entry (self, write);
          continue;
        }

      if (!g_ptr_array_find (self->entries, entry, &index))
        g_assert_not_reached ();
      self->entries->pdata[index] = write;
      g_hash_table_replace (self->by_token, write->token, write);
      view_entry_unref (entry);
    }
}

static void
record_write (ChorusUpdateMemo *memo,
              const char       *token,
              const char       *path,
              JsonNode         *args,
              JsonNode         *value)
{
  ChorusViewEntry *write = view_entry_new (token, path, args);

  write->value = value ? json_node_ref (value) : NULL;
  g_ptr_array_add (memo->writes, write);
}

/* Returns the entries of @self, which is no layer, in order. Each one
 * stays shared until @self changes it, so a later
 * _chorus_local_store_find_dirty() detects every change by pointer. */
GPtrArray *
_chorus_local_store_snapshot (ChorusLocalStore *self)
{
  GPtrArray *snapshot = g_ptr_array_new_full (self->entries->len,
                                              (GDestroyNotify) view_entry_unref);

  g_assert (self->base == NULL);

  for (guint i = 0; i < self->entries->len; i++)
    {
      ChorusViewEntry *entry = g_ptr_array_index (self->entries, i);

      entry->ref_count++;
      g_ptr_array_add (snapshot, entry);
    }

  return snapshot;
}

static void
mark_all_dirty (GPtrArray  *entries,
                GHashTable *dirty)
{
  for (guint i = 0; i < entries->len; i++)
    {
      ChorusViewEntry *entry = g_ptr_array_index (entries, i);

      _chorus_token_table_add (dirty, entry->token, entry->udf_path);
    }
}

/* Adds to @dirty every query whose entry in @after, which is no layer,
 * differs from the one in the @before snapshot. Entries keep their places
 * while the queries stay the same, so they compare place by place. With
 * another length or no @before, every query counts as changed. */
void
_chorus_local_store_find_dirty (GPtrArray        *before,
                                ChorusLocalStore *after,
                                GHashTable       *dirty)
{
  g_assert (after->base == NULL);

  if (before == NULL || before->len != after->entries->len)
    {
      if (before != NULL)
        mark_all_dirty (before, dirty);
      mark_all_dirty (after->entries, dirty);
      return;
    }

  for (guint i = 0; i < before->len; i++)
    {
      ChorusViewEntry *old_entry = g_ptr_array_index (before, i);
      ChorusViewEntry *new_entry = g_ptr_array_index (after->entries, i);

      if (old_entry == new_entry)
        continue;
      _chorus_token_table_add (dirty, old_entry->token, old_entry->udf_path);
      _chorus_token_table_add (dirty, new_entry->token, new_entry->udf_path);
    }
}

#define HASH_SEED  0xcbf29ce484222325ull
#define HASH_PRIME 0x100000001b3ull

static inline guint64
hash_add (guint64  hash,
          gconstpointer pointer)
{
  return (hash ^ GPOINTER_TO_SIZE (pointer)) * HASH_PRIME;
}

static guint64 hash_shape (JsonNode *node,
                           guint64   hash);

static guint64
hash_array (JsonArray *array,
            guint64    hash)
{
  guint length = json_array_get_length (array);

  hash = hash_add (hash, GUINT_TO_POINTER (length));
  for (guint i = 0; i < length; i++)
    hash = hash_shape (json_array_get_element (array, i), hash);

  return hash;
}

/* Adds up the members, which keeps the hash independent of their order. */
static guint64
hash_object (JsonObject *object,
             guint64     hash)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *member;
  guint64 sum = 0;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &key, &member))
    sum += hash_shape (member, hash_add (HASH_SEED, key));

  return hash_add (hash, GSIZE_TO_POINTER (sum));
}

/* Hashes which nodes make up @node, not what they contain. json-glib 1.6
 * rejects json_node_set_*() on a sealed node, so only the arrays and
 * objects inside can change, and any such change puts another node, or
 * another member name, in place. json-glib replaces the name string too
 * when json_object_set_member() replaces a member. This walk formats no
 * text, so taking it after every update stays cheap. */
static guint64
hash_shape (JsonNode *node,
            guint64   hash)
{
  JsonNodeType type = json_node_get_node_type (node);

  hash = hash_add (hash, node);
  if (type == JSON_NODE_ARRAY)
    return hash_array (json_node_get_array (node), hash);
  if (type == JSON_NODE_OBJECT)
    return hash_object (json_node_get_object (node), hash);

  return hash;
}

guint64
_chorus_local_store_hash_shape (JsonNode *node)
{
  return hash_shape (node, HASH_SEED);
}

/* Returns the shape hash of @entry's value from before any update could
 * change it. A server value keeps it in its seal record from the first
 * time any store hands it out, together with its text unless the record
 * has the text from the frame already.
 * NOTE: a server value that other code changed in place before this
 * keeps that change, and one changed between two updates is blamed on
 * the next update that reads it. */
static guint64
find_fingerprint (ChorusLocalStore *self,
                  ChorusViewEntry  *entry)
{
  ChorusSealRecord *record = entry->record;
  gpointer hash;

  if (record != NULL && !record->hashed)
    {
      record->hash = hash_shape (entry->value, HASH_SEED);
      record->hashed = TRUE;
    }
  if (record != NULL && record->pristine == NULL)
    record->pristine = chorus_value_to_canonical_string (entry->value);
  if (record != NULL)
    return record->hash;

  if (self->fingerprints == NULL)
    self->fingerprints = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) json_node_unref,
                                                g_free);

  hash = g_hash_table_lookup (self->fingerprints, entry->value);
  if (hash == NULL)
    {
      hash = g_memdup2 (&(guint64) { hash_shape (entry->value, HASH_SEED) }, sizeof (guint64));
      g_hash_table_insert (self->fingerprints, json_node_ref (entry->value), hash);
    }

  return *(guint64 *) hash;
}

/* Records @entry's value as handed to the running update, with the hash
 * it had before. json-glib 1.6 does not stop writes into the arrays and
 * objects of a sealed node, so the hash is what catches an update that
 * changes a value in place. */
static JsonNode *
hand_out (ChorusLocalStore *self,
          ChorusViewEntry  *entry)
{
  ChorusHandedValue handed;

  if (entry->value == NULL)
    return NULL;

  if (self->handed == NULL)
    self->handed = g_array_new (FALSE, FALSE, sizeof (ChorusHandedValue));

  handed.node = entry->value;
  handed.hash = find_fingerprint (self, entry);
  handed.udf_path = entry->udf_path;
  g_array_append_val (self->handed, handed);

  return entry->value;
}

/* Forgets which values the previous update was handed. */
void
_chorus_local_store_begin_update (ChorusLocalStore *self)
{
  g_assert (self != NULL);

  if (self->handed != NULL)
    g_array_set_size (self->handed, 0);
}

/* Returns the canonical path of a query whose value, handed out during
 * the current update, no longer matches its hash, or NULL when the
 * update changed none. */
const char *
_chorus_local_store_find_changed (ChorusLocalStore *self)
{
  g_assert (self != NULL);

  if (self->handed == NULL)
    return NULL;

  for (guint i = 0; i < self->handed->len; i++)
    {
      ChorusHandedValue *handed = &g_array_index (self->handed, ChorusHandedValue, i);

      if (hash_shape (handed->node, HASH_SEED) != handed->hash)
        return handed->udf_path;
    }

  return NULL;
}

/* Returns the interned token of a query, and its interned canonical path
 * in @path. */
static GRefString *
intern_token (const char  *udf_path,
              JsonNode    *args,
              GRefString **path)
{
  g_autofree char *canonical = chorus_canonical_udf_path (udf_path);
  g_autofree char *token = chorus_query_token (canonical, args);

  *path = g_ref_string_new_intern (canonical);
  return g_ref_string_new_intern (token);
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
  g_autoptr(GRefString) path = NULL;
  g_autoptr(GRefString) token = NULL;
  ChorusViewEntry *entry;

  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (udf_path != NULL, NULL);

  token = intern_token (udf_path, args, &path);
  if (store->recording != NULL)
    g_hash_table_add (store->recording->read_tokens, g_ref_string_acquire (token));

  entry = _chorus_local_store_lookup (store, token);
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
  g_autoptr(GRefString) path = NULL;
  g_autoptr(GRefString) token = NULL;
  ChorusViewEntry *entry;

  g_return_if_fail (store != NULL);
  g_return_if_fail (udf_path != NULL);
  g_return_if_fail (args == NULL || JSON_NODE_HOLDS_OBJECT (args));

  token = intern_token (udf_path, args, &path);
  /* An existing entry keeps its arguments, so only a new one needs a copy. */
  entry = _chorus_local_store_lookup (store, token);
  sealed_args = entry ? json_node_ref (entry->args) : chorus_value_dup_args (args);
  sealed_value = chorus_value_dup_sealed (value);

  _chorus_local_store_put (store, token, path, sealed_args, sealed_value, NULL, NULL);
  if (store->recording != NULL)
    record_write (store->recording, token, path, sealed_args, sealed_value);
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
  g_autofree char *canonical = NULL;
  g_autoptr(GRefString) path = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  GPtrArray *queries;

  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (udf_path != NULL, NULL);

  canonical = chorus_canonical_udf_path (udf_path);
  path = g_ref_string_new_intern (canonical);
  queries = g_ptr_array_new_with_free_func ((GDestroyNotify) chorus_query_entry_free);
  if (store->recording != NULL)
    g_hash_table_add (store->recording->read_paths, g_ref_string_acquire (path));

  entries = list_entries (store);
  for (guint i = 0; i < entries->len; i++)
    {
      ChorusViewEntry *entry = g_ptr_array_index (entries, i);

      if (entry->udf_path != path)
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
