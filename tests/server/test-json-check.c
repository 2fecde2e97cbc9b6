/* test-json-check.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-json-check"

#include <string.h>

#include "chorus-json-check.h"
#include "chorus-protocol.h"

static const char * const valid_texts[] = {
  "{}",
  " \t\r\n{} \n",
  "[]",
  "\"\"",
  "0",
  "-0",
  "true",
  "false",
  "null",
  "{\"a\":[1,2.5,-3e2,4E+1,5e-1,\"x\"],\"b\":{\"c\":null}}",
  "9223372036854775807",
  "-9223372036854775808",
  "1e-400",
  "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"",
  "\"\\ud83d\\ude00\"",
  "\"\\u0000\"",
  "\"\xc3\xa9\xf0\x9f\x98\x80\"",
  "{\"type\":\"Mutation\" , \"args\" : [ { } ] }",
};

typedef struct
{
  const char *name;
  const char *text;
} InvalidCase;

static const InvalidCase invalid_cases[] = {
  { "empty", "" },
  { "only whitespace", "  \n" },
  { "block comment", "/* c */ {}" },
  { "line comment", "{} // c" },
  { "single quotes", "{'a':1}" },
  { "trailing comma in object", "{\"a\":1,}" },
  { "trailing comma in array", "[1,]" },
  { "empty element", "[1,,2]" },
  { "bare word", "{\"a\":yes}" },
  { "bare key", "{a:1}" },
  { "capital literal", "True" },
  { "truncated literal", "nul" },
  { "invalid escape", "\"\\x41\"" },
  { "short unicode escape", "\"\\u12\"" },
  { "raw tab in string", "\"a\tb\"" },
  { "raw newline in string", "\"a\nb\"" },
  { "lone low surrogate", "\"\\udc00\"" },
  { "lone high surrogate", "\"\\ud800x\"" },
  { "high surrogate at end", "\"abc\\ud83d\"" },
  { "high surrogate then non-surrogate", "\"\\ud83d\\u0041\"" },
  { "two documents", "{}{}" },
  { "two values with space", "1 2" },
  { "leading zero", "01" },
  { "leading plus", "+1" },
  { "bare minus", "-" },
  { "dot without digits", "1." },
  { "leading dot", ".5" },
  { "exponent without digits", "1e" },
  { "hex number", "0x10" },
  { "NaN", "NaN" },
  { "Infinity", "-Infinity" },
  { "int64 max plus one", "9223372036854775808" },
  { "int64 min minus one", "-9223372036854775809" },
  { "uint64 max", "18446744073709551615" },
  { "double overflow", "1e400" },
  { "unterminated string", "\"abc" },
  { "unterminated object", "{\"a\":1" },
  { "missing colon", "{\"a\" 1}" },
  { "invalid UTF-8 in string", "\"\xc3\x28\"" },
  { "UTF-8 outside string", "\xc3\xa9" },
  { "form feed as whitespace", "\f{}" },
};

static void
test_json_check_valid (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (valid_texts); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("valid: %s", valid_texts[i]);
      g_assert_true (chorus_json_check (valid_texts[i], strlen (valid_texts[i]), &error));
      g_assert_no_error (error);
    }
}

static void
test_json_check_invalid (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (invalid_cases); i++)
    {
      const char *text = invalid_cases[i].text;
      g_autoptr(GError) error = NULL;

      g_test_message ("invalid: %s", invalid_cases[i].name);
      g_assert_false (chorus_json_check (text, strlen (text), &error));
      g_assert_error (error, CHORUS_JSON_CHECK_ERROR, 0);
      g_assert_true (g_str_has_prefix (error->message, "Invalid JSON at byte "));
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_assert_cmpuint (strlen (error->message), <=, 123);
    }
}

/* The length bounds the text: a NUL byte inside it is invalid, and the
 * text after the length is never read. */
static void
test_json_check_length (void)
{
  static const char with_nul[] = "{}\0";
  static const char in_string[] = "\"a\0b\"";
  g_autoptr(GError) error = NULL;

  g_assert_false (chorus_json_check (with_nul, sizeof with_nul - 1, &error));
  g_assert_error (error, CHORUS_JSON_CHECK_ERROR, 0);
  g_clear_error (&error);

  g_assert_false (chorus_json_check (in_string, sizeof in_string - 1, &error));
  g_assert_error (error, CHORUS_JSON_CHECK_ERROR, 0);
  g_clear_error (&error);

  g_assert_true (chorus_json_check ("{}garbage", 2, &error));
  g_assert_no_error (error);
}

static char *
build_nested (guint depth)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < depth; i++)
    g_string_append (text, i % 2 ? "[" : "{\"a\":");
  g_string_append (text, "1");
  for (guint i = depth; i > 0; i--)
    g_string_append (text, (i - 1) % 2 ? "]" : "}");

  return g_string_free (text, FALSE);
}

static void
test_json_check_depth (void)
{
  g_autofree char *at_limit = build_nested (CHORUS_JSON_MAX_DEPTH);
  g_autofree char *over_limit = build_nested (CHORUS_JSON_MAX_DEPTH + 1);
  g_autofree char *huge = build_nested (100000);
  g_autoptr(GError) error = NULL;

  g_assert_true (chorus_json_check (at_limit, strlen (at_limit), &error));
  g_assert_no_error (error);

  g_assert_false (chorus_json_check (over_limit, strlen (over_limit), &error));
  g_assert_error (error, CHORUS_JSON_CHECK_ERROR, 0);
  g_assert_nonnull (strstr (error->message, "nested deeper than 64 levels"));
  g_clear_error (&error);

  g_assert_false (chorus_json_check (huge, strlen (huge), &error));
  g_assert_error (error, CHORUS_JSON_CHECK_ERROR, 0);
}

/* The message names at most one printable ASCII character of the input,
 * never its raw bytes. */
static void
test_json_check_message (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (chorus_json_check ("{\"a\":\xff}", 6, &error));
  g_assert_cmpstr (error->message, ==,
                   "Invalid JSON at byte 5: unexpected byte 0xff, expected a JSON value");
  g_clear_error (&error);

  g_assert_false (chorus_json_check ("{\"a\":1}{}", 9, &error));
  g_assert_cmpstr (error->message, ==,
                   "Invalid JSON at byte 7: a frame must hold exactly one JSON value, "
                   "but more text follows it");
  g_clear_error (&error);

  g_assert_false (chorus_json_check ("[\"\\udc00\"]", 10, &error));
  g_assert_cmpstr (error->message, ==, "Invalid JSON at byte 2: lone low surrogate \\uDC00");
}

static void
test_close_reason (void)
{
  g_autofree char *long_text = g_strnfill (200, 'x');
  g_autofree char *invalid = NULL;
  g_autofree char *cut = NULL;
  g_autofree char *empty = chorus_protocol_dup_close_reason (NULL);
  g_autofree char *multibyte = NULL;
  g_autoptr(GString) euros = g_string_new (NULL);

  g_assert_cmpstr (empty, ==, "");

  invalid = chorus_protocol_dup_close_reason ("bad \xed\xb0\x80 bytes");
  g_assert_true (g_utf8_validate (invalid, -1, NULL));
  g_assert_true (g_str_has_prefix (invalid, "bad "));
  g_assert_true (g_str_has_suffix (invalid, " bytes"));

  cut = chorus_protocol_dup_close_reason (long_text);
  g_assert_cmpuint (strlen (cut), ==, 123);

  /* "a" and 42 three-byte characters are 127 bytes. The 41st character
   * would end at byte 124, so the cut falls after the 40th. */
  for (guint i = 0; i < 42; i++)
    g_string_append (euros, "\xe2\x82\xac");
  g_string_prepend_c (euros, 'a');
  multibyte = chorus_protocol_dup_close_reason (euros->str);
  g_assert_true (g_utf8_validate (multibyte, -1, NULL));
  g_assert_cmpuint (strlen (multibyte), ==, 1 + 40 * 3);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/json-check/valid", test_json_check_valid);
  g_test_add_func ("/server/json-check/invalid", test_json_check_invalid);
  g_test_add_func ("/server/json-check/length", test_json_check_length);
  g_test_add_func ("/server/json-check/depth", test_json_check_depth);
  g_test_add_func ("/server/json-check/message", test_json_check_message);
  g_test_add_func ("/server/close-reason", test_close_reason);

  return g_test_run ();
}
