/* chorus-dev-tools-window.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "chorus-dev-transport.h"

G_BEGIN_DECLS

#define CHORUS_TYPE_DEV_TOOLS_WINDOW (chorus_dev_tools_window_get_type ())

G_DECLARE_FINAL_TYPE (ChorusDevToolsWindow, chorus_dev_tools_window, CHORUS, DEV_TOOLS_WINDOW, AdwPreferencesWindow)

GtkWindow *chorus_dev_tools_window_new (ChorusDevTransport *transport);

G_END_DECLS
