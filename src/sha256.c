/*
 * sha256.c: SHA-256 through libcrypto's EVP interface.
 */
#include "config.h"

#include <stdlib.h>

#include <openssl/evp.h>

#include "sha256.h"

struct sha256 {
	EVP_MD_CTX	*ctx;
};

struct sha256 *
sha256_new(void)
{
	struct sha256	*s;

	s = malloc(sizeof *s);
	if (s == NULL)
		return NULL;
	s->ctx = EVP_MD_CTX_new();
	if (s->ctx == NULL || EVP_DigestInit_ex(s->ctx, EVP_sha256(),
	    NULL) != 1) {
		EVP_MD_CTX_free(s->ctx);
		free(s);
		return NULL;
	}
	return s;
}

void
sha256_update(struct sha256 *s, const void *p, size_t n)
{
	if (n > 0)
		EVP_DigestUpdate(s->ctx, p, n);
}

void
sha256_final(struct sha256 *s, unsigned char out[SHA256_LEN])
{
	unsigned int	len = SHA256_LEN;

	EVP_DigestFinal_ex(s->ctx, out, &len);
	EVP_DigestInit_ex(s->ctx, EVP_sha256(), NULL);
}

void
sha256_free(struct sha256 *s)
{
	if (s == NULL)
		return;
	EVP_MD_CTX_free(s->ctx);
	free(s);
}

int
sha256_buf(const void *p, size_t n, unsigned char out[SHA256_LEN])
{
	unsigned int	len = SHA256_LEN;

	return EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) == 1 ? 0 : -1;
}

void
sha256_hex(const unsigned char d[SHA256_LEN], char out[65])
{
	static const char	hex[] = "0123456789abcdef";
	int			i;

	for (i = 0; i < SHA256_LEN; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[64] = '\0';
}
