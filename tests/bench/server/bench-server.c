/* bench-server.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Measures chorus-server with 1, 10, 100 and 1000 subscribers of
 * messages:list on one channel: sustained sends per second, and the time
 * from a send to its delivery at every subscriber. The rows labelled
 * "page10" repeat that with subscribers that page as ChorusPaginatedQuery
 * does: a first page of messages:page with numItems 10, which keeps its
 * end and so grows with every send, split in two whenever the server
 * recommends it. In the same run it measures two limits: the raw SQLite
 * insert rate with the server's settings (WAL, synchronous=FULL, one
 * transaction per insert) and a bare libsoup WebSocket server that
 * broadcasts frames of the same sizes, and of 100 bytes ("bare-100").
 *
 * The server runs on a thread of its own; the sender and the subscribers
 * share the main thread, so all of it competes for the same cores.
 */

#define _GNU_SOURCE
#define G_LOG_DOMAIN "bench-server"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/socket.h>

#include "chorus-server.h"

#define WINDOW 16
#define PAGE_ITEMS 10
#define WAIT_SECONDS 60

typedef struct _Bench Bench;

/* A page being replaced by its two halves, by query id. */
typedef struct
{
  guint32 original;
  guint32 first;
  guint32 second;
  gboolean first_loaded;
  gboolean second_loaded;
} PageSplit;

typedef struct
{
  Bench *bench;
  SoupWebsocketConnection *ws;
  guint next;

  /* Subscribers of messages:page only: the query set, and the cursor of
   * each page by query id, "" for the first page. Only the first page
   * grows, so at most one split is under way. */
  guint32 query_set;
  guint32 next_query_id;
  GHashTable *cursors;
  gboolean splitting;
  PageSplit split;
} Subscriber;

struct _Bench
{
  SoupSession *session;
  GPtrArray *subscribers;
  SoupWebsocketConnection *sender;
  guint port;
  gboolean bare;
  /* Subscribe to messages:page with this many items, or 0 for
   * messages:list. */
  guint page_items;

  /* Per send: the time it went out and how many subscribers have it. */
  GArray *sent_at;
  GArray *delivered;
  GArray *latencies;
  guint sent, acknowledged, complete;
  GArray *frame_sizes;
  char *channel;
};

static void
send_textf (SoupWebsocketConnection *ws,
            const char              *format,
            ...) G_GNUC_PRINTF (2, 3);

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

static void
iterate_until (gboolean  (*done) (Bench *bench),
               Bench      *bench,
               const char *what)
{
  double deadline = now_ms () + WAIT_SECONDS * 1000;

  while (!done (bench))
    {
      g_main_context_iteration (NULL, TRUE);
      if (now_ms () > deadline)
        g_error ("Timed out waiting for %s", what);
    }
}

/* Subscribes to a page of messages:page, as ChorusPaginatedQuery does
 * with one ModifyQuerySet per added page, and returns its query id. */
static guint32
add_page (Subscriber *subscriber,
          const char *cursor,
          const char *end_cursor)
{
  Bench *bench = subscriber->bench;
  guint32 query_id = subscriber->next_query_id++;
  g_autofree char *cursor_json = cursor ? g_strdup_printf ("\"%s\"", cursor) : g_strdup ("null");
  g_autofree char *end_json = end_cursor ? g_strdup_printf ("\"endCursor\":\"%s\",", end_cursor)
                                         : g_strdup ("");

  send_textf (subscriber->ws, "{\"type\":\"ModifyQuerySet\",\"baseVersion\":%u,\"newVersion\":%u,"
              "\"modifications\":[{\"type\":\"Add\",\"queryId\":%u,\"udfPath\":\"messages:page\","
              "\"args\":[{\"channel\":\"%s\",\"paginationOpts\":{\"cursor\":%s,%s\"id\":1,"
              "\"numItems\":%u}}]}]}",
              subscriber->query_set, subscriber->query_set + 1, query_id, bench->channel,
              cursor_json, end_json, bench->page_items);
  subscriber->query_set++;
  g_hash_table_insert (subscriber->cursors, GUINT_TO_POINTER (query_id), g_strdup (cursor ? cursor : ""));

  return query_id;
}

static void
remove_page (Subscriber *subscriber,
             guint32     query_id)
{
  send_textf (subscriber->ws, "{\"type\":\"ModifyQuerySet\",\"baseVersion\":%u,\"newVersion\":%u,"
              "\"modifications\":[{\"type\":\"Remove\",\"queryId\":%u}]}",
              subscriber->query_set, subscriber->query_set + 1, query_id);
  subscriber->query_set++;
  g_hash_table_remove (subscriber->cursors, GUINT_TO_POINTER (query_id));
}

/* Copies the string value of the first @key between @from and @end, or
 * returns NULL. */
static char *
scan_string (const char *end,
             const char *from,
             const char *key)
{
  g_autofree char *needle = g_strdup_printf ("\"%s\":\"", key);
  const char *start = memmem (from, end - from, needle, strlen (needle));
  const char *quote;

  if (start == NULL)
    return NULL;

  start += strlen (needle);
  quote = memchr (start, '"', end - start);
  return quote ? g_strndup (start, quote - start) : NULL;
}

/* Returns where the QueryUpdated modification that contains @at starts,
 * or NULL. Chorus-server writes its "type" and "queryId" first. */
static const char *
find_modification (const char *data,
                   const char *at)
{
  const char *found = NULL;

  for (const char *p = data; (p = memmem (p, at - p, "\"QueryUpdated\"", 14)) != NULL; p++)
    found = p;

  return found;
}

static gboolean
has_update (const char *data,
            gsize       size,
            guint32     query_id)
{
  g_autofree char *needle = g_strdup_printf ("\"QueryUpdated\",\"queryId\":%u,", query_id);

  return memmem (data, size, needle, strlen (needle)) != NULL;
}

/* Starts a split of the page whose result contains the split cursor at
 * @at, with the same rule as ChorusPaginatedQuery: the server sent a
 * splitCursor and pageStatus SplitRecommended or SplitRequired. */
static void
start_split (Subscriber *subscriber,
             const char *data,
             gsize       size,
             const char *at)
{
  static const char id_key[] = "\"QueryUpdated\",\"queryId\":";
  const char *end = data + size;
  const char *modification = find_modification (data, at);
  g_autofree char *split_cursor = scan_string (end, at, "splitCursor");
  g_autofree char *end_cursor = NULL;
  g_autofree char *status = NULL;
  const char *cursor;
  guint32 query_id;

  if (modification == NULL || split_cursor == NULL ||
      strncmp (modification, id_key, strlen (id_key)) != 0)
    return;

  query_id = g_ascii_strtoull (modification + strlen (id_key), NULL, 10);
  end_cursor = scan_string (end, modification, "continueCursor");
  status = scan_string (end, modification, "pageStatus");
  cursor = g_hash_table_lookup (subscriber->cursors, GUINT_TO_POINTER (query_id));
  if (cursor == NULL || end_cursor == NULL ||
      (g_strcmp0 (status, "SplitRecommended") != 0 && g_strcmp0 (status, "SplitRequired") != 0))
    return;

  subscriber->splitting = TRUE;
  subscriber->split = (PageSplit) { query_id, 0, 0, FALSE, FALSE };
  subscriber->split.first = add_page (subscriber, cursor[0] ? cursor : NULL, split_cursor);
  subscriber->split.second = add_page (subscriber, split_cursor, end_cursor);
}

/* Follows the server's split recommendations. Like the markers, the
 * fields are found by scanning the text, so the subscribers spend no
 * time on parsing that a separate client machine would do. */
static void
follow_splits (Subscriber *subscriber,
               const char *data,
               gsize       size)
{
  const char *at;

  if (subscriber->splitting)
    {
      subscriber->split.first_loaded |= has_update (data, size, subscriber->split.first);
      subscriber->split.second_loaded |= has_update (data, size, subscriber->split.second);
      if (subscriber->split.first_loaded && subscriber->split.second_loaded)
        {
          remove_page (subscriber, subscriber->split.original);
          subscriber->splitting = FALSE;
        }
      return;
    }

  if ((at = memmem (data, size, "\"splitCursor\":\"", 15)) != NULL)
    start_split (subscriber, data, size, at);
}

/* Counts every send whose marker "b<seq>." is in @data. Sends are
 * delivered in order, so each subscriber looks for its next one only. */
static void
subscriber_message_cb (SoupWebsocketConnection *ws,
                       gint                     type,
                       GBytes                  *message,
                       gpointer                 user_data)
{
  Subscriber *subscriber = user_data;
  Bench *bench = subscriber->bench;
  gsize size = 0;
  const char *data = g_bytes_get_data (message, &size);

  if (subscriber == bench->subscribers->pdata[0])
    g_array_append_val (bench->frame_sizes, size);

  while (subscriber->next < bench->sent)
    {
      char marker[32];
      guint *count;

      g_snprintf (marker, sizeof marker, "\"b%u.", subscriber->next);
      if (memmem (data, size, marker, strlen (marker)) == NULL)
        break;

      count = &g_array_index (bench->delivered, guint, subscriber->next);
      if (++*count == bench->subscribers->len)
        {
          double latency = now_ms () - g_array_index (bench->sent_at, double, subscriber->next);

          g_array_append_val (bench->latencies, latency);
          bench->complete++;
        }
      subscriber->next++;
    }

  if (bench->page_items > 0)
    follow_splits (subscriber, data, size);
}

static void
sender_message_cb (SoupWebsocketConnection *ws,
                   gint                     type,
                   GBytes                   *message,
                   gpointer                 user_data)
{
  Bench *bench = user_data;
  gsize size = 0;
  const char *data = g_bytes_get_data (message, &size);

  if (memmem (data, size, "\"MutationResponse\"", 18) != NULL ||
      memmem (data, size, "\"Ack\"", 5) != NULL)
    bench->acknowledged++;
}

static void
connect_ready_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  SoupWebsocketConnection **ws = user_data;
  g_autoptr(GError) error = NULL;

  *ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (*ws == NULL)
    g_error ("Could not connect: %s", error->message);
}

static void
open_socket (Bench                    *bench,
             SoupWebsocketConnection **ws)
{
  g_autofree char *uri = g_strdup_printf ("ws://127.0.0.1:%u/api/1.48.0/sync", bench->port);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);

  *ws = NULL;
  soup_session_websocket_connect_async (bench->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        NULL, connect_ready_cb, ws);
}

static gboolean
all_connected (Bench *bench)
{
  for (guint i = 0; i < bench->subscribers->len; i++)
    {
      Subscriber *subscriber = bench->subscribers->pdata[i];

      if (subscriber->ws == NULL)
        return FALSE;
    }

  return bench->sender != NULL;
}

static void
send_textf (SoupWebsocketConnection *ws,
            const char              *format,
            ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  soup_websocket_connection_send_text (ws, text);
}

static void
start_session (Bench                   *bench,
               SoupWebsocketConnection *ws,
               guint                    index,
               gboolean                 subscribe)
{
  g_autofree char *add = NULL;

  send_textf (ws, "{\"type\":\"Connect\",\"sessionId\":\"bench-%s-%u\",\"connectionCount\":0,"
              "\"lastCloseReason\":\"InitialConnect\",\"clientTs\":0}", bench->channel, index);

  if (!subscribe)
    add = g_strdup ("");
  else
    add = g_strdup_printf ("{\"type\":\"Add\",\"queryId\":0,\"udfPath\":\"messages:list\","
                           "\"args\":[{\"channel\":\"%s\"}]}", bench->channel);

  send_textf (ws, "{\"type\":\"ModifyQuerySet\",\"baseVersion\":0,\"newVersion\":1,"
              "\"modifications\":[%s]}", add);
}

static void
connect_all (Bench *bench,
             guint  n_subscribers)
{
  for (guint i = 0; i < n_subscribers; i++)
    {
      Subscriber *subscriber = g_new0 (Subscriber, 1);

      subscriber->bench = bench;
      g_ptr_array_add (bench->subscribers, subscriber);
      open_socket (bench, &subscriber->ws);
    }
  open_socket (bench, &bench->sender);
  iterate_until (all_connected, bench, "the subscribers to connect");

  for (guint i = 0; i < n_subscribers; i++)
    {
      Subscriber *subscriber = bench->subscribers->pdata[i];

      /* A messages:page page that is not split grows with every send,
       * past the 128 KiB that libsoup accepts by default, which would
       * close the socket with 1009. No messages:list frame comes near
       * either size. */
      soup_websocket_connection_set_max_incoming_payload_size (subscriber->ws, 64 * 1024 * 1024);
      g_signal_connect (subscriber->ws, "message", G_CALLBACK (subscriber_message_cb), subscriber);
      if (bench->bare)
        continue;

      if (bench->page_items == 0)
        start_session (bench, subscriber->ws, i, TRUE);
      else
        {
          subscriber->cursors = g_hash_table_new_full (NULL, NULL, NULL, g_free);
          start_session (bench, subscriber->ws, i, FALSE);
          subscriber->query_set = 1;
          add_page (subscriber, NULL, NULL);
        }
    }

  g_signal_connect (bench->sender, "message", G_CALLBACK (sender_message_cb), bench);
  if (!bench->bare)
    start_session (bench, bench->sender, n_subscribers, FALSE);
}

static void
disconnect_all (Bench *bench)
{
  for (guint i = 0; i < bench->subscribers->len; i++)
    {
      Subscriber *subscriber = bench->subscribers->pdata[i];

      soup_websocket_connection_close (subscriber->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_signal_handlers_disconnect_by_data (subscriber->ws, subscriber);
      g_clear_object (&subscriber->ws);
      g_clear_pointer (&subscriber->cursors, g_hash_table_unref);
    }
  g_ptr_array_set_size (bench->subscribers, 0);

  soup_websocket_connection_close (bench->sender, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_signal_handlers_disconnect_by_data (bench->sender, bench);
  g_clear_object (&bench->sender);
}

/* Sends message @seq. On the bare server the frame is padded to the size
 * of the Transition that chorus-server sent for the same message. */
static void
send_one (Bench *bench,
          guint  seq,
          gsize  pad)
{
  double at = now_ms ();
  guint zero = 0;

  g_array_append_val (bench->sent_at, at);
  g_array_append_val (bench->delivered, zero);
  bench->sent++;

  if (bench->bare)
    {
      g_autofree char *padding = g_strnfill (pad, 'x');

      send_textf (bench->sender, "\"b%u.%s", seq, padding);
      return;
    }

  send_textf (bench->sender, "{\"type\":\"Mutation\",\"requestId\":%u,\"udfPath\":\"messages:send\","
              "\"args\":[{\"author\":\"bench\",\"body\":\"b%u. A message of ordinary length for "
              "a chat, about a hundred bytes long, to be realistic.\",\"channel\":\"%s\","
              "\"clientId\":\"%s-%u\"}]}", seq, seq, bench->channel, bench->channel, seq);
}

static gboolean
window_has_room (Bench *bench)
{
  return bench->sent - bench->complete < WINDOW;
}

static gboolean
window_empty (Bench *bench)
{
  return bench->complete == bench->sent;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (GArray *values,
            double  fraction)
{
  guint index;

  g_array_sort (values, compare_doubles);
  index = MIN (values->len - 1, (guint) (fraction * values->len));
  return g_array_index (values, double, index);
}

static gsize
pad_for (GArray *sizes,
         guint   seq)
{
  if (sizes == NULL || sizes->len == 0)
    return 100;

  return g_array_index (sizes, gsize, MIN (seq, sizes->len - 1));
}

/* Runs @count sends with up to WINDOW in flight, then @count more one at
 * a time, and prints the rate of the first part and the latencies of the
 * second. */
static void
run_sends (Bench      *bench,
           const char *label,
           guint       count,
           GArray     *pad_sizes)
{
  double start, elapsed, rate;
  g_autoptr(GArray) paced = NULL;

  start = now_ms ();
  for (guint seq = 0; seq < count; seq++)
    {
      iterate_until (window_has_room, bench, "deliveries");
      send_one (bench, seq, pad_for (pad_sizes, seq));
    }
  iterate_until (window_empty, bench, "the last deliveries");
  elapsed = now_ms () - start;
  rate = count / (elapsed / 1000.0);

  g_array_set_size (bench->latencies, 0);
  for (guint seq = count; seq < 2 * count; seq++)
    {
      send_one (bench, seq, pad_for (pad_sizes, seq));
      iterate_until (window_empty, bench, "a paced delivery");
    }
  paced = g_array_copy (bench->latencies);

  g_print ("%-10s %5u subscribers: %7.0f sends/s; one at a time: p50 %6.2f ms, p99 %6.2f ms "
           "(%u sends each)\n", label, bench->subscribers->len, rate,
           percentile (paced, 0.50), percentile (paced, 0.99), count);
}

static void
bench_reset (Bench *bench)
{
  g_array_set_size (bench->sent_at, 0);
  g_array_set_size (bench->delivered, 0);
  g_array_set_size (bench->latencies, 0);
  bench->sent = bench->acknowledged = bench->complete = 0;
}

/* A bare libsoup WebSocket server that sends every text frame it receives
 * to every connection but the sender's. */
typedef struct
{
  SoupServer *soup;
  GPtrArray *sockets;
} BareServer;

static void
bare_message_cb (SoupWebsocketConnection *ws,
                 gint                     type,
                 GBytes                  *message,
                 gpointer                 user_data)
{
  BareServer *bare = user_data;

  for (guint i = 0; i < bare->sockets->len; i++)
    {
      if (bare->sockets->pdata[i] != ws)
        soup_websocket_connection_send_message (bare->sockets->pdata[i],
                                                SOUP_WEBSOCKET_DATA_TEXT, message);
    }
}

static void
bare_closed_cb (SoupWebsocketConnection *ws,
                gpointer                 user_data)
{
  BareServer *bare = user_data;

  g_signal_handlers_disconnect_by_data (ws, bare);
  g_ptr_array_remove (bare->sockets, ws);
}

static void
bare_websocket_cb (SoupServer              *soup,
                   SoupServerMessage       *msg,
                   const char              *path,
                   SoupWebsocketConnection *ws,
                   gpointer                 user_data)
{
  BareServer *bare = user_data;

  /* The sender's padded frames are as large as the page Transitions. */
  soup_websocket_connection_set_max_incoming_payload_size (ws, 64 * 1024 * 1024);
  g_ptr_array_add (bare->sockets, g_object_ref (ws));
  g_signal_connect (ws, "message", G_CALLBACK (bare_message_cb), bare);
  g_signal_connect (ws, "closed", G_CALLBACK (bare_closed_cb), bare);
}

/* What a server thread runs: chorus-server on @database, or the bare
 * server when @database is NULL. */
typedef struct
{
  char *database;
  GMainContext *context;
  GMainLoop *loop;
  GMutex mutex;
  GCond cond;
  guint port;
} ServerThread;

static guint
listen_bare (BareServer *bare)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) inet = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (inet, 0);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocket) socket = NULL;
  GSList *listeners;

  bare->soup = soup_server_new (NULL, NULL);
  soup_server_add_websocket_handler (bare->soup, NULL, NULL, NULL, bare_websocket_cb, bare, NULL);

  /* With the backlog that chorus-server uses, so that 1000 clients
   * connect as fast to both servers. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT,
                         &error);
  g_assert_no_error (error);
  g_socket_set_listen_backlog (socket, SOMAXCONN);
  if (!g_socket_bind (socket, address, TRUE, &error) || !g_socket_listen (socket, &error) ||
      !soup_server_listen_socket (bare->soup, socket, 0, &error))
    g_error ("Could not listen: %s", error->message);

  listeners = soup_server_get_listeners (bare->soup);
  local = g_socket_get_local_address (listeners->data, NULL);
  g_slist_free (listeners);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
}

static void
report_port (ServerThread *thread,
             guint         port)
{
  g_mutex_lock (&thread->mutex);
  thread->port = port;
  g_cond_signal (&thread->cond);
  g_mutex_unlock (&thread->mutex);
}

static gpointer
server_thread_func (gpointer data)
{
  ServerThread *thread = data;
  g_autoptr(ChorusServer) server = NULL;
  g_autoptr(GError) error = NULL;
  BareServer bare = { NULL, g_ptr_array_new_with_free_func (g_object_unref) };

  g_main_context_push_thread_default (thread->context);
  if (thread->database != NULL)
    {
      server = chorus_server_new (thread->database, &error);
      g_assert_no_error (error);
      chorus_server_set_limits (server, 64 * 1024 * 1024, 0, 1, 0);
      chorus_server_listen (server, NULL, 0, &error);
      g_assert_no_error (error);
      report_port (thread, chorus_server_get_port (server));
    }
  else
    report_port (thread, listen_bare (&bare));

  g_main_loop_run (thread->loop);

  if (server != NULL)
    chorus_server_shutdown (server);

  /* A socket that closes after this function returns must not reach the
   * BareServer on its stack. */
  for (guint i = 0; i < bare.sockets->len; i++)
    g_signal_handlers_disconnect_by_data (bare.sockets->pdata[i], &bare);
  g_clear_object (&bare.soup);
  g_ptr_array_unref (bare.sockets);
  while (g_main_context_iteration (thread->context, FALSE))
    ;
  g_main_context_pop_thread_default (thread->context);
  return NULL;
}

static GThread *
start_server_thread (ServerThread *thread,
                     const char   *database)
{
  GThread *handle;

  thread->database = g_strdup (database);
  thread->context = g_main_context_new ();
  thread->loop = g_main_loop_new (thread->context, FALSE);
  g_mutex_init (&thread->mutex);
  g_cond_init (&thread->cond);

  handle = g_thread_new ("bench-server", server_thread_func, thread);
  g_mutex_lock (&thread->mutex);
  while (thread->port == 0)
    g_cond_wait (&thread->cond, &thread->mutex);
  g_mutex_unlock (&thread->mutex);

  return handle;
}

static void
stop_server_thread (ServerThread *thread,
                    GThread      *handle)
{
  g_main_loop_quit (thread->loop);
  g_thread_join (handle);
  g_main_loop_unref (thread->loop);
  g_main_context_unref (thread->context);
  g_free (thread->database);
}

/* Inserts rows like messages for one second, one transaction each, and
 * returns the rate. */
static double
sqlite_insert_rate (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "raw.sqlite", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  double start = now_ms ();
  guint count = 0;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sqlite3_exec (db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                "CREATE TABLE m (seq INTEGER PRIMARY KEY, id TEXT UNIQUE, body TEXT)",
                NULL, NULL, NULL);
  sqlite3_prepare_v2 (db, "INSERT INTO m (id, body) VALUES (?1, ?2)", -1, &stmt, NULL);

  while (now_ms () - start < 1000)
    {
      g_autofree char *id = g_uuid_string_random ();

      sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
      sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, "A message of ordinary length for a chat.", -1, SQLITE_STATIC);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
      sqlite3_reset (stmt);
      sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
      count++;
    }

  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return count / ((now_ms () - start) / 1000.0);
}

static void
channel_created_cb (SoupWebsocketConnection *ws,
                    gint                     type,
                    GBytes                  *message,
                    gpointer                 user_data)
{
  char **id = user_data;
  gsize size = 0;
  const char *data = g_bytes_get_data (message, &size);
  g_autoptr(JsonNode) node = json_from_string (data, NULL);
  JsonObject *frame = json_node_get_object (node);

  if (g_str_equal (json_object_get_string_member (frame, "type"), "MutationResponse"))
    *id = g_strdup (json_object_get_string_member (frame, "result"));
}

/* Creates a channel for one round, so each round starts with an empty
 * list, and returns its id. */
static char *
create_channel (Bench *bench,
                guint  subscribers)
{
  SoupWebsocketConnection *ws = NULL;
  char *id = NULL;

  open_socket (bench, &ws);
  while (ws == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_signal_connect (ws, "message", G_CALLBACK (channel_created_cb), &id);
  send_textf (ws, "{\"type\":\"Connect\",\"sessionId\":\"bench-setup-%u\",\"connectionCount\":0,"
              "\"lastCloseReason\":\"InitialConnect\",\"clientTs\":0}", subscribers);
  send_textf (ws, "{\"type\":\"Mutation\",\"requestId\":0,\"udfPath\":\"channels:create\","
              "\"args\":[{\"name\":\"bench-%u\"}]}", subscribers);
  while (id == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_signal_handlers_disconnect_by_data (ws, &id);
  soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_object_unref (ws);
  return id;
}

static const guint sizes[] = { 1, 10, 100, 1000 };
static const guint counts[] = { 300, 300, 200, 100 };

/* Runs one round per subscriber count against chorus-server, each on a
 * channel of its own, and keeps the sizes of the frames that the first
 * subscriber received in @frame_sizes. */
static void
run_chorus_rounds (Bench      *bench,
                   guint       port,
                   guint       page_items,
                   const char *label,
                   GPtrArray  *frame_sizes)
{
  bench->port = port;
  bench->page_items = page_items;
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      bench->channel = create_channel (bench, sizes[i] + page_items * 10000);
      bench->frame_sizes = g_array_new (FALSE, FALSE, sizeof (gsize));
      connect_all (bench, sizes[i]);
      run_sends (bench, label, counts[i], NULL);
      disconnect_all (bench);
      bench_reset (bench);
      g_ptr_array_add (frame_sizes, g_steal_pointer (&bench->frame_sizes));
      g_clear_pointer (&bench->channel, g_free);
    }
}

/* Runs the same rounds against the bare server, with frames padded to
 * the sizes in @frame_sizes. */
static void
run_bare_rounds (Bench      *bench,
                 guint       port,
                 const char *label,
                 GPtrArray  *frame_sizes)
{
  bench->port = port;
  bench->bare = TRUE;
  bench->page_items = 0;
  bench->channel = g_strdup ("bare");
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      bench->frame_sizes = g_array_new (FALSE, FALSE, sizeof (gsize));
      connect_all (bench, sizes[i]);
      run_sends (bench, label, counts[i], frame_sizes->pdata[i]);
      disconnect_all (bench);
      bench_reset (bench);
      g_clear_pointer (&bench->frame_sizes, g_array_unref);
    }
  g_clear_pointer (&bench->channel, g_free);
}

/* Returns frame sizes of 100 bytes for every round. The bare rounds
 * with them measure what broadcasting costs apart from the payload, in
 * the server's and in the receivers' libsoup. */
static GPtrArray *
tiny_frame_sizes (void)
{
  GPtrArray *sizes_per_round = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  gsize size = 100;

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      GArray *round = g_array_new (FALSE, FALSE, sizeof (gsize));

      g_array_append_val (round, size);
      g_ptr_array_add (sizes_per_round, round);
    }

  return sizes_per_round;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("chorus-bench-XXXXXX", &error);
  g_autofree char *database = g_build_filename (dir, "server.sqlite", NULL);
  g_autoptr(GPtrArray) list_sizes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_autoptr(GPtrArray) page_sizes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_autoptr(GPtrArray) tiny_sizes = tiny_frame_sizes ();
  ServerThread server = { 0, }, bare = { 0, };
  GThread *server_handle, *bare_handle;
  Bench bench = { 0, };

  g_assert_no_error (error);
  bench.session = soup_session_new_with_options ("max-conns", 4096, "max-conns-per-host", 4096,
                                                NULL);
  bench.subscribers = g_ptr_array_new_with_free_func (g_free);
  bench.sent_at = g_array_new (FALSE, FALSE, sizeof (double));
  bench.delivered = g_array_new (FALSE, FALSE, sizeof (guint));
  bench.latencies = g_array_new (FALSE, FALSE, sizeof (double));

  g_print ("SQLite limit (WAL, synchronous=FULL, one insert per transaction): %.0f inserts/s\n",
           sqlite_insert_rate (dir));

  server_handle = start_server_thread (&server, database);
  run_chorus_rounds (&bench, server.port, 0, "chorus", list_sizes);
  run_chorus_rounds (&bench, server.port, PAGE_ITEMS, "page10", page_sizes);
  stop_server_thread (&server, server_handle);

  bare_handle = start_server_thread (&bare, NULL);
  run_bare_rounds (&bench, bare.port, "bare-ws", list_sizes);
  run_bare_rounds (&bench, bare.port, "bare-p10", page_sizes);
  run_bare_rounds (&bench, bare.port, "bare-100", tiny_sizes);
  stop_server_thread (&bare, bare_handle);

  g_clear_object (&bench.session);
  g_unlink (database);
  return 0;
}
