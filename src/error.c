/*
 * error.c: filling in struct dr_error.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

int
dr_seterr(struct dr_error *e, enum dr_errcode code, const char *fmt, ...)
{
	va_list	ap;

	if (e == NULL)
		return -1;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

void
dr_preferr(struct dr_error *e, const char *fmt, ...)
{
	char	prefix[sizeof e->msg], old[sizeof e->msg];
	size_t	n, m;
	va_list	ap;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof old);
	/* prefix, ": ", old; cut at the end of the buffer. */
	n = strlen(prefix);
	if (n > sizeof e->msg - 3)
		n = sizeof e->msg - 3;
	memcpy(e->msg, prefix, n);
	memcpy(e->msg + n, ": ", 2);
	n += 2;
	m = strnlen(old, sizeof old - 1);
	if (m > sizeof e->msg - 1 - n)
		m = sizeof e->msg - 1 - n;
	memcpy(e->msg + n, old, m);
	e->msg[n + m] = '\0';
}

int
dr_err_fatal(const struct dr_error *e)
{
	return e->code == DR_E_DB || e->code == DR_E_NOMEM ||
	    e->code == DR_E_USAGE || e->code == DR_E_SYSTEM;
}
