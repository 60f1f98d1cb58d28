/*
 * pack.c: reports and records copied into one piece of memory.
 */
#include "config.h"

#include <string.h>

#include "pack.h"

void *
pk_alloc(struct pk *k, size_t n)
{
	void	*p;

	k->off = (k->off + sizeof(void *) - 1) & ~(sizeof(void *) - 1);
	p = k->base != NULL ? k->base + k->off : NULL;
	k->off += n;
	return p;
}

const void *
pk_bytes(struct pk *k, const void *s, size_t n)
{
	char	*p;

	p = k->base != NULL ? k->base + k->off : NULL;
	k->off += n;
	if (p != NULL && n > 0)
		memcpy(p, s, n);
	return p;
}

const char *
pk_str(struct pk *k, const char *s)
{
	if (s == NULL)
		return NULL;
	return pk_bytes(k, s, strlen(s) + 1);
}

static const struct dr_warning *
pk_warnings(struct pk *k, const struct dr_warning *w, size_t n)
{
	struct dr_warning	*d = pk_alloc(k, n * sizeof *d);
	size_t			 i;

	for (i = 0; i < n; i++) {
		const char *code = pk_str(k, w[i].code);
		const char *msg = pk_str(k, w[i].msg);
		if (d != NULL) {
			d[i].code = code;
			d[i].msg = msg;
		}
	}
	return d;
}

void
pk_record(struct pk *k, struct dr_record *dst, const struct dr_record *r)
{
	struct dr_record	 c = *r;
	struct dr_dkim		*dk;
	struct dr_spf		*sp;
	struct dr_reason	*rs;
	size_t			 i;

	dk = pk_alloc(k, r->ndkims * sizeof *dk);
	for (i = 0; i < r->ndkims; i++) {
		struct dr_dkim x;
		x.domain = pk_str(k, r->dkims[i].domain);
		x.selector = pk_str(k, r->dkims[i].selector);
		x.result = pk_str(k, r->dkims[i].result);
		x.human_result = pk_str(k, r->dkims[i].human_result);
		x.human_result_lang = pk_str(k, r->dkims[i].human_result_lang);
		if (dk != NULL)
			dk[i] = x;
	}
	sp = pk_alloc(k, r->nspfs * sizeof *sp);
	for (i = 0; i < r->nspfs; i++) {
		struct dr_spf x;
		x.domain = pk_str(k, r->spfs[i].domain);
		x.scope = pk_str(k, r->spfs[i].scope);
		x.result = pk_str(k, r->spfs[i].result);
		x.human_result = pk_str(k, r->spfs[i].human_result);
		x.human_result_lang = pk_str(k, r->spfs[i].human_result_lang);
		if (sp != NULL)
			sp[i] = x;
	}
	rs = pk_alloc(k, r->nreasons * sizeof *rs);
	for (i = 0; i < r->nreasons; i++) {
		struct dr_reason x;
		x.type = pk_str(k, r->reasons[i].type);
		x.comment = pk_str(k, r->reasons[i].comment);
		x.comment_lang = pk_str(k, r->reasons[i].comment_lang);
		if (rs != NULL)
			rs[i] = x;
	}
	c.dkims = dk;
	c.spfs = sp;
	c.reasons = rs;
	c.warnings = pk_warnings(k, r->warnings, r->nwarnings);
	c.source_ip = pk_str(k, r->source_ip);
	c.disposition = pk_str(k, r->disposition);
	c.dkim = pk_str(k, r->dkim);
	c.spf = pk_str(k, r->spf);
	c.header_from = pk_str(k, r->header_from);
	c.envelope_from = pk_str(k, r->envelope_from);
	c.envelope_to = pk_str(k, r->envelope_to);
	c.extensions = pk_str(k, r->extensions);
	if (dst != NULL)
		*dst = c;
}

void
pk_report(struct pk *k, struct dr_report *dst, const struct dr_report *r)
{
	struct dr_report	 c = *r;
	struct dr_report_error	*er;
	size_t			 i;

	er = pk_alloc(k, r->nerrors * sizeof *er);
	for (i = 0; i < r->nerrors; i++) {
		struct dr_report_error x;
		x.msg = pk_str(k, r->errors[i].msg);
		x.lang = pk_str(k, r->errors[i].lang);
		if (er != NULL)
			er[i] = x;
	}
	c.errors = er;
	c.warnings = pk_warnings(k, r->warnings, r->nwarnings);
#define S(f)	c.f = pk_str(k, r->f)
	S(xmlns); S(version); S(org_name); S(email); S(extra_contact_info);
	S(extra_contact_info_lang); S(report_id); S(generator); S(domain);
	S(adkim); S(aspf); S(p); S(sp); S(np); S(fo); S(testing);
	S(discovery_method); S(extensions); S(reporter); S(report_id_norm);
	S(raw_p); S(raw_sp); S(raw_np); S(raw_adkim); S(raw_aspf); S(raw_pct);
	S(raw_fo); S(raw_testing);
#undef S
	if (dst != NULL)
		*dst = c;
}
