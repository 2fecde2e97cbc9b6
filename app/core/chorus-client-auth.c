/* chorus-client-auth.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-client"

#include "config.h"

#include <string.h>

#include "chorus-client-state.h"
#include "chorus-value.h"

/* Authentication: the Authenticate frames, the identity version that the
 * server confirms in Transitions, and the AuthError retries. The rules
 * follow the convex npm client 1.48.0. */

/* Fresh tokens fetched after AuthErrors before the client gives up. The
 * convex npm client sends its cached token and then three fresh ones. */
#define MAX_AUTH_RETRIES 3

/* How long before a token expires the client fetches the next one, and
 * the longest it waits, as in the convex npm client. */
#define REFRESH_LEEWAY_SECONDS 10
#define MAX_REFRESH_DELAY_SECONDS (20 * 24 * 60 * 60)

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
call_token_provider (ChorusClient *self,
                     gboolean      force_refresh)
{
  if (self->token_provider == NULL)
    return NULL;

  return self->token_provider (self, force_refresh, self->token_provider_data);
}

/* A callback that receives a fetched token and takes ownership of it. */
typedef void (*TokenReady) (ChorusClient *self,
                            char         *token);

typedef struct
{
  TokenReady ready;
  guint      generation;
} TokenRequest;

/* Returns TRUE, and opens the socket once the token is there, when a
 * socket would open while a ChorusTokenFetcher is fetching a token. */
gboolean
_chorus_client_hold_connect (ChorusClient *self)
{
  if (!self->token_pending)
    return FALSE;

  self->connect_after_token = TRUE;
  return TRUE;
}

static void
release_connect (ChorusClient *self)
{
  self->token_pending = FALSE;
  if (!self->connect_after_token)
    return;

  self->connect_after_token = FALSE;
  _chorus_client_connect (self);
}

static void
token_fetched_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  ChorusClient *self = CHORUS_CLIENT (source);
  g_autofree TokenRequest *request = user_data;
  g_autoptr(GError) error = NULL;
  char *token = g_task_propagate_pointer (G_TASK (result), &error);

  if (request->generation != self->auth_generation)
    {
      g_free (token);
      return;
    }

  if (error != NULL)
    g_warning ("Failed to fetch a token: %s", error->message);
  request->ready (self, token);
  release_connect (self);
}

/* Gets a token from the provider or the fetcher and hands it to @ready:
 * at once from a provider, later from a fetcher. */
static void
request_token (ChorusClient *self,
               gboolean      force_refresh,
               TokenReady    ready)
{
  g_autoptr(GTask) task = NULL;
  TokenRequest *request;

  if (self->token_fetcher == NULL)
    {
      ready (self, call_token_provider (self, force_refresh));
      return;
    }

  request = g_new (TokenRequest, 1);
  request->ready = ready;
  request->generation = self->auth_generation;
  self->token_pending = TRUE;

  task = g_task_new (self, NULL, token_fetched_cb, request);
  g_task_set_source_tag (task, request_token);
  self->token_fetcher (self, force_refresh, task, self->token_provider_data);
}

/* Makes @token the one to send. Returns FALSE, and frees @token, when it
 * is NULL or the same as the one before. */
static gboolean
take_new_token (ChorusClient *self,
                char         *token)
{
  if (token == NULL || g_strcmp0 (token, self->auth_token) == 0)
    {
      g_free (token);
      return FALSE;
    }

  g_free (self->auth_token);
  self->auth_token = token;
  self->token_fresh = TRUE;
  return TRUE;
}

/* Decodes the base64url payload of a JWT into its claims object. */
static JsonNode *
decode_claims (const char *part)
{
  g_autoptr(GString) padded = g_string_new (part);
  g_autofree guchar *bytes = NULL;
  g_autofree char *text = NULL;
  gsize length = 0;

  g_strdelimit (padded->str, "-", '+');
  g_strdelimit (padded->str, "_", '/');
  while (padded->len % 4 != 0)
    g_string_append_c (padded, '=');

  bytes = g_base64_decode (padded->str, &length);
  text = g_strndup ((const char *) bytes, length);
  if (strlen (text) != length || !g_utf8_validate (text, -1, NULL))
    return NULL;

  return json_from_string (text, NULL);
}

/* Returns the numeric claim @name, or 0 when it is missing or no number. */
static gint64
get_claim (JsonObject *claims,
           const char *name)
{
  JsonNode *claim = json_object_get_member (claims, name);
  GType type = claim ? json_node_get_value_type (claim) : G_TYPE_INVALID;

  if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
    return 0;

  return (gint64) json_node_get_double (claim);
}

/* Returns the lifetime of @token in seconds from its "iat" and "exp"
 * claims, or 0 when it is no JWT with both. */
gint64
_chorus_client_token_lifetime (const char *token)
{
  g_auto(GStrv) parts = g_strsplit (token, ".", 4);
  g_autoptr(JsonNode) claims = NULL;
  JsonObject *object;

  if (g_strv_length (parts) != 3)
    return 0;

  claims = decode_claims (parts[1]);
  if (claims == NULL || !JSON_NODE_HOLDS_OBJECT (claims))
    return 0;

  object = json_node_get_object (claims);
  if (get_claim (object, "iat") == 0)
    return 0;

  return get_claim (object, "exp") - get_claim (object, "iat");
}

static void
refreshed_token_ready (ChorusClient *self,
                       char         *token)
{
  if (token == NULL)
    {
      g_warning ("Failed to fetch a fresh token before the old one expires");
      _chorus_client_clear_token_provider (self);
      _chorus_client_send_authenticate (self);
      set_authenticated (self, FALSE);
      return;
    }

  if (take_new_token (self, token))
    _chorus_client_send_authenticate (self);
}

static gboolean
refresh_token_cb (gpointer user_data)
{
  ChorusClient *self = user_data;

  g_clear_pointer (&self->token_refresh_source, g_source_unref);
  request_token (self, TRUE, refreshed_token_ready);

  return G_SOURCE_REMOVE;
}

void
_chorus_client_cancel_token_refresh (ChorusClient *self)
{
  if (self->token_refresh_source == NULL)
    return;

  g_source_destroy (self->token_refresh_source);
  g_clear_pointer (&self->token_refresh_source, g_source_unref);
}

/* Plans the fetch of the next token REFRESH_LEEWAY_SECONDS before the
 * confirmed one expires, counting from when it was issued because the
 * two clocks may disagree. A token that is no JWT is never refreshed. */
static void
schedule_token_refresh (ChorusClient *self)
{
  gint64 lifetime = _chorus_client_token_lifetime (self->auth_token);
  gint64 delay;

  _chorus_client_cancel_token_refresh (self);
  if (lifetime <= 2)
    {
      g_debug ("The token has no JWT lifetime, so it will not be refreshed");
      return;
    }

  delay = CLAMP (lifetime - REFRESH_LEEWAY_SECONDS, 0, MAX_REFRESH_DELAY_SECONDS);
  self->token_refresh_source = g_timeout_source_new ((guint) delay * 1000);
  g_source_set_callback (self->token_refresh_source, refresh_token_cb, self, NULL);
  g_source_attach (self->token_refresh_source, self->context);
}

static void
fresh_token_ready (ChorusClient *self,
                   char         *token)
{
  if (take_new_token (self, token))
    _chorus_client_send_authenticate (self);
}

/* Looks at the identity versions of an applied Transition. An identity
 * that went up confirms the token that was sent last. A confirmed cached
 * token is followed at once by a fresh one, and a confirmed fresh one is
 * refreshed before it expires. */
void
_chorus_client_auth_transition (ChorusClient             *self,
                                const ChorusStateVersion *start,
                                const ChorusStateVersion *end)
{
  if (end->identity <= start->identity || !self->awaiting_auth)
    return;

  self->awaiting_auth = FALSE;
  self->auth_retries = 0;
  set_authenticated (self, TRUE);
  if (self->token_fresh)
    schedule_token_refresh (self);
  else
    request_token (self, TRUE, fresh_token_ready);
}

void
_chorus_client_clear_token_provider (ChorusClient *self)
{
  if (self->token_provider_destroy != NULL)
    self->token_provider_destroy (self->token_provider_data);

  self->token_provider = NULL;
  self->token_fetcher = NULL;
  self->token_provider_data = NULL;
  self->token_provider_destroy = NULL;
  self->token_fresh = FALSE;
  self->token_pending = FALSE;
  self->auth_generation++;
  g_clear_pointer (&self->auth_token, g_free);
  _chorus_client_cancel_token_refresh (self);
}

/* Goes on without a token, and reports it even when no token was ever
 * accepted. */
static void
give_up_auth (ChorusClient *self)
{
  _chorus_client_clear_token_provider (self);
  self->authenticated = TRUE;
  set_authenticated (self, FALSE);
}

static void
rejected_token_ready (ChorusClient *self,
                      char         *token)
{
  if (!take_new_token (self, token))
    give_up_auth (self);
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

  if (self->token_provider == NULL && self->token_fetcher == NULL)
    {
      g_warning ("Failed to authenticate: %s", message);
      return TRUE;
    }

  if (attempted != NULL && !json_node_get_boolean (attempted) && self->awaiting_auth)
    return TRUE;
  if (base != NULL && json_node_get_int (base) + 1 < self->identity_version)
    return TRUE;

  g_warning ("The server rejected the token: %s", message);
  if (self->auth_retries < MAX_AUTH_RETRIES)
    {
      self->auth_retries++;
      request_token (self, TRUE, rejected_token_ready);
    }
  else
    {
      give_up_auth (self);
    }

  /* With a fetcher, the new socket waits for the token. */
  self->restart_now = TRUE;
  _chorus_client_close_socket (self, NULL);

  return TRUE;
}

static void
first_token_ready (ChorusClient *self,
                   char         *token)
{
  g_free (self->auth_token);
  self->auth_token = token;
  if (token != NULL)
    _chorus_client_send_authenticate (self);
}

/**
 * chorus_client_set_auth:
 * @fetch_token: returns the token to send
 * @user_data: data for @fetch_token
 * @user_data_destroy: (nullable): frees @user_data when auth is cleared
 *
 * Authenticates the session with user tokens from @fetch_token. The token
 * is sent at once when connected, and on every new socket before the
 * query set. ChorusClient::auth-changed reports whether the server accepted it.
 */
void
chorus_client_set_auth (ChorusClient        *self,
                        ChorusTokenProvider  fetch_token,
                        gpointer             user_data,
                        GDestroyNotify       user_data_destroy)
{
  g_return_if_fail (CHORUS_IS_CLIENT (self));
  g_return_if_fail (fetch_token != NULL);

  _chorus_client_clear_token_provider (self);
  self->token_provider = fetch_token;
  self->token_provider_data = user_data;
  self->token_provider_destroy = user_data_destroy;
  self->auth_retries = 0;

  request_token (self, FALSE, first_token_ready);
  release_connect (self);
}

/**
 * chorus_client_set_auth_fetcher:
 * @fetch_token: fetches the token to send without blocking
 * @user_data: data for @fetch_token
 * @user_data_destroy: (nullable): frees @user_data when auth is cleared
 *
 * Authenticates the session with user tokens from @fetch_token, as
 * chorus_client_set_auth() does with a provider that blocks. Until the
 * first token is there, a new socket waits for it.
 */
void
chorus_client_set_auth_fetcher (ChorusClient       *self,
                                ChorusTokenFetcher  fetch_token,
                                gpointer            user_data,
                                GDestroyNotify      user_data_destroy)
{
  g_return_if_fail (CHORUS_IS_CLIENT (self));
  g_return_if_fail (fetch_token != NULL);

  _chorus_client_clear_token_provider (self);
  self->token_fetcher = fetch_token;
  self->token_provider_data = user_data;
  self->token_provider_destroy = user_data_destroy;
  self->auth_retries = 0;

  request_token (self, FALSE, first_token_ready);
}

/**
 * chorus_client_clear_auth:
 *
 * Drops the token provider and informs the server that the session has no
 * user any more. ChorusClient::auth-changed is not emitted, as in the
 * convex npm client.
 */
void
chorus_client_clear_auth (ChorusClient *self)
{
  g_return_if_fail (CHORUS_IS_CLIENT (self));

  _chorus_client_clear_token_provider (self);
  release_connect (self);
  _chorus_client_send_authenticate (self);
  self->authenticated = FALSE;
}

gboolean
chorus_client_is_authenticated (ChorusClient *self)
{
  g_return_val_if_fail (CHORUS_IS_CLIENT (self), FALSE);

  return self->authenticated;
}
