/* main.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-server-main"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <locale.h>

#include "chorus-server.h"

#define DEFAULT_PORT 8765

static gboolean
quit_cb (gpointer user_data)
{
  g_message ("Shutting down");
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

static void
connection_opened_cb (ChorusServer *server,
                      const char   *peer,
                      gpointer      user_data)
{
  g_message ("Client connected from %s", peer);
}

static void
connection_closed_cb (ChorusServer *server,
                      const char   *peer,
                      gpointer      user_data)
{
  g_message ("Client from %s disconnected", peer);
}

/* Any address other than a loopback one needs tokens, so that only the
 * people in the token file can read and post. */
static gboolean
check_listen_address (const char  *address,
                      gboolean     have_tokens,
                      GError     **error)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);

  if (inet == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "Invalid --listen address '%s': expected an IP address such as 127.0.0.1",
                   address);
      return FALSE;
    }

  if (!g_inet_address_get_is_loopback (inet) && !have_tokens)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "Refusing to listen on %s without --token-file: only loopback addresses "
                   "such as 127.0.0.1 or ::1 may be used without tokens",
                   address);
      return FALSE;
    }

  return TRUE;
}

static char *
default_database_path (GError **error)
{
  g_autofree char *folder = g_build_filename (g_get_user_data_dir (), "chorus", NULL);

  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "Could not create the folder %s: %s", folder, g_strerror (saved_errno));
      return NULL;
    }

  return g_build_filename (folder, "server.sqlite", NULL);
}

static gboolean
run (int       argc,
     char    **argv,
     GError  **error)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ChorusServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *database = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *token_file = NULL;
  g_autoptr(ChorusTokens) tokens = NULL;
  int port = DEFAULT_PORT;
  GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &port,
      "TCP port to listen on (default 8765, 0 picks a free port)", "PORT" },
    { "database", 'd', 0, G_OPTION_ARG_FILENAME, &database,
      "SQLite database file (default $XDG_DATA_HOME/chorus/server.sqlite)", "FILE" },
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
      "IP address to listen on (default 127.0.0.1; others need --token-file)", "ADDRESS" },
    { "token-file", 't', 0, G_OPTION_ARG_FILENAME, &token_file,
      "File of \"USER TOKEN\" lines; clients then have to authenticate with a token, "
      "and messages are posted as its user", "FILE" },
    { NULL }
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, "Serves the Chorus chat functions over the Convex sync protocol.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, error))
    return FALSE;

  if (port < 0 || port > G_MAXUINT16)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "Invalid --port %d: expected 0 to 65535", port);
      return FALSE;
    }

  if (listen == NULL)
    listen = g_strdup ("127.0.0.1");

  if (token_file != NULL && !(tokens = chorus_tokens_load (token_file, error)))
    return FALSE;

  if (!check_listen_address (listen, tokens != NULL, error))
    return FALSE;

  if (database == NULL && !(database = default_database_path (error)))
    return FALSE;

  if (!(server = chorus_server_new (database, error)))
    return FALSE;

  chorus_server_set_tokens (server, tokens);
  if (!chorus_server_listen (server, listen, port, error))
    return FALSE;

  if (tokens != NULL)
    g_message ("Clients have to authenticate: %u users in %s",
               chorus_tokens_get_n (tokens), token_file);

  g_signal_connect (server, "connection-opened", G_CALLBACK (connection_opened_cb), NULL);
  g_signal_connect (server, "connection-closed", G_CALLBACK (connection_closed_cb), NULL);
  g_message ("Listening on ws://%s:%u/api/<version>/sync, database %s",
             listen, chorus_server_get_port (server), database);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_main_loop_run (loop);

  chorus_server_shutdown (server);
  g_message ("Stopped");
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;

  setlocale (LC_ALL, "");

  if (!run (argc, argv, &error))
    {
      g_printerr ("chorus-server: %s\n", error->message);
      return 1;
    }

  return 0;
}
