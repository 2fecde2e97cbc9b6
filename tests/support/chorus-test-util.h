/* chorus-test-util.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <glib/gstdio.h>

G_BEGIN_DECLS

/* How long a test waits for something that takes milliseconds when it
 * works. A slow sanitizer build on a busy machine still fits in it. */
#define CHORUS_TEST_TIMEOUT_SECONDS 20

static inline gboolean
chorus_test_wake_cb (gpointer user_data)
{
  return G_SOURCE_REMOVE;
}

/* Runs one round of the default main context, waking after 5 ms at most. */
static inline void
chorus_test_iterate (void)
{
  GSource *wake = g_timeout_source_new (5);

  g_source_set_callback (wake, chorus_test_wake_cb, NULL, NULL);
  g_source_attach (wake, NULL);
  g_main_context_iteration (NULL, TRUE);
  g_source_destroy (wake);
  g_source_unref (wake);
}

/* Lets the main loop run for @milliseconds, so that anything that should
 * not happen has had its chance to. */
static inline void
chorus_test_settle (guint milliseconds)
{
  gint64 end = g_get_monotonic_time () + milliseconds * 1000;

  while (g_get_monotonic_time () < end)
    chorus_test_iterate ();
}

#define chorus_assert_eventually(condition) \
  G_STMT_START { \
    gint64 _deadline = g_get_monotonic_time () + CHORUS_TEST_TIMEOUT_SECONDS * G_USEC_PER_SEC; \
    while (!(condition)) \
      { \
        if (g_get_monotonic_time () > _deadline) \
          g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, \
                               "timed out waiting for " #condition); \
        chorus_test_iterate (); \
      } \
  } G_STMT_END

/* Removes a temporary folder made with g_dir_make_tmp() and the files in
 * it. Sub-folders are not expected. */
static inline void
chorus_test_remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);

      g_unlink (file);
    }

  g_rmdir (path);
}

G_END_DECLS
