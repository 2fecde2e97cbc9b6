/* chorus-local-store.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * The view of query results that an optimistic update reads and writes.
 * A store handle is valid only for the duration of one update callback.
 * Every JsonNode it hands out is sealed: an update builds a new value
 * before changing anything, and hands it to set_query. json_node_copy()
 * is not enough, because the copy shares its array or object. An update
 * that changes a value it was handed fails its mutation with
 * CHORUS_CLIENT_ERROR_UPDATE_FAILED, and the server's value is restored.
 */
typedef struct _ChorusLocalStore ChorusLocalStore;

typedef struct
{
  JsonNode *args;   /* sealed, the query's arguments object */
  JsonNode *value;  /* sealed, or NULL while loading or failed */
} ChorusQueryEntry;

/*
 * An optimistic update. It runs once when the mutation is made, and it
 * stays applied, in request order, on top of every new server result until
 * the server's result includes the mutation. It must be a function of the
 * mutation's arguments and of what it reads from @store: it runs again
 * only when a query it read may have changed, and otherwise its last
 * writes are made again. Returning FALSE (with @error set) drops the
 * update and fails the mutation.
 */
typedef gboolean (*ChorusOptimisticUpdate) (ChorusLocalStore *store,
                                            JsonNode         *mutation_args,
                                            gpointer          user_data,
                                            GError          **error);

JsonNode  *chorus_local_store_get_query       (ChorusLocalStore *store,
                                               const char       *udf_path,
                                               JsonNode         *args);
void       chorus_local_store_set_query       (ChorusLocalStore *store,
                                               const char       *udf_path,
                                               JsonNode         *args,
                                               JsonNode         *value);
GPtrArray *chorus_local_store_get_all_queries (ChorusLocalStore *store,
                                               const char       *udf_path);

void       chorus_query_entry_free            (ChorusQueryEntry *entry);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChorusQueryEntry, chorus_query_entry_free)

G_END_DECLS
