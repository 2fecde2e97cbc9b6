/* chorus-paginated-query.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "chorus-client.h"

G_BEGIN_DECLS

typedef enum
{
  CHORUS_PAGINATION_LOADING_FIRST_PAGE,
  CHORUS_PAGINATION_CAN_LOAD_MORE,
  CHORUS_PAGINATION_LOADING_MORE,
  CHORUS_PAGINATION_EXHAUSTED,
} ChorusPaginationStatus;

#define CHORUS_TYPE_PAGINATED_QUERY (chorus_paginated_query_get_type ())

G_DECLARE_FINAL_TYPE (ChorusPaginatedQuery, chorus_paginated_query, CHORUS, PAGINATED_QUERY, GObject)

/*
 * A paginated query as the convex npm client's PaginatedQueryClient runs
 * it: each page is an ordinary subscription to the query with the
 * caller's arguments plus "paginationOpts" {cursor, numItems, id}, and
 * the results are the pages joined in order. The "changed" signal is
 * emitted when a page changed, a page was added, or pages were split.
 */

ChorusPaginatedQuery   *chorus_paginated_query_new          (ChorusClient         *client,
                                                             const char           *udf_path,
                                                             JsonNode             *args,
                                                             guint                 initial_num_items,
                                                             gint64                id);

gboolean                chorus_paginated_query_load_more    (ChorusPaginatedQuery *self,
                                                             guint                 num_items);
ChorusPaginationStatus  chorus_paginated_query_get_status   (ChorusPaginatedQuery *self);
JsonNode               *chorus_paginated_query_dup_results  (ChorusPaginatedQuery *self,
                                                             GError              **error);
gint64                  chorus_paginated_query_get_id       (ChorusPaginatedQuery *self);

G_END_DECLS
