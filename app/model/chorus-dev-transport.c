/* chorus-dev-transport.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-dev-transport"

#include "config.h"

#include <json-glib/json-glib.h>

#include "chorus-dev-transport.h"

/*
 * A transport around the real one that the developer tools steer, to
 * watch optimistic updates at work. It delays every frame in both
 * directions, can keep the app offline, and can make the next message
 * send fail as if the server had rejected it.
 */
struct _ChorusDevTransport
{
  GObject parent_instance;

  ChorusTransport *inner;
  guint            latency_ms;
  gboolean         offline;
  gboolean         fail_next_send;

  /* Frames held back by the latency, in order, each with its due time. */
  GQueue           queue;
  guint            queue_source;
};

typedef struct
{
  gint64   due;           /* monotonic µs */
  gboolean incoming;
  char    *text;
} DelayedFrame;

enum {
  PROP_0,
  PROP_LATENCY,
  PROP_OFFLINE,
  PROP_FAIL_NEXT_SEND,
  N_PROPS
};

static void transport_iface_init (ChorusTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ChorusDevTransport, chorus_dev_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (CHORUS_TYPE_TRANSPORT, transport_iface_init))

static GParamSpec *properties [N_PROPS];

static const char offline_reason[] = "Offline (developer tools)";

static void
delayed_frame_free (DelayedFrame *frame)
{
  g_free (frame->text);
  g_free (frame);
}

static void
deliver_frame (ChorusDevTransport *self,
               DelayedFrame       *frame)
{
  g_autoptr(GError) error = NULL;

  if (frame->incoming)
    chorus_transport_emit_message (CHORUS_TRANSPORT (self), frame->text);
  else if (!chorus_transport_send (self->inner, frame->text, &error))
    g_warning ("Could not send a delayed frame: %s", error->message);
}

static void schedule_queue (ChorusDevTransport *self);

static gboolean
flush_due_frames_cb (gpointer user_data)
{
  ChorusDevTransport *self = user_data;
  gint64 now = g_get_monotonic_time ();
  DelayedFrame *frame;

  self->queue_source = 0;
  while ((frame = g_queue_peek_head (&self->queue)) != NULL && frame->due <= now)
    {
      g_queue_pop_head (&self->queue);
      deliver_frame (self, frame);
      delayed_frame_free (frame);
    }

  schedule_queue (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_queue (ChorusDevTransport *self)
{
  DelayedFrame *frame = g_queue_peek_head (&self->queue);
  gint64 wait_ms;

  if (frame == NULL || self->queue_source != 0)
    return;

  wait_ms = MAX (0, (frame->due - g_get_monotonic_time ()) / 1000);
  self->queue_source = g_timeout_add ((guint)wait_ms, flush_due_frames_cb, self);
}

static void
enqueue (ChorusDevTransport *self,
         const char         *text,
         gboolean            incoming)
{
  DelayedFrame *frame = g_new0 (DelayedFrame, 1);

  frame->due = g_get_monotonic_time () + (gint64)self->latency_ms * 1000;
  frame->incoming = incoming;
  frame->text = g_strdup (text);
  g_queue_push_tail (&self->queue, frame);
  schedule_queue (self);
}

static void
drop_queue (ChorusDevTransport *self)
{
  g_clear_handle_id (&self->queue_source, g_source_remove);
  g_queue_clear_full (&self->queue, (GDestroyNotify)delayed_frame_free);
}

/* Returns the request id of a messages:send frame, or -1. */
static gint64
find_send_request (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  if (!json_parser_load_from_data (parser, text, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return -1;

  object = json_node_get_object (json_parser_get_root (parser));
  if (g_strcmp0 (json_object_get_string_member_with_default (object, "type", ""), "Mutation") != 0 ||
      g_strcmp0 (json_object_get_string_member_with_default (object, "udfPath", ""), "messages:send") != 0)
    return -1;

  return json_object_get_int_member_with_default (object, "requestId", -1);
}

static void
answer_with_failure (ChorusDevTransport *self,
                     gint64              request_id)
{
  g_autofree char *response =
    g_strdup_printf ("{\"type\":\"MutationResponse\",\"requestId\":%" G_GINT64_FORMAT ","
                     "\"success\":false,\"result\":\"Simulated failure (developer tools)\","
                     "\"logLines\":[]}", request_id);

  chorus_dev_transport_set_fail_next_send (self, FALSE);
  enqueue (self, response, TRUE);
}

static gboolean
refuse_open_cb (gpointer user_data)
{
  chorus_transport_emit_closed (CHORUS_TRANSPORT (user_data), offline_reason);
  return G_SOURCE_REMOVE;
}

/* Opening while offline fails the way a real connection attempt does:
 * later, from the main loop. */
static void
chorus_dev_transport_open (ChorusTransport *transport)
{
  ChorusDevTransport *self = CHORUS_DEV_TRANSPORT (transport);

  if (self->offline)
    g_idle_add_full (G_PRIORITY_DEFAULT, refuse_open_cb, g_object_ref (self), g_object_unref);
  else
    chorus_transport_open (self->inner);
}

static gboolean
chorus_dev_transport_send (ChorusTransport  *transport,
                           const char       *text,
                           GError          **error)
{
  ChorusDevTransport *self = CHORUS_DEV_TRANSPORT (transport);
  gint64 request_id = self->fail_next_send ? find_send_request (text) : -1;

  if (request_id >= 0)
    {
      answer_with_failure (self, request_id);
      return TRUE;
    }

  if (self->latency_ms == 0 && g_queue_is_empty (&self->queue))
    return chorus_transport_send (self->inner, text, error);

  enqueue (self, text, FALSE);
  return TRUE;
}

static void
chorus_dev_transport_close (ChorusTransport *transport,
                            const char      *reason)
{
  ChorusDevTransport *self = CHORUS_DEV_TRANSPORT (transport);

  drop_queue (self);
  chorus_transport_close (self->inner, reason);
}

static void
transport_iface_init (ChorusTransportInterface *iface)
{
  iface->open = chorus_dev_transport_open;
  iface->send = chorus_dev_transport_send;
  iface->close = chorus_dev_transport_close;
}

static void
inner_opened_cb (ChorusDevTransport *self)
{
  chorus_transport_emit_opened (CHORUS_TRANSPORT (self));
}

static void
inner_message_cb (ChorusDevTransport *self,
                  const char         *text)
{
  if (self->latency_ms == 0 && g_queue_is_empty (&self->queue))
    chorus_transport_emit_message (CHORUS_TRANSPORT (self), text);
  else
    enqueue (self, text, TRUE);
}

static void
inner_closed_cb (ChorusDevTransport *self,
                 const char         *reason)
{
  drop_queue (self);
  chorus_transport_emit_closed (CHORUS_TRANSPORT (self), reason);
}

static void
chorus_dev_transport_dispose (GObject *object)
{
  ChorusDevTransport *self = CHORUS_DEV_TRANSPORT (object);

  drop_queue (self);
  if (self->inner != NULL)
    g_signal_handlers_disconnect_by_data (self->inner, self);
  g_clear_object (&self->inner);

  G_OBJECT_CLASS (chorus_dev_transport_parent_class)->dispose (object);
}

static void
chorus_dev_transport_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  ChorusDevTransport *self = CHORUS_DEV_TRANSPORT (object);

  switch (prop_id)
    {
    case PROP_LATENCY:
      g_value_set_uint (value, self->latency_ms);
      break;

    case PROP_OFFLINE:
      g_value_set_boolean (value, self->offline);
      break;

    case PROP_FAIL_NEXT_SEND:
      g_value_set_boolean (value, self->fail_next_send);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chorus_dev_transport_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  ChorusDevTransport *self = CHORUS_DEV_TRANSPORT (object);

  switch (prop_id)
    {
    case PROP_LATENCY:
      chorus_dev_transport_set_latency (self, g_value_get_uint (value));
      break;

    case PROP_OFFLINE:
      chorus_dev_transport_set_offline (self, g_value_get_boolean (value));
      break;

    case PROP_FAIL_NEXT_SEND:
      chorus_dev_transport_set_fail_next_send (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chorus_dev_transport_class_init (ChorusDevTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chorus_dev_transport_dispose;
  object_class->get_property = chorus_dev_transport_get_property;
  object_class->set_property = chorus_dev_transport_set_property;

  /* Milliseconds added to every frame, in each direction. */
  properties[PROP_LATENCY] =
    g_param_spec_uint ("latency", NULL, NULL, 0, 60000, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_OFFLINE] =
    g_param_spec_boolean ("offline", NULL, NULL, FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_FAIL_NEXT_SEND] =
    g_param_spec_boolean ("fail-next-send", NULL, NULL, FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
chorus_dev_transport_init (ChorusDevTransport *self)
{
  g_queue_init (&self->queue);
}

ChorusDevTransport *
chorus_dev_transport_new (ChorusTransport *inner)
{
  ChorusDevTransport *self;

  g_return_val_if_fail (CHORUS_IS_TRANSPORT (inner), NULL);

  self = g_object_new (CHORUS_TYPE_DEV_TRANSPORT, NULL);
  self->inner = g_object_ref (inner);
  g_signal_connect_swapped (inner, "opened", G_CALLBACK (inner_opened_cb), self);
  g_signal_connect_swapped (inner, "message", G_CALLBACK (inner_message_cb), self);
  g_signal_connect_swapped (inner, "closed", G_CALLBACK (inner_closed_cb), self);

  return self;
}

guint
chorus_dev_transport_get_latency (ChorusDevTransport *self)
{
  g_return_val_if_fail (CHORUS_IS_DEV_TRANSPORT (self), 0);

  return self->latency_ms;
}

void
chorus_dev_transport_set_latency (ChorusDevTransport *self,
                                  guint               latency_ms)
{
  g_return_if_fail (CHORUS_IS_DEV_TRANSPORT (self));

  if (self->latency_ms == latency_ms)
    return;

  self->latency_ms = latency_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LATENCY]);
}

gboolean
chorus_dev_transport_get_offline (ChorusDevTransport *self)
{
  g_return_val_if_fail (CHORUS_IS_DEV_TRANSPORT (self), FALSE);

  return self->offline;
}

/* Going offline closes the socket; the client's own reconnect attempts
 * then fail until the switch is turned off again. */
void
chorus_dev_transport_set_offline (ChorusDevTransport *self,
                                  gboolean            offline)
{
  g_return_if_fail (CHORUS_IS_DEV_TRANSPORT (self));

  if (self->offline == !!offline)
    return;

  self->offline = !!offline;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OFFLINE]);

  if (offline)
    chorus_transport_close (self->inner, offline_reason);
}

gboolean
chorus_dev_transport_get_fail_next_send (ChorusDevTransport *self)
{
  g_return_val_if_fail (CHORUS_IS_DEV_TRANSPORT (self), FALSE);

  return self->fail_next_send;
}

void
chorus_dev_transport_set_fail_next_send (ChorusDevTransport *self,
                                         gboolean            fail_next_send)
{
  g_return_if_fail (CHORUS_IS_DEV_TRANSPORT (self));

  if (self->fail_next_send == !!fail_next_send)
    return;

  self->fail_next_send = !!fail_next_send;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FAIL_NEXT_SEND]);
}
