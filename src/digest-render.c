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
 * clients render: table layout, inline styles (a <style> block only
 * adds dark mode and narrow screens), no scripts, images or fonts;
 * the chart is made of table cells.
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

enum align { LEFT, RIGHT };

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
		e->align[i] = aligns[i] == 'r' ? RIGHT : LEFT;
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
			if (e->align[c] == LEFT && (c + 1 < e->ncols ||
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

/* Colours: readable on white, and on the dark backgrounds of dark mode. */
#define C_TEXT		"#1f2328"
#define C_MUTED		"#59636e"
#define C_RULE		"#d0d7de"
#define C_PASS		"#2da44e"
#define C_FAIL		"#cf222e"
#define C_NOTE		"#bf8700"
#define FONT		"font-family:-apple-system,'Segoe UI',Roboto," \
			"Helvetica,Arial,sans-serif;"

/* The text form of s, escaped for HTML. */
static void
html_esc(struct emit *e, const char *s)
{
	if (sanitise_html(e->b, s) == -1)
		e->failed = 1;
}

static void
html_title(struct emit *e, const char *s)
{
	puts_(e, "<h1 class=\"t\" style=\"margin:0 0 8px;font-size:22px;"
	    "line-height:28px;color:" C_TEXT ";" FONT "\">");
	html_esc(e, s);
	puts_(e, "</h1>\n");
}

static void
html_section(struct emit *e, const char *s)
{
	puts_(e, "<h2 class=\"t\" style=\"margin:28px 0 6px;padding-top:12px;"
	    "border-top:1px solid " C_RULE ";font-size:18px;line-height:24px;"
	    "color:" C_TEXT ";" FONT "\">");
	html_esc(e, s);
	puts_(e, "</h2>\n");
}

static void
html_subsection(struct emit *e, const char *s)
{
	puts_(e, "<h3 class=\"t\" style=\"margin:16px 0 4px;font-size:15px;"
	    "line-height:20px;color:" C_TEXT ";" FONT "\">");
	html_esc(e, s);
	puts_(e, "</h3>\n");
}

static void
html_para(struct emit *e, const char *s)
{
	puts_(e, "<p class=\"t\" style=\"margin:8px 0;font-size:14px;"
	    "line-height:20px;color:" C_TEXT ";" FONT "\">");
	html_esc(e, s);
	puts_(e, "</p>\n");
}

static void
html_item(struct emit *e, enum digest_level level, const char *s)
{
	putf(e, "<table role=\"presentation\" cellpadding=\"0\" "
	    "cellspacing=\"0\" border=\"0\" width=\"100%%\"><tr>"
	    "<td valign=\"top\" width=\"18\" style=\"font-size:14px;"
	    "line-height:20px;color:%s;" FONT "\">&#9679;</td>"
	    "<td class=\"t\" style=\"font-size:14px;line-height:20px;"
	    "padding-bottom:4px;color:" C_TEXT ";" FONT "\">",
	    level == DIGEST_ACT ? C_FAIL : level == DIGEST_OK ? C_PASS :
	    C_NOTE);
	html_esc(e, s);
	puts_(e, "</td></tr></table>\n");
}

static void
html_kv(struct emit *e, const char *k, const char *v)
{
	puts_(e, "<p class=\"t\" style=\"margin:6px 0;font-size:14px;"
	    "line-height:20px;color:" C_TEXT ";" FONT "\"><b>");
	html_esc(e, k);
	puts_(e, "</b> ");
	html_esc(e, v);
	puts_(e, "</p>\n");
}

static void
html_record(struct emit *e, const char *s)
{
	puts_(e, "<p class=\"rec\" style=\"margin:6px 0 10px;padding:8px 10px;"
	    "background-color:#f6f8fa;border:1px solid " C_RULE ";"
	    "border-radius:6px;font-family:Menlo,Consolas,monospace;"
	    "font-size:13px;line-height:18px;color:" C_TEXT ";"
	    "word-break:break-all;\">");
	html_esc(e, s);
	puts_(e, "</p>\n");
}

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
	putf(e, "<table role=\"presentation\" cellpadding=\"0\" "
	    "cellspacing=\"0\" border=\"0\" width=\"%u%%\"><tr>", w);
	if (ok > 0)
		putf(e, "<td width=\"%u%%\" height=\"12\" bgcolor=\"" C_PASS
		    "\" style=\"background-color:" C_PASS ";font-size:0;"
		    "line-height:0;\">&nbsp;</td>", ok);
	if (ok < 100)
		putf(e, "<td width=\"%u%%\" height=\"12\" bgcolor=\"" C_FAIL
		    "\" style=\"background-color:" C_FAIL ";font-size:0;"
		    "line-height:0;\">&nbsp;</td>", 100 - ok);
	puts_(e, "</tr></table>");
}

static void
html_table_end(struct emit *e)
{
	size_t	r, c;

	puts_(e, "<table role=\"presentation\" cellpadding=\"0\" "
	    "cellspacing=\"0\" border=\"0\" width=\"100%\" "
	    "style=\"margin:8px 0;border-collapse:collapse;\">\n");
	for (r = 0; r < e->nrows; r++) {
		puts_(e, "<tr>");
		for (c = 0; c < e->ncols; c++) {
			putf(e, "<td class=\"%s\" align=\"%s\" style=\"padding:"
			    "3px 8px 3px 0;font-size:13px;line-height:18px;"
			    "%s%s" FONT "\">", r == 0 ? "th" : "t",
			    e->align[c] == RIGHT ? "right" : "left",
			    r == 0 ? "color:" C_MUTED ";border-bottom:1px "
			    "solid " C_RULE ";font-weight:600;" : "color:"
			    C_TEXT ";", e->align[c] == RIGHT ?
			    "white-space:nowrap;" : "");
			html_esc(e, e->cells[r][c]);
			puts_(e, "</td>");
		}
		if (e->has_bar) {
			putf(e, "<td width=\"40%%\" style=\"padding:3px 0;%s\">",
			    r == 0 ? "border-bottom:1px solid " C_RULE ";" : "");
			if (r > 0)
				html_bar(e, &e->bars[r]);
			else
				puts_(e, "&nbsp;");
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
	puts_(e, "</td></tr></table>\n</td></tr></table>\n</body>\n</html>\n");
}

/* The verdict: a coloured block, in words too (colour is not read). */
static void
html_banner(struct emit *e, enum digest_level level, const char *s)
{
	putf(e, "<table role=\"presentation\" cellpadding=\"0\" "
	    "cellspacing=\"0\" border=\"0\" width=\"100%%\" "
	    "style=\"margin:8px 0 12px;\"><tr><td bgcolor=\"%s\" "
	    "style=\"background-color:%s;padding:12px 14px;border-radius:6px;"
	    "font-size:16px;line-height:22px;font-weight:600;color:#ffffff;"
	    FONT "\">", level == DIGEST_ACT ? C_FAIL : C_PASS,
	    level == DIGEST_ACT ? C_FAIL : C_PASS);
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
	puts_(e, "</title>\n<style>\n"
	    "@media (prefers-color-scheme: dark) {\n"
	    "  body, .bg { background-color: #0d1117 !important; }\n"
	    "  .t { color: #e6edf3 !important; }\n"
	    "  .th { color: #9198a1 !important; }\n"
	    "  .rec { background-color: #161b22 !important;"
	    " color: #e6edf3 !important; }\n"
	    "}\n"
	    "@media (max-width: 480px) {\n"
	    "  .wrap { padding: 12px 8px !important; }\n"
	    "  .t, .th { font-size: 13px !important; }\n"
	    "}\n"
	    "</style>\n</head>\n"
	    "<body class=\"bg\" style=\"margin:0;padding:0;"
	    "background-color:#ffffff;\">\n"
	    "<table role=\"presentation\" class=\"bg\" cellpadding=\"0\" "
	    "cellspacing=\"0\" border=\"0\" width=\"100%\" "
	    "style=\"background-color:#ffffff;\"><tr>"
	    "<td align=\"center\" class=\"wrap\" style=\"padding:20px 12px;\">\n"
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

static void
overview(struct emit *e, const struct digest *g, const size_t *order)
{
	const char	*hdr[4] = { "Domain", "Messages", "Passed", "Status" };
	const char	*per = g->days == 7 ? "week" : "period";
	char		 n1[32], n2[32], p1[16], p2[16], ch[32], nd[32];
	size_t		 i, shown = 0, ok = 0;

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
		table_begin(e, 4, "lrrl", 0);
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
		for (; i < g->ndomains; i++)
			ok++;
		if (ok > 0)
			para(e, "And %zu more domain%s, each OK.", ok,
			    ok == 1 ? "" : "s");
	}
	/* Anyone can name a domain in a report: those left out, counted. */
	if (g->others > 0)
		para(e, "%s.", g->others_line);
}

/* What someone must do, and the steps that can be taken: the flags. */
static void
todo(struct emit *e, const struct digest *g)
{
	size_t	i;

	if (g->nflags == 0)
		return;
	e->ops->section(e, "What to do");
	for (i = 0; i < g->nflags; i++)
		e->ops->item(e, g->flags[i].level, g->flags[i].text);
	if (g->nflags_all > g->nflags)
		para(e, "And %zu more.", g->nflags_all - g->nflags);
}

/* Senders in a list: name, messages, the fix and who makes it. */
static void
fix_list(struct emit *e, const struct digest_sender *v, size_t n,
    unsigned days, const char *what)
{
	char	who[400], by[400], n1[96];
	size_t	i;

	for (i = 0; i < n && i < DIGEST_LIST; i++) {
		digest_sender_plain(&v[i], who, sizeof who);
		who_fixes(&v[i], by, sizeof by);
		failed_count(&v[i], days, n1, sizeof n1);
		item(e, DIGEST_ACT, "%s %s (%s). The cause and the fix: %s. "
		    "Who: %s.", who, what, n1, v[i].s->reason, by);
	}
	if (n > DIGEST_LIST)
		para(e, "And %zu more.", n - DIGEST_LIST);
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
	char			 pol[96], who[400], na[32];
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
		para(e, "The bars: the length is the day's mail; the dark "
		    "(green) part passed, the light (red) part failed.");

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
		    "started failing");
		fix_list(e, d->still, d->nstill, g->days, "still fails");
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
				    "policy stops them once it is enforced", who,
				    n1);
			else if (n->s->class == CLASS_UNKNOWN)
				item(e, DIGEST_NOTE, "%s, %s messages, failing: "
				    "is it yours? If so, set it up (dmarcdb "
				    "advise says how); if not, the policy stops "
				    "it once enforced", who, n1);
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
	fmt_day(a->from_day, d1, sizeof d1);
	switch (a->verdict) {
	case VERDICT_ADVANCE:
		kv(e, "Next step", "ready: %s. Judged on the reports since %s "
		    "(dmarcdb advise): %s", stage_words(a->next_stage), d1,
		    a->reasons.n ? a->reasons.text[0] : "");
		break;
	case VERDICT_STEP_BACK:
		kv(e, "Next step", "step back, to %s. Judged on the reports "
		    "since %s (dmarcdb advise): %s",
		    stage_words(a->next_stage), d1, a->reasons.n ?
		    a->reasons.text[0] : "");
		break;
	case VERDICT_HOLD:
		kv(e, "Next step", "not yet: stay as it is. Judged on the "
		    "reports since %s (dmarcdb advise)%s", d1, a->blockers.n ?
		    "; first:" : "");
		break;
	case VERDICT_NO_DATA:
		kv(e, "Next step", "none: %s", a->reasons.n ?
		    a->reasons.text[0] : "no reports");
		break;
	}
	for (i = 0; i < a->blockers.n; i++)
		item(e, DIGEST_NOTE, "%s%s", a->verdict == VERDICT_HOLD ? "" :
		    "first: ", a->blockers.text[i]);
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
	kv(e, "Reports", "%s about this %s, from %s mailbox provider%s", n1,
	    per, n2, h->reporters == 1 ? "" : "s");
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

static void
render(struct emit *e, const struct digest *g)
{
	char	 d1[16], d2[16], title[96];
	size_t	*order, i, rest = 0;

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
	if ((order = calloc(g->ndomains ? g->ndomains : 1, sizeof *order)) ==
	    NULL) {
		e->failed = 1;
		return;
	}
	for (i = 0; i < g->ndomains; i++)
		order[i] = i;
	order_g = g;
	qsort(order, g->ndomains, sizeof *order, cmp_order);
	overview(e, g, order);
	todo(e, g);
	for (i = 0; i < g->ndomains; i++)
		if (needs_section(&g->domains[order[i]]))
			domain_part(e, g, &g->domains[order[i]]);
		else
			rest++;
	/* A few domains, all fine: their sections all the same. */
	if (rest == g->ndomains && rest <= DIGEST_FEW)
		for (i = 0; i < g->ndomains; i++)
			domain_part(e, g, &g->domains[order[i]]);
	else if (rest > 0)
		para(e, "The %zu other domain%s need%s nothing: see the "
		    "overview.", rest, rest == 1 ? "" : "s", rest == 1 ? "s" :
		    "");
	free(order);
	health(e, g);
	para(e, "Made by dmarcdb. The details: dmarcdb sources and dmarcdb "
	    "advise, with --as-of the day after the period.");
	e->ops->end(e);
}

int
digest_text(const struct digest *g, struct buf *b)
{
	struct emit	e;

	memset(&e, 0, sizeof e);
	e.b = b;
	e.ops = &text_ops;
	render(&e, g);
	table_clear(&e);
	return e.failed ? -1 : 0;
}

int
digest_html(const struct digest *g, const char *title, struct buf *b)
{
	struct emit	e;
	char		pre[512];

	memset(&e, 0, sizeof e);
	e.b = b;
	e.ops = &html_ops;
	html_begin(&e, title);
	/* The inbox preview, shown by mail clients, not in the message. */
	digest_preheader(g, pre, sizeof pre);
	puts_(&e, "<div style=\"display:none;max-height:0;overflow:hidden;"
	    "mso-hide:all;\">");
	html_esc(&e, pre);
	puts_(&e, "</div>\n");
	render(&e, g);
	table_clear(&e);
	return e.failed ? -1 : 0;
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
	if ((order = calloc(g->ndomains ? g->ndomains : 1, sizeof *order)) ==
	    NULL) {
		e->failed = 1;
		return;
	}
	for (i = 0; i < g->ndomains; i++)
		order[i] = i;
	order_g = g;
	qsort(order, g->ndomains, sizeof *order, cmp_order);
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

	memset(&e, 0, sizeof e);
	e.b = b;
	e.ops = &html_ops;
	html_begin(&e, title);
	render_alert(&e, g, a);
	table_clear(&e);
	return e.failed ? -1 : 0;
}
