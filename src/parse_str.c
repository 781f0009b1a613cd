/*
 * parse_str.c - literals: numbers, and runs of adjacent string tokens
 * (implicit concatenation of plain strings, bytes, f-strings and t-strings).
 *
 * Plain strings and bytes become one Constant; any f-string in the run makes
 * a JoinedStr whose adjacent literal parts merge into one Constant (empty
 * ones vanish), as CPython builds it; t-strings make a TemplateStr.  Text is
 * decoded with strlit_decode into the parser's scratch buffer, then copied
 * into the arena.
 */
#include <string.h>

#include "parse_impl.h"
#include "strlit.h"

/* A parser-only flag beside the STRLIT_* ones: parts of a format spec. */
#define STRLIT_SPEC (1 << 12)

Node *ps_number(Parser *p, const Token *t)
{
    const char *s = p->src->text + t->off;
    uint32_t n = t->len;
    Node *c = pp_node(p, NODE_Constant, t, t);
    int kind = CONST_INT;
    if (s[n - 1] == 'j' || s[n - 1] == 'J')
        kind = CONST_COMPLEX;
    else if (n > 1 && s[0] == '0' && strchr("xXoObB", s[1]))
        kind = CONST_INT;
    else if (memchr(s, '.', n) || memchr(s, 'e', n) || memchr(s, 'E', n))
        kind = CONST_FLOAT;
    c->v.Constant.value.kind = (uint8_t)kind;
    c->v.Constant.value.s = arena_strndup(p->a, s, n);
    c->v.Constant.value.len = n;
    return c;
}

/* Decodes body[0..n) under flags onto the end of the scratch buffer. */
static void decode(Parser *p, const Token *t, const char *body, size_t n, int flags)
{
    StrlitError err = {0};
    if (strlit_decode(body, n, flags, &p->sbuf, &p->slen, &p->scap, &err) < 0)
        pp_error_at(p, t, "%s", err.msg ? err.msg : "invalid string literal");
}

/* State of one run of adjacent string tokens being assembled. */
typedef struct StrRun {
    int mark;          /* scratch-stack mark of the parts */
    int fstring;       /* saw an f-string: the result is a JoinedStr */
    int tstring;       /* saw a t-string: the result is a TemplateStr */
    int bytes, str;    /* saw bytes / str literals (mixing is an error) */
    const Token *text; /* first token of the pending literal text, or NULL */
    const Token *text_end;
} StrRun;

/* Turns the pending literal text into a Constant part (if non-empty). */
static void flush(Parser *p, StrRun *r)
{
    if (r->text && p->slen) {
        Node *c = pp_node(p, NODE_Constant, r->text, r->text_end);
        c->v.Constant.value.kind = CONST_STR;
        c->v.Constant.value.s = arena_strndup(p->a, p->sbuf, p->slen);
        c->v.Constant.value.len = (uint32_t)p->slen;
        pp_push(p, c);
    }
    p->slen = 0;
    r->text = NULL;
}

static void add_text(Parser *p, StrRun *r, const Token *t, const char *s, size_t n, int flags)
{
    if (!r->text)
        r->text = t;
    r->text_end = t;
    decode(p, t, s, n, flags);
}

static Node *fstring_field(Parser *p, StrRun *r, int flags, int depth);

/*
 * Literal text runs and replacement fields up to (not including) a token
 * of kind stop: the body of an f-string, or of a format spec.
 */
static void fstring_parts(Parser *p, StrRun *r, int flags, int stop, int depth)
{
    int middle = flags & STRLIT_TSTRING ? TOK_TSTRING_MIDDLE : TOK_FSTRING_MIDDLE;
    for (;;) {
        const Token *t = TOK(p);
        if (t->kind == middle) {
            pp_next(p);
            add_text(p, r, t, p->src->text + t->off, t->len,
                     (flags & (STRLIT_RAW | STRLIT_BYTES)) | STRLIT_BRACES);
        } else if (t->kind == TOK_LBRACE) {
            flush(p, r);
            pp_push(p, fstring_field(p, r, flags, depth));
        } else if (t->kind == stop) {
            return;
        } else {
            pp_error_at(p, t, t->kind == TOK_ERRORTOKEN ? "%s" : "f-string: expecting '}'",
                        MSG(p, t) ? MSG(p, t) : "");
        }
    }
}

/* The conversion character after '!': 's', 'r' or 'a'. */
static int conversion(Parser *p)
{
    const Token *bang = pp_next(p);
    const Token *t = TOK(p);
    if (t->kind != TOK_NAME || t->len != 1 || t->off != bang->off + 1 ||
        !strchr("sra", p->src->text[t->off]))
        pp_error_at(p, t, "f-string: invalid conversion character: expected 's', 'r', or 'a'");
    pp_next(p);
    return (unsigned char)p->src->text[t->off];
}

/*
 * f"{x = }": the text from after '{' through the '=' and its spaces is
 * literal text, merged with the literal part just before the field.
 */
static void debug_text(Parser *p, StrRun *r, const Token *open)
{
    uint32_t from = open->off + 1, to = TOK(p)->off;
    if (to < from) /* an error token may point back into the field */
        to = from;
    Node *prev = p->nstk > r->mark ? p->stk[p->nstk - 1] : NULL;
    p->slen = 0;
    if (prev && prev->kind == NODE_Constant) {
        decode(p, open, prev->v.Constant.value.s, prev->v.Constant.value.len, STRLIT_RAW);
        p->nstk--;
    }
    /* the text as written, less any comments (3.12+ allows them there) */
    int ncomments;
    const Comment *comments = lex_comments(p->L, &ncomments);
    int lo = 0, hi = ncomments; /* first comment at or after from */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (comments[mid].off < from)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (int i = lo; i < ncomments && from < to; i++) {
        const Comment *c = &comments[i];
        if (c->off >= to)
            break;
        add_text(p, r, open, p->src->text + from, c->off - from, STRLIT_RAW);
        from = c->off + c->len;
    }
    add_text(p, r, open, p->src->text + from, to - from, STRLIT_RAW);
    flush(p, r);
    if (!prev && p->nstk > r->mark) {
        /* the text's own span, from after '{' to the next token (3.14's t-strings
         * print it) */
        Node *c = p->stk[p->nstk - 1];
        c->col_offset = lex_col(p->src, open) + 1;
        ast_set_end(c, TOK(p)->line, lex_col(p->src, TOK(p)));
    }
}

/* fstring_replacement_field -> '{' (yield_expr | star_expressions) ['='] ['!' NAME] [':' spec] '}' */
static Node *fstring_field(Parser *p, StrRun *r, int flags, int depth)
{
    const Token *open = pp_next(p);
    if (depth > 2 * PARSE_MAX_DEPTH / 8)
        pp_error_at(p, open, "f-string: expressions nested too deeply");
    pp_enter(p);
    const Token *first = TOK(p);
    if (first->kind == TOK_RBRACE)
        pp_error_at(p, first, "f-string: valid expression required before '}'");
    Node *value = KIND(p) == TOK_YIELD ? pe_yield_expr(p) : pe_star_expressions(p);
    const Token *last = pp_prev(p);
    int conv = -1;
    if (KIND(p) == TOK_EQUAL) {
        pp_next(p);
        debug_text(p, r, open);
        if (KIND(p) != TOK_EXCLAMATION && KIND(p) != TOK_COLON)
            conv = 'r';
    }
    if (KIND(p) == TOK_EXCLAMATION)
        conv = conversion(p);
    Node *spec = NULL;
    if (KIND(p) == TOK_COLON) {
        const Token *colon = pp_next(p);
        StrRun inner = {p->nstk, 1, 0, 0, 1, NULL, NULL};
        /* fields inside a format spec are FormattedValues, in t-strings too */
        fstring_parts(p, &inner, flags | STRLIT_SPEC, TOK_RBRACE, depth + 1);
        flush(p, &inner);
        spec = pp_node(p, NODE_JoinedStr, colon, pp_prev(p));
        spec->v.JoinedStr.values = pp_list(p, inner.mark);
    }
    const Token *close = pp_expect(p, TOK_RBRACE, "'}'");
    pp_leave(p);
    Node *fv;
    if ((flags & STRLIT_TSTRING) && !(flags & STRLIT_SPEC)) {
        fv = pp_node(p, NODE_Interpolation, open, close);
        fv->v.Interpolation.value = value;
        /* 3.14 keeps the whitespace after '{' and drops that before '}' */
        fv->v.Interpolation.str = arena_strndup(p->a, p->src->text + open->off + 1,
                                                last->off + last->len - (open->off + 1));
        fv->v.Interpolation.conversion = conv;
        fv->v.Interpolation.format_spec = spec;
    } else {
        fv = pp_node(p, NODE_FormattedValue, open, close);
        fv->v.FormattedValue.value = value;
        fv->v.FormattedValue.conversion = conv;
        fv->v.FormattedValue.format_spec = spec;
    }
    return fv;
}

/* The prefix flags and quote length of a string-ish token at t. */
static int prefix_of(Parser *p, const Token *t, size_t *plen)
{
    int flags = strlit_prefix(p->src->text + t->off, t->len, plen);
    if (flags < 0)
        pp_error_at(p, t, "invalid string prefix");
    return flags;
}

/* One plain STRING token: decoded onto the pending text. */
static void plain_string(Parser *p, StrRun *r, const Token *t)
{
    size_t plen;
    int flags = prefix_of(p, t, &plen);
    const char *s = p->src->text + t->off + plen;
    size_t n = t->len - plen;
    size_t q = n >= 6 && s[1] == s[0] && s[2] == s[0] ? 3 : 1;
    if (flags & STRLIT_BYTES)
        r->bytes = 1;
    else
        r->str = 1;
    if (r->bytes && r->str)
        pp_error_at(p, t, "cannot mix bytes and nonbytes literals");
    add_text(p, r, t, s + q, n - 2 * q, flags);
}

/* strings -> (STRING | fstring | tstring)+ */
Node *ps_strings(Parser *p)
{
    const Token *start = TOK(p);
    StrRun r = {p->nstk, 0, 0, 0, 0, NULL, NULL};
    size_t plen;
    prefix_of(p, start, &plen);
    int plain = 0;
    for (;;) {
        const Token *t = TOK(p);
        if (t->kind == TOK_STRING) {
            pp_next(p);
            plain = 1;
            plain_string(p, &r, t);
        } else if (t->kind == TOK_FSTRING_START || t->kind == TOK_TSTRING_START) {
            int flags = prefix_of(p, t, &plen);
            int end = t->kind == TOK_TSTRING_START ? TOK_TSTRING_END : TOK_FSTRING_END;
            pp_next(p);
            r.fstring |= t->kind == TOK_FSTRING_START;
            r.tstring |= t->kind == TOK_TSTRING_START;
            r.str = 1;
            fstring_parts(p, &r, flags, end, 0);
            pp_next(p);
        } else {
            break;
        }
        if (r.tstring && (r.fstring || plain))
            pp_error_at(p, t, "cannot mix t-string literals with string or bytes literals");
    }
    const Token *end = pp_prev(p);
    if (r.bytes && r.str)
        pp_error_at(p, start, "cannot mix bytes and nonbytes literals");
    if (!r.fstring && !r.tstring) {
        Node *c = pp_node(p, NODE_Constant, start, end);
        c->v.Constant.value.kind = r.bytes ? CONST_BYTES : CONST_STR;
        c->v.Constant.value.s = arena_strndup(p->a, p->sbuf ? p->sbuf : "", p->slen);
        c->v.Constant.value.len = (uint32_t)p->slen;
        if (p->src->text[start->off] == 'u') /* only a lowercase u prefix, as CPython */
            c->v.Constant.value.u = 1;
        p->slen = 0;
        return c;
    }
    flush(p, &r);
    Node *n = pp_node(p, r.tstring ? NODE_TemplateStr : NODE_JoinedStr, start, end);
    n->v.JoinedStr.values = pp_list(p, r.mark); /* TemplateStr shares the layout */
    return n;
}
