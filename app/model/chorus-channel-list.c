/* chorus-channel-list.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-channel-list"

#include "config.h"

#include "chorus-channel-list.h"
#include "chorus-list-sync.h"

/*
 * The channels of `channels:list`, in the server's order (by name).
 *
 * It also follows `messages:list` of every channel, to count each one's
 * unread messages and to tell the window about new messages by others,
 * for notifications. Messages count as read up to a time the window sets
 * (chorus_channel_list_mark_read()) and stores between runs.
 */
struct _ChorusChannelList
{
  GObject parent_instance;

  ChorusClient       *client;
  ChorusSubscription *subscription;
  GPtrArray          *items;
  GHashTable         *watches;     /* channel id → ChannelWatch */
  GHashTable         *last_read;   /* channel id → gint64 *, ms since the epoch */
  char               *own_author;
};

typedef struct
{
  ChorusChannelList  *list;           /* borrowed: the list owns the watch */
  ChorusChannel      *channel;
  ChorusSubscription *subscription;
  GHashTable         *seen_ids;       /* NULL until the first result */
} ChannelWatch;

enum {
  MESSAGE_RECEIVED,
  N_SIGNALS
};

static guint signals [N_SIGNALS];

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ChorusChannelList, chorus_channel_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static const char *
get_string_member (JsonObject *object,
                   const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static gint64
get_creation_time (JsonObject *object)
{
  JsonNode *node = json_object_get_member (object, "_creationTime");

  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE)
    return 0;

  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return (gint64)json_node_get_double (node);

  return 0;
}

static gint64
lookup_last_read (ChorusChannelList *self,
                  const char        *channel_id)
{
  gint64 *last_read = g_hash_table_lookup (self->last_read, channel_id);

  return last_read != NULL ? *last_read : 0;
}

static gboolean
is_by_others (ChorusChannelList *self,
              JsonObject        *row)
{
  return g_strcmp0 (get_string_member (row, "author"), self->own_author) != 0;
}

/* Rows without a server id are this user's own pending messages. */
static void
announce_new_rows (ChannelWatch *watch,
                   JsonArray    *rows)
{
  gboolean first_result = watch->seen_ids == NULL;

  if (first_result)
    watch->seen_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);
      const char *id = row ? get_string_member (row, "_id") : NULL;

      if (id == NULL || !g_hash_table_add (watch->seen_ids, g_strdup (id)) || first_result)
        continue;

      if (is_by_others (watch->list, row))
        g_signal_emit (watch->list, signals[MESSAGE_RECEIVED], 0, watch->channel,
                       get_string_member (row, "author"), get_string_member (row, "body"));
    }
}

static void
count_unread (ChannelWatch *watch,
              JsonArray    *rows)
{
  gint64 last_read = lookup_last_read (watch->list, chorus_channel_get_id (watch->channel));
  guint unread = 0;

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);

      if (row != NULL && get_string_member (row, "_id") != NULL &&
          get_creation_time (row) > last_read && is_by_others (watch->list, row))
        unread++;
    }

  chorus_channel_set_unread_count (watch->channel, unread);
}

static void
watch_changed_cb (ChannelWatch       *watch,
                  ChorusSubscription *subscription)
{
  JsonNode *value = chorus_subscription_get_value (subscription);

  if (value == NULL || !JSON_NODE_HOLDS_ARRAY (value))
    return;

  announce_new_rows (watch, json_node_get_array (value));
  count_unread (watch, json_node_get_array (value));
}

static void
channel_watch_free (ChannelWatch *watch)
{
  g_signal_handlers_disconnect_by_data (watch->subscription, watch);
  g_clear_object (&watch->subscription);
  g_clear_object (&watch->channel);
  g_clear_pointer (&watch->seen_ids, g_hash_table_unref);
  g_free (watch);
}

static void
watch_channel (ChorusChannelList *self,
               ChorusChannel     *channel)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) args = json_node_new (JSON_NODE_OBJECT);
  ChannelWatch *watch;

  if (chorus_channel_get_id (channel) == NULL ||
      g_hash_table_contains (self->watches, chorus_channel_get_id (channel)))
    return;

  json_object_set_string_member (object, "channel", chorus_channel_get_id (channel));
  json_node_set_object (args, object);

  watch = g_new0 (ChannelWatch, 1);
  watch->list = self;
  watch->channel = g_object_ref (channel);
  watch->subscription = chorus_client_subscribe (self->client, "messages:list", args);
  g_signal_connect_swapped (watch->subscription, "changed", G_CALLBACK (watch_changed_cb), watch);
  g_hash_table_insert (self->watches, g_strdup (chorus_channel_get_id (channel)), watch);
  watch_changed_cb (watch, watch->subscription);
}

static void
update_watches (ChorusChannelList *self)
{
  GHashTableIter iter;
  ChannelWatch *watch;

  g_hash_table_iter_init (&iter, self->watches);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&watch))
    if (!g_ptr_array_find (self->items, watch->channel, NULL))
      g_hash_table_iter_remove (&iter);

  for (guint i = 0; i < self->items->len; i++)
    watch_channel (self, g_ptr_array_index (self->items, i));
}

static const char *
channel_get_key (gpointer item)
{
  return chorus_channel_get_id (item);
}

static gpointer
channel_create (const char *key,
                gpointer    entry,
                gpointer    user_data)
{
  return chorus_channel_new_from_json (entry);
}

static void
channel_update (gpointer item,
                gpointer entry,
                gpointer user_data)
{
  chorus_channel_update_from_json (item, entry);
}

static const ChorusListSyncFuncs channel_sync_funcs = {
  channel_get_key,
  channel_create,
  channel_update,
};

static const char *
get_channel_id (JsonNode *element)
{
  JsonNode *id;

  if (!JSON_NODE_HOLDS_OBJECT (element))
    return NULL;

  id = json_object_get_member (json_node_get_object (element), "_id");
  if (id == NULL || json_node_get_value_type (id) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (id);
}

static void
subscription_changed_cb (ChorusChannelList  *self,
                         ChorusSubscription *subscription)
{
  JsonNode *value = chorus_subscription_get_value (subscription);
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  g_autoptr(GPtrArray) entries = g_ptr_array_new ();
  JsonArray *rows;

  if (value == NULL || !JSON_NODE_HOLDS_ARRAY (value))
    return;

  rows = json_node_get_array (value);
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonNode *element = json_array_get_element (rows, i);
      const char *id = get_channel_id (element);

      if (id == NULL)
        continue;

      g_ptr_array_add (keys, (gpointer)id);
      g_ptr_array_add (entries, json_node_get_object (element));
    }

  chorus_list_sync (G_LIST_MODEL (self), self->items,
                    (const char * const *)keys->pdata, entries->pdata, keys->len,
                    &channel_sync_funcs, self);
  update_watches (self);
}

static GType
chorus_channel_list_get_item_type (GListModel *model)
{
  return CHORUS_TYPE_CHANNEL;
}

static guint
chorus_channel_list_get_n_items (GListModel *model)
{
  return CHORUS_CHANNEL_LIST (model)->items->len;
}

static gpointer
chorus_channel_list_get_item (GListModel *model,
                              guint       position)
{
  ChorusChannelList *self = CHORUS_CHANNEL_LIST (model);

  if (position >= self->items->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = chorus_channel_list_get_item_type;
  iface->get_n_items = chorus_channel_list_get_n_items;
  iface->get_item = chorus_channel_list_get_item;
}

static void
chorus_channel_list_dispose (GObject *object)
{
  ChorusChannelList *self = CHORUS_CHANNEL_LIST (object);

  g_hash_table_remove_all (self->watches);
  g_clear_object (&self->subscription);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (chorus_channel_list_parent_class)->dispose (object);
}

static void
chorus_channel_list_finalize (GObject *object)
{
  ChorusChannelList *self = CHORUS_CHANNEL_LIST (object);

  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->watches, g_hash_table_unref);
  g_clear_pointer (&self->last_read, g_hash_table_unref);
  g_free (self->own_author);

  G_OBJECT_CLASS (chorus_channel_list_parent_class)->finalize (object);
}

static void
chorus_channel_list_class_init (ChorusChannelListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chorus_channel_list_dispose;
  object_class->finalize = chorus_channel_list_finalize;

  /**
   * ChorusChannelList::message-received:
   * @channel: the channel the message is in
   * @author: who sent it
   * @body: its text
   *
   * Emitted for each confirmed message by someone else that arrives after
   * the channel's messages first loaded.
   */
  signals[MESSAGE_RECEIVED] = g_signal_new ("message-received",
                                            G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 3,
                                            CHORUS_TYPE_CHANNEL,
                                            G_TYPE_STRING,
                                            G_TYPE_STRING);
}

static void
chorus_channel_list_init (ChorusChannelList *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->watches = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify)channel_watch_free);
  self->last_read = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

ChorusChannelList *
chorus_channel_list_new (ChorusClient *client)
{
  g_autoptr(JsonNode) args = json_node_new (JSON_NODE_OBJECT);
  ChorusChannelList *self;

  g_return_val_if_fail (CHORUS_IS_CLIENT (client), NULL);

  json_node_take_object (args, json_object_new ());

  self = g_object_new (CHORUS_TYPE_CHANNEL_LIST, NULL);
  self->client = g_object_ref (client);
  self->subscription = chorus_client_subscribe (client, "channels:list", args);
  g_signal_connect_object (self->subscription, "changed",
                           G_CALLBACK (subscription_changed_cb), self,
                           G_CONNECT_SWAPPED);
  subscription_changed_cb (self, self->subscription);

  return self;
}

/**
 * chorus_channel_list_find_by_name:
 * @self: a #ChorusChannelList
 * @name: a channel name
 * @position: (out) (optional): where to store the channel's position
 *
 * Returns: (transfer none) (nullable): the channel called @name
 */
ChorusChannel *
chorus_channel_list_find_by_name (ChorusChannelList *self,
                                  const char        *name,
                                  guint             *position)
{
  g_return_val_if_fail (CHORUS_IS_CHANNEL_LIST (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < self->items->len; i++)
    {
      ChorusChannel *channel = g_ptr_array_index (self->items, i);

      if (g_strcmp0 (chorus_channel_get_name (channel), name) != 0)
        continue;

      if (position != NULL)
        *position = i;
      return channel;
    }

  return NULL;
}

/**
 * chorus_channel_list_set_own_author:
 * @self: a #ChorusChannelList
 * @author: (nullable): the name this user sends as
 *
 * Sets whose messages never count as unread or as received.
 */
void
chorus_channel_list_set_own_author (ChorusChannelList *self,
                                    const char        *author)
{
  g_return_if_fail (CHORUS_IS_CHANNEL_LIST (self));

  g_free (self->own_author);
  self->own_author = g_strdup (author);
}

static void
recount (ChorusChannelList *self,
         const char        *channel_id)
{
  ChannelWatch *watch = g_hash_table_lookup (self->watches, channel_id);

  if (watch != NULL)
    watch_changed_cb (watch, watch->subscription);
}

void
chorus_channel_list_set_last_read (ChorusChannelList *self,
                                   const char        *channel_id,
                                   gint64             last_read)
{
  gint64 *stored = g_new (gint64, 1);

  g_return_if_fail (CHORUS_IS_CHANNEL_LIST (self));
  g_return_if_fail (channel_id != NULL);

  *stored = last_read;
  g_hash_table_insert (self->last_read, g_strdup (channel_id), stored);
  recount (self, channel_id);
}

gint64
chorus_channel_list_get_last_read (ChorusChannelList *self,
                                   const char        *channel_id)
{
  g_return_val_if_fail (CHORUS_IS_CHANNEL_LIST (self), 0);
  g_return_val_if_fail (channel_id != NULL, 0);

  return lookup_last_read (self, channel_id);
}

static gint64
find_newest_time (ChannelWatch *watch)
{
  JsonNode *value = chorus_subscription_get_value (watch->subscription);
  JsonArray *rows;
  gint64 newest = 0;

  if (value == NULL || !JSON_NODE_HOLDS_ARRAY (value))
    return 0;

  rows = json_node_get_array (value);
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);

      if (row != NULL)
        newest = MAX (newest, get_creation_time (row));
    }

  return newest;
}

/**
 * chorus_channel_list_mark_read:
 * @self: a #ChorusChannelList
 * @channel: a channel of this list
 *
 * Counts every message of @channel that has arrived so far as read.
 */
void
chorus_channel_list_mark_read (ChorusChannelList *self,
                               ChorusChannel     *channel)
{
  ChannelWatch *watch;

  g_return_if_fail (CHORUS_IS_CHANNEL_LIST (self));
  g_return_if_fail (CHORUS_IS_CHANNEL (channel));

  watch = g_hash_table_lookup (self->watches, chorus_channel_get_id (channel));
  if (watch == NULL)
    return;

  chorus_channel_list_set_last_read (self, chorus_channel_get_id (channel),
                                     MAX (find_newest_time (watch),
                                          lookup_last_read (self, chorus_channel_get_id (channel))));
}
