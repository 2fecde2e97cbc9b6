/* chorus-soup-transport.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-soup-transport"

#include "config.h"

#include <string.h>

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
  /* The error libsoup reported before it closed the socket itself, such
   * as a frame over MAX_INCOMING_PAYLOAD. */
  GError                  *socket_error;
  guint                    close_code;
};

static void transport_iface_init (ChorusTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ChorusSoupTransport, chorus_soup_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (CHORUS_TYPE_TRANSPORT, transport_iface_init))

static void
drop_connection (ChorusSoupTransport *self,
                 gushort              code)
{
  g_clear_error (&self->socket_error);
  if (self->connection == NULL)
    return;

  g_signal_handlers_disconnect_by_data (self->connection, self);
  if (soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->connection, code, NULL);
  g_clear_object (&self->connection);
}

/* Returns why the text frame @data is invalid, or NULL if it is valid.
 * A C string ends at the first NUL, so a frame that contains one would
 * be read only in part. */
static const char *
check_text_frame (const char *data,
                  gsize       size)
{
  if (memchr (data, '\0', size) != NULL)
    return "text frame contains a NUL byte";
  if (!g_utf8_validate_len (data, size, NULL))
    return "text frame is not valid UTF-8";

  return NULL;
}

/* Closes the socket with code 1007 (invalid frame payload data), as the
 * client does for any frame it cannot read. */
static void
reject_frame (ChorusSoupTransport *self,
              const char          *problem)
{
  g_autofree char *reason = g_strdup_printf ("closed with code %u: %s",
                                             SOUP_WEBSOCKET_CLOSE_BAD_DATA, problem);

  g_warning ("Invalid frame from the server, closing the socket: %s", problem);
  drop_connection (self, SOUP_WEBSOCKET_CLOSE_BAD_DATA);
  self->close_code = SOUP_WEBSOCKET_CLOSE_BAD_DATA;
  chorus_transport_emit_closed (CHORUS_TRANSPORT (self), reason);
}

static void
connection_message_cb (ChorusSoupTransport *self,
                       int                  type,
                       GBytes              *message)
{
  g_autofree char *text = NULL;
  const char *problem;
  gsize size = 0;
  const char *data;

  g_assert (CHORUS_IS_SOUP_TRANSPORT (self));

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      g_debug ("Ignoring a binary frame");
      return;
    }

  data = g_bytes_get_data (message, &size);
  if ((problem = check_text_frame (data, size)) != NULL)
    {
      reject_frame (self, problem);
      return;
    }

  text = g_strndup (data, size);
  chorus_transport_emit_message (CHORUS_TRANSPORT (self), text);
}

/* Returns the close reason for a socket that libsoup closed after a
 * WebSocket error of its own. It then sends no close frame, so the close
 * code is only in the error. */
static char *
socket_error_reason (const GError *error)
{
  if (error->code == SOUP_WEBSOCKET_CLOSE_TOO_BIG)
    return g_strdup_printf ("closed with code %u: message too big (over %u bytes)",
                            SOUP_WEBSOCKET_CLOSE_TOO_BIG, MAX_INCOMING_PAYLOAD);

  return g_strdup_printf ("closed with code %d: %s", error->code, error->message);
}

/* Returns the close code the peer sent, or the one libsoup's own error
 * carries when it closed the socket without a close frame, else 1006. */
static guint
find_close_code (ChorusSoupTransport *self)
{
  gushort code = soup_websocket_connection_get_close_code (self->connection);

  if (code != 0)
    return code;
  if (self->socket_error != NULL && self->socket_error->domain == SOUP_WEBSOCKET_ERROR)
    return self->socket_error->code;

  return SOUP_WEBSOCKET_CLOSE_ABNORMAL;
}

static char *
close_reason (ChorusSoupTransport *self)
{
  SoupWebsocketConnection *connection = self->connection;
  const char *data = soup_websocket_connection_get_close_data (connection);
  gushort code = soup_websocket_connection_get_close_code (connection);

  if (data != NULL && *data != '\0')
    return g_strdup (data);
  if (code == 0 && self->socket_error != NULL &&
      self->socket_error->domain == SOUP_WEBSOCKET_ERROR)
    return socket_error_reason (self->socket_error);

  /* 1006 is the code for a connection lost without a close frame. */
  return g_strdup_printf ("closed with code %u", code != 0 ? code : 1006);
}

static void
connection_closed_cb (ChorusSoupTransport *self)
{
  g_autofree char *reason = NULL;

  g_assert (CHORUS_IS_SOUP_TRANSPORT (self));

  reason = close_reason (self);
  self->close_code = find_close_code (self);
  g_signal_handlers_disconnect_by_data (self->connection, self);
  g_clear_object (&self->connection);
  g_clear_error (&self->socket_error);

  chorus_transport_emit_closed (CHORUS_TRANSPORT (self), reason);
}

static void
connection_error_cb (ChorusSoupTransport *self,
                     GError              *error)
{
  g_debug ("WebSocket error: %s", error->message);

  if (self->socket_error == NULL)
    self->socket_error = g_error_copy (error);
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
      self->close_code = SOUP_WEBSOCKET_CLOSE_ABNORMAL;
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
  drop_connection (self, SOUP_WEBSOCKET_CLOSE_NORMAL);
  self->close_code = 0;

  chorus_transport_emit_closed (transport, reason);
}

static guint
chorus_soup_transport_get_close_code (ChorusTransport *transport)
{
  return CHORUS_SOUP_TRANSPORT (transport)->close_code;
}

static void
transport_iface_init (ChorusTransportInterface *iface)
{
  iface->get_close_code = chorus_soup_transport_get_close_code;
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
  drop_connection (self, SOUP_WEBSOCKET_CLOSE_NORMAL);
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
