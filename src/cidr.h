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

/*
 * The shortest prefixes a sender's block may have without an explicit
 * "ip wide" in the configuration: shorter blocks cover a large part of
 * the internet (a /7 is 1/128 of every IPv4 address).
 */
#define CIDR_MIN_V4	8
#define CIDR_MIN_V6	16

/* An address in text: 0, or -1 if it is not one. */
int	 cidr_addr(const char *, uint8_t[CIDR_LEN]);

/*
 * "192.0.2.0/24", "2001:db8::/32" or a single address. Returns 0, or -1
 * with a reason in why (why_len bytes): not an address, a bad prefix
 * length, or bits set below the prefix.
 */
int	 cidr_parse(const char *, struct cidr *, char *, size_t);

/*
 * 1 if the address lies in the block. An IPv4 address lies only in
 * IPv4 blocks: those written as IPv4, or in IPv4-mapped form within
 * ::ffff:0:0/96. An IPv6 block that spans the mapped space (::/0,
 * ::/64) holds no IPv4 address.
 */
int	 cidr_match(const struct cidr *, const uint8_t[CIDR_LEN]);

/* 1 if the block is an IPv4 block (see cidr_match). */
int	 cidr_is_v4(const struct cidr *);

/* The prefix length in the block's family: of 32 (IPv4) or 128. */
unsigned cidr_prefix(const struct cidr *);

/* The first and last address of the block. */
void	 cidr_range(const struct cidr *, uint8_t[CIDR_LEN],
	    uint8_t[CIDR_LEN]);

/*
 * The addresses that cidr_match finds in the block, as one or two
 * ranges (first[i] to last[i]): an IPv6 block that spans the
 * IPv4-mapped space has the part below it and the part above it.
 * Returns the number of ranges.
 */
int	 cidr_ranges(const struct cidr *, uint8_t[2][CIDR_LEN],
	    uint8_t[2][CIDR_LEN]);

/* The block as text: "192.0.2.0/24", "2001:db8::/32". out >= 64 bytes. */
void	 cidr_format(const struct cidr *, char *, size_t);

#endif
