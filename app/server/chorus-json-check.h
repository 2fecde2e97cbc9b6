/* chorus-json-check.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The deepest nesting of objects and arrays a frame may have. Chat frames
 * need fewer than ten levels. */
#define CHORUS_JSON_MAX_DEPTH 64

#define CHORUS_JSON_CHECK_ERROR (chorus_json_check_error_quark ())

GQuark   chorus_json_check_error_quark (void);

gboolean chorus_json_check             (const char  *text,
                                        gsize        length,
                                        GError     **error);

G_END_DECLS
