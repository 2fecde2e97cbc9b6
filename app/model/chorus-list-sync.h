/* chorus-list-sync.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Callbacks that tell chorus_list_sync() how items relate to entries.
 * An entry is whatever the caller builds items from, such as a JsonObject.
 */
typedef struct
{
  const char *(*get_key) (gpointer item);
  gpointer    (*create)  (const char *key,
                          gpointer    entry,
                          gpointer    user_data);
  void        (*update)  (gpointer    item,
                          gpointer    entry,
                          gpointer    user_data);
} ChorusListSyncFuncs;

void chorus_list_sync (GListModel                *model,
                       GPtrArray                 *items,
                       const char * const        *keys,
                       gpointer                  *entries,
                       guint                      n_entries,
                       const ChorusListSyncFuncs *funcs,
                       gpointer                   user_data);

G_END_DECLS
