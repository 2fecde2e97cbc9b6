/* chorus-message.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-message"

#include "config.h"

#include "chorus-message.h"

/*
 * One chat message, from the moment it is sent to the moment the server
 * confirms it and after. The list keeps the same object for the whole
 * life of a message, so a confirmation is a property change, never a
 * removal and an insertion.
 */
struct _ChorusMessage
{
  GObject parent_instance;

  char *id;
  char *client_id;
  char *channel;
  char *author;
  char *body;
  char *error;
  gint64 created;
  ChorusMessageState state;
  guint starts_group : 1;
  guint starts_day : 1;
  guint edited : 1;
};

enum {
  PROP_0,
  PROP_ID,
  PROP_CLIENT_ID,
  PROP_CHANNEL,
  PROP_AUTHOR,
  PROP_BODY,
  PROP_CREATED,
  PROP_STATE,
  PROP_ERROR,
  PROP_STARTS_GROUP,
  PROP_STARTS_DAY,
  PROP_EDITED,
  N_PROPS
};

G_DEFINE_ENUM_TYPE (ChorusMessageState, chorus_message_state,
                    G_DEFINE_ENUM_VALUE (CHORUS_MESSAGE_PENDING, "pending"),
                    G_DEFINE_ENUM_VALUE (CHORUS_MESSAGE_CONFIRMED, "confirmed"),
                    G_DEFINE_ENUM_VALUE (CHORUS_MESSAGE_FAILED, "failed"))

G_DEFINE_FINAL_TYPE (ChorusMessage, chorus_message, G_TYPE_OBJECT)

static GParamSpec *properties [N_PROPS];

/* g_set_str() arrived in GLib 2.76, after the version we build on. */
static gboolean
replace_str (char       **field,
             const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;

  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static gboolean
set_str_property (ChorusMessage  *self,
                  char          **field,
                  const char     *value,
                  guint           prop_id)
{
  if (!replace_str (field, value))
    return FALSE;

  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
  return TRUE;
}

static const char *
get_member_string (JsonObject *object,
                   const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static void
chorus_message_finalize (GObject *object)
{
  ChorusMessage *self = (ChorusMessage *)object;

  g_free (self->id);
  g_free (self->client_id);
  g_free (self->channel);
  g_free (self->author);
  g_free (self->body);
  g_free (self->error);

  G_OBJECT_CLASS (chorus_message_parent_class)->finalize (object);
}

static void
chorus_message_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ChorusMessage *self = CHORUS_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;

    case PROP_CLIENT_ID:
      g_value_set_string (value, self->client_id);
      break;

    case PROP_CHANNEL:
      g_value_set_string (value, self->channel);
      break;

    case PROP_AUTHOR:
      g_value_set_string (value, self->author);
      break;

    case PROP_BODY:
      g_value_set_string (value, self->body);
      break;

    case PROP_CREATED:
      g_value_set_int64 (value, self->created);
      break;

    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;

    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;

    case PROP_STARTS_GROUP:
      g_value_set_boolean (value, self->starts_group);
      break;

    case PROP_STARTS_DAY:
      g_value_set_boolean (value, self->starts_day);
      break;

    case PROP_EDITED:
      g_value_set_boolean (value, self->edited);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chorus_message_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  ChorusMessage *self = CHORUS_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_STATE:
      chorus_message_set_state (self, g_value_get_enum (value));
      break;

    case PROP_ERROR:
      chorus_message_set_error (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
string_pspec (const char *name)
{
  return g_param_spec_string (name, NULL, NULL, NULL,
                              (G_PARAM_READABLE |
                               G_PARAM_EXPLICIT_NOTIFY |
                               G_PARAM_STATIC_STRINGS));
}

static void
chorus_message_class_init (ChorusMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = chorus_message_finalize;
  object_class->get_property = chorus_message_get_property;
  object_class->set_property = chorus_message_set_property;

  /* The server's _id once confirmed; the temporary client id before. */
  properties[PROP_ID] = string_pspec ("id");
  properties[PROP_CLIENT_ID] = string_pspec ("client-id");
  properties[PROP_CHANNEL] = string_pspec ("channel");
  properties[PROP_AUTHOR] = string_pspec ("author");
  properties[PROP_BODY] = string_pspec ("body");

  /* Milliseconds since the epoch. A pending message has the sender's
   * clock here, for display only. */
  properties[PROP_CREATED] =
    g_param_spec_int64 ("created", NULL, NULL,
                        0, G_MAXINT64, 0,
                        (G_PARAM_READABLE |
                         G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS));

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       CHORUS_TYPE_MESSAGE_STATE,
                       CHORUS_MESSAGE_PENDING,
                       (G_PARAM_READWRITE |
                        G_PARAM_EXPLICIT_NOTIFY |
                        G_PARAM_STATIC_STRINGS));

  /* Why the last send failed, while the state is failed. */
  properties[PROP_ERROR] =
    g_param_spec_string ("error", NULL, NULL, NULL,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /* Whether the message shows its author: it comes first, after another
   * author's message, after a long pause, or on a new day. The list that
   * contains the message sets it. */
  properties[PROP_STARTS_GROUP] =
    g_param_spec_boolean ("starts-group", NULL, NULL, TRUE,
                          (G_PARAM_READABLE |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  /* Whether a date line goes above the message. */
  properties[PROP_STARTS_DAY] =
    g_param_spec_boolean ("starts-day", NULL, NULL, TRUE,
                          (G_PARAM_READABLE |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  /* Whether the text was changed after sending. */
  properties[PROP_EDITED] =
    g_param_spec_boolean ("edited", NULL, NULL, FALSE,
                          (G_PARAM_READABLE |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
chorus_message_init (ChorusMessage *self)
{
  self->starts_group = TRUE;
  self->starts_day = TRUE;
}

/**
 * chorus_message_new_from_json:
 * @object: a row of `messages:list`, or an optimistic row without `_id`
 *
 * Creates a message from a query row. A row without `_id` has not been
 * confirmed by the server yet and makes a pending message.
 */
ChorusMessage *
chorus_message_new_from_json (JsonObject *object)
{
  ChorusMessage *self;

  g_return_val_if_fail (object != NULL, NULL);

  self = g_object_new (CHORUS_TYPE_MESSAGE, NULL);
  g_object_freeze_notify (G_OBJECT (self));
  chorus_message_update_from_json (self, object);
  g_object_thaw_notify (G_OBJECT (self));

  return self;
}

/* JSON numbers are float64 on the wire, but json-glib parses a number
 * without a fraction as an int64, so both types can arrive here. */
static gint64
get_creation_time (JsonObject *object)
{
  JsonNode *node = json_object_get_member (object, "_creationTime");
  double value;

  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE)
    return 0;

  if (json_node_get_value_type (node) == G_TYPE_INT64)
    value = json_node_get_int (node);
  else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    value = json_node_get_double (node);
  else
    return 0;

  if (!(value >= 0 && value < (double)G_MAXINT64))
    return 0;

  return (gint64)value;
}

static gboolean
set_created (ChorusMessage *self,
             gint64         created)
{
  if (self->created == created)
    return FALSE;

  self->created = created;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CREATED]);
  return TRUE;
}

static gboolean
set_edited (ChorusMessage *self,
            gboolean       edited)
{
  if (self->edited == !!edited)
    return FALSE;

  self->edited = !!edited;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EDITED]);
  return TRUE;
}

static gboolean
update_state (ChorusMessage *self,
              gboolean       confirmed)
{
  ChorusMessageState old_state = self->state;

  if (confirmed)
    {
      chorus_message_set_error (self, NULL);
      chorus_message_set_state (self, CHORUS_MESSAGE_CONFIRMED);
    }
  else if (self->state != CHORUS_MESSAGE_FAILED)
    {
      chorus_message_set_state (self, CHORUS_MESSAGE_PENDING);
    }

  return old_state != self->state;
}

/**
 * chorus_message_update_from_json:
 * @self: a #ChorusMessage
 * @object: a newer copy of the same row
 *
 * Brings the message up to date with @object, notifying only the
 * properties whose value changed. A failed message stays failed while the
 * row has no `_id`, because the row then comes from a retried send.
 *
 * Returns: %TRUE if any property changed
 */
gboolean
chorus_message_update_from_json (ChorusMessage *self,
                                 JsonObject    *object)
{
  const char *server_id;
  const char *client_id;
  gboolean changed = FALSE;

  g_return_val_if_fail (CHORUS_IS_MESSAGE (self), FALSE);
  g_return_val_if_fail (object != NULL, FALSE);

  server_id = get_member_string (object, "_id");
  client_id = get_member_string (object, "clientId");

  g_object_freeze_notify (G_OBJECT (self));

  changed |= set_str_property (self, &self->client_id, client_id, PROP_CLIENT_ID);
  changed |= set_str_property (self, &self->id, server_id ? server_id : client_id, PROP_ID);
  changed |= set_str_property (self, &self->channel, get_member_string (object, "channel"), PROP_CHANNEL);
  changed |= set_str_property (self, &self->author, get_member_string (object, "author"), PROP_AUTHOR);
  changed |= set_str_property (self, &self->body, get_member_string (object, "body"), PROP_BODY);
  changed |= set_created (self, get_creation_time (object));
  changed |= set_edited (self, json_object_has_member (object, "editedAt") &&
                               !json_node_is_null (json_object_get_member (object, "editedAt")));
  changed |= update_state (self, server_id != NULL);

  g_object_thaw_notify (G_OBJECT (self));

  return changed;
}

const char *
chorus_message_get_id (ChorusMessage *self)
{
  g_return_val_if_fail (CHORUS_IS_MESSAGE (self), NULL);

  return self->id;
}

const char *
chorus_message_get_client_id (ChorusMessage *self)
{
  g_return_val_if_fail (CHORUS_IS_MESSAGE (self), NULL);

  return self->client_id;
}

const char *
chorus_message_get_channel (ChorusMessage *self)
{
  g_return_val_if_fail (CHORUS_IS_MESSAGE (self), NULL);

  return self->channel;
}

const char *
chorus_message_get_author (ChorusMessage *self)
{
  g_return_val_if_fail (CHORUS_IS_MESSAGE (self), NULL);

  return self->author;
}

const char *
chorus_message_get_body (ChorusMessage *self)
{
  g_return_val_if_fail (CHORUS_IS_MESSAGE (self), NULL);

  return self->body;
}

gint64
chorus_message_get_created (ChorusMessage *self)
{
  g_return_val_if_fail (CHORUS_IS_MESSAGE (self), 0);

  return self->created;
}

ChorusMessageState
chorus_message_get_state (ChorusMessage *self)
{
  g_return_val_if_fail (CHORUS_IS_MESSAGE (self), CHORUS_MESSAGE_PENDING);

  return self->state;
}

void
chorus_message_set_state (ChorusMessage      *self,
                          ChorusMessageState  state)
{
  g_return_if_fail (CHORUS_IS_MESSAGE (self));

  if (self->state == state)
    return;

  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

const char *
chorus_message_get_error (ChorusMessage *self)
{
  g_return_val_if_fail (CHORUS_IS_MESSAGE (self), NULL);

  return self->error;
}

void
chorus_message_set_error (ChorusMessage *self,
                          const char    *error)
{
  g_return_if_fail (CHORUS_IS_MESSAGE (self));

  set_str_property (self, &self->error, error, PROP_ERROR);
}

/**
 * chorus_message_get_key:
 * @self: a #ChorusMessage
 *
 * Returns the identity that survives confirmation: the client id the
 * sender chose, or the server id for a row that has none.
 */
const char *
chorus_message_get_key (ChorusMessage *self)
{
  g_return_val_if_fail (CHORUS_IS_MESSAGE (self), NULL);

  return self->client_id != NULL ? self->client_id : self->id;
}

gboolean
chorus_message_get_starts_group (ChorusMessage *self)
{
  g_return_val_if_fail (CHORUS_IS_MESSAGE (self), TRUE);

  return self->starts_group;
}

gboolean
chorus_message_get_starts_day (ChorusMessage *self)
{
  g_return_val_if_fail (CHORUS_IS_MESSAGE (self), TRUE);

  return self->starts_day;
}

/**
 * chorus_message_set_position_flags:
 * @self: a #ChorusMessage
 * @starts_group: whether the message shows its author
 * @starts_day: whether a date line goes above the message
 *
 * Sets what the message's place in its list implies, notifying only the
 * flags that changed.
 */
void
chorus_message_set_position_flags (ChorusMessage *self,
                                   gboolean       starts_group,
                                   gboolean       starts_day)
{
  g_return_if_fail (CHORUS_IS_MESSAGE (self));

  if (self->starts_group != !!starts_group)
    {
      self->starts_group = !!starts_group;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STARTS_GROUP]);
    }

  if (self->starts_day != !!starts_day)
    {
      self->starts_day = !!starts_day;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STARTS_DAY]);
    }
}

gboolean
chorus_message_get_edited (ChorusMessage *self)
{
  g_return_val_if_fail (CHORUS_IS_MESSAGE (self), FALSE);

  return self->edited;
}
