/*
 * check-cover.c: does the SPF record published now still cover the
 * senders of the reports and the configured ip blocks (check-int.h)?
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "check-int.h"
#include "check.h"
#include "cidr.h"
#include "conf.h"
#include "fmt.h"
#include "store.h"

static int
on_spf_source(void *arg, const char *ip, uint64_t messages, uint64_t pass)
{
	struct check_cover	*v = arg;
	char			 why[128];
	size_t			 i = v->n;

	if (i == COVER_BLOCKS + COVER_SOURCES ||
	    strlen(ip) >= sizeof v->ip[0] ||
	    cidr_parse(ip, &v->p[i].net, why, sizeof why) == -1 ||
	    v->p[i].net.bits != 128)
		return 0;
	snprintf(v->ip[i - v->nblocks], sizeof v->ip[0], "%s", ip);
	v->messages[i] = messages;
	v->passed[i] = pass;
	v->n++;
	return 0;
}

int
check_cover_probes(struct check_cover *v, struct store *s,
    const struct conf *conf, const char *domain, const struct check_opts *o,
    char *why, size_t whylen)
{
	struct dr_error	 err;
	size_t		 i, j, n = conf_nsenders(conf, domain);

	memset(&err, 0, sizeof err);
	for (i = 0; i < n; i++) {
		const struct conf_sender *x = conf_sender(conf, domain, i);
		for (j = 0; j < x->nips && v->n < COVER_BLOCKS; j++) {
			v->p[v->n].net = x->ips[j];
			v->sender[v->n++] = x->name;
		}
	}
	v->nblocks = v->n;
	if (s != NULL && store_spf_sources(s, domain, domain, o->from_day,
	    o->to_day, COVER_SOURCES, on_spf_source, v, &err) == -1) {
		snprintf(why, whylen, "%s", err.msg);
		return -1;
	}
	return 0;
}

void
check_cover_findings(struct check_domain *c, struct check_cover *v)
{
	char		 n1[32], who[400];
	size_t		 i, j, nbad = 0, first = 0;
	uint64_t	 bad_msgs = 0;
	enum spfwalk_result worst = SPFW_PASS;

	if (!c->spf.found)
		return;
	/* Blocks: judged where their mail used the domain as MAIL FROM. */
	for (i = 0; i < v->nblocks; i++) {
		uint64_t sent = 0, pass_now = 0;
		enum spfwalk_result r = v->p[i].result;
		if (r == SPFW_PASS || r == SPFW_UNKNOWN)
			continue;
		for (j = v->nblocks; j < v->n; j++)
			if (cidr_match(&v->p[i].net, v->p[j].net.addr)) {
				sent += v->messages[j];
				if (v->p[j].result == SPFW_PASS)
					pass_now++;
			}
		if (sent == 0)
			continue;
		cidr_format(&v->p[i].net, who, sizeof who);
		fmt_count(sent, n1, sizeof n1);
		finding_add(&c->f, pass_now > 0 ? FINDING_WARN : FINDING_ERROR,
		    "receivers fail SPF for the mail of the addresses it leaves "
		    "out", "add the block to the SPF record (an ip4 or ip6 "
		    "term, or the sender's include)", "sender \"%s\" (%s) "
		    "sent %s messages with MAIL FROM %s in the reports, but the "
		    "SPF record published now %s the block (it gives %s)",
		    v->sender[i], who, n1, c->domain, pass_now > 0 ? "covers "
		    "only part of" : "does not cover", spfwalk_result_name(r));
	}
	/* Sources that passed SPF as the domain, and would not now. */
	for (i = v->nblocks; i < v->n; i++) {
		enum spfwalk_result r = v->p[i].result;
		if (v->passed[i] == 0 || r == SPFW_PASS || r == SPFW_UNKNOWN)
			continue;
		if (nbad++ == 0) {
			first = i;
			worst = r;
		}
		bad_msgs += v->passed[i];
	}
	if (nbad == 0)
		return;
	fmt_count(bad_msgs, n1, sizeof n1);
	finding_add(&c->f, FINDING_ERROR, "the SPF record changed since: "
	    "their mail now fails SPF", "if they are yours, put their "
	    "include or ip4/ip6 term back in the SPF record",
	    "%zu address%s that passed SPF as %s in the reports (%s "
	    "messages) get %s from the SPF record published now, the "
	    "largest %s", nbad, nbad == 1 ? "" : "es", c->domain, n1,
	    spfwalk_result_name(worst), v->ip[first - v->nblocks]);
}
