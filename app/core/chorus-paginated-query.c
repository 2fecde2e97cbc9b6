/* chorus-paginated-query.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-paginated-query"

#include "config.h"

#include <string.h>

#include "chorus-paginated-query.h"
#include "chorus-value.h"

/* One page: a subscription to the query from @cursor on. */
typedef struct
{
  char               *cursor;  /* NULL for the first page */
  ChorusSubscription *subscription;
} Page;

/* A page being replaced by two smaller ones, which take its place once
 * both have loaded. */
typedef struct
{
  Page *original;  /* borrowed, in self->pages */
  Page *first;
  Page *second;
} Split;

struct _ChorusPaginatedQuery
{
  GObject       parent_instance;

  ChorusClient *client;
  char         *udf_path;
  JsonNode     *args;               /* sealed, without paginationOpts */
  GPtrArray    *pages;              /* Page, in result order */
  GPtrArray    *splits;             /* Split */
  guint         initial_num_items;
  gint64        id;
};

G_DEFINE_FINAL_TYPE (ChorusPaginatedQuery, chorus_paginated_query, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals [N_SIGNALS];

/* Ids for pagination sessions that start over after an InvalidCursor
 * error. Each restart needs an id of its own, so that its pages are new
 * subscriptions with new journals. Only the main thread uses it.
 * NOTE: a caller that picks ids of 1000000 or more may share one. */
static gint64 restart_ids = 1000000;

static void
page_free (Page *page)
{
  g_free (page->cursor);
  g_clear_object (&page->subscription);
  g_free (page);
}

static void
split_free (Split *split)
{
  page_free (split->first);
  page_free (split->second);
  g_free (split);
}

/* Builds the page query's arguments: the caller's arguments plus
 * paginationOpts. @end_cursor is only set for the pages of a split. */
static JsonNode *
build_page_args (ChorusPaginatedQuery *self,
                 const char           *cursor,
                 const char           *end_cursor,
                 guint                 num_items)
{
  g_autoptr(JsonObject) args = json_object_new ();
  JsonObject *options = json_object_new ();
  JsonObjectIter iter;
  const char *key;
  JsonNode *member;

  json_object_iter_init (&iter, json_node_get_object (self->args));
  while (json_object_iter_next (&iter, &key, &member))
    json_object_set_member (args, key, json_node_ref (member));

  if (cursor != NULL)
    json_object_set_string_member (options, "cursor", cursor);
  else
    json_object_set_null_member (options, "cursor");
  if (end_cursor != NULL)
    json_object_set_string_member (options, "endCursor", end_cursor);
  json_object_set_int_member (options, "numItems", num_items);
  json_object_set_int_member (options, "id", self->id);
  json_object_set_object_member (args, "paginationOpts", options);

  return json_node_init_object (json_node_alloc (), args);
}

static void page_changed_cb (ChorusPaginatedQuery *self);

static Page *
page_new (ChorusPaginatedQuery *self,
          const char           *cursor,
          const char           *end_cursor,
          guint                 num_items)
{
  g_autoptr(JsonNode) args = build_page_args (self, cursor, end_cursor, num_items);
  Page *page = g_new0 (Page, 1);

  page->cursor = g_strdup (cursor);
  page->subscription = chorus_client_subscribe (self->client, self->udf_path, args);
  g_signal_connect_object (page->subscription, "changed",
                           G_CALLBACK (page_changed_cb), self, G_CONNECT_SWAPPED);

  return page;
}

/* Returns the page's result when it has loaded and is a pagination
 * result: an object with an array "page", a boolean "isDone" and a
 * string "continueCursor". */
static JsonObject *
page_get_result (Page *page)
{
  JsonNode *value = chorus_subscription_get_value (page->subscription);
  JsonObject *result;
  JsonNode *member;

  if (value == NULL || !JSON_NODE_HOLDS_OBJECT (value))
    return NULL;

  result = json_node_get_object (value);
  member = json_object_get_member (result, "page");
  if (member == NULL || !JSON_NODE_HOLDS_ARRAY (member))
    return NULL;
  member = json_object_get_member (result, "isDone");
  if (member == NULL || json_node_get_value_type (member) != G_TYPE_BOOLEAN)
    return NULL;
  member = json_object_get_member (result, "continueCursor");
  if (member == NULL || json_node_get_value_type (member) != G_TYPE_STRING)
    return NULL;

  return result;
}

static const char *
get_optional_string (JsonObject *object,
                     const char *name)
{
  JsonNode *member = json_object_get_member (object, name);

  if (member == NULL || json_node_get_value_type (member) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (member);
}

/* A loaded page is split when the server sent a splitCursor and either
 * requests a split or the page grew past twice the first page's size. */
static gboolean
should_split (ChorusPaginatedQuery *self,
              JsonObject           *result)
{
  const char *status = get_optional_string (result, "pageStatus");
  guint length = json_array_get_length (json_object_get_array_member (result, "page"));

  if (get_optional_string (result, "splitCursor") == NULL)
    return FALSE;

  return g_strcmp0 (status, "SplitRecommended") == 0 ||
         g_strcmp0 (status, "SplitRequired") == 0 ||
         length > self->initial_num_items * 2;
}

static Split *
find_split (ChorusPaginatedQuery *self,
            Page                 *original)
{
  for (guint i = 0; i < self->splits->len; i++)
    {
      Split *split = g_ptr_array_index (self->splits, i);

      if (split->original == original)
        return split;
    }

  return NULL;
}

static void
start_split (ChorusPaginatedQuery *self,
             Page                 *original,
             JsonObject           *result)
{
  const char *split_cursor = get_optional_string (result, "splitCursor");
  const char *end_cursor = json_object_get_string_member (result, "continueCursor");
  Split *split = g_new0 (Split, 1);

  g_debug ("Splitting a page of %s at %s", self->udf_path, split_cursor);
  split->original = original;
  split->first = page_new (self, original->cursor, split_cursor, self->initial_num_items);
  split->second = page_new (self, split_cursor, end_cursor, self->initial_num_items);
  g_ptr_array_add (self->splits, split);
}

/* Puts the two pages of @split in place of the original, which is
 * unsubscribed. */
static void
complete_split (ChorusPaginatedQuery *self,
                Split                *split)
{
  guint index = 0;

  g_assert (g_ptr_array_find (self->pages, split->original, &index));

  g_ptr_array_remove_index (self->pages, index);
  g_ptr_array_insert (self->pages, index, g_steal_pointer (&split->second));
  g_ptr_array_insert (self->pages, index, g_steal_pointer (&split->first));

  g_free (split);
}

static void
complete_loaded_splits (ChorusPaginatedQuery *self)
{
  for (guint i = 0; i < self->splits->len;)
    {
      Split *split = g_ptr_array_index (self->splits, i);

      if (chorus_subscription_get_value (split->first->subscription) != NULL &&
          chorus_subscription_get_value (split->second->subscription) != NULL)
        complete_split (self, g_ptr_array_steal_index (self->splits, i));
      else
        i++;
    }
}

static void
start_needed_splits (ChorusPaginatedQuery *self)
{
  for (guint i = 0; i < self->pages->len; i++)
    {
      Page *page = g_ptr_array_index (self->pages, i);
      JsonObject *result;

      if (find_split (self, page) != NULL)
        continue;

      result = page_get_result (page);
      if (result != NULL && should_split (self, result))
        start_split (self, page, result);
    }
}

static gboolean
is_invalid_cursor_error (const GError *error)
{
  JsonNode *data;
  JsonObject *object;

  if (error == NULL)
    return FALSE;
  if (strstr (error->message, "InvalidCursor") != NULL)
    return TRUE;

  data = chorus_client_error_get_data (error);
  if (data == NULL || !JSON_NODE_HOLDS_OBJECT (data))
    return FALSE;

  object = json_node_get_object (data);
  return g_strcmp0 (get_optional_string (object, "paginationError"), "InvalidCursor") == 0;
}

static gboolean
has_invalid_cursor (ChorusPaginatedQuery *self)
{
  for (guint i = 0; i < self->pages->len; i++)
    {
      Page *page = g_ptr_array_index (self->pages, i);

      if (is_invalid_cursor_error (chorus_subscription_get_error (page->subscription)))
        return TRUE;
    }

  return FALSE;
}

/* Drops every page and loads the first page again under a new id, as
 * the convex React hook does after an InvalidCursor error. */
static void
restart (ChorusPaginatedQuery *self)
{
  g_debug ("Restarting the pagination of %s after an InvalidCursor error", self->udf_path);

  g_ptr_array_set_size (self->splits, 0);
  g_ptr_array_set_size (self->pages, 0);
  self->id = restart_ids++;
  g_ptr_array_add (self->pages, page_new (self, NULL, NULL, self->initial_num_items));
}

static void
page_changed_cb (ChorusPaginatedQuery *self)
{
  g_autoptr(ChorusPaginatedQuery) hold = g_object_ref (self);

  if (has_invalid_cursor (self))
    restart (self);

  complete_loaded_splits (self);
  start_needed_splits (self);

  g_signal_emit (self, signals [CHANGED], 0);
}

static void
chorus_paginated_query_finalize (GObject *object)
{
  ChorusPaginatedQuery *self = (ChorusPaginatedQuery *)object;

  g_clear_pointer (&self->splits, g_ptr_array_unref);
  g_clear_pointer (&self->pages, g_ptr_array_unref);
  g_clear_pointer (&self->args, json_node_unref);
  g_clear_pointer (&self->udf_path, g_free);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (chorus_paginated_query_parent_class)->finalize (object);
}

static void
chorus_paginated_query_class_init (ChorusPaginatedQueryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = chorus_paginated_query_finalize;

  /**
   * ChorusPaginatedQuery::changed:
   *
   * Emitted when the results or the status may have changed.
   */
  signals [CHANGED] =
    g_signal_new ("changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
chorus_paginated_query_init (ChorusPaginatedQuery *self)
{
  self->pages = g_ptr_array_new_with_free_func ((GDestroyNotify) page_free);
  self->splits = g_ptr_array_new_with_free_func ((GDestroyNotify) split_free);
}

/**
 * chorus_paginated_query_new:
 * @client: the client
 * @udf_path: the paginated query function, such as "messages:page"
 * @args: (nullable): the arguments object without "paginationOpts", NULL for {}
 * @initial_num_items: the number of items in the first page, at least 1
 * @id: the "id" sent in paginationOpts, which keeps the subscriptions of
 *   separate pagination sessions apart
 *
 * Subscribes to the first page of a paginated query at once.
 *
 * Returns: (transfer full): a new paginated query; its pages are
 *   unsubscribed when it is finalized
 */
ChorusPaginatedQuery *
chorus_paginated_query_new (ChorusClient *client,
                            const char   *udf_path,
                            JsonNode     *args,
                            guint         initial_num_items,
                            gint64        id)
{
  ChorusPaginatedQuery *self;

  g_return_val_if_fail (CHORUS_IS_CLIENT (client), NULL);
  g_return_val_if_fail (udf_path != NULL, NULL);
  g_return_val_if_fail (args == NULL || JSON_NODE_HOLDS_OBJECT (args), NULL);
  g_return_val_if_fail (initial_num_items > 0, NULL);

  self = g_object_new (CHORUS_TYPE_PAGINATED_QUERY, NULL);
  self->client = g_object_ref (client);
  self->udf_path = g_strdup (udf_path);
  self->args = chorus_value_dup_args (args);
  self->initial_num_items = initial_num_items;
  self->id = id;
  g_ptr_array_add (self->pages, page_new (self, NULL, NULL, initial_num_items));

  return self;
}

/**
 * chorus_paginated_query_load_more:
 * @num_items: the number of items in the new page, at least 1
 *
 * Subscribes to the page after the last one. It does so only when the
 * last page has loaded and is not the end, and emits "changed" then.
 *
 * Returns: whether a page was added
 */
gboolean
chorus_paginated_query_load_more (ChorusPaginatedQuery *self,
                                  guint                 num_items)
{
  Page *last;
  JsonObject *result;

  g_return_val_if_fail (CHORUS_IS_PAGINATED_QUERY (self), FALSE);
  g_return_val_if_fail (num_items > 0, FALSE);

  last = g_ptr_array_index (self->pages, self->pages->len - 1);
  result = page_get_result (last);
  if (result == NULL || json_object_get_boolean_member (result, "isDone"))
    return FALSE;

  g_ptr_array_add (self->pages,
                   page_new (self, json_object_get_string_member (result, "continueCursor"),
                             NULL, num_items));
  g_signal_emit (self, signals [CHANGED], 0);

  return TRUE;
}

/**
 * chorus_paginated_query_get_status:
 *
 * Returns: %CHORUS_PAGINATION_LOADING_FIRST_PAGE while no item has
 *   loaded, %CHORUS_PAGINATION_LOADING_MORE while a later page is
 *   missing, %CHORUS_PAGINATION_EXHAUSTED when the last page is the end,
 *   and %CHORUS_PAGINATION_CAN_LOAD_MORE otherwise
 */
ChorusPaginationStatus
chorus_paginated_query_get_status (ChorusPaginatedQuery *self)
{
  gboolean missing = FALSE;
  gboolean done = FALSE;
  guint items = 0;

  g_return_val_if_fail (CHORUS_IS_PAGINATED_QUERY (self), CHORUS_PAGINATION_LOADING_FIRST_PAGE);

  for (guint i = 0; i < self->pages->len; i++)
    {
      JsonObject *result = page_get_result (g_ptr_array_index (self->pages, i));

      missing |= (result == NULL);
      if (result == NULL)
        continue;
      items += json_array_get_length (json_object_get_array_member (result, "page"));
      done = json_object_get_boolean_member (result, "isDone");
    }

  if (missing)
    return items == 0 ? CHORUS_PAGINATION_LOADING_FIRST_PAGE : CHORUS_PAGINATION_LOADING_MORE;

  return done ? CHORUS_PAGINATION_EXHAUSTED : CHORUS_PAGINATION_CAN_LOAD_MORE;
}

static gboolean
check_page (Page    *page,
            GError **error)
{
  const GError *failure = chorus_subscription_get_error (page->subscription);

  if (failure != NULL)
    {
      g_propagate_error (error, g_error_copy (failure));
      return FALSE;
    }

  if (chorus_subscription_get_value (page->subscription) != NULL && page_get_result (page) == NULL)
    {
      g_set_error_literal (error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_INVALID_VALUE,
                           "The page is not a pagination result with page, isDone and "
                           "continueCursor");
      return FALSE;
    }

  return TRUE;
}

/**
 * chorus_paginated_query_dup_results:
 * @error: set when a page failed or is not a pagination result
 *
 * Joins the items of the loaded pages in order. Pages that have not
 * loaded yet add nothing.
 *
 * Returns: (transfer full) (nullable): a sealed array node, or NULL with
 *   @error set
 */
JsonNode *
chorus_paginated_query_dup_results (ChorusPaginatedQuery  *self,
                                    GError               **error)
{
  g_autoptr(JsonArray) items = json_array_new ();
  JsonNode *node;

  g_return_val_if_fail (CHORUS_IS_PAGINATED_QUERY (self), NULL);

  for (guint i = 0; i < self->pages->len; i++)
    {
      Page *page = g_ptr_array_index (self->pages, i);
      JsonObject *result;
      JsonArray *page_items;

      if (!check_page (page, error))
        return NULL;
      if ((result = page_get_result (page)) == NULL)
        continue;

      page_items = json_object_get_array_member (result, "page");
      for (guint j = 0; j < json_array_get_length (page_items); j++)
        json_array_add_element (items, json_node_ref (json_array_get_element (page_items, j)));
    }

  node = json_node_init_array (json_node_alloc (), items);
  json_node_seal (node);
  return node;
}

/* Returns the id in paginationOpts, which changes when the pagination
 * starts over after an InvalidCursor error. */
gint64
chorus_paginated_query_get_id (ChorusPaginatedQuery *self)
{
  g_return_val_if_fail (CHORUS_IS_PAGINATED_QUERY (self), 0);

  return self->id;
}
