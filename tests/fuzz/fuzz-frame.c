/* fuzz-frame.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "fuzz-frame"

#include <stdint.h>

#include "chorus-value.h"

/* Feeds one input to the client's frame decoder, as a text frame. */
int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) frame = chorus_json_parse_frame (text, &error);

  g_assert ((frame == NULL) != (error == NULL));
  return 0;
}
