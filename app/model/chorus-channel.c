/* chorus-channel.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-channel"

#include "config.h"

#include "chorus-channel.h"

struct _ChorusChannel
{
  GObject parent_instance;

  char *id;
  char *name;
  guint unread_count;
};

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_UNREAD_COUNT,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (ChorusChannel, chorus_channel, G_TYPE_OBJECT)

static GParamSpec *properties [N_PROPS];

static void
chorus_channel_finalize (GObject *object)
{
  ChorusChannel *self = (ChorusChannel *)object;

  g_free (self->id);
  g_free (self->name);

  G_OBJECT_CLASS (chorus_channel_parent_class)->finalize (object);
}

static void
chorus_channel_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ChorusChannel *self = CHORUS_CHANNEL (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;

    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_UNREAD_COUNT:
      g_value_set_uint (value, self->unread_count);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chorus_channel_class_init (ChorusChannelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = chorus_channel_finalize;
  object_class->get_property = chorus_channel_get_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         (G_PARAM_READABLE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         (G_PARAM_READABLE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /* Messages by others that arrived after the channel was last read. */
  properties[PROP_UNREAD_COUNT] =
    g_param_spec_uint ("unread-count", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READABLE |
                        G_PARAM_EXPLICIT_NOTIFY |
                        G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
chorus_channel_init (ChorusChannel *self)
{
}

/**
 * chorus_channel_new_from_json:
 * @object: a row of `channels:list`
 *
 * Creates a channel from a query row.
 */
ChorusChannel *
chorus_channel_new_from_json (JsonObject *object)
{
  ChorusChannel *self;

  g_return_val_if_fail (object != NULL, NULL);

  self = g_object_new (CHORUS_TYPE_CHANNEL, NULL);
  chorus_channel_update_from_json (self, object);

  return self;
}

static void
update_string (ChorusChannel *self,
               char         **field,
               JsonObject    *object,
               const char    *member,
               guint          prop_id)
{
  JsonNode *node = json_object_get_member (object, member);
  const char *value = NULL;

  if (node != NULL && json_node_get_value_type (node) == G_TYPE_STRING)
    value = json_node_get_string (node);

  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

void
chorus_channel_update_from_json (ChorusChannel *self,
                                 JsonObject    *object)
{
  g_return_if_fail (CHORUS_IS_CHANNEL (self));
  g_return_if_fail (object != NULL);

  update_string (self, &self->id, object, "_id", PROP_ID);
  update_string (self, &self->name, object, "name", PROP_NAME);
}

const char *
chorus_channel_get_id (ChorusChannel *self)
{
  g_return_val_if_fail (CHORUS_IS_CHANNEL (self), NULL);

  return self->id;
}

const char *
chorus_channel_get_name (ChorusChannel *self)
{
  g_return_val_if_fail (CHORUS_IS_CHANNEL (self), NULL);

  return self->name;
}

guint
chorus_channel_get_unread_count (ChorusChannel *self)
{
  g_return_val_if_fail (CHORUS_IS_CHANNEL (self), 0);

  return self->unread_count;
}

void
chorus_channel_set_unread_count (ChorusChannel *self,
                                 guint          unread_count)
{
  g_return_if_fail (CHORUS_IS_CHANNEL (self));

  if (self->unread_count == unread_count)
    return;

  self->unread_count = unread_count;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD_COUNT]);
}

/* The maximum length of a channel name that the server accepts. */
#define MAX_NAME_LENGTH 80

static gboolean
is_name_char (char c)
{
  return g_ascii_islower (c) || g_ascii_isdigit (c) || c == '-' || c == '_';
}

/**
 * chorus_channel_name_from_text:
 * @text: what the user typed
 *
 * Turns @text into a channel name as the server accepts them: lowercase
 * ASCII letters, digits, '-' and '_', 1 to 80 of them. Capitals become
 * lowercase and each run of spaces a '-', so "My Team" names "my-team".
 *
 * Returns: (transfer full) (nullable): the name, or NULL when @text has
 *   other characters, is blank or is too long
 */
char *
chorus_channel_name_from_text (const char *text)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  g_autoptr(GString) name = g_string_new (NULL);

  for (const char *p = stripped; *p != '\0'; p++)
    {
      if (g_ascii_isspace (*p))
        {
          if (!g_ascii_isspace (p[1]))
            g_string_append_c (name, '-');
          continue;
        }

      g_string_append_c (name, g_ascii_tolower (*p));
      if (!is_name_char (name->str[name->len - 1]))
        return NULL;
    }

  if (name->len == 0 || name->len > MAX_NAME_LENGTH)
    return NULL;

  return g_string_free (g_steal_pointer (&name), FALSE);
}
