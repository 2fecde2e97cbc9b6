/* test-field-reports.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Failures that real chat clients shipped around pending messages and id
 * replacement, replayed against ChorusMessageList on a scripted
 * transport. Each case names the failure it guards against.
 */

#define G_LOG_DOMAIN "test-field-reports"

#include "config.h"

#include "chorus-client.h"
#include "chorus-client-private.h"
#include "chorus-fake-transport.h"
#include "chorus-message-list.h"

typedef struct
{
  ChorusFakeTransport *transport;
  ChorusClient        *client;
  ChorusOutbox        *outbox;
  ChorusMessageList   *messages;
  guint64              ts;
  guint                removals;
} Fixture;

static void
count_removals_cb (GListModel *model,
                   guint       position,
                   guint       removed,
                   guint       added,
                   Fixture    *fixture)
{
  fixture->removals += removed;
}

static void
run_pending_callbacks (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static char *
encode_ts (guint64 ts)
{
  guint64 little_endian = GUINT64_TO_LE (ts);

  return g_base64_encode ((const guchar *)&little_endian, sizeof little_endian);
}

/* Delivers the rows of the one subscribed query at @ts, continuing the
 * chain of Transitions on the current connection. */
static void
deliver_rows (Fixture    *fixture,
              guint64     ts,
              const char *rows)
{
  g_autofree char *start = encode_ts (fixture->ts);
  g_autofree char *end = encode_ts (ts);
  g_autofree char *frame =
    g_strdup_printf ("{\"type\":\"Transition\","
                     "\"startVersion\":{\"querySet\":%d,\"ts\":\"%s\",\"identity\":0},"
                     "\"endVersion\":{\"querySet\":1,\"ts\":\"%s\",\"identity\":0},"
                     "\"modifications\":[{\"type\":\"QueryUpdated\",\"queryId\":0,"
                     "\"value\":%s,\"logLines\":[],\"journal\":null}]}",
                     fixture->ts == 0 ? 0 : 1, start, end, rows);

  chorus_fake_transport_deliver (fixture->transport, frame);
  fixture->ts = ts;
  run_pending_callbacks ();
}

static void
deliver_ack (Fixture    *fixture,
             guint       request_id,
             const char *id,
             guint64     ts)
{
  g_autofree char *encoded = encode_ts (ts);
  g_autofree char *frame =
    g_strdup_printf ("{\"type\":\"MutationResponse\",\"requestId\":%u,\"success\":true,"
                     "\"result\":\"%s\",\"ts\":\"%s\",\"logLines\":[]}", request_id, id, encoded);

  chorus_fake_transport_deliver (fixture->transport, frame);
  run_pending_callbacks ();
}

static char *
row_json (const char *id,
          const char *client_id,
          const char *author,
          gint64      created)
{
  return g_strdup_printf ("{\"_creationTime\":%" G_GINT64_FORMAT ",\"_id\":\"%s\",\"author\":\"%s\","
                          "\"body\":\"%s says hi\",\"channel\":\"c\",\"clientId\":\"%s\"}",
                          created, id, author, author, client_id);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->transport = chorus_fake_transport_new ();
  fixture->client = chorus_client_new (CHORUS_TRANSPORT (fixture->transport));
  _chorus_client_set_backoff (fixture->client, 1, 1, 1);
  chorus_client_start (fixture->client);
  fixture->outbox = chorus_outbox_new (fixture->client, NULL, NULL);
  fixture->messages = chorus_message_list_new (fixture->outbox, "c");
  chorus_fake_transport_accept (fixture->transport);
  deliver_rows (fixture, 10, "[]");
  g_signal_connect (fixture->messages, "items-changed", G_CALLBACK (count_removals_cb), fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->messages);
  g_clear_object (&fixture->outbox);
  chorus_client_stop (fixture->client);
  g_clear_object (&fixture->client);
  g_clear_object (&fixture->transport);
}

static guint
n_items (Fixture *fixture)
{
  return g_list_model_get_n_items (G_LIST_MODEL (fixture->messages));
}

static ChorusMessage *
peek_item (Fixture *fixture,
           guint    position)
{
  g_autoptr(ChorusMessage) message = g_list_model_get_item (G_LIST_MODEL (fixture->messages), position);

  return message;
}

/* Field report 11: the ack arrived before the list push, the local echo
 * was dropped on the ack, and the message vanished until the push. Here
 * the socket even drops right after the ack. */
static void
test_ack_before_push_keeps_message (Fixture       *fixture,
                                    gconstpointer  data)
{
  ChorusMessage *message = chorus_message_list_send (fixture->messages, "Ada", "hello");
  g_autofree char *client_id = g_strdup (chorus_message_get_client_id (message));
  g_autofree char *row = row_json ("m1", client_id, "Ada", 1000);
  g_autofree char *rows = g_strdup_printf ("[%s]", row);

  deliver_ack (fixture, 0, "m1", 20);
  g_assert_cmpuint (n_items (fixture), ==, 1);
  g_assert_true (peek_item (fixture, 0) == message);

  /* The connection drops; the view keeps the message while reconnecting. */
  chorus_fake_transport_drop (fixture->transport, "InternalServerError: restart");
  run_pending_callbacks ();
  g_assert_cmpuint (n_items (fixture), ==, 1);
  g_assert_true (peek_item (fixture, 0) == message);

  /* The new connection's first push has the server's copy. */
  while (!chorus_fake_transport_is_opening (fixture->transport))
    g_main_context_iteration (NULL, TRUE);
  fixture->ts = 0;
  chorus_fake_transport_accept (fixture->transport);
  deliver_rows (fixture, 30, rows);

  g_assert_cmpuint (n_items (fixture), ==, 1);
  g_assert_true (peek_item (fixture, 0) == message);
  g_assert_cmpint (chorus_message_get_state (message), ==, CHORUS_MESSAGE_CONFIRMED);
  g_assert_cmpuint (fixture->removals, ==, 0);
}

/* Field report 15: server-assigned fields were NULL while pending, and a
 * zero time reached date code. A pending message has a provisional local
 * time for display, and no server id yet. */
static void
test_pending_fields_filled (Fixture       *fixture,
                            gconstpointer  data)
{
  gint64 before = g_get_real_time () / 1000;
  ChorusMessage *message = chorus_message_list_send (fixture->messages, "Ada", "on the train");

  g_assert_cmpint (chorus_message_get_created (message), >=, before);
  g_assert_cmpstr (chorus_message_get_id (message), ==, chorus_message_get_client_id (message));
  g_assert_cmpstr (chorus_message_get_author (message), ==, "Ada");
  g_assert_cmpstr (chorus_message_get_channel (message), ==, "c");
  g_assert_cmpint (chorus_message_get_state (message), ==, CHORUS_MESSAGE_PENDING);
}

/* Field report 16: ordering by sender clocks scrambled the conversation.
 * Lin's clock runs five minutes fast; the list follows the server's
 * commit order, and the pending message stays last. */
static void
test_server_order_not_clocks (Fixture       *fixture,
                              gconstpointer  data)
{
  const gint64 five_minutes = 5 * 60 * 1000;
  gint64 now = g_get_real_time () / 1000;
  g_autofree char *a = row_json ("m1", "c1", "Lin", now + five_minutes);
  g_autofree char *b = row_json ("m2", "c2", "Ada", now - 1000);
  g_autofree char *c = row_json ("m3", "c3", "Lin", now + five_minutes + 1000);
  g_autofree char *rows = g_strdup_printf ("[%s,%s,%s]", a, b, c);
  ChorusMessage *mine;

  deliver_rows (fixture, 20, rows);
  mine = chorus_message_list_send (fixture->messages, "Ada", "and me");

  g_assert_cmpuint (n_items (fixture), ==, 4);
  g_assert_cmpstr (chorus_message_get_id (peek_item (fixture, 0)), ==, "m1");
  g_assert_cmpstr (chorus_message_get_id (peek_item (fixture, 1)), ==, "m2");
  g_assert_cmpstr (chorus_message_get_id (peek_item (fixture, 2)), ==, "m3");
  g_assert_true (peek_item (fixture, 3) == mine);
}

/* Field report 33: confirmation was a metadata change without a notify,
 * so the pending spinner never cleared. The state change notifies, once,
 * even with no row bound to the message. */
static void
test_confirmation_notifies (Fixture       *fixture,
                            gconstpointer  data)
{
  ChorusMessage *message = chorus_message_list_send (fixture->messages, "Ada", "hello");
  g_autofree char *row = row_json ("m1", chorus_message_get_client_id (message), "Ada", 1000);
  g_autofree char *rows = g_strdup_printf ("[%s]", row);
  guint notifies = 0;

  g_signal_connect_swapped (message, "notify::state", G_CALLBACK (g_atomic_int_inc), &notifies);
  deliver_ack (fixture, 0, "m1", 20);
  deliver_rows (fixture, 20, rows);

  g_assert_cmpint (chorus_message_get_state (message), ==, CHORUS_MESSAGE_CONFIRMED);
  g_assert_cmpuint (notifies, ==, 1);
  g_signal_handlers_disconnect_by_data (message, &notifies);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/model/field-reports/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("ack-before-push-keeps-message", test_ack_before_push_keeps_message);
  ADD ("pending-fields-filled", test_pending_fields_filled);
  ADD ("server-order-not-clocks", test_server_order_not_clocks);
  ADD ("confirmation-notifies", test_confirmation_notifies);

#undef ADD

  return g_test_run ();
}
