/* chorus-subscription.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-subscription"

#include "config.h"

#include "chorus-client-private.h"
#include "chorus-subscription-private.h"
#include "chorus-value.h"

struct _ChorusSubscription
{
  GObject       parent_instance;

  /* Owned references */
  ChorusClient *client;
  char         *token;
  char         *udf_path;
  JsonNode     *args;
  JsonNode     *value;
  GError       *error;
};

enum {
  CHANGED,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (ChorusSubscription, chorus_subscription, G_TYPE_OBJECT)

static guint signals [N_SIGNALS];

static void
chorus_subscription_finalize (GObject *object)
{
  ChorusSubscription *self = (ChorusSubscription *)object;

  _chorus_client_release_subscription (self->client, self);

  g_clear_object (&self->client);
  g_clear_pointer (&self->token, g_free);
  g_clear_pointer (&self->udf_path, g_free);
  g_clear_pointer (&self->args, json_node_unref);
  g_clear_pointer (&self->value, json_node_unref);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (chorus_subscription_parent_class)->finalize (object);
}

static void
chorus_subscription_class_init (ChorusSubscriptionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = chorus_subscription_finalize;

  /**
   * ChorusSubscription::changed:
   *
   * Emitted when the visible value of the query changed by value, or when
   * it became loading or failed.
   */
  signals [CHANGED] =
    g_signal_new ("changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
chorus_subscription_init (ChorusSubscription *self)
{
}

ChorusSubscription *
_chorus_subscription_new (ChorusClient *client,
                          const char   *token,
                          const char   *udf_path,
                          JsonNode     *args)
{
  ChorusSubscription *self;

  g_assert (CHORUS_IS_CLIENT (client));

  self = g_object_new (CHORUS_TYPE_SUBSCRIPTION, NULL);
  self->client = g_object_ref (client);
  self->token = g_strdup (token);
  self->udf_path = g_strdup (udf_path);
  self->args = json_node_ref (args);

  return self;
}

const char *
_chorus_subscription_get_token (ChorusSubscription *self)
{
  g_assert (CHORUS_IS_SUBSCRIPTION (self));

  return self->token;
}

static gboolean
errors_equal (const GError *a,
              const GError *b)
{
  if (a == NULL || b == NULL)
    return a == b;

  return g_error_matches (a, b->domain, b->code) &&
         g_strcmp0 (a->message, b->message) == 0;
}

/* Stores the new visible state and returns whether it differs by value
 * from the previous one. The caller emits "changed" afterwards, once every
 * subscription stores its new state. */
gboolean
_chorus_subscription_update (ChorusSubscription *self,
                             JsonNode           *value,
                             const GError       *error)
{
  gboolean changed;

  g_assert (CHORUS_IS_SUBSCRIPTION (self));

  changed = !chorus_value_equal (self->value, value) ||
            !errors_equal (self->error, error);

  g_clear_pointer (&self->value, json_node_unref);
  g_clear_error (&self->error);
  self->value = value ? json_node_ref (value) : NULL;
  self->error = error ? g_error_copy (error) : NULL;

  return changed;
}

void
_chorus_subscription_emit_changed (ChorusSubscription *self)
{
  g_assert (CHORUS_IS_SUBSCRIPTION (self));

  g_signal_emit (self, signals [CHANGED], 0);
}

/**
 * chorus_subscription_get_udf_path:
 *
 * Returns: the canonical function path of the query
 */
const char *
chorus_subscription_get_udf_path (ChorusSubscription *self)
{
  g_return_val_if_fail (CHORUS_IS_SUBSCRIPTION (self), NULL);

  return self->udf_path;
}

/**
 * chorus_subscription_get_args:
 *
 * Returns: (transfer none): the sealed arguments object of the query
 */
JsonNode *
chorus_subscription_get_args (ChorusSubscription *self)
{
  g_return_val_if_fail (CHORUS_IS_SUBSCRIPTION (self), NULL);

  return self->args;
}

/**
 * chorus_subscription_get_value:
 *
 * Returns: (transfer none) (nullable): the sealed visible value, or NULL
 *   while the query is loading or failed. It stays valid until the next
 *   "changed" emission. Take a reference to use it longer.
 */
JsonNode *
chorus_subscription_get_value (ChorusSubscription *self)
{
  g_return_val_if_fail (CHORUS_IS_SUBSCRIPTION (self), NULL);

  return self->value;
}

/**
 * chorus_subscription_get_error:
 *
 * Returns: (transfer none) (nullable): the query's failure, a
 *   %CHORUS_CLIENT_ERROR_QUERY_FAILED error with the server's message
 */
const GError *
chorus_subscription_get_error (ChorusSubscription *self)
{
  g_return_val_if_fail (CHORUS_IS_SUBSCRIPTION (self), NULL);

  return self->error;
}

gboolean
chorus_subscription_is_loading (ChorusSubscription *self)
{
  g_return_val_if_fail (CHORUS_IS_SUBSCRIPTION (self), FALSE);

  return self->value == NULL && self->error == NULL;
}
