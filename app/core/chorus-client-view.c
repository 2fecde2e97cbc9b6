/* chorus-client-view.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-client"

#include "config.h"

#include "chorus-client-state.h"
#include "chorus-subscription-private.h"
#include "chorus-value.h"

/* The optimistic view: the server results of the subscribed queries with
 * the pending updates on top, and the notifications when it changes. */

/* Returns a new sealed node parsed from @result's pristine text, or NULL
 * when its value was never handed to an update or still has the shape it
 * had then. */
static JsonNode *
dup_pristine (ChorusServerResult *result)
{
  g_autoptr(JsonParser) parser = NULL;

  if (result->value == NULL || !result->record.hashed)
    return NULL;

  if (_chorus_local_store_hash_shape (result->value) == result->record.hash)
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, result->record.pristine, -1, NULL))
    g_assert_not_reached ();

  return json_node_ref (json_parser_get_root (parser));
}

/* Replaces every server result that an update changed in place with a
 * copy of the value as it arrived. */
static void
restore_server_results (ChorusClient *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->server_results);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ChorusServerResult *result = value;
      JsonNode *pristine = dup_pristine (result);

      if (pristine == NULL)
        continue;

      json_node_unref (result->value);
      result->value = pristine;
      result->record.hash = _chorus_local_store_hash_shape (pristine);
      _chorus_client_forget_server_view (self);
      /* The changed node may be a cached row, which the next result of
       * its query would share. */
      chorus_json_cache_clear (self->json_cache);
    }
}

/* Drops the memo of every pending update, so that each one runs again
 * instead of replaying its writes. */
static void
forget_memos (ChorusClient *self)
{
  for (GList *link = self->requests.head; link != NULL; link = link->next)
    {
      ChorusRequest *request = link->data;

      g_clear_pointer (&request->memo, _chorus_update_memo_unref);
    }
}

/* Fails @request when its update changed a value that @store handed to
 * it, repairs the server results the change reached, and marks the view
 * to be built again. The changed value may also be one that an earlier
 * update wrote, which a replay of that update's memo would bring back. */
static gboolean
check_sealed_values (ChorusClient     *self,
                     ChorusRequest    *request,
                     ChorusLocalStore *store)
{
  const char *changed = _chorus_local_store_find_changed (store);

  if (changed == NULL)
    return TRUE;

  g_warning ("Optimistic update of %s changed the value of query %s in place",
             request->udf_path, changed);
  request->error = g_error_new (CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_UPDATE_FAILED,
                                "Optimistic update of %s changed the sealed value of "
                                "query %s. Copy a value before changing it.",
                                request->udf_path, changed);
  restore_server_results (self);
  forget_memos (self);
  self->view_outdated = TRUE;

  return FALSE;
}

/* Runs @request's optimistic update on @store. Returns FALSE and sets the
 * request's error when the update fails or changes a value it was handed. */
gboolean
_chorus_client_run_update (ChorusClient     *self,
                           ChorusRequest    *request,
                           ChorusLocalStore *store)
{
  g_autoptr(ChorusUpdateMemo) memo = NULL;
  g_autoptr(GError) error = NULL;
  gboolean success;

  g_assert (CHORUS_IS_CLIENT (self));
  g_assert (request->update != NULL);

  memo = _chorus_update_memo_new ();
  _chorus_local_store_begin_update (store);
  _chorus_local_store_record (store, memo);
  success = request->update (store, request->args, request->update_data, &error);
  _chorus_local_store_record (store, NULL);
  if (!check_sealed_values (self, request, store))
    return FALSE;
  if (success)
    {
      g_clear_pointer (&request->memo, _chorus_update_memo_unref);
      request->memo = g_steal_pointer (&memo);
      return TRUE;
    }

  if (error == NULL)
    g_set_error (&error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_UPDATE_FAILED,
                 "Optimistic update of %s failed", request->udf_path);
  else if (error->domain != CHORUS_CLIENT_ERROR || error->code != CHORUS_CLIENT_ERROR_UPDATE_FAILED)
    g_prefix_error (&error, "Optimistic update failed: ");

  request->error = g_error_new_literal (CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_UPDATE_FAILED,
                                        error->message);
  return FALSE;
}

static int
compare_query_ids (gconstpointer a,
                   gconstpointer b)
{
  const ChorusQuery *qa = *(ChorusQuery * const *) a;
  const ChorusQuery *qb = *(ChorusQuery * const *) b;

  return (qa->query_id > qb->query_id) - (qa->query_id < qb->query_id);
}

/* Returns the subscribed queries in query id order, which is the order
 * the view and the ModifyQuerySet frames list them in. The array is
 * shared until a query is added or removed, so callers must not change
 * it; release it with g_ptr_array_unref(). */
GPtrArray *
_chorus_client_list_queries (ChorusClient *self)
{
  GHashTableIter iter;
  gpointer query;

  if (self->sorted_queries != NULL)
    return g_ptr_array_ref (self->sorted_queries);

  self->sorted_queries = g_ptr_array_new ();
  g_hash_table_iter_init (&iter, self->queries);
  while (g_hash_table_iter_next (&iter, NULL, &query))
    g_ptr_array_add (self->sorted_queries, query);

  g_ptr_array_sort (self->sorted_queries, compare_query_ids);
  return g_ptr_array_ref (self->sorted_queries);
}

/* Runs @request's update on @view unless its last run read nothing in
 * @dirty, in which case its writes are made again. Returns FALSE when
 * the update fails. */
static gboolean
refresh_update (ChorusClient     *self,
                ChorusRequest    *request,
                ChorusLocalStore *view,
                GHashTable       *dirty)
{
  if (request->memo != NULL && !_chorus_update_memo_is_stale (request->memo, dirty))
    {
      _chorus_local_store_replay (view, request->memo);
      return TRUE;
    }

  /* Later updates must treat its earlier writes as changed, because the
   * new run may not make them again. */
  if (request->memo != NULL)
    _chorus_update_memo_mark_writes (request->memo, dirty);
  if (!_chorus_client_run_update (self, request, view))
    return FALSE;

  _chorus_update_memo_mark_writes (request->memo, dirty);
  return TRUE;
}

/* Runs or replays the pending updates on @view in request order. An
 * update that fails is removed and added to @finished, and the view is
 * marked outdated, because it contains the writes the update made before
 * it failed. */
static void
run_updates (ChorusClient     *self,
             ChorusLocalStore *view,
             GHashTable       *dirty,
             GPtrArray        *finished)
{
  GList *link = self->requests.head;

  while (link != NULL)
    {
      GList *next = link->next;
      ChorusRequest *request = link->data;

      if (request->update != NULL && !refresh_update (self, request, view, dirty))
        {
          g_queue_delete_link (&self->requests, link);
          g_ptr_array_add (finished, request);
          self->view_outdated = TRUE;
          return;
        }
      link = next;
    }
}

/* Returns the link of the first request from @link on whose memo is
 * @memo, or NULL. */
static GList *
find_memo (GList            *link,
           ChorusUpdateMemo *memo)
{
  while (link != NULL && ((ChorusRequest *) link->data)->memo != memo)
    link = link->next;

  return link;
}

/* Adds the writes of every update that ran last time but is gone now.
 * Requests keep their order, so both lists are walked once. */
static void
mark_retired_writes (ChorusClient *self,
                     GHashTable   *dirty)
{
  GList *link = self->requests.head;

  for (guint i = 0; i < self->ran_memos->len; i++)
    {
      ChorusUpdateMemo *memo = g_ptr_array_index (self->ran_memos, i);
      GList *found = find_memo (link, memo);

      if (found != NULL)
        link = found->next;
      else
        _chorus_update_memo_mark_writes (memo, dirty);
    }
}

static void
remember_memos (ChorusClient *self)
{
  g_ptr_array_set_size (self->ran_memos, 0);
  for (GList *link = self->requests.head; link != NULL; link = link->next)
    {
      ChorusRequest *request = link->data;

      if (request->memo != NULL)
        g_ptr_array_add (self->ran_memos, _chorus_update_memo_ref (request->memo));
    }
}

static void
merge_dirty (GHashTable *into,
             GHashTable *dirty)
{
  GHashTableIter iter;
  gpointer token, path;

  g_hash_table_iter_init (&iter, dirty);
  while (g_hash_table_iter_next (&iter, &token, &path))
    _chorus_token_table_add (into, token, path);
}

/* Adds to @dirty, a table of interned token -> interned canonical path,
 * the queries whose value may differ from the last recomputation before
 * any update runs: server results that changed, and what updates that
 * are gone wrote. */
static void
add_dirty_queries (ChorusClient *self,
                   GHashTable   *dirty)
{
  _chorus_local_store_find_dirty (self->last_server_view, self->server_view, dirty);
  g_clear_pointer (&self->last_server_view, g_ptr_array_unref);
  self->last_server_view = _chorus_local_store_snapshot (self->server_view);
  mark_retired_writes (self, dirty);
}

/* Returns a new view of the server results of the subscribed queries,
 * in query id order, without the optimistic updates. */
static ChorusLocalStore *
build_server_view (ChorusClient *self)
{
  g_autoptr(GPtrArray) queries = NULL;

  if (self->server_view != NULL)
    return _chorus_local_store_copy (self->server_view);

  queries = _chorus_client_list_queries (self);
  self->server_view = _chorus_local_store_new ();
  for (guint i = 0; i < queries->len; i++)
    {
      ChorusQuery *query = g_ptr_array_index (queries, i);
      ChorusServerResult *result;

      result = g_hash_table_lookup (self->server_results, GUINT_TO_POINTER (query->query_id));
      if (result != NULL)
        _chorus_local_store_put (self->server_view, query->token, query->udf_path, query->args,
                                 result->value, result->error, &result->record);
    }

  return _chorus_local_store_copy (self->server_view);
}

/* Rebuilds the view from the server results of the subscribed queries
 * and replays the remaining optimistic updates in request order. An
 * update is a function of what it reads, so it runs again only when a
 * query it read may have changed. Otherwise its last writes are made
 * again, and a Transition about one channel runs no update of another.
 * Updates that fail now are removed and added to @finished, and the
 * replay starts over without them, so that none of their writes stay.
 * The queries found dirty before carry over to the next round, which
 * replays only updates that read none of them. */
void
_chorus_client_recompute (ChorusClient *self,
                          GPtrArray    *finished)
{
  g_autoptr(GHashTable) dirty = _chorus_token_table_new ();
  ChorusLocalStore *view;

  do
    {
      self->view_outdated = FALSE;
      view = build_server_view (self);
      add_dirty_queries (self, dirty);
      run_updates (self, view, dirty, finished);

      g_clear_pointer (&self->view, _chorus_local_store_free);
      self->view = view;
    }
  while (self->view_outdated);

  merge_dirty (self->unnotified, dirty);
  remember_memos (self);
}

/* Rebuilds the view after a new update changed a value in place, then
 * notifies and completes what that dropped. */
void
_chorus_client_rebuild_view (ChorusClient *self)
{
  g_autoptr(GPtrArray) finished = g_ptr_array_new ();

  _chorus_client_recompute (self, finished);
  _chorus_client_notify_changes (self);
  _chorus_client_finish_requests (self, finished);
}

/* Returns the subscribed queries whose value in the view may have changed
 * since the last notification, in query id order, and empties that set. */
static GPtrArray *
take_unnotified_queries (ChorusClient *self)
{
  GPtrArray *queries = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer token;

  g_hash_table_iter_init (&iter, self->unnotified);
  while (g_hash_table_iter_next (&iter, &token, NULL))
    {
      ChorusQuery *query = g_hash_table_lookup (self->queries, token);

      if (query != NULL)
        g_ptr_array_add (queries, query);
    }

  g_hash_table_remove_all (self->unnotified);
  g_ptr_array_sort (queries, compare_query_ids);
  return queries;
}

/* Moves the view into the subscriptions of the queries it may have changed,
 * then emits "changed" on those whose value differs by value, in query id
 * order. */
void
_chorus_client_notify_changes (ChorusClient *self)
{
  g_autoptr(GPtrArray) queries = take_unnotified_queries (self);
  g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < queries->len; i++)
    {
      ChorusQuery *query = g_ptr_array_index (queries, i);
      ChorusViewEntry *entry = _chorus_local_store_lookup (self->view, query->token);

      for (guint j = 0; j < query->subscriptions->len; j++)
        {
          ChorusSubscription *subscription = g_ptr_array_index (query->subscriptions, j);

          if (_chorus_subscription_update (subscription,
                                           entry ? entry->value : NULL,
                                           entry ? entry->error : NULL))
            g_ptr_array_add (changed, g_object_ref (subscription));
        }
    }

  for (guint i = 0; i < changed->len; i++)
    _chorus_subscription_emit_changed (g_ptr_array_index (changed, i));
}

/* Completes the GTasks of @finished and frees the requests. The caller
 * has already notified subscribers, so a completion callback reads the
 * view that includes the mutation's result. */
void
_chorus_client_finish_requests (ChorusClient *self,
                                GPtrArray    *finished)
{
  for (guint i = 0; i < finished->len; i++)
    {
      ChorusRequest *request = g_ptr_array_index (finished, i);

      if (request->error != NULL)
        g_task_return_error (request->task, g_steal_pointer (&request->error));
      else
        g_task_return_pointer (request->task, json_node_ref (request->result),
                               (GDestroyNotify) json_node_unref);

      _chorus_client_request_free (request);
    }
}
