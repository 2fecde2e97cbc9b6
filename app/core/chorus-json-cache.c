/* chorus-json-cache.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-json"

#include "config.h"

#include <string.h>

#include "chorus-client.h"
#include "chorus-json-private.h"

/*
 * The row cache of the frame reader. Successive results of a query mostly
 * repeat the rows of the one before, so the reader shares each row whose
 * text is unchanged with the query's last result instead of building and
 * sealing it again.
 */

/* The text of one row, with its hash. A key in the cache owns a copy of
 * the text, and a key for a lookup points into the frame. */
typedef struct
{
  const char *text;
  gsize       length;
  guint       hash;
} RowKey;

/* For each query id, the rows of the query's last result, by their text. */
struct _ChorusJsonCache
{
  GHashTable *by_query;  /* query id -> (RowKey -> CachedRow) */
  guint64     stamp;     /* counts the results read */
  GPtrArray  *order;     /* CachedRow, of the result being read */
  /* The values read from the last frame: JsonNode -> Arrival. A key
   * holds a reference, so no other node takes its address while the
   * table names it, even when a repeated member replaces it in the frame.
   * The next frame clears the table. */
  GHashTable *arrivals;
};

typedef struct _CachedRow CachedRow;

struct _CachedRow
{
  JsonNode     *node;   /* sealed */
  const RowKey *key;    /* owned by the table */
  guint64       stamp;  /* of the last result that had the row */
  CachedRow    *next;   /* the row after it in that result, or NULL */
};

typedef struct
{
  char     *text;     /* as the server sent it */
  gboolean  checked;  /* every row passed chorus_value_check() */
} Arrival;

/* The position of a QueryUpdated modification: in the "modifications"
 * array of the frame object. */
#define MODIFICATION_DEPTH 3

static guint
row_key_hash (gconstpointer data)
{
  return ((const RowKey *) data)->hash;
}

static gboolean
row_key_equal (gconstpointer a,
               gconstpointer b)
{
  const RowKey *ka = a, *kb = b;

  return ka->length == kb->length && memcmp (ka->text, kb->text, ka->length) == 0;
}

static RowKey
row_key_for (const char *text,
             gsize       length)
{
  guint hash = 2166136261u;

  for (gsize i = 0; i < length; i++)
    hash = (hash ^ (guchar) text[i]) * 16777619u;

  return (RowKey) { text, length, hash };
}

static RowKey *
row_key_dup (const RowKey *key)
{
  RowKey *copy = g_malloc (sizeof (RowKey) + key->length);

  memcpy (copy + 1, key->text, key->length);
  *copy = (RowKey) { (const char *) (copy + 1), key->length, key->hash };
  return copy;
}

static void
cached_row_free (CachedRow *row)
{
  json_node_unref (row->node);
  g_free (row);
}

static GHashTable *
new_row_table (void)
{
  return g_hash_table_new_full (row_key_hash, row_key_equal, g_free,
                                (GDestroyNotify) cached_row_free);
}

/* Returns the row that followed @last in the query's last result when the
 * text at r->p starts with that row's text, or NULL. A row's text is one
 * complete JSON value, which the reader checked when it first read it, so
 * equal bytes need no second check. */
static CachedRow *
match_next_row (ChorusJsonReader *r,
                CachedRow *last)
{
  CachedRow *guess = last ? last->next : NULL;

  if (guess == NULL || strncmp (r->p, guess->key->text, guess->key->length) != 0)
    return NULL;

  r->p += guess->key->length;
  return guess;
}

/* Checks the row at r->p and returns the row in @rows with its text, or
 * NULL. @key is set to the text either way. */
static gboolean
find_row (ChorusJsonReader *r,
          GHashTable  *rows,
          RowKey      *key,
          CachedRow  **row)
{
  const char *begin = r->p;
  JsonNode *unused = NULL;
  gboolean valid;

  r->build = FALSE;
  valid = _chorus_json_read_value (r, &unused);
  r->build = TRUE;
  if (!valid)
    return FALSE;

  *key = row_key_for (begin, r->p - begin);
  *row = g_hash_table_lookup (rows, key);
  return TRUE;
}

/* Builds the row with the text @key, which starts at r->p. Only a row that
 * passes chorus_value_check() goes into @rows, and @checked is set to
 * whether it passed. */
static gboolean
build_row (ChorusJsonReader *r,
           GHashTable  *rows,
           RowKey      *key,
           JsonNode   **node,
           CachedRow  **cached,
           gboolean    *checked)
{
  RowKey *owned;
  CachedRow *row;

  if (!_chorus_json_read_value (r, node))
    return FALSE;
  json_node_seal (*node);
  *checked = chorus_value_check (*node, NULL);
  if (!*checked)
    return TRUE;

  owned = row_key_dup (key);
  row = g_new0 (CachedRow, 1);
  row->node = json_node_ref (*node);
  row->key = owned;
  g_hash_table_insert (rows, owned, row);
  *cached = row;
  return TRUE;
}

/* Reads the object row at r->p and returns the node of an earlier row in
 * @rows with the same text, or else a new sealed node. @last is the cached
 * row before it in this result, and becomes this one. */
static gboolean
read_cached_row (ChorusJsonReader *r,
                 GHashTable  *rows,
                 CachedRow  **last,
                 JsonNode   **node,
                 gboolean    *checked)
{
  const char *begin = r->p;
  CachedRow *row = match_next_row (r, *last);
  RowKey key;

  *checked = TRUE;
  if (row == NULL && !find_row (r, rows, &key, &row))
    return FALSE;

  if (row != NULL)
    {
      *node = json_node_ref (row->node);
    }
  else
    {
      r->p = begin;
      if (!build_row (r, rows, &key, node, &row, checked))
        return FALSE;
    }

  if (row != NULL)
    {
      row->stamp = r->cache->stamp;
      g_ptr_array_add (r->cache->order, row);
    }
  *last = row;
  return TRUE;
}

/* Links the rows of the result just read in its order. */
static void
link_rows (GPtrArray *order)
{
  for (guint i = 0; i < order->len; i++)
    {
      CachedRow *row = g_ptr_array_index (order, i);

      row->next = (i + 1 < order->len) ? g_ptr_array_index (order, i + 1) : NULL;
    }

  g_ptr_array_set_size (order, 0);
}

static gboolean
row_is_older (gpointer key,
              gpointer value,
              gpointer stamp)
{
  return ((CachedRow *) value)->stamp != *(guint64 *) stamp;
}

/* Returns the rows of @query_id's last result, which the caller updates to
 * those of the result it reads. */
static GHashTable *
rows_of_query (ChorusJsonCache *cache,
               gint64           query_id)
{
  GHashTable *rows = g_hash_table_lookup (cache->by_query, &query_id);

  if (rows == NULL)
    {
      rows = new_row_table ();
      g_hash_table_insert (cache->by_query, g_memdup2 (&query_id, sizeof query_id), rows);
    }

  cache->stamp++;
  g_ptr_array_set_size (cache->order, 0);
  return rows;
}

static void
arrival_free (Arrival *arrival)
{
  g_free (arrival->text);
  g_free (arrival);
}

static void
note_arrival (ChorusJsonReader *r,
              JsonNode   *node,
              const char *begin,
              gboolean    checked)
{
  Arrival *arrival = g_new (Arrival, 1);

  arrival->text = g_strndup (begin, r->p - begin);
  arrival->checked = checked;
  g_hash_table_replace (r->cache->arrivals, json_node_ref (node), arrival);
}

/* Reads the array value of a QueryUpdated for @query_id, taking object
 * rows from the cache, and leaves the rows of this result in the cache. */
gboolean
_chorus_json_read_cached_rows (ChorusJsonReader *r,
                  gint64     query_id,
                  JsonNode **node)
{
  g_autoptr(JsonArray) array = json_array_new ();
  GHashTable *rows = rows_of_query (r->cache, query_id);
  CachedRow *last = NULL;
  const char *begin = r->p;
  gboolean all_checked = TRUE;
  gboolean done;

  if (++r->depth > r->max_depth)
    return _chorus_json_fail (r, "Frame is nested too deeply");

  done = _chorus_json_open_container (r, ']');

  while (!done)
    {
      JsonNode *element = NULL;
      gboolean checked = FALSE;
      gboolean ok = (*r->p == '{') ? read_cached_row (r, rows, &last, &element, &checked)
                                   : _chorus_json_read_value (r, &element);

      if (!ok)
        return FALSE;
      json_array_add_element (array, element);
      all_checked &= checked;
      if (!_chorus_json_read_separator (r, ']', &done))
        return FALSE;
    }

  r->depth--;
  g_hash_table_foreach_remove (rows, row_is_older, &r->cache->stamp);
  link_rows (r->cache->order);
  *node = json_node_init_array (json_node_alloc (), array);
  note_arrival (r, *node, begin, all_checked);
  return TRUE;
}

/* Returns TRUE when the member @key about to be read is the array value of
 * a QueryUpdated whose query id came before it. */
gboolean
_chorus_json_takes_cached_rows (ChorusJsonReader *r,
                   const char *key,
                   gint64      query_id)
{
  return r->build && r->cache != NULL && query_id >= 0 &&
         r->depth == MODIFICATION_DEPTH && *r->p == '[' && g_str_equal (key, "value");
}

/* Notes the "queryId" of a modification, for the "value" after it. */
void
_chorus_json_note_query_id (ChorusJsonReader *r,
               const char *key,
               JsonNode   *member,
               gint64     *query_id)
{
  if (r->depth == MODIFICATION_DEPTH && g_str_equal (key, "queryId") &&
      json_node_get_value_type (member) == G_TYPE_INT64)
    *query_id = json_node_get_int (member);
}

/* Forgets the values of the previous frame. */
void
_chorus_json_cache_begin_frame (ChorusJsonCache *cache)
{
  g_hash_table_remove_all (cache->arrivals);
}

ChorusJsonCache *
chorus_json_cache_new (void)
{
  ChorusJsonCache *cache = g_new0 (ChorusJsonCache, 1);

  cache->by_query = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                           (GDestroyNotify) g_hash_table_unref);
  cache->arrivals = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) json_node_unref,
                                           (GDestroyNotify) arrival_free);
  cache->order = g_ptr_array_new ();
  return cache;
}

void
chorus_json_cache_free (ChorusJsonCache *cache)
{
  if (cache == NULL)
    return;

  g_hash_table_unref (cache->by_query);
  g_hash_table_unref (cache->arrivals);
  g_ptr_array_unref (cache->order);
  g_free (cache);
}

/* Forgets every row, for when a node that the cache shares may have been
 * changed in place. */
void
chorus_json_cache_clear (ChorusJsonCache *cache)
{
  g_hash_table_remove_all (cache->by_query);
}

/* Returns the text that @value, a query result from the last frame
 * parsed with @cache, had in the frame, or NULL when the cache did not
 * read it. Sets @checked to whether every row of it already passed
 * chorus_value_check(). */
char *
chorus_json_cache_take_text (ChorusJsonCache *cache,
                             JsonNode        *value,
                             gboolean        *checked)
{
  Arrival *arrival = g_hash_table_lookup (cache->arrivals, value);
  char *text;

  *checked = FALSE;
  if (arrival == NULL)
    return NULL;

  *checked = arrival->checked;
  text = g_steal_pointer (&arrival->text);
  g_hash_table_remove (cache->arrivals, value);
  return text;
}

void
chorus_json_cache_forget_query (ChorusJsonCache *cache,
                                guint            query_id)
{
  gint64 key = query_id;

  g_hash_table_remove (cache->by_query, &key);
}
