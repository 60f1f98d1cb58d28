/*
 * dns.c: the published DMARC record, through the system resolver.
 */
#include "config.h"

#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <resolv.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dns.h"
#include "valid.h"

int
dns_dmarc(const char *domain, char *out, size_t len, char *why,
    size_t whylen)
{
	struct __res_state	 st;
	unsigned char		 ans[8192];
	char			 name[VALID_NAME_MAX + 1];
	char			 reason[VALID_WHY + 64];
	int			 n;

	if (valid_dmarc_name(domain, name, sizeof name, reason,
	    sizeof reason) == -1) {
		snprintf(why, whylen, "no DNS lookup of the DMARC record: %s",
		    reason);
		return -1;
	}
	memset(&st, 0, sizeof st);
	if (res_ninit(&st) != 0) {
		snprintf(why, whylen, "cannot initialise the resolver");
		return -1;
	}
	st.retrans = 2;
	st.retry = 2;
	n = res_nquery(&st, name, ns_c_in, ns_t_txt, ans, sizeof ans);
	if (n < 0) {
		int e = st.res_h_errno;
		res_nclose(&st);
		if (e == HOST_NOT_FOUND || e == NO_DATA)
			return 0;
		snprintf(why, whylen, "looking up %s: %s", name,
		    e == TRY_AGAIN ? "no answer (timeout or server failure)" :
		    "DNS error");
		return -1;
	}
	res_nclose(&st);
	return dns_dmarc_answer(ans, n, name, out, len, why, whylen);
}

int
dns_dmarc_answer(const unsigned char *ans, int n, const char *name,
    char *out, size_t len, char *why, size_t whylen)
{
	ns_msg		 msg;
	ns_rr		 rr;
	char		 joined[8192];
	int		 i, found = 0;
	size_t		 o, k, l;

	if (len > 0)
		out[0] = '\0';
	if (ns_initparse(ans, n, &msg) == -1) {
		snprintf(why, whylen, "looking up %s: bad answer", name);
		return -1;
	}
	for (i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		const unsigned char *p, *end;

		if (ns_parserr(&msg, ns_s_an, i, &rr) == -1 ||
		    ns_rr_type(rr) != ns_t_txt ||
		    ns_rr_rdlen(rr) > sizeof joined)
			continue;
		p = ns_rr_rdata(rr);
		end = p + ns_rr_rdlen(rr);
		/* character-strings: a length byte, then the bytes. */
		for (o = 0; p < end; o += l, p += l) {
			l = *p++;
			if (l > (size_t)(end - p))
				break;
			memcpy(joined + o, p, l);
		}
		/* v=DMARC1, then the end, a ; or white space. */
		if (o < 8 || strncasecmp(joined, "v=DMARC1", 8) != 0 ||
		    (o > 8 && joined[8] != ';' && joined[8] != ' ' &&
		    joined[8] != '\t'))
			continue;
		/* Printable ASCII and tab only: nothing else is DMARC. */
		for (k = 0; k < o; k++) {
			unsigned char c = (unsigned char)joined[k];
			if ((c < 0x20 && c != '\t') || c >= 0x7f) {
				snprintf(why, whylen, "the DMARC record at %s "
				    "holds byte 0x%02x, which no DMARC record "
				    "can hold: not used", name, c);
				goto refused;
			}
		}
		/* Never cut. */
		if (o >= len) {
			snprintf(why, whylen, "the DMARC record at %s is "
			    "longer than %zu bytes: not used", name,
			    len > 0 ? len - 1 : 0);
			goto refused;
		}
		if (found++ == 0) {
			memcpy(out, joined, o);
			out[o] = '\0';
		}
	}
	if (found > 1) {
		/* RFC 7489, section 6.6.3: then no policy applies. */
		snprintf(why, whylen, "%s holds %d DMARC records: receivers "
		    "apply none of them until only one is left", name, found);
		goto refused;
	}
	return found;

refused:
	if (len > 0)
		out[0] = '\0';
	return -1;
}
