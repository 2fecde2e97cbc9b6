/* chorus-fake-transport.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-fake-transport"

#include "config.h"

#include <json-glib/json-glib.h>

#include "chorus-fake-transport.h"

struct _ChorusFakeTransport
{
  GObject    parent_instance;

  GPtrArray *sent;
  char      *close_reason;
  guint      close_code;
  guint      open_count;
  gboolean   opening;
  gboolean   open;
  gboolean   fail_sends;
};

static void transport_iface_init (ChorusTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ChorusFakeTransport, chorus_fake_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (CHORUS_TYPE_TRANSPORT, transport_iface_init))

static void
fake_open (ChorusTransport *transport)
{
  ChorusFakeTransport *self = CHORUS_FAKE_TRANSPORT (transport);

  g_assert_false (self->open);
  g_assert_false (self->opening);

  self->opening = TRUE;
  self->open_count++;
}

static gboolean
fake_send (ChorusTransport  *transport,
           const char       *text,
           GError          **error)
{
  ChorusFakeTransport *self = CHORUS_FAKE_TRANSPORT (transport);

  if (!self->open || self->fail_sends)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                           "The fake socket is not open");
      return FALSE;
    }

  g_ptr_array_add (self->sent, g_strdup (text));
  return TRUE;
}

static void
fake_close (ChorusTransport *transport,
            const char      *reason)
{
  ChorusFakeTransport *self = CHORUS_FAKE_TRANSPORT (transport);

  if (!self->open && !self->opening)
    return;

  self->open = FALSE;
  self->opening = FALSE;
  self->close_code = 0;
  g_free (self->close_reason);
  self->close_reason = g_strdup (reason);

  chorus_transport_emit_closed (transport, reason);
}

static guint
fake_get_close_code (ChorusTransport *transport)
{
  return CHORUS_FAKE_TRANSPORT (transport)->close_code;
}

static void
transport_iface_init (ChorusTransportInterface *iface)
{
  iface->get_close_code = fake_get_close_code;
  iface->open = fake_open;
  iface->send = fake_send;
  iface->close = fake_close;
}

static void
chorus_fake_transport_finalize (GObject *object)
{
  ChorusFakeTransport *self = (ChorusFakeTransport *)object;

  g_ptr_array_unref (self->sent);
  g_free (self->close_reason);

  G_OBJECT_CLASS (chorus_fake_transport_parent_class)->finalize (object);
}

static void
chorus_fake_transport_class_init (ChorusFakeTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = chorus_fake_transport_finalize;
}

static void
chorus_fake_transport_init (ChorusFakeTransport *self)
{
  self->sent = g_ptr_array_new_with_free_func (g_free);
}

ChorusFakeTransport *
chorus_fake_transport_new (void)
{
  return g_object_new (CHORUS_TYPE_FAKE_TRANSPORT, NULL);
}

/* Completes a pending open(): the socket opens and "opened" is emitted. */
void
chorus_fake_transport_accept (ChorusFakeTransport *self)
{
  g_return_if_fail (CHORUS_IS_FAKE_TRANSPORT (self));
  g_return_if_fail (self->opening);

  self->opening = FALSE;
  self->open = TRUE;
  chorus_transport_emit_opened (CHORUS_TRANSPORT (self));
}

/* Delivers one frame from the server. */
void
chorus_fake_transport_deliver (ChorusFakeTransport *self,
                               const char          *text)
{
  g_return_if_fail (CHORUS_IS_FAKE_TRANSPORT (self));
  g_return_if_fail (self->open);

  chorus_transport_emit_message (CHORUS_TRANSPORT (self), text);
}

/* Closes the socket from the server side, or fails a pending open. */
void
chorus_fake_transport_drop (ChorusFakeTransport *self,
                            const char          *reason)
{
  chorus_fake_transport_drop_with_code (self, 0, reason);
}

/* Closes the socket from the server side with the WebSocket close @code. */
void
chorus_fake_transport_drop_with_code (ChorusFakeTransport *self,
                                      guint                code,
                                      const char          *reason)
{
  g_return_if_fail (CHORUS_IS_FAKE_TRANSPORT (self));
  g_return_if_fail (self->open || self->opening);

  self->close_code = code;
  self->open = FALSE;
  self->opening = FALSE;
  chorus_transport_emit_closed (CHORUS_TRANSPORT (self), reason);
}

gboolean
chorus_fake_transport_is_open (ChorusFakeTransport *self)
{
  g_return_val_if_fail (CHORUS_IS_FAKE_TRANSPORT (self), FALSE);

  return self->open;
}

gboolean
chorus_fake_transport_is_opening (ChorusFakeTransport *self)
{
  g_return_val_if_fail (CHORUS_IS_FAKE_TRANSPORT (self), FALSE);

  return self->opening;
}

/* Returns how many times the client called open(). */
guint
chorus_fake_transport_get_open_count (ChorusFakeTransport *self)
{
  g_return_val_if_fail (CHORUS_IS_FAKE_TRANSPORT (self), 0);

  return self->open_count;
}

/* Returns the reason of the last close() made by the client. */
const char *
chorus_fake_transport_get_close_reason (ChorusFakeTransport *self)
{
  g_return_val_if_fail (CHORUS_IS_FAKE_TRANSPORT (self), NULL);

  return self->close_reason;
}

/* Makes every send() fail while @fail_sends is TRUE. */
void
chorus_fake_transport_set_fail_sends (ChorusFakeTransport *self,
                                      gboolean             fail_sends)
{
  g_return_if_fail (CHORUS_IS_FAKE_TRANSPORT (self));

  self->fail_sends = fail_sends;
}

/* Returns (transfer none) the frames sent so far, as text. */
GPtrArray *
chorus_fake_transport_get_sent (ChorusFakeTransport *self)
{
  g_return_val_if_fail (CHORUS_IS_FAKE_TRANSPORT (self), NULL);

  return self->sent;
}

/* Returns (transfer full) the frames sent so far and clears the list. */
GPtrArray *
chorus_fake_transport_take_sent (ChorusFakeTransport *self)
{
  GPtrArray *sent;

  g_return_val_if_fail (CHORUS_IS_FAKE_TRANSPORT (self), NULL);

  sent = g_steal_pointer (&self->sent);
  self->sent = g_ptr_array_new_with_free_func (g_free);

  return sent;
}

/* Parses sent frame @index. Returns (transfer full) its root node. */
JsonNode *
chorus_fake_transport_parse_sent (ChorusFakeTransport *self,
                                  guint                index)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  g_return_val_if_fail (CHORUS_IS_FAKE_TRANSPORT (self), NULL);
  g_return_val_if_fail (index < self->sent->len, NULL);

  node = json_from_string (g_ptr_array_index (self->sent, index), &error);
  g_assert_no_error (error);

  return node;
}
