/*
 * dkimkey.h: DKIM key records (RFC 6376 section 3.6.1, RFC 8463), as
 * dmarcdb check reads them at SELECTOR._domainkey.DOMAIN.
 *
 * The record's tags are read and checked; the key itself is decoded
 * by OpenSSL's libcrypto: its type and, for RSA, its size in bits.
 * Nothing here looks anything up.
 */
#ifndef DR_DKIMKEY_H
#define DR_DKIMKEY_H

#include <stddef.h>

/* What dkimkey_parse reads: a longer record is refused. */
#define DKIMKEY_TEXT_MAX	8192

enum dkimkey_type {
	DKIMKEY_RSA,
	DKIMKEY_ED25519,
	DKIMKEY_OTHER		/* k= names a type no verifier knows */
};

struct dkimkey {
	enum dkimkey_type type;
	int		 revoked;	/* p= empty: RFC 6376 3.6.1 */
	int		 testing;	/* t=y */
	int		 strict;	/* t=s: no subdomain of the i= domain */
	int		 sha1_only;	/* h=sha1: no verifier accepts it */
	unsigned	 bits;		/* RSA: the modulus's size; else 0 */
	char		 k[16];		/* k= as written, cut; "rsa" if absent */
};

/*
 * Parse a key record. Returns 0, or -1 with the reason in why (len
 * bytes): not a tag list, v= not first or not DKIM1, a tag given twice,
 * no p=, a p= that is not base64, or a key its type cannot read (an RSA
 * key that is neither a SubjectPublicKeyInfo nor an RSAPublicKey, an
 * Ed25519 key of other than 32 bytes).
 */
int	 dkimkey_parse(const char *, struct dkimkey *, char *, size_t);

#endif
