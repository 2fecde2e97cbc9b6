/* chorus-db-private.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <sqlite3.h>

#include "chorus-db.h"

G_BEGIN_DECLS

struct _ChorusDb
{
  sqlite3 *handle;
  guint64  last_ts;
  /* The timestamp of the last savepoint released in the open group. */
  guint64  group_ts;
  GBytes  *journal_key;
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

gboolean      chorus_db_set_error            (ChorusDb      *self,
                                              GError       **error,
                                              const char    *what);
sqlite3_stmt *chorus_db_prepare              (ChorusDb      *self,
                                              const char    *sql,
                                              GError       **error);
gboolean      chorus_db_step_done            (ChorusDb      *self,
                                              sqlite3_stmt  *stmt,
                                              GError       **error);
double        chorus_db_ts_to_creation_time  (guint64        ts);
void          chorus_db_add_text_member      (JsonObject    *object,
                                              const char    *name,
                                              sqlite3_stmt  *stmt,
                                              int            column);

G_END_DECLS
