/*
 * smtp.c: send one message by SMTP with libcurl (dmarcdb digest --smtp).
 *
 * One transaction: MAIL FROM, a RCPT TO per recipient, DATA. If the
 * server refuses any recipient, libcurl aborts before DATA, so the
 * message goes to all recipients or to none; the error then carries
 * the server's last refusal (a 4xx or 5xx reply), which the dialogue
 * is watched for: not its last reply, which is the answer to QUIT.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "digest.h"
#include "lazy.h"
#include "net.h"

struct upload {
	const char	*data;
	size_t		 len, off;
	char		 reply[256];	/* the server's last refusal */
};

static size_t
read_cb(char *dst, size_t size, size_t n, void *arg)
{
	struct upload	*u = arg;
	size_t		 want = size * n, left = u->len - u->off;

	if (want > left)
		want = left;
	memcpy(dst, u->data + u->off, want);
	u->off += want;
	return want;
}

/*
 * Keep the last refusal the server sent: a reply line starting with 4
 * or 5. After one, libcurl still says QUIT, and "221 Bye" is no reason.
 */
static int
debug_cb(CURL *cu, curl_infotype type, char *data, size_t len, void *arg)
{
	struct upload	*u = arg;

	(void)cu;
	if (type != CURLINFO_HEADER_IN || len == 0 || (data[0] != '4' &&
	    data[0] != '5'))
		return 0;
	net_keep_reply(u->reply, sizeof u->reply, data, len);
	return 0;
}

int
smtp_send(const char *url, const struct net_opts *o, const char *from,
    char *const *to, size_t nto, const void *data, size_t len,
    struct dr_error *err)
{
	struct upload		 u = { data, len, 0, "" };
	struct curl_slist	*rcpt = NULL, *p;
	struct net_guard	 guard;
	char			 ebuf[CURL_ERROR_SIZE] = "", addr[512];
	char			 why[CURL_ERROR_SIZE + 256], safe[512];
	CURLcode		 rc;
	CURL			*cu;
	size_t			 i;
	int			 ret = 0;

	net_redact(url, safe, sizeof safe);
	if (strncmp(url, "smtp://", 7) != 0 && strncmp(url, "smtps://", 8) !=
	    0)
		return dr_seterr(err, DR_E_USAGE, "--smtp: '%s' is not an "
		    "smtp:// or smtps:// URL", safe);
	if (lazy_load(LAZY_CURL, why, sizeof why) == -1)
		return dr_seterr(err, DR_E_IO, "%s", why);
	if ((cu = curl_easy_init()) == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	for (i = 0; i < nto; i++) {
		snprintf(addr, sizeof addr, "<%s>", to[i]);
		if ((p = curl_slist_append(rcpt, addr)) == NULL) {
			ret = dr_seterr(err, DR_E_NOMEM, "out of memory");
			goto out;
		}
		rcpt = p;
	}
	snprintf(addr, sizeof addr, "<%s>", from);
	/* TLS, certificates: see net.h. */
	if (net_setup(cu, url, o, &guard, err) == -1) {
		dr_preferr(err, "--smtp %s", safe);
		ret = -1;
		goto out;
	}
	curl_easy_setopt(cu, CURLOPT_URL, url);
	curl_easy_setopt(cu, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(cu, CURLOPT_MAIL_FROM, addr);
	curl_easy_setopt(cu, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(cu, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(cu, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(cu, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(cu, CURLOPT_READDATA, &u);
	curl_easy_setopt(cu, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(cu, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
	curl_easy_setopt(cu, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(cu, CURLOPT_TIMEOUT, (long)SMTP_TIMEOUT);
	curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
	/* The dialogue, for the server's reply; nothing is printed. */
	curl_easy_setopt(cu, CURLOPT_DEBUGFUNCTION, debug_cb);
	curl_easy_setopt(cu, CURLOPT_DEBUGDATA, &u);
	curl_easy_setopt(cu, CURLOPT_VERBOSE, 1L);
	rc = curl_easy_perform(cu);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		snprintf(why, sizeof why, "no complete dialogue within %d s",
		    SMTP_TIMEOUT);
	else
		net_explain(rc, ebuf, &guard, why, sizeof why);
	if (rc != CURLE_OK)
		ret = dr_seterr(err, DR_E_IO, "sending by %s: %s%s%s%s", safe,
		    why, *u.reply ? " (the server said: " : "", u.reply,
		    *u.reply ? ")" : "");
out:
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(cu);
	return ret;
}
