/* chorus-json-check.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chorus-json-check"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "chorus-json-check.h"

/*
 * A strict JSON (RFC 8259) validator that runs before json-glib sees a
 * frame. json-glib 1.6 accepts comments, reads only the first of several
 * values, wraps integers outside the int64 range, turns lone surrogate
 * escapes into bytes that are not UTF-8, and recurses once per nesting
 * level. This scanner rejects all of those, and its own recursion stops at
 * CHORUS_JSON_MAX_DEPTH levels.
 *
 * Error messages name the byte offset and at most one printable ASCII
 * character of the input, so they are always valid UTF-8 and short enough
 * for a WebSocket close reason.
 */

G_DEFINE_QUARK (chorus-json-check-error-quark, chorus_json_check_error)

typedef struct
{
  const char *text;
  gsize       length;
  gsize       pos;
  guint       depth;
  GError    **error;
} Scanner;

static gboolean scan_value (Scanner *self);

G_GNUC_PRINTF (2, 3)
static gboolean
fail (Scanner    *self,
      const char *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (self->error, CHORUS_JSON_CHECK_ERROR, 0,
               "Invalid JSON at byte %" G_GSIZE_FORMAT ": %s", self->pos, message);
  return FALSE;
}

/* Names the byte at the current position without copying anything that
 * may not be UTF-8 into the message. */
static gboolean
fail_unexpected (Scanner    *self,
                 const char *expected)
{
  guchar c;

  if (self->pos >= self->length)
    return fail (self, "unexpected end of text, expected %s", expected);

  c = self->text[self->pos];
  if (c > 0x20 && c < 0x7f)
    return fail (self, "unexpected '%c', expected %s", c, expected);

  return fail (self, "unexpected byte 0x%02x, expected %s", c, expected);
}

static gboolean
at_end (Scanner *self)
{
  return self->pos >= self->length;
}

static char
peek (Scanner *self)
{
  return at_end (self) ? '\0' : self->text[self->pos];
}

/* Only space, tab, line feed and carriage return are JSON whitespace. */
static void
skip_whitespace (Scanner *self)
{
  while (!at_end (self) && self->text[self->pos] != '\0' &&
         strchr (" \t\n\r", self->text[self->pos]) != NULL)
    self->pos++;
}

static gboolean
expect_char (Scanner *self,
             char     c)
{
  char expected[] = { '\'', c, '\'', '\0' };

  if (at_end (self) || self->text[self->pos] != c)
    return fail_unexpected (self, expected);

  self->pos++;
  return TRUE;
}

static gboolean
scan_literal (Scanner    *self,
              const char *word)
{
  gsize size = strlen (word);

  if (self->length - self->pos < size || memcmp (self->text + self->pos, word, size) != 0)
    return fail_unexpected (self, "a JSON value");

  self->pos += size;
  return TRUE;
}

/* Reads the four hex digits after "\u" into @out_unit. */
static gboolean
scan_hex4 (Scanner  *self,
           gunichar *out_unit)
{
  gunichar unit = 0;

  for (guint i = 0; i < 4; i++)
    {
      int digit = at_end (self) ? -1 : g_ascii_xdigit_value (self->text[self->pos]);

      if (digit < 0)
        return fail_unexpected (self, "four hex digits after \\u");

      unit = unit * 16 + digit;
      self->pos++;
    }

  *out_unit = unit;
  return TRUE;
}

/* Reads a \u escape, and the low surrogate that must follow a high one.
 * A lone surrogate has no UTF-8 form, so it is rejected. */
static gboolean
scan_unicode_escape (Scanner *self)
{
  gsize start = self->pos - 2;
  gunichar unit, low;

  if (!scan_hex4 (self, &unit))
    return FALSE;

  if (unit >= 0xDC00 && unit <= 0xDFFF)
    {
      self->pos = start;
      return fail (self, "lone low surrogate \\u%04X", unit);
    }

  if (unit < 0xD800 || unit > 0xDBFF)
    return TRUE;

  if (self->length - self->pos < 2 || memcmp (self->text + self->pos, "\\u", 2) != 0)
    {
      self->pos = start;
      return fail (self, "high surrogate \\u%04X without a low surrogate after it", unit);
    }

  self->pos += 2;
  if (!scan_hex4 (self, &low))
    return FALSE;

  if (low < 0xDC00 || low > 0xDFFF)
    {
      self->pos = start;
      return fail (self, "high surrogate \\u%04X followed by \\u%04X", unit, low);
    }

  return TRUE;
}

static gboolean
scan_escape (Scanner *self)
{
  char c;

  self->pos++;
  c = peek (self);
  if (c == '\0' || strchr ("\"\\/bfnrtu", c) == NULL)
    {
      self->pos--;
      return fail (self, "invalid escape sequence in a string");
    }

  self->pos++;
  if (c == 'u')
    return scan_unicode_escape (self);

  return TRUE;
}

/* Steps over one UTF-8 character of at least two bytes. */
static gboolean
scan_utf8_char (Scanner *self)
{
  const char *p = self->text + self->pos;
  gunichar c = g_utf8_get_char_validated (p, self->length - self->pos);

  if (c == (gunichar) -1 || c == (gunichar) -2)
    return fail (self, "a string is not valid UTF-8");

  self->pos = g_utf8_next_char (p) - self->text;
  return TRUE;
}

/* Steps over one character of a string, escaped or not. */
static gboolean
scan_string_char (Scanner *self)
{
  guchar c = self->text[self->pos];

  if (c < 0x20)
    return fail (self, "control character 0x%02x in a string, it must be escaped", c);

  if (c == '\\')
    return scan_escape (self);

  if (c >= 0x80)
    return scan_utf8_char (self);

  self->pos++;
  return TRUE;
}

static gboolean
scan_string (Scanner *self)
{
  if (!expect_char (self, '"'))
    return FALSE;

  while (!at_end (self))
    {
      if (self->text[self->pos] == '"')
        {
          self->pos++;
          return TRUE;
        }

      if (!scan_string_char (self))
        return FALSE;
    }

  return fail (self, "unterminated string");
}

static gboolean
scan_digits (Scanner *self)
{
  if (!g_ascii_isdigit (peek (self)))
    return fail_unexpected (self, "a digit");

  while (g_ascii_isdigit (peek (self)))
    self->pos++;

  return TRUE;
}

/* Checks that the number from @start to the current position is in range:
 * an integer literal fits in an int64 and any other number is finite as
 * a double. */
static gboolean
check_number_range (Scanner  *self,
                    gsize     start,
                    gboolean  is_integer)
{
  g_autofree char *copy = g_strndup (self->text + start, self->pos - start);
  gboolean in_range;

  errno = 0;
  if (is_integer)
    {
      g_ascii_strtoll (copy, NULL, 10);
      in_range = errno != ERANGE;
    }
  else
    in_range = isfinite (g_ascii_strtod (copy, NULL));

  if (in_range)
    return TRUE;

  self->pos = start;
  return fail (self, "number out of range (integers must fit in 64 bits, others in a double)");
}

static gboolean
scan_number (Scanner *self)
{
  gsize start = self->pos;
  gboolean is_integer = TRUE;

  if (peek (self) == '-')
    self->pos++;

  if (peek (self) == '0')
    self->pos++;
  else if (!scan_digits (self))
    return FALSE;

  if (peek (self) == '.')
    {
      self->pos++;
      is_integer = FALSE;
      if (!scan_digits (self))
        return FALSE;
    }

  if (peek (self) == 'e' || peek (self) == 'E')
    {
      self->pos++;
      is_integer = FALSE;
      if (peek (self) == '+' || peek (self) == '-')
        self->pos++;
      if (!scan_digits (self))
        return FALSE;
    }

  return check_number_range (self, start, is_integer);
}

static gboolean
enter_container (Scanner *self)
{
  if (self->depth >= CHORUS_JSON_MAX_DEPTH)
    return fail (self, "nested deeper than %d levels", CHORUS_JSON_MAX_DEPTH);

  self->depth++;
  self->pos++;
  skip_whitespace (self);
  return TRUE;
}

static gboolean
scan_member (Scanner *self)
{
  if (peek (self) != '"')
    return fail_unexpected (self, "a member name in double quotes");

  if (!scan_string (self))
    return FALSE;

  skip_whitespace (self);
  if (!expect_char (self, ':'))
    return FALSE;

  skip_whitespace (self);
  if (!scan_value (self))
    return FALSE;

  skip_whitespace (self);
  return TRUE;
}

/* A comma must be followed by another member or element, so a trailing
 * comma fails in the next scan_member() or scan_value(). */
static gboolean
scan_container (Scanner  *self,
                char      close,
                gboolean (*scan_item) (Scanner *self))
{
  if (!enter_container (self))
    return FALSE;

  if (peek (self) != close)
    {
      while (TRUE)
        {
          if (!scan_item (self))
            return FALSE;
          if (peek (self) != ',')
            break;
          self->pos++;
          skip_whitespace (self);
        }
    }

  if (!expect_char (self, close))
    return FALSE;

  self->depth--;
  return TRUE;
}

static gboolean
scan_element (Scanner *self)
{
  if (!scan_value (self))
    return FALSE;

  skip_whitespace (self);
  return TRUE;
}

static gboolean
scan_value (Scanner *self)
{
  char c = peek (self);

  if (at_end (self))
    return fail_unexpected (self, "a JSON value");

  if (c == '{')
    return scan_container (self, '}', scan_member);
  if (c == '[')
    return scan_container (self, ']', scan_element);
  if (c == '"')
    return scan_string (self);
  if (c == '-' || g_ascii_isdigit (c))
    return scan_number (self);
  if (c == 't')
    return scan_literal (self, "true");
  if (c == 'f')
    return scan_literal (self, "false");
  if (c == 'n')
    return scan_literal (self, "null");

  return fail_unexpected (self, "a JSON value");
}

/*
 * Checks that @text (@length bytes, not necessarily NUL-terminated) is
 * exactly one strict JSON value, optionally surrounded by whitespace,
 * nested at most CHORUS_JSON_MAX_DEPTH levels deep, with integer literals
 * in the int64 range, finite numbers and no lone surrogate escapes.
 */
gboolean
chorus_json_check (const char  *text,
                   gsize        length,
                   GError     **error)
{
  Scanner scanner = { text, length, 0, 0, error };

  g_return_val_if_fail (text != NULL || length == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  skip_whitespace (&scanner);
  if (!scan_value (&scanner))
    return FALSE;

  skip_whitespace (&scanner);
  if (!at_end (&scanner))
    return fail (&scanner, "a frame must hold exactly one JSON value, but more text follows it");

  return TRUE;
}
