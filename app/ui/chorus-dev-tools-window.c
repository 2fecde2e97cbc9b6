/* chorus-dev-tools-window.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-dev-tools-window"

#include "config.h"

#include "chorus-dev-tools-window.h"

/* The switches of the developer tools, bound to the transport they steer. */
struct _ChorusDevToolsWindow
{
  AdwPreferencesWindow parent_instance;

  /* Template widgets */
  GtkSpinButton *latency_button;
  GtkSwitch     *offline_switch;
  GtkSwitch     *fail_switch;
};

G_DEFINE_FINAL_TYPE (ChorusDevToolsWindow, chorus_dev_tools_window, ADW_TYPE_PREFERENCES_WINDOW)

static void
chorus_dev_tools_window_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CHORUS_TYPE_DEV_TOOLS_WINDOW);

  G_OBJECT_CLASS (chorus_dev_tools_window_parent_class)->dispose (object);
}

static void
chorus_dev_tools_window_class_init (ChorusDevToolsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chorus_dev_tools_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, APP_PATH "ui/chorus-dev-tools-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ChorusDevToolsWindow, fail_switch);
  gtk_widget_class_bind_template_child (widget_class, ChorusDevToolsWindow, latency_button);
  gtk_widget_class_bind_template_child (widget_class, ChorusDevToolsWindow, offline_switch);
}

static void
chorus_dev_tools_window_init (ChorusDevToolsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * chorus_dev_tools_window_new:
 * @transport: the transport the switches steer
 *
 * Returns: (transfer floating): the developer tools window
 */
GtkWindow *
chorus_dev_tools_window_new (ChorusDevTransport *transport)
{
  ChorusDevToolsWindow *self;
  GBindingFlags flags = G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE;

  g_return_val_if_fail (CHORUS_IS_DEV_TRANSPORT (transport), NULL);

  self = g_object_new (CHORUS_TYPE_DEV_TOOLS_WINDOW, NULL);
  g_object_bind_property (transport, "latency",
                          gtk_spin_button_get_adjustment (self->latency_button), "value", flags);
  g_object_bind_property (transport, "offline", self->offline_switch, "active", flags);
  g_object_bind_property (transport, "fail-next-send", self->fail_switch, "active", flags);

  return GTK_WINDOW (self);
}
