/*
 * lint.h: what in a configuration is valid but wrong (dmarcdb(1),
 * CONFIGURATION): rules that can match no mail, or every customer of a
 * service. Report commands print the findings as warnings; dmarcdb
 * config check prints them and exits 1.
 */
#ifndef DR_LINT_H
#define DR_LINT_H

#include <stddef.h>

#include "catalogue.h"
#include "conf.h"

/* A finding: where (file, line of the sender) and what, one line. */
typedef void	(*lint_fn)(void *, const char *, int, const char *);

/*
 * The rules of every sender: an spf rule naming an SPF record (an
 * include: target such as _spf.google.com, never a MAIL FROM domain:
 * it matches nothing, and the sender drops out of the DKIM gate); a dkim
 * or spf rule naming a service's own domain (cat, may be NULL), which
 * every customer of the service passes for. Returns the number found.
 */
size_t	 lint_conf(const struct conf *, const struct catalogue *, lint_fn,
	    void *);

/* 1 if a domain is the name of an SPF record, not a MAIL FROM domain. */
int	 lint_spf_record_name(const char *);

#endif
