/* test-value.c
 *
 * Copyright 2026 The Chorus developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>

#include "chorus-client.h"
#include "chorus-value.h"

static void
test_encoded_ts_examples (void)
{
  static const struct {
    gint64      value;
    const char *text;
  } cases[] = {
    { 0, "AAAAAAAAAAA=" },
    { 10, "CgAAAAAAAAA=" },
    { 100, "ZAAAAAAAAAA=" },
    { 200, "yAAAAAAAAAA=" },
    { 300, "LAEAAAAAAAA=" },
    { 1000, "6AMAAAAAAAA=" },
    { 5151996, "/JxOAAAAAAA=" },
    { G_MAXINT64, "/////////38=" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = chorus_encoded_ts_encode (cases[i].value);
      gint64 decoded = -1;

      g_assert_cmpstr (text, ==, cases[i].text);
      g_assert_true (chorus_encoded_ts_decode (cases[i].text, &decoded));
      g_assert_cmpint (decoded, ==, cases[i].value);
    }
}

static void
test_encoded_ts_invalid (void)
{
  static const char * const cases[] = {
    "", "AAAA", "AAAAAAAAAAA", "AAAAAAAAAAAA", "AAAAAAAAAAAA=", "AAAAAAAA*AA=", "AAAAAAAAA==",
  };
  gint64 value = 42;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_assert_false (chorus_encoded_ts_decode (cases[i], &value));
      g_assert_cmpint (value, ==, 42);
    }

  g_assert_false (chorus_encoded_ts_decode (NULL, &value));
  g_assert_true (chorus_encoded_ts_decode ("__________8=", &value));
  g_assert_cmpint (value, ==, -1);
}

static void
test_canonical_udf_path (void)
{
  static const struct {
    const char *input;
    const char *expected;
  } cases[] = {
    { "messages", "messages:default" },
    { "messages.js:list", "messages:list" },
    { "dir/mod:fn", "dir/mod:fn" },
    { "mod.js", "mod:default" },
    { "a:b:c", "a:b:c" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = chorus_canonical_udf_path (cases[i].input);

      g_assert_cmpstr (path, ==, cases[i].expected);
    }
}

static char *
canonical (const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);

  g_assert_nonnull (node);
  return chorus_value_to_canonical_string (node);
}

static void
test_canonical_json (void)
{
  static const struct {
    const char *input;
    const char *expected;
  } cases[] = {
    { "{\"q\": 2, \"p\": 1}", "{\"p\":1,\"q\":2}" },
    { "{\"b\": {\"z\": [1, {\"y\": 0, \"x\": null}]}, \"a\": true}",
      "{\"a\":true,\"b\":{\"z\":[1,{\"x\":null,\"y\":0}]}}" },
    { "[1.0, 0.1, -2.5, 1e21, 1e-7, 123456789012]", "[1,0.1,-2.5,1e+21,1e-07,123456789012]" },
    { "[\"a\\\"b\\\\c\\n\\u0001\", \"\\u00e9\"]", "[\"a\\\"b\\\\c\\n\\u0001\",\"\303\251\"]" },
    { "[0.30000000000000004, 1000.5, 2.5e-300, 0.1e-3]", "[0.30000000000000004,1000.5,2.5e-300,0.0001]" },
    { "[\"\\t\\r\\u001f \\/\"]", "[\"\\t\\r\\u001f /\"]" },
    { "{\"q\":1,\"p\":2,\"o\":3,\"n\":4,\"m\":5,\"l\":6,\"k\":7,\"j\":8,\"i\":9,"
      "\"h\":10,\"g\":11,\"f\":12,\"e\":13,\"d\":14,\"c\":15,\"b\":16,\"a\":17}",
      "{\"a\":17,\"b\":16,\"c\":15,\"d\":14,\"e\":13,\"f\":12,\"g\":11,\"h\":10,\"i\":9,"
      "\"j\":8,\"k\":7,\"l\":6,\"m\":5,\"n\":4,\"o\":3,\"p\":2,\"q\":1}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = canonical (cases[i].input);

      g_assert_cmpstr (text, ==, cases[i].expected);
    }
}

static void
test_query_token_sorted (void)
{
  g_autoptr(JsonNode) first = json_from_string ("{\"p\":1,\"q\":2}", NULL);
  g_autoptr(JsonNode) second = json_from_string ("{\"q\":2.0,\"p\":1}", NULL);
  g_autofree char *token1 = chorus_query_token ("messages:list", first);
  g_autofree char *token2 = chorus_query_token ("messages:list", second);
  g_autofree char *empty = chorus_query_token ("messages:list", NULL);

  g_assert_cmpstr (token1, ==, "{\"udfPath\":\"messages:list\",\"args\":{\"p\":1,\"q\":2}}");
  g_assert_cmpstr (token1, ==, token2);
  g_assert_cmpstr (empty, ==, "{\"udfPath\":\"messages:list\",\"args\":{}}");
}

static void
test_value_equal (void)
{
  g_autoptr(JsonNode) a = json_from_string ("{\"n\":[1,\"x\",null,true]}", NULL);
  g_autoptr(JsonNode) b = json_from_string ("{\"n\":[1.0,\"x\",null,true]}", NULL);
  g_autoptr(JsonNode) c = json_from_string ("{\"n\":[1,\"x\",null,false]}", NULL);
  g_autoptr(JsonNode) d = json_from_string ("{\"n\":[1,\"x\",null,true],\"m\":1}", NULL);

  g_assert_true (chorus_value_equal (a, b));
  g_assert_false (chorus_value_equal (a, c));
  g_assert_false (chorus_value_equal (a, d));
  g_assert_false (chorus_value_equal (a, NULL));
  g_assert_true (chorus_value_equal (NULL, NULL));
}

static char *
nested_object (guint depth)
{
  GString *text = g_string_new ("{\"type\":\"Ping\",\"x\":");

  for (guint i = 1; i < depth; i++)
    g_string_append_c (text, '[');
  g_string_append_c (text, '0');
  for (guint i = 1; i < depth; i++)
    g_string_append_c (text, ']');
  g_string_append_c (text, '}');

  return g_string_free (text, FALSE);
}

static void
test_check_text (void)
{
  g_autofree char *deepest = nested_object (CHORUS_MAX_JSON_DEPTH);
  g_autofree char *too_deep = nested_object (CHORUS_MAX_JSON_DEPTH + 1);
  g_autoptr(GError) error = NULL;

  g_assert_true (chorus_json_check_text (deepest, CHORUS_MAX_JSON_DEPTH, NULL));
  g_assert_true (chorus_json_check_text (" {\"s\":\"}{[\\\"\"} \n", 4, NULL));

  g_assert_false (chorus_json_check_text (too_deep, CHORUS_MAX_JSON_DEPTH, &error));
  g_assert_error (error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_PROTOCOL);
  g_clear_error (&error);

  g_assert_false (chorus_json_check_text ("{}{}", 4, &error));
  g_assert_error (error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_PROTOCOL);
  g_clear_error (&error);

  g_assert_false (chorus_json_check_text ("[1]", 4, &error));
  g_assert_error (error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_PROTOCOL);
}

static void
test_parse_frame (void)
{
  static const char * const invalid[] = {
    "", "not json", "{", "{\"type\":5}", "{\"kind\":\"Ping\"}", "{} {}", "[\"Ping\"]",
  };
  g_autoptr(JsonNode) frame = chorus_json_parse_frame ("{\"type\":\"Ping\"}", NULL, NULL);

  g_assert_nonnull (frame);
  g_assert_true (json_node_is_immutable (frame));

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = chorus_json_parse_frame (invalid[i], NULL, &error);

      g_assert_null (node);
      g_assert_nonnull (error);
    }
}

static void
test_dup_sealed_copies (void)
{
  g_autoptr(JsonNode) original = json_from_string ("{\"a\":[1]}", NULL);
  g_autoptr(JsonNode) copy = chorus_value_dup_sealed (original);
  g_autoptr(JsonNode) again = chorus_value_dup_sealed (copy);
  g_autoptr(JsonNode) empty = chorus_value_dup_args (NULL);
  g_autofree char *text = NULL;

  g_assert_true (json_node_is_immutable (copy));
  g_assert_false (json_node_is_immutable (original));
  g_assert_true (again == copy);

  json_object_set_int_member (json_node_get_object (original), "b", 2);
  text = chorus_value_to_canonical_string (copy);
  g_assert_cmpstr (text, ==, "{\"a\":[1]}");

  g_assert_true (JSON_NODE_HOLDS_OBJECT (empty));
  g_assert_cmpuint (json_object_get_size (json_node_get_object (empty)), ==, 0);
}

static JsonNode *
parse_value (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);

  return json_node_ref (json_parser_get_root (parser));
}

static void
test_check_valid_values (void)
{
  static const char * const cases[] = {
    "{\"i\":{\"$integer\":\"BwAAAAAAAAA=\"},\"b\":{\"$bytes\":\"AQID\"},"
    "\"n\":{\"$float\":\"AAAAAAAA+H8=\"},\"z\":{\"$float\":\"AAAAAAAAAIA=\"},"
    "\"f\":2.5,\"arr\":[1,\"x\",null]}",
    "{\"$bytes\":\"\"}",
    "{\"$integer\":\"__________8=\"}",
    "[{\"a b~\":true}]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = parse_value (cases[i]);
      g_autoptr(GError) error = NULL;

      g_assert_true (chorus_value_check (node, &error));
      g_assert_no_error (error);
    }
}

static void
test_check_invalid_values (void)
{
  static const char * const cases[] = {
    "{\"$float\":\"AAAAAAAA8D8=\"}",
    "{\"$integer\":\"AQ==\"}",
    "{\"$integer\":\"AAAAAAAAAAA\"}",
    "{\"$bytes\":\"AQI\"}",
    "{\"$bytes\":\"A*ID\"}",
    "{\"$set\":[]}",
    "{\"$map\":[]}",
    "{\"$integer\":\"BwAAAAAAAAA=\",\"other\":1}",
    "{\"$weird\":5}",
    "{\"caf\u00e9\":1}",
    "{\"tab\\there\":1}",
    "[1,{\"a\":{\"$foo\":1,\"b\":2}}]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = parse_value (cases[i]);
      g_autoptr(GError) error = NULL;

      g_assert_false (chorus_value_check (node, &error));
      g_assert_error (error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_INVALID_VALUE);
    }
}

static void
test_check_long_key (void)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
  g_autofree char *ok_key = g_strnfill (1024, 'k');
  g_autofree char *long_key = g_strnfill (1025, 'k');
  g_autoptr(GError) error = NULL;

  json_object_set_null_member (json_node_get_object (node), ok_key);
  g_assert_true (chorus_value_check (node, NULL));

  json_object_set_null_member (json_node_get_object (node), long_key);
  g_assert_false (chorus_value_check (node, &error));
  g_assert_error (error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_INVALID_VALUE);
}

static void
test_int64_round_trip (void)
{
  static const struct {
    gint64      value;
    const char *text;
  } cases[] = {
    { 5, "{\"$integer\":\"BQAAAAAAAAA=\"}" },
    { -1, "{\"$integer\":\"//////////8=\"}" },
    { G_MAXINT64, "{\"$integer\":\"/////////38=\"}" },
    { G_MININT64, "{\"$integer\":\"AAAAAAAAAIA=\"}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = chorus_value_new_int64 (cases[i].value);
      g_autofree char *text = chorus_value_to_canonical_string (node);
      gint64 value = 0;

      g_assert_cmpstr (text, ==, cases[i].text);
      g_assert_true (chorus_value_get_int64 (node, &value));
      g_assert_cmpint (value, ==, cases[i].value);
    }
}

static void
test_float_round_trip (void)
{
  g_autoptr(JsonNode) nan_node = chorus_value_new_float (NAN);
  g_autoptr(JsonNode) zero_node = chorus_value_new_float (-0.0);
  g_autoptr(JsonNode) plain_node = chorus_value_new_float (2.5);
  g_autoptr(JsonNode) one = parse_value ("1");
  g_autofree char *nan_text = chorus_value_to_canonical_string (nan_node);
  g_autofree char *zero_text = chorus_value_to_canonical_string (zero_node);
  double value = 0;
  gint64 integer = 0;

  g_assert_cmpstr (nan_text, ==, "{\"$float\":\"AAAAAAAA+H8=\"}");
  g_assert_cmpstr (zero_text, ==, "{\"$float\":\"AAAAAAAAAIA=\"}");
  g_assert_true (chorus_value_get_float (nan_node, &value));
  g_assert_true (isnan (value));
  g_assert_true (chorus_value_get_float (zero_node, &value));
  g_assert_true (value == 0 && signbit (value));
  g_assert_true (chorus_value_get_float (plain_node, &value));
  g_assert_cmpfloat (value, ==, 2.5);

  /* Every JSON number is a float64, never an int64. */
  g_assert_true (chorus_value_get_float (one, &value));
  g_assert_cmpfloat (value, ==, 1.0);
  g_assert_false (chorus_value_get_int64 (one, &integer));
}

static void
test_bytes_round_trip (void)
{
  g_autoptr(GBytes) bytes = g_bytes_new ("\x01\x02\x03", 3);
  g_autoptr(JsonNode) node = chorus_value_new_bytes (bytes);
  g_autoptr(JsonNode) url_safe = parse_value ("{\"$bytes\":\"-_8=\"}");
  g_autofree char *text = chorus_value_to_canonical_string (node);
  g_autoptr(GBytes) decoded = chorus_value_dup_bytes (node);
  g_autoptr(GBytes) decoded_url_safe = chorus_value_dup_bytes (url_safe);

  g_assert_cmpstr (text, ==, "{\"$bytes\":\"AQID\"}");
  g_assert_true (g_bytes_equal (bytes, decoded));
  g_assert_cmpuint (g_bytes_get_size (decoded_url_safe), ==, 2);
}

static void
test_parse_frame_rejects_bad_text (void)
{
  static const char * const cases[] = {
    "{\"type\":\"Ping\",\"n\":9223372036854775808}",
    "{\"type\":\"Ping\",\"n\":-9223372036854775809}",
    "{\"type\":\"Ping\",\"s\":\"\\ud800\"}",
    "{\"type\":\"Ping\",\"s\":\"\\udc00x\"}",
    "{\"type\":\"Ping\",\"s\":\"\\ud800\\u0041\"}",
    "{\"type\":\"Ping\",\"s\":\"\xff\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = chorus_json_parse_frame (cases[i], NULL, &error);

      g_assert_null (node);
      g_assert_nonnull (error);
    }
}

static void
test_parse_frame_accepts_edge_numbers (void)
{
  static const char * const cases[] = {
    "{\"type\":\"Ping\",\"n\":9223372036854775807}",
    "{\"type\":\"Ping\",\"n\":-9223372036854775808}",
    "{\"type\":\"Ping\",\"n\":1e300,\"m\":-2.5E-7}",
    "{\"type\":\"Ping\",\"s\":\"\\ud83d\\ude00\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = chorus_json_parse_frame (cases[i], NULL, &error);

      g_assert_no_error (error);
      g_assert_nonnull (node);
    }
}

/* Texts that json-glib 1.6 accepts but that are not JSON (RFC 8259). */
static void
test_check_text_strict (void)
{
  static const char * const cases[] = {
    "{'type':'Ping'}",
    "{\"type\":'Ping'}",
    "// comment\n{\"type\":\"Ping\"}",
    "/* comment */{\"type\":\"Ping\"}",
    "{\"type\":\"Ping\"/* comment */}",
    "{\"type\":\"Ping\",}",
    "{\"type\":\"Ping\",\"a\":[1,2,]}",
    "{\"type\":\"Ping\",\"a\":[,1]}",
    "{type:\"Ping\"}",
    "{\"type\":Ping}",
    "{\"type\":\"Ping\",\"a\":True}",
    "{\"type\":\"Ping\",\"a\":nul}",
    "{\"type\":\"Ping\",\"a\":NaN}",
    "{\"type\":\"Ping\",\"a\":Infinity}",
    "{\"type\":\"Ping\",\"a\":-Infinity}",
    "{\"type\":\"Ping\",\"a\":01}",
    "{\"type\":\"Ping\",\"a\":-01}",
    "{\"type\":\"Ping\",\"a\":+1}",
    "{\"type\":\"Ping\",\"a\":.5}",
    "{\"type\":\"Ping\",\"a\":1.}",
    "{\"type\":\"Ping\",\"a\":1e}",
    "{\"type\":\"Ping\",\"a\":1e+}",
    "{\"type\":\"Ping\",\"a\":0x10}",
    "{\"type\":\"Ping\",\"a\":-}",
    "{\"type\":\"Ping\",\"a\":1 2}",
    "{\"type\":\"Ping\",\"s\":\"a\tb\"}",
    "{\"type\":\"Ping\",\"s\":\"a\nb\"}",
    "{\"type\":\"Ping\",\"s\":\"\x01\"}",
    "{\"type\":\"Ping\",\"s\":\"\\222\"}",
    "{\"type\":\"Ping\",\"s\":\"\\x41\"}",
    "{\"type\":\"Ping\",\"s\":\"\\'\"}",
    "{\"type\":\"Ping\",\"s\":\"\\u00g0\"}",
    "{\"type\":\"Ping\",\"s\":\"\\u0000\"}",
    "{\"type\":\"Ping\",\"s\":\"abc}",
    "{\"type\":\"Ping\" \"a\":1}",
    "{\"type\" \"Ping\"}",
    "{\"type\":\"Ping\",\"a\":[1 2]}",
    "{\"type\":\"Ping\",\"a\":{1:2}}",
    "{\"type\":\"Ping\"}\x0b",
    "\xef\xbb\xbf{\"type\":\"Ping\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = NULL;

      g_test_message ("case %u: %s", i, cases[i]);
      g_assert_false (chorus_json_check_text (cases[i], CHORUS_MAX_JSON_DEPTH, &error));
      g_assert_error (error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_PROTOCOL);
      g_clear_error (&error);

      node = chorus_json_parse_frame (cases[i], NULL, &error);
      g_assert_null (node);
      g_assert_error (error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_PROTOCOL);
    }
}

/* The strict reader builds the same values as json-glib for valid text. */
static void
test_parse_frame_values (void)
{
  const char *text =
    " \r\n\t{\"type\":\"Ping\",\"a\":[true,false,null,0,-0,12,-3.5,1E2,2e-1,\"\"],"
    "\"s\":\"q\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\xc3\xa9\","
    "\"o\":{\"k\":{},\"l\":[]},\"type2\":\"x\"} ";
  g_autoptr(JsonNode) frame = chorus_json_parse_frame (text, NULL, NULL);
  g_autoptr(JsonNode) expected = json_from_string (text, NULL);
  JsonObject *object;
  JsonArray *array;

  g_assert_nonnull (frame);
  g_assert_true (json_node_is_immutable (frame));
  g_assert_true (chorus_value_equal (frame, expected));

  object = json_node_get_object (frame);
  g_assert_cmpstr (json_object_get_string_member (object, "s"), ==,
                   "q\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80\xc3\xa9");
  array = json_object_get_array_member (object, "a");
  g_assert_cmpint (json_node_get_value_type (json_array_get_element (array, 3)), ==, G_TYPE_INT64);
  g_assert_cmpint (json_node_get_value_type (json_array_get_element (array, 6)), ==, G_TYPE_DOUBLE);
  g_assert_cmpfloat (json_array_get_double_element (array, 7), ==, 100.0);
  g_assert_cmpfloat (json_array_get_double_element (array, 8), ==, 0.2);
  g_assert_true (JSON_NODE_HOLDS_NULL (json_array_get_element (array, 2)));
  g_assert_true (json_array_get_boolean_element (array, 0));
  g_assert_false (json_array_get_boolean_element (array, 1));
}

/* The canonical writer never emits invalid UTF-8, even for a string that
 * is not valid UTF-8 itself. */
static void
test_write_string_invalid_utf8 (void)
{
  g_autoptr(GString) out = g_string_new (NULL);

  chorus_value_write_string (out, "a\x92" "b\xc3");
  g_assert_true (g_utf8_validate (out->str, out->len, NULL));
  g_assert_cmpstr (out->str, ==, "\"a\xef\xbf\xbd" "b\xef\xbf\xbd\"");
}

static char *
rows_frame (guint       query_id,
            const char *rows)
{
  return g_strdup_printf ("{\"type\":\"Transition\",\"modifications\":[{\"type\":"
                          "\"QueryUpdated\",\"queryId\":%u,\"value\":[%s]}]}",
                          query_id, rows);
}

static JsonNode *
parse_rows (ChorusJsonCache *cache,
            guint            query_id,
            const char      *rows)
{
  g_autofree char *text = rows_frame (query_id, rows);
  g_autoptr(GError) error = NULL;
  JsonNode *frame = chorus_json_parse_frame (text, cache, &error);

  g_assert_no_error (error);
  return frame;
}

static JsonNode *
row_value (JsonNode *frame)
{
  JsonArray *modifications = json_object_get_array_member (json_node_get_object (frame),
                                                           "modifications");

  return json_object_get_member (json_array_get_object_element (modifications, 0), "value");
}

static JsonNode *
row_at (JsonNode *frame,
        guint     index)
{
  return json_array_get_element (json_node_get_array (row_value (frame)), index);
}

static void
test_row_cache_shares_rows (void)
{
  ChorusJsonCache *cache = chorus_json_cache_new ();
  g_autoptr(JsonNode) first = parse_rows (cache, 1, "{\"_id\":\"a\"},{\"_id\":\"b\"}");
  g_autoptr(JsonNode) second = parse_rows (cache, 1, "{\"_id\":\"b\"},{\"_id\":\"c\"}");
  g_autoptr(JsonNode) other = parse_rows (cache, 2, "{\"_id\":\"c\"}");
  g_autoptr(JsonNode) spaced = parse_rows (cache, 1, "{\"_id\":\"b\"}, {\"_id\" :\"c\"}");

  g_assert_true (row_at (second, 0) == row_at (first, 1));
  g_assert_true (row_at (second, 1) != row_at (first, 0));
  g_assert_true (json_node_is_immutable (row_at (second, 1)));
  g_assert_true (row_at (other, 0) != row_at (second, 1));
  g_assert_true (row_at (spaced, 0) == row_at (second, 0));
  g_assert_true (row_at (spaced, 1) != row_at (second, 1));
  g_assert_true (chorus_value_equal (row_at (spaced, 1), row_at (second, 1)));

  chorus_json_cache_free (cache);
}

/* The row after a shared row is first compared with the row that followed
 * it last time. */
static void
test_row_cache_next_row (void)
{
  ChorusJsonCache *cache = chorus_json_cache_new ();
  g_autoptr(JsonNode) first = parse_rows (cache, 1, "{\"n\":1},{\"n\":2},{\"n\":3}");
  g_autoptr(JsonNode) second = parse_rows (cache, 1, "{\"n\":2},{\"n\":3},{\"n\":4}");
  g_autofree char *bad_text = rows_frame (1, "{\"n\":2},{\"n\":3}5,{\"n\":4}");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) bad = NULL;

  g_assert_true (row_at (second, 0) == row_at (first, 1));
  g_assert_true (row_at (second, 1) == row_at (first, 2));
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (row_at (second, 2)), "n"),
                   ==, 4);

  bad = chorus_json_parse_frame (bad_text, cache, &error);
  g_assert_null (bad);
  g_assert_error (error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_PROTOCOL);

  chorus_json_cache_free (cache);
}

static void
test_row_cache_keeps_text (void)
{
  ChorusJsonCache *cache = chorus_json_cache_new ();
  g_autoptr(JsonNode) good = parse_rows (cache, 1, "{\"a\": 1} ,{\"b\":[2]}");
  g_autofree char *text = NULL;
  g_autofree char *unknown = NULL;
  gboolean checked = FALSE;

  text = chorus_json_cache_take_text (cache, row_value (good), &checked);
  g_assert_cmpstr (text, ==, "[{\"a\": 1} ,{\"b\":[2]}]");
  g_assert_true (checked);
  unknown = chorus_json_cache_take_text (cache, row_at (good, 0), &checked);
  g_assert_null (unknown);
  g_assert_false (checked);

  chorus_json_cache_free (cache);
}

/* A repeated "value" member replaces the earlier one in the frame, and
 * the cache must name only the text of a value that stays. */
static void
test_row_cache_repeated_value (void)
{
  const char *texts[] = {
    "{\"type\":\"Transition\",\"modifications\":[{\"type\":\"QueryUpdated\","
    "\"queryId\":1,\"value\":[{\"a\":1}],\"value\":[{\"$b\":2}]}]}",
    "{\"type\":\"Transition\",\"modifications\":[{\"type\":\"QueryUpdated\","
    "\"queryId\":1,\"value\":[{\"a\":1}],\"value\":\"x\",\"value\":\"y\"}]}",
  };
  const char *expected_texts[] = { "[{\"$b\":2}]", NULL };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      ChorusJsonCache *cache = chorus_json_cache_new ();
      g_autoptr(JsonNode) frame = chorus_json_parse_frame (texts[i], cache, NULL);
      g_autofree char *value_text = NULL;
      gboolean checked = TRUE;

      g_assert_nonnull (frame);
      value_text = chorus_json_cache_take_text (cache, row_value (frame), &checked);
      g_assert_cmpstr (value_text, ==, expected_texts[i]);
      g_assert_false (checked);

      chorus_json_cache_free (cache);
    }
}

/* A row that breaks the value rules is not shared and not marked checked,
 * so the client still checks the whole result. */
static void
test_row_cache_invalid_value (void)
{
  ChorusJsonCache *cache = chorus_json_cache_new ();
  g_autoptr(JsonNode) first = parse_rows (cache, 1, "{\"$bad\":1}");
  g_autoptr(JsonNode) second = parse_rows (cache, 1, "{\"$bad\":1}");
  g_autofree char *text = NULL;
  gboolean checked = TRUE;

  text = chorus_json_cache_take_text (cache, row_value (second), &checked);
  g_assert_nonnull (text);
  g_assert_false (checked);
  g_assert_true (row_at (second, 0) != row_at (first, 0));

  chorus_json_cache_free (cache);
}

/* Rows read through the cache meet the same strict rules, also when an
 * earlier result had a row with the same start. */
static void
test_row_cache_strict (void)
{
  const char *invalid[] = {
    "{\"a\":\"\\x\"}",
    "{\"a\":1,}",
    "{\"a\":01}",
    "{\"a\":1}x",
    "{\"a\":1",
    "{\"a\":1},{\"b\":2}x",
    "{\"a\":1},{\"b\":2",
    "{\"a\":1},{\"b\":2},",
  };
  ChorusJsonCache *cache = chorus_json_cache_new ();
  g_autoptr(JsonNode) valid = parse_rows (cache, 1, "{\"a\":1},{\"b\":2}");

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autofree char *text = rows_frame (1, invalid[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = chorus_json_parse_frame (text, cache, &error);

      g_assert_null (node);
      g_assert_error (error, CHORUS_CLIENT_ERROR, CHORUS_CLIENT_ERROR_PROTOCOL);
    }

  chorus_json_cache_free (cache);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/value/encoded-ts-examples", test_encoded_ts_examples);
  g_test_add_func ("/core/value/encoded-ts-invalid", test_encoded_ts_invalid);
  g_test_add_func ("/core/value/canonical-udf-path", test_canonical_udf_path);
  g_test_add_func ("/core/value/canonical-json", test_canonical_json);
  g_test_add_func ("/core/value/query-token-sorted", test_query_token_sorted);
  g_test_add_func ("/core/value/equal-by-value", test_value_equal);
  g_test_add_func ("/core/value/check-text", test_check_text);
  g_test_add_func ("/core/value/parse-frame", test_parse_frame);
  g_test_add_func ("/core/value/dup-sealed-copies", test_dup_sealed_copies);
  g_test_add_func ("/core/value/check-valid", test_check_valid_values);
  g_test_add_func ("/core/value/check-invalid", test_check_invalid_values);
  g_test_add_func ("/core/value/check-long-key", test_check_long_key);
  g_test_add_func ("/core/value/int64-round-trip", test_int64_round_trip);
  g_test_add_func ("/core/value/float-round-trip", test_float_round_trip);
  g_test_add_func ("/core/value/bytes-round-trip", test_bytes_round_trip);
  g_test_add_func ("/core/value/parse-frame-rejects", test_parse_frame_rejects_bad_text);
  g_test_add_func ("/core/value/parse-frame-edge-numbers", test_parse_frame_accepts_edge_numbers);
  g_test_add_func ("/core/value/check-text-strict", test_check_text_strict);
  g_test_add_func ("/core/value/parse-frame-values", test_parse_frame_values);
  g_test_add_func ("/core/value/write-string-invalid-utf8", test_write_string_invalid_utf8);
  g_test_add_func ("/core/value/row-cache-shares-rows", test_row_cache_shares_rows);
  g_test_add_func ("/core/value/row-cache-next-row", test_row_cache_next_row);
  g_test_add_func ("/core/value/row-cache-keeps-text", test_row_cache_keeps_text);
  g_test_add_func ("/core/value/row-cache-invalid-value", test_row_cache_invalid_value);
  g_test_add_func ("/core/value/row-cache-repeated-value", test_row_cache_repeated_value);
  g_test_add_func ("/core/value/row-cache-strict", test_row_cache_strict);

  return g_test_run ();
}
