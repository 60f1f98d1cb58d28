/*
 * catalogue.c: the named services (dmarcdb(1), SERVICES) and the
 * matching of a source's evidence against them.
 *
 * The services come from the catalogue file and the configuration, both
 * parsed by conf.c. Four hash maps index the rule values: DKIM domains,
 * SPF domains and PTR suffixes by their text, AS numbers by their four
 * bytes; each value leads to a chain of the services that claim it. A
 * domain is looked up once per label edge ("a.b.c", "b.c", "c"), so a
 * match costs a few lookups whatever the catalogue's size.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "catalogue.h"
#include "conf.h"
#include "hmap.h"

/* A service claiming a rule value; chains end at 0 (indices + 1). */
struct link {
	uint32_t	svc;
	uint32_t	next;
};

enum {
	IX_DKIM,
	IX_SPF,
	IX_PTR,
	IX_AS,
	IX_N,
};

static const char *const ix_rule[IX_N] = { "dkim", "spf", "ptr", "as" };

struct catalogue {
	struct conf		 *file;		/* the file's services */
	char			 *path;
	const struct svc	**svcs;
	size_t			  nsvcs;
	struct hmap		 *ix[IX_N];	/* value: uint32_t chain head */
	struct link		 *links;
	size_t			  nlinks, caplinks;
};

static const char *const kind_names[] = {
	[SVC_ESP] = "esp",
	[SVC_CRM] = "crm",
	[SVC_MARKETING] = "marketing",
	[SVC_HELPDESK] = "helpdesk",
	[SVC_MAILBOX] = "mailbox",
	[SVC_GATEWAY] = "gateway",
	[SVC_LIST] = "list",
	[SVC_FORWARDER] = "forwarder",
	[SVC_OTHER] = "other",
};

const char *
svc_kind_name(enum svc_kind k)
{
	if ((size_t)k >= sizeof kind_names / sizeof kind_names[0])
		return "other";
	return kind_names[k];
}

int
svc_kind_parse(const char *s)
{
	size_t	i;

	for (i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++)
		if (strcmp(s, kind_names[i]) == 0)
			return (int)i;
	return -1;
}

/*
 * Read a whole regular file of at most CATALOGUE_MAX_BYTES into b.
 * Returns 0, or -1 with err set (naming the file).
 */
static int
read_file(const char *path, struct buf *b, struct dr_error *err)
{
	struct stat	st;
	ssize_t		n;
	int		fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1)
		return dr_seterr(err, DR_E_USAGE, "%s: %s (the catalogue of "
		    "services)", path, strerror(errno));
	if (fstat(fd, &st) == -1) {
		dr_seterr(err, DR_E_USAGE, "%s: %s", path, strerror(errno));
		goto end;
	}
	if (!S_ISREG(st.st_mode)) {
		dr_seterr(err, DR_E_USAGE, "%s: not a regular file", path);
		goto end;
	}
	for (;;) {
		if (buf_reserve(b, 65536) == -1) {
			dr_seterr(err, DR_E_NOMEM, "out of memory");
			goto end;
		}
		n = read(fd, b->data + b->len, 65536);
		if (n == 0)
			break;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			dr_seterr(err, DR_E_USAGE, "%s: %s", path,
			    strerror(errno));
			goto end;
		}
		b->len += (size_t)n;
		if (b->len > CATALOGUE_MAX_BYTES) {
			dr_seterr(err, DR_E_USAGE, "%s: larger than %d MiB: "
			    "not a catalogue of services", path,
			    CATALOGUE_MAX_BYTES >> 20);
			goto end;
		}
	}
	rc = 0;
end:
	close(fd);
	return rc;
}

/*
 * The catalogue's file: $DMARCDB_SERVICES, else the configuration's
 * "services" (relative to the configuration's directory), else the
 * installed one. Returns a string to free, or NULL (out of memory).
 */
static char *
file_path(const struct conf *c)
{
	const char	*env, *slash;
	char		*p;
	int		 n;

	env = getenv("DMARCDB_SERVICES");
	if (env != NULL && *env != '\0')
		return strdup(env);
	if (c == NULL || c->services_file == NULL)
		return strdup(CATALOGUE_PATH);
	if (c->services_file[0] == '/' || c->path == NULL ||
	    (slash = strrchr(c->path, '/')) == NULL)
		return strdup(c->services_file);
	n = (int)(slash - c->path);
	if (asprintf(&p, "%.*s/%s", n, c->path, c->services_file) == -1)
		return NULL;
	return p;
}

/* Add a link from a value of index ix to service i. */
static int
index_add(struct catalogue *cat, int ix, const void *key, size_t len,
    uint32_t i)
{
	uint32_t	*head, l;
	int		 added;

	head = hmap_get(cat->ix[ix], key, len, &added);
	if (head == NULL)
		return -1;
	for (l = *head; l != 0; l = cat->links[l - 1].next)
		if (cat->links[l - 1].svc == i)
			return 0;
	if (cat->nlinks == cat->caplinks) {
		size_t		 cap = cat->caplinks ? cat->caplinks * 2 : 256;
		struct link	*p = reallocarray(cat->links, cap, sizeof *p);
		if (p == NULL)
			return -1;
		cat->links = p;
		cat->caplinks = cap;
	}
	cat->links[cat->nlinks].svc = i;
	cat->links[cat->nlinks].next = *head;
	*head = (uint32_t)++cat->nlinks;
	return 0;
}

static int
index_build(struct catalogue *cat)
{
	const struct svc	*v;
	uint32_t		 i;
	size_t			 j;
	int			 k;

	for (k = 0; k < IX_N; k++) {
		cat->ix[k] = hmap_new(sizeof(uint32_t));
		if (cat->ix[k] == NULL)
			return -1;
	}
	for (i = 0; i < cat->nsvcs; i++) {
		v = cat->svcs[i];
		for (j = 0; j < v->ndkims; j++)
			if (index_add(cat, IX_DKIM, v->dkims[j],
			    strlen(v->dkims[j]), i) == -1)
				return -1;
		for (j = 0; j < v->nspfs; j++)
			if (index_add(cat, IX_SPF, v->spfs[j],
			    strlen(v->spfs[j]), i) == -1)
				return -1;
		for (j = 0; j < v->nptrs; j++)
			if (index_add(cat, IX_PTR, v->ptrs[j],
			    strlen(v->ptrs[j]), i) == -1)
				return -1;
		for (j = 0; j < v->nasns; j++)
			if (index_add(cat, IX_AS, &v->asns[j],
			    sizeof v->asns[j], i) == -1)
				return -1;
	}
	return 0;
}

int
catalogue_load(const char *path, const struct conf *c,
    struct catalogue **out, struct dr_error *err)
{
	struct catalogue	*cat;
	struct buf		 b = { 0 };
	size_t			 i, j, n;

	*out = NULL;
	cat = calloc(1, sizeof *cat);
	if (cat == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	cat->path = path != NULL ? strdup(path) : file_path(c);
	if (cat->path == NULL) {
		dr_seterr(err, DR_E_NOMEM, "out of memory");
		goto fail;
	}
	if (read_file(cat->path, &b, err) == -1 ||
	    conf_parse_services(cat->path, b.data ? b.data : "", b.len,
	    &cat->file, err) == -1)
		goto fail;
	buf_free(&b);
	n = cat->file->nservices + (c != NULL ? c->nservices : 0);
	if (n >= UINT32_MAX) {
		dr_seterr(err, DR_E_LIMIT, "too many services");
		goto fail;
	}
	cat->svcs = calloc(n ? n : 1, sizeof *cat->svcs);
	if (cat->svcs == NULL) {
		dr_seterr(err, DR_E_NOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < cat->file->nservices; i++)
		cat->svcs[cat->nsvcs++] = &cat->file->services[i];
	/* The configuration's: in the place of a same-named one, or last. */
	for (i = 0; c != NULL && i < c->nservices; i++) {
		for (j = 0; j < cat->file->nservices; j++)
			if (strcmp(cat->svcs[j]->name,
			    c->services[i].name) == 0)
				break;
		if (j < cat->file->nservices)
			cat->svcs[j] = &c->services[i];
		else
			cat->svcs[cat->nsvcs++] = &c->services[i];
	}
	if (index_build(cat) == -1) {
		dr_seterr(err, DR_E_NOMEM, "out of memory");
		goto fail;
	}
	*out = cat;
	return 0;
fail:
	buf_free(&b);
	catalogue_free(cat);
	return -1;
}

void
catalogue_free(struct catalogue *cat)
{
	int	k;

	if (cat == NULL)
		return;
	for (k = 0; k < IX_N; k++)
		hmap_free(cat->ix[k]);
	free(cat->links);
	free(cat->svcs);
	conf_free(cat->file);
	free(cat->path);
	free(cat);
}

size_t
catalogue_count(const struct catalogue *cat)
{
	return cat->nsvcs;
}

const struct svc *
catalogue_get(const struct catalogue *cat, size_t i)
{
	return i < cat->nsvcs ? cat->svcs[i] : NULL;
}

const struct svc *
catalogue_find(const struct catalogue *cat, const char *name)
{
	size_t	i;

	for (i = 0; cat != NULL && i < catalogue_count(cat); i++)
		if (strcmp(catalogue_get(cat, i)->name, name) == 0)
			return catalogue_get(cat, i);
	return NULL;
}

int
svc_fix(const struct svc *v, const char *domain, char *out, size_t len)
{
	static const char	 key[] = "YOURDOMAIN";
	const char		*p, *q;
	size_t			 o = 0, n;

	if (len > 0)
		*out = '\0';
	if (v == NULL || v->fix == NULL || len == 0)
		return -1;
	for (p = v->fix; *p != '\0' && o + 1 < len; p = q) {
		const char *part;
		q = strstr(p, key);
		if (q == p) {
			part = domain;
			n = strlen(domain);
			q = p + sizeof key - 1;
		} else {
			part = p;
			n = q != NULL ? (size_t)(q - p) : strlen(p);
			q = p + n;
		}
		if (n > len - 1 - o)
			n = len - 1 - o;
		memcpy(out + o, part, n);
		o += n;
	}
	out[o] = '\0';
	return 0;
}

const char *
catalogue_file(const struct catalogue *cat)
{
	return cat->path;
}

/* Does service v mark "rule value" shared? */
static int
is_shared(const struct svc *v, const char *rule, const char *value)
{
	size_t	i, n = strlen(rule);

	for (i = 0; i < v->nshared; i++)
		if (strncmp(v->shared[i], rule, n) == 0 &&
		    v->shared[i][n] == ' ' &&
		    strcmp(v->shared[i] + n + 1, value) == 0)
			return 1;
	return 0;
}

int
catalogue_lint(const struct catalogue *cat, struct dr_error *err)
{
	const struct svc	*a, *b;
	const void		*key;
	const uint32_t		*head;
	char			 value[256];
	size_t			 i, len;
	uint32_t		 la, lb, asn;
	int			 k;

	for (i = 0; i < cat->nsvcs; i++) {
		a = cat->svcs[i];
		if (a->fix != NULL && strstr(a->fix, "YOURDOMAIN") == NULL)
			return dr_seterr(err, DR_E_USAGE, "%s:%d: service "
			    "\"%s\": the fix does not mention YOURDOMAIN",
			    a->file, a->line, a->name);
	}
	for (k = 0; k < IX_N; k++)
		for (i = 0; i < hmap_count(cat->ix[k]); i++) {
			head = hmap_at(cat->ix[k], i, &key, &len);
			if (k == IX_AS) {
				memcpy(&asn, key, sizeof asn);
				snprintf(value, sizeof value, "%u",
				    (unsigned)asn);
			} else
				snprintf(value, sizeof value, "%.*s",
				    (int)len, (const char *)key);
			/* Each pair in the chain (newest first). */
			for (la = *head; la != 0; la = cat->links[la - 1].next)
				for (lb = cat->links[la - 1].next; lb != 0;
				    lb = cat->links[lb - 1].next) {
					a = cat->svcs[cat->links[lb - 1].svc];
					b = cat->svcs[cat->links[la - 1].svc];
					if (is_shared(a, ix_rule[k], value) &&
					    is_shared(b, ix_rule[k], value))
						continue;
					return dr_seterr(err, DR_E_USAGE,
					    "%s:%d: service \"%s\": %s %s is "
					    "also claimed by \"%s\" (line %d); "
					    "write \"%s shared\" in both if "
					    "that is meant", b->file, b->line,
					    b->name, ix_rule[k], value,
					    a->name, a->line, ix_rule[k]);
				}
		}
	return 0;
}

/*
 * Matching. A hit is one rule value of a service found in the evidence;
 * each hit has a strength, and the strongest names the service.
 */
enum ev {
	EV_AS = 1,
	EV_PTR,
	EV_SPF,
	EV_DKIM,
};

struct hit {
	int		 how;		/* 3 FOR_US, 2 OTHER_CUSTOMER,
					   1 NETWORK, 0 none */
	int		 ev;
	size_t		 rlen;		/* of the rule value */
	uint32_t	 svc;
	int		 aligned;	/* the hit's own auth is aligned */
	char		 value[256];	/* the evidence: domain or name */
	uint32_t	 asn;
};

struct matcher {
	const struct catalogue		*cat;
	const struct svc_evidence	*e;
	const struct svc_auth		*aligned;	/* first aligned */
	const char			*aligned_kind;
	const struct svc_auth		*other;		/* first other pass */
	const char			*other_kind;
	struct hit			 best;
};

/* Is h stronger than the best so far? */
static int
stronger(const struct hit *h, const struct hit *best)
{
	if (h->how != best->how)
		return h->how > best->how;
	if (h->ev != best->ev)
		return h->ev > best->ev;
	if (h->rlen != best->rlen)
		return h->rlen > best->rlen;
	return h->svc < best->svc;
}

static void
offer(struct matcher *m, int ix, uint32_t head, size_t rlen,
    const char *value, uint32_t asn, int aligned)
{
	struct hit	 h;
	uint32_t	 l;

	memset(&h, 0, sizeof h);
	switch (ix) {
	case IX_DKIM:
	case IX_SPF:
		h.ev = ix == IX_DKIM ? EV_DKIM : EV_SPF;
		h.how = m->aligned != NULL ? SVC_FOR_US : SVC_OTHER_CUSTOMER;
		break;
	default:
		h.ev = ix == IX_PTR ? EV_PTR : EV_AS;
		h.how = m->aligned != NULL ? SVC_FOR_US : m->other != NULL ?
		    SVC_OTHER_CUSTOMER : SVC_NETWORK;
		break;
	}
	/* enum svc_how's order is not strength: rank it. */
	h.how = h.how == SVC_FOR_US ? 3 : h.how == SVC_OTHER_CUSTOMER ? 2 : 1;
	h.rlen = rlen;
	h.aligned = aligned;
	h.asn = asn;
	for (l = head; l != 0; l = m->cat->links[l - 1].next) {
		h.svc = m->cat->links[l - 1].svc;
		if (m->best.how == 0 || stronger(&h, &m->best)) {
			m->best = h;
			if (value != NULL)
				snprintf(m->best.value, sizeof m->best.value,
				    "%s", value);
		}
	}
}

/*
 * Look a name up in index ix at each label edge, longest first; offers
 * the first (most specific) value found. The name is lowered and loses
 * a final dot.
 */
static void
lookup_name(struct matcher *m, int ix, const char *name, int aligned)
{
	char		 d[256];
	const char	*p;
	const uint32_t	*head;
	size_t		 n, i;

	if (name == NULL)
		return;
	n = strlen(name);
	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0 || n >= sizeof d)
		return;
	for (i = 0; i < n; i++)
		d[i] = name[i] >= 'A' && name[i] <= 'Z' ?
		    (char)(name[i] - 'A' + 'a') : name[i];
	d[n] = '\0';
	for (p = d; p != NULL; ) {
		head = hmap_find(m->cat->ix[ix], p, n - (size_t)(p - d));
		if (head != NULL) {
			offer(m, ix, *head, n - (size_t)(p - d), d, 0,
			    aligned);
			return;
		}
		p = strchr(p, '.');
		if (p != NULL)
			p++;
	}
}

/*
 * The evidence of the best hit in one phrase, into out->by. Domains
 * are cut to 50 and 45 bytes so that the phrase fits.
 */
static void
phrase(const struct matcher *m, struct svc_match *out)
{
	const struct hit	*h = &m->best;
	char			 ev[64];

	switch (h->ev) {
	case EV_DKIM:
	case EV_SPF:
		snprintf(ev, sizeof ev, "%s %.50s", h->ev == EV_DKIM ? "DKIM" :
		    "SPF", h->value);
		break;
	case EV_PTR:
		snprintf(ev, sizeof ev, "PTR %.50s", h->value);
		break;
	default:
		snprintf(ev, sizeof ev, "AS%u", (unsigned)h->asn);
		break;
	}
	if (out->how == SVC_FOR_US && h->aligned)
		snprintf(out->by, sizeof out->by, "%s, aligned", ev);
	else if (out->how == SVC_FOR_US)
		snprintf(out->by, sizeof out->by, "%s with aligned %s %.45s",
		    ev, m->aligned_kind, m->aligned->domain);
	else if (out->how == SVC_OTHER_CUSTOMER && (h->ev == EV_DKIM ||
	    h->ev == EV_SPF))
		snprintf(out->by, sizeof out->by, "%s, nothing aligned", ev);
	else if (out->how == SVC_OTHER_CUSTOMER)
		snprintf(out->by, sizeof out->by, "%s, %s %.45s not aligned",
		    ev, m->other_kind, m->other->domain);
	else
		snprintf(out->by, sizeof out->by, "%s only", ev);
}

void
catalogue_match(const struct catalogue *cat, const struct svc_evidence *e,
    struct svc_match *out)
{
	struct matcher	 m;
	const uint32_t	*head;
	size_t		 i;

	memset(out, 0, sizeof *out);
	out->how = SVC_NONE;
	memset(&m, 0, sizeof m);
	m.cat = cat;
	m.e = e;
	for (i = 0; i < e->ndkims && m.aligned == NULL; i++)
		if (e->dkims[i].aligned && e->dkims[i].domain != NULL) {
			m.aligned = &e->dkims[i];
			m.aligned_kind = "DKIM";
		}
	for (i = 0; i < e->nspfs && m.aligned == NULL; i++)
		if (e->spfs[i].aligned && e->spfs[i].domain != NULL) {
			m.aligned = &e->spfs[i];
			m.aligned_kind = "SPF";
		}
	for (i = 0; i < e->ndkims && m.other == NULL; i++)
		if (!e->dkims[i].aligned && e->dkims[i].domain != NULL) {
			m.other = &e->dkims[i];
			m.other_kind = "DKIM";
		}
	for (i = 0; i < e->nspfs && m.other == NULL; i++)
		if (!e->spfs[i].aligned && e->spfs[i].domain != NULL) {
			m.other = &e->spfs[i];
			m.other_kind = "SPF";
		}
	for (i = 0; i < e->ndkims; i++)
		lookup_name(&m, IX_DKIM, e->dkims[i].domain,
		    e->dkims[i].aligned);
	for (i = 0; i < e->nspfs; i++)
		lookup_name(&m, IX_SPF, e->spfs[i].domain, e->spfs[i].aligned);
	lookup_name(&m, IX_PTR, e->ptr, 0);
	if (e->asn != 0) {
		head = hmap_find(cat->ix[IX_AS], &e->asn, sizeof e->asn);
		if (head != NULL)
			offer(&m, IX_AS, *head, 0, NULL, e->asn, 0);
	}
	if (m.best.how == 0)
		return;
	out->svc = cat->svcs[m.best.svc];
	out->how = m.best.how == 3 ? SVC_FOR_US : m.best.how == 2 ?
	    SVC_OTHER_CUSTOMER : SVC_NETWORK;
	phrase(&m, out);
}
