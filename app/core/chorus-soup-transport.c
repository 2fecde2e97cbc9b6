/* chorus-soup-transport.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-soup-transport"

#include "config.h"

#include <libsoup/soup.h>

#include "chorus-soup-transport.h"

/* libsoup closes the socket on any frame above its default limit of
 * 128 KiB, and one Transition that carries a whole chat history can be
 * larger. 16 MiB is well above that and still bounds memory per frame. */
#define MAX_INCOMING_PAYLOAD (16 * 1024 * 1024)

struct _ChorusSoupTransport
{
  GObject                  parent_instance;

  /* Owned references */
  char                    *ws_url;
  SoupSession             *session;
  SoupWebsocketConnection *connection;
  GCancellable            *cancellable;
};

static void transport_iface_init (ChorusTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ChorusSoupTransport, chorus_soup_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (CHORUS_TYPE_TRANSPORT, transport_iface_init))

static void
drop_connection (ChorusSoupTransport *self)
{
  if (self->connection == NULL)
    return;

  g_signal_handlers_disconnect_by_data (self->connection, self);
  if (soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_clear_object (&self->connection);
}

static void
connection_message_cb (ChorusSoupTransport *self,
                       int                  type,
                       GBytes              *message)
{
  g_autofree char *text = NULL;
  gsize size = 0;
  const char *data;

  g_assert (CHORUS_IS_SOUP_TRANSPORT (self));

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      g_debug ("Ignoring a binary frame");
      return;
    }

  data = g_bytes_get_data (message, &size);
  text = g_strndup (data, size);
  chorus_transport_emit_message (CHORUS_TRANSPORT (self), text);
}

static char *
close_reason (SoupWebsocketConnection *connection)
{
  const char *data = soup_websocket_connection_get_close_data (connection);
  gushort code = soup_websocket_connection_get_close_code (connection);

  if (data != NULL && *data != '\0')
    return g_strdup (data);

  /* 1006 is the code for a connection lost without a close frame. */
  return g_strdup_printf ("closed with code %u", code != 0 ? code : 1006);
}

static void
connection_closed_cb (ChorusSoupTransport *self)
{
  g_autofree char *reason = NULL;

  g_assert (CHORUS_IS_SOUP_TRANSPORT (self));

  reason = close_reason (self->connection);
  g_signal_handlers_disconnect_by_data (self->connection, self);
  g_clear_object (&self->connection);

  chorus_transport_emit_closed (CHORUS_TRANSPORT (self), reason);
}

static void
connection_error_cb (ChorusSoupTransport *self,
                     GError              *error)
{
  g_debug ("WebSocket error: %s", error->message);
}

static void
connect_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(ChorusSoupTransport) self = user_data;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *connection;

  connection = soup_session_websocket_connect_finish (SOUP_SESSION (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->cancellable);
  if (connection == NULL)
    {
      g_debug ("Failed to open %s: %s", self->ws_url, error->message);
      chorus_transport_emit_closed (CHORUS_TRANSPORT (self), "closed with code 1006");
      return;
    }

  self->connection = connection;
  soup_websocket_connection_set_max_incoming_payload_size (connection, MAX_INCOMING_PAYLOAD);
  g_signal_connect_object (connection, "message",
                           G_CALLBACK (connection_message_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (connection, "closed",
                           G_CALLBACK (connection_closed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (connection, "error",
                           G_CALLBACK (connection_error_cb), self, G_CONNECT_SWAPPED);

  chorus_transport_emit_opened (CHORUS_TRANSPORT (self));
}

static void
chorus_soup_transport_open (ChorusTransport *transport)
{
  ChorusSoupTransport *self = CHORUS_SOUP_TRANSPORT (transport);
  g_autoptr(SoupMessage) message = NULL;

  g_return_if_fail (self->connection == NULL && self->cancellable == NULL);

  message = soup_message_new (SOUP_METHOD_GET, self->ws_url);
  if (message == NULL)
    {
      g_warning ("Invalid WebSocket URL %s", self->ws_url);
      chorus_transport_emit_closed (transport, "closed with code 1006");
      return;
    }

  self->cancellable = g_cancellable_new ();
  soup_session_websocket_connect_async (self->session, message, NULL, NULL,
                                        G_PRIORITY_DEFAULT, self->cancellable,
                                        connect_cb, g_object_ref (self));
}

static gboolean
chorus_soup_transport_send (ChorusTransport  *transport,
                            const char       *text,
                            GError          **error)
{
  ChorusSoupTransport *self = CHORUS_SOUP_TRANSPORT (transport);

  if (self->connection == NULL ||
      soup_websocket_connection_get_state (self->connection) != SOUP_WEBSOCKET_STATE_OPEN)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                           "The WebSocket is not open");
      return FALSE;
    }

  soup_websocket_connection_send_text (self->connection, text);
  return TRUE;
}

static void
chorus_soup_transport_close (ChorusTransport *transport,
                             const char      *reason)
{
  ChorusSoupTransport *self = CHORUS_SOUP_TRANSPORT (transport);

  if (self->cancellable == NULL && self->connection == NULL)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  drop_connection (self);

  chorus_transport_emit_closed (transport, reason);
}

static void
transport_iface_init (ChorusTransportInterface *iface)
{
  iface->open = chorus_soup_transport_open;
  iface->send = chorus_soup_transport_send;
  iface->close = chorus_soup_transport_close;
}

static void
chorus_soup_transport_dispose (GObject *object)
{
  ChorusSoupTransport *self = (ChorusSoupTransport *)object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  drop_connection (self);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (chorus_soup_transport_parent_class)->dispose (object);
}

static void
chorus_soup_transport_finalize (GObject *object)
{
  ChorusSoupTransport *self = (ChorusSoupTransport *)object;

  g_free (self->ws_url);

  G_OBJECT_CLASS (chorus_soup_transport_parent_class)->finalize (object);
}

static void
chorus_soup_transport_class_init (ChorusSoupTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chorus_soup_transport_dispose;
  object_class->finalize = chorus_soup_transport_finalize;
}

static void
chorus_soup_transport_init (ChorusSoupTransport *self)
{
  self->session = soup_session_new ();
}

/**
 * chorus_soup_transport_new:
 * @ws_url: the ws:// or wss:// URL of the sync endpoint
 *
 * Creates a transport over a libsoup WebSocket. It carries text frames
 * only and ignores binary ones.
 *
 * Returns: (transfer full): a new transport
 */
ChorusTransport *
chorus_soup_transport_new (const char *ws_url)
{
  ChorusSoupTransport *self;

  g_return_val_if_fail (ws_url != NULL, NULL);

  self = g_object_new (CHORUS_TYPE_SOUP_TRANSPORT, NULL);
  self->ws_url = g_strdup (ws_url);

  return CHORUS_TRANSPORT (self);
}
