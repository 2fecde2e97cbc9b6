/* chorus-functions.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "chorus-db.h"

G_BEGIN_DECLS

#define CHORUS_FUNCTION_ERROR (chorus_function_error_quark ())

typedef enum
{
  CHORUS_FUNCTION_ERROR_UNKNOWN_FUNCTION,
  CHORUS_FUNCTION_ERROR_INVALID_ARGUMENT,
  CHORUS_FUNCTION_ERROR_NOT_FOUND,
} ChorusFunctionError;

/*
 * The chat functions. Queries add what they read to @reads and mutations
 * add what they wrote to @writes, both as dependency keys: "channels" for
 * the channel table and "messages/<channel id>" for one channel's messages.
 * A subscription has to run again after a commit when the two sets meet.
 */

GQuark    chorus_function_error_quark     (void);

JsonNode *chorus_functions_run_query      (ChorusDb    *db,
                                           const char  *udf_path,
                                           JsonObject  *args,
                                           GHashTable  *reads,
                                           GError     **error);
JsonNode *chorus_functions_run_mutation   (ChorusDb    *db,
                                           const char  *udf_path,
                                           JsonObject  *args,
                                           guint64      ts,
                                           GHashTable  *writes,
                                           GError     **error);
gboolean  chorus_functions_sets_intersect (GHashTable  *reads,
                                           GHashTable  *writes);

G_END_DECLS
