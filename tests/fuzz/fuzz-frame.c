/* fuzz-frame.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "fuzz-frame"

#include <stdint.h>

#include "chorus-value.h"

/* Feeds one input to the client's frame decoder, as a text frame: once
 * plainly, then twice through a row cache, as the client reads a query's
 * results. All three must agree. */
int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) frame = chorus_json_parse_frame (text, NULL, &error);
  ChorusJsonCache *cache = chorus_json_cache_new ();

  g_assert ((frame == NULL) != (error == NULL));
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GError) cached_error = NULL;
      g_autoptr(JsonNode) cached = chorus_json_parse_frame (text, cache, &cached_error);

      g_assert ((cached == NULL) == (frame == NULL));
      g_assert (frame == NULL || chorus_value_equal (cached, frame));
    }

  chorus_json_cache_free (cache);
  return 0;
}
