/*
 * test_sanitise.c: untrusted text made safe to show, every class of
 * character at its boundaries, in every output context.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sanitise.h"

/* The text form of s. */
static const char *
text(const char *s)
{
	static char	out[256];

	sanitise(s, out, sizeof out);
	return out;
}

/* What a stream receives from f(stream, s). */
static const char *
through(void (*f)(FILE *, const char *), const char *s)
{
	static char	 out[256];
	FILE		*fp;
	size_t		 n;

	fp = tmpfile();
	assert_non_null(fp);
	f(fp, s);
	rewind(fp);
	n = fread(out, 1, sizeof out - 1, fp);
	out[n] = '\0';
	fclose(fp);
	return out;
}

static const char *
bprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static const char *
bprintf(const char *fmt, ...)
{
	static struct buf	b;
	va_list			ap;

	buf_reset(&b);
	va_start(ap, fmt);
	assert_int_equal(sanitise_vbprintf(&b, fmt, ap), 0);
	va_end(ap);
	buf_add(&b, "", 1);
	return b.data;
}

static void
c0_and_del(void **state)
{
	(void)state;
	assert_string_equal(text("a\x01" "b"), "a\\x01b");
	assert_string_equal(text("\x1b[2J"), "\\x1b[2J");
	assert_string_equal(text("\x07"), "\\x07");
	assert_string_equal(text("\x1f"), "\\x1f");
	assert_string_equal(text(" "), " ");		/* U+0020 */
	assert_string_equal(text("~"), "~");		/* U+007E */
	assert_string_equal(text("\x7f"), "\\x7f");	/* U+007F */
	assert_string_equal(text("a\tb\nc\rd"), "a\\tb\\nc\\rd");
	/* The escape character itself. */
	assert_string_equal(text("a\\x1b"), "a\\\\x1b");
}

static void
c1(void **state)
{
	(void)state;
	assert_string_equal(text("\xc2\x80"), "\\u0080");	/* U+0080 */
	assert_string_equal(text("\xc2\x9b" "31m"), "\\u009b31m"); /* CSI */
	assert_string_equal(text("\xc2\x9f"), "\\u009f");	/* U+009F */
	assert_string_equal(text("\xc2\xa0"), "\xc2\xa0");	/* U+00A0 */
	assert_string_equal(text("\xc3\xa9t\xc3\xa9"), "\xc3\xa9t\xc3\xa9");
	/* C1 as bare bytes are not UTF-8. */
	assert_string_equal(text("\x9b"), "\\x9b");
}

static void
bidi_and_separators(void **state)
{
	(void)state;
	assert_string_equal(text("\xd8\x9b"), "\xd8\x9b");	/* U+061B */
	assert_string_equal(text("\xd8\x9c"), "\\u061c");	/* U+061C */
	assert_string_equal(text("\xd8\x9d"), "\xd8\x9d");	/* U+061D */
	assert_string_equal(text("\xe2\x80\x8d"), "\xe2\x80\x8d"); /* 200D */
	assert_string_equal(text("\xe2\x80\x8e"), "\\u200e");
	assert_string_equal(text("\xe2\x80\x8f"), "\\u200f");
	assert_string_equal(text("\xe2\x80\x90"), "\xe2\x80\x90"); /* 2010 */
	assert_string_equal(text("\xe2\x80\xa7"), "\xe2\x80\xa7"); /* 2027 */
	assert_string_equal(text("\xe2\x80\xa8"), "\\u2028");
	assert_string_equal(text("\xe2\x80\xa9"), "\\u2029");
	assert_string_equal(text("\xe2\x80\xaa"), "\\u202a");
	assert_string_equal(text("\xe2\x80\xad"), "\\u202d");
	assert_string_equal(text("\xe2\x80\xae" "txt.exe"),
	    "\\u202etxt.exe");
	assert_string_equal(text("\xe2\x80\xaf"), "\xe2\x80\xaf"); /* 202F */
	assert_string_equal(text("\xe2\x81\xa5"), "\xe2\x81\xa5"); /* 2065 */
	assert_string_equal(text("\xe2\x81\xa6"), "\\u2066");
	assert_string_equal(text("\xe2\x81\xa9"), "\\u2069");
	assert_string_equal(text("\xe2\x81\xaa"), "\xe2\x81\xaa"); /* 206A */
}

static void
invalid_utf8(void **state)
{
	(void)state;
	/* Overlong forms. */
	assert_string_equal(text("\xc0\x80"), "\\xc0\\x80");
	assert_string_equal(text("\xc1\xbf"), "\\xc1\\xbf");
	assert_string_equal(text("\xe0\x9f\xbf"), "\\xe0\\x9f\\xbf");
	assert_string_equal(text("\xe0\xa0\x80"), "\xe0\xa0\x80"); /* 0800 */
	assert_string_equal(text("\xf0\x8f\xbf\xbf"),
	    "\\xf0\\x8f\\xbf\\xbf");
	assert_string_equal(text("\xf0\x90\x80\x80"), "\xf0\x90\x80\x80");
	/* Surrogates. */
	assert_string_equal(text("\xed\x9f\xbf"), "\xed\x9f\xbf"); /* D7FF */
	assert_string_equal(text("\xed\xa0\x80"), "\\xed\\xa0\\x80");
	assert_string_equal(text("\xed\xbf\xbf"), "\\xed\\xbf\\xbf");
	assert_string_equal(text("\xee\x80\x80"), "\xee\x80\x80"); /* E000 */
	/* The last code point, and beyond. */
	assert_string_equal(text("\xf4\x8f\xbf\xbf"), "\xf4\x8f\xbf\xbf");
	assert_string_equal(text("\xf4\x90\x80\x80"),
	    "\\xf4\\x90\\x80\\x80");
	assert_string_equal(text("\xf5\x80"), "\\xf5\\x80");
	assert_string_equal(text("\xff"), "\\xff");
	/* Cut sequences, and a lone continuation byte. */
	assert_string_equal(text("a\xe2\x80"), "a\\xe2\\x80");
	assert_string_equal(text("\xe2\x80z"), "\\xe2\\x80z");
	assert_string_equal(text("\x80"), "\\x80");
}

static void
decode_reports_kind(void **state)
{
	enum sanitise_kind	k;
	uint32_t		cp;

	(void)state;
	assert_int_equal(sanitise_decode("\xe2\x80\xae", 3, &cp, &k), 3);
	assert_int_equal(cp, 0x202e);
	assert_int_equal(k, SANITISE_CONTROL);
	/* A sequence longer than what is left is not one. */
	assert_int_equal(sanitise_decode("\xe2\x80\xae", 2, &cp, &k), 1);
	assert_int_equal(k, SANITISE_INVALID);
	assert_int_equal(cp, 0xe2);
	assert_int_equal(sanitise_decode("\xf0\x9f\x98\x80", 4, &cp, &k), 4);
	assert_int_equal(cp, 0x1f600);
	assert_int_equal(k, SANITISE_PLAIN);
}

static void
cut_whole(void **state)
{
	char	out[8];

	(void)state;
	/* Returns the whole length; never cuts an escape. */
	assert_int_equal(sanitise("abcd\x1b", out, sizeof out), 8);
	assert_string_equal(out, "abcd");
	assert_int_equal(sanitise("abc\x1b", out, sizeof out), 7);
	assert_string_equal(out, "abc\\x1b");
	/* Nor a character. */
	assert_int_equal(sanitise("abcdef\xc3\xa9", out, sizeof out), 8);
	assert_string_equal(out, "abcdef");
	assert_int_equal(sanitise("abcdefghij", out, sizeof out), 10);
	assert_string_equal(out, "abcdefg");
	assert_int_equal(sanitise("x", NULL, 0), 1);
	assert_int_equal(sanitise_width("a\xc3\xa9\x1b"), 6);
}

static void
printf_sanitises_strings(void **state)
{
	(void)state;
	assert_string_equal(bprintf("%s: %s\n", "org\r\nverdict ADVANCE",
	    "x"), "org\\r\\nverdict ADVANCE: x\n");
	assert_string_equal(bprintf("[%5s|%-5s]", "\xc3\xa9", "ab"),
	    "[    \xc3\xa9|ab   ]");
	/* Width and precision count characters of the text form. */
	assert_string_equal(bprintf("[%-6s]", "\x1b"), "[\\x1b  ]");
	assert_string_equal(bprintf("[%.5s]", "ab\x1b" "cd"), "[ab]");
	assert_string_equal(bprintf("[%.6s]", "ab\x1b" "cd"), "[ab\\x1b]");
	assert_string_equal(bprintf("[%.2s]", "\xc3\xa9\xc3\xa9\xc3\xa9"),
	    "[\xc3\xa9\xc3\xa9]");
	assert_string_equal(bprintf("[%*s]", -3, "a"), "[a  ]");
	assert_string_equal(bprintf("[%.*s]", 2, "abc"), "[ab]");
	assert_string_equal(bprintf("%c%c", 'a', '\n'), "a\\n");
	assert_string_equal(bprintf("%s", (char *)NULL), "(null)");
	/* The other conversions are printf's. */
	assert_string_equal(bprintf("%d %5u %-4lld| %zu %.1f %x %% %03d",
	    -7, 42u, 12LL, (size_t)9, 2.25, 255u, 5), "-7    42 12  | 9 2.2 "
	    "ff % 005");
	assert_string_equal(bprintf("%+d %ld %llu %jd", 3, -1L,
	    18446744073709551615ULL, (intmax_t)-2), "+3 -1 "
	    "18446744073709551615 -2");
	/* The format is the program's own: shown as it is. */
	assert_string_equal(bprintf("a\tb\n"), "a\tb\n");
}

static void
csv_quoted_defused_sanitised(void **state)
{
	(void)state;
	assert_string_equal(through(sanitise_csv, "a\"b"), "\"a\"\"b\"");
	assert_string_equal(through(sanitise_csv, "=1+1"), "\"'=1+1\"");
	assert_string_equal(through(sanitise_csv, "-x"), "\"'-x\"");
	assert_string_equal(through(sanitise_csv, "@x"), "\"'@x\"");
	assert_string_equal(through(sanitise_csv, "+x"), "\"'+x\"");
	assert_string_equal(through(sanitise_csv, "a\nb\xc2\x9b\xe2\x80\xae"),
	    "\"a\\nb\\u009b\\u202e\"");
	assert_string_equal(through(sanitise_csv, NULL), "\"\"");
}

static void
json_escaped(void **state)
{
	(void)state;
	assert_string_equal(through(sanitise_json, "a\"b\\c\nd\te\rf\x1b"),
	    "\"a\\\"b\\\\c\\nd\\te\\rf\\u001b\"");
	assert_string_equal(through(sanitise_json, "\x7f\xc2\x80\xc2\x9f"
	    "\xc2\xa0"), "\"\\u007f\\u0080\\u009f\xc2\xa0\"");
	assert_string_equal(through(sanitise_json, "\xe2\x80\xae\xe2\x80\xa8"
	    "\xe2\x80\xaf\xd8\x9c"), "\"\\u202e\\u2028\xe2\x80\xaf\\u061c\"");
	/* Not UTF-8: the replacement character. */
	assert_string_equal(through(sanitise_json, "a\xff\xc0\x80"),
	    "\"a\\ufffd\\ufffd\\ufffd\"");
	assert_string_equal(through(sanitise_json, NULL), "null");
}

/*
 * The in-memory encoders write what the stream ones do: on strings of
 * every class of character at its boundaries, cut sequences among
 * them, and on random bytes weighted towards the interesting ones.
 */
static void
mem_same_as_stream_one(const char *s)
{
	static char	 want[4096], got[4096];
	FILE		*fp;
	size_t		 n, wn, gn;
	int		 json;

	n = s != NULL ? strlen(s) : 0;
	assert_true(SANITISE_JSON_MAX(n) < sizeof got);
	for (json = 0; json < 2; json++) {
		fp = tmpfile();
		assert_non_null(fp);
		if (json)
			sanitise_json(fp, s);
		else
			sanitise_csv(fp, s);
		rewind(fp);
		wn = fread(want, 1, sizeof want, fp);
		fclose(fp);
		memset(got, 0x55, sizeof got);
		gn = json ? sanitise_json_mem(got, s, n) :
		    sanitise_csv_mem(got, s, n);
		assert_true(gn <= (json ? SANITISE_JSON_MAX(n) :
		    SANITISE_CSV_MAX(n)));
		/* Nothing written beyond what it returns. */
		assert_int_equal((unsigned char)got[gn], 0x55);
		assert_int_equal(gn, wn);
		assert_memory_equal(got, want, wn);
	}
}

static void
mem_encoders_as_streams(void **state)
{
	static const char *const fixed[] = {
		NULL, "", "plain", "a\"b\\c", "=1", "+1", "-1", "@1", "'1",
		"\x01\x09\x0a\x0d\x1b\x1f\x7f", "\xc2\x80\xc2\x9f\xc2\xa0",
		"\xd8\x9c\xe2\x80\x8e\xe2\x80\x8f\xe2\x80\xa8\xe2\x80\xae"
		"\xe2\x81\xa6\xe2\x81\xa9\xe2\x81\xaa", "\xff\xfe\xc0\xaf",
		"\xe0\x80\xaf\xed\xa0\x80\xf4\x90\x80\x80\xf0\x9f\x98\x80",
		"cut\xe2\x80", "cut\xc3", "\x80lone", "<&>'", "\\\\\"\"",
	};
	static const unsigned char pick[] = {
		'a', 'Z', '0', ' ', '"', '\\', '=', '-', '\'', ',', '\n', '\t',
		'\r', 0x01, 0x1b, 0x7f, 0x80, 0x9b, 0xa0, 0xbf, 0xc0, 0xc2,
		0xd8, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf8, 0xff, 0x81, 0x8e,
	};
	char		 s[200];
	size_t		 i, j, n;
	unsigned	 seed = 11;

	(void)state;
	for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		mem_same_as_stream_one(fixed[i]);
	for (i = 0; i < 20000; i++) {
		seed = seed * 1103515245u + 12345u;
		n = (seed >> 16) % (sizeof s - 1);
		for (j = 0; j < n; j++) {
			seed = seed * 1103515245u + 12345u;
			s[j] = (char)((seed >> 16) % 4 == 0 ?
			    (seed >> 20) % 255 + 1 :
			    pick[(seed >> 20) % sizeof pick]);
		}
		s[n] = '\0';
		mem_same_as_stream_one(s);
	}
}

static void
html_escaped_after_text_form(void **state)
{
	struct buf	b = { 0 };

	(void)state;
	assert_int_equal(sanitise_html(&b, "<a href='x'>&\"\x1b\xe2\x80\xae"
	    "\\"), 0);
	buf_add(&b, "", 1);
	assert_string_equal(b.data, "&lt;a href=&#39;x&#39;&gt;&amp;&quot;"
	    "\\x1b\\u202e\\\\");
	buf_free(&b);
}

static void
fputs_and_dup(void **state)
{
	char	*p;

	(void)state;
	p = sanitise_dup("a\x1b\xe2\x80\xae");
	assert_non_null(p);
	assert_string_equal(p, "a\\x1b\\u202e");
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(c0_and_del),
		cmocka_unit_test(c1),
		cmocka_unit_test(bidi_and_separators),
		cmocka_unit_test(invalid_utf8),
		cmocka_unit_test(decode_reports_kind),
		cmocka_unit_test(cut_whole),
		cmocka_unit_test(printf_sanitises_strings),
		cmocka_unit_test(csv_quoted_defused_sanitised),
		cmocka_unit_test(json_escaped),
		cmocka_unit_test(mem_encoders_as_streams),
		cmocka_unit_test(html_escaped_after_text_form),
		cmocka_unit_test(fputs_and_dup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
