/* chorus-server-thread.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-server-thread"

#include "chorus-server.h"
#include "chorus-server-thread.h"

struct _ChorusServerThread
{
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  char *database_path;
  guint requested_port;

  /* Set by the server thread once it listens or has failed, under mutex. */
  GMutex mutex;
  GCond cond;
  gboolean started;
  guint port;
  GError *error;

  /* Test hook: while paused the server thread waits, under mutex. */
  gboolean paused;
  gboolean holding;
};

static void
report_started (ChorusServerThread *self,
                guint               port,
                GError             *error)
{
  g_mutex_lock (&self->mutex);
  self->started = TRUE;
  self->port = port;
  self->error = error;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);
}

static gpointer
server_thread_func (gpointer data)
{
  ChorusServerThread *self = data;
  g_autoptr(ChorusServer) server = NULL;
  GError *error = NULL;

  g_main_context_push_thread_default (self->context);

  server = chorus_server_new (self->database_path, &error);
  if (server == NULL || !chorus_server_listen (server, "127.0.0.1", self->requested_port, &error))
    {
      report_started (self, 0, error);
      g_main_context_pop_thread_default (self->context);
      return NULL;
    }

  /* The embedded server has one trusted client, the app itself, so it
   * does not limit the mutation rate. */
  chorus_server_set_limits (server, 16 * 1024 * 1024, 0, 1, 512 * 1024);
  report_started (self, chorus_server_get_port (server), NULL);
  g_main_loop_run (self->loop);

  chorus_server_shutdown (server);
  g_clear_object (&server);
  while (g_main_context_iteration (self->context, FALSE))
    ;

  g_main_context_pop_thread_default (self->context);
  return NULL;
}

static void
chorus_server_thread_free (ChorusServerThread *self)
{
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_error (&self->error);
  g_free (self->database_path);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self);
}

/*
 * Starts a thread with its own main context that runs a ChorusServer on
 * 127.0.0.1 and @port (0 picks a free port). Returns once the server
 * listens, or NULL with @error set when it could not start.
 */
ChorusServerThread *
chorus_server_thread_start (const char  *database_path,
                            guint        port,
                            GError     **error)
{
  ChorusServerThread *self;

  g_return_val_if_fail (database_path != NULL, NULL);

  self = g_new0 (ChorusServerThread, 1);
  self->database_path = g_strdup (database_path);
  self->requested_port = port;
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);

  self->thread = g_thread_new ("chorus-server", server_thread_func, self);

  g_mutex_lock (&self->mutex);
  while (!self->started)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);

  if (self->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->error));
      g_thread_join (self->thread);
      chorus_server_thread_free (self);
      return NULL;
    }

  return self;
}

guint
chorus_server_thread_get_port (ChorusServerThread *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->port;
}

static gboolean
hold_while_paused (gpointer data)
{
  ChorusServerThread *self = data;

  g_mutex_lock (&self->mutex);
  self->holding = TRUE;
  g_cond_broadcast (&self->cond);
  while (self->paused)
    g_cond_wait (&self->cond, &self->mutex);
  self->holding = FALSE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);

  return G_SOURCE_REMOVE;
}

/*
 * Holds the server thread until chorus_server_thread_resume(): frames
 * from clients wait unread, as they would behind a slow network. Returns
 * once the thread is held. For tests that need to see a pending state.
 */
void
chorus_server_thread_pause (ChorusServerThread *self)
{
  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->mutex);
  self->paused = TRUE;
  g_mutex_unlock (&self->mutex);

  g_main_context_invoke_full (self->context, G_PRIORITY_HIGH, hold_while_paused, self, NULL);

  g_mutex_lock (&self->mutex);
  while (self->paused && !self->holding)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);
}

void
chorus_server_thread_resume (ChorusServerThread *self)
{
  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->mutex);
  self->paused = FALSE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
}

/* Stops the server, waits for its thread to end and frees @self. */
void
chorus_server_thread_stop (ChorusServerThread *self)
{
  g_return_if_fail (self != NULL);

  chorus_server_thread_resume (self);
  g_main_loop_quit (self->loop);
  g_thread_join (self->thread);
  chorus_server_thread_free (self);
}
