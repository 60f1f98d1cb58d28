/*
 * test_parse.c: XML to reports and records, one test per quirk of the
 * DMARC reference (section 4) that lives in the XML, and per limit.
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
#include <libxml/parser.h>

#include "buf.h"
#include "parse.h"

#define MAXREC	8

/* What the callbacks saw, copied out of the parser's memory. */
struct rec {
	char	 ip[64];
	int64_t	 count;
	char	 disp[32], dkim[32], spf[32], hf[64], ef[64], et[64];
	int	 ef_null;
	size_t	 ndkim, nspf, nreason;
	char	 dk_domain[64], dk_sel[64], dk_result[32], dk_human[128];
	int	 dk_sel_null;
	char	 sp_domain[64], sp_scope[32], sp_result[32];
	char	 rs_type[32], rs_comment[64];
	int	 rs_type_null;
	char	 warn[512];	/* codes, space separated */
	char	 ext[512];
	/* Lengths of the names, (size_t)-1 when NULL. */
	size_t	 hf_len, ef_len, et_len, dkd_len, sel_len, spd_len;
};

struct got {
	struct parser	*p;
	int		 begun;
	int		 nrec;
	struct rec	 r[MAXREC];
};

static struct parse_limits lim = { 4096, 64, 1000 };

static void
cp(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

static size_t
len_of(const char *v)
{
	return v != NULL ? strlen(v) : (size_t)-1;
}

static int
on_begin(void *arg, const struct dr_report *r, struct dr_error *e)
{
	struct got	*g = arg;

	(void)r;
	(void)e;
	g->begun++;
	return 0;
}

static int
on_record(void *arg, const struct dr_record *r, struct dr_error *e)
{
	struct got	*g = arg;
	struct rec	*x;
	size_t		 i;

	(void)e;
	assert_int_equal(g->begun, 1);
	if (g->nrec >= MAXREC)
		return 0;
	x = &g->r[g->nrec++];
	assert_int_equal(r->ordinal, (uint64_t)g->nrec);
	cp(x->ip, sizeof x->ip, r->source_ip ? r->source_ip : "(null)");
	x->count = r->count;
	cp(x->disp, sizeof x->disp, r->disposition);
	cp(x->dkim, sizeof x->dkim, r->dkim);
	cp(x->spf, sizeof x->spf, r->spf);
	cp(x->hf, sizeof x->hf, r->header_from);
	cp(x->ef, sizeof x->ef, r->envelope_from);
	x->ef_null = r->envelope_from == NULL;
	cp(x->et, sizeof x->et, r->envelope_to);
	x->ndkim = r->ndkims;
	x->nspf = r->nspfs;
	x->nreason = r->nreasons;
	if (r->ndkims > 0) {
		cp(x->dk_domain, 64, r->dkims[0].domain);
		cp(x->dk_sel, 64, r->dkims[0].selector);
		x->dk_sel_null = r->dkims[0].selector == NULL;
		cp(x->dk_result, 32, r->dkims[0].result);
		cp(x->dk_human, 128, r->dkims[0].human_result);
	}
	if (r->nspfs > 0) {
		cp(x->sp_domain, 64, r->spfs[0].domain);
		cp(x->sp_scope, 32, r->spfs[0].scope);
		cp(x->sp_result, 32, r->spfs[0].result);
	}
	if (r->nreasons > 0) {
		cp(x->rs_type, 32, r->reasons[0].type);
		x->rs_type_null = r->reasons[0].type == NULL;
		cp(x->rs_comment, 64, r->reasons[0].comment);
	}
	for (i = 0; i < r->nwarnings; i++) {
		strncat(x->warn, r->warnings[i].code,
		    sizeof x->warn - strlen(x->warn) - 2);
		strcat(x->warn, " ");
	}
	cp(x->ext, sizeof x->ext, r->extensions);
	x->hf_len = len_of(r->header_from);
	x->ef_len = len_of(r->envelope_from);
	x->et_len = len_of(r->envelope_to);
	x->dkd_len = r->ndkims > 0 ? len_of(r->dkims[0].domain) : 0;
	x->sel_len = r->ndkims > 0 ? len_of(r->dkims[0].selector) : 0;
	x->spd_len = r->nspfs > 0 ? len_of(r->spfs[0].domain) : 0;
	return 0;
}

static const struct parse_cb cb = { on_begin, on_record };

/*
 * Parse xml, fed in pieces of step bytes (0: all at once). Returns
 * parse_finish's result; the report stays valid until done().
 */
static int
run(struct got *g, const char *xml, size_t step, int recover,
    const struct dr_report **rep, struct dr_error *err)
{
	size_t	len = strlen(xml), off = 0, n;

	memset(g, 0, sizeof *g);
	g->p = parse_new(&lim, &cb, g, recover);
	assert_non_null(g->p);
	if (step == 0)
		step = len;
	while (off < len) {
		n = len - off < step ? len - off : step;
		if (parse_feed(g->p, xml + off, n, err) == -1)
			return -1;
		off += n;
	}
	return parse_finish(g->p, rep, err);
}

static void
done(struct got *g)
{
	parse_free(g->p);
	g->p = NULL;
}

/* Does the report carry a warning with this code? */
static int
has_warning(const struct dr_report *r, const char *code)
{
	size_t	i;

	for (i = 0; i < r->nwarnings; i++)
		if (strcmp(r->warnings[i].code, code) == 0)
			return 1;
	return 0;
}

#define META(extra) \
	"<report_metadata><org_name>Example Org</org_name>" \
	"<email>dmarc@example.net</email><report_id>r1</report_id>" \
	"<date_range><begin>1700000000</begin><end>1700086399</end>" \
	"</date_range>" extra "</report_metadata>"
#define POLICY(extra) \
	"<policy_published><domain>example.com</domain><p>none</p>" extra \
	"</policy_published>"
#define RECORD(row, ids, auth) \
	"<record><row>" row "</row><identifiers>" ids "</identifiers>" \
	"<auth_results>" auth "</auth_results></record>"
#define ROW(ip, count) \
	"<source_ip>" ip "</source_ip><count>" count "</count>" \
	"<policy_evaluated><disposition>none</disposition><dkim>pass</dkim>" \
	"<spf>pass</spf></policy_evaluated>"
#define SIMPLE_RECORD \
	RECORD(ROW("192.0.2.1", "3"), "<header_from>example.com</header_from>",\
	    "<dkim><domain>example.com</domain><selector>s1</selector>" \
	    "<result>pass</result></dkim><spf><domain>example.com</domain>" \
	    "<result>pass</result></spf>")
#define DOC(body) "<?xml version=\"1.0\"?><feedback>" body "</feedback>"

/* --- the basics ---------------------------------------------------- */

static void
rfc7489_report(void **state)
{
	static const char xml[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>\n"
	    "<version>1.0</version>"
	    META("<extra_contact_info>http://x</extra_contact_info>")
	    "<policy_published><domain>Example.COM.</domain><adkim>r</adkim>"
	    "<aspf>s</aspf><p>quarantine</p><sp>none</sp><pct>50</pct>"
	    "<fo>1</fo></policy_published>"
	    SIMPLE_RECORD
	    RECORD(ROW("2001:DB8::0:1", "7"),
	    "<header_from>Example.com</header_from>"
	    "<envelope_from>bounce.example.com</envelope_from>",
	    "<spf><domain>bounce.example.com</domain><scope>mfrom</scope>"
	    "<result>softfail</result></spf>")
	    "</feedback>\n";
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	assert_int_equal(r->schema, DR_SCHEMA_RFC7489);
	assert_null(r->xmlns);
	assert_string_equal(r->version, "1.0");
	assert_string_equal(r->org_name, "Example Org");
	assert_string_equal(r->reporter, "example org");
	assert_string_equal(r->report_id, "r1");
	assert_int_equal(r->begin, 1700000000);
	assert_int_equal(r->end, 1700086399);
	assert_string_equal(r->domain, "example.com");
	assert_string_equal(r->adkim, "r");
	assert_string_equal(r->aspf, "s");
	assert_string_equal(r->p, "quarantine");
	assert_string_equal(r->sp, "none");
	assert_int_equal(r->pct, 50);
	assert_string_equal(r->fo, "1");
	assert_string_equal(r->extra_contact_info, "http://x");
	assert_int_equal(r->nrecords, 2);
	assert_int_equal(r->nmessages, 10);
	assert_int_equal(r->nwarnings, 0);
	assert_int_equal(g.nrec, 2);
	assert_string_equal(g.r[0].ip, "192.0.2.1");
	assert_int_equal(g.r[0].count, 3);
	assert_string_equal(g.r[0].disp, "none");
	assert_int_equal(g.r[0].ndkim, 1);
	assert_string_equal(g.r[0].dk_sel, "s1");
	assert_true(g.r[0].ef_null);
	assert_string_equal(g.r[1].ip, "2001:db8::1");
	assert_string_equal(g.r[1].hf, "example.com");
	assert_string_equal(g.r[1].sp_scope, "mfrom");
	assert_string_equal(g.r[1].sp_result, "softfail");
	assert_int_equal(g.r[1].ndkim, 0);
	done(&g);
}

static void
rfc9990_report(void **state)
{
	static const char xml[] =
	    "<?xml version=\"1.0\"?>"
	    "<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">"
	    "<version>1.0</version>"
	    META("<error lang=\"en\">first</error><generator>Gen 2"
	    "</generator>")
	    POLICY("<np>reject</np><discovery_method>treewalk"
	    "</discovery_method><testing>y</testing>")
	    "<extension><x:a xmlns:x=\"urn:x\">1 &amp; 2</x:a></extension>"
	    RECORD(ROW("192.0.2.9", "2"),
	    "<header_from>example.com</header_from><envelope_from>"
	    "</envelope_from>",
	    "<dkim><domain>example.com</domain><selector>s</selector>"
	    "<result>pass</result><human_result lang=\"de\">gut"
	    "</human_result></dkim>")
	    "</feedback>";
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 7, 0, &r, &err), 0);
	assert_int_equal(r->schema, DR_SCHEMA_RFC9990);
	assert_string_equal(r->xmlns, "urn:ietf:params:xml:ns:dmarc-2.0");
	assert_string_equal(r->np, "reject");
	assert_string_equal(r->discovery_method, "treewalk");
	assert_string_equal(r->testing, "y");
	assert_string_equal(r->generator, "Gen 2");
	assert_int_equal(r->nerrors, 1);
	assert_string_equal(r->errors[0].msg, "first");
	assert_string_equal(r->errors[0].lang, "en");
	assert_int_equal(r->pct, -1);
	/* The extension is kept as XML text, namespaces and all. */
	assert_non_null(r->extensions);
	assert_string_equal(r->extensions, "<extension xmlns=\"urn:ietf:params"
	    ":xml:ns:dmarc-2.0\"><x:a xmlns:x=\"urn:x\">1 &amp; 2</x:a>"
	    "</extension>");
	/* Empty envelope_from: the null reverse-path, stored as "". */
	assert_false(g.r[0].ef_null);
	assert_string_equal(g.r[0].ef, "");
	assert_string_equal(g.r[0].dk_human, "gut");
	done(&g);
}

static void
rfc9990_elements_without_namespace(void **state)
{
	static const char xml[] = DOC("<version>2.0</version>" META("")
	    POLICY("<testing>n</testing>") SIMPLE_RECORD);
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	assert_int_equal(r->schema, DR_SCHEMA_RFC9990);
	done(&g);
}

static void
np_alone_keeps_rfc7489(void **state)
{
	/* np came from RFC 9091 and appears in RFC 7489-era reports. */
	static const char xml[] = DOC(META("") POLICY("<np>none</np>")
	    SIMPLE_RECORD);
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	assert_int_equal(r->schema, DR_SCHEMA_RFC7489);
	assert_string_equal(r->np, "none");
	done(&g);
}

static void
any_namespace_matches_by_local_name(void **state)
{
	static const char xml[] =
	    "<d:feedback xmlns:d=\"http://dmarc.org/dmarc-xml/0.1\" "
	    "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" "
	    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
	    "<d:report_metadata><d:org_name>O</d:org_name><d:report_id>x"
	    "</d:report_id><d:date_range><d:begin>1700000000</d:begin>"
	    "<d:end>1700086399</d:end></d:date_range></d:report_metadata>"
	    "<d:policy_published><d:domain>example.com</d:domain><d:p>none"
	    "</d:p></d:policy_published><d:record><d:row><d:source_ip>"
	    "192.0.2.1</d:source_ip><d:count>1</d:count></d:row>"
	    "<d:identifiers><d:header_from>example.com</d:header_from>"
	    "</d:identifiers></d:record></d:feedback>";
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	assert_string_equal(r->xmlns, "http://dmarc.org/dmarc-xml/0.1");
	assert_int_equal(g.nrec, 1);
	assert_string_equal(g.r[0].hf, "example.com");
	done(&g);
}

static void
chunk_boundaries_do_not_matter(void **state)
{
	static const char xml[] = DOC(META("") POLICY("") SIMPLE_RECORD
	    SIMPLE_RECORD SIMPLE_RECORD);
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;
	size_t			 step;

	(void)state;
	for (step = 1; step < 40; step += 3) {
		assert_int_equal(run(&g, xml, step, 0, &r, &err), 0);
		assert_int_equal(r->nrecords, 3);
		assert_int_equal(r->nmessages, 9);
		assert_string_equal(g.r[2].dk_domain, "example.com");
		done(&g);
	}
}

static void
root_end_offset(void **state)
{
	static const char xml[] = DOC(META("") POLICY("") SIMPLE_RECORD)
	    "\n<!-- after -->";
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;
	const char		*end = strstr(xml, "</feedback>");

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	assert_int_equal(parse_root_end(g.p),
	    (uint64_t)(end - xml) + strlen("</feedback>"));
	done(&g);
}

/* --- XML envelope quirks ------------------------------------------- */

static void
declaration_glued_to_root(void **state)
{
	static const char xml[] = "<?xml version=\"1.0\" encoding=\"UTF-8\""
	    "?><feedback>" META("") POLICY("") SIMPLE_RECORD "</feedback>";
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	done(&g);
}

static void
invalid_declaration_rejected(void **state)
{
	static const char xml[] = "<?xml version=\"1.0\" standalone=\"maybe\""
	    "?><feedback>" META("") POLICY("") SIMPLE_RECORD "</feedback>";
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), -1);
	assert_int_equal(err.code, DR_E_XML);
	assert_non_null(strstr(err.msg, "XML not well-formed: line 1"));
	assert_non_null(strstr(err.msg, "standalone"));
	done(&g);
}

static void
stray_unclosed_schema_tag_rejected(void **state)
{
	/* IKEA (parsedmarc #18): an unclosed <xs:schema> inside. */
	static const char xml[] = "<?xml version=\"1.0\"?>\n<feedback>\n"
	    "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
	    META("") POLICY("") SIMPLE_RECORD "\n</feedback>\n";
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), -1);
	assert_int_equal(err.code, DR_E_XML);
	assert_non_null(strstr(err.msg, "line 5"));
	assert_non_null(strstr(err.msg, "schema"));
	/* Nothing was handed out as a record of a report that fails. */
	done(&g);
}

static void
invalid_utf8_rejected_or_recovered(void **state)
{
	/* A Windows-1252 quote (0x91) in free text (parsedmarc PR #122). */
	static const char xml[] = DOC("<report_metadata><org_name>"
	    "Acme \x91Mail\x92</org_name><report_id>r</report_id><date_range>"
	    "<begin>1700000000</begin><end>1700086399</end></date_range>"
	    "</report_metadata>" POLICY("") SIMPLE_RECORD);
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), -1);
	assert_int_equal(err.code, DR_E_XML);
	assert_non_null(strstr(err.msg, "UTF-8"));
	done(&g);
	assert_int_equal(run(&g, xml, 0, 1, &r, &err), 0);
	assert_true(has_warning(r, "recovered"));
	assert_int_equal(r->nrecords, 1);
	done(&g);
}

static void
unescaped_lt_rejected_or_recovered(void **state)
{
	/* parsedmarc's invalid_xml.xml: <email><bad@x></email> */
	static const char xml[] = DOC("<report_metadata><org_name>v</org_name>"
	    "<email><bad-xml@bad-xml.net></email><report_id>r</report_id>"
	    "<date_range><begin>1700000000</begin><end>1700086399</end>"
	    "</date_range></report_metadata>" POLICY("") SIMPLE_RECORD);
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), -1);
	assert_int_equal(err.code, DR_E_XML);
	done(&g);
	/* Recovery reads past it; the report is flagged. */
	if (run(&g, xml, 0, 1, &r, &err) == 0)
		assert_true(has_warning(r, "recovered"));
	else
		assert_int_equal(err.code, DR_E_XML);
	done(&g);
}

static void
broken_closing_tag_rejected(void **state)
{
	/* kddi.com (cry-inc #21): "202504210000000/report_id>" */
	static const char xml[] = DOC("<report_metadata><org_name>k</org_name>"
	    "<report_id>202504210000000/report_id><date_range><begin>"
	    "1700000000</begin><end>1700086399</end></date_range>"
	    "</report_metadata>" POLICY("") SIMPLE_RECORD);
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), -1);
	assert_int_equal(err.code, DR_E_XML);
	assert_non_null(strstr(err.msg, "mismatch"));
	done(&g);
}

static void
no_version_accepted(void **state)
{
	static const char xml[] = DOC(META("") POLICY("") SIMPLE_RECORD);
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	assert_null(r->version);
	done(&g);
}

static void
second_policy_published_kept_raw(void **state)
{
	static const char xml[] = DOC(META("") POLICY("")
	    "<policy_published><domain>other.example</domain><p>reject</p>"
	    "</policy_published>" SIMPLE_RECORD);
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	assert_string_equal(r->domain, "example.com");
	assert_string_equal(r->p, "none");
	assert_true(has_warning(r, "duplicate"));
	assert_non_null(strstr(r->extensions, "<domain>other.example"));
	done(&g);
}

static void
root_not_feedback_rejected(void **state)
{
	static const char xml[] = "<?xml version=\"1.0\"?><invalid_root>"
	    "<data>x</data></invalid_root>";
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), -1);
	assert_int_equal(err.code, DR_E_NOTREPORT);
	assert_non_null(strstr(err.msg, "root element is <invalid_root>"));
	done(&g);
}

static void
truncated_document_rejected(void **state)
{
	static const char xml[] = "<?xml version=\"1.0\"?><feedback>"
	    META("") POLICY("") "<record><row><source_ip>192.0.2.1";
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), -1);
	assert_int_equal(err.code, DR_E_XML);
	done(&g);
}

/* --- metadata ---------------------------------------------------- */

static void
org_name_missing_uses_email_domain(void **state)
{
	static const char xml[] = DOC("<report_metadata><email>"
	    "noreply-dmarc-support@Google.com</email><report_id>r</report_id>"
	    "<date_range><begin>1700000000</begin><end>1700086399</end>"
	    "</date_range></report_metadata>" POLICY("") SIMPLE_RECORD);
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	assert_null(r->org_name);
	assert_string_equal(r->reporter, "google.com");
	done(&g);
}

static void
org_name_raw_kept_reporter_folded(void **state)
{
	static const char xml[] = DOC("<report_metadata><org_name>"
	    "Example.COM </org_name><report_id>r</report_id><date_range>"
	    "<begin>1700000000</begin><end>1700086399</end></date_range>"
	    "</report_metadata>" POLICY("") SIMPLE_RECORD);
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	assert_string_equal(r->org_name, "Example.COM ");
	assert_string_equal(r->reporter, "example.com");
	done(&g);
}

static void
report_id_brackets_and_at(void **state)
{
	static const char xml[] = DOC("<report_metadata><org_name>o</org_name>"
	    "<report_id> &lt;66f3@hotmail.com&gt; </report_id><date_range>"
	    "<begin>1700000000</begin><end>1700086399</end></date_range>"
	    "</report_metadata>" POLICY("") SIMPLE_RECORD);
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	assert_string_equal(r->report_id, " <66f3@hotmail.com> ");
	assert_string_equal(r->report_id_norm, "66f3@hotmail.com");
	done(&g);
}

static void
missing_report_id_rejected(void **state)
{
	static const char xml[] = DOC("<report_metadata><org_name>o"
	    "</org_name><date_range><begin>1700000000</begin><end>1700086399"
	    "</end></date_range></report_metadata>" POLICY("") SIMPLE_RECORD);
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), -1);
	assert_int_equal(err.code, DR_E_REPORT);
	assert_string_equal(err.msg, "report has no <report_id>");
	done(&g);
}

static void
fractional_timestamps_truncated(void **state)
{
	static const char xml[] = DOC("<report_metadata><org_name>o"
	    "</org_name><report_id>r</report_id><date_range><begin>"
	    " 1706832000.0 </begin><end>1706918399.5</end></date_range>"
	    "</report_metadata>" POLICY("") SIMPLE_RECORD);
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	assert_int_equal(r->begin, 1706832000);
	assert_int_equal(r->end, 1706918399);
	done(&g);
}

static void
bad_timestamp_rejected(void **state)
{
	static const char xml[] = DOC("<report_metadata><org_name>o"
	    "</org_name><report_id>r</report_id><date_range><begin>"
	    "2024-02-02</begin><end>1706918399</end></date_range>"
	    "</report_metadata>" POLICY("") SIMPLE_RECORD);
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), -1);
	assert_int_equal(err.code, DR_E_REPORT);
	assert_non_null(strstr(err.msg, "<begin> '2024-02-02' is not a time"));
	done(&g);
}

/* Times up to 2099-12-31T23:59:59Z; beyond, the report is refused. */
static void
implausible_times_rejected(void **state)
{
#define RANGE(b, e) DOC("<report_metadata><org_name>o</org_name><report_id>" \
	"r</report_id><date_range><begin>" b "</begin><end>" e "</end>" \
	"</date_range></report_metadata>" POLICY("") SIMPLE_RECORD)
	static const char at[] = RANGE("4102358400", "4102444799");
	static const char end[] = RANGE("4102358400", "4102444800");
	static const char begin[] = RANGE("4102444800", "4102444900");
	static const char ms[] = RANGE("1706832000", "1706918399000");
	static const char huge[] = RANGE("1706832000",
	    "67768036191676800");
#undef RANGE
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, at, 0, 0, &r, &err), 0);
	assert_int_equal(r->end, PARSE_MAX_TIME);
	done(&g);
	assert_int_equal(run(&g, end, 0, 0, &r, &err), -1);
	assert_int_equal(err.code, DR_E_REPORT);
	assert_non_null(strstr(err.msg, "<end> 4102444800 is after "
	    "2099-12-31, not a plausible time"));
	assert_null(strstr(err.msg, "milliseconds"));
	done(&g);
	assert_int_equal(run(&g, begin, 0, 0, &r, &err), -1);
	assert_non_null(strstr(err.msg, "<begin> 4102444800 is after"));
	done(&g);
	assert_int_equal(run(&g, ms, 0, 0, &r, &err), -1);
	assert_non_null(strstr(err.msg, "(milliseconds, not seconds?)"));
	done(&g);
	assert_int_equal(run(&g, huge, 0, 0, &r, &err), -1);
	assert_non_null(strstr(err.msg, "<end> 67768036191676800 is after"));
	done(&g);
}

static void
suspicious_date_ranges_flagged(void **state)
{
	/* Trustwave: multi-week ranges; and end before begin. */
	static const char weeks[] = DOC("<report_metadata><org_name>o"
	    "</org_name><report_id>r</report_id><date_range><begin>1700000000"
	    "</begin><end>1702000000</end></date_range></report_metadata>"
	    POLICY("") SIMPLE_RECORD);
	static const char back[] = DOC("<report_metadata><org_name>o"
	    "</org_name><report_id>r</report_id><date_range><begin>1700086400"
	    "</begin><end>1700000000</end></date_range></report_metadata>"
	    POLICY("") SIMPLE_RECORD);
	static const char day[] = DOC("<report_metadata><org_name>o"
	    "</org_name><report_id>r</report_id><date_range><begin>1700000000"
	    "</begin><end>1700086400</end></date_range></report_metadata>"
	    POLICY("") SIMPLE_RECORD);
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, weeks, 0, 0, &r, &err), 0);
	assert_true(has_warning(r, "date_range"));
	done(&g);
	assert_int_equal(run(&g, back, 0, 0, &r, &err), 0);
	assert_true(has_warning(r, "date_range"));
	done(&g);
	/* Microsoft: end = begin + 86400 is normal. */
	assert_int_equal(run(&g, day, 0, 0, &r, &err), 0);
	assert_false(has_warning(r, "date_range"));
	done(&g);
}

static void
several_errors_and_lang(void **state)
{
	static const char xml[] = DOC(META("<error>one</error>"
	    "<error lang=\"fr\">deux</error><extra_contact_info lang=\"en\">"
	    "x</extra_contact_info>") POLICY("") SIMPLE_RECORD);
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	assert_int_equal(r->nerrors, 2);
	assert_string_equal(r->errors[1].msg, "deux");
	assert_string_equal(r->errors[1].lang, "fr");
	assert_null(r->errors[0].lang);
	assert_string_equal(r->extra_contact_info_lang, "en");
	done(&g);
}

/* --- policy_published -------------------------------------------- */

static void
missing_policy_fields_are_null(void **state)
{
	static const char xml[] = DOC(META("") "<policy_published><domain>"
	    "example.com</domain><p>none</p><sp/></policy_published>"
	    SIMPLE_RECORD);
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	assert_null(r->sp);
	assert_null(r->adkim);
	assert_null(r->aspf);
	assert_null(r->fo);
	/* Not reported is not 100. */
	assert_int_equal(r->pct, -1);
	done(&g);
}

static void
whitespace_and_case_in_policy_values(void **state)
{
	static const char xml[] = DOC(META("") "<policy_published><domain>"
	    "example.com</domain><p> Quarantine\n</p><adkim> S </adkim>"
	    "<pct> 25 </pct></policy_published>" SIMPLE_RECORD);
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	assert_string_equal(r->p, "quarantine");
	assert_string_equal(r->adkim, "s");
	assert_int_equal(r->pct, 25);
	assert_int_equal(r->nwarnings, 0);
	done(&g);
}

static void
invalid_policy_values_kept_raw_only(void **state)
{
	static const char xml[] = DOC(META("") "<policy_published><domain>"
	    "example.com</domain><p>none</p><np>maybe</np><testing>true"
	    "</testing><discovery_method>psd</discovery_method><pct>abc</pct>"
	    "</policy_published>" SIMPLE_RECORD);
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	/* Not DMARC: never in the field a record is built from. */
	assert_null(r->np);
	assert_string_equal(r->raw_np, "maybe");
	assert_null(r->testing);
	assert_string_equal(r->raw_testing, "true");
	assert_int_equal(r->pct, -1);
	assert_string_equal(r->raw_pct, "abc");
	assert_string_equal(r->p, "none");
	assert_null(r->raw_p);
	/* Not a record tag: outside the enumeration, kept and flagged. */
	assert_string_equal(r->discovery_method, "psd");
	assert_true(has_warning(r, "enum"));
	assert_true(has_warning(r, "policy"));
	done(&g);
}

/*
 * Values forged to smuggle tags, quotes or control bytes into the
 * record advise prints: none reaches a field; valid ones come out
 * canonical.
 */
static void
forged_policy_values_never_in_fields(void **state)
{
	static const char xml[] = DOC(META("") "<policy_published><domain>"
	    "example.com</domain><p>Reject</p><sp>none\" x</sp>"
	    "<np>reject&#x9;&#xA;quarantine</np><fo>1;pct=0;t=y</fo>"
	    "<adkim>s r</adkim><aspf>\xc2\x85s</aspf><pct>0100</pct>"
	    "</policy_published>" SIMPLE_RECORD);
	static const char canon[] = DOC(META("") "<policy_published><domain>"
	    "example.com</domain><p>none</p><fo> 1 : D :1:s </fo>"
	    "<pct>007</pct><testing>Y</testing></policy_published>"
	    SIMPLE_RECORD);
	static const char edge[] = DOC(META("") "<policy_published><domain>"
	    "example.com</domain><p>none</p><pct>101</pct><fo>1:</fo>"
	    "</policy_published>" SIMPLE_RECORD);
	static const char badp[] = DOC(META("") "<policy_published><domain>"
	    "example.com</domain><p>none;</p></policy_published>"
	    SIMPLE_RECORD);
	static const char hundred[] = DOC(META("") "<policy_published>"
	    "<domain>example.com</domain><p>none</p><pct>100</pct><pct>5"
	    "</pct><fo>x</fo><fo>1</fo></policy_published>" SIMPLE_RECORD);
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	assert_string_equal(r->p, "reject");
	assert_null(r->sp);
	assert_string_equal(r->raw_sp, "none\" x");
	assert_false(has_warning(r, "missing"));
	assert_null(r->np);
	assert_string_equal(r->raw_np, "reject\t\nquarantine");
	assert_null(r->fo);
	assert_string_equal(r->raw_fo, "1;pct=0;t=y");
	assert_null(r->adkim);
	assert_string_equal(r->raw_adkim, "s r");
	assert_null(r->aspf);
	assert_string_equal(r->raw_aspf, "\xc2\x85s");
	/* 1*3DIGIT: four digits are not a pct. */
	assert_int_equal(r->pct, -1);
	assert_string_equal(r->raw_pct, "0100");
	assert_true(has_warning(r, "policy"));
	done(&g);

	assert_int_equal(run(&g, canon, 0, 0, &r, &err), 0);
	assert_string_equal(r->fo, "1:d:s");
	assert_int_equal(r->pct, 7);
	assert_string_equal(r->testing, "y");
	assert_int_equal(r->nwarnings, 0);
	done(&g);

	/* Just past the grammar. */
	assert_int_equal(run(&g, edge, 0, 0, &r, &err), 0);
	assert_int_equal(r->pct, -1);
	assert_string_equal(r->raw_pct, "101");
	assert_null(r->fo);
	assert_string_equal(r->raw_fo, "1:");
	done(&g);

	/* A p given but not DMARC is a 'policy' warning, not 'missing'. */
	assert_int_equal(run(&g, badp, 0, 0, &r, &err), 0);
	assert_null(r->p);
	assert_string_equal(r->raw_p, "none;");
	assert_true(has_warning(r, "policy"));
	assert_false(has_warning(r, "missing"));
	done(&g);

	/* At the edge; a second element is ignored, valid or not. */
	assert_int_equal(run(&g, hundred, 0, 0, &r, &err), 0);
	assert_int_equal(r->pct, 100);
	assert_null(r->raw_pct);
	assert_null(r->fo);
	assert_string_equal(r->raw_fo, "x");
	assert_true(has_warning(r, "duplicate"));
	done(&g);
}

/* Policy domains that are not host names: the report is rejected. */
/*
 * A record's names longer than a domain name can be (253 bytes) are
 * junk: flagged and stored as NULL; 253 bytes are kept (and a policy
 * domain has its own rule, below).
 */
static void
overlong_names_stored_as_null(void **state)
{
	static const char *const tags[] = { "header_from", "envelope_from",
	    "envelope_to" };
	char		 name[2][300], xml[8192];
	const struct dr_report	*r;
	struct dr_error	 err;
	struct got	 g;
	size_t		 i, k, off;

	(void)state;
	/* 253 and 254 bytes: labels of 63 and a last of 57 or 58. */
	for (k = 0; k < 2; k++) {
		memset(name[k], 'a', 253 + k);
		for (i = 63; i < 253; i += 64)
			name[k][i] = '.';
		name[k][253 + k] = '\0';
		assert_int_equal(strlen(name[k]), 253 + k);
	}
	off = (size_t)snprintf(xml, sizeof xml, "<?xml version=\"1.0\"?>"
	    "<feedback>" META("") POLICY(""));
	for (k = 0; k < 2; k++) {
		off += (size_t)snprintf(xml + off, sizeof xml - off,
		    "<record><row>" ROW("192.0.2.1", "1") "</row>"
		    "<identifiers>");
		for (i = 0; i < 3; i++)
			off += (size_t)snprintf(xml + off, sizeof xml - off,
			    "<%s>%s</%s>", tags[i], name[k], tags[i]);
		off += (size_t)snprintf(xml + off, sizeof xml - off,
		    "</identifiers><auth_results><dkim><domain>%s</domain>"
		    "<selector>%s</selector><result>pass</result></dkim>"
		    "<spf><domain>%s</domain><result>pass</result></spf>"
		    "</auth_results></record>", name[k], name[k], name[k]);
	}
	off += (size_t)snprintf(xml + off, sizeof xml - off, "</feedback>");
	assert_true(off < sizeof xml);
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	assert_int_equal(g.nrec, 2);
	assert_int_equal(g.r[0].hf_len, 253);
	assert_int_equal(g.r[0].ef_len, 253);
	assert_int_equal(g.r[0].et_len, 253);
	assert_int_equal(g.r[0].dkd_len, 253);
	assert_int_equal(g.r[0].sel_len, 253);
	assert_int_equal(g.r[0].spd_len, 253);
	assert_null(strstr(g.r[0].warn, "domain"));
	assert_int_equal(g.r[1].hf_len, (size_t)-1);
	assert_int_equal(g.r[1].ef_len, (size_t)-1);
	assert_int_equal(g.r[1].et_len, (size_t)-1);
	assert_int_equal(g.r[1].dkd_len, (size_t)-1);
	assert_int_equal(g.r[1].sel_len, (size_t)-1);
	assert_int_equal(g.r[1].spd_len, (size_t)-1);
	/* Six names flagged; no header_from then. */
	assert_string_equal(g.r[1].warn,
	    "domain domain domain domain domain domain missing ");
	done(&g);
}

static void
policy_domain_must_be_a_host_name(void **state)
{
	static const char *const bad[] = {
		".", "victim example", "a..example", "-a.example",
		"a-.example", "exa\tmple.com", "example.com\xe2\x80\xae",
		"b\xc3\xbc" "cher.example", "1.2.3.4", "under_score.example",
		"example.com..", "",
		/* A label of 64 bytes. */
		("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example"),
	};
	static const char *const good[] = {
		"example.com", "EXAMPLE.com.", "xn--bcher-kva.example", "a",
		"1a.example", "a-b.c-d.example",
		("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example"),
	};
	char			 xml[2048], name[300];
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(xml, sizeof xml, DOC(META("") "<policy_published>"
		    "<domain>%s</domain><p>none</p></policy_published>"
		    SIMPLE_RECORD), bad[i]);
		assert_int_equal(run(&g, xml, 0, 0, &r, &err), -1);
		assert_int_equal(err.code, DR_E_REPORT);
		if (*bad[i] != '\0')
			assert_non_null(strstr(err.msg, "is not a host name"));
		done(&g);
	}
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(xml, sizeof xml, DOC(META("") "<policy_published>"
		    "<domain>%s</domain><p>none</p></policy_published>"
		    SIMPLE_RECORD), good[i]);
		assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
		done(&g);
	}
	/* 253 bytes pass, 254 do not. */
	memset(name, 'a', sizeof name);
	for (i = 63; i < 253; i += 64)
		name[i] = '.';
	name[253] = '\0';
	snprintf(xml, sizeof xml, DOC(META("") "<policy_published><domain>"
	    "%s</domain><p>none</p></policy_published>" SIMPLE_RECORD), name);
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	assert_int_equal(strlen(r->domain), 253);
	done(&g);
	name[253] = 'a';
	name[254] = '\0';
	snprintf(xml, sizeof xml, DOC(META("") "<policy_published><domain>"
	    "%s</domain><p>none</p></policy_published>" SIMPLE_RECORD), name);
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), -1);
	assert_non_null(strstr(err.msg, "254 bytes long, more than 253"));
	done(&g);
}

/* --- records ----------------------------------------------------- */

static void
mixed_case_enums_folded(void **state)
{
	static const char xml[] = DOC(META("") POLICY("")
	    RECORD("<source_ip>192.0.2.1</source_ip><count>1</count>"
	    "<policy_evaluated><disposition>None</disposition><dkim>PASS"
	    "</dkim><spf>Fail</spf></policy_evaluated>",
	    "<header_from>example.com</header_from>",
	    "<spf><domain>example.com</domain><scope>MFROM</scope><result>"
	    "Pass</result></spf>"));
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	assert_string_equal(g.r[0].disp, "none");
	assert_string_equal(g.r[0].dkim, "pass");
	assert_string_equal(g.r[0].spf, "fail");
	assert_string_equal(g.r[0].sp_scope, "mfrom");
	assert_string_equal(g.r[0].sp_result, "pass");
	assert_string_equal(g.r[0].warn, "");
	done(&g);
}

static void
out_of_enum_values_kept_verbatim(void **state)
{
	/* hardfail (cry-inc #21), unknown/error, a bad disposition. */
	static const char xml[] = DOC(META("") POLICY("")
	    RECORD("<source_ip>192.0.2.1</source_ip><count>1</count>"
	    "<policy_evaluated><disposition>deliver</disposition><dkim>pass"
	    "</dkim><spf>fail</spf></policy_evaluated>",
	    "<header_from>example.com</header_from>",
	    "<dkim><domain>example.com</domain><result>Unknown</result></dkim>"
	    "<spf><domain>example.com</domain><result>hardfail</result></spf>"
	    "<spf><domain>example.com</domain><result>error</result></spf>"));
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	/* Never coerced to a valid value. */
	assert_string_equal(g.r[0].disp, "deliver");
	assert_string_equal(g.r[0].dk_result, "unknown");
	assert_string_equal(g.r[0].sp_result, "hardfail");
	assert_int_equal(g.r[0].nspf, 2);
	assert_string_equal(g.r[0].warn, "enum enum enum enum ");
	done(&g);
}

static void
empty_reason_type_flagged(void **state)
{
	/* parsedmarc samples/aggregate/empty_reason.xml */
	static const char xml[] = DOC(META("") POLICY("")
	    RECORD("<source_ip>192.0.2.1</source_ip><count>2</count>"
	    "<policy_evaluated><disposition>none</disposition><dkim>pass"
	    "</dkim><spf>fail</spf><reason><type></type><comment></comment>"
	    "</reason><reason><type>Local_Policy</type><comment>relay"
	    "</comment></reason></policy_evaluated>",
	    "<header_from>example.com</header_from>", ""));
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	assert_int_equal(g.r[0].nreason, 2);
	assert_true(g.r[0].rs_type_null);
	assert_string_equal(g.r[0].warn, "empty ");
	done(&g);
}

static void
disposition_pass_is_valid(void **state)
{
	static const char xml[] = DOC(META("") POLICY("")
	    RECORD("<source_ip>192.0.2.1</source_ip><count>1</count>"
	    "<policy_evaluated><disposition>pass</disposition><dkim>pass"
	    "</dkim><spf>pass</spf></policy_evaluated>",
	    "<header_from>example.com</header_from>", ""));
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	assert_string_equal(g.r[0].disp, "pass");
	assert_string_equal(g.r[0].warn, "");
	done(&g);
}

static void
identities_instead_of_identifiers(void **state)
{
	/* junc.org */
	static const char xml[] = DOC(META("") POLICY("")
	    "<record><row>" ROW("192.0.2.1", "1") "</row><identities>"
	    "<header_from>example.com</header_from></identities></record>");
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	assert_string_equal(g.r[0].hf, "example.com");
	assert_string_equal(g.r[0].warn, "identities ");
	done(&g);
}

static void
envelope_from_null_sender_forms(void **state)
{
	static const char xml[] = DOC(META("") POLICY("")
	    RECORD(ROW("192.0.2.1", "1"), "<header_from>example.com"
	    "</header_from><envelope_from>&lt;&gt;</envelope_from>", "")
	    RECORD(ROW("192.0.2.2", "1"), "<header_from>example.com"
	    "</header_from><envelope_from/>", "")
	    RECORD(ROW("192.0.2.3", "1"), "<header_from>example.com"
	    "</header_from><envelope_to>Hotmail.com</envelope_to>", ""));
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	assert_false(g.r[0].ef_null);
	assert_string_equal(g.r[0].ef, "");
	assert_false(g.r[1].ef_null);
	assert_string_equal(g.r[1].ef, "");
	assert_true(g.r[2].ef_null);
	assert_string_equal(g.r[2].et, "hotmail.com");
	done(&g);
}

static void
auth_results_missing_empty_or_many(void **state)
{
	static const char xml[] = DOC(META("") POLICY("")
	    "<record><row>" ROW("192.0.2.1", "1") "</row><identifiers>"
	    "<header_from>example.com</header_from></identifiers></record>"
	    RECORD(ROW("192.0.2.2", "1"), "<header_from>example.com"
	    "</header_from>", "")
	    RECORD(ROW("192.0.2.3", "1"), "<header_from>example.com"
	    "</header_from>",
	    "<dkim><domain>a.example</domain><selector>s1</selector><result>"
	    "pass</result></dkim><dkim><domain>b.example</domain><result>fail"
	    "</result></dkim><spf><domain>a.example</domain><scope>helo"
	    "</scope><result>pass</result></spf><spf><domain>b.example"
	    "</domain><scope>mfrom</scope><result>fail</result></spf>"));
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	assert_int_equal(g.r[0].ndkim + g.r[0].nspf, 0);
	assert_int_equal(g.r[1].ndkim + g.r[1].nspf, 0);
	assert_int_equal(g.r[2].ndkim, 2);
	assert_int_equal(g.r[2].nspf, 2);
	assert_string_equal(g.r[2].sp_scope, "helo");
	done(&g);
}

static void
dkim_selector_missing_is_null(void **state)
{
	static const char xml[] = DOC(META("") POLICY("")
	    RECORD(ROW("192.0.2.1", "1"), "<header_from>example.com"
	    "</header_from>", "<dkim><domain>example.com</domain><result>pass"
	    "</result><human_result></human_result></dkim>"));
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	assert_true(g.r[0].dk_sel_null);
	assert_string_equal(g.r[0].dk_human, "");
	done(&g);
}

static void
row_without_source_ip_kept(void **state)
{
	/* GoDaddy (parsedmarc 8.14.0): a row without source_ip. */
	static const char xml[] = DOC(META("") POLICY("")
	    "<record><row><count>4</count><policy_evaluated><disposition>none"
	    "</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated>"
	    "</row><identifiers><header_from>example.com</header_from>"
	    "</identifiers></record>"
	    RECORD(ROW("not-an-ip", "1"), "<header_from>example.com"
	    "</header_from>", "")
	    SIMPLE_RECORD);
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	assert_int_equal(r->nrecords, 3);
	assert_int_equal(r->nmessages, 8);
	assert_string_equal(g.r[0].ip, "(null)");
	assert_string_equal(g.r[0].warn, "ip ");
	assert_string_equal(g.r[1].ip, "(null)");
	assert_string_equal(g.r[1].warn, "ip ");
	assert_string_equal(g.r[2].ip, "192.0.2.1");
	done(&g);
}

static void
bad_count_rejected(void **state)
{
	static const char neg[] = DOC(META("") POLICY("")
	    RECORD(ROW("192.0.2.1", "-3"), "", ""));
	static const char missing[] = DOC(META("") POLICY("")
	    "<record><row><source_ip>192.0.2.1</source_ip></row></record>");
	static const char huge[] = DOC(META("") POLICY("")
	    RECORD(ROW("192.0.2.1", "99999999999999999999"), "", ""));
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, neg, 0, 0, &r, &err), -1);
	assert_int_equal(err.code, DR_E_REPORT);
	assert_non_null(strstr(err.msg, "record 1: <count> '-3'"));
	done(&g);
	assert_int_equal(run(&g, missing, 0, 0, &r, &err), -1);
	assert_non_null(strstr(err.msg, "record 1 has no <count>"));
	done(&g);
	assert_int_equal(run(&g, huge, 0, 0, &r, &err), -1);
	assert_int_equal(err.code, DR_E_LIMIT);
	assert_non_null(strstr(err.msg, "is more than 1000000000"));
	done(&g);
}

/* Counts up to the caps are stored; one more message is refused. */
static void
counts_capped_at_the_boundary(void **state)
{
	static const char at[] = DOC(META("") POLICY("")
	    RECORD(ROW("192.0.2.1", "1000000000"), "", ""));
	static const char above[] = DOC(META("") POLICY("")
	    RECORD(ROW("192.0.2.1", "1000000001"), "", ""));
#define R9 RECORD(ROW("192.0.2.1", "1000000000"), "", "")
#define R10 R9 R9 R9 R9 R9 R9 R9 R9 R9 R9
	static const char sum_at[] = DOC(META("") POLICY("") R10
	    RECORD(ROW("192.0.2.1", "0"), "", ""));
	static const char sum_above[] = DOC(META("") POLICY("") R10
	    RECORD(ROW("192.0.2.1", "1"), "", ""));
#undef R10
#undef R9
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, at, 0, 0, &r, &err), 0);
	assert_int_equal(r->nmessages, PARSE_MAX_COUNT);
	done(&g);
	assert_int_equal(run(&g, above, 0, 0, &r, &err), -1);
	assert_int_equal(err.code, DR_E_LIMIT);
	assert_non_null(strstr(err.msg, "record 1: <count> 1000000001 is "
	    "more than 1000000000"));
	done(&g);
	assert_int_equal(run(&g, sum_at, 0, 0, &r, &err), 0);
	assert_int_equal(r->nmessages, PARSE_MAX_MESSAGES);
	assert_int_equal(r->nrecords, 11);
	done(&g);
	assert_int_equal(run(&g, sum_above, 0, 0, &r, &err), -1);
	assert_int_equal(err.code, DR_E_LIMIT);
	assert_non_null(strstr(err.msg, "record 11: the records count more "
	    "than 10000000000 messages"));
	done(&g);
}

static void
unknown_elements_kept_per_record(void **state)
{
	static const char xml[] = DOC(META("") POLICY("<unknown-tag1/>")
	    "<record><row>" ROW("192.0.2.1", "1") "</row><identifiers>"
	    "<header_from>example.com</header_from></identifiers>"
	    "<v:source xmlns:v=\"urn:v\" a=\"&quot;q&quot;\">m &lt; n"
	    "</v:source></record>");
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	assert_string_equal(g.r[0].ext, "<v:source xmlns:v=\"urn:v\" "
	    "a=\"&quot;q&quot;\">m &lt; n</v:source>");
	assert_string_equal(r->extensions, "<unknown-tag1></unknown-tag1>");
	done(&g);
}

static void
report_without_records_begins_at_end(void **state)
{
	static const char xml[] = DOC(META("") POLICY(""));
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), 0);
	assert_int_equal(g.begun, 1);
	assert_int_equal(r->nrecords, 0);
	assert_true(has_warning(r, "missing"));
	done(&g);
}

/* --- security and limits ----------------------------------------- */

static void
doctype_refused(void **state)
{
	static const char laughs[] = "<?xml version=\"1.0\"?>"
	    "<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
	    "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>"
	    "<feedback><report_metadata><org_name>&lol2;</org_name>"
	    "</report_metadata></feedback>";
	static const char xxe[] = "<?xml version=\"1.0\"?>"
	    "<!DOCTYPE feedback [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
	    "<feedback>&x;</feedback>";
	static const char plain[] = "<!DOCTYPE feedback><feedback/>";
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, laughs, 0, 0, &r, &err), -1);
	assert_int_equal(err.code, DR_E_XML);
	assert_non_null(strstr(err.msg, "DOCTYPE"));
	done(&g);
	assert_int_equal(run(&g, xxe, 0, 0, &r, &err), -1);
	assert_non_null(strstr(err.msg, "DOCTYPE"));
	done(&g);
	assert_int_equal(run(&g, plain, 0, 1, &r, &err), -1);
	assert_non_null(strstr(err.msg, "DOCTYPE"));
	done(&g);
}

static void
undeclared_entity_rejected(void **state)
{
	static const char xml[] = DOC("<report_metadata><org_name>&ext;"
	    "</org_name></report_metadata>");
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;

	(void)state;
	assert_int_equal(run(&g, xml, 0, 0, &r, &err), -1);
	assert_int_equal(err.code, DR_E_XML);
	assert_non_null(strstr(err.msg, "ext"));
	done(&g);
}

static void
limit_text_length(void **state)
{
	struct buf		 b = { 0 };
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;
	int			 i;

	(void)state;
	buf_adds(&b, "<feedback><report_metadata><org_name>");
	for (i = 0; i < 5000; i++)
		buf_addc(&b, 'a');
	buf_adds(&b, "</org_name></report_metadata></feedback>");
	assert_int_equal(run(&g, b.data, 100, 0, &r, &err), -1);
	assert_int_equal(err.code, DR_E_LIMIT);
	assert_non_null(strstr(err.msg, "--max-text"));
	done(&g);
	buf_free(&b);
}

static void
limit_nesting_depth(void **state)
{
	struct buf		 b = { 0 };
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;
	int			 i;

	(void)state;
	buf_adds(&b, "<feedback>");
	for (i = 0; i < 100000; i++)
		buf_adds(&b, "<a>");
	assert_int_equal(run(&g, b.data, 4096, 0, &r, &err), -1);
	assert_int_equal(err.code, DR_E_LIMIT);
	assert_non_null(strstr(err.msg, "nested deeper than 64 (--max-depth)"));
	done(&g);
	buf_free(&b);
}

static void
limit_records(void **state)
{
	struct buf		 b = { 0 };
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;
	int			 i;

	(void)state;
	buf_adds(&b, "<feedback>" META("") POLICY(""));
	for (i = 0; i < 1001; i++)
		buf_adds(&b, SIMPLE_RECORD);
	buf_adds(&b, "</feedback>");
	assert_int_equal(run(&g, b.data, 65536, 0, &r, &err), -1);
	assert_int_equal(err.code, DR_E_LIMIT);
	assert_non_null(strstr(err.msg, "more than 1000 records"));
	done(&g);
	buf_free(&b);
}

static void
limit_auth_results(void **state)
{
	struct buf		 b = { 0 };
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;
	int			 i;

	(void)state;
	buf_adds(&b, "<feedback>" META("") POLICY("") "<record><row>"
	    ROW("192.0.2.1", "1") "</row><auth_results>");
	for (i = 0; i <= PARSE_MAX_AUTH; i++)
		buf_adds(&b, "<dkim><domain>d</domain><result>pass</result>"
		    "</dkim>");
	buf_adds(&b, "</auth_results></record></feedback>");
	assert_int_equal(run(&g, b.data, 0, 0, &r, &err), -1);
	assert_int_equal(err.code, DR_E_LIMIT);
	assert_non_null(strstr(err.msg, "more than 200 DKIM results"));
	done(&g);
	buf_free(&b);
}

static void
limit_extension_size(void **state)
{
	struct buf		 b = { 0 };
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;
	int			 i;

	(void)state;
	buf_adds(&b, "<feedback>" META("") POLICY(""));
	for (i = 0; i < 1000; i++)
		buf_adds(&b, "<junk>0123456789</junk>");
	buf_adds(&b, "</feedback>");
	assert_int_equal(run(&g, b.data, 0, 0, &r, &err), -1);
	assert_int_equal(err.code, DR_E_LIMIT);
	assert_non_null(strstr(err.msg, "unknown elements"));
	done(&g);
	buf_free(&b);
}

static void
nul_bytes_rejected(void **state)
{
	static const char xml[] = "<feedback><report_metadata><org_name>a";
	const struct dr_report	*r;
	struct dr_error		 err;
	struct got		 g;
	char			 doc[128];
	size_t			 n = sizeof xml - 1;

	(void)state;
	memcpy(doc, xml, n);
	doc[n++] = '\0';
	memcpy(doc + n, "b</org_name></report_metadata></feedback>", 42);
	n += 42;
	memset(&g, 0, sizeof g);
	g.p = parse_new(&lim, &cb, &g, 0);
	if (parse_feed(g.p, doc, n, &err) == 0)
		assert_int_equal(parse_finish(g.p, &r, &err), -1);
	assert_int_equal(err.code, DR_E_XML);
	done(&g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc7489_report),
		cmocka_unit_test(rfc9990_report),
		cmocka_unit_test(rfc9990_elements_without_namespace),
		cmocka_unit_test(np_alone_keeps_rfc7489),
		cmocka_unit_test(any_namespace_matches_by_local_name),
		cmocka_unit_test(chunk_boundaries_do_not_matter),
		cmocka_unit_test(root_end_offset),
		cmocka_unit_test(declaration_glued_to_root),
		cmocka_unit_test(invalid_declaration_rejected),
		cmocka_unit_test(stray_unclosed_schema_tag_rejected),
		cmocka_unit_test(invalid_utf8_rejected_or_recovered),
		cmocka_unit_test(unescaped_lt_rejected_or_recovered),
		cmocka_unit_test(broken_closing_tag_rejected),
		cmocka_unit_test(no_version_accepted),
		cmocka_unit_test(second_policy_published_kept_raw),
		cmocka_unit_test(root_not_feedback_rejected),
		cmocka_unit_test(truncated_document_rejected),
		cmocka_unit_test(org_name_missing_uses_email_domain),
		cmocka_unit_test(org_name_raw_kept_reporter_folded),
		cmocka_unit_test(report_id_brackets_and_at),
		cmocka_unit_test(missing_report_id_rejected),
		cmocka_unit_test(fractional_timestamps_truncated),
		cmocka_unit_test(bad_timestamp_rejected),
		cmocka_unit_test(implausible_times_rejected),
		cmocka_unit_test(suspicious_date_ranges_flagged),
		cmocka_unit_test(several_errors_and_lang),
		cmocka_unit_test(missing_policy_fields_are_null),
		cmocka_unit_test(whitespace_and_case_in_policy_values),
		cmocka_unit_test(invalid_policy_values_kept_raw_only),
		cmocka_unit_test(forged_policy_values_never_in_fields),
		cmocka_unit_test(overlong_names_stored_as_null),
		cmocka_unit_test(policy_domain_must_be_a_host_name),
		cmocka_unit_test(mixed_case_enums_folded),
		cmocka_unit_test(out_of_enum_values_kept_verbatim),
		cmocka_unit_test(empty_reason_type_flagged),
		cmocka_unit_test(disposition_pass_is_valid),
		cmocka_unit_test(identities_instead_of_identifiers),
		cmocka_unit_test(envelope_from_null_sender_forms),
		cmocka_unit_test(auth_results_missing_empty_or_many),
		cmocka_unit_test(dkim_selector_missing_is_null),
		cmocka_unit_test(row_without_source_ip_kept),
		cmocka_unit_test(bad_count_rejected),
		cmocka_unit_test(counts_capped_at_the_boundary),
		cmocka_unit_test(unknown_elements_kept_per_record),
		cmocka_unit_test(report_without_records_begins_at_end),
		cmocka_unit_test(doctype_refused),
		cmocka_unit_test(undeclared_entity_rejected),
		cmocka_unit_test(limit_text_length),
		cmocka_unit_test(limit_nesting_depth),
		cmocka_unit_test(limit_records),
		cmocka_unit_test(limit_auth_results),
		cmocka_unit_test(limit_extension_size),
		cmocka_unit_test(nul_bytes_rejected),
	};

	xmlInitParser();
	parse_thread_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
