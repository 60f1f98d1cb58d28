/*
 * fakedns.c: an LD_PRELOAD shim that answers dmarcdb's DNS queries, for
 * tests/e2e/values.sh.
 *
 *   FAKEDNS_TXT=file [FAKEDNS_TXT2=file] FAKEDNS_LOG=file \
 *       LD_PRELOAD=fakedns.so cmd
 *
 * res_nquery appends the name asked for to FAKEDNS_LOG, one a line,
 * and answers with one TXT record holding the bytes of FAKEDNS_TXT (in
 * strings of 255 bytes), whatever they are: control bytes too; with
 * FAKEDNS_TXT2, a second record holding its bytes. Without FAKEDNS_TXT
 * the name does not exist. Nothing goes to the network.
 *
 * Built by make check with $(CC) -shared -fPIC (no libtool).
 */
#define _GNU_SOURCE

#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/nameser.h>

#include <fcntl.h>
#include <netdb.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
log_name(const char *name)
{
	const char	*log = getenv("FAKEDNS_LOG");
	FILE		*f;

	if (log == NULL || (f = fopen(log, "a")) == NULL)
		return;
	fprintf(f, "%s\n", name);
	fclose(f);
}

static int
put(unsigned char *a, int len, int *o, const void *p, size_t n)
{
	if ((size_t)(len - *o) < n)
		return -1;
	memcpy(a + *o, p, n);
	*o += (int)n;
	return 0;
}

static int
put16(unsigned char *a, int len, int *o, unsigned v)
{
	unsigned char	c[2];

	c[0] = (unsigned char)(v >> 8);
	c[1] = (unsigned char)v;

	return put(a, len, o, c, 2);
}

/* The bytes of a file, at most len; -1 when it cannot be read. */
static ssize_t
slurp(const char *path, unsigned char *data, size_t len)
{
	size_t	n = 0;
	ssize_t	r;
	int	fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return -1;
	while (n < len && (r = read(fd, data + n, len - n)) > 0)
		n += (size_t)r;
	close(fd);
	return (ssize_t)n;
}

/* One TXT record of the name asked for (at offset 12), n bytes. */
static int
put_txt(unsigned char *ans, int anslen, int *o, const unsigned char *data,
    size_t n)
{
	unsigned char	l;
	size_t		k;

	if (put16(ans, anslen, o, 0xc00c) == -1 ||
	    put16(ans, anslen, o, ns_t_txt) == -1 ||
	    put16(ans, anslen, o, ns_c_in) == -1 ||
	    put16(ans, anslen, o, 0) == -1 ||
	    put16(ans, anslen, o, 300) == -1 ||
	    put16(ans, anslen, o, (unsigned)(n + (n + 254) / 255)) == -1)
		return -1;
	for (k = 0; k < n; k += 255) {
		l = (unsigned char)(n - k > 255 ? 255 : n - k);
		if (put(ans, anslen, o, &l, 1) == -1 ||
		    put(ans, anslen, o, data + k, l) == -1)
			return -1;
	}
	return 0;
}

int
res_nquery(res_state st, const char *name, int class, int type,
    unsigned char *ans, int anslen)
{
	const char	*txt = getenv("FAKEDNS_TXT"), *p, *dot;
	const char	*txt2 = getenv("FAKEDNS_TXT2");
	unsigned char	 data[4096], data2[4096], l;
	ssize_t		 n, n2 = -1;
	size_t		 len;
	int		 o = 0;

	(void)class;
	log_name(name);
	if (txt == NULL || type != ns_t_txt) {
		st->res_h_errno = HOST_NOT_FOUND;
		return -1;
	}
	if ((n = slurp(txt, data, sizeof data)) == -1 || (txt2 != NULL &&
	    (n2 = slurp(txt2, data2, sizeof data2)) == -1)) {
		st->res_h_errno = NO_RECOVERY;
		return -1;
	}
	if (put16(ans, anslen, &o, 0x1234) == -1 ||
	    put16(ans, anslen, &o, 0x8180) == -1 ||
	    put16(ans, anslen, &o, 1) == -1 ||
	    put16(ans, anslen, &o, n2 == -1 ? 1 : 2) == -1 ||
	    put16(ans, anslen, &o, 0) == -1 ||
	    put16(ans, anslen, &o, 0) == -1)
		goto full;
	for (p = name; *p != '\0'; p += len + (p[len] == '.')) {
		dot = strchr(p, '.');
		len = dot ? (size_t)(dot - p) : strlen(p);
		if (len > 63) {
			st->res_h_errno = NO_RECOVERY;
			return -1;
		}
		l = (unsigned char)len;
		if (put(ans, anslen, &o, &l, 1) == -1 ||
		    put(ans, anslen, &o, p, len) == -1)
			goto full;
	}
	if (put(ans, anslen, &o, "", 1) == -1 ||
	    put16(ans, anslen, &o, ns_t_txt) == -1 ||
	    put16(ans, anslen, &o, ns_c_in) == -1 ||
	    put_txt(ans, anslen, &o, data, (size_t)n) == -1 ||
	    (n2 != -1 && put_txt(ans, anslen, &o, data2, (size_t)n2) == -1))
		goto full;
	return o;
full:
	st->res_h_errno = NO_RECOVERY;
	return -1;
}
