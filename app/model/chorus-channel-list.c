/* chorus-channel-list.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-channel-list"

#include "config.h"

#include "chorus-channel-list.h"
#include "chorus-list-sync.h"

/* The channels of `channels:list`, in the server's order (by name). */
struct _ChorusChannelList
{
  GObject parent_instance;

  ChorusClient       *client;
  ChorusSubscription *subscription;
  GPtrArray          *items;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ChorusChannelList, chorus_channel_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

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

  g_clear_object (&self->subscription);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (chorus_channel_list_parent_class)->dispose (object);
}

static void
chorus_channel_list_finalize (GObject *object)
{
  ChorusChannelList *self = CHORUS_CHANNEL_LIST (object);

  g_clear_pointer (&self->items, g_ptr_array_unref);

  G_OBJECT_CLASS (chorus_channel_list_parent_class)->finalize (object);
}

static void
chorus_channel_list_class_init (ChorusChannelListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chorus_channel_list_dispose;
  object_class->finalize = chorus_channel_list_finalize;
}

static void
chorus_channel_list_init (ChorusChannelList *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
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
