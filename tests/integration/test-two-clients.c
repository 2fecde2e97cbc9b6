/* test-two-clients.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * chorus-server on a loopback port picked at run time, with two clients
 * that each show the same channel, as two people would.
 */

#define G_LOG_DOMAIN "test-two-clients"

#include "config.h"

#include "chorus-channel-list.h"
#include "chorus-client.h"
#include "chorus-message-list.h"
#include "chorus-server-thread.h"
#include "chorus-test-util.h"

typedef struct
{
  char               *folder;
  ChorusServerThread *server;
  ChorusClient       *ada;
  ChorusClient       *lin;
} Fixture;

typedef struct
{
  guint emissions;
  guint removed;
  guint added;
} ItemsChangedCount;

static void
items_changed_cb (GListModel        *model,
                  guint              position,
                  guint              removed,
                  guint              added,
                  ItemsChangedCount *count)
{
  count->emissions++;
  count->removed += removed;
  count->added += added;
}

static ChorusClient *
start_client (Fixture *fixture)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u",
                                          chorus_server_thread_get_port (fixture->server));
  g_autoptr(GError) error = NULL;
  ChorusClient *client = chorus_client_new_for_url (url, &error);

  g_assert_no_error (error);
  chorus_client_start (client);

  return client;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *database = NULL;

  fixture->folder = g_dir_make_tmp ("chorus-test-XXXXXX", &error);
  g_assert_no_error (error);

  database = g_build_filename (fixture->folder, "chorus.sqlite", NULL);
  fixture->server = chorus_server_thread_start (database, 0, &error);
  g_assert_no_error (error);

  fixture->ada = start_client (fixture);
  fixture->lin = start_client (fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  chorus_client_stop (fixture->ada);
  chorus_client_stop (fixture->lin);
  /* Closing the sockets finishes on the main loop. */
  chorus_test_settle (100);
  g_assert_finalize_object (fixture->ada);
  g_assert_finalize_object (fixture->lin);
  chorus_server_thread_stop (fixture->server);
  chorus_test_remove_dir (fixture->folder);
  g_free (fixture->folder);
}

static char *
dup_channel_id (ChorusClient *client,
                const char   *name)
{
  g_autoptr(ChorusChannelList) channels = chorus_channel_list_new (client);
  ChorusChannel *channel;

  chorus_assert_eventually (chorus_channel_list_find_by_name (channels, name, NULL) != NULL);
  channel = chorus_channel_list_find_by_name (channels, name, NULL);

  return g_strdup (chorus_channel_get_id (channel));
}

static ChorusMessageList *
open_channel (ChorusClient *client,
              const char   *channel_id)
{
  g_autoptr(ChorusOutbox) outbox = chorus_outbox_new (client, NULL, NULL);
  ChorusMessageList *messages = chorus_message_list_new (outbox, channel_id);

  chorus_assert_eventually (!chorus_message_list_is_loading (messages));

  return messages;
}

static ChorusMessage *
get_message (ChorusMessageList *messages,
             guint              position)
{
  g_autoptr(ChorusMessage) message = g_list_model_get_item (G_LIST_MODEL (messages), position);

  /* The list holds its own reference. */
  return message;
}

static void
test_send_seen_by_both (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *general = dup_channel_id (fixture->ada, "general");
  g_autoptr(ChorusMessageList) ada_view = open_channel (fixture->ada, general);
  g_autoptr(ChorusMessageList) lin_view = open_channel (fixture->lin, general);
  ItemsChangedCount ada_changes = { 0 };
  g_autofree char *client_id = NULL;
  ChorusMessage *sent;
  ChorusMessage *received;

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (ada_view)), ==, 0);
  g_signal_connect (ada_view, "items-changed", G_CALLBACK (items_changed_cb), &ada_changes);

  sent = chorus_message_list_send (ada_view, "Ada", "Hello, Lin");
  client_id = g_strdup (chorus_message_get_client_id (sent));

  /* Visible at once, pending, under its temporary client id. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (ada_view)), ==, 1);
  g_assert_true (get_message (ada_view, 0) == sent);
  g_assert_cmpint (chorus_message_get_state (sent), ==, CHORUS_MESSAGE_PENDING);
  g_assert_cmpstr (chorus_message_get_id (sent), ==, client_id);

  chorus_assert_eventually (chorus_message_get_state (sent) == CHORUS_MESSAGE_CONFIRMED);

  /* Confirmed in place: the same object, the server's id, no removal. */
  g_assert_true (get_message (ada_view, 0) == sent);
  g_assert_cmpstr (chorus_message_get_id (sent), !=, client_id);
  g_assert_cmpuint (ada_changes.removed, ==, 0);
  g_assert_cmpuint (ada_changes.added, ==, 1);

  chorus_assert_eventually (g_list_model_get_n_items (G_LIST_MODEL (lin_view)) == 1);
  received = get_message (lin_view, 0);
  g_assert_cmpint (chorus_message_get_state (received), ==, CHORUS_MESSAGE_CONFIRMED);
  g_assert_cmpstr (chorus_message_get_id (received), ==, chorus_message_get_id (sent));
  g_assert_cmpstr (chorus_message_get_client_id (received), ==, client_id);
  g_assert_cmpstr (chorus_message_get_author (received), ==, "Ada");
  g_assert_cmpstr (chorus_message_get_body (received), ==, "Hello, Lin");

  /* Nothing arrives twice once the dust settles. */
  chorus_test_settle (300);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (ada_view)), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (lin_view)), ==, 1);
  g_assert_cmpuint (ada_changes.removed, ==, 0);
}

static void
test_replies_keep_order (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *general = dup_channel_id (fixture->ada, "general");
  g_autoptr(ChorusMessageList) ada_view = open_channel (fixture->ada, general);
  g_autoptr(ChorusMessageList) lin_view = open_channel (fixture->lin, general);
  const char *bodies[] = { "one", "two", "three", "four" };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      ChorusMessageList *view = i % 2 == 0 ? ada_view : lin_view;

      chorus_message_list_send (view, i % 2 == 0 ? "Ada" : "Lin", bodies[i]);
      chorus_assert_eventually (g_list_model_get_n_items (G_LIST_MODEL (ada_view)) == i + 1 &&
                                g_list_model_get_n_items (G_LIST_MODEL (lin_view)) == i + 1);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      chorus_assert_eventually (chorus_message_get_state (get_message (ada_view, i)) == CHORUS_MESSAGE_CONFIRMED);
      g_assert_cmpstr (chorus_message_get_body (get_message (ada_view, i)), ==, bodies[i]);
      g_assert_cmpstr (chorus_message_get_body (get_message (lin_view, i)), ==, bodies[i]);
    }
}

typedef struct
{
  guint emissions;
  guint at_top;
} PrependCount;

static void
count_prepend_cb (GListModel   *model,
                  guint         position,
                  guint         removed,
                  guint         added,
                  PrependCount *count)
{
  count->emissions++;
  count->at_top += position == 0 && removed == 0;
}

static void
test_history_pages (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *general = dup_channel_id (fixture->ada, "general");
  g_autoptr(ChorusMessageList) writer = open_channel (fixture->lin, general);
  g_autoptr(ChorusMessageList) reader = NULL;
  PrependCount prepends = { 0 };
  ChorusMessage *newest_live;
  const guint total = 230;

  for (guint i = 0; i < total; i++)
    {
      g_autofree char *body = g_strdup_printf ("message %u", i);

      chorus_message_list_send (writer, "Lin", body);
    }
  chorus_assert_eventually (chorus_message_get_state (get_message (writer, 99)) == CHORUS_MESSAGE_CONFIRMED &&
                            g_list_model_get_n_items (G_LIST_MODEL (writer)) == 100);

  /* A new reader starts with the newest 100 only. */
  reader = open_channel (fixture->ada, general);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reader)), ==, 100);
  g_assert_cmpstr (chorus_message_get_body (get_message (reader, 0)), ==, "message 130");
  g_assert_true (chorus_message_list_can_load_older (reader));
  newest_live = get_message (reader, 99);
  g_signal_connect (reader, "items-changed", G_CALLBACK (count_prepend_cb), &prepends);

  g_assert_true (chorus_message_list_load_older (reader));
  g_assert_false (chorus_message_list_load_older (reader));
  chorus_assert_eventually (g_list_model_get_n_items (G_LIST_MODEL (reader)) == 150);
  g_assert_cmpstr (chorus_message_get_body (get_message (reader, 0)), ==, "message 80");

  chorus_assert_eventually (chorus_message_list_load_older (reader));
  chorus_assert_eventually (g_list_model_get_n_items (G_LIST_MODEL (reader)) == 200);
  chorus_assert_eventually (chorus_message_list_load_older (reader));
  chorus_assert_eventually (g_list_model_get_n_items (G_LIST_MODEL (reader)) == total);
  chorus_assert_eventually (!chorus_message_list_can_load_older (reader));

  /* Every page went in at the top, and the live rows kept their objects. */
  g_assert_cmpstr (chorus_message_get_body (get_message (reader, 0)), ==, "message 0");
  g_assert_true (get_message (reader, total - 1) == newest_live);
  g_assert_cmpuint (prepends.at_top, ==, prepends.emissions);
  for (guint i = 0; i < total; i++)
    {
      g_autofree char *body = g_strdup_printf ("message %u", i);

      g_assert_cmpstr (chorus_message_get_body (get_message (reader, i)), ==, body);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/integration/two-clients/send-seen-by-both", Fixture, NULL,
              fixture_set_up, test_send_seen_by_both, fixture_tear_down);
  g_test_add ("/integration/two-clients/replies-keep-order", Fixture, NULL,
              fixture_set_up, test_replies_keep_order, fixture_tear_down);

  g_test_add ("/integration/two-clients/history-pages", Fixture, NULL,
              fixture_set_up, test_history_pages, fixture_tear_down);

  return g_test_run ();
}
