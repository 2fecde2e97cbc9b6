/* test-channel-list.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * ChorusChannelList on a scripted transport: the channels, their unread
 * counts and the signal that drives notifications.
 */

#define G_LOG_DOMAIN "test-channel-list"

#include "config.h"

#include "chorus-channel-list.h"
#include "chorus-fake-transport.h"

typedef struct
{
  ChorusFakeTransport *transport;
  ChorusClient        *client;
  ChorusChannelList   *channels;
  guint64              ts;
  GPtrArray           *received;  /* "channel/author/body" strings */
} Fixture;

static void
message_received_cb (ChorusChannelList *channels,
                     ChorusChannel     *channel,
                     const char        *author,
                     const char        *body,
                     Fixture           *fixture)
{
  g_ptr_array_add (fixture->received,
                   g_strdup_printf ("%s/%s/%s", chorus_channel_get_name (channel), author, body));
}

static char *
encode_ts (guint64 ts)
{
  guint64 little_endian = GUINT64_TO_LE (ts);

  return g_base64_encode ((const guchar *)&little_endian, sizeof little_endian);
}

/* Delivers one QueryUpdated, chained after the previous Transition. */
static void
deliver (Fixture    *fixture,
         guint       query_id,
         const char *value)
{
  g_autofree char *start = encode_ts (fixture->ts);
  g_autofree char *end = encode_ts (fixture->ts + 10);
  g_autofree char *frame =
    g_strdup_printf ("{\"type\":\"Transition\","
                     "\"startVersion\":{\"querySet\":%d,\"ts\":\"%s\",\"identity\":0},"
                     "\"endVersion\":{\"querySet\":1,\"ts\":\"%s\",\"identity\":0},"
                     "\"modifications\":[{\"type\":\"QueryUpdated\",\"queryId\":%u,"
                     "\"value\":%s,\"logLines\":[],\"journal\":null}]}",
                     fixture->ts == 0 ? 0 : 1, start, end, query_id, value);

  chorus_fake_transport_deliver (fixture->transport, frame);
  fixture->ts += 10;
}

static char *
message_row (const char *id,
             const char *author,
             gint64      created)
{
  return g_strdup_printf ("{\"_creationTime\":%" G_GINT64_FORMAT ",\"_id\":\"%s\",\"author\":\"%s\","
                          "\"body\":\"text %s\",\"channel\":\"ch-general\",\"clientId\":\"c-%s\"}",
                          created, id, author, id, id);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->transport = chorus_fake_transport_new ();
  fixture->client = chorus_client_new (CHORUS_TRANSPORT (fixture->transport));
  fixture->received = g_ptr_array_new_with_free_func (g_free);
  chorus_client_start (fixture->client);

  fixture->channels = chorus_channel_list_new (fixture->client);
  chorus_channel_list_set_own_author (fixture->channels, "Ada");
  g_signal_connect (fixture->channels, "message-received", G_CALLBACK (message_received_cb), fixture);
  chorus_fake_transport_accept (fixture->transport);

  deliver (fixture, 0,
           "[{\"_creationTime\":1,\"_id\":\"ch-general\",\"name\":\"general\"},"
           "{\"_creationTime\":2,\"_id\":\"ch-random\",\"name\":\"random\"}]");
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->channels);
  chorus_client_stop (fixture->client);
  g_clear_object (&fixture->client);
  g_clear_object (&fixture->transport);
  g_clear_pointer (&fixture->received, g_ptr_array_unref);
}

static ChorusChannel *
general (Fixture *fixture)
{
  return chorus_channel_list_find_by_name (fixture->channels, "general", NULL);
}

static void
test_lists_channels (Fixture       *fixture,
                     gconstpointer  data)
{
  guint position = 99;

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->channels)), ==, 2);
  g_assert_nonnull (chorus_channel_list_find_by_name (fixture->channels, "random", &position));
  g_assert_cmpuint (position, ==, 1);
  g_assert_cmpstr (chorus_channel_get_id (general (fixture)), ==, "ch-general");
  g_assert_null (chorus_channel_list_find_by_name (fixture->channels, "missing", NULL));
}

static void
test_unread_counts_others (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *a = message_row ("m1", "Lin", 100);
  g_autofree char *b = message_row ("m2", "Ada", 200);
  g_autofree char *c = message_row ("m3", "Lin", 300);
  g_autofree char *rows = g_strdup_printf ("[%s,%s,%s]", a, b, c);

  deliver (fixture, 1, rows);

  /* Ada's own message never counts, and the first load announces nothing. */
  g_assert_cmpuint (chorus_channel_get_unread_count (general (fixture)), ==, 2);
  g_assert_cmpuint (fixture->received->len, ==, 0);

  chorus_channel_list_mark_read (fixture->channels, general (fixture));
  g_assert_cmpuint (chorus_channel_get_unread_count (general (fixture)), ==, 0);
  g_assert_cmpint (chorus_channel_list_get_last_read (fixture->channels, "ch-general"), ==, 300);
}

static void
test_new_message_announced (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *a = message_row ("m1", "Lin", 100);
  g_autofree char *b = message_row ("m2", "Lin", 400);
  g_autofree char *mine = message_row ("m3", "Ada", 500);
  g_autofree char *first = g_strdup_printf ("[%s]", a);
  g_autofree char *second = g_strdup_printf ("[%s,%s]", a, b);
  g_autofree char *third = g_strdup_printf ("[%s,%s,%s]", a, b, mine);

  chorus_channel_list_set_last_read (fixture->channels, "ch-general", 100);
  deliver (fixture, 1, first);
  g_assert_cmpuint (chorus_channel_get_unread_count (general (fixture)), ==, 0);

  deliver (fixture, 1, second);
  g_assert_cmpuint (fixture->received->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->received, 0), ==, "general/Lin/text m2");
  g_assert_cmpuint (chorus_channel_get_unread_count (general (fixture)), ==, 1);

  /* The same rows again, and Ada's own message, announce nothing new. */
  deliver (fixture, 1, second);
  deliver (fixture, 1, third);
  g_assert_cmpuint (fixture->received->len, ==, 1);
  g_assert_cmpuint (chorus_channel_get_unread_count (general (fixture)), ==, 1);
}

/* Typed names become server names, or NULL when no name fits. */
static void
test_name_from_text (void)
{
  const struct {
    const char *text;
    const char *name;
  } cases[] = {
    { "general", "general" },
    { "My Team Chat", "my-team-chat" },
    { "  design   review ", "design-review" },
    { "v2_launch-plan", "v2_launch-plan" },
    { "tab\tand\nnewline", "tab-and-newline" },
    { "caf\xc3\xa9", NULL },
    { "a/b", NULL },
    { "#general", NULL },
    { "", NULL },
    { "   ", NULL },
  };
  g_autofree char *longest = g_strnfill (80, 'a');
  g_autofree char *too_long = g_strnfill (81, 'a');
  g_autofree char *name_at_limit = NULL;
  g_autofree char *name_over_limit = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = chorus_channel_name_from_text (cases[i].text);

      g_assert_cmpstr (name, ==, cases[i].name);
    }

  name_at_limit = chorus_channel_name_from_text (longest);
  g_assert_cmpstr (name_at_limit, ==, longest);
  name_over_limit = chorus_channel_name_from_text (too_long);
  g_assert_null (name_over_limit);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/model/channel-list/name-from-text", test_name_from_text);
  g_test_add ("/model/channel-list/lists-channels", Fixture, NULL,
              fixture_set_up, test_lists_channels, fixture_tear_down);
  g_test_add ("/model/channel-list/unread-counts-others", Fixture, NULL,
              fixture_set_up, test_unread_counts_others, fixture_tear_down);
  g_test_add ("/model/channel-list/new-message-announced", Fixture, NULL,
              fixture_set_up, test_new_message_announced, fixture_tear_down);

  return g_test_run ();
}
