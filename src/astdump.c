/*
 * astdump.c - the canonical dump of a module's tree: byte for byte what
 * tools/pyast_dump.py prints from CPython's ast.parse, so that the parser
 * can be diffed against CPython over the whole standard library.  It runs
 * after parsing, for `sessionlint debug ast` and the differential tests.
 *
 * Everything per kind is generated from ast.def: one switch prints a node's
 * scalars, another queues its children; only the f-string position rule of
 * the script names kinds by hand.  The walk keeps its own stack on the heap,
 * so a generated `a + b + ...` of 100,000 terms cannot overflow the C stack.
 *
 * Constants are printed from their source text in the script's canonical
 * forms: ints in hex at any size, floats from their exact bits.  Floats are
 * parsed with strtod, correctly rounded in glibc, which reads the decimal
 * point of LC_NUMERIC: the program must stay in the "C" locale (the default).
 * Thread-safe: all state lives in the Dump of one call.
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "ast.h"

static const char hexdigits[] = "0123456789abcdef";

/* A byte sink: buffers for a FILE, or grows on the heap when f is NULL. */
typedef struct Out {
    FILE *f;   /* where full buffers go; NULL: keep everything in buf */
    char *buf; /* n bytes pending (or the whole text when f is NULL) */
    size_t n, cap;
} Out;

static void out_room(Out *o)
{
    if (o->f) {
        fwrite(o->buf, 1, o->n, o->f);
        o->n = 0;
    } else {
        o->cap *= 2;
        o->buf = xrealloc(o->buf, o->cap);
    }
}

static void out_char(Out *o, char c)
{
    if (o->n == o->cap)
        out_room(o);
    o->buf[o->n++] = c;
}

static void out_mem(Out *o, const char *s, size_t len)
{
    /* Most pieces are a few bytes: a loop beats a call to memcpy. */
    if (len <= 16 && o->cap - o->n >= len) {
        for (size_t i = 0; i < len; i++)
            o->buf[o->n + i] = s[i];
        o->n += len;
        return;
    }
    while (len > 0) {
        if (o->n == o->cap)
            out_room(o);
        size_t k = o->cap - o->n < len ? o->cap - o->n : len;
        memcpy(o->buf + o->n, s, k);
        o->n += k;
        s += k;
        len -= k;
    }
}

static void out_str(Out *o, const char *s) { out_mem(o, s, strlen(s)); }

static void out_int(Out *o, long v)
{
    char tmp[24];
    int i = sizeof tmp;
    unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
    do
        tmp[--i] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0)
        tmp[--i] = '-';
    out_mem(o, tmp + i, sizeof tmp - i);
}

/* The low `digits` hex digits of v, zero-padded. */
static void out_hex(Out *o, uint64_t v, int digits)
{
    while (digits-- > 0)
        out_char(o, hexdigits[(v >> (4 * digits)) & 15]);
}

/* --- constants ----------------------------------------------------------- */

/* One code point of generalized UTF-8 (surrogates allowed) at s[*i]; an
 * ill-formed byte, which the string decoder never produces, reads as its
 * Latin-1 character so the output stays deterministic. */
static uint32_t utf8_next(const unsigned char *s, size_t len, size_t *i)
{
    uint32_t c = s[*i];
    int extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
    if (c >= 0xf8 || len - *i <= (size_t)extra)
        extra = 0;
    uint32_t cp = c & (0x3f >> extra);
    for (int k = 1; k <= extra; k++) {
        if ((s[*i + k] & 0xc0) != 0x80) {
            (*i)++;
            return c;
        }
        cp = cp << 6 | (s[*i + k] & 0x3f);
    }
    *i += 1 + extra;
    return extra ? cp : c;
}

static void out_u16(Out *o, uint32_t unit)
{
    out_mem(o, "\\u", 2);
    out_hex(o, unit, 4);
}

/* json.dumps(s, ensure_ascii=True): Python escapes all but ' '..'~'. */
static void out_json(Out *o, const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    out_char(o, '"');
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && s[j] >= 0x20 && s[j] < 0x7f && s[j] != '"' && s[j] != '\\')
            j++;
        out_mem(o, str + i, j - i);
        if ((i = j) == len)
            break;
        const char *esc = NULL;
        switch (s[i]) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        }
        if (esc) {
            out_str(o, esc);
            i++;
            continue;
        }
        uint32_t cp = utf8_next(s, len, &i);
        if (cp >= 0x10000) {
            out_u16(o, 0xd800 + ((cp - 0x10000) >> 10));
            out_u16(o, 0xdc00 + ((cp - 0x10000) & 0x3ff));
        } else {
            out_u16(o, cp);
        }
    }
    out_char(o, '"');
}

/* A copy of the literal s[0..len) without underscores (and without a
 * trailing j when drop_j), NUL-terminated; heap only when long. */
static char *literal_digits(char *small, size_t cap, const char *s, size_t len, int drop_j)
{
    char *d = len < cap ? small : xmalloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] != '_')
            d[n++] = s[i];
    if (drop_j && n > 0 && (d[n - 1] == 'j' || d[n - 1] == 'J'))
        n--;
    d[n] = 0;
    return d;
}

/* hex(v) of digits d[0..nd) in base 2, 8 or 10, with 32-bit limbs. */
static void out_bigint(Out *o, const char *d, size_t nd, unsigned base)
{
    uint32_t small[16];
    size_t cap = nd * 4 / 32 + 2; /* every digit holds at most 4 bits */
    uint32_t *limb = cap <= 16 ? small : xmalloc(cap * sizeof *limb);
    size_t used = 0;
    for (size_t i = 0; i < nd; i++) {
        uint64_t carry = (uint64_t)(d[i] - '0');
        for (size_t j = 0; j < used; j++) {
            uint64_t t = (uint64_t)limb[j] * base + carry;
            limb[j] = (uint32_t)t;
            carry = t >> 32;
        }
        if (carry)
            limb[used++] = (uint32_t)carry;
    }
    out_mem(o, "0x", 2);
    if (used == 0) {
        out_char(o, '0');
    } else {
        int top = 8;
        while ((limb[used - 1] >> (4 * (top - 1))) == 0)
            top--;
        out_hex(o, limb[used - 1], top);
        for (size_t j = used - 1; j-- > 0;)
            out_hex(o, limb[j], 8);
    }
    if (limb != small)
        free(limb);
}

/* int:hex(v) of an int literal as written: 0x_FF, 0o17, 0b1, 1_000, 00. */
static void out_int_literal(Out *o, const char *s, size_t len)
{
    char small[64];
    char *d = literal_digits(small, sizeof small, s, len, 0);
    char p = (char)(d[0] == '0' ? d[1] | 0x20 : 0);
    if (p == 'x') {
        /* Hex needs no arithmetic: drop leading zeros, lower the case. */
        const char *h = d + 2;
        while (*h == '0')
            h++;
        out_mem(o, "0x", 2);
        if (!*h)
            out_char(o, '0');
        for (; *h; h++)
            out_char(o, (char)(*h | 0x20));
    } else if (p == 'o' || p == 'b') {
        out_bigint(o, d + 2, strlen(d + 2), p == 'o' ? 8 : 2);
    } else {
        out_bigint(o, d, strlen(d), 10);
    }
    if (d != small)
        free(d);
}

/* The script's fhex(v): float.hex() with the mantissa's trailing zeros
 * dropped.  Subnormals keep Python's 0x0.<frac>p-1022 form. */
static void out_fhex(Out *o, double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    int exp = (int)(b >> 52 & 0x7ff);
    uint64_t frac = b & ((UINT64_C(1) << 52) - 1);
    if (exp == 0x7ff) {
        out_str(o, frac ? "nan" : b >> 63 ? "-inf" : "inf");
        return;
    }
    if (b >> 63)
        out_char(o, '-');
    if (exp == 0 && frac == 0) {
        out_mem(o, "0x0p+0", 6);
        return;
    }
    out_mem(o, exp ? "0x1" : "0x0", 3);
    if (frac) {
        int digits = 13;
        while ((frac & 15) == 0) {
            frac >>= 4;
            digits--;
        }
        out_char(o, '.');
        out_hex(o, frac, digits);
    }
    exp = exp ? exp - 1023 : -1022;
    out_mem(o, exp < 0 ? "p" : "p+", exp < 0 ? 1 : 2);
    out_int(o, exp);
}

/* float:/complex: of a literal as written (1_0.5, .5e-3, 10j). */
static void out_float_literal(Out *o, const char *s, size_t len, int imag)
{
    char small[64];
    char *d = literal_digits(small, sizeof small, s, len, imag);
    out_str(o, imag ? "complex:" : "float:");
    out_fhex(o, strtod(d, NULL));
    if (d != small)
        free(d);
}

/* The script's canon(v). */
static void out_const(Out *o, const Const *c)
{
    switch ((ConstKind)c->kind) {
    case CONST_NONE: out_mem(o, "None", 4); break;
    case CONST_TRUE: out_mem(o, "True", 4); break;
    case CONST_FALSE: out_mem(o, "False", 5); break;
    case CONST_ELLIPSIS: out_mem(o, "...", 3); break;
    case CONST_INT:
        out_mem(o, "int:", 4);
        out_int_literal(o, c->s, c->len);
        break;
    case CONST_FLOAT: out_float_literal(o, c->s, c->len, 0); break;
    case CONST_COMPLEX: out_float_literal(o, c->s, c->len, 1); break;
    case CONST_STR:
        out_mem(o, "str:", 4);
        out_json(o, c->s, c->len);
        break;
    case CONST_BYTES:
        out_mem(o, "bytes:", 6);
        for (uint32_t i = 0; i < c->len; i++)
            out_hex(o, (unsigned char)c->s[i], 2);
        break;
    }
}

size_t astdump_const(char *buf, size_t cap, const Const *c)
{
    Out o = {NULL, xmalloc(64), 0, 64};
    out_const(&o, c);
    if (cap > 0) {
        size_t k = o.n < cap - 1 ? o.n : cap - 1;
        memcpy(buf, o.buf, k);
        buf[k] = 0;
    }
    free(o.buf);
    return o.n;
}

/* --- scalars: name=value on the node's own line -------------------------- */

static void out_key(Out *o, const char *name)
{
    out_char(o, ' ');
    out_str(o, name);
    out_char(o, '=');
}

static void out_none(Out *o, const char *name)
{
    out_key(o, name);
    out_mem(o, "None", 4);
}

static void out_id(Out *o, const char *name, const char *id)
{
    if (!id) {
        out_none(o, name);
        return;
    }
    out_key(o, name);
    out_json(o, id, strlen(id));
}

static void out_idlist(Out *o, const char *name, const IdList *l)
{
    out_key(o, name);
    out_char(o, '[');
    for (int i = 0; i < l->n; i++) {
        if (i)
            out_char(o, ',');
        out_json(o, l->items[i], strlen(l->items[i]));
    }
    out_char(o, ']');
}

static void out_cmps(Out *o, const char *name, const CmpList *l)
{
    out_key(o, name);
    out_char(o, '[');
    for (int i = 0; i < l->n; i++) {
        if (i)
            out_char(o, ',');
        out_str(o, ast_enum_name(l->items[i]));
    }
    out_char(o, ']');
}

static void out_intf(Out *o, const char *name, int v)
{
    out_key(o, name);
    out_int(o, v);
}

static void out_enum(Out *o, const char *name, int v)
{
    out_key(o, name);
    out_str(o, ast_enum_name(v));
}

static void out_constf(Out *o, const char *name, const Const *c)
{
    out_key(o, name);
    out_const(o, c);
}

/* Per field kind: what pass one prints.  Absent OPTS and OPTID fields, and
 * non-empty identifier and comparison lists, are scalars in the script. */
#define S_NODE(nm, x)
#define S_OPT(nm, x)
#define S_OPTS(nm, x) if (!(x)) out_none(o, nm);
#define S_LIST(nm, x)
#define S_OLIST(nm, x)
#define S_ID(nm, x) out_id(o, nm, x);
#define S_OPTID(nm, x) out_id(o, nm, x);
#define S_NOID(nm, x) out_id(o, nm, NULL);
#define S_UKIND(nm, x) out_id(o, nm, ast_const_kind(n));
#define S_IDLIST(nm, x) if ((x).n) out_idlist(o, nm, &(x));
#define S_INT(nm, x) out_intf(o, nm, x);
#define S_CTX(nm, x) out_enum(o, nm, ast_ctx(n)); /* in the header, not a field */
#define S_BOOLOP(nm, x) out_enum(o, nm, x);
#define S_OP(nm, x) out_enum(o, nm, x);
#define S_UNARYOP(nm, x) out_enum(o, nm, x);
#define S_CMPS(nm, x) if ((x).n) out_cmps(o, nm, &(x));
#define S_CONST(nm, x) out_constf(o, nm, &(x));
#define S_SINGLETON(nm, x) out_constf(o, nm, &(x));
#define S_NONE(nm, x)

static void dump_scalars(Out *o, const Node *n)
{
    switch (n->kind) {
#define F(T, name) S_##T(#name, f->name)
#define AST(K, C, FL)                                                          \
    case NODE_##K: {                                                           \
        const struct AST_##K *f = &n->v.K;                                     \
        (void)f;                                                               \
        FL break;                                                              \
    }
#include "ast.def"
#undef AST
#undef F
    }
}

/* --- the walk: lines in pre-order from an explicit stack ----------------- */

enum { ITEM_NODE, ITEM_NONE, ITEM_EMPTY };

/* One line still to print: a node, `label: None` or `label: []`. */
typedef struct Item {
    const Node *n;     /* the node for ITEM_NODE */
    const char *label; /* field name, "Module" for the root */
    int idx;           /* list index, or -1 */
    int depth;         /* indentation in units of two spaces */
    uint8_t what;      /* ITEM_NODE, ITEM_NONE, ITEM_EMPTY */
    uint8_t in_fs;     /* inside a JoinedStr: position prints as @? */
} Item;

typedef struct Dump {
    Out out;
    VEC(Item) stack; /* lines to print, the next one on top */
} Dump;

static void push(Dump *d, const Node *n, const char *label, int idx, int depth, int what, int in_fs)
{
    Item it = {n, label, idx, depth, (uint8_t)what, (uint8_t)in_fs};
    VEC_PUSH(&d->stack, it);
}

/* The script's rule for a single child: a JoinedStr's parts other than a
 * `value` and a FormattedValue's format spec have no trusted position. */
static int child_in_fs(int parent_kind, const char *field)
{
    if (parent_kind == NODE_JoinedStr)
        return strcmp(field, "value") != 0;
    return parent_kind == NODE_FormattedValue && strcmp(field, "format_spec") == 0;
}

static void push_child(Dump *d, const Node *parent, const Node *c, const char *field, int depth)
{
    push(d, c, field, -1, depth, c ? ITEM_NODE : ITEM_NONE, c && child_in_fs(parent->kind, field));
}

static void push_list(Dump *d, const Node *parent, const NodeList *l, const char *field, int depth)
{
    /* An empty type_params is left out: older CPythons have no such field. */
    if (l->n == 0 && strcmp(field, "type_params") != 0)
        push(d, NULL, field, -1, depth, ITEM_EMPTY, 0);
    for (int i = 0; i < l->n; i++)
        push(d, l->items[i], field, i, depth, l->items[i] ? ITEM_NODE : ITEM_NONE,
             parent->kind == NODE_JoinedStr);
}

/* Per field kind: what pass two queues (at depth dp, one below the node). */
#define C_NODE(nm, x) push_child(d, n, x, nm, dp);
#define C_OPT(nm, x) push_child(d, n, x, nm, dp);
#define C_OPTS(nm, x) if (x) push_child(d, n, x, nm, dp);
#define C_LIST(nm, x) push_list(d, n, &(x), nm, dp);
#define C_OLIST(nm, x) push_list(d, n, &(x), nm, dp);
#define C_ID(nm, x)
#define C_OPTID(nm, x)
#define C_NOID(nm, x)
#define C_UKIND(nm, x)
#define C_IDLIST(nm, x) if (!(x).n) push(d, NULL, nm, -1, dp, ITEM_EMPTY, 0);
#define C_INT(nm, x)
#define C_CTX(nm, x)
#define C_BOOLOP(nm, x)
#define C_OP(nm, x)
#define C_UNARYOP(nm, x)
#define C_CMPS(nm, x) if (!(x).n) push(d, NULL, nm, -1, dp, ITEM_EMPTY, 0);
#define C_CONST(nm, x)
#define C_SINGLETON(nm, x)
#define C_NONE(nm, x)

/* Queues n's child lines in field order (the caller reverses them). */
static void queue_children(Dump *d, const Node *n, int dp)
{
    switch (n->kind) {
#define F(T, name) C_##T(#name, f->name)
#define AST(K, C, FL)                                                          \
    case NODE_##K: {                                                           \
        const struct AST_##K *f = &n->v.K;                                     \
        (void)f;                                                               \
        FL break;                                                              \
    }
#include "ast.def"
#undef AST
#undef F
    }
}

static int has_position(int kind)
{
    switch (ast_category(kind)) {
    case CAT_MOD: case CAT_ARGUMENTS: case CAT_COMPREHENSION:
    case CAT_WITHITEM: case CAT_MATCHCASE:
        return 0;
    default:
        return 1;
    }
}

static void out_position(Out *o, const Node *n, int in_fs)
{
    if (in_fs) {
        out_mem(o, " @?", 3);
        return;
    }
    out_mem(o, " @", 2);
    out_int(o, n->lineno);
    out_char(o, ':');
    out_int(o, n->col_offset);
    out_char(o, '-');
    out_int(o, ast_end_lineno(n));
    out_char(o, ':');
    out_int(o, n->end_col_offset);
}

/* `<indent><label>: <Kind> <position> <scalars>`, or a None/[] line. */
static void out_line(Out *o, const Item *it)
{
    static const char spaces[] = "                                ";
    for (size_t left = 2 * (size_t)it->depth; left > 0;) {
        size_t k = left < sizeof spaces - 1 ? left : sizeof spaces - 1;
        out_mem(o, spaces, k);
        left -= k;
    }
    out_str(o, it->label);
    if (it->idx >= 0) {
        out_char(o, '[');
        out_int(o, it->idx);
        out_char(o, ']');
    }
    if (it->what != ITEM_NODE) {
        out_str(o, it->what == ITEM_NONE ? ": None\n" : ": []\n");
        return;
    }
    if (it->depth > 0) {
        out_mem(o, ": ", 2);
        out_str(o, ast_kind_name(it->n->kind));
    }
    if (has_position(it->n->kind))
        out_position(o, it->n, it->in_fs);
    dump_scalars(o, it->n);
    out_char(o, '\n');
}

void ast_dump(FILE *out, const Node *module)
{
    Dump d = {{out, xmalloc(1 << 16), 0, 1 << 16}, {0}};
    push(&d, module, "Module", -1, 0, ITEM_NODE, 0);
    while (d.stack.n > 0) {
        Item it = d.stack.items[--d.stack.n];
        out_line(&d.out, &it);
        if (it.what != ITEM_NODE)
            continue;
        size_t base = d.stack.n;
        queue_children(&d, it.n, it.depth + 1);
        /* Reverse the new lines so the first child is popped first. */
        for (size_t i = base, j = d.stack.n; i + 1 < j; i++, j--) {
            Item t = d.stack.items[i];
            d.stack.items[i] = d.stack.items[j - 1];
            d.stack.items[j - 1] = t;
        }
    }
    fwrite(d.out.buf, 1, d.out.n, out);
    free(d.out.buf);
    VEC_FREE(&d.stack);
}
