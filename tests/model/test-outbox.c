/* test-outbox.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * ChorusOutbox on a scripted transport and a temporary SQLite file: what
 * a user sent survives quitting, and is sent again exactly once.
 */

#define G_LOG_DOMAIN "test-outbox"

#include "config.h"

#include "chorus-client.h"
#include "chorus-fake-transport.h"
#include "chorus-outbox.h"
#include "chorus-test-util.h"

#define TS_0  "AAAAAAAAAAA="
#define TS_20 "FAAAAAAAAAA="

typedef struct
{
  char                *folder;
  char                *path;
  ChorusFakeTransport *transport;
  ChorusClient        *client;
  ChorusOutbox        *outbox;
} Fixture;

static void
run_pending_callbacks (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Starts the app's side: a client whose socket is open, and the outbox
 * read from the file. */
static void
start_app (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  fixture->transport = chorus_fake_transport_new ();
  fixture->client = chorus_client_new (CHORUS_TRANSPORT (fixture->transport));
  chorus_client_start (fixture->client);
  chorus_fake_transport_accept (fixture->transport);

  fixture->outbox = chorus_outbox_new (fixture->client, fixture->path, &error);
  g_assert_no_error (error);
  run_pending_callbacks ();
}

static void
quit_app (Fixture *fixture)
{
  chorus_client_stop (fixture->client);
  run_pending_callbacks ();
  g_clear_object (&fixture->outbox);
  g_clear_object (&fixture->client);
  g_clear_object (&fixture->transport);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->folder = g_dir_make_tmp ("chorus-outbox-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->folder, "outbox.sqlite", NULL);
  start_app (fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  quit_app (fixture);
  chorus_test_remove_dir (fixture->folder);
  g_free (fixture->folder);
  g_free (fixture->path);
}

static guint
count_sends_of (Fixture    *fixture,
                const char *client_id)
{
  GPtrArray *sent = chorus_fake_transport_get_sent (fixture->transport);
  guint count = 0;

  for (guint i = 0; i < sent->len; i++)
    {
      g_autoptr(JsonNode) frame = chorus_fake_transport_parse_sent (fixture->transport, i);
      JsonObject *object = json_node_get_object (frame);
      JsonObject *args;

      if (g_strcmp0 (json_object_get_string_member (object, "type"), "Mutation") != 0)
        continue;

      args = json_array_get_object_element (json_object_get_array_member (object, "args"), 0);
      count += g_strcmp0 (json_object_get_string_member (args, "clientId"), client_id) == 0;
    }

  return count;
}

static guint
find_request_id (Fixture    *fixture,
                 const char *client_id)
{
  GPtrArray *sent = chorus_fake_transport_get_sent (fixture->transport);

  for (guint i = sent->len; i > 0; i--)
    {
      g_autoptr(JsonNode) frame = chorus_fake_transport_parse_sent (fixture->transport, i - 1);
      JsonObject *object = json_node_get_object (frame);
      JsonObject *args;

      if (g_strcmp0 (json_object_get_string_member (object, "type"), "Mutation") != 0)
        continue;

      args = json_array_get_object_element (json_object_get_array_member (object, "args"), 0);
      if (g_strcmp0 (json_object_get_string_member (args, "clientId"), client_id) == 0)
        return json_object_get_int_member (object, "requestId");
    }

  g_assert_not_reached ();
}

static void
confirm (Fixture    *fixture,
         guint       request_id)
{
  g_autofree char *response =
    g_strdup_printf ("{\"type\":\"MutationResponse\",\"requestId\":%u,\"success\":true,"
                     "\"result\":\"m1\",\"ts\":\"" TS_20 "\",\"logLines\":[]}", request_id);
  const char *transition =
    "{\"type\":\"Transition\","
    "\"startVersion\":{\"querySet\":0,\"ts\":\"" TS_0 "\",\"identity\":0},"
    "\"endVersion\":{\"querySet\":0,\"ts\":\"" TS_20 "\",\"identity\":0},"
    "\"modifications\":[]}";

  chorus_fake_transport_deliver (fixture->transport, response);
  chorus_fake_transport_deliver (fixture->transport, transition);
  run_pending_callbacks ();
}

static void
reject (Fixture    *fixture,
        guint       request_id,
        const char *message)
{
  g_autofree char *response =
    g_strdup_printf ("{\"type\":\"MutationResponse\",\"requestId\":%u,\"success\":false,"
                     "\"result\":\"%s\",\"logLines\":[]}", request_id, message);

  chorus_fake_transport_deliver (fixture->transport, response);
  run_pending_callbacks ();
}

static ChorusMessage *
only_message (Fixture *fixture)
{
  GPtrArray *messages = chorus_outbox_get_messages (fixture->outbox);

  g_assert_cmpuint (messages->len, ==, 1);
  return g_ptr_array_index (messages, 0);
}

static void
test_pending_survives_quit (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *client_id = NULL;
  ChorusMessage *message;

  message = chorus_outbox_send (fixture->outbox, "channel-1", "Ada", "sent on the train");
  client_id = g_strdup (chorus_message_get_client_id (message));
  g_assert_cmpuint (count_sends_of (fixture, client_id), ==, 1);

  quit_app (fixture);
  start_app (fixture);

  /* Back after the restart, pending, and sent once more. */
  message = only_message (fixture);
  g_assert_cmpstr (chorus_message_get_client_id (message), ==, client_id);
  g_assert_cmpstr (chorus_message_get_body (message), ==, "sent on the train");
  g_assert_cmpstr (chorus_message_get_author (message), ==, "Ada");
  g_assert_cmpstr (chorus_message_get_channel (message), ==, "channel-1");
  g_assert_cmpint (chorus_message_get_state (message), ==, CHORUS_MESSAGE_PENDING);
  g_assert_cmpuint (count_sends_of (fixture, client_id), ==, 1);

  confirm (fixture, find_request_id (fixture, client_id));
  g_assert_cmpuint (chorus_outbox_get_messages (fixture->outbox)->len, ==, 0);

  /* Confirmed means gone from the file too: nothing is sent again. */
  quit_app (fixture);
  start_app (fixture);
  g_assert_cmpuint (chorus_outbox_get_messages (fixture->outbox)->len, ==, 0);
  g_assert_cmpuint (count_sends_of (fixture, client_id), ==, 0);
}

static void
test_failed_survives_quit (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *client_id = NULL;
  ChorusMessage *message;

  message = chorus_outbox_send (fixture->outbox, "channel-1", "Ada", "too spicy");
  client_id = g_strdup (chorus_message_get_client_id (message));
  reject (fixture, find_request_id (fixture, client_id), "rejected by the server");
  g_assert_cmpint (chorus_message_get_state (message), ==, CHORUS_MESSAGE_FAILED);

  quit_app (fixture);
  start_app (fixture);

  /* Still failed, with its reason, and not sent behind the user's back. */
  message = only_message (fixture);
  g_assert_cmpint (chorus_message_get_state (message), ==, CHORUS_MESSAGE_FAILED);
  g_assert_cmpstr (chorus_message_get_error (message), ==, "rejected by the server");
  g_assert_cmpuint (count_sends_of (fixture, client_id), ==, 0);

  g_assert_true (chorus_outbox_retry (fixture->outbox, message));
  g_assert_cmpint (chorus_message_get_state (message), ==, CHORUS_MESSAGE_PENDING);
  g_assert_cmpuint (count_sends_of (fixture, client_id), ==, 1);
}

static void
count_change_cb (ChorusOutbox *outbox,
                 const char   *channel,
                 guint        *changes)
{
  g_assert_cmpstr (channel, ==, "channel-1");
  (*changes)++;
}

static void
test_discard_forgets (Fixture       *fixture,
                      gconstpointer  data)
{
  ChorusMessage *message;
  guint changes = 0;

  message = chorus_outbox_send (fixture->outbox, "channel-1", "Ada", "never mind");
  g_assert_false (chorus_outbox_discard (fixture->outbox, message));

  reject (fixture, find_request_id (fixture, chorus_message_get_client_id (message)), "no");
  g_signal_connect (fixture->outbox, "changed", G_CALLBACK (count_change_cb), &changes);
  g_assert_true (chorus_outbox_discard (fixture->outbox, message));
  g_assert_cmpuint (changes, ==, 1);
  g_signal_handlers_disconnect_by_data (fixture->outbox, &changes);
  g_assert_cmpuint (chorus_outbox_get_messages (fixture->outbox)->len, ==, 0);

  quit_app (fixture);
  start_app (fixture);
  g_assert_cmpuint (chorus_outbox_get_messages (fixture->outbox)->len, ==, 0);
}

static void
test_unwritable_file_reported (void)
{
  g_autoptr(ChorusFakeTransport) transport = chorus_fake_transport_new ();
  g_autoptr(ChorusClient) client = chorus_client_new (CHORUS_TRANSPORT (transport));
  g_autoptr(GError) error = NULL;
  g_autoptr(ChorusOutbox) outbox = NULL;

  outbox = chorus_outbox_new (client, "/nonexistent-folder/outbox.sqlite", &error);

  g_assert_null (outbox);
  g_assert_error (error, CHORUS_OUTBOX_ERROR, CHORUS_OUTBOX_ERROR_DATABASE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/model/outbox/pending-survives-quit", Fixture, NULL,
              fixture_set_up, test_pending_survives_quit, fixture_tear_down);
  g_test_add ("/model/outbox/failed-survives-quit", Fixture, NULL,
              fixture_set_up, test_failed_survives_quit, fixture_tear_down);
  g_test_add ("/model/outbox/discard-forgets", Fixture, NULL,
              fixture_set_up, test_discard_forgets, fixture_tear_down);
  g_test_add_func ("/model/outbox/unwritable-file-reported", test_unwritable_file_reported);

  return g_test_run ();
}
