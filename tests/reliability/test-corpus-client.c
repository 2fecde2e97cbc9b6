/* test-corpus-client.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-corpus-client"

#include "config.h"

#include <string.h>

#include "chorus-client-private.h"
#include "chorus-fake-transport.h"
#include "chorus-value.h"
#include "rel-util.h"

/*
 * Feeds every frame of tests/corpus/to-client to a ChorusClient over a real
 * libsoup WebSocket from a scripted server on 127.0.0.1. The folder name states
 * what must happen:
 * - reject: the client closes the socket with a close reason, reconnects,
 *   and takes the next valid Transition.
 * - keep: the client keeps the socket and shows the value unchanged.
 * - clean: rejected as above, or kept with every string valid UTF-8.
 * libsoup will not send a text frame that is not UTF-8, so those frames
 * reach the client through the scripted fake transport instead. A frame
 * with a NUL byte is valid WebSocket text and goes over the socket.
 */

#define LIST_PATH "messages:list"
#define START_TS "AAAAAAAAAAA="
#define END_TS "AQAAAAAAAAA="

/* How long a kept frame has to cause a reconnect before the test decides
 * that it did not. The client reconnects within 20 ms here. */
#define OUTCOME_WAIT_MS 1500

typedef struct
{
  RelScriptedServer   *server;  /* or fake */
  ChorusFakeTransport *fake;
  ChorusClient        *client;
  ChorusSubscription *subscription;
} Harness;

/* Failures in app code that these tests have found and that are not fixed
 * yet. Each one is reported as an incomplete test, not a pass. */
static const struct {
  const char *name;
  const char *reason;
} known_bugs[] = {
  { NULL, NULL },
};

/* Counts the client's warnings about invalid frames and prints them,
 * without aborting: rejecting a frame with a warning is the expected
 * outcome here. */
static guint client_warnings;

static void
count_client_warning_cb (const char     *log_domain,
                         GLogLevelFlags  log_level,
                         const char     *message,
                         gpointer        user_data)
{
  client_warnings++;
  g_log_default_handler (log_domain, log_level, message, user_data);
}

static gboolean
has_first_frames (gpointer data)
{
  Harness *h = data;
  guint n = rel_scripted_server_get_n_connections (h->server);

  return n > 0 && rel_scripted_server_get_frames (h->server, n - 1)->len >= 2;
}

static void
harness_start (Harness *h)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autoptr(JsonNode) args = json_from_string ("{\"channel\":\"c1\"}", NULL);

  client_warnings = 0;
  h->server = rel_scripted_server_new ();
  url = rel_scripted_server_dup_url (h->server);
  h->client = chorus_client_new_for_url (url, &error);
  g_assert_no_error (error);
  _chorus_client_set_backoff (h->client, 5, 5, 20);

  h->subscription = chorus_client_subscribe (h->client, LIST_PATH, args);
  chorus_client_start (h->client);
  g_assert_true (rel_wait_until (has_first_frames, h, 10000));
}

static void
harness_start_fake (Harness *h)
{
  g_autoptr(JsonNode) args = json_from_string ("{\"channel\":\"c1\"}", NULL);

  client_warnings = 0;
  h->fake = chorus_fake_transport_new ();
  h->client = chorus_client_new (CHORUS_TRANSPORT (h->fake));
  _chorus_client_set_backoff (h->client, 5, 5, 20);

  h->subscription = chorus_client_subscribe (h->client, LIST_PATH, args);
  chorus_client_start (h->client);
  chorus_fake_transport_accept (h->fake);
}

static void
harness_stop (Harness *h)
{
  chorus_client_stop (h->client);
  g_clear_object (&h->subscription);
  g_clear_object (&h->client);
  g_clear_object (&h->fake);
  g_clear_pointer (&h->server, rel_scripted_server_free);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Sends @data on the latest socket. */
static void
send_bytes (Harness    *h,
            const char *data,
            gsize       size)
{
  SoupWebsocketConnection *ws;
  g_autoptr(GBytes) bytes = NULL;

  if (h->fake != NULL)
    {
      chorus_fake_transport_deliver (h->fake, data);
      return;
    }

  ws = rel_scripted_server_get_connection (h->server,
                                           rel_scripted_server_get_n_connections (h->server) - 1);
  bytes = g_bytes_new (data, size);
  soup_websocket_connection_send_message (ws, SOUP_WEBSOCKET_DATA_TEXT, bytes);
}

static gboolean
has_reconnected (gpointer data)
{
  Harness *h = data;

  if (h->fake != NULL)
    return !chorus_fake_transport_is_open (h->fake);

  return rel_scripted_server_get_n_connections (h->server) >= 2 &&
         rel_scripted_server_get_frames (h->server, 1)->len >= 2;
}

static gboolean
reconnected_or_has_value (gpointer data)
{
  Harness *h = data;

  return has_reconnected (h) || chorus_subscription_get_value (h->subscription) != NULL;
}

static char *dup_connect_close_reason (Harness *h);

/* Returns the reason the client closed its first socket with: from the
 * fake transport, or as lastCloseReason on its second socket. */
static char *
dup_last_close_reason (Harness *h)
{
  if (h->fake != NULL)
    return g_strdup (chorus_fake_transport_get_close_reason (h->fake));

  return dup_connect_close_reason (h);
}

static char *
dup_connect_close_reason (Harness *h)
{
  const char *connect = g_ptr_array_index (rel_scripted_server_get_frames (h->server, 1), 0);
  g_autoptr(JsonNode) node = json_from_string (connect, NULL);
  JsonObject *object;

  g_assert_nonnull (node);
  object = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "Connect");

  return g_strdup (json_object_get_string_member_with_default (object, "lastCloseReason", NULL));
}

static gboolean
has_recovered_value (gpointer data)
{
  Harness *h = data;
  g_autofree char *text = NULL;

  if (chorus_subscription_get_value (h->subscription) == NULL)
    return FALSE;

  text = chorus_value_to_canonical_string (chorus_subscription_get_value (h->subscription));
  return strstr (text, "recovered") != NULL;
}

/* Checks that the client takes a valid Transition on its second socket. */
static void
assert_recovers (Harness *h)
{
  const char *frame =
    "{\"type\":\"Transition\","
    "\"startVersion\":{\"querySet\":0,\"ts\":\"" START_TS "\",\"identity\":0},"
    "\"endVersion\":{\"querySet\":1,\"ts\":\"" END_TS "\",\"identity\":0},"
    "\"modifications\":[{\"type\":\"QueryUpdated\",\"queryId\":0,"
    "\"value\":[{\"body\":\"recovered\"}],\"logLines\":[],\"journal\":null}]}";

  if (h->fake != NULL)
    {
      while (!chorus_fake_transport_is_opening (h->fake))
        g_main_context_iteration (NULL, TRUE);
      chorus_fake_transport_accept (h->fake);
    }

  send_bytes (h, frame, strlen (frame));
  g_assert_true (rel_wait_until (has_recovered_value, h, 10000));
  g_assert_cmpint (chorus_client_get_connection_state (h->client), ==,
                   CHORUS_CONNECTION_CONNECTED);
}

static const char *
find_known_bug (const char *name)
{
  for (guint i = 0; known_bugs[i].name != NULL; i++)
    {
      if (g_str_equal (known_bugs[i].name, name))
        return known_bugs[i].reason;
    }

  return NULL;
}

/* Fails the test with @why, or marks it incomplete for a known bug. */
static void
report_failure (const char *name,
                const char *why)
{
  const char *bug = find_known_bug (name);

  if (bug != NULL)
    {
      g_autofree char *message = g_strdup_printf ("%s (known bug: %s)", why, bug);

      g_test_incomplete (message);
      return;
    }

  g_test_fail_printf ("%s: %s", name, why);
}

static JsonNode *
expected_value (const char *data,
                gsize       size)
{
  g_autoptr(JsonNode) frame = json_from_string (data, NULL);
  JsonObject *object;
  JsonArray *modifications;

  if (frame == NULL || !JSON_NODE_HOLDS_OBJECT (frame))
    return NULL;

  object = json_node_get_object (frame);
  if (!json_object_has_member (object, "modifications"))
    return NULL;

  modifications = json_object_get_array_member (object, "modifications");
  if (json_array_get_length (modifications) == 0)
    return NULL;

  return json_node_copy (json_object_get_member (json_array_get_object_element (modifications, 0),
                                                 "value"));
}

static void
check_rejected (Harness    *h,
                const char *name)
{
  g_autofree char *reason = NULL;

  if (!has_reconnected (h))
    {
      report_failure (name, "the client kept the socket open after an invalid frame");
      return;
    }

  reason = dup_last_close_reason (h);
  g_test_message ("%s: closed with reason %s", name, reason ? reason : "(none)");
  g_assert_nonnull (reason);
  assert_recovers (h);

  /* 1006 only reports that the socket went away, not what was wrong. */
  if (g_str_equal (reason, "closed with code 1006"))
    report_failure (name, "the close reason does not name the error");
}

static void
check_kept (Harness    *h,
            const char *name,
            const char *data,
            gsize       size)
{
  g_autoptr(JsonNode) expected = expected_value (data, size);
  JsonNode *value = chorus_subscription_get_value (h->subscription);

  if (has_reconnected (h))
    {
      g_autofree char *reason = dup_last_close_reason (h);
      g_autofree char *why = g_strdup_printf ("the client rejected a valid frame (%s)", reason);

      report_failure (name, why);
      return;
    }

  g_assert_cmpuint (client_warnings, ==, 0);
  if (expected != NULL)
    {
      g_assert_nonnull (value);
      g_assert_true (chorus_value_equal (expected, value));
    }
}

static void
check_cleaned (Harness    *h,
               const char *name)
{
  JsonNode *value = chorus_subscription_get_value (h->subscription);

  if (has_reconnected (h))
    {
      check_rejected (h, name);
      return;
    }

  if (value == NULL)
    report_failure (name, "the client neither rejected the frame nor showed its value");
  else if (!rel_utf8_valid_everywhere (value))
    report_failure (name, "the client shows a string that is not valid UTF-8");
}

/* Returns whether @data is valid UTF-8, where NUL counts as a character
 * as it does in the WebSocket protocol (g_utf8_validate_len() stops at
 * NUL). */
static gboolean
is_websocket_text (const char *data,
                   gsize       size)
{
  const char *end = data + size;

  while (data < end)
    {
      const char *nul = memchr (data, '\0', end - data);
      gsize length = (nul != NULL ? nul : end) - data;

      if (!g_utf8_validate_len (data, length, NULL))
        return FALSE;
      data += length + (nul != NULL);
    }

  return TRUE;
}

static void
run_frame (const char *kind,
           const char *name,
           const char *data,
           gsize       size)
{
  Harness h = { 0 };

  if (is_websocket_text (data, size))
    harness_start (&h);
  else
    harness_start_fake (&h);

  send_bytes (&h, data, size);
  rel_wait_until (reconnected_or_has_value, &h, OUTCOME_WAIT_MS);

  if (g_str_equal (kind, "reject"))
    check_rejected (&h, name);
  else if (g_str_equal (kind, "keep"))
    check_kept (&h, name, data, size);
  else
    check_cleaned (&h, name);

  harness_stop (&h);
}

static void
test_corpus_file (gconstpointer data)
{
  const char *path = data;
  g_autofree char *folder = g_path_get_dirname (path);
  g_autofree char *kind = g_path_get_basename (folder);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *stem = g_strndup (base, strlen (base) - strlen (".frame"));
  g_autofree char *name = g_strconcat (kind, "/", stem, NULL);
  g_autofree char *contents = NULL;
  gsize size = 0;

  g_assert_true (g_file_get_contents (path, &contents, &size, NULL));
  run_frame (kind, name, contents, size);
}

static char *
build_deep_frame (guint depth)
{
  GString *text = g_string_new ("{\"type\":\"Ping\",\"x\":");

  for (guint i = 0; i < depth; i++)
    g_string_append_c (text, '[');
  for (guint i = 0; i < depth; i++)
    g_string_append_c (text, ']');
  g_string_append_c (text, '}');

  return g_string_free (text, FALSE);
}

static void
test_deep_nesting (void)
{
  g_autofree char *frame = build_deep_frame (100000);

  run_frame ("reject", "generated/deep-nesting-100000", frame, strlen (frame));
}

/* Builds a valid Transition of about @size bytes: one message whose body
 * fills the frame. */
static char *
build_large_transition (gsize size)
{
  GString *text = g_string_new (NULL);
  g_autofree char *body = NULL;

  g_string_append (text,
                   "{\"type\":\"Transition\","
                   "\"startVersion\":{\"querySet\":0,\"ts\":\"" START_TS "\",\"identity\":0},"
                   "\"endVersion\":{\"querySet\":1,\"ts\":\"" END_TS "\",\"identity\":0},"
                   "\"modifications\":[{\"type\":\"QueryUpdated\",\"queryId\":0,"
                   "\"value\":[{\"body\":\"");
  body = g_strnfill (size > text->len + 64 ? size - text->len - 64 : 1, 'x');
  g_string_append (text, body);
  g_string_append (text, "\"}],\"logLines\":[],\"journal\":null}]}");

  return g_string_free (text, FALSE);
}

/* A history page just below and just above libsoup's default 128 KiB
 * frame limit, which the client raises. */
static void
test_frame_around_128k (void)
{
  const gsize sizes[] = { 131072 - 100, 131072 + 100, 1024 * 1024 };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *frame = build_large_transition (sizes[i]);

      run_frame ("keep", "generated/large-transition", frame, strlen (frame));
    }
}

/* A frame above the client's limit closes the socket with code 1009 and
 * the client connects again. */
static void
test_oversized_frame (void)
{
  g_autofree char *frame = build_large_transition (17 * 1024 * 1024);

  run_frame ("reject", "generated/oversized-17-mib", frame, strlen (frame));
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

static void
add_corpus_tests (const char *kind)
{
  g_autofree char *folder = g_test_build_filename (G_TEST_DIST, "corpus", "to-client",
                                                   kind, NULL);
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_assert_cmpuint (names->len, >, 0);

  for (guint i = 0; i < names->len; i++)
    {
      const char *file = g_ptr_array_index (names, i);
      g_autofree char *stem = g_strndup (file, strlen (file) - strlen (".frame"));
      g_autofree char *test_path = g_strdup_printf ("/reliability/corpus/client/%s/%s", kind, stem);

      g_test_add_data_func_full (test_path, g_build_filename (folder, file, NULL),
                                 test_corpus_file, g_free);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_log_set_handler ("chorus-client", G_LOG_LEVEL_WARNING, count_client_warning_cb, NULL);

  add_corpus_tests ("reject");
  add_corpus_tests ("keep");
  add_corpus_tests ("clean");
  g_test_add_func ("/reliability/corpus/client/generated/deep-nesting-100000", test_deep_nesting);
  g_test_add_func ("/reliability/corpus/client/generated/frame-around-128k", test_frame_around_128k);
  g_test_add_func ("/reliability/corpus/client/generated/oversized-frame", test_oversized_frame);

  return g_test_run ();
}
