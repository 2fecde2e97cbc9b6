/* bench-core.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Builds a transcript of Transitions over subscribed queries with pending
 * optimistic updates. It replays the transcript through app/core
 * (replay-core) and through the official Convex client
 * (replay-official.mjs), each in its own process, and prints the CPU time
 * (user + system) and peak resident memory of each, with the ratios.
 * "notifications" counts "changed" signals for app/core, and queries
 * listed in each Transition for the official client.
 *
 * It fails when the replays disagree on the number of visible items, or
 * when app/core is not at least 5 times faster and 5 times smaller.
 *
 * Usage: bench-core REPLAY_CORE [NODE REPLAY_OFFICIAL_MJS NODE_MODULES_DIR]
 */

#define G_LOG_DOMAIN "bench-core"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <glib.h>
#include <glib/gstdio.h>

#define N_QUERIES       100
#define N_TRANSITIONS   10000
#define N_PENDING       20
#define ITEMS_PER_QUERY 20
#define TARGET_RATIO    5.0

typedef struct
{
  const char *name;
  gboolean    ran;
  double      cpu_seconds;
  double      peak_mib;
  char       *output;
} Measurement;

static void
append_message (GString *out,
                guint    number,
                guint    channel)
{
  g_string_append_printf (out,
                          "{\"_creationTime\":%u.5,\"_id\":\"m%u\",\"author\":\"u%u\","
                          "\"body\":\"Message %u in channel c%03u\"}",
                          number * 1000, number, number % 7, number, channel);
}

/* Appends a QueryUpdated whose value is the ITEMS_PER_QUERY messages of
 * @channel that start at message @first. */
static void
append_update (GString *out,
               guint    channel,
               guint    first)
{
  g_string_append_printf (out, "{\"type\":\"QueryUpdated\",\"queryId\":%u,\"value\":[", channel);
  for (guint i = 0; i < ITEMS_PER_QUERY; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      append_message (out, first + i, channel);
    }
  g_string_append (out, "],\"logLines\":[],\"journal\":null}");
}

static void
append_ts (GString *out,
           gint64   ts)
{
  guint8 bytes[8];
  g_autofree char *encoded = NULL;

  for (guint i = 0; i < 8; i++)
    bytes[i] = (ts >> (8 * i)) & 0xff;
  encoded = g_base64_encode (bytes, sizeof bytes);
  g_string_append (out, encoded);
}

static void
append_transition_start (GString *out,
                         guint    start_query_set,
                         gint64   start_ts,
                         guint    end_query_set,
                         gint64   end_ts)
{
  g_string_append (out, "D {\"type\":\"Transition\",\"startVersion\":{\"querySet\":");
  g_string_append_printf (out, "%u,\"identity\":0,\"ts\":\"", start_query_set);
  append_ts (out, start_ts);
  g_string_append_printf (out, "\"},\"endVersion\":{\"querySet\":%u,\"identity\":0,\"ts\":\"",
                          end_query_set);
  append_ts (out, end_ts);
  g_string_append (out, "\"},\"modifications\":[");
}

/* Writes the transcript, one step a line: "S ARGS" subscribes to
 * messages:list, "O" opens the socket, "M ARGS" runs messages:send with an
 * optimistic update, and "D FRAME" delivers a server frame. The mutations
 * never get a response, so all N_PENDING updates stay pending. */
static void
write_transcript (FILE *file)
{
  g_autoptr(GString) line = g_string_new (NULL);

  for (guint q = 0; q < N_QUERIES; q++)
    fprintf (file, "S {\"channel\":\"c%03u\"}\n", q);
  fprintf (file, "O\n");

  append_transition_start (line, 0, 0, 1, 1);
  for (guint q = 0; q < N_QUERIES; q++)
    {
      if (q > 0)
        g_string_append_c (line, ',');
      append_update (line, q, 0);
    }
  fprintf (file, "%s]}\n", line->str);

  for (guint m = 0; m < N_PENDING; m++)
    fprintf (file, "M {\"body\":\"Draft %u\",\"channel\":\"c%03u\"}\n",
             m, (m * 5) % N_QUERIES);

  for (guint t = 0; t < N_TRANSITIONS; t++)
    {
      g_string_truncate (line, 0);
      append_transition_start (line, 1, t + 1, 1, t + 2);
      append_update (line, t % N_QUERIES, t / N_QUERIES + 1);
      fprintf (file, "%s]}\n", line->str);
    }
}

static char *
read_all (int fd)
{
  g_autoptr(GString) text = g_string_new (NULL);
  char buffer[4096];
  gssize count;

  while ((count = read (fd, buffer, sizeof buffer)) > 0 || (count < 0 && errno == EINTR))
    {
      if (count > 0)
        g_string_append_len (text, buffer, count);
    }

  return g_strstrip (g_string_free (g_steal_pointer (&text), FALSE));
}

/* Runs @argv to the end and measures it with the child's own rusage. */
static gboolean
measure (Measurement  *measurement,
         char        **argv)
{
  g_autoptr(GError) error = NULL;
  struct rusage usage;
  GPid pid;
  int out_fd;
  int status;

  if (!g_spawn_async_with_pipes (NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                 &pid, NULL, &out_fd, NULL, &error))
    {
      g_printerr ("%s: failed to start: %s\n", measurement->name, error->message);
      return FALSE;
    }

  measurement->output = read_all (out_fd);
  close (out_fd);
  while (wait4 (pid, &status, 0, &usage) < 0 && errno == EINTR)
    ;

  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      g_printerr ("%s: failed with status %d\n", measurement->name, status);
      return FALSE;
    }

  measurement->ran = TRUE;
  measurement->cpu_seconds = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
                             usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
  measurement->peak_mib = usage.ru_maxrss / 1024.0;  /* ru_maxrss is in KiB on Linux */
  return TRUE;
}

static void
print_row (const Measurement *measurement)
{
  if (!measurement->ran)
    return;

  g_print ("%-18s %10.3f %14.1f   %s\n", measurement->name, measurement->cpu_seconds,
           measurement->peak_mib, measurement->output);
}

/* Returns TRUE when both ran, agree on the result and app/core meets the
 * targets. */
static gboolean
compare (const Measurement *core,
         const Measurement *official)
{
  double cpu_ratio = official->cpu_seconds / MAX (core->cpu_seconds, 1e-6);
  double memory_ratio = official->peak_mib / MAX (core->peak_mib, 1e-6);
  size_t items_length = strcspn (core->output, " ");
  gboolean same_items = strncmp (core->output, official->output, items_length) == 0 &&
                        strcspn (official->output, " ") == items_length;

  g_print ("\nofficial / app/core: CPU time %.1fx, peak memory %.1fx (target: at least %.0fx each)\n",
           cpu_ratio, memory_ratio, TARGET_RATIO);

  if (!same_items)
    g_printerr ("The replays disagree on the visible items: “%s” and “%s”\n",
                core->output, official->output);

  return same_items && cpu_ratio >= TARGET_RATIO && memory_ratio >= TARGET_RATIO;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *dir = NULL;
  g_autofree char *transcript = NULL;
  g_autofree char *modules = NULL;
  Measurement core = { "app/core" };
  Measurement official = { "convex 1.48.0" };
  gboolean success;
  FILE *file;

  if (argc != 2 && argc != 5)
    {
      g_printerr ("Usage: bench-core REPLAY_CORE [NODE REPLAY_OFFICIAL_MJS NODE_MODULES_DIR]\n");
      return 2;
    }

  dir = g_dir_make_tmp ("chorus-bench-core-XXXXXX", NULL);
  transcript = g_build_filename (dir, "transcript.txt", NULL);
  file = fopen (transcript, "w");
  g_assert (file != NULL);
  write_transcript (file);
  fclose (file);

  g_print ("%u Transitions over %u queries of %u items, %u optimistic updates pending\n\n",
           N_TRANSITIONS, N_QUERIES, ITEMS_PER_QUERY, N_PENDING);
  g_print ("%-18s %10s %14s   %s\n", "client", "CPU (s)", "peak RSS (MiB)", "result");

  success = measure (&core, (char *[]) { argv[1], transcript, NULL });
  print_row (&core);

  if (argc == 5)
    modules = g_build_filename (argv[4], "convex", "package.json", NULL);
  if (modules == NULL || !g_file_test (modules, G_FILE_TEST_EXISTS))
    g_print ("%-18s skipped: convex is not installed; run npm ci in tests/conformance\n",
             official.name);
  else if (measure (&official, (char *[]) { argv[2], argv[3], transcript, argv[4], NULL }))
    print_row (&official);
  else
    success = FALSE;

  if (success && core.ran && official.ran)
    success = compare (&core, &official);

  g_unlink (transcript);
  g_rmdir (dir);

  return success ? 0 : 1;
}
