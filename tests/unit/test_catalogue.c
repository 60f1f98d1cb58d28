/*
 * test_catalogue.c: the catalogue of services: its parsing (errors
 * with their lines), the configuration's overrides, matching per rule
 * kind on label edges, the three verdicts (for us, another customer,
 * only the network), and the lint of the shipped data/services.conf.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "catalogue.h"
#include "conf.h"

static char	tmpdir[] = "/tmp/test_catalogue.XXXXXX";

/* Write text to a file of the scratch directory; returns its path. */
static const char *
scratch(const char *name, const char *text)
{
	static char	 path[256];
	FILE		*f;

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* A catalogue of the text (and the configuration c, may be NULL). */
static struct catalogue *
load(const char *text, const struct conf *c)
{
	struct catalogue	*cat;
	struct dr_error		 err = { 0 };

	if (catalogue_load(scratch("services.conf", text), c, &cat,
	    &err) == -1)
		fail_msg("catalogue_load: %s", err.msg);
	return cat;
}

static const char *const sendgrid =
    "service \"SendGrid\" {\n"
    "	kind esp;\n"
    "	dkim sendgrid.net;\n"
    "	spf sendgrid.net;\n"
    "	ptr sendgrid.net;\n"
    "	as 11377;\n"
    "	fix \"set up custom DKIM for YOURDOMAIN in SendGrid\";\n"
    "}\n";

/* Evidence in one call: NULL-terminated DKIM and SPF domain lists. */
struct ev {
	struct svc_auth		dkims[4], spfs[4];
	struct svc_evidence	e;
};

static const struct svc_evidence *
ev(struct ev *v, const char *dkim, int dkim_aligned, const char *spf,
    int spf_aligned, const char *ptr, uint32_t asn)
{
	memset(v, 0, sizeof *v);
	if (dkim != NULL) {
		v->dkims[0].domain = dkim;
		v->dkims[0].aligned = dkim_aligned;
		v->e.ndkims = 1;
	}
	if (spf != NULL) {
		v->spfs[0].domain = spf;
		v->spfs[0].aligned = spf_aligned;
		v->e.nspfs = 1;
	}
	v->e.dkims = v->dkims;
	v->e.spfs = v->spfs;
	v->e.ptr = ptr;
	v->e.asn = asn;
	return &v->e;
}

static void
match_one(const struct catalogue *cat, const struct svc_evidence *e,
    enum svc_how how, const char *name, const char *by)
{
	struct svc_match	m;

	catalogue_match(cat, e, &m);
	if (m.how != how)
		fail_msg("how %d, expected %d (by \"%s\")", m.how, how, m.by);
	if (name == NULL) {
		assert_null(m.svc);
		return;
	}
	assert_non_null(m.svc);
	assert_string_equal(m.svc->name, name);
	if (by != NULL)
		assert_string_equal(m.by, by);
}

static void
kinds_round_trip(void **state)
{
	static const char *const names[] = { "esp", "crm", "marketing",
	    "helpdesk", "mailbox", "gateway", "list", "forwarder", "other" };
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		assert_int_equal(svc_kind_parse(names[i]), (int)i);
		assert_string_equal(svc_kind_name((enum svc_kind)i), names[i]);
	}
	assert_int_equal(svc_kind_parse("ESP"), -1);
	assert_int_equal(svc_kind_parse("bank"), -1);
}

/* The parsed service holds every rule, in order. */
static void
parse_fields(void **state)
{
	struct catalogue	*cat;
	const struct svc	*v;

	(void)state;
	cat = load("# a comment\nservice \"X\" { kind helpdesk; dkim "
	    "A.example. b.example; spf c.example; ptr out.d.example;\n"
	    "as AS64500 64501; as shared 64502; fix \"do it for "
	    "YOURDOMAIN\"; }\n", NULL);
	assert_int_equal(catalogue_count(cat), 1);
	assert_null(catalogue_get(cat, 1));
	v = catalogue_get(cat, 0);
	assert_string_equal(v->name, "X");
	assert_int_equal(v->kind, SVC_HELPDESK);
	assert_int_equal(v->ndkims, 2);
	assert_string_equal(v->dkims[0], "a.example");
	assert_string_equal(v->dkims[1], "b.example");
	assert_int_equal(v->nspfs, 1);
	assert_int_equal(v->nptrs, 1);
	assert_string_equal(v->ptrs[0], "out.d.example");
	assert_int_equal(v->nasns, 3);
	assert_int_equal(v->asns[0], 64500);
	assert_int_equal(v->asns[2], 64502);
	assert_int_equal(v->nshared, 1);
	assert_string_equal(v->shared[0], "as 64502");
	assert_string_equal(v->fix, "do it for YOURDOMAIN");
	assert_int_equal(v->line, 2);
	assert_non_null(strstr(v->file, "services.conf"));
	assert_non_null(strstr(catalogue_file(cat), "services.conf"));
	catalogue_free(cat);
}

static void
rule_dkim(void **state)
{
	struct catalogue	*cat;
	struct ev		 v;

	(void)state;
	cat = load("service \"S\" { kind esp; dkim s.example; }\n", NULL);
	match_one(cat, ev(&v, "s.example", 0, NULL, 0, NULL, 0),
	    SVC_OTHER_CUSTOMER, "S", "DKIM s.example, nothing aligned");
	match_one(cat, ev(&v, "s.example", 0, "example.com", 1, NULL, 0),
	    SVC_FOR_US, "S", "DKIM s.example with aligned SPF example.com");
	/* A rule of one kind matches that kind of evidence only. */
	match_one(cat, ev(&v, NULL, 0, "s.example", 0, "s.example", 0),
	    SVC_NONE, NULL, NULL);
	catalogue_free(cat);
}

static void
rule_spf(void **state)
{
	struct catalogue	*cat;
	struct ev		 v;

	(void)state;
	cat = load("service \"S\" { kind esp; spf bounce.s.example; }\n",
	    NULL);
	match_one(cat, ev(&v, NULL, 0, "x.bounce.s.example", 0, NULL, 0),
	    SVC_OTHER_CUSTOMER, "S", "SPF x.bounce.s.example, nothing "
	    "aligned");
	match_one(cat, ev(&v, "example.com", 1, "bounce.s.example", 0, NULL,
	    0), SVC_FOR_US, "S", "SPF bounce.s.example with aligned DKIM "
	    "example.com");
	/* Its parent is not the rule. */
	match_one(cat, ev(&v, NULL, 0, "s.example", 0, NULL, 0), SVC_NONE,
	    NULL, NULL);
	match_one(cat, ev(&v, "bounce.s.example", 0, NULL, 0, NULL, 0),
	    SVC_NONE, NULL, NULL);
	catalogue_free(cat);
}

static void
rule_ptr(void **state)
{
	struct catalogue	*cat;
	struct ev		 v;

	(void)state;
	cat = load("service \"S\" { kind esp; ptr out.s.example; }\n", NULL);
	match_one(cat, ev(&v, NULL, 0, NULL, 0, "o1.out.s.example", 0),
	    SVC_NETWORK, "S", "PTR o1.out.s.example only");
	match_one(cat, ev(&v, NULL, 0, NULL, 0, "out.s.example.", 0),
	    SVC_NETWORK, "S", "PTR out.s.example only");
	match_one(cat, ev(&v, NULL, 0, NULL, 0, "xout.s.example", 0),
	    SVC_NONE, NULL, NULL);
	match_one(cat, ev(&v, NULL, 0, NULL, 0, "out.s.example.evil.example",
	    0), SVC_NONE, NULL, NULL);
	/* A PTR with another domain passing: another customer. */
	match_one(cat, ev(&v, "other.example", 0, NULL, 0, "o1.out.s.example",
	    0), SVC_OTHER_CUSTOMER, "S", "PTR o1.out.s.example, DKIM "
	    "other.example not aligned");
	match_one(cat, ev(&v, NULL, 0, "example.com", 1, "o1.out.s.example",
	    0), SVC_FOR_US, "S", "PTR o1.out.s.example with aligned SPF "
	    "example.com");
	catalogue_free(cat);
}

static void
rule_as(void **state)
{
	struct catalogue	*cat;
	struct ev		 v;

	(void)state;
	cat = load(sendgrid, NULL);
	/* An address in SendGrid's AS, no pass: only the network. */
	match_one(cat, ev(&v, NULL, 0, NULL, 0, NULL, 11377), SVC_NETWORK,
	    "SendGrid", "AS11377 only");
	match_one(cat, ev(&v, NULL, 0, "other.example", 0, NULL, 11377),
	    SVC_OTHER_CUSTOMER, "SendGrid", "AS11377, SPF other.example not "
	    "aligned");
	match_one(cat, ev(&v, "example.com", 1, NULL, 0, NULL, 11377),
	    SVC_FOR_US, "SendGrid", "AS11377 with aligned DKIM example.com");
	match_one(cat, ev(&v, NULL, 0, NULL, 0, NULL, 11378), SVC_NONE, NULL,
	    NULL);
	match_one(cat, ev(&v, NULL, 0, NULL, 0, NULL, 0), SVC_NONE, NULL,
	    NULL);
	catalogue_free(cat);
}

/* Domain rules hold on label edges only, whatever the case. */
static void
label_edges(void **state)
{
	struct catalogue	*cat;
	struct ev		 v;

	(void)state;
	cat = load(sendgrid, NULL);
	match_one(cat, ev(&v, "em123.attacker.sendgrid.net", 0, NULL, 0, NULL,
	    0), SVC_OTHER_CUSTOMER, "SendGrid", "DKIM "
	    "em123.attacker.sendgrid.net, nothing aligned");
	match_one(cat, ev(&v, "SendGrid.NET.", 0, NULL, 0, NULL, 0),
	    SVC_OTHER_CUSTOMER, "SendGrid", "DKIM sendgrid.net, nothing "
	    "aligned");
	match_one(cat, ev(&v, "evilsendgrid.net", 0, "evilsendgrid.net", 0,
	    "evilsendgrid.net", 0), SVC_NONE, NULL, NULL);
	match_one(cat, ev(&v, "sendgrid.net.evil.example", 0, NULL, 0, NULL,
	    0), SVC_NONE, NULL, NULL);
	match_one(cat, ev(&v, "net", 0, ".", 0, "", 0), SVC_NONE, NULL,
	    NULL);
	catalogue_free(cat);
}

/*
 * Shared infrastructure is not identity: SendGrid's own or another
 * customer's pass, alone, is never "for us"; with an aligned pass it is.
 */
static void
verdicts(void **state)
{
	struct catalogue	*cat;
	struct ev		 v;

	(void)state;
	cat = load(sendgrid, NULL);
	match_one(cat, ev(&v, "em123.attacker.sendgrid.net", 0,
	    "em123.attacker.sendgrid.net", 0, "o1.sendgrid.net", 11377),
	    SVC_OTHER_CUSTOMER, "SendGrid", "DKIM "
	    "em123.attacker.sendgrid.net, nothing aligned");
	match_one(cat, ev(&v, "example.com", 1, "em7.sendgrid.net", 0,
	    "o1.sendgrid.net", 11377), SVC_FOR_US, "SendGrid",
	    "SPF em7.sendgrid.net with aligned DKIM example.com");
	/* An aligned pass with nothing of the service: no service. */
	match_one(cat, ev(&v, "example.com", 1, "example.com", 1, NULL, 64500),
	    SVC_NONE, NULL, NULL);
	/* An aligned pass that is itself a service's rule. */
	catalogue_free(cat);
	cat = load("service \"Ours\" { kind other; dkim example.com; }\n",
	    NULL);
	match_one(cat, ev(&v, "mail.example.com", 1, NULL, 0, NULL, 0),
	    SVC_FOR_US, "Ours", "DKIM mail.example.com, aligned");
	catalogue_free(cat);
}

/* How beats evidence, evidence beats length, length beats order. */
static void
ranking(void **state)
{
	struct catalogue	*cat;
	struct ev		 v;

	(void)state;
	cat = load(
	    "service \"A\" { kind esp; as 64500; ptr a.example; }\n"
	    "service \"B\" { kind esp; dkim b.example; spf b.example; }\n"
	    "service \"C\" { kind esp; dkim c.b.example; }\n"
	    "service \"D\" { kind esp; as shared 64501; }\n"
	    "service \"E\" { kind esp; as shared 64501; }\n", NULL);
	/* DKIM over SPF over PTR over AS, all "another customer". */
	match_one(cat, ev(&v, "b.example", 0, "b.example", 0, "x.a.example",
	    64500), SVC_OTHER_CUSTOMER, "B", "DKIM b.example, nothing "
	    "aligned");
	match_one(cat, ev(&v, NULL, 0, "b.example", 0, "x.a.example", 64500),
	    SVC_OTHER_CUSTOMER, "B", "SPF b.example, nothing aligned");
	/*
	 * With an aligned pass every service evidenced is "for us": the
	 * strongest evidence names it.
	 */
	match_one(cat, ev(&v, "b.example", 0, "example.com", 1,
	    "x.a.example", 0), SVC_FOR_US, "B", "DKIM b.example with "
	    "aligned SPF example.com");
	match_one(cat, ev(&v, NULL, 0, "example.com", 1, "x.a.example",
	    64500), SVC_FOR_US, "A", "PTR x.a.example with aligned SPF "
	    "example.com");
	/* The longest rule: c.b.example over b.example. */
	match_one(cat, ev(&v, "x.c.b.example", 0, NULL, 0, NULL, 0),
	    SVC_OTHER_CUSTOMER, "C", NULL);
	/* A value of two services: the catalogue's order. */
	match_one(cat, ev(&v, NULL, 0, NULL, 0, NULL, 64501), SVC_NETWORK,
	    "D", "AS64501 only");
	catalogue_free(cat);
}

/* Many pieces of evidence: the strongest, the first of equals. */
static void
many_auths(void **state)
{
	struct catalogue	*cat;
	struct svc_auth		 d[3] = {
		{ "nothing.example", "s1", 0 },
		{ "b.example", "s2", 0 },
		{ "x.b.example", "s3", 0 },
	};
	struct svc_evidence	 e = { d, 3, NULL, 0, NULL, 0 };
	struct svc_match	 m;

	(void)state;
	cat = load("service \"B\" { kind esp; dkim b.example; }\n", NULL);
	catalogue_match(cat, &e, &m);
	assert_int_equal(m.how, SVC_OTHER_CUSTOMER);
	assert_string_equal(m.by, "DKIM b.example, nothing aligned");
	catalogue_free(cat);
}

/* The configuration adds services and replaces one by name. */
/* The fix of a service by name, for a domain. */
static void
fixes(void **state)
{
	struct catalogue	*cat;
	const struct svc	*v;
	char			 out[64];

	(void)state;
	cat = load("service \"X\" { kind esp; dkim x.example; fix \"for "
	    "YOURDOMAIN: DKIM of YOURDOMAIN\"; }\n"
	    "service \"Y\" { kind esp; dkim y.example; }\n", NULL);
	v = catalogue_find(cat, "X");
	assert_non_null(v);
	assert_null(catalogue_find(cat, "x"));	/* names are exact */
	assert_null(catalogue_find(NULL, "X"));
	assert_int_equal(svc_fix(v, "a.example", out, sizeof out), 0);
	assert_string_equal(out, "for a.example: DKIM of a.example");
	/* Cut to fit, never past the buffer. */
	assert_int_equal(svc_fix(v, "a.example", out, 10), 0);
	assert_string_equal(out, "for a.exa");
	/* No fix: -1 and "". */
	assert_int_equal(svc_fix(catalogue_find(cat, "Y"), "a.example", out,
	    sizeof out), -1);
	assert_string_equal(out, "");
	assert_int_equal(svc_fix(NULL, "a.example", out, sizeof out), -1);
	catalogue_free(cat);
}

static void
config_override(void **state)
{
	struct catalogue	*cat;
	struct conf		*c;
	struct dr_error		 err = { 0 };
	struct ev		 v;
	const char		*text =
	    "service \"SendGrid\" { kind esp; dkim sg.example; }\n"
	    "service \"Helpdeskly\" { kind helpdesk; spf mail.helpdeskly.com; "
	    "fix \"sign YOURDOMAIN\"; }\n";

	(void)state;
	if (conf_parse("test.conf", text, strlen(text), &c, &err) == -1)
		fail_msg("%s", err.msg);
	assert_int_equal(c->nservices, 2);
	cat = load("service \"First\" { kind esp; as 64500; }\n"
	    "service \"SendGrid\" { kind esp; dkim sendgrid.net; }\n"
	    "service \"Last\" { kind esp; as 64501; }\n", c);
	assert_int_equal(catalogue_count(cat), 4);
	assert_string_equal(catalogue_get(cat, 0)->name, "First");
	assert_string_equal(catalogue_get(cat, 1)->name, "SendGrid");
	assert_string_equal(catalogue_get(cat, 1)->file, "test.conf");
	assert_string_equal(catalogue_get(cat, 2)->name, "Last");
	assert_string_equal(catalogue_get(cat, 3)->name, "Helpdeskly");
	match_one(cat, ev(&v, "sendgrid.net", 0, NULL, 0, NULL, 0), SVC_NONE,
	    NULL, NULL);
	match_one(cat, ev(&v, "x.sg.example", 0, NULL, 0, NULL, 0),
	    SVC_OTHER_CUSTOMER, "SendGrid", NULL);
	match_one(cat, ev(&v, NULL, 0, "mail.helpdeskly.com", 0, NULL, 0),
	    SVC_OTHER_CUSTOMER, "Helpdeskly", NULL);
	catalogue_free(cat);
	conf_free(c);
}

/* Which file: the argument, $DMARCDB_SERVICES, "services", installed. */
static void
file_choice(void **state)
{
	struct catalogue	*cat;
	struct conf		*c;
	struct dr_error		 err = { 0 };
	char			 conf_path[256], want[256];

	(void)state;
	scratch("svc-a.conf", "service \"A\" { kind esp; as 64500; }\n");
	scratch("svc-b.conf", "service \"B\" { kind esp; as 64501; }\n");
	snprintf(conf_path, sizeof conf_path, "%s",
	    scratch("dmarcdb.conf", "services svc-a.conf;\n"));
	if (conf_load(conf_path, &c, &err) == -1)
		fail_msg("%s", err.msg);
	assert_string_equal(c->services_file, "svc-a.conf");

	/* Relative to the configuration's directory. */
	assert_int_equal(unsetenv("DMARCDB_SERVICES"), 0);
	if (catalogue_load(NULL, c, &cat, &err) == -1)
		fail_msg("%s", err.msg);
	snprintf(want, sizeof want, "%s/svc-a.conf", tmpdir);
	assert_string_equal(catalogue_file(cat), want);
	assert_string_equal(catalogue_get(cat, 0)->name, "A");
	catalogue_free(cat);

	/* The environment over the configuration. */
	snprintf(want, sizeof want, "%s/svc-b.conf", tmpdir);
	assert_int_equal(setenv("DMARCDB_SERVICES", want, 1), 0);
	if (catalogue_load(NULL, c, &cat, &err) == -1)
		fail_msg("%s", err.msg);
	assert_string_equal(catalogue_get(cat, 0)->name, "B");
	catalogue_free(cat);

	/* The argument over both. */
	snprintf(want, sizeof want, "%s/svc-a.conf", tmpdir);
	if (catalogue_load(want, c, &cat, &err) == -1)
		fail_msg("%s", err.msg);
	assert_string_equal(catalogue_get(cat, 0)->name, "A");
	catalogue_free(cat);
	conf_free(c);

	/* Neither: the installed one. */
	assert_int_equal(unsetenv("DMARCDB_SERVICES"), 0);
	if (catalogue_load(NULL, NULL, &cat, &err) == 0) {
		assert_string_equal(catalogue_file(cat), CATALOGUE_PATH);
		catalogue_free(cat);
	} else
		assert_non_null(strstr(err.msg, CATALOGUE_PATH));

	/* A missing file is an error naming it. */
	assert_int_equal(catalogue_load("/nonexistent/services.conf", NULL,
	    &cat, &err), -1);
	assert_null(cat);
	assert_non_null(strstr(err.msg, "/nonexistent/services.conf: "));
	assert_int_equal(catalogue_load(tmpdir, NULL, &cat, &err), -1);
	assert_non_null(strstr(err.msg, "not a regular file"));
}

/* Every error names the file and the line. */
static void
errors(void **state)
{
	static const struct {
		const char	*text;
		const char	*msg;
	} cases[] = {
		{ "service \"A\" { kind bank; as 1; }",
		    "x.conf:1: unknown kind 'bank' (expected esp, crm," },
		{ "service \"A\" {\n kind esp;\n as 0;\n}",
		    "x.conf:3: AS number '0' out of range" },
		{ "service \"A\" { kind esp;\n as 4294967295; }",
		    "x.conf:2: AS number '4294967295' out of range" },
		{ "service \"A\" { kind esp; as 4294967294; as 12a; }",
		    "x.conf:1: AS number '12a' out of range" },
		{ "service \"A\" { kind esp; as 99999999999999; }",
		    "x.conf:1: AS number '99999999999999' out of range" },
		{ "service \"A\" { kind esp;\n\n dkim \"a b.example\"; }",
		    "x.conf:3: expected a DKIM domain, found 'a b.example' (not "
		    "a domain name)" },
		{ "service \"A\" { kind esp; spf under_score.example; }",
		    "x.conf:1: SPF domain under_score.example is not a host "
		    "name" },
		{ "service \"A\" { kind esp; ptr -bad.example; }",
		    "x.conf:1: PTR suffix -bad.example is not a host name" },
		{ "service \"A\" { kind esp; dkim com; }",
		    "x.conf:1: DKIM domain com is a top-level domain" },
		{ "service \"A\" { kind esp; as 1; }\n"
		  "service \"B\" { kind esp; as 2; }\n"
		  "service \"A\" { kind esp; as 3; }",
		    "x.conf:3: service \"A\" is already defined on line 1" },
		{ "\nservice \"A\" {\n kind esp;\n}",
		    "x.conf:2: service \"A\" has no rule (dkim, spf, ptr or "
		    "as)" },
		{ "service \"A\" {\n fix \"YOURDOMAIN\";\n as 1;\n}",
		    "x.conf:1: service \"A\" has no kind" },
		{ "service \"A\" { kind esp; as 1; colour red; }",
		    "x.conf:1: unknown service rule 'colour'" },
		{ "service \"A\" { kind esp; as; }",
		    "x.conf:1: expected an AS number after as, found ';'" },
		{ "service \"A\" { kind esp; dkim shared; }",
		    "x.conf:1: expected a domain after dkim, found ';'" },
		{ "service { kind esp; }",
		    "x.conf:1: expected the service's name, found '{'" },
		{ "service \"A\" { kind esp; as 1; }\n\ndomain example.com {}",
		    "x.conf:3: expected service, found 'domain' (a catalogue "
		    "holds service blocks only)" },
		{ "service \"A\" { kind esp; as 1; fix \"YOURDOMAIN "
		  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		  "\"; }",
		    "x.conf:1: the fix is longer than 240 bytes" },
	};
	struct conf	*c;
	struct dr_error	 err;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&err, 0, sizeof err);
		if (conf_parse_services("x.conf", cases[i].text,
		    strlen(cases[i].text), &c, &err) == 0)
			fail_msg("case %zu parsed: %s", i, cases[i].text);
		assert_null(c);
		if (strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) != 0)
			fail_msg("case %zu: \"%s\", expected \"%s...\"", i,
			    err.msg, cases[i].msg);
	}
	/* The boundaries pass; a fix of exactly 240 bytes too. */
	{
		char text[400];
		int n = snprintf(text, sizeof text, "service \"A\" { kind esp; "
		    "as 1 AS4294967294; fix \"YOURDOMAIN%0230d\"; }", 0);
		assert_true(n > 0 && (size_t)n < sizeof text);
		if (conf_parse_services("x.conf", text, strlen(text), &c,
		    &err) == -1)
			fail_msg("%s", err.msg);
		assert_int_equal(strlen(c->services[0].fix), 240);
		assert_int_equal(c->services[0].asns[1], 4294967294U);
		conf_free(c);
	}
	/* In the configuration: the same checks, and services once. */
	{
		const char *t = "services a;\nservices b;\n";
		assert_int_equal(conf_parse("y.conf", t, strlen(t), &c, &err),
		    -1);
		assert_string_equal(err.msg, "y.conf:2: services is already "
		    "set on line 1");
		t = "domain example.com { }\nservice \"Z\" { kind nope; }\n";
		assert_int_equal(conf_parse("y.conf", t, strlen(t), &c, &err),
		    -1);
		assert_non_null(strstr(err.msg, "y.conf:2: unknown kind"));
	}
}

/* The lint: each of its checks fails on a catalogue made to fail it. */
static void
lint_checks(void **state)
{
	static const struct {
		const char	*text;
		const char	*msg;		/* NULL: passes */
	} cases[] = {
		{ "service \"A\" { kind esp; dkim a.example; }\n"
		  "service \"B\" { kind esp; dkim a.example; }\n",
		    ":2: service \"B\": dkim a.example is also claimed by "
		    "\"A\" (line 1)" },
		{ "service \"A\" { kind esp; spf a.example; }\n"
		  "service \"B\" { kind esp; spf b.example a.example; }\n",
		    ":2: service \"B\": spf a.example is also claimed by \"A\"" },
		{ "service \"A\" { kind esp; ptr shared a.example; }\n"
		  "service \"B\" { kind esp; ptr a.example; }\n",
		    ":2: service \"B\": ptr a.example is also claimed" },
		{ "service \"A\" { kind esp; as 64500; }\n"
		  "service \"B\" { kind esp; as shared 64500; }\n",
		    ":2: service \"B\": as 64500 is also claimed" },
		{ "service \"A\" { kind esp; as shared 64500; dkim a.example; "
		  "}\nservice \"B\" { kind esp; as shared 64500; spf a.example;"
		  " }\n", NULL },
		{ "service \"A\" { kind esp; as 64500; fix \"Settings > DKIM\";"
		  " }\n", ":1: service \"A\": the fix does not mention "
		  "YOURDOMAIN" },
		{ "service \"A\" { kind esp; as 64500; fix \"YOURDOMAIN\"; }\n",
		    NULL },
	};
	struct catalogue	*cat;
	struct dr_error		 err;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&err, 0, sizeof err);
		cat = load(cases[i].text, NULL);
		if (cases[i].msg == NULL) {
			if (catalogue_lint(cat, &err) == -1)
				fail_msg("case %zu: %s", i, err.msg);
		} else {
			assert_int_equal(catalogue_lint(cat, &err), -1);
			if (strstr(err.msg, cases[i].msg) == NULL)
				fail_msg("case %zu: \"%s\", expected \"%s\"",
				    i, err.msg, cases[i].msg);
		}
		catalogue_free(cat);
	}
}

/*
 * The shipped catalogue (data/services.conf of the source tree): it
 * parses, has at least 40 services, unique names, a kind and a rule
 * each, no value of two services unless marked shared, and every fix
 * mentions YOURDOMAIN; and it names what it must.
 */
static void
shipped_catalogue(void **state)
{
	struct catalogue	*cat;
	struct dr_error		 err = { 0 };
	const struct svc	*a, *b;
	struct ev		 v;
	size_t			 i, j, n;

	(void)state;
	if (catalogue_load(SRCDIR "/data/services.conf", NULL, &cat,
	    &err) == -1)
		fail_msg("%s", err.msg);
	n = catalogue_count(cat);
	if (n < 40)
		fail_msg("%zu services, expected at least 40", n);
	for (i = 0; i < n; i++) {
		a = catalogue_get(cat, i);
		assert_true(a->ndkims + a->nspfs + a->nptrs + a->nasns > 0);
		assert_true(a->kind <= SVC_OTHER);
		for (j = 0; j < i; j++) {
			b = catalogue_get(cat, j);
			if (strcmp(a->name, b->name) == 0)
				fail_msg("%s twice", a->name);
		}
	}
	if (catalogue_lint(cat, &err) == -1)
		fail_msg("%s", err.msg);
	match_one(cat, ev(&v, "em123.attacker.sendgrid.net", 0, NULL, 0, NULL,
	    0), SVC_OTHER_CUSTOMER, "SendGrid", NULL);
	match_one(cat, ev(&v, NULL, 0, NULL, 0, NULL, 11377), SVC_NETWORK,
	    "SendGrid", NULL);
	match_one(cat, ev(&v, "example.com", 1, NULL, 0,
	    "mail-am6eur05on2040.outbound.protection.outlook.com", 8075),
	    SVC_FOR_US, "Microsoft 365", NULL);
	match_one(cat, ev(&v, "example-com.20230601.gappssmtp.com", 0, NULL,
	    0, "mail-sor-f41.google.com", 15169), SVC_OTHER_CUSTOMER,
	    "Google Workspace", NULL);
	match_one(cat, ev(&v, "googlegroups.com", 0, NULL, 0,
	    "mail-sor-f41.google.com", 15169), SVC_OTHER_CUSTOMER,
	    "Google Groups", NULL);
	catalogue_free(cat);
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	static const char *const names[] = { "services.conf", "svc-a.conf",
	    "svc-b.conf", "dmarcdb.conf" };
	char	path[256];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	return rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kinds_round_trip),
		cmocka_unit_test(parse_fields),
		cmocka_unit_test(rule_dkim),
		cmocka_unit_test(rule_spf),
		cmocka_unit_test(rule_ptr),
		cmocka_unit_test(rule_as),
		cmocka_unit_test(label_edges),
		cmocka_unit_test(verdicts),
		cmocka_unit_test(ranking),
		cmocka_unit_test(many_auths),
		cmocka_unit_test(fixes),
		cmocka_unit_test(config_override),
		cmocka_unit_test(file_choice),
		cmocka_unit_test(errors),
		cmocka_unit_test(lint_checks),
		cmocka_unit_test(shipped_catalogue),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
