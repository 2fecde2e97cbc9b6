/* chorus-soup-transport.h
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "chorus-transport.h"

G_BEGIN_DECLS

#define CHORUS_TYPE_SOUP_TRANSPORT (chorus_soup_transport_get_type ())

G_DECLARE_FINAL_TYPE (ChorusSoupTransport, chorus_soup_transport, CHORUS, SOUP_TRANSPORT, GObject)

ChorusTransport *chorus_soup_transport_new (const char *ws_url);

G_END_DECLS
