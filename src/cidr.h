/*
 * cidr.h: IP address blocks, IPv4 and IPv6 alike.
 *
 * Addresses are held as 16 bytes in network order, IPv4 as IPv4-mapped
 * IPv6 (::ffff:a.b.c.d), so one comparison serves both families and
 * byte-wise order is address order (the store keeps the same bytes).
 */
#ifndef DR_CIDR_H
#define DR_CIDR_H

#include <stdint.h>

#define CIDR_LEN	16

struct cidr {
	uint8_t		addr[CIDR_LEN];
	unsigned	bits;		/* prefix length, of 128 */
};

/* An address in text: 0, or -1 if it is not one. */
int	 cidr_addr(const char *, uint8_t[CIDR_LEN]);

/*
 * "192.0.2.0/24", "2001:db8::/32" or a single address. Returns 0, or -1
 * with a reason in why (why_len bytes): not an address, a bad prefix
 * length, or bits set below the prefix.
 */
int	 cidr_parse(const char *, struct cidr *, char *, size_t);

/* 1 if the address lies in the block. */
int	 cidr_match(const struct cidr *, const uint8_t[CIDR_LEN]);

/* The first and last address of the block. */
void	 cidr_range(const struct cidr *, uint8_t[CIDR_LEN],
	    uint8_t[CIDR_LEN]);

/* The block as text: "192.0.2.0/24", "2001:db8::/32". out >= 64 bytes. */
void	 cidr_format(const struct cidr *, char *, size_t);

#endif
