/*
 * digest-mime.c: the digest as one RFC 5322 message, with GMime.
 *
 * multipart/alternative: text/plain, then text/html (the part a client
 * prefers comes last), both UTF-8 and quoted-printable, so that no
 * line on the wire is longer than 76 characters whatever the content.
 * The boundary and the Message-ID are derived from the content, so the
 * same digest gives the same bytes.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <gmime/gmime.h>

#include "digest.h"
#include "mail.h"
#include "sanitise.h"
#include "sha256.h"

/* Parse a list of addresses; NULL (err set) unless it holds mailboxes. */
static InternetAddressList *
addresses(const char *s, const char *what, struct dr_error *err)
{
	InternetAddressList	*l;
	int			 i, n;

	if (mail_ready(err) == -1)
		return NULL;
	l = internet_address_list_parse(NULL, s);
	n = l != NULL ? internet_address_list_length(l) : 0;
	for (i = 0; i < n; i++)
		if (!INTERNET_ADDRESS_IS_MAILBOX(
		    internet_address_list_get_address(l, i)) ||
		    strchr(internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(internet_address_list_get_address(
		    l, i))), '@') == NULL)
			break;
	if (n == 0 || i < n) {
		if (l != NULL)
			g_object_unref(l);
		dr_seterr(err, DR_E_USAGE, "%s: '%s' is not an email address",
		    what, s);
		return NULL;
	}
	return l;
}

int
digest_addr_spec(const char *s, const char *what, char ***out, size_t *n,
    struct dr_error *err)
{
	InternetAddressList	*l;
	char			**v;
	int			 i, len;

	if ((l = addresses(s, what, err)) == NULL)
		return -1;
	len = internet_address_list_length(l);
	v = calloc((size_t)len + 1, sizeof *v);
	if (v == NULL) {
		g_object_unref(l);
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	}
	for (i = 0; i < len; i++) {
		InternetAddressMailbox *mb = INTERNET_ADDRESS_MAILBOX(
		    internet_address_list_get_address(l, i));
		v[i] = strdup(internet_address_mailbox_get_idn_addr(mb));
		if (v[i] == NULL) {
			while (i-- > 0)
				free(v[i]);
			free(v);
			g_object_unref(l);
			return dr_seterr(err, DR_E_NOMEM, "out of memory");
		}
	}
	g_object_unref(l);
	*out = v;
	*n = (size_t)len;
	return 0;
}

int
digest_addr_each(const char *s, const char *what,
    int (*fn)(void *, const char *, const char *), void *arg,
    struct dr_error *err)
{
	InternetAddressList	*l;
	InternetAddress		*a;
	char			*shown;
	int			 i, len, rc = 0;

	if ((l = addresses(s, what, err)) == NULL)
		return -1;
	len = internet_address_list_length(l);
	for (i = 0; i < len && rc == 0; i++) {
		a = internet_address_list_get_address(l, i);
		shown = internet_address_to_string(a, NULL, FALSE);
		if (shown == NULL) {
			rc = dr_seterr(err, DR_E_NOMEM, "out of memory");
			break;
		}
		rc = fn(arg, shown, internet_address_mailbox_get_idn_addr(
		    INTERNET_ADDRESS_MAILBOX(a)));
		g_free(shown);
	}
	g_object_unref(l);
	return rc;
}

static GMimeTextPart *
text_part(const char *subtype, const char *body)
{
	GMimeTextPart	*p;

	p = g_mime_text_part_new_with_subtype(subtype);
	g_mime_text_part_set_text(p, body);
	g_mime_text_part_set_charset(p, "utf-8");
	g_mime_part_set_content_encoding(GMIME_PART(p),
	    GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	return p;
}

int
digest_mime(const struct digest_mail *m, struct buf *out,
    struct dr_error *err)
{
	GMimeMessage		*msg = NULL;
	GMimeMultipart		*alt;
	GMimeTextPart		*tp, *hp;
	GMimeFormatOptions	*fo;
	GMimeStream		*mem;
	GByteArray		*ba;
	InternetAddressList	*l;
	GDateTime		*date;
	struct sha256		*h;
	unsigned char		 md[SHA256_LEN];
	char			 hex[65], bound[48], id[160], dbuf[32];
	char			 subj[1024];
	const char		*dom;
	size_t			 i;
	int			 rc = -1;

	if (mail_ready(err) == -1)
		return -1;
	/* The content, the recipients and the date name the message. */
	if ((h = sha256_new()) == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	snprintf(dbuf, sizeof dbuf, "%lld", (long long)m->date);
	sha256_update(h, dbuf, strlen(dbuf) + 1);
	for (i = 0; i < m->nto; i++)
		sha256_update(h, m->to[i], strlen(m->to[i]) + 1);
	sha256_update(h, m->text, strlen(m->text) + 1);
	sha256_update(h, m->html, strlen(m->html));
	sha256_final(h, md);
	sha256_free(h);
	sha256_hex(md, hex);
	/* "=_" never occurs in quoted-printable text. */
	snprintf(bound, sizeof bound, "=_dmarcdb_%.24s", hex);

	msg = g_mime_message_new(TRUE);
	if ((l = addresses(m->from, "From", err)) == NULL)
		goto out;
	internet_address_list_append(g_mime_message_get_from(msg), l);
	dom = strchr(internet_address_mailbox_get_addr(
	    INTERNET_ADDRESS_MAILBOX(internet_address_list_get_address(l, 0))),
	    '@') + 1;
	snprintf(id, sizeof id, "dmarcdb-digest.%.20s@%s", hex, dom);
	g_object_unref(l);
	for (i = 0; i < m->nto; i++) {
		if ((l = addresses(m->to[i], "To", err)) == NULL)
			goto out;
		internet_address_list_append(g_mime_message_get_addresses(msg,
		    GMIME_ADDRESS_TYPE_TO), l);
		g_object_unref(l);
	}
	/* The banner in it names senders from reports: its text form. */
	sanitise(m->subject, subj, sizeof subj);
	g_mime_message_set_subject(msg, subj, "utf-8");
	date = g_date_time_new_from_unix_utc(m->date);
	g_mime_message_set_date(msg, date);
	g_date_time_unref(date);
	g_mime_message_set_message_id(msg, id);
	/* Made by a program: no auto-replies, no vacation notices. */
	g_mime_object_set_header(GMIME_OBJECT(msg), "Auto-Submitted",
	    "auto-generated", NULL);

	alt = g_mime_multipart_new_with_subtype("alternative");
	g_mime_multipart_set_boundary(alt, bound);
	tp = text_part("plain", m->text);
	hp = text_part("html", m->html);
	g_mime_multipart_add(alt, GMIME_OBJECT(tp));
	g_mime_multipart_add(alt, GMIME_OBJECT(hp));
	g_object_unref(tp);
	g_object_unref(hp);
	g_mime_message_set_mime_part(msg, GMIME_OBJECT(alt));
	g_object_unref(alt);

	fo = g_mime_format_options_clone(NULL);
	g_mime_format_options_set_newline_format(fo, m->crlf ?
	    GMIME_NEWLINE_FORMAT_DOS : GMIME_NEWLINE_FORMAT_UNIX);
	mem = g_mime_stream_mem_new();
	if (g_mime_object_write_to_stream(GMIME_OBJECT(msg), fo, mem) == -1) {
		dr_seterr(err, DR_E_NOMEM, "cannot write the message");
	} else {
		ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
		if (buf_add(out, ba->data, ba->len) == -1)
			dr_seterr(err, DR_E_NOMEM, "out of memory");
		else
			rc = 0;
	}
	g_object_unref(mem);
	g_mime_format_options_free(fo);
out:
	g_object_unref(msg);
	return rc;
}
