/* chorus-local-store-private.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "chorus-local-store.h"

G_BEGIN_DECLS

/* What the client keeps for a server value, to restore it from when an
 * update changed it: its text, from the frame or else canonical, and its
 * shape hash from the first time the view hands it to an update. Both are
 * taken before any update could change the value. */
typedef struct
{
  guint64   hash;
  gboolean  hashed;
  char     *pristine;
} ChorusSealRecord;

/* One query in the view. A failed entry has @error set and no @value, a
 * loading entry has neither. */
typedef struct
{
  /* Stores share an entry until one of them changes it. */
  guint     ref_count;
  /* Interned with g_ref_string_new_intern(), so that equal strings are
   * the same pointer and tables compare pointers, not long token texts.
   * Every token passed to the functions below is interned. */
  char     *token;
  char     *udf_path;  /* canonical */
  JsonNode *args;      /* sealed */
  JsonNode *value;     /* sealed, or NULL */
  GError   *error;
  /* borrowed from the server result that @value comes from, or NULL */
  ChorusSealRecord *record;
} ChorusViewEntry;

ChorusLocalStore *_chorus_local_store_new    (void);
ChorusLocalStore *_chorus_local_store_copy   (ChorusLocalStore *self);
void              _chorus_local_store_free   (ChorusLocalStore *self);
ChorusViewEntry  *_chorus_local_store_lookup (ChorusLocalStore *self,
                                              const char       *token);
void              _chorus_local_store_put    (ChorusLocalStore *self,
                                              const char       *token,
                                              const char       *udf_path,
                                              JsonNode         *args,
                                              JsonNode         *value,
                                              const GError     *error,
                                              ChorusSealRecord *record);
guint64           _chorus_local_store_hash_shape    (JsonNode         *node);
GHashTable       *_chorus_token_table_new           (void);
void              _chorus_token_table_add           (GHashTable       *table,
                                                     const char       *token,
                                                     const char       *path);
GPtrArray        *_chorus_local_store_snapshot      (ChorusLocalStore *self);
void              _chorus_local_store_find_dirty    (GPtrArray        *before,
                                                     ChorusLocalStore *after,
                                                     GHashTable       *dirty);

/* The reads and writes of one run of an optimistic update. A later
 * recomputation replays the writes instead of running the update again
 * when nothing the update read has changed. */
typedef struct _ChorusUpdateMemo ChorusUpdateMemo;

ChorusUpdateMemo *_chorus_update_memo_new         (void);
ChorusUpdateMemo *_chorus_update_memo_ref         (ChorusUpdateMemo *memo);
void              _chorus_update_memo_unref       (ChorusUpdateMemo *memo);
gboolean          _chorus_update_memo_is_stale    (ChorusUpdateMemo *memo,
                                                   GHashTable       *dirty);
void              _chorus_update_memo_mark_writes (ChorusUpdateMemo *memo,
                                                   GHashTable       *dirty);
void              _chorus_local_store_record      (ChorusLocalStore *self,
                                                   ChorusUpdateMemo *memo);
void              _chorus_local_store_replay      (ChorusLocalStore *self,
                                                   ChorusUpdateMemo *memo);
void              _chorus_local_store_begin_update  (ChorusLocalStore *self);
const char       *_chorus_local_store_find_changed  (ChorusLocalStore *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChorusLocalStore, _chorus_local_store_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChorusUpdateMemo, _chorus_update_memo_unref)

G_END_DECLS
