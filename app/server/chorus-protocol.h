/* chorus-protocol.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Helpers for the wire format of the Convex sync protocol. */

char     *chorus_protocol_encode_ts          (guint64      ts);
gboolean  chorus_protocol_decode_ts          (const char  *text,
                                              guint64     *out_ts);
char     *chorus_protocol_canonicalize_path  (const char  *udf_path);
char     *chorus_protocol_dup_close_reason   (const char  *reason);
char     *chorus_protocol_find_nul           (const char  *text,
                                              gsize        length);

gboolean  chorus_protocol_get_u32            (JsonObject  *object,
                                              const char  *name,
                                              guint32     *out_value,
                                              GError     **error);
gboolean  chorus_protocol_get_string         (JsonObject  *object,
                                              const char  *name,
                                              gboolean     required,
                                              const char **out_value,
                                              GError     **error);
gboolean  chorus_protocol_get_array          (JsonObject  *object,
                                              const char  *name,
                                              JsonArray  **out_value,
                                              GError     **error);
gboolean  chorus_protocol_get_args           (JsonObject  *object,
                                              JsonObject **out_args,
                                              GError     **error);

G_END_DECLS
