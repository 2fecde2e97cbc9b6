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
 * The rows come from the `messages:list` query. A message sent from here
 * is added to that query by an optimistic update, so it shows at once
 * without an `_id`; when the server's result includes it, the same
 * ChorusMessage becomes confirmed. Messages sent from here also stay in
 * an outbox until the server confirms them, so that a failed send remains
 * visible, with its error, instead of vanishing with its rolled-back
 * update.
 */
struct _ChorusMessageList
{
  GObject parent_instance;

  /* Owned references */
  ChorusClient       *client;
  ChorusSubscription *subscription;
  char               *channel;
  GPtrArray          *items;
  GPtrArray          *outbox;
};

enum {
  PROP_0,
  PROP_CLIENT,
  PROP_CHANNEL,
  PROP_LOADING,
  N_PROPS
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ChorusMessageList, chorus_message_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GParamSpec *properties [N_PROPS];

typedef struct
{
  ChorusMessageList *self;
  ChorusMessage     *message;
} SendData;

static void
send_data_free (SendData *data)
{
  g_clear_object (&data->self);
  g_clear_object (&data->message);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SendData, send_data_free)

static ChorusMessage *
find_in_outbox (ChorusMessageList *self,
                const char        *key)
{
  for (guint i = 0; i < self->outbox->len; i++)
    {
      ChorusMessage *message = g_ptr_array_index (self->outbox, i);

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
sync_items (ChorusMessageList *self)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  g_autoptr(GPtrArray) entries = g_ptr_array_new ();
  JsonNode *value;

  if (self->subscription == NULL)
    return;

  value = chorus_subscription_get_value (self->subscription);

  /* While the query reloads, the rows on screen stay as they are. */
  if (value == NULL && self->items->len > 0)
    return;

  if (value != NULL)
    collect_rows (value, keys, entries);

  /* Outbox messages that the query no longer shows, because the update
   * was rolled back or the query has not loaded, keep their place at the
   * end. chorus_list_sync() skips the keys that the rows already have. */
  for (guint i = 0; i < self->outbox->len; i++)
    {
      g_ptr_array_add (keys, (gpointer)chorus_message_get_key (g_ptr_array_index (self->outbox, i)));
      g_ptr_array_add (entries, NULL);
    }

  chorus_list_sync (G_LIST_MODEL (self), self->items,
                    (const char * const *)keys->pdata, entries->pdata, keys->len,
                    &message_sync_funcs, self);
}

static void
subscription_changed_cb (ChorusMessageList  *self,
                         ChorusSubscription *subscription)
{
  g_assert (CHORUS_IS_MESSAGE_LIST (self));

  sync_items (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static JsonNode *
list_args_for_channel (const char *channel)
{
  g_autoptr(JsonObject) object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (object, "channel", channel);
  json_node_set_object (node, object);

  return node;
}

static gboolean
rows_contain_client_id (JsonArray  *rows,
                        const char *client_id)
{
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonNode *element = json_array_get_element (rows, i);

      if (JSON_NODE_HOLDS_OBJECT (element) &&
          g_strcmp0 (get_row_key (json_node_get_object (element)), client_id) == 0)
        return TRUE;
    }

  return FALSE;
}

/* The pending row: the send's arguments plus the local send time, which
 * is for display only and never used for ordering. */
static JsonNode *
build_pending_row (JsonObject *send_args,
                   gint64      created)
{
  g_autoptr(JsonObject) row = json_object_new ();
  const char *members[] = { "author", "body", "channel", "clientId" };
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_double_member (row, "_creationTime", (double)created);
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    json_object_set_string_member (row, members[i],
                                   json_object_get_string_member (send_args, members[i]));
  json_node_set_object (node, row);

  return node;
}

static JsonNode *
append_row (JsonArray *rows,
            JsonNode  *row)
{
  g_autoptr(JsonArray) copy = json_array_sized_new (json_array_get_length (rows) + 1);
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < json_array_get_length (rows); i++)
    json_array_add_element (copy, json_node_ref (json_array_get_element (rows, i)));
  json_array_add_element (copy, row);
  json_node_set_array (node, copy);

  return node;
}

/* The optimistic update of messages:send. It leaves a list that has not
 * loaded alone, and never adds a row whose client id is there already,
 * so a re-sent message cannot show twice. */
static gboolean
append_pending_row (ChorusLocalStore  *store,
                    JsonNode          *mutation_args,
                    gpointer           user_data,
                    GError           **error)
{
  JsonObject *send_args = json_node_get_object (mutation_args);
  const char *channel = json_object_get_string_member (send_args, "channel");
  const char *client_id = json_object_get_string_member (send_args, "clientId");
  g_autoptr(JsonNode) list_args = list_args_for_channel (channel);
  g_autoptr(JsonNode) rows = NULL;
  JsonNode *current;

  current = chorus_local_store_get_query (store, "messages:list", list_args);
  if (current == NULL || !JSON_NODE_HOLDS_ARRAY (current))
    return TRUE;

  if (rows_contain_client_id (json_node_get_array (current), client_id))
    return TRUE;

  rows = append_row (json_node_get_array (current),
                     build_pending_row (send_args, *(gint64 *)user_data));
  chorus_local_store_set_query (store, "messages:list", list_args, rows);

  return TRUE;
}

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(SendData) data = user_data;
  g_autoptr(JsonNode) id = NULL;
  g_autoptr(GError) error = NULL;

  id = chorus_client_mutation_finish (CHORUS_CLIENT (object), result, &error);
  if (id == NULL)
    {
      g_debug ("Sending message %s failed: %s",
               chorus_message_get_client_id (data->message), error->message);
      chorus_message_set_error (data->message, error->message);
      chorus_message_set_state (data->message, CHORUS_MESSAGE_FAILED);
      return;
    }

  g_ptr_array_remove (data->self->outbox, data->message);
  sync_items (data->self);
}

static JsonNode *
build_send_args (ChorusMessage *message)
{
  g_autoptr(JsonObject) object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (object, "author", chorus_message_get_author (message));
  json_object_set_string_member (object, "body", chorus_message_get_body (message));
  json_object_set_string_member (object, "channel", chorus_message_get_channel (message));
  json_object_set_string_member (object, "clientId", chorus_message_get_client_id (message));
  json_node_set_object (node, object);

  return node;
}

static void
submit (ChorusMessageList *self,
        ChorusMessage     *message)
{
  g_autoptr(JsonNode) args = build_send_args (message);
  gint64 *created = g_new (gint64, 1);
  SendData *data = g_new0 (SendData, 1);

  *created = chorus_message_get_created (message);
  data->self = g_object_ref (self);
  data->message = g_object_ref (message);

  chorus_client_mutation (self->client, "messages:send", args,
                          append_pending_row, created, g_free,
                          NULL, send_cb, data);
  sync_items (self);
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
  g_autoptr(JsonNode) args = list_args_for_channel (self->channel);

  G_OBJECT_CLASS (chorus_message_list_parent_class)->constructed (object);

  self->subscription = chorus_client_subscribe (self->client, "messages:list", args);
  g_signal_connect_object (self->subscription, "changed",
                           G_CALLBACK (subscription_changed_cb), self,
                           G_CONNECT_SWAPPED);
  sync_items (self);
}

static void
chorus_message_list_dispose (GObject *object)
{
  ChorusMessageList *self = CHORUS_MESSAGE_LIST (object);

  g_clear_object (&self->subscription);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (chorus_message_list_parent_class)->dispose (object);
}

static void
chorus_message_list_finalize (GObject *object)
{
  ChorusMessageList *self = CHORUS_MESSAGE_LIST (object);

  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->outbox, g_ptr_array_unref);
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
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;

    case PROP_CHANNEL:
      g_value_set_string (value, self->channel);
      break;

    case PROP_LOADING:
      g_value_set_boolean (value, chorus_message_list_is_loading (self));
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
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
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

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL,
                         CHORUS_TYPE_CLIENT,
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

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
chorus_message_list_init (ChorusMessageList *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->outbox = g_ptr_array_new_with_free_func (g_object_unref);
}

ChorusMessageList *
chorus_message_list_new (ChorusClient *client,
                         const char   *channel_id)
{
  g_return_val_if_fail (CHORUS_IS_CLIENT (client), NULL);
  g_return_val_if_fail (channel_id != NULL, NULL);

  return g_object_new (CHORUS_TYPE_MESSAGE_LIST,
                       "client", client,
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
 * Sends a message to the channel. It is in the list, pending, when this
 * returns.
 *
 * Returns: (transfer none): the pending message
 */
ChorusMessage *
chorus_message_list_send (ChorusMessageList *self,
                          const char        *author,
                          const char        *body)
{
  g_autofree char *client_id = g_uuid_string_random ();
  g_autoptr(JsonObject) row = json_object_new ();
  g_autoptr(ChorusMessage) message = NULL;

  g_return_val_if_fail (CHORUS_IS_MESSAGE_LIST (self), NULL);
  g_return_val_if_fail (author != NULL, NULL);
  g_return_val_if_fail (body != NULL, NULL);

  json_object_set_string_member (row, "author", author);
  json_object_set_string_member (row, "body", body);
  json_object_set_string_member (row, "channel", self->channel);
  json_object_set_string_member (row, "clientId", client_id);
  json_object_set_double_member (row, "_creationTime", (double)(g_get_real_time () / 1000));

  message = chorus_message_new_from_json (row);
  g_ptr_array_add (self->outbox, g_object_ref (message));
  submit (self, message);

  return message;
}

/**
 * chorus_message_list_retry:
 * @self: a #ChorusMessageList
 * @message: a failed message of this list
 *
 * Sends a failed message again, under the same client id, so that the
 * server stores it once even if the first attempt did reach it.
 */
void
chorus_message_list_retry (ChorusMessageList *self,
                           ChorusMessage     *message)
{
  g_return_if_fail (CHORUS_IS_MESSAGE_LIST (self));
  g_return_if_fail (CHORUS_IS_MESSAGE (message));

  if (chorus_message_get_state (message) != CHORUS_MESSAGE_FAILED ||
      !g_ptr_array_find (self->outbox, message, NULL))
    return;

  chorus_message_set_error (message, NULL);
  chorus_message_set_state (message, CHORUS_MESSAGE_PENDING);
  submit (self, message);
}

/**
 * chorus_message_list_discard:
 * @self: a #ChorusMessageList
 * @message: a failed message of this list
 *
 * Removes a failed message from the list without sending it.
 */
void
chorus_message_list_discard (ChorusMessageList *self,
                             ChorusMessage     *message)
{
  g_return_if_fail (CHORUS_IS_MESSAGE_LIST (self));
  g_return_if_fail (CHORUS_IS_MESSAGE (message));

  if (chorus_message_get_state (message) != CHORUS_MESSAGE_FAILED)
    return;

  if (g_ptr_array_remove (self->outbox, message))
    sync_items (self);
}
