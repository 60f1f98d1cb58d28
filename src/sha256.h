/*
 * sha256.h: SHA-256, with Nettle (hardware accelerated where the CPU
 * allows).
 */
#ifndef DR_SHA256_H
#define DR_SHA256_H

#include <stddef.h>

#define SHA256_LEN	32

struct sha256;

/* NULL on allocation failure. */
struct sha256	*sha256_new(void);
void		 sha256_update(struct sha256 *, const void *, size_t);
/* Writes the digest and resets the context for the next use. */
void		 sha256_final(struct sha256 *, unsigned char[SHA256_LEN]);
void		 sha256_free(struct sha256 *);

/* One shot. Returns 0. */
int		 sha256_buf(const void *, size_t, unsigned char[SHA256_LEN]);

/* Lower-case hex of a digest into out (65 bytes). */
void		 sha256_hex(const unsigned char[SHA256_LEN], char[65]);

#endif
