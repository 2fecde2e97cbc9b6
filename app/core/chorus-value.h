/* chorus-value.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The deepest nesting of arrays and objects accepted in a frame. */
#define CHORUS_MAX_JSON_DEPTH 64

char     *chorus_encoded_ts_encode        (gint64       ts);
gboolean  chorus_encoded_ts_decode        (const char  *text,
                                           gint64      *ts);

char     *chorus_canonical_udf_path       (const char  *udf_path);
char     *chorus_query_token              (const char  *canonical_path,
                                           JsonNode    *args);

void      chorus_value_write_string       (GString     *out,
                                           const char  *str);
void      chorus_value_write_canonical    (GString     *out,
                                           JsonNode    *node);
char     *chorus_value_to_canonical_string (JsonNode   *node);
JsonNode *chorus_value_dup_sealed         (JsonNode    *node);
JsonNode *chorus_value_dup_args           (JsonNode    *args);
gboolean  chorus_value_equal              (JsonNode    *a,
                                           JsonNode    *b);

gboolean  chorus_json_check_text          (const char  *text,
                                           guint        max_depth,
                                           GError     **error);
typedef struct _ChorusJsonCache ChorusJsonCache;

JsonNode *chorus_json_parse_frame         (const char  *text,
                                           ChorusJsonCache *cache,
                                           GError     **error);
ChorusJsonCache *chorus_json_cache_new    (void);
void      chorus_json_cache_free          (ChorusJsonCache *cache);
void      chorus_json_cache_clear         (ChorusJsonCache *cache);
char     *chorus_json_cache_take_text     (ChorusJsonCache *cache,
                                           JsonNode    *value,
                                           gboolean    *checked);
void      chorus_json_cache_forget_query  (ChorusJsonCache *cache,
                                           guint        query_id);

gboolean  chorus_value_check              (JsonNode    *node,
                                           GError     **error);
JsonNode *chorus_value_new_int64          (gint64       value);
gboolean  chorus_value_get_int64          (JsonNode    *node,
                                           gint64      *value);
JsonNode *chorus_value_new_float          (double       value);
gboolean  chorus_value_get_float          (JsonNode    *node,
                                           double      *value);
JsonNode *chorus_value_new_bytes          (GBytes      *bytes);
GBytes   *chorus_value_dup_bytes          (JsonNode    *node);

G_END_DECLS
