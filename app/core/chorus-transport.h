/* chorus-transport.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CHORUS_TYPE_TRANSPORT (chorus_transport_get_type ())

G_DECLARE_INTERFACE (ChorusTransport, chorus_transport, CHORUS, TRANSPORT, GObject)

/*
 * ChorusTransport carries text frames between a ChorusClient and a server.
 * The client never touches the network itself, so tests can swap the
 * libsoup WebSocket for a scripted fake.
 *
 * Signals, all emitted on the thread-default main context of the creator:
 * - "opened": the socket is ready for frames.
 * - "message" (const char *text): one text frame arrived.
 * - "closed" (const char *reason): the socket is gone, or opening it failed.
 *   The reason is the server's close reason, or a client-side reason such as
 *   "closed with code 1006". After "closed" the transport may be opened again.
 */
struct _ChorusTransportInterface
{
  GTypeInterface parent_iface;

  void     (*open)  (ChorusTransport *self);
  gboolean (*send)  (ChorusTransport *self,
                     const char      *text,
                     GError         **error);
  void     (*close) (ChorusTransport *self,
                     const char      *reason);

  /* Optional: the WebSocket close code of the last "closed", 0 if unknown. */
  guint    (*get_close_code) (ChorusTransport *self);
};

void     chorus_transport_open          (ChorusTransport *self);
gboolean chorus_transport_send          (ChorusTransport *self,
                                         const char      *text,
                                         GError         **error);
void     chorus_transport_close         (ChorusTransport *self,
                                         const char      *reason);
guint    chorus_transport_get_close_code (ChorusTransport *self);

/* For implementations. */
void     chorus_transport_emit_opened   (ChorusTransport *self);
void     chorus_transport_emit_message  (ChorusTransport *self,
                                         const char      *text);
void     chorus_transport_emit_closed   (ChorusTransport *self,
                                         const char      *reason);

G_END_DECLS
