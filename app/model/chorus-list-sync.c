/* chorus-list-sync.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-list-sync"

#include "config.h"

#include <string.h>

#include "chorus-list-sync.h"

/*
 * Turning one list of keyed items into another with as few items-changed
 * emissions as possible. Items whose key stays keep their object and are
 * updated in place, so a list view neither rebuilds their rows nor jumps.
 *
 * The steps: remove the items whose key is gone, one emission for each
 * contiguous run; lift out the items that changed order; then insert the
 * new and lifted items, again one emission for each run. Lifted items are
 * reused, so even a move keeps the object.
 */

typedef struct
{
  GListModel                *model;
  GPtrArray                 *items;
  GHashTable                *wanted;  /* key → position + 1 among the entries */
  GHashTable                *lifted;  /* key → item removed for a move */
  const ChorusListSyncFuncs *funcs;
  gpointer                   user_data;
} SyncState;

static guint
wanted_position (SyncState *state,
                 gpointer   item)
{
  const char *key = state->funcs->get_key (item);

  return GPOINTER_TO_UINT (g_hash_table_lookup (state->wanted, key));
}

static void
remove_range (SyncState *state,
              guint      position,
              guint      n_removed,
              gboolean   lift)
{
  for (guint i = 0; lift && i < n_removed; i++)
    {
      gpointer item = g_ptr_array_index (state->items, position + i);

      g_hash_table_insert (state->lifted,
                           (gpointer)state->funcs->get_key (item),
                           g_object_ref (item));
    }

  g_ptr_array_remove_range (state->items, position, n_removed);
  g_list_model_items_changed (state->model, position, n_removed, 0);
}

static void
remove_unwanted (SyncState *state)
{
  guint i = state->items->len;

  while (i > 0)
    {
      guint end = i;

      while (i > 0 && wanted_position (state, g_ptr_array_index (state->items, i - 1)) == 0)
        i--;

      if (i < end)
        remove_range (state, i, end - i, FALSE);
      else
        i--;
    }
}

/* Items that would have to move are taken out from the first one that is
 * out of order. Moves are rare: the server keeps commit order. */
static void
lift_out_of_order (SyncState *state)
{
  guint previous = 0;

  for (guint i = 0; i < state->items->len; i++)
    {
      guint position = wanted_position (state, g_ptr_array_index (state->items, i));

      if (position < previous)
        {
          guint start = i > 0 ? i - 1 : 0;

          remove_range (state, start, state->items->len - start, TRUE);
          return;
        }

      previous = position;
    }
}

static gpointer
take_or_create (SyncState  *state,
                const char *key,
                gpointer    entry)
{
  gpointer item = NULL;

  if (g_hash_table_steal_extended (state->lifted, key, NULL, &item))
    {
      if (entry != NULL)
        state->funcs->update (item, entry, state->user_data);
      return item;
    }

  return state->funcs->create (key, entry, state->user_data);
}

static gboolean
item_has_key (SyncState  *state,
              guint       position,
              const char *key)
{
  if (position >= state->items->len)
    return FALSE;

  return strcmp (state->funcs->get_key (g_ptr_array_index (state->items, position)), key) == 0;
}

static void
insert_and_update (SyncState          *state,
                   const char * const *keys,
                   gpointer           *entries,
                   guint               n_entries)
{
  guint position = 0;
  guint run_start = 0;
  guint run_length = 0;

  for (guint j = 0; j < n_entries; j++)
    {
      /* A repeated key is shown once, at its first place. */
      if (GPOINTER_TO_UINT (g_hash_table_lookup (state->wanted, keys[j])) != j + 1)
        continue;

      if (item_has_key (state, position, keys[j]))
        {
          if (run_length > 0)
            g_list_model_items_changed (state->model, run_start, 0, run_length);
          run_length = 0;

          if (entries[j] != NULL)
            state->funcs->update (g_ptr_array_index (state->items, position), entries[j], state->user_data);
          position++;
          continue;
        }

      if (run_length == 0)
        run_start = position;
      g_ptr_array_insert (state->items, position, take_or_create (state, keys[j], entries[j]));
      position++;
      run_length++;
    }

  if (run_length > 0)
    g_list_model_items_changed (state->model, run_start, 0, run_length);
}

/**
 * chorus_list_sync:
 * @model: the model that owns @items, which emits items-changed
 * @items: (element-type GObject): the model's items, with a free function
 * @keys: (array length=n_entries): the key of each entry, in the new order
 * @entries: (array length=n_entries): the new entries; a %NULL entry keeps
 *   the existing item with that key as it is
 * @n_entries: the number of entries
 * @funcs: how to read keys and make and update items
 * @user_data: passed to @funcs
 *
 * Makes @items follow @keys, emitting a minimal run of items-changed.
 */
void
chorus_list_sync (GListModel                *model,
                  GPtrArray                 *items,
                  const char * const        *keys,
                  gpointer                  *entries,
                  guint                      n_entries,
                  const ChorusListSyncFuncs *funcs,
                  gpointer                   user_data)
{
  g_autoptr(GHashTable) wanted = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) lifted = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);
  SyncState state = { model, items, wanted, lifted, funcs, user_data };

  g_return_if_fail (G_IS_LIST_MODEL (model));
  g_return_if_fail (items != NULL);

  for (guint i = 0; i < n_entries; i++)
    if (!g_hash_table_contains (wanted, keys[i]))
      g_hash_table_insert (wanted, (gpointer)keys[i], GUINT_TO_POINTER (i + 1));

  remove_unwanted (&state);
  lift_out_of_order (&state);
  insert_and_update (&state, keys, entries, n_entries);
}
