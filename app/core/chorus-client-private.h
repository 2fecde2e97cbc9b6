/* chorus-client-private.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "chorus-client.h"

G_BEGIN_DECLS

char *_chorus_client_build_sync_url       (const char         *url,
                                           GError            **error);
void _chorus_client_error_set_data         (GError             *error,
                                            JsonNode           *data);
void _chorus_client_release_subscription   (ChorusClient       *self,
                                            ChorusSubscription *subscription);

/* For tests, so they need not wait for the real intervals. */
void _chorus_client_set_backoff            (ChorusClient       *self,
                                            guint               client_initial_ms,
                                            guint               server_initial_ms,
                                            guint               max_ms);
void _chorus_client_set_inactivity_timeout (ChorusClient       *self,
                                            guint               timeout_ms);
guint _chorus_client_get_retries           (ChorusClient       *self);
gint64 _chorus_client_token_lifetime       (const char         *token);

G_END_DECLS
