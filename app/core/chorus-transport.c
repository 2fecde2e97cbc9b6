/* chorus-transport.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-transport"

#include "config.h"

#include "chorus-transport.h"

enum {
  OPENED,
  MESSAGE,
  CLOSED,
  N_SIGNALS
};

static guint signals [N_SIGNALS];

G_DEFINE_INTERFACE (ChorusTransport, chorus_transport, G_TYPE_OBJECT)

static void
chorus_transport_default_init (ChorusTransportInterface *iface)
{
  /**
   * ChorusTransport::opened:
   *
   * Emitted when the socket is ready for frames.
   */
  signals [OPENED] =
    g_signal_new ("opened",
                  G_TYPE_FROM_INTERFACE (iface),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * ChorusTransport::message:
   * @text: the text of the frame
   *
   * Emitted for every text frame that arrives.
   */
  signals [MESSAGE] =
    g_signal_new ("message",
                  G_TYPE_FROM_INTERFACE (iface),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * ChorusTransport::closed:
   * @reason: the close reason
   *
   * Emitted when the socket is gone or could not be opened. A call to
   * chorus_transport_close() emits it before it returns, with the reason
   * given there.
   */
  signals [CLOSED] =
    g_signal_new ("closed",
                  G_TYPE_FROM_INTERFACE (iface),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

void
chorus_transport_open (ChorusTransport *self)
{
  g_return_if_fail (CHORUS_IS_TRANSPORT (self));

  CHORUS_TRANSPORT_GET_IFACE (self)->open (self);
}

gboolean
chorus_transport_send (ChorusTransport  *self,
                       const char       *text,
                       GError          **error)
{
  g_return_val_if_fail (CHORUS_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  return CHORUS_TRANSPORT_GET_IFACE (self)->send (self, text, error);
}

void
chorus_transport_close (ChorusTransport *self,
                        const char      *reason)
{
  g_return_if_fail (CHORUS_IS_TRANSPORT (self));

  CHORUS_TRANSPORT_GET_IFACE (self)->close (self, reason);
}

/* Returns the WebSocket close code (RFC 6455) that ended the last socket,
 * as the server sent it or as the transport chose it for a socket it
 * closed itself, such as 1009 for a frame that was too big. Returns 0
 * when the transport does not know the code or the client closed the
 * socket. The value is valid from the "closed" signal on. */
guint
chorus_transport_get_close_code (ChorusTransport *self)
{
  ChorusTransportInterface *iface;

  g_return_val_if_fail (CHORUS_IS_TRANSPORT (self), 0);

  iface = CHORUS_TRANSPORT_GET_IFACE (self);
  return iface->get_close_code != NULL ? iface->get_close_code (self) : 0;
}

void
chorus_transport_emit_opened (ChorusTransport *self)
{
  g_return_if_fail (CHORUS_IS_TRANSPORT (self));

  g_signal_emit (self, signals [OPENED], 0);
}

void
chorus_transport_emit_message (ChorusTransport *self,
                               const char      *text)
{
  g_return_if_fail (CHORUS_IS_TRANSPORT (self));
  g_return_if_fail (text != NULL);

  g_signal_emit (self, signals [MESSAGE], 0, text);
}

void
chorus_transport_emit_closed (ChorusTransport *self,
                              const char      *reason)
{
  g_return_if_fail (CHORUS_IS_TRANSPORT (self));

  g_signal_emit (self, signals [CLOSED], 0, reason);
}
