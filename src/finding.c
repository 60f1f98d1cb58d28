/*
 * finding.c: the findings of dmarcdb check. See finding.h.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "finding.h"

void
finding_add(struct findings *f, enum finding_level level, const char *why,
    const char *fix, const char *fmt, ...)
{
	struct finding	*x;
	va_list		 ap;

	if (f->n == FINDINGS_MAX) {
		f->dropped++;
		return;
	}
	x = &f->v[f->n++];
	x->level = level;
	snprintf(x->why, sizeof x->why, "%s", why);
	snprintf(x->fix, sizeof x->fix, "%s", fix);
	va_start(ap, fmt);
	vsnprintf(x->what, sizeof x->what, fmt, ap);
	va_end(ap);
}

const char *
finding_level_name(enum finding_level l)
{
	return l == FINDING_ERROR ? "error" : l == FINDING_WARN ? "warning" :
	    "note";
}
