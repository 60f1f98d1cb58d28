/*
 * sanitise.c: text from untrusted input, made safe to show.
 *
 * One decoder (UTF-8, strict) and one list of controls decide what is
 * shown as it is; the text, CSV and HTML encoders show the rest as
 * escapes, the JSON encoder as \u escapes. See sanitise.h.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sanitise.h"

/* Where encoded text goes: a stream, a buffer, or a fixed array. */
struct sink {
	FILE		*f;
	struct buf	*b;
	char		*out;		/* len bytes, with a NUL */
	size_t		 len;
	size_t		 used;		/* bytes in out */
	int		 full;		/* out: a unit did not fit */
	size_t		 total;		/* bytes made in all */
	int		 failed;
};

enum mode {
	M_TEXT,
	M_CSV,		/* '"' doubled */
	M_HTML,		/* & < > " ' as entities */
};

static void	vformat(struct sink *, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));

/* A sink on a stream, locked once rather than at each write. */
static void
sink_file(struct sink *k, FILE *f)
{
	memset(k, 0, sizeof *k);
	k->f = f;
	flockfile(f);
}

static void
sink_file_end(struct sink *k)
{
	funlockfile(k->f);
}

/* Why the last write to a stream failed (sanitise_errno). */
static _Thread_local int write_errno;

int
sanitise_errno(void)
{
	return write_errno;
}

/*
 * Write n bytes as one unit: into a fixed array only whole, so that no
 * character or escape is ever cut.
 */
static void
put(struct sink *k, const char *s, size_t n)
{
	k->total += n;
	if (k->failed || n == 0)
		return;
	if (k->f != NULL) {
		/* The stream is locked by the caller (sink_file). */
		if (n == 1) {
			if (putc_unlocked(*s, k->f) == EOF)
				k->failed = 1;
		} else if (fwrite_unlocked(s, 1, n, k->f) != n)
			k->failed = 1;
		if (k->failed)
			write_errno = errno;
	} else if (k->b != NULL) {
		if (buf_add(k->b, s, n) == -1)
			k->failed = 1;
	} else if (k->out != NULL && !k->full) {
		if (k->used + n >= k->len) {
			k->full = 1;
			return;
		}
		memcpy(k->out + k->used, s, n);
		k->used += n;
	}
}

/* A run of plain ASCII bytes: each a unit of its own in a fixed array. */
static void
put_run(struct sink *k, const char *s, size_t n)
{
	size_t	room;

	if (k->f == NULL && k->b == NULL && k->out != NULL && !k->full &&
	    k->used + n >= k->len) {
		room = k->len - k->used - 1;
		put(k, s, room);
		k->total += n - room;
		k->full = 1;
		return;
	}
	put(k, s, n);
}

int
sanitise_is_control(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f ||
	    (cp >= 0x80 && cp <= 0x9f) ||		/* C1 */
	    cp == 0x061c ||			/* arabic letter mark */
	    cp == 0x200e || cp == 0x200f ||		/* LRM, RLM */
	    (cp >= 0x2028 && cp <= 0x202e) ||	/* LS, PS, LRE..RLO */
	    (cp >= 0x2066 && cp <= 0x2069);		/* LRI..PDI */
}

size_t
sanitise_decode(const char *s, size_t n, uint32_t *cpp,
    enum sanitise_kind *kind)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 len, i;

	if (p[0] < 0x80) {
		*cpp = p[0];
		*kind = sanitise_is_control(p[0]) ? SANITISE_CONTROL :
		    SANITISE_PLAIN;
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else
		goto invalid;
	if (len > n)
		goto invalid;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			goto invalid;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* Overlong, surrogates, beyond Unicode. */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 ||
	    cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		goto invalid;
	*cpp = cp;
	*kind = sanitise_is_control(cp) ? SANITISE_CONTROL : SANITISE_PLAIN;
	return len;
invalid:
	*cpp = p[0];
	*kind = SANITISE_INVALID;
	return 1;
}

/*
 * Plain ASCII bytes, shown as they are: bit 1 in text, 2 in CSV (not
 * '"'), 4 in HTML (not & < > " '). Never a control, DEL or backslash.
 */
static const unsigned char plain_bytes[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	7, 7, 1, 7, 7, 7, 3, 3, 7, 7, 7, 7, 7, 7, 7, 7,
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 3, 7, 3, 7,
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 0, 7, 7, 7,
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* How many of the n bytes at s are plain ASCII, shown as they are. */
static size_t
plain_run(const unsigned char *s, size_t n, enum mode m)
{
	unsigned char	bit = m == M_TEXT ? 1 : m == M_CSV ? 2 : 4;
	size_t		i;

	for (i = 0; i < n && (plain_bytes[s[i]] & bit); i++)
		;
	return i;
}

/* The escape of a character that is not shown as it is; its length. */
static size_t
escape(uint32_t cp, enum sanitise_kind kind, enum mode m, char *out,
    size_t len)
{
	const char	*e = NULL;

	if (kind == SANITISE_INVALID)
		return (size_t)snprintf(out, len, "\\x%02x", (unsigned)cp);
	if (kind == SANITISE_CONTROL) {
		switch (cp) {
		case '\t':
			e = "\\t";
			break;
		case '\n':
			e = "\\n";
			break;
		case '\r':
			e = "\\r";
			break;
		default:
			return (size_t)snprintf(out, len, cp < 0x80 ?
			    "\\x%02x" : "\\u%04x", (unsigned)cp);
		}
	} else if (cp == '\\')
		e = "\\\\";
	else if (m == M_CSV && cp == '"')
		e = "\"\"";
	else if (m == M_HTML)
		switch (cp) {
		case '&':
			e = "&amp;";
			break;
		case '<':
			e = "&lt;";
			break;
		case '>':
			e = "&gt;";
			break;
		case '"':
			e = "&quot;";
			break;
		case '\'':
			e = "&#39;";
			break;
		}
	if (e == NULL) {
		/* Not reached: plain characters are not escaped. */
		out[0] = '?';
		out[1] = '\0';
		return 1;
	}
	return (size_t)snprintf(out, len, "%s", e);
}

/*
 * The text form of s (n bytes), at most maxw characters of it, to k.
 * Returns the characters written (an escape counts its characters).
 */
static size_t
visible(struct sink *k, const char *s, size_t n, enum mode m, size_t maxw)
{
	enum sanitise_kind	 kind;
	uint32_t		 cp;
	size_t			 i = 0, w = 0, run, l, el;
	char			 esc[16];

	while (i < n && w < maxw) {
		run = plain_run((const unsigned char *)s + i, n - i < maxw - w ?
		    n - i : maxw - w, m);
		if (run > 0) {
			put_run(k, s + i, run);
			i += run;
			w += run;
			continue;
		}
		l = sanitise_decode(s + i, n - i, &cp, &kind);
		if (kind == SANITISE_PLAIN && cp >= 0x80) {
			put(k, s + i, l);
			i += l;
			w++;
			continue;
		}
		el = escape(cp, kind, m, esc, sizeof esc);
		if (m == M_TEXT && w + el > maxw)
			break;
		put(k, esc, el);
		i += l;
		w += m == M_TEXT ? el : 1;
	}
	return w;
}

size_t
sanitise(const char *s, char *out, size_t len)
{
	struct sink	k;

	memset(&k, 0, sizeof k);
	k.out = out;
	k.len = len;
	if (s != NULL)
		visible(&k, s, strlen(s), M_TEXT, SIZE_MAX);
	if (out != NULL && len > 0)
		out[k.used] = '\0';
	return k.total;
}

char *
sanitise_dup(const char *s)
{
	size_t	 n = sanitise(s, NULL, 0);
	char	*p;

	p = malloc(n + 1);
	if (p != NULL)
		sanitise(s, p, n + 1);
	return p;
}

size_t
sanitise_width(const char *s)
{
	struct sink	k;

	memset(&k, 0, sizeof k);
	return s != NULL ? visible(&k, s, strlen(s), M_TEXT, SIZE_MAX) : 0;
}

/* s in a mode, appended to b: 0, or -1 when out of memory. */
static int
to_buf(struct buf *b, const char *s, enum mode mode)
{
	struct sink	k;

	memset(&k, 0, sizeof k);
	k.b = b;
	if (s != NULL)
		visible(&k, s, strlen(s), mode, SIZE_MAX);
	return k.failed ? -1 : 0;
}

int
sanitise_buf(struct buf *b, const char *s)
{
	return to_buf(b, s, M_TEXT);
}

int
sanitise_html(struct buf *b, const char *s)
{
	return to_buf(b, s, M_HTML);
}

/* --- printf ----------------------------------------------------------- */

/* A string argument: padded to width, cut to prec characters. */
static void
put_str(struct sink *k, const char *s, size_t n, int width, int prec,
    int left)
{
	struct sink	count;
	size_t		w, maxw = prec >= 0 ? (size_t)prec : SIZE_MAX;

	if (width > 0) {
		memset(&count, 0, sizeof count);
		w = visible(&count, s, n, M_TEXT, maxw);
		if (!left)
			for (; w < (size_t)width; w++)
				put(k, " ", 1);
		visible(k, s, n, M_TEXT, maxw);
		if (left)
			for (; w < (size_t)width; w++)
				put(k, " ", 1);
	} else
		visible(k, s, n, M_TEXT, maxw);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
/* snprintf with a conversion rebuilt by vformat, into the sink. */
#define CONV(type)	do {						\
	type v_ = va_arg(ap, type);					\
	int n_ = snprintf(tmp, sizeof tmp, spec, v_);			\
	if (n_ > 0)							\
		put(k, tmp, (size_t)n_ < sizeof tmp ? (size_t)n_ :	\
		    sizeof tmp - 1);					\
} while (0)

static void
vformat(struct sink *k, const char *fmt, va_list ap)
{
	const char	*p = fmt, *q;
	char		 spec[64], tmp[512], c;
	size_t		 n;
	int		 width, prec, left, lng;

	for (;;) {
		q = strchr(p, '%');
		if (q == NULL) {
			put(k, p, strlen(p));
			return;
		}
		put(k, p, (size_t)(q - p));
		p = q + 1;
		if (*p == '%') {
			put(k, "%", 1);
			p++;
			continue;
		}
		/* Rebuild the conversion with its widths resolved. */
		n = 0;
		spec[n++] = '%';
		left = 0;
		while (*p != '\0' && strchr("-+ #0", *p) != NULL) {
			if (*p == '-')
				left = 1;
			else if (n < 8)
				spec[n++] = *p;
			p++;
		}
		width = -1;
		if (*p == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				left = 1;
				width = width == INT_MIN ? 0 : -width;
			}
			p++;
		} else if (*p >= '0' && *p <= '9')
			for (width = 0; *p >= '0' && *p <= '9'; p++)
				width = width < 100000 ? width * 10 +
				    (*p - '0') : width;
		prec = -1;
		if (*p == '.') {
			p++;
			if (*p == '*') {
				prec = va_arg(ap, int);
				if (prec < 0)
					prec = -1;
				p++;
			} else
				for (prec = 0; *p >= '0' && *p <= '9'; p++)
					prec = prec < 100000 ? prec * 10 +
					    (*p - '0') : prec;
		}
		if (left)
			spec[n++] = '-';
		if (width >= 0)
			n += (size_t)snprintf(spec + n, sizeof spec - n, "%d",
			    width);
		if (prec >= 0)
			n += (size_t)snprintf(spec + n, sizeof spec - n, ".%d",
			    prec);
		/* Length: 0 none, 1 l, 2 ll, 3 z, 4 j, 5 t, 6 L; h: int. */
		lng = 0;
		for (;; p++) {
			if (*p == 'h')
				spec[n++] = *p;
			else if (*p == 'l') {
				lng = lng == 1 ? 2 : 1;
				spec[n++] = *p;
			} else if (*p == 'z' || *p == 'j' || *p == 't' ||
			    *p == 'L') {
				lng = *p == 'z' ? 3 : *p == 'j' ? 4 :
				    *p == 't' ? 5 : 6;
				spec[n++] = *p;
			} else
				break;
			if (n > sizeof spec - 4)
				break;
		}
		c = *p;
		if (c == '\0')
			return;
		p++;
		spec[n++] = c;
		spec[n] = '\0';
		switch (c) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (s == NULL)
				s = "(null)";
			put_str(k, s, strlen(s), width, prec, left);
			break;
		}
		case 'c': {
			char ch = (char)va_arg(ap, int);
			put_str(k, &ch, 1, width, -1, left);
			break;
		}
		case 'd':
		case 'i':
			switch (lng) {
			case 1: CONV(long); break;
			case 2: CONV(long long); break;
			case 3: CONV(ptrdiff_t); break;	/* ssize_t */
			case 4: CONV(intmax_t); break;
			case 5: CONV(ptrdiff_t); break;
			default: CONV(int); break;
			}
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			switch (lng) {
			case 1: CONV(unsigned long); break;
			case 2: CONV(unsigned long long); break;
			case 3: CONV(size_t); break;
			case 4: CONV(uintmax_t); break;
			case 5: CONV(size_t); break;
			default: CONV(unsigned); break;
			}
			break;
		case 'e':
		case 'E':
		case 'f':
		case 'F':
		case 'g':
		case 'G':
		case 'a':
		case 'A':
			if (lng == 6)
				CONV(long double);
			else
				CONV(double);
			break;
		case 'p':
			CONV(void *);
			break;
		default:
			/* %n and unknown conversions: nothing, and stop. */
			return;
		}
	}
}
#undef CONV
#pragma GCC diagnostic pop

int
sanitise_vfprintf(FILE *f, const char *fmt, va_list ap)
{
	struct sink	k;

	sink_file(&k, f);
	vformat(&k, fmt, ap);
	sink_file_end(&k);
	return k.failed ? -1 : k.total > INT_MAX ? INT_MAX : (int)k.total;
}

int
sanitise_fprintf(FILE *f, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = sanitise_vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

int
sanitise_printf(const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = sanitise_vfprintf(stdout, fmt, ap);
	va_end(ap);
	return n;
}

int
sanitise_vbprintf(struct buf *b, const char *fmt, va_list ap)
{
	struct sink	k;

	memset(&k, 0, sizeof k);
	k.b = b;
	vformat(&k, fmt, ap);
	return k.failed ? -1 : 0;
}

int
sanitise_bprintf(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, fmt);
	rc = sanitise_vbprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

int
sanitise_fputs(const char *s, FILE *f)
{
	struct sink	k;

	sink_file(&k, f);
	visible(&k, s, strlen(s), M_TEXT, SIZE_MAX);
	sink_file_end(&k);
	return k.failed ? EOF : 0;
}

/* --- CSV and JSON ------------------------------------------------------ */

void
sanitise_csv(FILE *f, const char *s)
{
	struct sink	k;

	sink_file(&k, f);
	put(&k, "\"", 1);
	/* A spreadsheet takes these for the start of a formula. */
	if (s != NULL && (s[0] == '=' || s[0] == '+' || s[0] == '-' ||
	    s[0] == '@'))
		put(&k, "'", 1);
	if (s != NULL)
		visible(&k, s, strlen(s), M_CSV, SIZE_MAX);
	put(&k, "\"", 1);
	sink_file_end(&k);
}

/*
 * In memory, for a million fields: plain runs copied as they are, the
 * rest as escape() and sanitise_json() show it (the unit tests compare
 * the two on every class of character).
 */
size_t
sanitise_csv_mem(char *out, const char *s, size_t n)
{
	const unsigned char	*u = (const unsigned char *)s;
	enum sanitise_kind	 kind;
	uint32_t		 cp;
	size_t			 i = 0, l;
	char			*o = out, esc[16];

	*o++ = '"';
	if (s != NULL && n > 0 && (s[0] == '=' || s[0] == '+' ||
	    s[0] == '-' || s[0] == '@'))
		*o++ = '\'';
	while (s != NULL && i < n) {
		if (plain_bytes[u[i]] & 2) {
			*o++ = s[i++];
			continue;
		}
		l = sanitise_decode(s + i, n - i, &cp, &kind);
		if (kind == SANITISE_PLAIN && cp >= 0x80) {
			memcpy(o, s + i, l);
			o += l;
		} else {
			/* At most 6 bytes, for at least 2 of the input's
			   when more than 4. */
			size_t el = escape(cp, kind, M_CSV, esc, sizeof esc);
			memcpy(o, esc, el);
			o += el;
		}
		i += l;
	}
	*o++ = '"';
	return (size_t)(o - out);
}

size_t
sanitise_json_mem(char *out, const char *s, size_t n)
{
	const unsigned char	*u = (const unsigned char *)s;
	enum sanitise_kind	 kind;
	uint32_t		 cp;
	size_t			 i = 0, l;
	char			*o = out;

	if (s == NULL) {
		memcpy(o, "null", 4);
		return 4;
	}
	*o++ = '"';
	while (i < n) {
		/* CSV's plain bytes are JSON's: printable ASCII but " \\ */
		if (plain_bytes[u[i]] & 2) {
			*o++ = s[i++];
			continue;
		}
		l = sanitise_decode(s + i, n - i, &cp, &kind);
		if (kind == SANITISE_PLAIN && cp >= 0x80) {
			memcpy(o, s + i, l);
			o += l;
		} else if (kind == SANITISE_INVALID) {
			memcpy(o, "\\ufffd", 6);
			o += 6;
		} else if (cp == '"' || cp == '\\') {
			*o++ = '\\';
			*o++ = (char)cp;
		} else if (cp == '\n' || cp == '\t' || cp == '\r') {
			*o++ = '\\';
			*o++ = cp == '\n' ? 'n' : cp == '\t' ? 't' : 'r';
		} else {
			static const char hex[] = "0123456789abcdef";
			memcpy(o, "\\u", 2);
			o[2] = hex[(cp >> 12) & 15];
			o[3] = hex[(cp >> 8) & 15];
			o[4] = hex[(cp >> 4) & 15];
			o[5] = hex[cp & 15];
			o += 6;
		}
		i += l;
	}
	*o++ = '"';
	return (size_t)(o - out);
}

void
sanitise_json(FILE *f, const char *s)
{
	struct sink		 k;
	enum sanitise_kind	 kind;
	uint32_t		 cp;
	size_t			 i, n, run, l;
	char			 esc[16];

	sink_file(&k, f);
	if (s == NULL) {
		put(&k, "null", 4);
		sink_file_end(&k);
		return;
	}
	put(&k, "\"", 1);
	n = strlen(s);
	for (i = 0; i < n; ) {
		for (run = 0; i + run < n &&
		    (unsigned char)s[i + run] >= 0x20 &&
		    (unsigned char)s[i + run] < 0x7f && s[i + run] != '"' &&
		    s[i + run] != '\\'; run++)
			;
		if (run > 0) {
			put(&k, s + i, run);
			i += run;
			continue;
		}
		l = sanitise_decode(s + i, n - i, &cp, &kind);
		if (kind == SANITISE_PLAIN && cp >= 0x80)
			put(&k, s + i, l);
		else if (kind == SANITISE_INVALID)
			put(&k, "\\ufffd", 6);
		else if (cp == '"')
			put(&k, "\\\"", 2);
		else if (cp == '\\')
			put(&k, "\\\\", 2);
		else if (cp == '\n')
			put(&k, "\\n", 2);
		else if (cp == '\t')
			put(&k, "\\t", 2);
		else if (cp == '\r')
			put(&k, "\\r", 2);
		else
			put(&k, esc, (size_t)snprintf(esc, sizeof esc,
			    "\\u%04x", (unsigned)cp));
		i += l;
	}
	put(&k, "\"", 1);
	sink_file_end(&k);
}
