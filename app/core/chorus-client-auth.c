/* chorus-client-auth.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-client"

#include "config.h"

#include "chorus-client-state.h"
#include "chorus-value.h"

/* Authentication: the Authenticate frames, the identity version that the
 * server confirms in Transitions, and the AuthError retries. The rules
 * follow the convex npm client 1.48.0. */

/* Fresh tokens fetched after AuthErrors before the client gives up. The
 * convex npm client sends its cached token and then three fresh ones. */
#define MAX_AUTH_RETRIES 3

static void
set_authenticated (ChorusClient *self,
                   gboolean      authenticated)
{
  if (self->authenticated == authenticated)
    return;

  self->authenticated = authenticated;
  g_signal_emit_by_name (self, "auth-changed", authenticated);
}

/* Sends an Authenticate frame for the current token, or a "None" one when
 * there is no token, and advances the identity version. */
void
_chorus_client_send_authenticate (ChorusClient *self)
{
  g_autoptr(GString) frame = g_string_new ("{\"type\":\"Authenticate\",\"tokenType\":");

  g_assert (CHORUS_IS_CLIENT (self));

  if (self->auth_token != NULL)
    {
      g_string_append (frame, "\"User\",\"value\":");
      chorus_value_write_string (frame, self->auth_token);
    }
  else
    {
      g_string_append (frame, "\"None\"");
    }
  g_string_append_printf (frame, ",\"baseVersion\":%u}", self->identity_version);

  if (self->state != CHORUS_CONNECTION_CONNECTED)
    return;

  self->identity_version++;
  self->awaiting_auth = self->auth_token != NULL;
  _chorus_client_send_text (self, frame->str);
}

/* Called on every new socket, between Connect and ModifyQuerySet. */
void
_chorus_client_auth_socket_opened (ChorusClient *self)
{
  self->identity_version = 0;
  self->awaiting_auth = FALSE;

  if (self->auth_token != NULL)
    _chorus_client_send_authenticate (self);
}

static char *
fetch_token (ChorusClient *self,
             gboolean      force_refresh)
{
  if (self->token_provider == NULL)
    return NULL;

  return self->token_provider (self, force_refresh, self->token_provider_data);
}

/* Looks at the identity versions of an applied Transition. An identity
 * that went up confirms the token that was sent last. */
void
_chorus_client_auth_transition (ChorusClient             *self,
                                const ChorusStateVersion *start,
                                const ChorusStateVersion *end)
{
  g_autofree char *token = NULL;

  if (end->identity <= start->identity || !self->awaiting_auth)
    return;

  self->awaiting_auth = FALSE;
  self->auth_retries = 0;
  set_authenticated (self, TRUE);

  token = fetch_token (self, TRUE);
  if (token == NULL || g_strcmp0 (token, self->auth_token) == 0)
    return;

  g_free (self->auth_token);
  self->auth_token = g_steal_pointer (&token);
  _chorus_client_send_authenticate (self);
}

void
_chorus_client_clear_token_provider (ChorusClient *self)
{
  if (self->token_provider_destroy != NULL)
    self->token_provider_destroy (self->token_provider_data);

  self->token_provider = NULL;
  self->token_provider_data = NULL;
  self->token_provider_destroy = NULL;
  g_clear_pointer (&self->auth_token, g_free);
}

/* Fetches a fresh token after the server rejected one. Returns FALSE when
 * the client should go on without a token. */
static gboolean
refresh_rejected_token (ChorusClient *self)
{
  g_autofree char *token = NULL;

  if (self->auth_retries >= MAX_AUTH_RETRIES)
    return FALSE;

  self->auth_retries++;
  token = fetch_token (self, TRUE);
  if (token == NULL || g_strcmp0 (token, self->auth_token) == 0)
    return FALSE;

  g_free (self->auth_token);
  self->auth_token = g_steal_pointer (&token);
  return TRUE;
}

/* Handles an AuthError. The server closes the session after it, so the
 * client opens a new socket at once, with a fresh token or without any. */
gboolean
_chorus_client_handle_auth_error (ChorusClient  *self,
                                  JsonObject    *frame,
                                  GError       **error)
{
  JsonNode *attempted = json_object_get_member (frame, "authUpdateAttempted");
  JsonNode *base = json_object_get_member (frame, "baseVersion");
  const char *message = json_object_get_string_member_with_default (frame, "error", "");

  if (self->token_provider == NULL)
    {
      g_warning ("Failed to authenticate: %s", message);
      return TRUE;
    }

  if (attempted != NULL && !json_node_get_boolean (attempted) && self->awaiting_auth)
    return TRUE;
  if (base != NULL && json_node_get_int (base) + 1 < self->identity_version)
    return TRUE;

  g_warning ("The server rejected the token: %s", message);
  if (!refresh_rejected_token (self))
    {
      /* Giving up is reported even when no token was ever accepted. */
      _chorus_client_clear_token_provider (self);
      self->authenticated = TRUE;
      set_authenticated (self, FALSE);
    }

  self->restart_now = TRUE;
  _chorus_client_close_socket (self, NULL);

  return TRUE;
}
