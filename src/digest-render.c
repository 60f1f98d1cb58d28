/*
 * digest-render.c: the digest as plain text and as HTML.
 *
 * One function, render(), says what the digest contains and in which
 * order, through a small set of operations (headings, paragraphs,
 * items, tables, a bar chart, a DNS record) that a text and an HTML
 * emitter implement. So the two parts carry the same facts and the
 * same figures, by construction.
 *
 * Every string an operation is given is shown in the text form of
 * sanitise.h (then, in HTML, escaped): text from reports, such as a
 * reporter's name or a source's reason, can never forge a line, drive a
 * terminal or reverse text, whichever part of the digest it lands in.
 *
 * Text: 72 columns, words wrapped, tables aligned. HTML: what mail
 * clients render: table layout, styles by class in the head (see
 * below), no scripts, images or fonts; the chart is made of table
 * cells.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "digest.h"
#include "fmt.h"
#include "group.h"
#include "record.h"
#include "sanitise.h"

#define TEXT_WIDTH	72
#define BAR_WIDTH	24
#define MAX_COLS	6
#define MAX_ROWS	256	/* the header and 255 domains */
/* Domains that get their sections even when all are fine. */
#define DIGEST_FEW	3
/*
 * The size of the HTML part up to which domains get their sections:
 * Gmail clips a part above 102 KB (102,400 bytes, which
 * tests/e2e/digest-layout.sh checks); the rest is for the title (the
 * subject) and the line that counts the sections left out.
 */
#define HTML_BUDGET	(92 * 1024)
/* "What to do" lists that many; the overview has every domain. */
#define TODO_MAX	25

/* Whether a domain has a section (plan). */
enum { SHOW_NONE, SHOW_WANT, SHOW_FULL };

/* NAME: left, and as long as a domain name (HTML: breaks anywhere). */
enum align { LEFT, RIGHT, NAME };

struct bar {
	uint64_t	messages, pass, max;
};

struct emit {
	struct buf	*b;
	int		 failed;
	/* A table being built (the text emitter aligns it at the end). */
	size_t		 ncols;
	enum align	 align[MAX_COLS];
	char		*cells[MAX_ROWS][MAX_COLS];
	struct bar	 bars[MAX_ROWS];
	int		 has_bar;
	size_t		 nrows;
	int		 in_list;	/* HTML: a run of items is open */
	const struct emit_ops *ops;
};

struct emit_ops {
	void	(*title)(struct emit *, const char *);
	void	(*banner)(struct emit *, enum digest_level, const char *);
	void	(*section)(struct emit *, const char *);
	void	(*subsection)(struct emit *, const char *);
	void	(*para)(struct emit *, const char *);
	void	(*item)(struct emit *, enum digest_level, const char *);
	void	(*kv)(struct emit *, const char *, const char *);
	void	(*record)(struct emit *, const char *);
	void	(*table_end)(struct emit *);
	void	(*end)(struct emit *);
};

/* --- output helpers ------------------------------------------------- */

static void
put(struct emit *e, const char *s, size_t n)
{
	if (buf_add(e->b, s, n) == -1)
		e->failed = 1;
}

static void
puts_(struct emit *e, const char *s)
{
	put(e, s, strlen(s));
}

static void
putf(struct emit *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
putf(struct emit *e, const char *fmt, ...)
{
	char	tmp[2048];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	put(e, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Characters on screen: UTF-8 continuation bytes do not count. */
static size_t
width(const char *s, size_t n)
{
	size_t	w = 0, i;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	return w;
}

/* --- tables (shared: the operations collect rows) ------------------- */

static void
table_begin(struct emit *e, size_t ncols, const char *aligns, int bar)
{
	size_t	i;

	e->ncols = ncols < MAX_COLS ? ncols : MAX_COLS;
	for (i = 0; i < e->ncols; i++)
		e->align[i] = aligns[i] == 'r' ? RIGHT : aligns[i] == 'n' ?
		    NAME : LEFT;
	e->has_bar = bar;
	e->nrows = 0;
}

/* A row of ncols cells (the first row is the header). */
static void
table_row(struct emit *e, const char *const *cells, const struct bar *bar)
{
	size_t	i;

	if (e->nrows == MAX_ROWS)
		return;
	for (i = 0; i < e->ncols; i++)
		if ((e->cells[e->nrows][i] = strdup(cells[i] ? cells[i] :
		    "")) == NULL)
			e->failed = 1;
	if (bar != NULL)
		e->bars[e->nrows] = *bar;
	else
		memset(&e->bars[e->nrows], 0, sizeof e->bars[0]);
	e->nrows++;
}

static void
table_clear(struct emit *e)
{
	size_t	r, c;

	for (r = 0; r < e->nrows; r++)
		for (c = 0; c < e->ncols; c++) {
			free(e->cells[r][c]);
			e->cells[r][c] = NULL;
		}
	e->nrows = 0;
}

/* --- text ------------------------------------------------------------ */

/* The text form of s, which the caller frees; NULL when out of memory. */
static char *
text_form(struct emit *e, const char *s)
{
	char	*v;

	v = sanitise_dup(s);
	if (v == NULL)
		e->failed = 1;
	return v;
}

/* Words of s wrapped at TEXT_WIDTH: first line after lead, then indent. */
static void
text_wrap(struct emit *e, const char *lead, size_t indent, const char *s)
{
	size_t	col, n, w;

	puts_(e, lead);
	col = width(lead, strlen(lead));
	while (*s == ' ')
		s++;
	while (*s != '\0') {
		n = strcspn(s, " ");
		w = width(s, n);
		if (col > indent && col + 1 + w > TEXT_WIDTH) {
			putf(e, "\n%*s", (int)indent, "");
			col = indent;
		} else if (col > indent || (col == indent && col > width(lead,
		    strlen(lead)))) {
			put(e, " ", 1);
			col++;
		}
		put(e, s, n);
		col += w;
		s += n;
		while (*s == ' ')
			s++;
	}
	put(e, "\n", 1);
}

/* s, then a line of '-' as wide as it. */
static void
text_underlined(struct emit *e, const char *s)
{
	size_t	i, w = width(s, strlen(s));

	putf(e, "%s\n", s);
	for (i = 0; i < w; i++)
		put(e, "-", 1);
	put(e, "\n", 1);
}

static void
text_title(struct emit *e, const char *s)
{
	char	*v = text_form(e, s);

	if (v != NULL)
		text_underlined(e, v);
	free(v);
}

static void
text_section(struct emit *e, const char *s)
{
	char	*v = text_form(e, s);

	put(e, "\n\n", 2);
	if (v != NULL)
		text_underlined(e, v);
	free(v);
}

static void
text_subsection(struct emit *e, const char *s)
{
	char	*v = text_form(e, s);

	if (v != NULL)
		putf(e, "\n%s\n", v);
	free(v);
}

static void
text_para(struct emit *e, const char *s)
{
	char	*v = text_form(e, s);

	put(e, "\n", 1);
	if (v != NULL)
		text_wrap(e, "", 0, v);
	free(v);
}

static void
text_item(struct emit *e, enum digest_level level, const char *s)
{
	char	*v = text_form(e, s);

	if (v != NULL)
		text_wrap(e, level == DIGEST_ACT ? "  ! " : level ==
		    DIGEST_OK ? "  + " : "  - ", 4, v);
	free(v);
}

static void
text_kv(struct emit *e, const char *k, const char *v)
{
	char	 lead[64], *kk = text_form(e, k), *vv = text_form(e, v);

	if (kk != NULL && vv != NULL) {
		snprintf(lead, sizeof lead, "  %-15s", kk);
		text_wrap(e, lead, 17, vv);
	}
	free(kk);
	free(vv);
}

static void
text_record(struct emit *e, const char *s)
{
	char	*v = text_form(e, s);

	/* On a line of its own, never wrapped: it is copied as is. */
	if (v != NULL)
		putf(e, "\n    %s\n\n", v);
	free(v);
}

static void
text_table_end(struct emit *e)
{
	size_t	w[MAX_COLS] = { 0 }, r, c, n, i, full, ok;

	for (r = 0; r < e->nrows; r++)
		for (c = 0; c < e->ncols; c++) {
			n = sanitise_width(e->cells[r][c]);
			if (n > w[c])
				w[c] = n;
		}
	put(e, "\n", 1);
	for (r = 0; r < e->nrows; r++) {
		put(e, "  ", 2);
		for (c = 0; c < e->ncols; c++) {
			const char *s = e->cells[r][c];
			n = sanitise_width(s);
			if (c > 0)
				put(e, "  ", 2);
			if (e->align[c] == RIGHT)
				putf(e, "%*s", (int)(w[c] - n), "");
			if (sanitise_buf(e->b, s) == -1)
				e->failed = 1;
			if (e->align[c] != RIGHT && (c + 1 < e->ncols ||
			    e->has_bar))
				putf(e, "%*s", (int)(w[c] - n), "");
		}
		if (e->has_bar && r > 0 && e->bars[r].max > 0) {
			const struct bar *b = &e->bars[r];
			full = (size_t)((b->messages * BAR_WIDTH + b->max - 1) /
			    b->max);
			ok = b->messages ? (size_t)((b->pass * full +
			    b->messages / 2) / b->messages) : 0;
			put(e, "  ", 2);
			for (i = 0; i < full; i++)
				puts_(e, i < ok ? "\xe2\x96\x88" :
				    "\xe2\x96\x91");	/* full, light */
		}
		/* No trailing blanks. */
		while (e->b->len > 0 && e->b->data[e->b->len - 1] == ' ')
			e->b->len--;
		put(e, "\n", 1);
	}
	table_clear(e);
}

static void
text_end(struct emit *e)
{
	(void)e;
}

/* The verdict, boxed in the text's plain way. */
static void
text_banner(struct emit *e, enum digest_level level, const char *s)
{
	char	*v = text_form(e, s);
	size_t	 i, n;

	if (v == NULL)
		return;
	n = sanitise_width(v) + 4;
	if (n > TEXT_WIDTH)
		n = TEXT_WIDTH;
	put(e, "\n", 1);
	for (i = 0; i < n; i++)
		put(e, level == DIGEST_ACT ? "!" : "=", 1);
	put(e, "\n", 1);
	text_wrap(e, level == DIGEST_ACT ? "! " : "  ", 2, v);
	for (i = 0; i < n; i++)
		put(e, level == DIGEST_ACT ? "!" : "=", 1);
	put(e, "\n", 1);
	free(v);
}

static const struct emit_ops text_ops = {
	text_title, text_banner, text_section, text_subsection, text_para, text_item,
	text_kv, text_record, text_table_end, text_end,
};

/* --- HTML ------------------------------------------------------------ */

/*
 * The look is in the style blocks, by element and class, once: inline
 * styles repeated on every cell made 200 domains weigh 200 KB, and
 * Gmail clips an HTML part above 102 KB. A client that drops the style
 * blocks still gets, from HTML attributes, the tables' alignment and
 * spacing, the chart's colours and the banner's; inline styles remain
 * only where losing them would hurt: the banner's white text, the
 * hidden preheader, the width of the page and the forced breaks of a
 * DNS record. There, a long name in a table widens the page.
 *
 * Dark mode has a block of its own: a client that rejects one block
 * (Gmail drops what it cannot parse) keeps the other.
 */
#define C_TEXT		"#1f2328"
#define C_MUTED		"#59636e"
#define C_RULE		"#d0d7de"
#define C_PASS		"#2da44e"
#define C_FAIL		"#cf222e"
#define C_NOTE		"#bf8700"
#define C_ATTN		"#9a6700"	/* under white text */
#define FONT		"-apple-system,'Segoe UI',Roboto,Helvetica,Arial," \
			"sans-serif"
/* Words as long as a domain name break anywhere rather than overflow. */
#define BREAK		"overflow-wrap:anywhere;word-break:break-word;"

static const char html_style[] =
    "body{margin:0;padding:0}\n"
    ".bg{background-color:#ffffff}\n"
    ".w{padding:20px 12px}\n"
    "h1,h2,h3,p,td,th{font-family:" FONT ";color:" C_TEXT "}\n"
    "h1,h2,h3,p,.ban,.i td,.x{" BREAK "}\n"
    "h1{margin:0 0 8px;font-size:22px;line-height:28px}\n"
    "h2{margin:28px 0 6px;padding-top:12px;border-top:1px solid " C_RULE
    ";font-size:18px;line-height:24px}\n"
    "h3{margin:16px 0 4px;font-size:15px;line-height:20px}\n"
    "p,td{font-size:14px;line-height:20px}\n"
    "p{margin:8px 0}\n"
    "p.kv{margin:6px 0}\n"
    ".ban{padding:12px 14px;border-radius:6px;font-size:16px;"
    "line-height:22px;font-weight:600}\n"
    ".i td{padding-bottom:4px}\n"
    ".a{color:" C_FAIL "}\n"
    ".o{color:" C_PASS "}\n"
    ".n{color:" C_NOTE "}\n"
    ".g{margin:8px 0;border-collapse:collapse}\n"
    ".g td,.g th{padding:3px 8px 3px 0;font-size:13px;line-height:18px}\n"
    ".g th{color:" C_MUTED ";border-bottom:1px solid " C_RULE ";"
    "font-weight:600}\n"
    ".r{white-space:nowrap}\n"
    ".g .bar td{padding:0!important;font-size:0!important;"
    "line-height:0!important}\n"
    ".rec{margin:6px 0 10px;padding:8px 10px;background-color:#f6f8fa;"
    "border:1px solid " C_RULE ";border-radius:6px;"
    "font-family:Menlo,Consolas,monospace;font-size:13px;"
    "line-height:18px}\n"
    "@media (max-width:480px){\n"
    ".w{padding:12px 8px!important}\n"
    "p,.i td,.g td,.g th{font-size:13px!important}\n"
    "}\n";

static const char html_dark[] =
    "@media (prefers-color-scheme:dark){\n"
    ".bg{background-color:#0d1117!important}\n"
    "h1,h2,h3,p,td{color:#e6edf3!important}\n"
    ".g th{color:#9198a1!important}\n"
    "h2,.g th{border-color:#30363d!important}\n"
    ".ban{color:#ffffff!important}\n"
    ".a{color:#ff7b72!important}\n"
    ".o{color:#3fb950!important}\n"
    ".n{color:#d29922!important}\n"
    ".rec{background-color:#161b22!important;"
    "border-color:#30363d!important}\n"
    "}\n";

/* The text form of s, escaped for HTML. */
static void
html_esc(struct emit *e, const char *s)
{
	if (sanitise_html(e->b, s) == -1)
		e->failed = 1;
}

/* Items come in runs, one table each: ended by whatever comes next. */
static void
html_list_end(struct emit *e)
{
	if (!e->in_list)
		return;
	puts_(e, "</table>\n");
	e->in_list = 0;
}

/* <TAG CLASS>s</TAG>, a list ended first. */
static void
html_elem(struct emit *e, const char *open, const char *close, const char *s)
{
	html_list_end(e);
	puts_(e, open);
	html_esc(e, s);
	puts_(e, close);
}

static void
html_title(struct emit *e, const char *s)
{
	html_elem(e, "<h1>", "</h1>\n", s);
}

static void
html_section(struct emit *e, const char *s)
{
	html_elem(e, "<h2>", "</h2>\n", s);
}

static void
html_subsection(struct emit *e, const char *s)
{
	html_elem(e, "<h3>", "</h3>\n", s);
}

static void
html_para(struct emit *e, const char *s)
{
	html_elem(e, "<p>", "</p>\n", s);
}

static void
html_item(struct emit *e, enum digest_level level, const char *s)
{
	if (!e->in_list) {
		puts_(e, "<table role=\"presentation\" class=\"i\" "
		    "cellpadding=\"0\" cellspacing=\"0\" border=\"0\" "
		    "width=\"100%\">\n");
		e->in_list = 1;
	}
	putf(e, "<tr><td class=\"%s\" width=\"18\" valign=\"top\">&#9679;"
	    "</td><td>", level == DIGEST_ACT ? "a" : level == DIGEST_OK ?
	    "o" : "n");
	html_esc(e, s);
	puts_(e, "</td></tr>\n");
}

static void
html_kv(struct emit *e, const char *k, const char *v)
{
	html_list_end(e);
	puts_(e, "<p class=\"kv\"><b>");
	html_esc(e, k);
	puts_(e, "</b> ");
	html_esc(e, v);
	puts_(e, "</p>\n");
}

static void
html_record(struct emit *e, const char *s)
{
	/* Copied as it is: broken anywhere, without a style block too. */
	html_elem(e, "<p class=\"rec\" style=\"word-break:break-all;\">",
	    "</p>\n", s);
}

/* A day's bar: its length the day's mail, green what passed. */
static void
html_bar(struct emit *e, const struct bar *b)
{
	unsigned	w, ok;

	w = b->max ? (unsigned)((b->messages * 100 + b->max - 1) / b->max) :
	    0;
	ok = b->messages ? (unsigned)((b->pass * 100 + b->messages / 2) /
	    b->messages) : 0;
	if (w == 0) {
		puts_(e, "&nbsp;");
		return;
	}
	putf(e, "<table role=\"presentation\" class=\"bar\" cellpadding=\"0\" "
	    "cellspacing=\"0\" border=\"0\" width=\"%u%%\"><tr>", w);
	if (ok > 0)
		putf(e, "<td bgcolor=\"" C_PASS "\" width=\"%u%%\" "
		    "height=\"12\">&nbsp;</td>", ok);
	if (ok < 100)
		putf(e, "<td bgcolor=\"" C_FAIL "\" width=\"%u%%\" "
		    "height=\"12\">&nbsp;</td>", 100 - ok);
	puts_(e, "</tr></table>");
}

/*
 * A data table: headers in <th>, numbers right-aligned and never
 * wrapped; a column of names has 40% of the width, its names broken
 * anywhere when they must (without the width, the table would break a
 * short name as soon as another column wants room).
 */
static void
html_table_end(struct emit *e)
{
	size_t	r, c;

	html_list_end(e);
	puts_(e, "<table class=\"g\" cellpadding=\"3\" cellspacing=\"0\" "
	    "border=\"0\" width=\"100%\">\n");
	for (r = 0; r < e->nrows; r++) {
		puts_(e, "<tr>");
		for (c = 0; c < e->ncols; c++) {
			putf(e, "<%s%s%s>", r == 0 ? "th" : "td",
			    e->align[c] == RIGHT ? " align=\"right\" "
			    "class=\"r\"" : r == 0 ? " align=\"left\"" : "",
			    e->align[c] != NAME ? "" : r == 0 ?
			    " width=\"40%\"" : " class=\"x\"");
			html_esc(e, e->cells[r][c]);
			puts_(e, r == 0 ? "</th>" : "</td>");
		}
		if (e->has_bar && r == 0)
			puts_(e, "<th width=\"40%\"></th>");
		else if (e->has_bar) {
			puts_(e, "<td>");
			html_bar(e, &e->bars[r]);
			puts_(e, "</td>");
		}
		puts_(e, "</tr>\n");
	}
	puts_(e, "</table>\n");
	table_clear(e);
}

static void
html_end(struct emit *e)
{
	html_list_end(e);
	puts_(e, "</td></tr></table>\n</td></tr></table>\n</body>\n</html>\n");
}

/* The verdict: a coloured block, in words too (colour is not read). */
static void
html_banner(struct emit *e, enum digest_level level, const char *s)
{
	html_list_end(e);
	putf(e, "<table role=\"presentation\" cellpadding=\"0\" "
	    "cellspacing=\"0\" border=\"0\" width=\"100%%\"><tr>"
	    "<td class=\"ban\" bgcolor=\"%s\" style=\"color:#ffffff;\">",
	    level == DIGEST_ACT ? C_FAIL : level == DIGEST_NOTE ? C_ATTN :
	    C_PASS);
	html_esc(e, s);
	puts_(e, "</td></tr></table>\n");
}

static const struct emit_ops html_ops = {
	html_title, html_banner, html_section, html_subsection, html_para, html_item,
	html_kv, html_record, html_table_end, html_end,
};

static void
html_begin(struct emit *e, const char *title)
{
	puts_(e, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n"
	    "<meta name=\"color-scheme\" content=\"light dark\">\n"
	    "<meta name=\"supported-color-schemes\" content=\"light dark\">\n"
	    "<title>");
	html_esc(e, title);
	puts_(e, "</title>\n<style>\n");
	puts_(e, html_style);
	puts_(e, "</style>\n<style>\n");
	puts_(e, html_dark);
	puts_(e, "</style>\n</head>\n<body class=\"bg\">\n"
	    "<table role=\"presentation\" class=\"bg\" cellpadding=\"0\" "
	    "cellspacing=\"0\" border=\"0\" width=\"100%\"><tr>"
	    "<td align=\"center\" class=\"w\">\n"
	    "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" "
	    "border=\"0\" width=\"100%\" style=\"max-width:680px;\"><tr>"
	    "<td align=\"left\">\n");
}

/* --- the content ----------------------------------------------------- */

static void
para(struct emit *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
para(struct emit *e, const char *fmt, ...)
{
	char	tmp[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	e->ops->para(e, tmp);
}

static void
kv(struct emit *e, const char *k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
kv(struct emit *e, const char *k, const char *fmt, ...)
{
	char	tmp[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	e->ops->kv(e, k, tmp);
}

static void
item(struct emit *e, enum digest_level l, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
item(struct emit *e, enum digest_level l, const char *fmt, ...)
{
	char	tmp[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	e->ops->item(e, l, tmp);
}

static void
day_label(int64_t day, char *out, size_t len)
{
	if (day < 0 || day > FMT_TIME_MAX / 86400 ||
	    fmt_utc(day * 86400, FMT_WEEKDAY, out, len) == -1)
		snprintf(out, len, "?");
}

/* "up 0.4 points", "down 1.2 points", "the same"; "" without a base. */
static void
change(uint64_t pass, uint64_t msgs, uint64_t ppass, uint64_t pmsgs,
    char *out, size_t len)
{
	double	d;

	if (msgs == 0 || pmsgs == 0) {
		snprintf(out, len, "-");
		return;
	}
	d = 100.0 * (double)pass / (double)msgs -
	    100.0 * (double)ppass / (double)pmsgs;
	if (d > -0.05 && d < 0.05)
		snprintf(out, len, "the same");
	else
		snprintf(out, len, "%s %.1f points", d > 0 ? "up" : "down",
		    d > 0 ? d : -d);
}

/* What receivers do with failing mail at a stage, in plain words. */
static const char *
stage_words(int stage)
{
	static const char *const w[6] = {
		"monitoring only: mail that fails is delivered as usual",
		"testing: mail that fails is still delivered as usual",
		"some of the mail that fails goes to spam",
		"mail that fails goes to spam",
		"mail that fails goes to spam (refusing it is being tested)",
		"mail that fails is refused",
	};

	return stage >= 0 && stage <= 5 ? w[stage] : "not known";
}

/* A stage to move to, in plain words: "ready to move on to ...". */
static const char *
step_words(int stage)
{
	static const char *const w[6] = {
		"monitoring only (mail that fails is delivered as usual)",
		"testing (mail that fails is still delivered as usual)",
		"sending some of the mail that fails to spam",
		"sending the mail that fails to spam",
		"testing refusal (mail that fails still goes to spam)",
		"refusing the mail that fails",
	};

	return stage >= 0 && stage <= 5 ? w[stage] : "a stage not known";
}

/* The tags of the published policy: "p=quarantine; pct=0; t=y". */
static void
policy_tags(const struct advice *a, char *out, size_t len)
{
	const struct policy	*p = &a->cur;
	char			 pct[32] = "";

	if (!a->has_policy) {
		snprintf(out, len, "not seen in the reports");
		return;
	}
	if (p->pct >= 0 && p->pct != 100)
		snprintf(pct, sizeof pct, "; pct=%lld", (long long)p->pct);
	snprintf(out, len, "p=%s%s%s", *p->p ? p->p : "none", pct,
	    strcmp(p->testing, "y") == 0 ? "; t=y" : "");
}

/* How a domain stands, in a few words, for the overview. */
static const char *
status(const struct digest_domain *d)
{
	if (d->cur->messages == 0)
		return "no reports";
	if (d->nitems > 0 && d->items[0].level == DIGEST_ACT)
		return "action needed";
	if (d->adv->verdict == VERDICT_ADVANCE && d->ask > 0)
		return "a question first";
	if (d->adv->verdict == VERDICT_ADVANCE)
		return "ready for the next step";
	if (d->nitems > 0 && d->items[0].level == DIGEST_NOTE)
		return "worth a look";
	return "OK";
}

/* How urgent a domain is: 0 first. */
static int
urgency(const struct digest_domain *d)
{
	if (d->cur->messages == 0 || (d->nitems > 0 &&
	    d->items[0].level == DIGEST_ACT))
		return 0;
	if (d->nitems > 0 && d->items[0].level == DIGEST_NOTE)
		return 1;
	if (d->adv->verdict == VERDICT_ADVANCE)
		return 2;
	return 3;
}

/* Whether a domain gets a section of its own. */
static int
needs_section(const struct digest_domain *d)
{
	return urgency(d) < 3;
}

/*
 * Who usually makes a fix: our DNS, or whoever runs the sender's
 * account (a service's settings page).
 */
static void
who_fixes(const struct digest_sender *v, char *out, size_t len)
{
	const char	*r = v->s != NULL ? v->s->reason : "";
	char		 name[300];

	if (strstr(r, " in DNS") != NULL || strstr(r, "SPF record") != NULL ||
	    strstr(r, "publish adkim") != NULL ||
	    strstr(r, "publish aspf") != NULL) {
		snprintf(out, len, "whoever manages your DNS");
		return;
	}
	if (v->g != NULL && v->g->name != NULL && (v->g->kind ==
	    GROUP_SERVICE || v->g->kind == GROUP_SENDER)) {
		group_noun(v->g->kind, v->g->name, 0, name, sizeof name);
		snprintf(out, len, "whoever runs your %s account, or your "
		    "DNS", name);
	} else
		snprintf(out, len, "whoever runs that sender, with your DNS");
}

/* The digest being sorted (rendering runs in one thread). */
static const struct digest *order_g;

static int
cmp_order(const void *a, const void *b)
{
	const struct digest_domain *x = &order_g->domains[*(const size_t *)a];
	const struct digest_domain *y = &order_g->domains[*(const size_t *)b];

	if (urgency(x) != urgency(y))
		return urgency(x) - urgency(y);
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/*
 * The domains' indexes, most urgent first (cmp_order); the caller frees
 * it. NULL when out of memory.
 */
static size_t *
domain_order(const struct digest *g)
{
	size_t	*order, i;

	order = calloc(g->ndomains ? g->ndomains : 1, sizeof *order);
	if (order == NULL)
		return NULL;
	for (i = 0; i < g->ndomains; i++)
		order[i] = i;
	order_g = g;
	qsort(order, g->ndomains, sizeof *order, cmp_order);
	return order;
}

static void
overview(struct emit *e, const struct digest *g, const size_t *order)
{
	const char	*hdr[4] = { "Domain", "Messages", "Passed", "Status" };
	const char	*per = g->days == 7 ? "week" : "period";
	char		 n1[32], n2[32], p1[16], p2[16], ch[32], nd[32];
	size_t		 i, shown = 0, more = 0, urgent = 0;

	e->ops->section(e, "Overview");
	if (g->messages == 0) {
		para(e, "No DMARC reports arrived about this %s, for any "
		    "domain. The large mailbox providers send them every "
		    "day: if none came, the report mailbox or the job that "
		    "reads it has stopped. See \"Reports received\" below.",
		    per);
	} else {
		fmt_count(g->messages, n1, sizeof n1);
		fmt_pct(g->pass, g->messages, p1, sizeof p1);
		fmt_count(g->new_sources, n2, sizeof n2);
		snprintf(nd, sizeof nd, "%zu domains", g->ndomains);
		if (g->prev_messages > 0) {
			fmt_pct(g->prev_pass, g->prev_messages, p2, sizeof p2);
			change(g->pass, g->messages, g->prev_pass,
			    g->prev_messages, ch, sizeof ch);
			para(e, "%s messages were sent as your %s this %s, "
			    "and %s of them passed the checks (DMARC): the %s "
			    "before, %s (%s). %s new sending address%s "
			    "appeared.", n1, g->ndomains == 1 ? "domain" :
			    nd, per, p1, per, p2, ch, g->new_sources ? n2 :
			    "No", g->new_sources == 1 ? "" : "es");
		} else
			para(e, "%s messages were sent as your %s this %s, "
			    "and %s of them passed the checks (DMARC); no "
			    "reports of the %s before to compare with. %s new "
			    "sending address%s appeared.", n1,
			    g->ndomains == 1 ? "domain" : nd, per, p1, per,
			    g->new_sources ? n2 : "No",
			    g->new_sources == 1 ? "" : "es");
	}
	if (g->ndomains > 0) {
		table_begin(e, 4, "nrrl", 0);
		table_row(e, hdr, NULL);
		for (i = 0; i < g->ndomains; i++) {
			const struct digest_domain *d = &g->domains[order[i]];
			const char *row[4];
			if (shown == MAX_ROWS - 1)
				break;
			fmt_count(d->cur->messages, n1, sizeof n1);
			fmt_pct(d->cur->pass, d->cur->messages, p1, sizeof p1);
			row[0] = d->domain;
			row[1] = n1;
			row[2] = p1;
			row[3] = status(d);
			table_row(e, row, NULL);
			shown++;
		}
		e->ops->table_end(e);
		/* The least urgent, the table being sorted. */
		for (; i < g->ndomains; i++) {
			more++;
			urgent += needs_section(&g->domains[order[i]]);
		}
		if (urgent > 0)
			para(e, "And %zu more domains, not listed, %zu of which "
			    "need attention: dmarcdb domains lists them all.",
			    more, urgent);
		else if (more > 0)
			para(e, "And %zu more domain%s, each OK, not listed: "
			    "dmarcdb domains lists them all.", more, more == 1 ?
			    "" : "s");
	}
	/* Anyone can name a domain in a report: those left out, counted. */
	if (g->others > 0)
		para(e, "%s.", g->others_line);
}

/* What someone must do, and the steps that can be taken: the flags. */
static void
todo(struct emit *e, const struct digest *g)
{
	size_t	i, n = g->nflags < TODO_MAX ? g->nflags : TODO_MAX;

	if (g->nflags == 0)
		return;
	e->ops->section(e, "What to do");
	for (i = 0; i < n; i++)
		e->ops->item(e, g->flags[i].level, g->flags[i].text);
	if (g->nflags_all > n)
		para(e, "And %zu more: see the overview and the domains "
		    "below.", g->nflags_all - n);
}

/* Senders in a list: name, messages, the fix and who makes it. */
static void
fix_list(struct emit *e, const struct digest_sender *v, size_t n,
    unsigned days, const char *what, const char *more)
{
	char	who[400], by[400], n1[96];
	size_t	i;

	for (i = 0; i < n && i < DIGEST_LIST; i++) {
		digest_sender_plain(&v[i], who, sizeof who);
		who_fixes(&v[i], by, sizeof by);
		digest_failed_count(&v[i], days, n1, sizeof n1);
		/* The cause in DMARC's words, for the one who fixes it. */
		item(e, DIGEST_ACT, "%s %s (%s). Who fixes it: %s. What to "
		    "send them: %s.", who, what, n1, by, v[i].s->reason);
	}
	if (n > DIGEST_LIST)
		para(e, "And %zu more that %s.", n - DIGEST_LIST, n -
		    DIGEST_LIST == 1 ? what : more);
}

static void
domain_part(struct emit *e, const struct digest *g,
    const struct digest_domain *d)
{
	const struct window	*w = d->cur;
	const struct advice	*a = d->adv;
	static const char *const cls[CLASS__COUNT] = {
		"your senders, passing",
		"your senders, failing",
		"forwarded (lists, forwarding)",
		"unknown (spoofing, or not set up)",
	};
	const char		*per = g->days == 7 ? "week" : "period";
	const char		*dh[3] = { "Day", "Messages", "Passed" };
	const char		*ch[4] = { "Who sent it", "Addresses",
				    "Messages", "Share" };
	char			 n1[32], n2[32], p1[16], p2[16], d1[16];
	char			 pol[96], who[400], na[32], judged[96];
	char			 ask[480];
	const char		*why;
	uint64_t		 max = 0;
	size_t			 i, shown;

	e->ops->section(e, d->domain);
	if (w->messages == 0)
		para(e, "No reports about %s arrived this %s.", d->domain,
		    per);
	else {
		fmt_count(w->messages, n1, sizeof n1);
		fmt_count(w->nsources, na, sizeof na);
		fmt_pct(w->pass, w->messages, p1, sizeof p1);
		if (d->prev->messages > 0) {
			fmt_pct(d->prev->pass, d->prev->messages, p2,
			    sizeof p2);
			fmt_count(d->prev->messages, n2, sizeof n2);
			para(e, "%s messages from %s address%s, reported by "
			    "%u mailbox provider%s; %s passed (the %s before: "
			    "%s of %s).", n1, na, w->nsources == 1 ? "" : "es",
			    w->reporters, w->reporters == 1 ? "" : "s", p1,
			    per, p2, n2);
		} else
			para(e, "%s messages from %s address%s, reported by "
			    "%u mailbox provider%s; %s passed.", n1, na,
			    w->nsources == 1 ? "" : "es", w->reporters,
			    w->reporters == 1 ? "" : "s", p1);

		/* The days, as a chart. */
		for (i = 0; i < w->ndays; i++)
			if (w->days[i].messages > max)
				max = w->days[i].messages;
		table_begin(e, 3, "lrr", 1);
		table_row(e, dh, NULL);
		for (i = 0; i < w->ndays; i++) {
			const char *row[3];
			struct bar b = { w->days[i].messages, w->days[i].pass,
			    max };
			day_label(w->from_day + (int64_t)i, d1, sizeof d1);
			fmt_count(w->days[i].messages, n1, sizeof n1);
			fmt_pct(w->days[i].pass, w->days[i].messages, p1,
			    sizeof p1);
			row[0] = d1;
			row[1] = n1;
			row[2] = p1;
			table_row(e, row, &b);
		}
		e->ops->table_end(e);
		para(e, "The bars: the longer, the more mail that day; the "
		    "green (solid) part passed DMARC, the red (shaded) part "
		    "failed.");

		table_begin(e, 4, "lrrr", 0);
		table_row(e, ch, NULL);
		for (i = 0; i < CLASS__COUNT; i++) {
			const char *row[4];
			char ns[16];
			snprintf(ns, sizeof ns, "%u", w->class_sources[i]);
			fmt_count(w->class_messages[i], n1, sizeof n1);
			fmt_pct(w->class_messages[i], w->messages, p1,
			    sizeof p1);
			row[0] = cls[i];
			row[1] = ns;
			row[2] = n1;
			row[3] = p1;
			table_row(e, row, NULL);
		}
		e->ops->table_end(e);
	}

	for (i = shown = 0; i < d->nitems; i++) {
		if (d->items[i].level == DIGEST_OK || d->items[i].elsewhere)
			continue;
		if (shown++ == 0)
			e->ops->subsection(e, "Needs attention");
		e->ops->item(e, d->items[i].level, d->items[i].text);
	}
	if (d->nbroken > 0 || d->nstill > 0) {
		e->ops->subsection(e, "To fix");
		fix_list(e, d->broken, d->nbroken, g->days,
		    "started failing", "started failing");
		fix_list(e, d->still, d->nstill, g->days, "still fails",
		    "still fail");
	}
	if (d->nnew > 0) {
		shown = 0;
		e->ops->subsection(e, "New senders: are they yours?");
		for (i = 0; i < d->nnews; i++) {
			const struct digest_sender *n = &d->news[i];
			digest_sender_plain(n, who, sizeof who);
			fmt_count(n->messages, n1, sizeof n1);
			shown += n->sources;
			if (n->g != NULL && n->g->kind == GROUP_NONE)
				item(e, DIGEST_NOTE, "%s, %s messages: spoofing, "
				    "most likely (they pass no check); the "
				    "policy will stop them once it is enforced",
				    who, n1);
			else if (n->s->class == CLASS_UNKNOWN)
				item(e, DIGEST_NOTE, "%s, %s messages, failing "
				    "DMARC: is it yours? If so, it must be set "
				    "up to send as %s (dmarcdb advise says how); "
				    "if not, the policy will stop it once it is "
				    "enforced", who, n1, d->domain);
			else
				item(e, DIGEST_OK, "%s, %s messages: %s", who,
				    n1, n->s->class == CLASS_FORWARDED ?
				    "forwarded mail" : n->s->class ==
				    CLASS_COMPLIANT ? "one of your senders, "
				    "passing" : "one of your senders, failing");
		}
		if (d->nnew > shown)
			para(e, "And %zu more new address%s.", d->nnew - shown,
			    d->nnew - shown == 1 ? "" : "es");
	}
	if (d->nunknown > 0) {
		e->ops->subsection(e, "The largest unknown senders");
		for (i = 0; i < d->nunknown && i < DIGEST_LIST; i++) {
			const struct digest_sender *u = &d->unknown[i];
			digest_sender_plain(u, who, sizeof who);
			fmt_count(u->messages, n1, sizeof n1);
			fmt_pct(u->pass, u->messages, p1, sizeof p1);
			item(e, DIGEST_NOTE, "%s, %s messages as %s, %s passed",
			    who, n1, *u->s->header_from ? u->s->header_from :
			    d->domain, p1);
		}
		if (d->nunknown > DIGEST_LIST)
			para(e, "And %zu more: dmarcdb sources --domain %s "
			    "--class unknown", d->nunknown - DIGEST_LIST,
			    d->domain);
	}
	if (d->nlost > 0) {
		e->ops->subsection(e, "Mailbox providers that stopped "
		    "reporting");
		for (i = 0; i < d->nlost && i < DIGEST_LIST; i++)
			item(e, DIGEST_NOTE, "%s sent reports the %s before, "
			    "none this %s", d->lost[i], per, per);
		if (d->nlost > DIGEST_LIST)
			para(e, "And %zu more.", d->nlost - DIGEST_LIST);
	}

	if (d->nchanges > 0) {
		e->ops->subsection(e, "Changes in DNS");
		for (i = 0; i < d->nchanges && i < DIGEST_LIST; i++) {
			char day[16];
			fmt_day(d->changes[i].on / 86400, day, sizeof day);
			item(e, DIGEST_NOTE, "%s changed on %s (as dmarcdb "
			    "check found it): if nobody meant to change it, "
			    "ask whoever runs your DNS", d->changes[i].what,
			    day);
		}
		if (d->nchanges > DIGEST_LIST)
			para(e, "And %zu more: dmarcdb check %s", d->nchanges -
			    DIGEST_LIST, d->domain);
	}

	e->ops->subsection(e, "Policy");
	policy_tags(a, pol, sizeof pol);
	if (a->has_policy && a->days_at_stage == 0)
		kv(e, "Now", "%s (%s), not yet seen in the reports",
		    stage_words(a->cur.stage), pol);
	else if (a->has_policy) {
		fmt_day(a->stage_since, d1, sizeof d1);
		kv(e, "Now", "%s (%s), for %u days (since %s)",
		    stage_words(a->cur.stage), pol, a->days_at_stage, d1);
	} else
		kv(e, "Now", "%s", pol);
	/* Reporters that disagree on it, and which saw what. */
	for (i = 0; i < a->disagree.n; i++)
		item(e, DIGEST_NOTE, "%s", a->disagree.text[i]);
	/* Advise's judgement: its window, not the week (said so). */
	fmt_day(a->from_day, d1, sizeof d1);
	snprintf(judged, sizeof judged, "Judged on the last %lld days of "
	    "reports (since %s)", (long long)(a->to_day - a->from_day + 1),
	    d1);
	why = a->reasons.n ? advice_plain(&a->reasons, 0) : "";
	switch (a->verdict) {
	case VERDICT_ADVANCE:
		if (d->ask > 0) {
			digest_ask_phrase(d, who, sizeof who);
			snprintf(ask, sizeof ask, ". But first find out "
			    "whether %s (above)", who);
		}
		kv(e, "Next step", "ready to move on to %s. %s: %s%s%s",
		    step_words(a->next_stage), judged, why, d->ask > 0 ?
		    ask : "", a->blockers.n ? "; also:" : "");
		break;
	case VERDICT_STEP_BACK:
		kv(e, "Next step", "step back to %s. %s: %s%s",
		    step_words(a->next_stage), judged, why, a->blockers.n ?
		    "; then:" : "");
		break;
	case VERDICT_HOLD:
		if (a->has_policy && a->cur.stage == 5 && a->blockers.n == 0)
			kv(e, "Next step", "none: this is the strongest "
			    "policy, keep it. %s", judged);
		else
			kv(e, "Next step", "not yet: stay as it is. %s%s",
			    judged, a->blockers.n ? "; first:" : "");
		break;
	case VERDICT_NO_DATA:
		kv(e, "Next step", "none: %s", a->reasons.n ? why :
		    "no reports");
		break;
	}
	for (i = 0; i < a->blockers.n && i < DIGEST_LIST; i++)
		item(e, DIGEST_NOTE, "%s", advice_plain(&a->blockers, i));
	if (a->blockers.n > DIGEST_LIST)
		para(e, "And %u more: dmarcdb advise --domain %s",
		    a->blockers.n - DIGEST_LIST, d->domain);
	if (a->verdict != VERDICT_NO_DATA && a->record_change[0] != '\0') {
		kv(e, "DNS", "in the record at %s, change %s, and keep its "
		    "other tags (rua= above all: the reports do not show it)",
		    a->record_name, a->record_change);
	} else if (a->verdict != VERDICT_NO_DATA) {
		char rec[RECORD_ZONE_MAX];
		if (record_zone(a->record_name, a->record_next, rec,
		    sizeof rec) == -1)
			kv(e, "DNS", "no record to publish: see the "
			    "warnings of dmarcdb advise");
		else {
			if (strcmp(a->record_now, a->record_next) == 0)
				kv(e, "DNS", "keep the record as published:");
			else
				kv(e, "DNS", "publish this record (%s):",
				    a->record_source != NULL &&
				    strcmp(a->record_source, "reports") == 0 ?
				    "add your rua= tag: the reports do not "
				    "show it" : "it keeps your other tags");
			e->ops->record(e, rec);
		}
	}
}

static void
health(struct emit *e, const struct digest *g)
{
	const struct digest_health	*h = &g->health;
	const char			*per = g->days == 7 ? "week" : "period";
	char				 n1[32], n2[32], d1[32];
	size_t				 i;

	e->ops->section(e, "Reports received");
	fmt_count(h->reports, n1, sizeof n1);
	fmt_count(h->reporters, n2, sizeof n2);
	if (h->reports == 0)
		kv(e, "Received", "no report about this %s", per);
	else
		kv(e, "Received", "%s report%s about this %s, from %s "
		    "mailbox provider%s", n1, h->reports == 1 ? "" : "s", per,
		    n2, h->reporters == 1 ? "" : "s");
	if (h->newest_end >= 0) {
		fmt_day((h->newest_end - 1) / 86400, d1, sizeof d1);
		if (h->silent_days > DIGEST_SILENT)
			kv(e, "Newest report", "covers up to %s: none for %lld "
			    "days. Is the job that reads the report mailbox "
			    "still running?", d1, (long long)h->silent_days);
		else if (h->silent_days == 0)
			kv(e, "Newest report", "covers up to %s, the day "
			    "before this digest", d1);
		else
			kv(e, "Newest report", "covers up to %s (%lld day%s "
			    "without reports since)", d1,
			    (long long)h->silent_days,
			    h->silent_days == 1 ? "" : "s");
	} else
		kv(e, "Newest report", "none stored");
	if (h->last_run >= 0) {
		fmt_utc(h->last_run, FMT_MINUTE_UTC, d1, sizeof d1);
		kv(e, "Last ingest", "%s", d1);
	} else
		kv(e, "Last ingest", "none recorded");
	fmt_count(h->rejected, n1, sizeof n1);
	kv(e, "Not readable", "%s input%s this %s%s", n1,
	    h->rejected == 1 ? "" : "s", per, h->rejected ? " (kept, with "
	    "the reason: dmarcdb rejected)" : "");
	for (i = 0; i < h->nreasons; i++) {
		fmt_count(h->reasons[i].inputs, n1, sizeof n1);
		item(e, DIGEST_NOTE, "%s: %s", n1, h->reasons[i].reason);
	}
}

/*
 * Everything, given the order of the domains and which of them have a
 * section (show[i] for the i-th in that order: SHOW_WANT, it needs one;
 * SHOW_FULL, it has one).
 */
static void
render(struct emit *e, const struct digest *g, const size_t *order,
    const unsigned char *show)
{
	char	 d1[16], d2[16], title[96];
	size_t	 i, rest = 0, left = 0;

	fmt_day(g->from_day, d1, sizeof d1);
	fmt_day(g->to_day, d2, sizeof d2);
	snprintf(title, sizeof title, "DMARC report, %s to %s", d1, d2);
	e->ops->title(e, title);
	e->ops->banner(e, g->level, g->banner);
	para(e, "What the large mailbox providers reported about the mail "
	    "sent as your domains over these %u days. Mail that passes the "
	    "checks (DMARC: SPF and DKIM, aligned with your domain) is "
	    "shown to come from you; mail that fails is spoofing, "
	    "forwarded mail, or a sender of yours that needs fixing.",
	    g->days);
	overview(e, g, order);
	todo(e, g);
	for (i = 0; i < g->ndomains; i++)
		if (show[i] == SHOW_FULL)
			domain_part(e, g, &g->domains[order[i]]);
		else if (show[i] == SHOW_WANT)
			left++;
		else
			rest++;
	if (left > 0)
		para(e, "%zu more domain%s that need%s attention or can take "
		    "%s next step %s no section here, to keep this message "
		    "short enough for every mail client: see the overview, "
		    "and dmarcdb advise.", left, left == 1 ? "" : "s",
		    left == 1 ? "s" : "", left == 1 ? "its" : "their",
		    left == 1 ? "has" : "have");
	if (g->messages == 0)
		;	/* no section: the overview says why */
	else if (rest == 1 && rest < g->ndomains)
		para(e, "The other domain needs nothing: see its line in the "
		    "overview.");
	else if (rest > 0 && rest < g->ndomains)
		para(e, "The other %zu domains need nothing: see their lines "
		    "in the overview.", rest);
	else if (rest > 0)
		para(e, "No domain needs anything: see the overview.");
	health(e, g);
	para(e, "Made by dmarcdb. The details: dmarcdb sources and dmarcdb "
	    "advise, with --as-of the day after the period.");
	e->ops->end(e);
}

/* The inbox preview, shown by mail clients, not in the message. */
static void
html_preheader(struct emit *e, const char *pre)
{
	puts_(e, "<div style=\"display:none;max-height:0;overflow:hidden;"
	    "mso-hide:all;\">");
	html_esc(e, pre);
	puts_(e, "</div>\n");
}

/* The whole HTML page: head, the inbox preview, then render's. */
static void
html_page(struct emit *e, const struct digest *g, const char *title,
    const size_t *order, const unsigned char *show)
{
	char	pre[512];

	html_begin(e, title);
	digest_preheader(g, pre, sizeof pre);
	html_preheader(e, pre);
	render(e, g, order, show);
}

/*
 * The domains in the order shown, and which get a section: those that
 * need one (all of them when there are a few, all fine; none when no
 * report came at all), the most urgent first, as long as the HTML
 * stays within HTML_BUDGET. Measured
 * on the HTML, so that both parts show the same sections. The caller
 * frees *order and *show; -1 when out of memory.
 */
static int
plan(const struct digest *g, size_t **order, unsigned char **show)
{
	struct emit	*m = NULL;
	struct buf	 b;
	size_t		 i, n = g->ndomains ? g->ndomains : 1, used, few = 0;
	int		 rc = -1;

	memset(&b, 0, sizeof b);
	*order = domain_order(g);
	*show = calloc(n, 1);
	m = calloc(1, sizeof *m);
	if (*order == NULL || *show == NULL || m == NULL)
		goto out;
	for (i = 0; i < g->ndomains; i++)
		if (needs_section(&g->domains[i]))
			break;
	/* A few domains, all fine: their sections all the same. */
	few = i == g->ndomains && g->ndomains <= DIGEST_FEW;
	/* Without any report, a section would only say so again. */
	for (i = 0; i < g->ndomains && g->messages > 0; i++)
		if (few || needs_section(&g->domains[(*order)[i]]))
			(*show)[i] = SHOW_WANT;

	/* The page without sections, then each section, measured. */
	m->b = &b;
	m->ops = &html_ops;
	html_page(m, g, "", *order, *show);
	used = b.len;
	for (i = 0; i < g->ndomains && !m->failed; i++) {
		if ((*show)[i] != SHOW_WANT)
			continue;
		buf_reset(&b);
		domain_part(m, g, &g->domains[(*order)[i]]);
		html_list_end(m);
		if (used + b.len > HTML_BUDGET)
			break;
		used += b.len;
		(*show)[i] = SHOW_FULL;
	}
	table_clear(m);
	if (!m->failed)
		rc = 0;
out:
	buf_free(&b);
	free(m);
	if (rc == -1) {
		free(*order);
		free(*show);
		*order = NULL;
		*show = NULL;
	}
	return rc;
}

/* A part: the text, or the HTML page (html, with its title). */
static int
part(const struct digest *g, int html, const char *title, struct buf *b)
{
	struct emit	*e;
	size_t		*order;
	unsigned char	*show;
	int		 failed;

	if (plan(g, &order, &show) == -1)
		return -1;
	if ((e = calloc(1, sizeof *e)) == NULL) {
		free(order);
		free(show);
		return -1;
	}
	e->b = b;
	e->ops = html ? &html_ops : &text_ops;
	if (html)
		html_page(e, g, title, order, show);
	else
		render(e, g, order, show);
	table_clear(e);
	failed = e->failed;
	free(e);
	free(order);
	free(show);
	return failed ? -1 : 0;
}

int
digest_text(const struct digest *g, struct buf *b)
{
	return part(g, 0, NULL, b);
}

int
digest_html(const struct digest *g, const char *title, struct buf *b)
{
	return part(g, 1, title, b);
}

/* --- the alert (digest --alert) -------------------------------------- */

/*
 * The new flags first, then the banner, the overview and what to do:
 * short, for a message that may come any hour.
 */
static void
render_alert(struct emit *e, const struct digest *g,
    const struct digest_alert *a)
{
	char	 d1[16], d2[16];
	size_t	*order, i;

	e->ops->title(e, "DMARC alert");
	para(e, "New since the last alert:");
	for (i = 0; i < a->nfresh; i++)
		e->ops->item(e, a->fresh[i]->level, a->fresh[i]->text);
	e->ops->banner(e, g->level, g->banner);
	fmt_day(g->from_day, d1, sizeof d1);
	fmt_day(g->to_day, d2, sizeof d2);
	para(e, "The reports of %s to %s, as the weekly digest shows them.",
	    d1, d2);
	if ((order = domain_order(g)) == NULL) {
		e->failed = 1;
		return;
	}
	overview(e, g, order);
	free(order);
	todo(e, g);
	para(e, "Made by dmarcdb digest --alert, which tells of each problem "
	    "once, when it first shows. The details: dmarcdb digest.");
	e->ops->end(e);
}

int
digest_alert_text(const struct digest *g, const struct digest_alert *a,
    struct buf *b)
{
	struct emit	e;

	memset(&e, 0, sizeof e);
	e.b = b;
	e.ops = &text_ops;
	render_alert(&e, g, a);
	table_clear(&e);
	return e.failed ? -1 : 0;
}

int
digest_alert_html(const struct digest *g, const struct digest_alert *a,
    const char *title, struct buf *b)
{
	struct emit	e;
	char		pre[512];

	memset(&e, 0, sizeof e);
	e.b = b;
	e.ops = &html_ops;
	html_begin(&e, title);
	digest_alert_preheader(g, a, pre, sizeof pre);
	html_preheader(&e, pre);
	render_alert(&e, g, a);
	table_clear(&e);
	return e.failed ? -1 : 0;
}
