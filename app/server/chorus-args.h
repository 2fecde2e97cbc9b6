/* chorus-args.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define CHORUS_FUNCTION_ERROR (chorus_function_error_quark ())

typedef enum
{
  CHORUS_FUNCTION_ERROR_UNKNOWN_FUNCTION,
  CHORUS_FUNCTION_ERROR_INVALID_ARGUMENT,
  CHORUS_FUNCTION_ERROR_NOT_FOUND,
  CHORUS_FUNCTION_ERROR_FORBIDDEN,
  CHORUS_FUNCTION_ERROR_UNAUTHENTICATED,
  CHORUS_FUNCTION_ERROR_RATE_LIMITED,
} ChorusFunctionError;

/* Limits on the chat functions' arguments, in Unicode characters. */
#define CHORUS_CHANNEL_NAME_MAX_LENGTH 80
#define CHORUS_AUTHOR_MAX_LENGTH 80
#define CHORUS_CLIENT_ID_MAX_LENGTH 128
#define CHORUS_BODY_MAX_LENGTH 4000
#define CHORUS_PAGE_MAX_ITEMS 1000

/*
 * Argument checks shared by the chat functions. Every error they set is
 * CHORUS_FUNCTION_ERROR_INVALID_ARGUMENT with a message that starts
 * "Invalid argument 'FIELD':", which chorus_args_error_data() relies on.
 */

GQuark     chorus_function_error_quark    (void);

gboolean   chorus_args_check_names        (JsonObject          *args,
                                           const char * const  *names,
                                           GError             **error);
gboolean   chorus_args_get_string         (JsonObject          *args,
                                           const char          *name,
                                           gboolean             required,
                                           const char         **out_value,
                                           GError             **error);
gboolean   chorus_args_check_text         (const char          *name,
                                           const char          *value,
                                           glong                max_length,
                                           GError             **error);
gboolean   chorus_args_check_channel_name (const char          *name,
                                           GError             **error);
gboolean   chorus_args_get_pagination     (JsonObject          *args,
                                           gint64              *out_cursor,
                                           gint64              *out_end_cursor,
                                           guint               *out_num_items,
                                           GError             **error);
JsonNode  *chorus_args_error_data         (const GError        *error);

G_END_DECLS
