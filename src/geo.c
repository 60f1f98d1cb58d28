/*
 * geo.c: the network owner of an address (AS number, AS name,
 * country) from the IPFire location database, through libloc.
 *
 * libloc reads the database once (it maps the file) and answers each
 * lookup from memory, without the network. Every string it returns
 * comes from a file anyone can have written, so it is checked here
 * before it leaves this module (geo_as_name, geo_country). Addresses
 * that belong to no network on the internet (private, documentation,
 * loopback: the IANA special-purpose registries) are never looked up:
 * the database covers some of them with a neighbouring allocation
 * (2001:db8::/32 lies in APNIC's 2001:c00::/23) and would name an
 * owner and a country that are not true.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libloc/libloc.h>
#include <libloc/as.h>
#include <libloc/database.h>
#include <libloc/network.h>

#include "cidr.h"
#include "geo.h"
#include "lazy.h"
#include "log.h"
#include "sanitise.h"

/*
 * Blocks that are not on the internet (IANA IPv4 and IPv6
 * Special-Purpose Address Registries, RFC 6890 and later; multicast
 * and the reserved 240.0.0.0/4 too). Globally reachable entries of
 * those registries (6to4, NAT64's 64:ff9b::/96, TEREDO) are left to
 * the database.
 */
static const char *const geo_special[] = {
	"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
	"169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24",
	"192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
	"203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
	"::/127", "100::/64", "2001:2::/48", "2001:10::/28", "2001:20::/28",
	"2001:db8::/32", "3fff::/20", "5f00::/16", "fc00::/7", "fe80::/10",
	"ff00::/8",
};
#define GEO_NSPECIAL	(sizeof geo_special / sizeof *geo_special)

struct geo {
	char			*path;
	struct loc_ctx		*ctx;
	struct loc_database	*db;
	int64_t			 created;
	struct cidr		 special[GEO_NSPECIAL];
};

/* The last message libloc logged in this thread, for errors. */
static _Thread_local char geo_libmsg[256];

static void	geo_log(struct loc_ctx *, int, const char *, int,
		    const char *, const char *, va_list)
		    __attribute__((format(printf, 6, 0)));

/*
 * libloc logs to stderr unless told otherwise: its messages go to
 * dmarcdb's log at debug level (-vv), shown in text form by log.c, and
 * the last one is kept for geo_open's error message.
 */
static void
geo_log(struct loc_ctx *ctx, int prio, const char *file, int line,
    const char *fn, const char *fmt, va_list ap)
{
	size_t	n;

	(void)ctx;
	(void)prio;
	(void)file;
	(void)line;
	(void)fn;
	vsnprintf(geo_libmsg, sizeof geo_libmsg, fmt, ap);
	n = strlen(geo_libmsg);
	while (n > 0 && (geo_libmsg[n - 1] == '\n' ||
	    geo_libmsg[n - 1] == '\r'))
		geo_libmsg[--n] = '\0';
	log_debug("libloc: %s", geo_libmsg);
}

/* " (libloc: MESSAGE)" if libloc said something, else "". */
static const char *
geo_libsays(char *out, size_t len)
{
	if (geo_libmsg[0] == '\0')
		return "";
	snprintf(out, len, " (libloc: %s)", geo_libmsg);
	return out;
}

struct geo *
geo_open(const char *path, struct dr_error *err)
{
	struct geo	*g;
	struct stat	 st;
	FILE		*f;
	char		 says[sizeof geo_libmsg + 16];
	size_t		 i;

	if (path == NULL)
		path = GEO_DEFAULT_PATH;
	g = calloc(1, sizeof *g);
	if (g == NULL || (g->path = strdup(path)) == NULL) {
		free(g);
		dr_seterr(err, DR_E_NOMEM, "out of memory");
		return NULL;
	}
	for (i = 0; i < GEO_NSPECIAL; i++) {
		char	why[64];
		int	rc;

		rc = cidr_parse(geo_special[i], &g->special[i], why,
		    sizeof why);
		assert(rc == 0);	/* our own constants */
		(void)rc;
	}
	f = fopen(path, "re");
	if (f == NULL) {
		dr_seterr(err, DR_E_IO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (fstat(fileno(f), &st) == -1) {
		dr_seterr(err, DR_E_IO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		dr_seterr(err, DR_E_FORMAT, "%s: not a regular file", path);
		goto fail;
	}
	if (lazy_load(LAZY_LOC, says, sizeof says) == -1) {
		dr_seterr(err, DR_E_SYSTEM, "%s: %s", path, says);
		goto fail;
	}
	if (loc_new(&g->ctx) != 0) {
		dr_seterr(err, errno == ENOMEM ? DR_E_NOMEM : DR_E_IO,
		    "%s: libloc cannot start: %s", path, strerror(errno));
		g->ctx = NULL;
		goto fail;
	}
	loc_set_log_fn(g->ctx, geo_log);
	geo_libmsg[0] = '\0';
	if (loc_database_new(g->ctx, &g->db, f) != 0) {
		g->db = NULL;
		dr_seterr(err, DR_E_FORMAT, "%s: not a location database%s",
		    path, geo_libsays(says, sizeof says));
		goto fail;
	}
	/* libloc has the bytes (mapped or its own handle) now. */
	fclose(f);
	f = NULL;
	g->created = (int64_t)loc_database_created_at(g->db);
	return g;
fail:
	if (f != NULL)
		fclose(f);
	geo_close(g);
	return NULL;
}

void
geo_close(struct geo *g)
{
	if (g == NULL)
		return;
	if (g->db != NULL)
		loc_database_unref(g->db);
	if (g->ctx != NULL)
		loc_unref(g->ctx);
	free(g->path);
	free(g);
}

struct geo *
geo_open_or_note(const char *path)
{
	static int	 noted;
	struct dr_error	 err;
	struct geo	*g;

	g = geo_open(path, &err);
	if (g == NULL && !noted) {
		noted = 1;
		log_info("note: no location database, AS and country are not "
		    "shown: %s", err.msg);
	}
	return g;
}

const char *
geo_path(const struct geo *g)
{
	return g->path;
}

int64_t
geo_created(const struct geo *g)
{
	return g->created;
}

/*
 * Code points that are invisible or reorder text, beyond the controls
 * of sanitise.h: soft hyphen, zero-width characters, word joiner and
 * invisible operators, the byte order mark, interlinear annotation,
 * language tags. A name with one could look like another name.
 */
static int
geo_invisible(uint32_t cp)
{
	return cp == 0x00ad || (cp >= 0x200b && cp <= 0x200d) ||
	    (cp >= 0x2060 && cp <= 0x2064) || cp == 0xfeff ||
	    (cp >= 0xfff9 && cp <= 0xfffb) || (cp >= 0xe0000 &&
	    cp <= 0xe007f);
}

int
geo_as_name(const char *in, char *out)
{
	const char		*p, *end, *cut;
	enum sanitise_kind	 kind;
	uint32_t		 cp;
	size_t			 n;

	out[0] = '\0';
	if (in == NULL)
		return -1;
	end = in + strlen(in);
	/* The whole name is checked, even the part that is cut. */
	for (p = in; p < end; p += n) {
		n = sanitise_decode(p, (size_t)(end - p), &cp, &kind);
		if (kind != SANITISE_PLAIN || geo_invisible(cp))
			return -1;
	}
	while (in < end && *in == ' ')
		in++;
	while (end > in && end[-1] == ' ')
		end--;
	if (in == end)
		return -1;
	/* At most GEO_AS_NAME_MAX - 1 bytes, cut before a character. */
	cut = in;
	for (p = in; p < end; p += n) {
		n = sanitise_decode(p, (size_t)(end - p), &cp, &kind);
		if ((size_t)(p - in) + n > GEO_AS_NAME_MAX - 1)
			break;
		cut = p + n;
	}
	while (cut > in && cut[-1] == ' ')
		cut--;
	memcpy(out, in, (size_t)(cut - in));
	out[cut - in] = '\0';
	return 0;
}

int
geo_country(const char *in, char *out)
{
	out[0] = '\0';
	if (in == NULL || strlen(in) != 2)
		return -1;
	if (!((in[0] >= 'A' && in[0] <= 'Z') || (in[0] >= 'a' &&
	    in[0] <= 'z')) || !((in[1] >= 'A' && in[1] <= 'Z') ||
	    (in[1] >= 'a' && in[1] <= 'z')))
		return -1;
	out[0] = (char)(in[0] & ~0x20);
	out[1] = (char)(in[1] & ~0x20);
	out[2] = '\0';
	return 0;
}

int
geo_lookup(struct geo *g, const char *text, struct geo_info *info,
    struct dr_error *err)
{
	struct loc_network	*net = NULL;
	struct loc_as		*as = NULL;
	struct in6_addr		 a;
	uint8_t			 addr[CIDR_LEN];
	size_t			 i;
	int			 rc;

	memset(info, 0, sizeof *info);
	if (text == NULL || cidr_addr(text, addr) == -1)
		return 0;
	for (i = 0; i < GEO_NSPECIAL; i++)
		if (cidr_match(&g->special[i], addr))
			return 0;
	/* libloc holds IPv4 as IPv4-mapped IPv6, as cidr.h does. */
	memcpy(a.s6_addr, addr, sizeof a.s6_addr);
	errno = 0;
	rc = loc_database_lookup(g->db, &a, &net);
	if (rc < 0) {
		return dr_seterr(err, errno == ENOMEM ? DR_E_NOMEM : DR_E_IO,
		    "%s: looking up %s: %s", g->path, text,
		    strerror(errno ? errno : EIO));
	}
	if (rc > 0 || net == NULL)
		return 0;	/* in no network of the database */
	info->asn = loc_network_get_asn(net);
	(void)geo_country(loc_network_get_country_code(net), info->country);
	if (info->asn != 0 && loc_database_get_as(g->db, &as, info->asn) ==
	    0 && as != NULL) {
		(void)geo_as_name(loc_as_get_name(as), info->as_name);
		loc_as_unref(as);
	}
	loc_network_unref(net);
	return 1;
}
