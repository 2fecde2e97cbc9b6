/* replay-core.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Replays a benchmark transcript (see bench-core.c) through app/core over
 * the fake transport, then prints "items=N notifications=M": the number
 * of list items visible over all subscribed queries, and how many
 * "changed" signals the subscriptions emitted.
 *
 * Usage: replay-core TRANSCRIPT
 */

#define G_LOG_DOMAIN "replay-core"

#include "config.h"

#include <stdio.h>

#include "chorus-client.h"
#include "chorus-fake-transport.h"

#define LIST_PATH "messages:list"

typedef struct
{
  ChorusFakeTransport *transport;
  ChorusClient        *client;
  GPtrArray           *subscriptions;
  guint                notifications;
} Replay;

static void
changed_cb (ChorusSubscription *subscription,
            Replay             *replay)
{
  replay->notifications++;
}

/* The same update as replay-official.mjs: appends a pending message with
 * the mutation's body to the channel's list, if the list has loaded. */
static gboolean
append_message_update (ChorusLocalStore  *store,
                       JsonNode          *mutation_args,
                       gpointer           user_data,
                       GError           **error)
{
  JsonObject *args = json_node_get_object (mutation_args);
  g_autoptr(JsonNode) list_args = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonObject) list_object = json_object_new ();
  g_autoptr(JsonNode) value = NULL;
  JsonObject *message = json_object_new ();
  JsonArray *current_rows;
  JsonArray *rows;
  JsonNode *current;

  json_object_set_string_member (list_object, "channel",
                                 json_object_get_string_member (args, "channel"));
  json_node_set_object (list_args, list_object);

  current = chorus_local_store_get_query (store, LIST_PATH, list_args);
  if (current == NULL)
    return TRUE;

  current_rows = json_node_get_array (current);
  rows = json_array_sized_new (json_array_get_length (current_rows) + 1);
  for (guint i = 0; i < json_array_get_length (current_rows); i++)
    json_array_add_element (rows, json_node_ref (json_array_get_element (current_rows, i)));

  json_object_set_string_member (message, "_id", "pending");
  json_object_set_string_member (message, "author", "me");
  json_object_set_string_member (message, "body", json_object_get_string_member (args, "body"));
  json_array_add_object_element (rows, message);

  value = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (value, rows);
  chorus_local_store_set_query (store, LIST_PATH, list_args, value);

  return TRUE;
}

static void
subscribe (Replay     *replay,
           const char *args_text)
{
  g_autoptr(JsonNode) args = json_from_string (args_text, NULL);
  ChorusSubscription *subscription;

  g_assert (args != NULL);
  subscription = chorus_client_subscribe (replay->client, LIST_PATH, args);
  g_signal_connect (subscription, "changed", G_CALLBACK (changed_cb), replay);
  g_ptr_array_add (replay->subscriptions, subscription);
}

static void
mutate (Replay     *replay,
        const char *args_text)
{
  g_autoptr(JsonNode) args = json_from_string (args_text, NULL);

  g_assert (args != NULL);
  chorus_client_mutation (replay->client, "messages:send", args,
                          append_message_update, NULL, NULL,
                          NULL, NULL, NULL);
}

static void
run_line (Replay *replay,
          char   *line)
{
  char *text = line + 2;

  switch (line[0])
    {
    case 'S':
      subscribe (replay, text);
      break;
    case 'O':
      chorus_fake_transport_accept (replay->transport);
      break;
    case 'M':
      mutate (replay, text);
      break;
    case 'D':
      chorus_fake_transport_deliver (replay->transport, text);
      break;
    default:
      g_error ("Invalid transcript line starting with “%c”", line[0]);
    }
}

static guint
count_items (Replay *replay)
{
  guint items = 0;

  for (guint i = 0; i < replay->subscriptions->len; i++)
    {
      JsonNode *value = chorus_subscription_get_value (g_ptr_array_index (replay->subscriptions, i));

      if (value != NULL && JSON_NODE_HOLDS_ARRAY (value))
        items += json_array_get_length (json_node_get_array (value));
    }

  return items;
}

int
main (int   argc,
      char *argv[])
{
  Replay replay = { 0 };
  g_autofree char *line = NULL;
  size_t size = 0;
  ssize_t length;
  FILE *file;

  if (argc != 2 || !(file = fopen (argv[1], "r")))
    {
      g_printerr ("Usage: replay-core TRANSCRIPT\n");
      return 2;
    }

  replay.transport = chorus_fake_transport_new ();
  replay.client = chorus_client_new (CHORUS_TRANSPORT (replay.transport));
  replay.subscriptions = g_ptr_array_new_with_free_func (g_object_unref);
  chorus_client_start (replay.client);

  while ((length = getline (&line, &size, file)) > 0)
    {
      if (line[length - 1] == '\n')
        line[length - 1] = '\0';
      run_line (&replay, line);
    }
  fclose (file);

  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_print ("items=%u notifications=%u\n", count_items (&replay), replay.notifications);

  /* Exits without releasing the client, as the Node replay does, because
   * each released subscription replays the pending updates once more. */
  return 0;
}
