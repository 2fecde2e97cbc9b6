/* chorus-functions.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "chorus-args.h"
#include "chorus-db.h"

G_BEGIN_DECLS

/*
 * One run of a chat function.
 *
 * Queries add what they read to @deps and mutations add what they wrote,
 * both as dependency keys: "channels" for the channel table,
 * "messages/<channel id>" for one channel's existing messages and
 * "messages/<channel id>/newest" for the messages that are sent to it.
 * A subscription has to run again after a commit when the two sets meet.
 *
 * @user is the authenticated user name, or NULL when the server runs
 * without tokens; then messages:send takes its author from the arguments.
 * @journal is the query's journal in the sense of the Convex protocol:
 * messages:page stores the end of its first run there and keeps it on
 * later runs, so that pages stay gapless while messages arrive.
 */
typedef struct
{
  ChorusDb   *db;
  const char *user;
  guint64     ts;
  GHashTable *deps;
  char       *journal;
} ChorusCall;

JsonNode *chorus_functions_run_query      (ChorusCall  *call,
                                           const char  *udf_path,
                                           JsonObject  *args,
                                           GError     **error);
JsonNode *chorus_functions_run_mutation   (ChorusCall  *call,
                                           const char  *udf_path,
                                           JsonObject  *args,
                                           GError     **error);
gboolean  chorus_functions_sets_intersect (GHashTable  *reads,
                                           GHashTable  *writes);

G_END_DECLS
