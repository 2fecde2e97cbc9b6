/* test-message-list.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * ChorusMessageList on a scripted transport. Each case counts the
 * items-changed and notify emissions a change causes, because those are
 * what make a list view rebuild rows or jump.
 */

#define G_LOG_DOMAIN "test-message-list"

#include "config.h"

#include <string.h>

#include "chorus-client.h"
#include "chorus-fake-transport.h"
#include "chorus-list-sync.h"
#include "chorus-message-list.h"

#define TS_0  "AAAAAAAAAAA="
#define TS_10 "CgAAAAAAAAA="
#define TS_15 "DwAAAAAAAAA="
#define TS_20 "FAAAAAAAAAA="

typedef struct
{
  ChorusFakeTransport *transport;
  ChorusClient        *client;
  ChorusOutbox        *outbox;
  ChorusMessageList   *messages;
  GPtrArray           *changes;   /* of ItemsChanged */
  const char          *remote_ts;
} Fixture;

typedef struct
{
  guint position;
  guint removed;
  guint added;
} ItemsChanged;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Fixture    *fixture)
{
  ItemsChanged *change = g_new (ItemsChanged, 1);

  *change = (ItemsChanged) { position, removed, added };
  g_ptr_array_add (fixture->changes, change);
}

/* Mutations complete from the main loop, as GTasks do. */
static void
run_pending_callbacks (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->transport = chorus_fake_transport_new ();
  fixture->client = chorus_client_new (CHORUS_TRANSPORT (fixture->transport));
  fixture->changes = g_ptr_array_new_with_free_func (g_free);
  fixture->remote_ts = TS_0;

  chorus_client_start (fixture->client);
  fixture->outbox = chorus_outbox_new (fixture->client, NULL, NULL);
  fixture->messages = chorus_message_list_new (fixture->outbox, "channel-1");
  g_signal_connect (fixture->messages, "items-changed", G_CALLBACK (items_changed_cb), fixture);
  chorus_fake_transport_accept (fixture->transport);
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
  g_clear_pointer (&fixture->changes, g_ptr_array_unref);
}

static char *
row_json (const char *id,
          const char *client_id,
          const char *author,
          const char *body)
{
  return g_strdup_printf ("{\"_creationTime\":1796400000000,\"_id\":\"%s\",\"author\":\"%s\","
                          "\"body\":\"%s\",\"channel\":\"channel-1\",\"clientId\":\"%s\"}",
                          id, author, body, client_id);
}

static char *
row_json_at (const char *id,
             const char *author,
             gint64      created_ms)
{
  return g_strdup_printf ("{\"_creationTime\":%" G_GINT64_FORMAT ",\"_id\":\"%s\",\"author\":\"%s\","
                          "\"body\":\"text\",\"channel\":\"channel-1\",\"clientId\":\"c-%s\"}",
                          created_ms, id, author, id);
}

/* Delivers a Transition that moves the server to @ts with @rows (a JSON
 * array text) as the result of the one subscribed query. */
static void
deliver_rows (Fixture    *fixture,
              const char *ts,
              const char *rows)
{
  g_autofree char *frame =
    g_strdup_printf ("{\"type\":\"Transition\","
                     "\"startVersion\":{\"querySet\":%d,\"ts\":\"%s\",\"identity\":0},"
                     "\"endVersion\":{\"querySet\":1,\"ts\":\"%s\",\"identity\":0},"
                     "\"modifications\":[{\"type\":\"QueryUpdated\",\"queryId\":0,"
                     "\"value\":%s,\"logLines\":[],\"journal\":null}]}",
                     fixture->remote_ts == (const char *)TS_0 ? 0 : 1,
                     fixture->remote_ts, ts, rows);

  chorus_fake_transport_deliver (fixture->transport, frame);
  fixture->remote_ts = ts;
  run_pending_callbacks ();
}

static void
deliver_mutation_response (Fixture    *fixture,
                           guint       request_id,
                           const char *result_or_error,
                           const char *ts)
{
  g_autofree char *frame = NULL;

  if (ts != NULL)
    frame = g_strdup_printf ("{\"type\":\"MutationResponse\",\"requestId\":%u,\"success\":true,"
                             "\"result\":\"%s\",\"ts\":\"%s\",\"logLines\":[]}",
                             request_id, result_or_error, ts);
  else
    frame = g_strdup_printf ("{\"type\":\"MutationResponse\",\"requestId\":%u,\"success\":false,"
                             "\"result\":\"%s\",\"logLines\":[]}",
                             request_id, result_or_error);

  chorus_fake_transport_deliver (fixture->transport, frame);
  run_pending_callbacks ();
}

static ChorusMessage *
peek_item (Fixture *fixture,
           guint    position)
{
  g_autoptr(ChorusMessage) message = g_list_model_get_item (G_LIST_MODEL (fixture->messages), position);

  return message;
}

static guint
n_items (Fixture *fixture)
{
  return g_list_model_get_n_items (G_LIST_MODEL (fixture->messages));
}

static guint
count_removed (Fixture *fixture)
{
  guint removed = 0;

  for (guint i = 0; i < fixture->changes->len; i++)
    removed += ((ItemsChanged *)g_ptr_array_index (fixture->changes, i))->removed;

  return removed;
}

static void
assert_change (Fixture *fixture,
               guint    index,
               guint    position,
               guint    removed,
               guint    added)
{
  ItemsChanged *change;

  g_assert_cmpuint (index, <, fixture->changes->len);
  change = g_ptr_array_index (fixture->changes, index);
  g_assert_cmpuint (change->position, ==, position);
  g_assert_cmpuint (change->removed, ==, removed);
  g_assert_cmpuint (change->added, ==, added);
}

typedef struct
{
  guint state;
  guint id;
  guint other;
} NotifyCount;

static void
notify_cb (ChorusMessage *message,
           GParamSpec    *pspec,
           NotifyCount   *count)
{
  if (g_str_equal (pspec->name, "state"))
    count->state++;
  else if (g_str_equal (pspec->name, "id"))
    count->id++;
  else
    count->other++;
}

static void
load_one_row (Fixture *fixture)
{
  g_autofree char *row = row_json ("m1", "c1", "Lin", "hello");
  g_autofree char *rows = g_strdup_printf ("[%s]", row);

  deliver_rows (fixture, TS_10, rows);
  g_assert_cmpuint (n_items (fixture), ==, 1);
  g_ptr_array_set_size (fixture->changes, 0);
}

static void
test_initial_load_single_emission (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autofree char *first = row_json ("m1", "c1", "Lin", "one");
  g_autofree char *second = row_json ("m2", "c2", "Ada", "two");
  g_autofree char *rows = g_strdup_printf ("[%s,%s]", first, second);

  g_assert_true (chorus_message_list_is_loading (fixture->messages));
  deliver_rows (fixture, TS_10, rows);

  g_assert_false (chorus_message_list_is_loading (fixture->messages));
  g_assert_cmpuint (fixture->changes->len, ==, 1);
  assert_change (fixture, 0, 0, 0, 2);
  g_assert_cmpstr (chorus_message_get_body (peek_item (fixture, 1)), ==, "two");
  g_assert_cmpint (chorus_message_get_state (peek_item (fixture, 1)), ==, CHORUS_MESSAGE_CONFIRMED);
}

static void
test_confirmation_in_place (Fixture       *fixture,
                            gconstpointer  data)
{
  NotifyCount notifies = { 0 };
  g_autofree char *client_id = NULL;
  g_autofree char *first = row_json ("m1", "c1", "Lin", "hello");
  g_autofree char *other = row_json ("m2", "c2", "Lin", "meanwhile");
  g_autofree char *mine = NULL;
  g_autofree char *rows = NULL;
  ChorusMessage *message;

  load_one_row (fixture);

  message = chorus_message_list_send (fixture->messages, "Ada", "hi there");
  client_id = g_strdup (chorus_message_get_client_id (message));
  g_signal_connect (message, "notify", G_CALLBACK (notify_cb), &notifies);

  /* Appended at once, before any frame got a response. */
  g_assert_cmpuint (n_items (fixture), ==, 2);
  g_assert_true (peek_item (fixture, 1) == message);
  g_assert_cmpuint (fixture->changes->len, ==, 1);
  assert_change (fixture, 0, 1, 0, 1);
  g_assert_cmpint (chorus_message_get_state (message), ==, CHORUS_MESSAGE_PENDING);
  g_assert_cmpstr (chorus_message_get_id (message), ==, client_id);

  /* The acknowledgement alone changes nothing on screen. */
  deliver_mutation_response (fixture, 0, "m3", TS_20);
  g_assert_cmpuint (fixture->changes->len, ==, 1);
  g_assert_cmpint (chorus_message_get_state (message), ==, CHORUS_MESSAGE_PENDING);

  /* Another message lands below the commit ts: it goes above ours. */
  rows = g_strdup_printf ("[%s,%s]", first, other);
  deliver_rows (fixture, TS_15, rows);
  g_assert_cmpuint (n_items (fixture), ==, 3);
  g_assert_true (peek_item (fixture, 2) == message);
  g_assert_cmpuint (fixture->changes->len, ==, 2);
  assert_change (fixture, 1, 1, 0, 1);
  g_assert_cmpint (chorus_message_get_state (message), ==, CHORUS_MESSAGE_PENDING);

  /* The server's copy replaces ours in place, with no items-changed. */
  mine = row_json ("m3", client_id, "Ada", "hi there");
  g_free (rows);
  rows = g_strdup_printf ("[%s,%s,%s]", first, other, mine);
  deliver_rows (fixture, TS_20, rows);

  g_assert_cmpuint (n_items (fixture), ==, 3);
  g_assert_true (peek_item (fixture, 2) == message);
  g_assert_cmpuint (fixture->changes->len, ==, 2);
  g_assert_cmpuint (count_removed (fixture), ==, 0);
  g_assert_cmpint (chorus_message_get_state (message), ==, CHORUS_MESSAGE_CONFIRMED);
  g_assert_cmpstr (chorus_message_get_id (message), ==, "m3");
  g_assert_cmpuint (notifies.state, ==, 1);
  g_assert_cmpuint (notifies.id, ==, 1);
  g_signal_handlers_disconnect_by_data (message, &notifies);
}

static void
test_pending_time_kept (Fixture       *fixture,
                        gconstpointer  data)
{
  NotifyCount notifies = { 0 };
  g_autofree char *first = row_json ("m1", "c1", "Lin", "hello");
  g_autofree char *other = row_json ("m2", "c2", "Lin", "meanwhile");
  g_autofree char *rows = g_strdup_printf ("[%s,%s]", first, other);
  gint64 before = g_get_real_time () / 1000;
  ChorusMessage *message;
  gint64 created;

  load_one_row (fixture);
  message = chorus_message_list_send (fixture->messages, "Ada", "what time is it?");
  created = chorus_message_get_created (message);
  g_assert_cmpint (created, >=, before);
  g_assert_cmpint (created, <=, g_get_real_time () / 1000);

  /* Re-running the update on a new server result keeps the local time. */
  g_signal_connect (message, "notify", G_CALLBACK (notify_cb), &notifies);
  deliver_rows (fixture, TS_15, rows);

  g_assert_cmpint (chorus_message_get_created (message), ==, created);
  g_assert_cmpuint (notifies.other, ==, 0);
  g_assert_cmpuint (notifies.state, ==, 0);
  g_assert_cmpuint (notifies.id, ==, 0);

  /* The message outlives this function: stopping the client fails it. */
  g_signal_handlers_disconnect_by_data (message, &notifies);
}

static void
test_failure_stays_visible (Fixture       *fixture,
                            gconstpointer  data)
{
  ChorusMessage *message;

  load_one_row (fixture);
  message = chorus_message_list_send (fixture->messages, "Ada", "will fail");

  deliver_mutation_response (fixture, 0, "body is too long", NULL);

  g_assert_cmpuint (n_items (fixture), ==, 2);
  g_assert_true (peek_item (fixture, 1) == message);
  g_assert_cmpuint (count_removed (fixture), ==, 0);
  g_assert_cmpint (chorus_message_get_state (message), ==, CHORUS_MESSAGE_FAILED);
  g_assert_nonnull (strstr (chorus_message_get_error (message), "body is too long"));
}

static gboolean
frame_is_send_of (JsonNode   *frame,
                  const char *client_id)
{
  JsonObject *object = json_node_get_object (frame);
  JsonArray *args;

  if (g_strcmp0 (json_object_get_string_member (object, "type"), "Mutation") != 0)
    return FALSE;

  args = json_object_get_array_member (object, "args");
  return g_strcmp0 (json_object_get_string_member (json_array_get_object_element (args, 0), "clientId"),
                    client_id) == 0;
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

      count += frame_is_send_of (frame, client_id);
    }

  return count;
}

static void
test_retry_same_client_id (Fixture       *fixture,
                           gconstpointer  data)
{
  ChorusMessage *message;
  const char *client_id;

  load_one_row (fixture);
  message = chorus_message_list_send (fixture->messages, "Ada", "again");
  client_id = chorus_message_get_client_id (message);
  deliver_mutation_response (fixture, 0, "server busy", NULL);
  g_assert_cmpuint (count_sends_of (fixture, client_id), ==, 1);

  chorus_message_list_retry (fixture->messages, message);

  g_assert_cmpint (chorus_message_get_state (message), ==, CHORUS_MESSAGE_PENDING);
  g_assert_null (chorus_message_get_error (message));
  g_assert_cmpuint (count_sends_of (fixture, client_id), ==, 2);
  g_assert_cmpuint (n_items (fixture), ==, 2);
  g_assert_true (peek_item (fixture, 1) == message);
  g_assert_cmpuint (count_removed (fixture), ==, 0);
}

static void
test_discard_removes (Fixture       *fixture,
                      gconstpointer  data)
{
  ChorusMessage *message;

  load_one_row (fixture);
  message = chorus_message_list_send (fixture->messages, "Ada", "never mind");

  /* A pending message cannot be discarded. */
  chorus_message_list_discard (fixture->messages, message);
  g_assert_cmpuint (n_items (fixture), ==, 2);

  deliver_mutation_response (fixture, 0, "rejected", NULL);
  g_ptr_array_set_size (fixture->changes, 0);
  chorus_message_list_discard (fixture->messages, message);

  g_assert_cmpuint (n_items (fixture), ==, 1);
  g_assert_cmpuint (fixture->changes->len, ==, 1);
  assert_change (fixture, 0, 1, 1, 0);
}

static void
test_window_slides (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *a = row_json ("m1", "c1", "Lin", "a");
  g_autofree char *b = row_json ("m2", "c2", "Lin", "b");
  g_autofree char *c = row_json ("m3", "c3", "Lin", "c");
  g_autofree char *d = row_json ("m4", "c4", "Lin", "d");
  g_autofree char *before = g_strdup_printf ("[%s,%s,%s]", a, b, c);
  g_autofree char *after = g_strdup_printf ("[%s,%s,%s]", b, c, d);
  ChorusMessage *kept;

  deliver_rows (fixture, TS_10, before);
  kept = peek_item (fixture, 1);
  g_ptr_array_set_size (fixture->changes, 0);

  /* The newest-100 window drops the oldest row as a new one arrives. */
  deliver_rows (fixture, TS_15, after);

  g_assert_cmpuint (fixture->changes->len, ==, 2);
  assert_change (fixture, 0, 0, 1, 0);
  assert_change (fixture, 1, 2, 0, 1);
  g_assert_true (peek_item (fixture, 0) == kept);
}

static void
test_sent_before_load (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *row = NULL;
  g_autofree char *rows = NULL;
  ChorusMessage *message;

  message = chorus_message_list_send (fixture->messages, "Ada", "early bird");

  g_assert_cmpuint (n_items (fixture), ==, 1);
  g_assert_true (peek_item (fixture, 0) == message);

  g_free (row);
  row = row_json ("m1", "c1", "Lin", "hello");
  rows = g_strdup_printf ("[%s]", row);
  deliver_rows (fixture, TS_10, rows);

  /* History goes above; the pending message stays the same object. */
  g_assert_true (peek_item (fixture, 0) != message);
  g_assert_cmpuint (n_items (fixture), ==, 2);
  g_assert_true (peek_item (fixture, 1) == message);
}

static void
test_reorder_keeps_objects (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *a = row_json ("m1", "c1", "Lin", "a");
  g_autofree char *b = row_json ("m2", "c2", "Lin", "b");
  g_autofree char *c = row_json ("m3", "c3", "Lin", "c");
  g_autofree char *before = g_strdup_printf ("[%s,%s,%s]", a, b, c);
  g_autofree char *after = g_strdup_printf ("[%s,%s,%s]", b, a, c);
  ChorusMessage *first;
  ChorusMessage *second;
  ChorusMessage *third;

  deliver_rows (fixture, TS_10, before);
  first = peek_item (fixture, 0);
  second = peek_item (fixture, 1);
  third = peek_item (fixture, 2);

  deliver_rows (fixture, TS_15, after);

  g_assert_true (peek_item (fixture, 0) == second);
  g_assert_true (peek_item (fixture, 1) == first);
  g_assert_true (peek_item (fixture, 2) == third);
}

static void
count_any_notify_cb (ChorusMessage *message,
                     GParamSpec    *pspec,
                     guint         *count)
{
  (*count)++;
}

static void
assert_flags (Fixture  *fixture,
              guint     position,
              gboolean  starts_group,
              gboolean  starts_day)
{
  ChorusMessage *message = peek_item (fixture, position);

  g_assert_cmpint (chorus_message_get_starts_group (message), ==, starts_group);
  g_assert_cmpint (chorus_message_get_starts_day (message), ==, starts_day);
}

static void
test_grouping_by_author_and_time (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(GDateTime) noon = g_date_time_new_local (2026, 12, 3, 12, 0, 0);
  gint64 t = g_date_time_to_unix (noon) * 1000;
  const gint64 minute = 60 * 1000;
  g_autofree char *r1 = row_json_at ("m1", "Ada", t);
  g_autofree char *r2 = row_json_at ("m2", "Ada", t + minute);
  g_autofree char *r3 = row_json_at ("m3", "Lin", t + 2 * minute);
  g_autofree char *r4 = row_json_at ("m4", "Lin", t + 30 * minute);
  g_autofree char *r5 = row_json_at ("m5", "Lin", t + 24 * 60 * minute);
  g_autofree char *r6 = row_json_at ("m6", "Lin", t + 24 * 60 * minute + minute);
  g_autofree char *before = g_strdup_printf ("[%s,%s,%s,%s,%s]", r1, r2, r3, r4, r5);
  g_autofree char *after = g_strdup_printf ("[%s,%s,%s,%s,%s,%s]", r1, r2, r3, r4, r5, r6);
  guint notifies = 0;

  deliver_rows (fixture, TS_10, before);

  assert_flags (fixture, 0, TRUE, TRUE);    /* first message */
  assert_flags (fixture, 1, FALSE, FALSE);  /* same author, a minute later */
  assert_flags (fixture, 2, TRUE, FALSE);   /* another author */
  assert_flags (fixture, 3, TRUE, FALSE);   /* same author after 28 minutes */
  assert_flags (fixture, 4, TRUE, TRUE);    /* the next day */

  /* A new message joins the last group without touching the others. */
  for (guint i = 0; i < 5; i++)
    g_signal_connect (peek_item (fixture, i), "notify", G_CALLBACK (count_any_notify_cb), &notifies);
  deliver_rows (fixture, TS_15, after);

  assert_flags (fixture, 5, FALSE, FALSE);
  g_assert_cmpuint (notifies, ==, 0);

  for (guint i = 0; i < 5; i++)
    g_signal_handlers_disconnect_by_data (peek_item (fixture, i), &notifies);
}

static void
change_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GError **error = user_data;

  g_assert_false (chorus_message_list_change_finish (CHORUS_MESSAGE_LIST (object), result, error));
}

static guint
last_request_id (Fixture *fixture)
{
  GPtrArray *sent = chorus_fake_transport_get_sent (fixture->transport);
  g_autoptr(JsonNode) frame = chorus_fake_transport_parse_sent (fixture->transport, sent->len - 1);
  JsonObject *object = json_node_get_object (frame);

  g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "Mutation");
  return json_object_get_int_member (object, "requestId");
}

static void
test_edit_rolls_back (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  NotifyCount notifies = { 0 };
  ChorusMessage *message;

  load_one_row (fixture);
  message = peek_item (fixture, 0);
  g_signal_connect (message, "notify", G_CALLBACK (notify_cb), &notifies);

  chorus_message_list_edit (fixture->messages, message, "hello, fixed", change_done_cb, &error);

  /* The new text shows at once, on the same row. */
  g_assert_cmpstr (chorus_message_get_body (message), ==, "hello, fixed");
  g_assert_true (chorus_message_get_edited (message));
  g_assert_cmpuint (fixture->changes->len, ==, 0);

  deliver_mutation_response (fixture, last_request_id (fixture), "not your message", NULL);

  g_assert_cmpstr (chorus_message_get_body (message), ==, "hello");
  g_assert_false (chorus_message_get_edited (message));
  g_assert_true (peek_item (fixture, 0) == message);
  g_assert_cmpuint (fixture->changes->len, ==, 0);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "not your message"));
  g_signal_handlers_disconnect_by_data (message, &notifies);
}

static void
test_remove_at_once (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  load_one_row (fixture);
  chorus_message_list_remove (fixture->messages, peek_item (fixture, 0), change_done_cb, &error);

  g_assert_cmpuint (n_items (fixture), ==, 0);
  g_assert_cmpuint (fixture->changes->len, ==, 1);
  assert_change (fixture, 0, 0, 1, 0);

  /* A rejected removal puts the message back where it was. */
  deliver_mutation_response (fixture, last_request_id (fixture), "not allowed", NULL);
  g_assert_cmpuint (n_items (fixture), ==, 1);
  assert_change (fixture, 1, 0, 0, 1);
  g_assert_cmpstr (chorus_message_get_body (peek_item (fixture, 0)), ==, "hello");
}

static void
test_last_own_message (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *a = row_json ("m1", "c1", "Ada", "first");
  g_autofree char *b = row_json ("m2", "c2", "Lin", "reply");
  g_autofree char *rows = g_strdup_printf ("[%s,%s]", a, b);

  deliver_rows (fixture, TS_10, rows);
  chorus_message_list_send (fixture->messages, "Ada", "still pending");

  /* The pending message cannot be edited yet, so Up picks "first". */
  g_assert_cmpstr (chorus_message_get_body (chorus_message_list_find_last_own (fixture->messages, "Ada")),
                   ==, "first");
  g_assert_null (chorus_message_list_find_last_own (fixture->messages, "Bob"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/model/message-list/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("initial-load-single-emission", test_initial_load_single_emission);
  ADD ("confirmation-in-place", test_confirmation_in_place);
  ADD ("pending-time-kept", test_pending_time_kept);
  ADD ("failure-stays-visible", test_failure_stays_visible);
  ADD ("retry-same-client-id", test_retry_same_client_id);
  ADD ("discard-removes", test_discard_removes);
  ADD ("window-slides", test_window_slides);
  ADD ("sent-before-load", test_sent_before_load);
  ADD ("reorder-keeps-objects", test_reorder_keeps_objects);
  ADD ("grouping-by-author-and-time", test_grouping_by_author_and_time);
  ADD ("edit-rolls-back", test_edit_rolls_back);
  ADD ("remove-at-once", test_remove_at_once);
  ADD ("last-own-message", test_last_own_message);

#undef ADD

  return g_test_run ();
}
