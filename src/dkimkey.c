/*
 * dkimkey.c: DKIM key records. See dkimkey.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dkimkey.h"
#include "lazy.h"

#define TAGS_MAX	32

struct tag {
	char	*name, *value;
};

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_wsp(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static char *
trim(char *s)
{
	char	*e;

	while (is_wsp(*s))
		s++;
	e = s + strlen(s);
	while (e > s && is_wsp(e[-1]))
		*--e = '\0';
	return s;
}

/*
 * The tag list of RFC 6376 section 3.2, cut in place: each tag's name
 * and value. Returns the number of tags, or -1 with why.
 */
static int
tag_list(char *s, struct tag *v, char *why, size_t len)
{
	char	*e, *eq, *p;
	int	 n = 0, i;

	for (; s != NULL; s = e) {
		e = strchr(s, ';');
		if (e != NULL)
			*e++ = '\0';
		s = trim(s);
		if (*s == '\0') {
			if (e == NULL)
				break;	/* the final ';' */
			snprintf(why, len, "an empty tag");
			return -1;
		}
		if ((eq = strchr(s, '=')) == NULL) {
			snprintf(why, len, "a tag without '='");
			return -1;
		}
		*eq = '\0';
		v[n].name = trim(s);
		v[n].value = trim(eq + 1);
		if (!is_alpha(v[n].name[0])) {
			snprintf(why, len, "a tag name that is not one");
			return -1;
		}
		for (p = v[n].name; *p != '\0'; p++)
			if (!is_alpha(*p) && !(*p >= '0' && *p <= '9') &&
			    *p != '_') {
				snprintf(why, len, "a tag name that is not "
				    "one");
				return -1;
			}
		for (p = v[n].value; *p != '\0'; p++)
			if (!is_wsp(*p) && ((unsigned char)*p < 0x21 ||
			    (unsigned char)*p > 0x7e)) {
				snprintf(why, len, "a byte that a tag value "
				    "cannot hold");
				return -1;
			}
		for (i = 0; i < n; i++)
			if (strcmp(v[i].name, v[n].name) == 0) {
				snprintf(why, len, "the tag %.16s given twice",
				    v[n].name);
				return -1;
			}
		if (++n == TAGS_MAX && e != NULL && *trim(e) != '\0') {
			snprintf(why, len, "more than %d tags", TAGS_MAX);
			return -1;
		}
	}
	return n;
}

static const char *
get(const struct tag *v, int n, const char *name)
{
	int	i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return v[i].value;
	return NULL;
}

/* A colon-separated list holds the word (any case, space around). */
static int
has_word(const char *list, const char *word)
{
	size_t	n = strlen(word), k;

	while (*list != '\0') {
		while (is_wsp(*list) || *list == ':')
			list++;
		k = strcspn(list, ":");
		while (k > 0 && is_wsp(list[k - 1]))
			k--;
		if (k == n && strncasecmp(list, word, n) == 0)
			return 1;
		list += strcspn(list, ":");
	}
	return 0;
}

/*
 * p= decoded: base64 with white space anywhere. Returns the number of
 * bytes into out (len at least the text's length), or -1.
 */
static int
base64(const char *s, unsigned char *out, size_t len)
{
	char	*clean;
	size_t	 n = 0, pad = 0, i;
	int	 got;

	if ((clean = malloc(strlen(s) + 1)) == NULL)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (is_wsp(s[i]))
			continue;
		if (s[i] == '=') {
			pad++;
		} else if (pad > 0 || (!is_alpha(s[i]) && !(s[i] >= '0' &&
		    s[i] <= '9') && s[i] != '+' && s[i] != '/')) {
			free(clean);
			return -1;
		}
		clean[n++] = s[i];
	}
	clean[n] = '\0';
	if (n % 4 != 0 || pad > 2 || n / 4 * 3 > len) {
		free(clean);
		return -1;
	}
	got = EVP_DecodeBlock(out, (unsigned char *)clean, (int)n);
	free(clean);
	if (got < 0)
		return -1;
	return got - (int)pad;
}

/* An RSA key: a SubjectPublicKeyInfo, or a bare RSAPublicKey. */
static int
rsa_bits(const unsigned char *der, int n, unsigned *bits)
{
	const unsigned char	*p = der;
	EVP_PKEY		*k;

	k = d2i_PUBKEY(NULL, &p, n);
	if (k == NULL || p != der + n) {
		EVP_PKEY_free(k);
		p = der;
		k = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, n);
		if (k == NULL || p != der + n) {
			EVP_PKEY_free(k);
			return -1;
		}
	}
	if (EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA) {
		EVP_PKEY_free(k);
		return -1;
	}
	*bits = (unsigned)EVP_PKEY_get_bits(k);
	EVP_PKEY_free(k);
	return 0;
}

int
dkimkey_parse(const char *text, struct dkimkey *key, char *why, size_t len)
{
	struct tag	 v[TAGS_MAX];
	const char	*ver, *k, *t, *h, *p;
	unsigned char	*der = NULL;
	char		*s;
	int		 n, got;

	memset(key, 0, sizeof *key);
	if (strlen(text) > DKIMKEY_TEXT_MAX) {
		snprintf(why, len, "longer than %d bytes", DKIMKEY_TEXT_MAX);
		return -1;
	}
	if ((s = strdup(text)) == NULL) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	if ((n = tag_list(s, v, why, len)) == -1)
		goto fail;
	ver = get(v, n, "v");
	if (ver != NULL && (strcmp(v[0].name, "v") != 0 ||
	    strcmp(ver, "DKIM1") != 0)) {
		snprintf(why, len, "v= is not first, or not DKIM1");
		goto fail;
	}
	k = get(v, n, "k");
	snprintf(key->k, sizeof key->k, "%s", k != NULL ? k : "rsa");
	key->type = k == NULL || strcasecmp(k, "rsa") == 0 ? DKIMKEY_RSA :
	    strcasecmp(k, "ed25519") == 0 ? DKIMKEY_ED25519 : DKIMKEY_OTHER;
	if ((t = get(v, n, "t")) != NULL) {
		key->testing = has_word(t, "y");
		key->strict = has_word(t, "s");
	}
	if ((h = get(v, n, "h")) != NULL)
		key->sha1_only = !has_word(h, "sha256");
	if ((p = get(v, n, "p")) == NULL) {
		snprintf(why, len, "no key (p=)");
		goto fail;
	}
	if (*p == '\0') {
		key->revoked = 1;
		free(s);
		return 0;
	}
	/* libcrypto reads the key: opened now, or why not. */
	if (lazy_load(LAZY_CRYPTO, why, len) == -1)
		goto fail;
	if ((der = malloc(strlen(p) + 3)) == NULL) {
		snprintf(why, len, "out of memory");
		goto fail;
	}
	if ((got = base64(p, der, strlen(p) + 3)) <= 0) {
		snprintf(why, len, "a key (p=) that is not base64");
		goto fail;
	}
	switch (key->type) {
	case DKIMKEY_RSA:
		if (rsa_bits(der, got, &key->bits) == -1) {
			snprintf(why, len, "a key (p=) that is not an RSA "
			    "public key");
			goto fail;
		}
		break;
	case DKIMKEY_ED25519:
		/* RFC 8463: the 32 bytes of the key, not wrapped. */
		if (got != 32) {
			snprintf(why, len, "an Ed25519 key (p=) of %d bytes, "
			    "not 32", got);
			goto fail;
		}
		break;
	default:
		break;
	}
	free(der);
	free(s);
	return 0;
fail:
	free(der);
	free(s);
	return -1;
}
