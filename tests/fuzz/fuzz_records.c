/*
 * fuzz_records.c: fuzz target for the parsers of published records
 * that dmarcdb check reads: SPF (spf.c), DMARC (record.c), DKIM keys
 * (dkimkey.c), MTA-STS and TLS-RPT records and MTA-STS policies
 * (mtasts.c).
 *
 * The input, as a string (up to its first NUL), goes to each parser.
 * SPF: a record that parses starts with v=spf1, has at most
 * SPF_TERMS_MAX terms, each within the grammar's bounds (a domain where
 * one is required, prefix lengths in range, at most one redirect); one
 * that does not says why. DMARC: a record that parses formats to text
 * that parses again to the same text. DKIM: a key that parses is
 * revoked, of a type no verifier knows, or readable: an RSA key has a
 * size, an Ed25519 key none. MTA-STS: a policy that parses (the
 * input's bytes, NULs and all) has a mode, max_age within a year, an
 * mx unless its mode is none, each in lower case and covering a host
 * of its own form.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "dkimkey.h"
#include "mtasts.h"
#include "record.h"
#include "spf.h"
#include "verif.h"

#include "fuzz.h"

static void
spf(const char *s)
{
	static struct spf	 r;
	char			 why[256];
	size_t			 i, redirects = 0;

	why[0] = '\0';
	if (spf_parse(s, &r, why, sizeof why) == -1) {
		FUZZ_CHECK(why[0] != '\0');
		return;
	}
	FUZZ_CHECK(spf_is_record(s));
	FUZZ_CHECK(r.n <= SPF_TERMS_MAX);
	for (i = 0; i < r.n; i++) {
		const struct spf_term *t = &r.t[i];
		FUZZ_CHECK(strchr("+-~?", t->qualifier) != NULL);
		FUZZ_CHECK(t->cidr4 >= -1 && t->cidr4 <= 32);
		FUZZ_CHECK(t->cidr6 >= -1 && t->cidr6 <= 128);
		switch (t->kind) {
		case SPF_INCLUDE:
		case SPF_EXISTS:
		case SPF_REDIRECT:
		case SPF_EXP:
		case SPF_UNKNOWN_MOD:
			FUZZ_CHECK(t->domain != NULL && *t->domain != '\0');
			break;
		case SPF_ALL:
		case SPF_IP4:
		case SPF_IP6:
			FUZZ_CHECK(t->domain == NULL);
			break;
		default:
			break;
		}
		if (t->domain != NULL && t->kind != SPF_UNKNOWN_MOD &&
		    !t->macros)
			FUZZ_CHECK(strlen(t->domain) <= 254);
		redirects += t->kind == SPF_REDIRECT;
	}
	FUZZ_CHECK(redirects <= 1);
	FUZZ_CHECK((r.redirect == -1) == (redirects == 0));
}

static void
dmarc(const char *s)
{
	struct dmarc_record	*r, *again;
	char			 why[256], out[RECORD_MAX + 1];
	char			 out2[RECORD_MAX + 1];
	size_t			 n;

	if ((r = record_parse(s, why, sizeof why)) == NULL)
		return;
	n = record_format(r, out, sizeof out);
	record_free(r);
	if (n >= sizeof out)
		return;
	again = record_parse(out, why, sizeof why);
	FUZZ_CHECK(again != NULL);
	n = record_format(again, out2, sizeof out2);
	record_free(again);
	FUZZ_CHECK(n < sizeof out2 && strcmp(out, out2) == 0);
}

static void
dkim(const char *s)
{
	struct dkimkey	k;
	char		why[256];

	why[0] = '\0';
	if (dkimkey_parse(s, &k, why, sizeof why) == -1) {
		FUZZ_CHECK(why[0] != '\0');
		return;
	}
	if (k.revoked || k.type == DKIMKEY_OTHER)
		FUZZ_CHECK(k.bits == 0);
	else if (k.type == DKIMKEY_RSA)
		FUZZ_CHECK(k.bits > 0);
	else
		FUZZ_CHECK(k.bits == 0);
}

static void
sts(const uint8_t *data, size_t size, const char *s)
{
	static struct mtasts_policy	p;
	char				why[256], id[33], host[260];
	size_t				i;

	why[0] = '\0';
	if (mtasts_policy((const char *)data, size, &p, why, sizeof why) ==
	    -1)
		FUZZ_CHECK(why[0] != '\0');
	else {
		FUZZ_CHECK(p.mode <= MTASTS_ENFORCE);
		FUZZ_CHECK(p.max_age >= 0 && p.max_age <= MTASTS_MAX_AGE);
		FUZZ_CHECK(p.nmx > 0 || p.mode == MTASTS_NONE);
		FUZZ_CHECK(p.nmx <= MTASTS_MX_MAX);
		for (i = 0; i < p.nmx; i++) {
			FUZZ_CHECK(strpbrk(p.mx[i],
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == NULL);
			snprintf(host, sizeof host, "%s%s", strncmp(p.mx[i],
			    "*.", 2) == 0 ? "x" : "", p.mx[i] +
			    (strncmp(p.mx[i], "*.", 2) == 0 ? 1 : 0));
			FUZZ_CHECK(mtasts_mx_match(p.mx[i], host));
		}
	}
	if (mtasts_record(s, id, why, sizeof why) == 0)
		FUZZ_CHECK(*id != '\0' && strlen(id) <= 32);
	if (tlsrpt_record(s, why, sizeof why) == 0) {
		static char rua[8][256];
		size_t n = tlsrpt_rua(s, rua, 8);
		FUZZ_CHECK(n <= 8);
		for (i = 0; i < n; i++)
			FUZZ_CHECK(memchr(rua[i], '\0', sizeof rua[i]) !=
			    NULL);
	}
	/* A verification record's service: a name of the table, or none. */
	{
		const char *v = verif_service(s);
		FUZZ_CHECK(v == NULL || *v != '\0');
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s;

	if (size > MTASTS_POLICY_MAX + 1)
		return 0;
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	spf(s);
	dmarc(s);
	dkim(s);
	sts(data, size, s);
	free(s);
	return 0;
}
