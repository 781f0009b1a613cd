/*
 * dburl.c - SL403 bad-database-url (see dburl.h).  A literal is turned into
 * text with a placeholder byte where an f-string or a concatenation puts a
 * value we cannot see, then parsed as dialect+driver://user:password@host:
 * port/db?query.  Only what is literal is judged: an interpolated password
 * is not a written password, an interpolated host is not a remote one.
 *
 * The facts behind the checks: SQLAlchemy loads "dialect+driver" from its
 * dialect registry, where sqlalchemy-cockroachdb registers exactly
 * cockroachdb.psycopg2, .asyncpg and .psycopg (plain cockroachdb:// means
 * psycopg2), and SQLAlchemy 1.4 dropped the "postgres" alias; libpq and
 * asyncpg accept only postgresql:// and postgres://; CockroachDB listens on
 * 26257, where the postgresql dialect misreads its version string.
 */
#include "rules/dburl.h"

#include <ctype.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "context.h"
#include "fixgen.h"
#include "qualidx.h"

#define HOLE '\x01'  /* a value the source computes: unknown text */
#define VIA_NAME 8   /* with URL_USE_*: the literal reaches its consumer under a name */
#define URL_MAX 2048 /* longer literals are not URLs we judge */

static const struct {
    const char *qual;
    unsigned char use, pos; /* URL_USE_*; the URL's position */
    const char *kw;         /* its keyword */
} consumers[] = {
    {"sqlalchemy.create_engine", URL_USE_SQLALCHEMY, 0, "url"},
    {"sqlalchemy.engine.create_engine", URL_USE_SQLALCHEMY, 0, "url"},
    {"sqlalchemy.engine.create.create_engine", URL_USE_SQLALCHEMY, 0, "url"},
    {"sqlmodel.create_engine", URL_USE_SQLALCHEMY, 0, "url"},
    {"sqlalchemy.ext.asyncio.create_async_engine", URL_USE_SQLALCHEMY, 0, "url"},
    {"sqlalchemy.ext.asyncio.engine.create_async_engine", URL_USE_SQLALCHEMY, 0, "url"},
    {"psycopg2.connect", URL_USE_LIBPQ, 0, "dsn"},
    {"psycopg.connect", URL_USE_LIBPQ, 0, "conninfo"},
    {"psycopg.Connection.connect", URL_USE_LIBPQ, 0, "conninfo"},
    {"psycopg.AsyncConnection.connect", URL_USE_LIBPQ, 0, "conninfo"},
    {"psycopg.crdb.connect", URL_USE_LIBPQ, 0, "conninfo"},
    {"psycopg.crdb.CrdbConnection.connect", URL_USE_LIBPQ, 0, "conninfo"},
    {"psycopg.crdb.AsyncCrdbConnection.connect", URL_USE_LIBPQ, 0, "conninfo"},
    {"psycopg_pool.ConnectionPool", URL_USE_LIBPQ, 0, "conninfo"},
    {"psycopg_pool.AsyncConnectionPool", URL_USE_LIBPQ, 0, "conninfo"},
    {"psycopg2.pool.SimpleConnectionPool", URL_USE_LIBPQ, 2, "dsn"},
    {"psycopg2.pool.ThreadedConnectionPool", URL_USE_LIBPQ, 2, "dsn"},
    {"asyncpg.connect", URL_USE_LIBPQ, 0, "dsn"},
    {"asyncpg.create_pool", URL_USE_LIBPQ, 0, "dsn"},
};

/* Names that a library itself reads as the database URL. */
static const char *const library_names[] = {"SQLALCHEMY_DATABASE_URI"};

static const char *const crdb_drivers[] = {"psycopg2", "asyncpg", "psycopg"};
static const char *const pg_drivers[] = {"psycopg2", "psycopg", "psycopg_async",
                                         "asyncpg",  "pg8000",  "psycopg2cffi"};
static const char *const pg_drivers_1x[] = {"pygresql", "pypostgresql"};

/* Calls whose result is an environment value with a literal default. */
static const char *const env_reads[] = {"os.getenv", "os.environ.get", "os.environ.setdefault"};

static const char *const url_create[] = {"sqlalchemy.URL.create", "sqlalchemy.engine.URL.create",
                                         "sqlalchemy.engine.url.URL.create"};

static int in_list(const char *s, const char *const *l, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (!strcmp(s, l[i]))
            return 1;
    return 0;
}
#define IN(s, list) in_list(s, list, sizeof list / sizeof *list)

static const Node *arg_at(const Node *call, int pos, const char *kw)
{
    for (int i = 0; i < call->v.Call.keywords.n; i++) {
        const Node *k = call->v.Call.keywords.items[i];
        if (k->v.keyword.arg && kw && !strcmp(k->v.keyword.arg, kw))
            return k->v.keyword.value;
    }
    if (pos >= 0 && call->v.Call.args.n > pos && call->v.Call.args.items[pos]->kind != NODE_Starred)
        return call->v.Call.args.items[pos];
    return NULL;
}

/* The row of consumers naming callee, or -1: asked of every call's callee */
static int consumer_row(const char *callee)
{
    static QualIndex idx = QUALIDX(consumers);
    return qualidx_find(&idx, callee);
}

int dburl_consumer(const char *callee)
{
    int i = consumer_row(callee);
    return i >= 0 ? consumers[i].use : 0;
}

static const Node *consumer_arg(const char *callee, const Node *call)
{
    int i = consumer_row(callee);
    return i >= 0 ? arg_at(call, consumers[i].pos, consumers[i].kw) : NULL;
}

/* The name a value travels under: DATABASE_URL, settings.db_url,
 * config["DB_URL"], str(settings.DATABASE_URL). */
static const char *travel_name(const Node *e, int depth)
{
    if (!e || depth > 4)
        return NULL;
    switch (e->kind) {
    case NODE_Name: return e->v.Name.id;
    case NODE_Attribute: return e->v.Attribute.attr;
    case NODE_Subscript: {
        const Node *k = e->v.Subscript.slice;
        return k->kind == NODE_Constant && k->v.Constant.value.kind == CONST_STR
                   ? k->v.Constant.value.s
                   : NULL;
    }
    case NODE_Call:
        if (e->v.Call.func->kind == NODE_Name && !strcmp(e->v.Call.func->v.Name.id, "str") &&
            e->v.Call.args.n == 1)
            return travel_name(e->v.Call.args.items[0], depth + 1);
        return NULL;
    default: return NULL;
    }
}

static void add_name(Arena *a, DbUrlNames *u, const char *name, int use)
{
    if (u->n == u->cap) {
        int cap = u->cap ? 2 * u->cap : 16;
        const char **names = arena_alloc(a, (size_t)cap * sizeof *names);
        unsigned char *uses = arena_alloc(a, (size_t)cap);
        if (u->n) {
            memcpy(names, u->names, (size_t)u->n * sizeof *names);
            memcpy(uses, u->use, (size_t)u->n);
        }
        u->names = names;
        u->use = uses;
        u->cap = cap;
    }
    u->names[u->n] = arena_strndup(a, name, strlen(name));
    u->use[u->n++] = (unsigned char)use;
}

static void add_dialect(Arena *a, DbUrlNames *u, const char *name)
{
    if (u->ndialects == u->capdialects) {
        int cap = u->capdialects ? 2 * u->capdialects : 4;
        const char **d = arena_alloc(a, (size_t)cap * sizeof *d);
        if (u->ndialects)
            memcpy(d, u->dialects, (size_t)u->ndialects * sizeof *d);
        u->dialects = d;
        u->capdialects = cap;
    }
    u->dialects[u->ndialects++] = arena_strndup(a, name, strlen(name));
}

void dburl_note_call(Arena *a, DbUrlNames *u, const char *callee, const Node *call)
{
    if (!callee)
        return;
    static const char reg[] = "dialects.registry.register";
    size_t n = strlen(callee), m = sizeof reg - 1;
    if (n >= m && !strcmp(callee + n - m, reg)) {
        const Node *d = arg_at(call, 0, "name");
        if (d && d->kind == NODE_Constant && d->v.Constant.value.kind == CONST_STR)
            add_dialect(a, u, d->v.Constant.value.s);
        return;
    }
    int use = dburl_consumer(callee);
    const char *name = use ? travel_name(consumer_arg(callee, call), 0) : NULL;
    if (name)
        add_name(a, u, name, use);
}

typedef struct NameUse {
    const char *name;
    unsigned char use;
} NameUse;

static int cmp_name_use(const void *x, const void *y)
{
    return strcmp(((const NameUse *)x)->name, ((const NameUse *)y)->name);
}

void dburl_finish(DbUrlNames *u)
{
    if (!u->n)
        return;
    NameUse *t = xmalloc((size_t)u->n * sizeof *t);
    for (int i = 0; i < u->n; i++)
        t[i] = (NameUse){u->names[i], u->use[i]};
    qsort(t, (size_t)u->n, sizeof *t, cmp_name_use);
    int m = 0;
    for (int i = 0; i < u->n; i++) {
        if (m && !strcmp(t[m - 1].name, t[i].name)) {
            t[m - 1].use |= t[i].use;
            continue;
        }
        t[m++] = t[i];
    }
    for (int i = 0; i < m; i++) {
        u->names[i] = t[i].name;
        u->use[i] = t[i].use;
    }
    u->n = m;
    free(t);
}

/* The URL_USE_* bits of a name, 0 when no consumer is given it. */
static int name_use(const DbUrlNames *u, const char *name)
{
    if (!name)
        return 0;
    if (IN(name, library_names))
        return URL_USE_SQLALCHEMY;
    int lo = 0, hi = u ? u->n : 0;
    while (lo < hi) {
        int mid = (lo + hi) / 2, d = strcmp(u->names[mid], name);
        if (!d)
            return u->use[mid];
        if (d < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static int pg_family_url(const char *s);

/* Does a PostgreSQL URL name CockroachDB's own port, 26257, in its
 * authority (`postgresql://root@localhost:26257/bank`)? */
static int cockroach_port(const char *s)
{
    if (!pg_family_url(s))
        return 0;
    const char *a = strstr(s, "://") + 3, *end = a + strcspn(a, "/?#");
    for (const char *p = a; p + 6 <= end; p++)
        if (p[0] == ':' && !strncmp(p + 1, "26257", 5) && (p + 6 == end || p[6] == ','))
            return 1;
    return 0;
}

int dburl_is_cockroach(const Node *lit)
{
    if (!lit || lit->kind != NODE_Constant || lit->v.Constant.value.kind != CONST_STR)
        return 0;
    const char *s = lit->v.Constant.value.s;
    if (cockroach_port(s))
        return 1;
    if (strncmp(s, "cockroachdb", 11))
        return 0;
    s += 11;
    if (*s == '+')
        s += strspn(s + 1, "abcdefghijklmnopqrstuvwxyz0123456789_") + 1;
    return !strncmp(s, "://", 3);
}

/* Is s a PostgreSQL-family URL: (postgres|postgresql|cockroachdb)[+driver]://? */
static int pg_family_url(const char *s)
{
    static const char *const dialects[] = {"postgresql", "postgres", "cockroachdb"};
    for (size_t i = 0; i < sizeof dialects / sizeof *dialects; i++) {
        size_t n = strlen(dialects[i]);
        if (strncmp(s, dialects[i], n))
            continue;
        const char *p = s + n;
        if (*p == '+')
            p += 1 + strspn(p + 1, "abcdefghijklmnopqrstuvwxyz0123456789_");
        if (!strncmp(p, "://", 3))
            return 1;
    }
    return 0;
}

typedef struct Mentions {
    int found, depth;
} Mentions;

static void mentions_kid(Node *parent, Node *n, void *arg)
{
    Mentions *m = arg;
    (void)parent;
    if (m->found || m->depth > DBWALK_MAX_DEPTH)
        return;
    if (n->kind == NODE_Constant) {
        m->found = n->v.Constant.value.kind == CONST_STR && pg_family_url(n->v.Constant.value.s);
        return;
    }
    m->depth++;
    ast_children(n, mentions_kid, m);
    m->depth--;
}

int dburl_mentions(const Node *module)
{
    Mentions m = {0, 0};
    if (module)
        ast_children((Node *)module, mentions_kid, &m);
    return m.found;
}

/* ------------------------------------------------------------ parsing */

typedef struct Url {
    char scheme[64];     /* "cockroachdb+asyncpg"; "" when not literal */
    char dialect[64];    /* "cockroachdb" */
    const char *driver;  /* "asyncpg", "" for none; points into scheme */
    char user[128];      /* the literal user name, or "" */
    char password[128];  /* a literal password, or "" */
    char remote[128];    /* a literal host that is not this machine, or "" */
    int computed_host;   /* a host is computed (an f-string hole): it may be remote */
    int port;            /* the first host's literal port, or -1 */
    int sslmode_disable; /* ?sslmode=disable */
} Url;

/* Appends the literal text of e (holes for what is computed) to b. */
static void text_of(const Node *e, char *b, size_t *n, int depth)
{
    if (*n >= URL_MAX - 1 || depth > 32)
        return;
    if (e->kind == NODE_Constant && e->v.Constant.value.kind == CONST_STR) {
        size_t len = e->v.Constant.value.len;
        if (len > URL_MAX - 1 - *n)
            len = URL_MAX - 1 - *n;
        memcpy(b + *n, e->v.Constant.value.s, len);
        *n += len;
    } else if (e->kind == NODE_JoinedStr) {
        for (int i = 0; i < e->v.JoinedStr.values.n; i++)
            text_of(e->v.JoinedStr.values.items[i], b, n, depth + 1);
    } else if (e->kind == NODE_BinOp && e->v.BinOp.op == OP_Add) {
        text_of(e->v.BinOp.left, b, n, depth + 1);
        text_of(e->v.BinOp.right, b, n, depth + 1);
    } else {
        b[(*n)++] = HOLE;
    }
    b[*n] = 0;
}

static int is_literal_str(const Node *e, int depth)
{
    if (depth > 32)
        return 0;
    if (e->kind == NODE_Constant)
        return e->v.Constant.value.kind == CONST_STR;
    if (e->kind == NODE_JoinedStr)
        return 1;
    if (e->kind == NODE_BinOp && e->v.BinOp.op == OP_Add)
        return is_literal_str(e->v.BinOp.left, depth + 1) ||
               is_literal_str(e->v.BinOp.right, depth + 1);
    return 0;
}

/* A written-out password, not a template ("${DB_PASSWORD}", "<password>",
 * "{password}", "%(password)s") or a mask ("***"). */
static int literal_password(const char *p, size_t n)
{
    if (!n || memchr(p, HOLE, n))
        return 0;
    if (strspn(p, "*") >= n)
        return 0;
    if (p[0] == '$' || p[0] == '<' || p[0] == '{' || p[0] == '%')
        return 0;
    return 1;
}

static int is_local(const char *h, size_t n)
{
    static const char *const locals[] = {"localhost", "::1", "0.0.0.0"};
    if (n == 0 || h[0] == '/' || (n >= 3 && !strncasecmp(h, "%2f", 3)))
        return 1; /* the default, or a Unix socket */
    for (size_t i = 0; i < sizeof locals / sizeof *locals; i++)
        if (strlen(locals[i]) == n && !strncasecmp(h, locals[i], n))
            return 1;
    if (n > 10 && !strncasecmp(h + n - 10, ".localhost", 10))
        return 1;
    return n >= 4 && !strncmp(h, "127.", 4);
}

static void copy(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = 0;
}

/* One host[:port] of the authority (a comma-separated list in libpq). */
static void parse_host(Url *u, const char *h, size_t n, int first)
{
    size_t hn = n;
    const char *port = NULL;
    if (n && h[0] == '[') {
        const char *close = memchr(h, ']', n);
        hn = close ? (size_t)(close - h) + 1 : n;
        port = close && close + 1 < h + n && close[1] == ':' ? close + 2 : NULL;
    } else {
        const char *colon = memchr(h, ':', n);
        if (colon) {
            hn = (size_t)(colon - h);
            port = colon + 1;
        }
    }
    const char *name = h;
    size_t nn = hn;
    if (nn >= 2 && name[0] == '[') {
        name++;
        nn -= 2;
    }
    if (!memchr(name, HOLE, nn) && !is_local(name, nn) && !u->remote[0])
        copy(u->remote, sizeof u->remote, name, nn);
    u->computed_host |= memchr(name, HOLE, nn) != NULL;
    if (first && port && port < h + n && !memchr(port, HOLE, (size_t)(h + n - port)))
        u->port = atoi(port);
}

static void parse_authority(Url *u, const char *s, size_t n)
{
    const char *at = NULL;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '@')
            at = s + i;
    const char *hosts = s;
    if (at) {
        const char *colon = memchr(s, ':', (size_t)(at - s));
        if (colon && literal_password(colon + 1, (size_t)(at - colon - 1)))
            copy(u->password, sizeof u->password, colon + 1, (size_t)(at - colon - 1));
        if (colon)
            copy(u->user, sizeof u->user, s, (size_t)(colon - s));
        hosts = at + 1;
    }
    const char *end = s + n;
    if (hosts == end && !memchr(s, HOLE, n))
        return; /* no host: the local default */
    for (int first = 1; hosts <= end; first = 0) {
        const char *comma = memchr(hosts, ',', (size_t)(end - hosts));
        const char *stop = comma ? comma : end;
        parse_host(u, hosts, (size_t)(stop - hosts), first);
        hosts = stop + 1;
    }
}

static void parse_query(Url *u, const char *q)
{
    while (*q) {
        size_t len = strcspn(q, "&#");
        const char *eq = memchr(q, '=', len);
        if (eq) {
            size_t klen = (size_t)(eq - q), vlen = len - klen - 1;
            if (klen == 7 && !strncmp(q, "sslmode", 7) && vlen == 7 &&
                !strncasecmp(eq + 1, "disable", 7))
                u->sslmode_disable = 1;
            else if (klen == 8 && !strncmp(q, "password", 8) && literal_password(eq + 1, vlen))
                copy(u->password, sizeof u->password, eq + 1, vlen);
            else if (klen == 4 && !strncmp(q, "host", 4) && !u->remote[0] &&
                     !memchr(eq + 1, HOLE, vlen) && !is_local(eq + 1, vlen))
                copy(u->remote, sizeof u->remote, eq + 1, vlen);
        }
        if (q[len] != '&')
            break;
        q += len + 1;
    }
}

/* Parses text as a URL; 0 when it is not one. */
static int parse_url(const char *text, Url *u)
{
    memset(u, 0, sizeof *u);
    u->port = -1;
    u->driver = "";
    const char *sep = strstr(text, "://");
    if (!sep)
        return 0;
    size_t sn = (size_t)(sep - text);
    if (sn && sn < sizeof u->scheme &&
        strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+.-") == sn) {
        copy(u->scheme, sizeof u->scheme, text, sn);
        char *plus = strchr(u->scheme, '+');
        copy(u->dialect, sizeof u->dialect, u->scheme, plus ? (size_t)(plus - u->scheme) : sn);
        u->driver = plus ? plus + 1 : "";
    } else if (memchr(text, HOLE, sn) == NULL) {
        return 0; /* "http-ish" text that is no URL scheme */
    }
    const char *rest = sep + 3;
    size_t an = strcspn(rest, "/?#");
    parse_authority(u, rest, an);
    const char *q = strchr(rest + an, '?');
    if (q)
        parse_query(u, q + 1);
    return 1;
}

/* ------------------------------------------------------------ checks */

struct UrlCheck {
    DbCtx *c;
    const Source *src;
    const DbUrlNames *names;
    const ProjectFacts *facts;
    FindingList *out;
    const Node **seen; /* literals already judged */
    int nseen, capseen;
};

/* contexts: where a default run reports it (CTX_* bits), 0 for the rule's */
static void emit(UrlCheck *k, const Node *at, const char *message, const char *help,
                 unsigned contexts, const Fix *fix)
{
    Finding f = {0};
    f.fix = fix;
    f.code = "SL403";
    f.path = k->src->path;
    f.contexts = contexts;
    diag_span(&f, at);
    f.message = message;
    f.trace = arena_alloc(k->c->a, sizeof *f.trace);
    f.trace[0] = (TraceStep){k->src->path, at->lineno, at->col_offset, help};
    f.ntrace = 1;
    diag_add(k->out, &f);
}

/* ---- fixes: the scheme rewritten in place ---- */

/* Misspelt drivers whose intent is plain: the driver name each dialect
 * registers for them. */
static const struct {
    const char *written, *meant;
} driver_fixes[] = {
    {"async", "asyncpg"}, {"psycopg3", "psycopg"}, {"psycopg_async", "psycopg"},
};

static const char *meant_driver(const char *written, const char *dialect)
{
    for (size_t i = 0; i < sizeof driver_fixes / sizeof *driver_fixes; i++)
        if (!strcmp(written, driver_fixes[i].written))
            return !strcmp(dialect, "postgresql") && !strcmp(written, "psycopg_async")
                       ? NULL /* postgresql registers psycopg_async itself */
                       : driver_fixes[i].meant;
    return NULL;
}

/* Offset in the source where lit's text begins with `scheme://` (after
 * its string prefix and opening quote), or -1: an f-string or a
 * concatenation qualifies when its first piece spells the scheme out. */
static long scheme_at(const Source *src, const Node *lit, const char *scheme)
{
    size_t s = fixgen_start(src, lit), e = fixgen_end(src, lit), i = 0, n = strlen(scheme);
    const char *t = src->text + s;
    while (s + i < e && t[i] && strchr("rRuUfFbB", t[i]))
        i++;
    if (s + i >= e || (t[i] != '"' && t[i] != '\''))
        return -1;
    i += s + i + 2 < e && t[i + 1] == t[i] && t[i + 2] == t[i] ? 3 : 1;
    if (e - s - i < n + 3 || strncmp(t + i, scheme, n) || strncmp(t + i + n, "://", 3))
        return -1;
    return (long)(s + i);
}

/* The fix that writes scheme `to` over the literal's scheme. */
static const Fix *scheme_fix(UrlCheck *k, const Node *lit, const Url *u, const char *to, int app)
{
    long at = scheme_at(k->src, lit, u->scheme);
    if (at < 0)
        return NULL;
    FixGen g;
    fixgen_init(&g, k->c->a, k->src);
    fixgen_edit(&g, (size_t)at, (size_t)at + strlen(u->scheme), to);
    return fixgen_done(&g, app, arena_printf(k->c->a, "Use `%s://`", to));
}

/* The scheme a consumer of kind use would load for u, or NULL when the
 * right one is not plain: a registered driver for a misspelt one,
 * postgresql:// for the postgres alias (SQLAlchemy) or for any scheme a
 * libpq driver is given. */
static const char *scheme_meant(Arena *a, const Url *u, int use)
{
    static const char *const family[] = {"postgresql", "postgres", "cockroachdb"};
    if (use == URL_USE_LIBPQ)
        return IN(u->dialect, family) ? "postgresql" : NULL;
    const char *d = !u->driver[0] || IN(u->driver, pg_drivers) ? u->driver
                                                                : meant_driver(u->driver, u->dialect);
    if (!strcmp(u->dialect, "postgres")) /* the alias SQLAlchemy 1.4 dropped */
        return !d ? NULL : *d ? arena_printf(a, "postgresql+%s", d) : "postgresql";
    d = meant_driver(u->driver, u->dialect);
    return d ? arena_printf(a, "%s+%s", u->dialect, d) : NULL;
}

static int registered(const UrlCheck *k, const Url *u)
{
    char want[160];
    snprintf(want, sizeof want, "%s.%s", u->dialect, u->driver);
    for (int i = 0; k->names && i < k->names->ndialects; i++)
        if (!strcmp(k->names->dialects[i], want))
            return 1;
    return 0;
}

static int sqlalchemy_1x(const UrlCheck *k) { return k->facts && k->facts->sqlalchemy.major == 1; }

/* A dialect+driver SQLAlchemy cannot load: the message, or NULL. */
static const char *driver_problem(UrlCheck *k, const Url *u)
{
    Arena *a = k->c->a;
    if (!strcmp(u->dialect, "cockroachdb") && u->driver[0] && !IN(u->driver, crdb_drivers) &&
        !registered(k, u))
        return arena_printf(a,
                            "`%s://` names a driver the CockroachDB dialect does not register "
                            "(it has cockroachdb://, cockroachdb+psycopg2://, "
                            "cockroachdb+asyncpg://, cockroachdb+psycopg://): the engine "
                            "fails with NoSuchModuleError",
                            u->scheme);
    if (!strcmp(u->dialect, "postgresql") && u->driver[0] && !IN(u->driver, pg_drivers) &&
        !(sqlalchemy_1x(k) && IN(u->driver, pg_drivers_1x)) && !registered(k, u))
        return arena_printf(a,
                            "`%s://` names a driver the PostgreSQL dialect does not register "
                            "(psycopg2, psycopg, asyncpg, pg8000, psycopg2cffi): the engine "
                            "fails with NoSuchModuleError",
                            u->scheme);
    if (!strcmp(u->dialect, "postgres") &&
        !(k->facts && k->facts->sqlalchemy.major >= 0 &&
          (k->facts->sqlalchemy.major < 1 ||
           (k->facts->sqlalchemy.major == 1 && k->facts->sqlalchemy.minor < 4))))
        return arena_printf(a,
                            "`%s://` is not a SQLAlchemy dialect since 1.4 (only "
                            "postgresql://): the engine fails with NoSuchModuleError",
                            u->scheme);
    return NULL;
}

/*
 * Does the URL carry a credential that looks real: a password that is not
 * a placeholder ("password", "changeme", "postgres", the user name again)
 * to a host that is not this machine nor a bare service name of a compose
 * file or a cluster ("db", "cockroach"), which only local setups resolve?
 */
static int real_credential(const Url *u)
{
    static const char *const words[] = {"pass", "secret", "change", "example", "test", "dummy",
                                        "sample", "demo", "default", "your", "fake", "placeholder",
                                        "xxx", "postgres", "root", "admin", "user", "local", "dev",
                                        "cockroach", "qwerty", "1234", "abc", "foo", "bar", "pwd",
                                        NULL};
    if (!u->password[0] || (!strchr(u->remote, '.') && !u->computed_host))
        return 0;
    char low[128];
    size_t n = strlen(u->password);
    for (size_t i = 0; i <= n; i++)
        low[i] = (char)tolower((unsigned char)u->password[i]);
    for (int i = 0; words[i]; i++)
        if (strstr(low, words[i]))
            return 0;
    return n >= 6 && strcmp(u->password, u->user) != 0;
}

static void judge(UrlCheck *k, const Node *at, const Url *u, int use)
{
    Arena *a = k->c->a;
    const char *m = NULL;
    if (u->scheme[0] && use == URL_USE_SQLALCHEMY)
        m = driver_problem(k, u);
    else if (u->scheme[0] && use == URL_USE_LIBPQ && strcmp(u->scheme, "postgresql") &&
             strcmp(u->scheme, "postgres"))
        m = arena_printf(a,
                         "`%s://` is given to a driver that takes postgresql:// URLs only "
                         "(the dialect+driver form is SQLAlchemy's)",
                         u->scheme);
    if (m) {
        const char *to = scheme_meant(a, u, use);
        emit(k, at, m,
             "help: use a registered dialect+driver, e.g. cockroachdb+asyncpg:// for "
             "create_async_engine", 0,
             to ? scheme_fix(k, at, u, to, FIX_SAFE) : NULL);
    }
    if (use == URL_USE_SQLALCHEMY && u->port == 26257 &&
        (!strcmp(u->dialect, "postgresql") || !strcmp(u->dialect, "postgres"))) {
        /* unsafe: the cockroachdb dialect needs sqlalchemy-cockroachdb, and
         * behaves otherwise (its retries, its version handling) */
        const char *to = !u->driver[0]             ? "cockroachdb"
                         : IN(u->driver, crdb_drivers) ? arena_printf(a, "cockroachdb+%s", u->driver)
                                                       : NULL;
        emit(k, at,
             arena_printf(a,
                          "`%s://` points at port 26257, CockroachDB's: the PostgreSQL "
                          "dialect misreads CockroachDB's version and lacks its "
                          "transaction retries",
                          u->scheme),
             "help: use the cockroachdb:// dialect (pip install sqlalchemy-cockroachdb)", 0,
             to ? scheme_fix(k, at, u, to, FIX_UNSAFE) : NULL);
    }
    /* the secrets of tests and examples are not anyone's */
    unsigned deployed = CTX_ALL & ~(CTX_BIT(CTX_TEST) | CTX_BIT(CTX_EXAMPLE));
    if (real_credential(u))
        emit(k, at,
             arena_printf(a,
                          "the database URL holds a password for `%s` written in the source: "
                          "anyone who can read the repository can log in",
                          u->remote),
             "help: read the URL (or its password) from the environment or a secret store",
             deployed, NULL);
    if (u->sslmode_disable && u->remote[0])
        emit(k, at,
             arena_printf(a,
                          "sslmode=disable to `%s`, which is not this machine: the "
                          "password and the data cross the network unencrypted",
                          u->remote),
             "help: use sslmode=verify-full (or require) for a remote database", deployed,
             NULL);
}

static int seen(UrlCheck *k, const Node *lit)
{
    for (int i = 0; i < k->nseen; i++)
        if (k->seen[i] == lit)
            return 1;
    if (k->nseen == k->capseen) {
        int cap = k->capseen ? 2 * k->capseen : 8;
        const Node **s = arena_alloc(k->c->a, (size_t)cap * sizeof *s);
        if (k->nseen)
            memcpy(s, k->seen, (size_t)k->nseen * sizeof *s);
        k->seen = s;
        k->capseen = cap;
    }
    k->seen[k->nseen++] = lit;
    return 0;
}

/* A database's URL scheme, as opposed to https://, redis://, amqp://. */
static int database_dialect(const char *d)
{
    static const char *const dbs[] = {"postgresql", "postgres", "cockroachdb", "mysql",
                                      "mariadb",    "sqlite",   "oracle",      "mssql"};
    return IN(d, dbs);
}

static void check_literal(UrlCheck *k, const Node *lit, int use)
{
    char text[URL_MAX];
    size_t n = 0;
    text[0] = 0;
    text_of(lit, text, &n, 0);
    Url u;
    if (!parse_url(text, &u))
        return;
    /* a name such as `url` may hold other URLs elsewhere: judge database ones */
    if ((use & VIA_NAME) && !database_dialect(u.dialect))
        return;
    if (!seen(k, lit))
        judge(k, lit, &u, use & ~VIA_NAME);
}

static void check_value(UrlCheck *k, const Scope *s, const Node *e, int use, int depth);

/* The literal default of an environment read or a settings field:
 * os.getenv("X", "..."), config("X", default="..."), Field("..."). */
static const Node *default_of(UrlCheck *k, const Scope *s, const Node *call)
{
    const char *q = dbval_qualname(k->c, s, call->v.Call.func);
    if (IN(q, env_reads))
        return arg_at(call, 1, "default");
    const Node *d = arg_at(call, -1, "default");
    if (d)
        return d;
    const Node *f = call->v.Call.func;
    const char *id = f->kind == NODE_Name        ? f->v.Name.id
                     : f->kind == NODE_Attribute ? f->v.Attribute.attr
                                                 : "";
    return !strcmp(id, "Field") ? arg_at(call, 0, NULL) : NULL;
}

static void check_value(UrlCheck *k, const Scope *s, const Node *e, int use, int depth)
{
    if (!e || depth > 8)
        return;
    if (is_literal_str(e, 0)) {
        check_literal(k, e, use);
        return;
    }
    switch (e->kind) {
    case NODE_BoolOp: /* os.getenv("URL") or "postgresql://..." */
        for (int i = 0; i < e->v.BoolOp.values.n; i++)
            check_value(k, s, e->v.BoolOp.values.items[i], use, depth + 1);
        break;
    case NODE_IfExp:
        check_value(k, s, e->v.IfExp.body, use, depth + 1);
        check_value(k, s, e->v.IfExp.orelse, use, depth + 1);
        break;
    case NODE_NamedExpr: check_value(k, s, e->v.NamedExpr.value, use, depth + 1); break;
    case NODE_Call: check_value(k, s, default_of(k, s, e), use, depth + 1); break;
    default: break;
    }
}

/* URL.create("cockroachdb+asyncpg", username=..., password=..., host=...,
 * port=..., query={...}): the same checks on its literal parts. */
static void check_url_create(UrlCheck *k, const Node *call)
{
    char text[URL_MAX];
    const Node *drv = arg_at(call, 0, "drivername"), *pw = arg_at(call, 2, "password");
    const Node *host = arg_at(call, 3, "host"), *port = arg_at(call, 4, "port");
    const Node *query = arg_at(call, 6, "query");
    const char *d = drv && drv->kind == NODE_Constant && drv->v.Constant.value.kind == CONST_STR
                        ? drv->v.Constant.value.s
                        : "\x01";
    const char *p = pw && pw->kind == NODE_Constant && pw->v.Constant.value.kind == CONST_STR
                        ? pw->v.Constant.value.s
                        : "";
    const char *h = !host ? ""
                    : host->kind == NODE_Constant && host->v.Constant.value.kind == CONST_STR
                        ? host->v.Constant.value.s
                        : "\x01";
    const char *pt = port && port->kind == NODE_Constant && port->v.Constant.value.kind == CONST_INT
                         ? port->v.Constant.value.s
                         : "";
    int nossl = 0;
    for (int i = 0; query && query->kind == NODE_Dict && i < query->v.Dict.keys.n; i++) {
        const Node *key = query->v.Dict.keys.items[i], *val = query->v.Dict.values.items[i];
        nossl |= key && key->kind == NODE_Constant && key->v.Constant.value.s &&
                 !strcmp(key->v.Constant.value.s, "sslmode") && val->kind == NODE_Constant &&
                 val->v.Constant.value.s && !strcmp(val->v.Constant.value.s, "disable");
    }
    snprintf(text, sizeof text, "%s://u%s%s@%s%s%s%s", d, *p ? ":" : "", p, h, *pt ? ":" : "", pt,
             nossl ? "?sslmode=disable" : "");
    Url u;
    if (parse_url(text, &u) && !seen(k, call))
        judge(k, call, &u, URL_USE_SQLALCHEMY);
}

/* Assignments to a URL name: `DATABASE_URL = ...`, `self.url = ...`,
 * `cfg["DB_URL"] = ...`, `database_url: str = ...`. */
static void check_assign(UrlCheck *k, const Scope *s, const Node *target, const Node *value)
{
    int use = name_use(k->names, travel_name(target, 0));
    if (use && value)
        check_value(k, s, value, use | VIA_NAME, 0);
}

static void check_call(UrlCheck *k, DbWalk *w, const Node *call)
{
    const Scope *s = w->scope;
    const char *q = dbval_walk_callee(w, k->c, call);
    int use = dburl_consumer(q);
    if (use)
        check_value(k, s, consumer_arg(q, call), use, 0);
    static QualIndex creates = QUALIDX(url_create);
    if (qualidx_find(&creates, q) >= 0)
        check_url_create(k, call);
    for (int i = 0; i < call->v.Call.keywords.n; i++) { /* Settings(database_url="...") */
        const Node *kw = call->v.Call.keywords.items[i];
        int u = kw->v.keyword.arg ? name_use(k->names, kw->v.keyword.arg) : 0;
        if (u)
            check_value(k, s, kw->v.keyword.value, u | VIA_NAME, 0);
    }
}

void dburl_visit(UrlCheck *k, DbWalk *w, const Node *n)
{
    switch (n->kind) {
    case NODE_Call: check_call(k, w, n); break;
    case NODE_Assign:
        for (int i = 0; i < n->v.Assign.targets.n; i++)
            check_assign(k, w->scope, n->v.Assign.targets.items[i], n->v.Assign.value);
        break;
    case NODE_AnnAssign:
        check_assign(k, w->scope, n->v.AnnAssign.target, n->v.AnnAssign.value);
        break;
    case NODE_Dict:
        for (int i = 0; i < n->v.Dict.keys.n; i++) {
            const Node *key = n->v.Dict.keys.items[i];
            if (key && key->kind == NODE_Constant && key->v.Constant.value.kind == CONST_STR) {
                int use = name_use(k->names, key->v.Constant.value.s);
                if (use)
                    check_value(k, w->scope, n->v.Dict.values.items[i], use | VIA_NAME, 0);
            }
        }
        break;
    default: break;
    }
}

UrlCheck *dburl_begin(DbCtx *c, const Source *src, const DbUrlNames *u, const ProjectFacts *facts,
                      FindingList *out)
{
    UrlCheck *k = arena_alloc(c->a, sizeof *k);
    *k = (UrlCheck){c, src, u, facts, out, NULL, 0, 0};
    return k;
}
