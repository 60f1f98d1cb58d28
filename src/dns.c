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

int
dns_dmarc(const char *domain, char *out, size_t len, char *why,
    size_t whylen)
{
	struct __res_state	 st;
	unsigned char		 ans[8192];
	char			 name[300];
	ns_msg			 msg;
	ns_rr			 rr;
	int			 n, i, found = 0;

	if (snprintf(name, sizeof name, "_dmarc.%s", domain) >=
	    (int)sizeof name) {
		snprintf(why, whylen, "domain name too long");
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
	if (ns_initparse(ans, n, &msg) == -1) {
		snprintf(why, whylen, "looking up %s: bad answer", name);
		return -1;
	}
	for (i = 0; i < ns_msg_count(msg, ns_s_an) && !found; i++) {
		const unsigned char *p, *end;
		size_t o = 0;
		if (ns_parserr(&msg, ns_s_an, i, &rr) == -1 ||
		    ns_rr_type(rr) != ns_t_txt)
			continue;
		p = ns_rr_rdata(rr);
		end = p + ns_rr_rdlen(rr);
		/* character-strings: a length byte, then the bytes. */
		while (p < end) {
			size_t l = *p++;
			if (l > (size_t)(end - p))
				break;
			if (o + l + 1 > len)
				l = len - o - 1;
			memcpy(out + o, p, l);
			o += l;
			p += l;
		}
		out[o] = '\0';
		found = strncasecmp(out, "v=DMARC1", 8) == 0;
	}
	return found;
}
