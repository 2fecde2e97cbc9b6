/* chorus-client-queries.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-client"

#include "config.h"

#include "chorus-client-state.h"
#include "chorus-subscription-private.h"
#include "chorus-value.h"

/* Subscriptions: the query set they make up, and reading the view. */

static ChorusQuery *
add_query (ChorusClient *self,
           const char   *token,
           const char   *udf_path,
           JsonNode     *args,
           const char   *journal)
{
  ChorusQuery *query = g_new0 (ChorusQuery, 1);

  query->journal = g_strdup (journal);
  query->has_journal = journal != NULL;
  query->token = g_ref_string_new_intern (token);
  query->udf_path = g_strdup (udf_path);
  query->args = json_node_ref (args);
  query->query_id = self->next_query_id++;
  query->subscriptions = g_ptr_array_new ();

  g_hash_table_insert (self->queries, query->token, query);
  g_hash_table_insert (self->queries_by_id, GUINT_TO_POINTER (query->query_id), query);
  g_clear_pointer (&self->sorted_queries, g_ptr_array_unref);
  _chorus_client_forget_server_view (self);
  _chorus_client_send_query_change (self, query, 0);

  return query;
}

/**
 * chorus_client_subscribe:
 * @udf_path: the query function, such as "messages:list"
 * @args: (nullable): the arguments object, NULL for {}
 *
 * Subscribes to a query. Subscriptions with the same canonical path and
 * arguments share one server query.
 *
 * Returns: (transfer full): a new subscription; the query is removed from
 *   the server when the last subscription to it is finalized
 */
ChorusSubscription *
chorus_client_subscribe (ChorusClient *self,
                         const char   *udf_path,
                         JsonNode     *args)
{
  return chorus_client_subscribe_with_journal (self, udf_path, args, NULL);
}

/**
 * chorus_client_subscribe_with_journal:
 * @udf_path: the query function, such as "messages:list"
 * @args: (nullable): the arguments object, NULL for {}
 * @journal: (nullable): the journal to send with the first Add, such as
 *   one saved from an earlier session. It is used only when the query is
 *   not subscribed yet.
 *
 * Subscribes to a query like chorus_client_subscribe(), with a journal.
 *
 * Returns: (transfer full): a new subscription
 */
ChorusSubscription *
chorus_client_subscribe_with_journal (ChorusClient *self,
                                      const char   *udf_path,
                                      JsonNode     *args,
                                      const char   *journal)
{
  g_autoptr(JsonNode) sealed_args = NULL;
  g_autofree char *path = NULL;
  g_autofree char *token = NULL;
  ChorusSubscription *subscription;
  ChorusViewEntry *entry;
  ChorusQuery *query;

  g_return_val_if_fail (CHORUS_IS_CLIENT (self), NULL);
  g_return_val_if_fail (udf_path != NULL, NULL);
  g_return_val_if_fail (args == NULL || JSON_NODE_HOLDS_OBJECT (args), NULL);

  path = chorus_canonical_udf_path (udf_path);
  sealed_args = chorus_value_dup_args (args);
  token = chorus_query_token (path, sealed_args);

  query = g_hash_table_lookup (self->queries, token);
  if (query == NULL)
    query = add_query (self, token, path, sealed_args, journal);

  subscription = _chorus_subscription_new (self, token, path, query->args);
  g_ptr_array_add (query->subscriptions, subscription);

  entry = _chorus_local_store_lookup (self->view, query->token);
  if (entry != NULL)
    _chorus_subscription_update (subscription, entry->value, entry->error);

  return subscription;
}

static gboolean
notify_idle_cb (gpointer user_data)
{
  ChorusClient *self = user_data;

  g_clear_pointer (&self->notify_source, g_source_unref);
  _chorus_client_notify_changes (self);

  return G_SOURCE_REMOVE;
}

/* Tells the subscriptions about view changes from the main loop, for a
 * change made where running their handlers is not safe, as in the
 * finalize of another subscription. */
static void
schedule_notify (ChorusClient *self)
{
  if (self->notify_source != NULL)
    return;

  self->notify_source = g_idle_source_new ();
  g_source_set_callback (self->notify_source, notify_idle_cb, self, NULL);
  g_source_attach (self->notify_source, self->context);
}

void
_chorus_client_release_subscription (ChorusClient       *self,
                                     ChorusSubscription *subscription)
{
  const char *token = _chorus_subscription_get_token (subscription);
  g_autoptr(GPtrArray) finished = NULL;
  ChorusQuery *query;
  guint query_id;

  g_return_if_fail (CHORUS_IS_CLIENT (self));

  query = g_hash_table_lookup (self->queries, token);
  if (query == NULL || !g_ptr_array_remove (query->subscriptions, subscription))
    g_return_if_reached ();

  if (query->subscriptions->len > 0)
    return;

  query_id = query->query_id;
  g_hash_table_remove (self->queries_by_id, GUINT_TO_POINTER (query_id));
  g_hash_table_remove (self->unsynced_queries, GUINT_TO_POINTER (query_id));
  g_hash_table_remove (self->server_results, GUINT_TO_POINTER (query_id));
  chorus_json_cache_forget_query (self->json_cache, query_id);
  g_hash_table_remove (self->queries, token);
  g_clear_pointer (&self->sorted_queries, g_ptr_array_unref);
  _chorus_client_forget_server_view (self);
  _chorus_client_send_query_change (self, NULL, query_id);

  /* Drop the server's result from the view, so that a new subscription
   * to the same query starts out loading. */
  finished = g_ptr_array_new ();
  _chorus_client_recompute (self, finished);
  _chorus_client_finish_requests (self, finished);
  schedule_notify (self);
}

/**
 * chorus_client_dup_query:
 * @udf_path: the query function
 * @args: (nullable): the arguments object, NULL for {}
 * @error: return location for a %CHORUS_CLIENT_ERROR_QUERY_FAILED error
 *
 * Reads the visible value of a query: the server's result with the
 * pending optimistic updates applied. Values that optimistic updates set
 * for queries without a subscription can be read here too.
 *
 * Returns: (transfer full) (nullable): the sealed value, or NULL while
 *   the query is loading or unknown, or NULL with @error set if it failed
 */
JsonNode *
chorus_client_dup_query (ChorusClient  *self,
                         const char    *udf_path,
                         JsonNode      *args,
                         GError       **error)
{
  g_autofree char *path = NULL;
  g_autofree char *token = NULL;
  g_autoptr(GRefString) interned = NULL;
  ChorusViewEntry *entry;

  g_return_val_if_fail (CHORUS_IS_CLIENT (self), NULL);
  g_return_val_if_fail (udf_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  path = chorus_canonical_udf_path (udf_path);
  token = chorus_query_token (path, args);
  interned = g_ref_string_new_intern (token);
  entry = _chorus_local_store_lookup (self->view, interned);

  if (entry == NULL)
    return NULL;

  if (entry->error != NULL)
    {
      g_propagate_error (error, g_error_copy (entry->error));
      return NULL;
    }

  return entry->value ? json_node_ref (entry->value) : NULL;
}
