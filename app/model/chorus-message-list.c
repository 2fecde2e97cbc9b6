/* chorus-message-list.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-message-list"

#include "config.h"

#include "chorus-list-sync.h"
#include "chorus-message-list.h"

/*
 * The messages of one channel, as a GListModel of ChorusMessage.
 *
 * The rows come from the `messages:list` query. A message sent through
 * the outbox is added to that query by an optimistic update, so it shows
 * at once without an `_id`; when the server's result includes it, the
 * same ChorusMessage becomes confirmed. Outbox messages that the query
 * does not show, because their update was rolled back after a failure or
 * the query has not loaded, stay at the end of the list.
 */
struct _ChorusMessageList
{
  GObject parent_instance;

  /* Owned references */
  ChorusOutbox       *outbox;
  ChorusSubscription *subscription;
  char               *channel;
  GPtrArray          *items;

  /* Older history from messages:page, newest page first. */
  GPtrArray          *pages;
};

enum {
  PROP_0,
  PROP_OUTBOX,
  PROP_CHANNEL,
  PROP_LOADING,
  PROP_CAN_LOAD_OLDER,
  N_PROPS
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ChorusMessageList, chorus_message_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GParamSpec *properties [N_PROPS];

static gboolean
is_in_channel (ChorusMessageList *self,
                    ChorusMessage     *message)
{
  return g_strcmp0 (chorus_message_get_channel (message), self->channel) == 0;
}

static ChorusMessage *
find_in_outbox (ChorusMessageList *self,
                const char        *key)
{
  GPtrArray *messages = chorus_outbox_get_messages (self->outbox);

  for (guint i = 0; i < messages->len; i++)
    {
      ChorusMessage *message = g_ptr_array_index (messages, i);

      if (g_strcmp0 (chorus_message_get_key (message), key) == 0)
        return message;
    }

  return NULL;
}

static const char *
message_get_key (gpointer item)
{
  return chorus_message_get_key (item);
}

/* A message from the outbox keeps its object, so the row that showed it
 * pending is the row that shows it confirmed. */
static gpointer
message_create (const char *key,
                gpointer    entry,
                gpointer    user_data)
{
  ChorusMessageList *self = user_data;
  ChorusMessage *message = find_in_outbox (self, key);

  if (message == NULL)
    return chorus_message_new_from_json (entry);

  if (entry != NULL)
    chorus_message_update_from_json (message, entry);

  return g_object_ref (message);
}

static void
message_update (gpointer item,
                gpointer entry,
                gpointer user_data)
{
  chorus_message_update_from_json (item, entry);
}

static const ChorusListSyncFuncs message_sync_funcs = {
  message_get_key,
  message_create,
  message_update,
};

static const char *
get_row_key (JsonObject *row)
{
  const char *names[] = { "clientId", "_id" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      JsonNode *node = json_object_get_member (row, names[i]);

      if (node != NULL && json_node_get_value_type (node) == G_TYPE_STRING)
        return json_node_get_string (node);
    }

  return NULL;
}

static void
collect_rows (JsonNode  *value,
              GPtrArray *keys,
              GPtrArray *entries)
{
  JsonArray *rows;

  if (!JSON_NODE_HOLDS_ARRAY (value))
    {
      g_warning ("messages:list returned a %s, expected an array",
                 json_node_type_name (value));
      return;
    }

  rows = json_node_get_array (value);
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonNode *element = json_array_get_element (rows, i);
      const char *key;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;

      key = get_row_key (json_node_get_object (element));
      if (key == NULL)
        continue;

      g_ptr_array_add (keys, (gpointer)key);
      g_ptr_array_add (entries, json_node_get_object (element));
    }
}

static void
collect_outbox (ChorusMessageList *self,
                GPtrArray         *keys,
                GPtrArray         *entries)
{
  GPtrArray *messages = chorus_outbox_get_messages (self->outbox);

  for (guint i = 0; i < messages->len; i++)
    {
      ChorusMessage *message = g_ptr_array_index (messages, i);

      if (!is_in_channel (self, message))
        continue;

      g_ptr_array_add (keys, (gpointer)chorus_message_get_key (message));
      g_ptr_array_add (entries, NULL);
    }
}

/* Messages by one author with less than this between them share one
 * header, as in Fractal and most chat apps. */
#define GROUP_GAP_MS (20 * 60 * 1000)

static gboolean
same_local_day (gint64 a_ms,
                gint64 b_ms)
{
  g_autoptr(GDateTime) a = g_date_time_new_from_unix_local (a_ms / 1000);
  g_autoptr(GDateTime) b = g_date_time_new_from_unix_local (b_ms / 1000);

  if (a == NULL || b == NULL)
    return FALSE;

  return g_date_time_get_year (a) == g_date_time_get_year (b) &&
         g_date_time_get_day_of_year (a) == g_date_time_get_day_of_year (b);
}

/* Rows react to notify::starts-group and notify::starts-day only, so a
 * new message changes at most its own flags and no other message's. */
static void
update_position_flags (ChorusMessageList *self)
{
  ChorusMessage *previous = NULL;

  for (guint i = 0; i < self->items->len; i++)
    {
      ChorusMessage *message = g_ptr_array_index (self->items, i);
      gint64 created = chorus_message_get_created (message);
      gboolean starts_day = TRUE;
      gboolean starts_group = TRUE;

      if (previous != NULL)
        {
          gint64 gap = created - chorus_message_get_created (previous);

          starts_day = !same_local_day (chorus_message_get_created (previous), created);
          starts_group = starts_day || gap > GROUP_GAP_MS || gap < 0 ||
                         g_strcmp0 (chorus_message_get_author (previous),
                                    chorus_message_get_author (message)) != 0;
        }

      chorus_message_set_position_flags (message, starts_group, starts_day);
      previous = message;
    }
}

/* The first history page also covers the live window of
 * `messages:list`, so it requests that many rows more. */
#define LIVE_WINDOW 100
#define HISTORY_PAGE 50

typedef struct
{
  JsonArray  *rows;             /* newest first */
  gboolean    is_done;
  const char *continue_cursor;
} PageResult;

static gboolean
read_page (ChorusSubscription *page,
           PageResult         *result)
{
  JsonNode *value = chorus_subscription_get_value (page);
  JsonObject *object;
  JsonNode *rows;
  JsonNode *cursor;

  if (value == NULL || !JSON_NODE_HOLDS_OBJECT (value))
    return FALSE;

  object = json_node_get_object (value);
  rows = json_object_get_member (object, "page");
  cursor = json_object_get_member (object, "continueCursor");
  if (rows == NULL || !JSON_NODE_HOLDS_ARRAY (rows))
    return FALSE;

  result->rows = json_node_get_array (rows);
  result->is_done = json_object_get_boolean_member_with_default (object, "isDone", TRUE);
  result->continue_cursor = cursor != NULL && json_node_get_value_type (cursor) == G_TYPE_STRING
                            ? json_node_get_string (cursor) : NULL;
  return TRUE;
}

/* History rows go before the live ones, oldest first, and only where
 * the live query does not have them: its rows carry the optimistic
 * edits. */
static void
collect_history (ChorusMessageList *self,
                 GHashTable        *live,
                 GPtrArray         *keys,
                 GPtrArray         *entries)
{
  for (guint i = self->pages->len; i > 0; i--)
    {
      PageResult page;

      if (!read_page (g_ptr_array_index (self->pages, i - 1), &page))
        continue;

      for (guint j = json_array_get_length (page.rows); j > 0; j--)
        {
          JsonObject *row = json_array_get_object_element (page.rows, j - 1);
          const char *key = row != NULL ? get_row_key (row) : NULL;

          if (key == NULL || g_hash_table_contains (live, key))
            continue;

          g_ptr_array_add (keys, (gpointer)key);
          g_ptr_array_add (entries, row);
        }
    }
}

static void
sync_items (ChorusMessageList *self)
{
  g_autoptr(GPtrArray) live_keys = g_ptr_array_new ();
  g_autoptr(GPtrArray) live_entries = g_ptr_array_new ();
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  g_autoptr(GPtrArray) entries = g_ptr_array_new ();
  g_autoptr(GHashTable) live = g_hash_table_new (g_str_hash, g_str_equal);
  JsonNode *value;

  if (self->subscription == NULL)
    return;

  value = chorus_subscription_get_value (self->subscription);

  /* While the query reloads, the rows on screen stay as they are. */
  if (value == NULL && self->items->len > 0)
    return;

  if (value != NULL)
    collect_rows (value, live_keys, live_entries);

  /* chorus_list_sync() skips the outbox keys that the rows already have. */
  collect_outbox (self, live_keys, live_entries);

  for (guint i = 0; i < live_keys->len; i++)
    g_hash_table_add (live, g_ptr_array_index (live_keys, i));
  collect_history (self, live, keys, entries);
  g_ptr_array_extend (keys, live_keys, NULL, NULL);
  g_ptr_array_extend (entries, live_entries, NULL, NULL);

  chorus_list_sync (G_LIST_MODEL (self), self->items,
                    (const char * const *)keys->pdata, entries->pdata, keys->len,
                    &message_sync_funcs, self);
  update_position_flags (self);
}

static void
subscription_changed_cb (ChorusMessageList  *self,
                         ChorusSubscription *subscription)
{
  g_assert (CHORUS_IS_MESSAGE_LIST (self));

  sync_items (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_LOAD_OLDER]);
}

static void
outbox_changed_cb (ChorusMessageList *self,
                   const char        *channel,
                   ChorusOutbox      *outbox)
{
  g_assert (CHORUS_IS_MESSAGE_LIST (self));

  if (g_strcmp0 (channel, self->channel) == 0)
    sync_items (self);
}

static JsonNode *
build_list_args (const char *channel)
{
  g_autoptr(JsonObject) object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (object, "channel", channel);
  json_node_set_object (node, object);

  return node;
}

static void
page_changed_cb (ChorusMessageList  *self,
                 ChorusSubscription *page)
{
  sync_items (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_LOAD_OLDER]);
}

static JsonNode *
build_page_args (const char *channel,
                 const char *cursor,
                 guint       n_items)
{
  g_autoptr(JsonObject) options = json_object_new ();
  g_autoptr(JsonObject) object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  if (cursor != NULL)
    json_object_set_string_member (options, "cursor", cursor);
  else
    json_object_set_null_member (options, "cursor");
  json_object_set_int_member (options, "numItems", n_items);

  json_object_set_string_member (object, "channel", channel);
  json_object_set_object_member (object, "paginationOpts", g_steal_pointer (&options));
  json_node_set_object (node, object);

  return node;
}

static void
add_page (ChorusMessageList *self,
          const char        *cursor,
          guint              n_items)
{
  g_autoptr(JsonNode) args = build_page_args (self->channel, cursor, n_items);
  ChorusClient *client = chorus_outbox_get_client (self->outbox);
  ChorusSubscription *page = chorus_client_subscribe (client, "messages:page", args);

  g_signal_connect_object (page, "changed", G_CALLBACK (page_changed_cb), self, G_CONNECT_SWAPPED);
  g_ptr_array_add (self->pages, page);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_LOAD_OLDER]);
}

static GType
chorus_message_list_get_item_type (GListModel *model)
{
  return CHORUS_TYPE_MESSAGE;
}

static guint
chorus_message_list_get_n_items (GListModel *model)
{
  return CHORUS_MESSAGE_LIST (model)->items->len;
}

static gpointer
chorus_message_list_get_item (GListModel *model,
                              guint       position)
{
  ChorusMessageList *self = CHORUS_MESSAGE_LIST (model);

  if (position >= self->items->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = chorus_message_list_get_item_type;
  iface->get_n_items = chorus_message_list_get_n_items;
  iface->get_item = chorus_message_list_get_item;
}

static void
chorus_message_list_constructed (GObject *object)
{
  ChorusMessageList *self = CHORUS_MESSAGE_LIST (object);
  g_autoptr(JsonNode) args = build_list_args (self->channel);
  ChorusClient *client = chorus_outbox_get_client (self->outbox);

  G_OBJECT_CLASS (chorus_message_list_parent_class)->constructed (object);

  self->subscription = chorus_client_subscribe (client, "messages:list", args);
  g_signal_connect_object (self->subscription, "changed",
                           G_CALLBACK (subscription_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->outbox, "changed",
                           G_CALLBACK (outbox_changed_cb), self,
                           G_CONNECT_SWAPPED);
  sync_items (self);
}

static void
chorus_message_list_dispose (GObject *object)
{
  ChorusMessageList *self = CHORUS_MESSAGE_LIST (object);

  if (self->pages != NULL)
    g_ptr_array_set_size (self->pages, 0);
  g_clear_object (&self->subscription);
  g_clear_object (&self->outbox);

  G_OBJECT_CLASS (chorus_message_list_parent_class)->dispose (object);
}

static void
chorus_message_list_finalize (GObject *object)
{
  ChorusMessageList *self = CHORUS_MESSAGE_LIST (object);

  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->pages, g_ptr_array_unref);
  g_free (self->channel);

  G_OBJECT_CLASS (chorus_message_list_parent_class)->finalize (object);
}

static void
chorus_message_list_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ChorusMessageList *self = CHORUS_MESSAGE_LIST (object);

  switch (prop_id)
    {
    case PROP_OUTBOX:
      g_value_set_object (value, self->outbox);
      break;

    case PROP_CHANNEL:
      g_value_set_string (value, self->channel);
      break;

    case PROP_LOADING:
      g_value_set_boolean (value, chorus_message_list_is_loading (self));
      break;

    case PROP_CAN_LOAD_OLDER:
      g_value_set_boolean (value, chorus_message_list_can_load_older (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chorus_message_list_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  ChorusMessageList *self = CHORUS_MESSAGE_LIST (object);

  switch (prop_id)
    {
    case PROP_OUTBOX:
      self->outbox = g_value_dup_object (value);
      break;

    case PROP_CHANNEL:
      self->channel = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chorus_message_list_class_init (ChorusMessageListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = chorus_message_list_constructed;
  object_class->dispose = chorus_message_list_dispose;
  object_class->finalize = chorus_message_list_finalize;
  object_class->get_property = chorus_message_list_get_property;
  object_class->set_property = chorus_message_list_set_property;

  properties[PROP_OUTBOX] =
    g_param_spec_object ("outbox", NULL, NULL,
                         CHORUS_TYPE_OUTBOX,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  /* The channel's server `_id`. */
  properties[PROP_CHANNEL] =
    g_param_spec_string ("channel", NULL, NULL, NULL,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, TRUE,
                          (G_PARAM_READABLE |
                           G_PARAM_STATIC_STRINGS));

  /* Whether chorus_message_list_load_older() would fetch anything now:
   * the server has older messages and no page is on its way. */
  properties[PROP_CAN_LOAD_OLDER] =
    g_param_spec_boolean ("can-load-older", NULL, NULL, TRUE,
                          (G_PARAM_READABLE |
                           G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
chorus_message_list_init (ChorusMessageList *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->pages = g_ptr_array_new_with_free_func (g_object_unref);
}

ChorusMessageList *
chorus_message_list_new (ChorusOutbox *outbox,
                         const char   *channel_id)
{
  g_return_val_if_fail (CHORUS_IS_OUTBOX (outbox), NULL);
  g_return_val_if_fail (channel_id != NULL, NULL);

  return g_object_new (CHORUS_TYPE_MESSAGE_LIST,
                       "outbox", outbox,
                       "channel", channel_id,
                       NULL);
}

const char *
chorus_message_list_get_channel (ChorusMessageList *self)
{
  g_return_val_if_fail (CHORUS_IS_MESSAGE_LIST (self), NULL);

  return self->channel;
}

gboolean
chorus_message_list_is_loading (ChorusMessageList *self)
{
  g_return_val_if_fail (CHORUS_IS_MESSAGE_LIST (self), FALSE);

  return self->subscription == NULL ||
         chorus_subscription_is_loading (self->subscription);
}

/**
 * chorus_message_list_send:
 * @self: a #ChorusMessageList
 * @author: the display name of the sender
 * @body: the text, valid UTF-8
 *
 * Sends a message to this list's channel through the outbox. It is in the
 * list, pending, when this returns.
 *
 * Returns: (transfer none): the pending message
 */
ChorusMessage *
chorus_message_list_send (ChorusMessageList *self,
                          const char        *author,
                          const char        *body)
{
  g_return_val_if_fail (CHORUS_IS_MESSAGE_LIST (self), NULL);

  return chorus_outbox_send (self->outbox, self->channel, author, body);
}

void
chorus_message_list_retry (ChorusMessageList *self,
                           ChorusMessage     *message)
{
  g_return_if_fail (CHORUS_IS_MESSAGE_LIST (self));

  chorus_outbox_retry (self->outbox, message);
}

void
chorus_message_list_discard (ChorusMessageList *self,
                             ChorusMessage     *message)
{
  g_return_if_fail (CHORUS_IS_MESSAGE_LIST (self));

  chorus_outbox_discard (self->outbox, message);
}

/* What an edit or a removal changes in the rows: the row with @id gets
 * @body, or goes away when @body is NULL. */
typedef struct
{
  char *channel;
  char *id;
  char *body;
} RowChange;

static void
row_change_free (RowChange *change)
{
  g_free (change->channel);
  g_free (change->id);
  g_free (change->body);
  g_free (change);
}

static JsonNode *
build_edited_row (JsonObject *row,
                  const char *body)
{
  g_autoptr(JsonObject) copy = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  GList *members = json_object_get_members (row);

  for (GList *l = members; l != NULL; l = l->next)
    json_object_set_member (copy, l->data, json_node_ref (json_object_get_member (row, l->data)));
  g_list_free (members);

  json_object_set_string_member (copy, "body", body);
  json_object_set_double_member (copy, "editedAt", (double)(g_get_real_time () / 1000));
  json_node_set_object (node, copy);

  return node;
}

static gboolean
row_has_id (JsonNode   *element,
            const char *id)
{
  JsonNode *member;

  if (!JSON_NODE_HOLDS_OBJECT (element))
    return FALSE;

  member = json_object_get_member (json_node_get_object (element), "_id");
  return member != NULL && json_node_get_value_type (member) == G_TYPE_STRING &&
         g_strcmp0 (json_node_get_string (member), id) == 0;
}

/* The optimistic update of messages:edit and messages:remove. The values
 * from the store are sealed, so the rows are rebuilt, never changed. */
static gboolean
apply_row_change (ChorusLocalStore  *store,
                  JsonNode          *mutation_args,
                  gpointer           user_data,
                  GError           **error)
{
  RowChange *change = user_data;
  g_autoptr(JsonNode) list_args = build_list_args (change->channel);
  g_autoptr(JsonArray) rows = json_array_new ();
  g_autoptr(JsonNode) value = json_node_new (JSON_NODE_ARRAY);
  JsonNode *current = chorus_local_store_get_query (store, "messages:list", list_args);
  JsonArray *old_rows;

  if (current == NULL || !JSON_NODE_HOLDS_ARRAY (current))
    return TRUE;

  old_rows = json_node_get_array (current);
  for (guint i = 0; i < json_array_get_length (old_rows); i++)
    {
      JsonNode *element = json_array_get_element (old_rows, i);

      if (!row_has_id (element, change->id))
        json_array_add_element (rows, json_node_ref (element));
      else if (change->body != NULL)
        json_array_add_element (rows, build_edited_row (json_node_get_object (element), change->body));
    }

  json_node_set_array (value, rows);
  chorus_local_store_set_query (store, "messages:list", list_args, value);

  return TRUE;
}

static void
change_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) value = NULL;
  GError *error = NULL;

  value = chorus_client_mutation_finish (CHORUS_CLIENT (object), result, &error);
  if (value == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
submit_change (ChorusMessageList  *self,
               ChorusMessage      *message,
               const char         *udf_path,
               const char         *body,
               GAsyncReadyCallback callback,
               gpointer            user_data)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) args = json_node_new (JSON_NODE_OBJECT);
  RowChange *change = g_new0 (RowChange, 1);
  GTask *task = g_task_new (self, NULL, callback, user_data);

  change->channel = g_strdup (self->channel);
  change->id = g_strdup (chorus_message_get_id (message));
  change->body = g_strdup (body);

  json_object_set_string_member (object, "id", change->id);
  if (body != NULL)
    json_object_set_string_member (object, "body", body);
  json_node_set_object (args, object);

  chorus_client_mutation (chorus_outbox_get_client (self->outbox), udf_path, args,
                          apply_row_change, change, (GDestroyNotify)row_change_free,
                          NULL, change_cb, task);
}

/**
 * chorus_message_list_edit:
 * @self: a #ChorusMessageList
 * @message: a confirmed message of this list
 * @body: the new text
 * @callback: called when the server has the change, or rejected it
 * @user_data: passed to @callback
 *
 * Changes the text of a message. The list shows the new text at once;
 * if the server rejects the change, the old text comes back.
 */
void
chorus_message_list_edit (ChorusMessageList  *self,
                          ChorusMessage      *message,
                          const char         *body,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  g_return_if_fail (CHORUS_IS_MESSAGE_LIST (self));
  g_return_if_fail (CHORUS_IS_MESSAGE (message));
  g_return_if_fail (body != NULL);
  g_return_if_fail (chorus_message_get_state (message) == CHORUS_MESSAGE_CONFIRMED);

  submit_change (self, message, "messages:edit", body, callback, user_data);
}

/**
 * chorus_message_list_remove:
 * @self: a #ChorusMessageList
 * @message: a confirmed message of this list
 * @callback: called when the server has the change, or rejected it
 * @user_data: passed to @callback
 *
 * Deletes a message. It leaves the list at once; if the server rejects
 * the removal, it comes back in its place.
 */
void
chorus_message_list_remove (ChorusMessageList  *self,
                            ChorusMessage      *message,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  g_return_if_fail (CHORUS_IS_MESSAGE_LIST (self));
  g_return_if_fail (CHORUS_IS_MESSAGE (message));
  g_return_if_fail (chorus_message_get_state (message) == CHORUS_MESSAGE_CONFIRMED);

  submit_change (self, message, "messages:remove", NULL, callback, user_data);
}

gboolean
chorus_message_list_change_finish (ChorusMessageList  *self,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  g_return_val_if_fail (CHORUS_IS_MESSAGE_LIST (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * chorus_message_list_find_last_own:
 * @self: a #ChorusMessageList
 * @author: the user's display name
 *
 * Finds the newest confirmed message by @author, the one that Up in an
 * empty composer edits.
 *
 * Returns: (transfer none) (nullable): the message
 */
ChorusMessage *
chorus_message_list_find_last_own (ChorusMessageList *self,
                                   const char        *author)
{
  g_return_val_if_fail (CHORUS_IS_MESSAGE_LIST (self), NULL);

  for (guint i = self->items->len; i > 0; i--)
    {
      ChorusMessage *message = g_ptr_array_index (self->items, i - 1);

      if (chorus_message_get_state (message) == CHORUS_MESSAGE_CONFIRMED &&
          g_strcmp0 (chorus_message_get_author (message), author) == 0)
        return message;
    }

  return NULL;
}

gboolean
chorus_message_list_can_load_older (ChorusMessageList *self)
{
  ChorusSubscription *last;
  PageResult page;

  g_return_val_if_fail (CHORUS_IS_MESSAGE_LIST (self), FALSE);

  if (self->pages->len == 0)
    return !chorus_message_list_is_loading (self) && self->items->len >= LIVE_WINDOW;

  last = g_ptr_array_index (self->pages, self->pages->len - 1);
  return read_page (last, &page) && !page.is_done && page.continue_cursor != NULL;
}

/**
 * chorus_message_list_load_older:
 * @self: a #ChorusMessageList
 *
 * Fetches the page of messages before the oldest one in the list. The
 * messages appear at the top when the page arrives; pending ones stay at
 * the end. Does nothing while a page is on its way or when the channel's
 * start is already in the list.
 *
 * Returns: %TRUE if a page was requested
 */
gboolean
chorus_message_list_load_older (ChorusMessageList *self)
{
  PageResult page;

  g_return_val_if_fail (CHORUS_IS_MESSAGE_LIST (self), FALSE);

  if (!chorus_message_list_can_load_older (self))
    return FALSE;

  if (self->pages->len == 0)
    add_page (self, NULL, LIVE_WINDOW + HISTORY_PAGE);
  else if (read_page (g_ptr_array_index (self->pages, self->pages->len - 1), &page))
    add_page (self, page.continue_cursor, HISTORY_PAGE);

  return TRUE;
}
