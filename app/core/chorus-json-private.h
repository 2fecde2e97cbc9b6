/* chorus-json-private.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "chorus-value.h"

G_BEGIN_DECLS

/* The state of the strict frame reader in chorus-json.c, which the row
 * cache in chorus-json-cache.c reads rows with. */
typedef struct
{
  const char  *p;
  const char  *start;
  guint        depth;
  guint        max_depth;
  gboolean     build;      /* FALSE to only check the text */
  GString     *scratch;
  GError     **error;
  ChorusJsonCache *cache;  /* or NULL */
} ChorusJsonReader;

/* chorus-json.c */
gboolean _chorus_json_read_value      (ChorusJsonReader  *r,
                                       JsonNode         **node);
gboolean _chorus_json_fail            (ChorusJsonReader  *r,
                                       const char        *message);
gboolean _chorus_json_open_container  (ChorusJsonReader  *r,
                                       char               close);
gboolean _chorus_json_read_separator  (ChorusJsonReader  *r,
                                       char               close,
                                       gboolean          *done);

/* chorus-json-cache.c */
gboolean _chorus_json_takes_cached_rows (ChorusJsonReader  *r,
                                         const char        *key,
                                         gint64             query_id);
gboolean _chorus_json_read_cached_rows  (ChorusJsonReader  *r,
                                         gint64             query_id,
                                         JsonNode         **node);
void     _chorus_json_note_query_id     (ChorusJsonReader  *r,
                                         const char        *key,
                                         JsonNode          *member,
                                         gint64            *query_id);
void     _chorus_json_cache_begin_frame (ChorusJsonCache   *cache);

G_END_DECLS
