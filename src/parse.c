/*
 * parse.c - the parser's frame (token access, errors and recovery, scratch
 * lists, interned names) and the statement grammar.  Grammar rules follow
 * CPython's python.gram; each parser function names its rule in the comment
 * above it.  Expressions are in parse_expr.c, strings in parse_str.c,
 * patterns in parse_pat.c.
 *
 * Invariant: every function starts at the first token of its rule and
 * leaves p->pos on the first token after it, or longjmps on an error.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse_impl.h"
#include "uni.h"

/* ---------------------------------------------------------------- tokens */

const Token *pp_prev(Parser *p) { return TK(p, p->pos > 0 ? p->pos - 1 : 0); }

int pp_is_name(Parser *p, const char *word)
{
    const Token *t = TOK(p);
    if (t->kind != TOK_NAME) /* most often: no strlen then */
        return 0;
    size_t n = strlen(word);
    return t->len == n && !memcmp(p->src->text + t->off, word, n);
}

_Noreturn void pp_expected(Parser *p, const char *what)
{
    const Token *t = TOK(p);
    if (t->kind == TOK_ERRORTOKEN)
        pp_error_at(p, t, "%s", MSG(p, t) ? MSG(p, t) : "invalid token");
    pp_error_at(p, t, "expected %s", what);
}

/* ---------------------------------------------------------------- errors */

static _Noreturn void fail(Parser *p, int line, int col, int eline, int ecol, const char *msg)
{
    if (p->nerrors++ == 0)
        p->error_line = line;
    /* Only the first error is a finding, as CPython reports only the first:
     * what follows it is mostly the recovery's echo.  The parser still
     * recovers, so the rest of the file is analyzed. */
    if (p->errs && p->nerrors == 1) {
        Finding f = {0};
        f.code = "SL000";
        f.path = p->src->path;
        f.line = line;
        f.col = col;
        f.end_line = eline;
        f.end_col = ecol;
        f.message = arena_strndup(p->a, msg, strlen(msg));
        diag_add(p->errs, &f);
    }
    longjmp(*p->recover, 1);
}

static _Noreturn void fail_at(Parser *p, const Token *t, const char *msg)
{
    int eline, ecol;
    lex_end(p->src, t, &eline, &ecol);
    fail(p, t->line, lex_col(p->src, t), eline, ecol, msg);
}

/*
 * CPython reports a tokenizer error found anywhere after a parser error in
 * place of it (it tokenizes the rest of the file before giving up), and an
 * unclosed bracket on an earlier line likewise.  Returns the error token
 * that wins over a parser error at line, or NULL.
 */
static const Token *tokenizer_error_after(Parser *p, int line)
{
    for (int i = p->pos;; i++) { /* lexes the rest of the file: once, on the first error */
        const Token *t = TK(p, i);
        if (t->kind == TOK_ENDMARKER)
            break;
        if (t->kind != TOK_ERRORTOKEN)
            continue;
        int unclosed = MSG(p, t) && strstr(MSG(p, t), "was never closed");
        if (!unclosed || t->line < line)
            return t;
        if (unclosed)
            return NULL;
    }
    return NULL;
}

_Noreturn void pp_error_at(Parser *p, const Token *t, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (t->kind == TOK_ENDMARKER || t->kind == TOK_DEDENT) {
        /* at the end of the file CPython points at the last line with text */
        int i = p->pos;
        while (i > 0 && (TK(p, i)->kind == TOK_ENDMARKER || TK(p, i)->kind == TOK_DEDENT))
            i--;
        t = TK(p, i);
    }
    if (t->kind != TOK_ERRORTOKEN && p->nerrors == 0) {
        const Token *e = tokenizer_error_after(p, t->line);
        if (e)
            t = e;
    }
    /* An error token carries the tokenizer's message: it wins. */
    const char *msg = t->kind == TOK_ERRORTOKEN && MSG(p, t) ? MSG(p, t) : buf;
    fail_at(p, t, msg);
}

_Noreturn void pp_error_node(Parser *p, const Node *n, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    const Token *e = p->nerrors == 0 ? tokenizer_error_after(p, n->lineno) : NULL;
    if (e)
        fail_at(p, e, MSG(p, e) ? MSG(p, e) : buf);
    fail(p, n->lineno, n->col_offset, ast_end_lineno(n), n->end_col_offset, buf);
}

void pp_enter(Parser *p)
{
    if (++p->depth > PARSE_MAX_DEPTH)
        pp_error_at(p, TOK(p), "too deeply nested (more than %d levels)", PARSE_MAX_DEPTH);
}

void pp_leave(Parser *p) { p->depth--; }

/* ------------------------------------------------------- scratch lists */

void pp_grow(Parser *p)
{
    p->capstk = p->capstk ? 2 * p->capstk : 256;
    p->stk = xrealloc(p->stk, (size_t)p->capstk * sizeof *p->stk);
}

NodeList pp_list(Parser *p, int mark)
{
    NodeList l = {0};
    l.n = p->nstk - mark;
    if (l.n) {
        l.items = arena_alloc(p->a, (size_t)l.n * sizeof *l.items);
        memcpy(l.items, p->stk + mark, (size_t)l.n * sizeof *l.items);
    }
    p->nstk = mark;
    return l;
}

void pp_pairs(Parser *p, int mark, NodeList *first, NodeList *second)
{
    int count = (p->nstk - mark) / 2;
    first->n = second->n = count;
    first->items = arena_alloc(p->a, (size_t)(count ? count : 1) * sizeof(Node *));
    second->items = arena_alloc(p->a, (size_t)(count ? count : 1) * sizeof(Node *));
    for (int i = 0; i < count; i++) {
        first->items[i] = p->stk[mark + 2 * i];
        second->items[i] = p->stk[mark + 2 * i + 1];
    }
    p->nstk = mark;
}

IdList pp_idlist(Parser *p, int mark)
{
    NodeList l = pp_list(p, mark);
    IdList r = {(const char **)l.items, l.n};
    return r;
}

/* ---------------------------------------------------------------- names */

/*
 * FNV-1a over 8-byte words, then a final mix (the multiplications carry
 * a word's high bytes only upwards, and the table takes the low bits).
 * A byte at a time, hashing was most of interning, and the parser interns
 * every name it meets.  The last 1 to 7 bytes make one word, its first
 * byte lowest; with before set, the 8 bytes before s + n may be read, and
 * on a little-endian machine one load and a shift make that word.
 */
static uint32_t hash(const char *s, size_t n, int before, uint64_t *word)
{
    uint64_t h = 14695981039346656037u ^ n, w = 0;
    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * 1099511628211u;
    }
    if (n) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        if (before) {
            memcpy(&w, s + n - 8, 8);
            w >>= 8 * (8 - n);
        } else
#endif
        {
            (void)before;
            w = 0;
            for (size_t i = 0; i < n; i++)
                w |= (uint64_t)(unsigned char)s[i] << (8 * i);
        }
        h = (h ^ w) * 1099511628211u;
    }
    *word = w; /* for n <= 8: the whole name */
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93u;
    return (uint32_t)(h ^ (h >> 32));
}

static void intern_grow(Parser *p)
{
    uint32_t cap = p->capnames ? 2 * p->capnames : 256;
    InternSlot *t = xcalloc(cap, sizeof *t);
    for (uint32_t i = 0; i < p->capnames; i++) {
        InternSlot x = p->names[i];
        if (!x.s)
            continue;
        uint32_t j = x.hash & (cap - 1);
        while (t[j].s)
            j = (j + 1) & (cap - 1);
        t[j] = x;
    }
    free(p->names);
    p->names = t;
    p->capnames = cap;
}

/* pp_intern, where the 8 bytes before s + n may be read if before is set. */
static const char *intern(Parser *p, const char *s, size_t n, int before)
{
    if (p->nnames * 2 >= p->capnames)
        intern_grow(p);
    uint64_t w;
    uint32_t h = hash(s, n, before, &w), mask = p->capnames - 1, j = h & mask;
    for (InternSlot *x; (x = &p->names[j])->s; j = (j + 1) & mask)
        if (x->hash == h && x->len == n && (n <= 8 ? x->word == w : !memcmp(x->s, s, n)))
            return x->s;
    p->nnames++;
    p->names[j].hash = h;
    p->names[j].len = (uint32_t)n;
    p->names[j].word = w;
    return p->names[j].s = arena_strndup(p->a, s, n);
}

const char *pp_intern(Parser *p, const char *s, size_t n) { return intern(p, s, n, 0); }

const char *pp_name(Parser *p, const Token *t)
{
    const char *s = p->src->text + t->off;
    if (t->nonascii) {
        /* PEP 3131: non-ASCII identifiers are NFKC-normalized. */
        size_t cap = 4 * (size_t)t->len + 16;
        char *buf = arena_alloc(p->a, cap);
        long m = uni_nfkc(s, t->len, buf, cap);
        if (m >= 0)
            return pp_intern(p, buf, (size_t)m);
    }
    return intern(p, s, t->len, t->off >= 8); /* the source text is before it */
}

/* ------------------------------------------------------------ positions */

void pp_set_start(Parser *p, Node *n, const Token *t)
{
    n->lineno = t->line;
    n->col_offset = lex_col(p->src, t);
}

void pp_set_end(Parser *p, Node *n, const Token *t)
{
    int line, col;
    lex_end(p->src, t, &line, &col);
    ast_set_end(n, line, col);
}

void pp_end_prev(Parser *p, Node *n) { pp_set_end(p, n, pp_prev(p)); }

Node *pp_node(Parser *p, int kind, const Token *start, const Token *end)
{
    Node *n = ast_new(p->a, kind);
    pp_set_start(p, n, start);
    pp_set_end(p, n, end);
    return n;
}

Node *pp_node_span(Parser *p, int kind, const Node *start, const Node *end)
{
    Node *n = ast_new(p->a, kind);
    n->lineno = start->lineno;
    n->col_offset = start->col_offset;
    ast_set_end(n, ast_end_lineno(end), end->end_col_offset);
    return n;
}

/* ---------------------------------------------------------- statements */

static void statement(Parser *p);
static Node *simple_stmt(Parser *p);

/*
 * A compound statement ends where its last token does, NEWLINE, INDENT and
 * DEDENT aside: so a trailing ';' counts, as in CPython.
 */
static void end_at_last(Parser *p, Node *n)
{
    int i = p->pos - 1;
    while (i > 0 && (TK(p, i)->kind == TOK_NEWLINE || TK(p, i)->kind == TOK_INDENT ||
                     TK(p, i)->kind == TOK_DEDENT))
        i--;
    pp_set_end(p, n, TK(p, i));
}

/* Skips an indented block whose INDENT is the current token. */
static void skip_block(Parser *p)
{
    int lvl = 0;
    do {
        int k = pp_next(p)->kind;
        lvl += (k == TOK_INDENT) - (k == TOK_DEDENT);
    } while (lvl > 0 && KIND(p) != TOK_ENDMARKER);
}

/*
 * Error recovery: skips to just after the NEWLINE ending the current
 * logical line, and past the indented block that follows it, which belongs
 * to the statement that failed.
 */
static void skip_line(Parser *p)
{
    while (KIND(p) != TOK_ENDMARKER) {
        int k = KIND(p);
        if (k == TOK_INDENT) {
            skip_block(p);
            return;
        }
        if (k == TOK_DEDENT)
            return;
        pp_next(p);
        if (k == TOK_NEWLINE) {
            if (KIND(p) == TOK_INDENT)
                skip_block(p);
            return;
        }
    }
}

/*
 * statements -> statement+, up to DEDENT or ENDMARKER.  Statements are
 * pushed on the scratch stack; each one is a recovery point.
 */
static NodeList statements(Parser *p, int until)
{
    int mark = p->nstk;
    jmp_buf jb, *outer = p->recover;
    while (KIND(p) != until && KIND(p) != TOK_ENDMARKER) {
        volatile int saved_n = p->nstk, saved_depth = p->depth;
        p->recover = &jb;
        if (setjmp(jb)) {
            p->nstk = saved_n;
            p->depth = saved_depth;
            skip_line(p);
            continue;
        }
        if (KIND(p) == TOK_DEDENT && until == TOK_ENDMARKER) {
            pp_next(p); /* stray dedent after an error */
            continue;
        }
        if (KIND(p) == TOK_INDENT)
            pp_error_at(p, TOK(p), "unexpected indent");
        statement(p);
        if (until == TOK_ENDMARKER) /* a top-level statement is done: its tokens too */
            lex_release(p->L, p->pos - 8);
    }
    p->recover = outer;
    return pp_list(p, mark);
}

/* block -> NEWLINE INDENT statements DEDENT | simple_stmts */
static NodeList block(Parser *p)
{
    if (!pp_accept(p, TOK_NEWLINE)) {
        int mark = p->nstk;
        pp_push(p, simple_stmt(p));
        while (pp_accept(p, TOK_SEMI) && KIND(p) != TOK_NEWLINE)
            pp_push(p, simple_stmt(p));
        pp_expect(p, TOK_NEWLINE, "newline");
        return pp_list(p, mark);
    }
    if (KIND(p) != TOK_INDENT)
        pp_error_at(p, TOK(p), "expected an indented block");
    pp_next(p);
    pp_enter(p);
    NodeList body = statements(p, TOK_DEDENT);
    pp_leave(p);
    pp_accept(p, TOK_DEDENT);
    return body;
}

NodeList pp_block(Parser *p)
{
    pp_expect(p, TOK_COLON, "':'");
    return block(p);
}

/* dotted_name -> NAME ('.' NAME)* ; returned interned with the dots */
static const char *dotted_name(Parser *p)
{
    const Token *first = pp_expect(p, TOK_NAME, "a name");
    char *buf = NULL;
    const char *s = pp_name(p, first);
    while (KIND(p) == TOK_DOT && PEEK(p, 1) == TOK_NAME) {
        pp_next(p);
        const char *part = pp_name(p, pp_next(p));
        size_t a = strlen(s), b = strlen(part);
        buf = xrealloc(buf, a + b + 2);
        memcpy(buf, s, a);
        buf[a] = '.';
        memcpy(buf + a + 1, part, b + 1);
        s = pp_intern(p, buf, a + b + 1);
    }
    free(buf);
    return s;
}

/* import_name -> 'import' dotted_as_names */
static Node *import_name(Parser *p, const Token *kw)
{
    int mark = p->nstk;
    do {
        const Token *start = TOK(p);
        Node *al = ast_new(p->a, NODE_alias);
        al->v.alias.name = dotted_name(p);
        if (pp_accept(p, TOK_AS))
            al->v.alias.asname = pp_name(p, pp_expect(p, TOK_NAME, "a name"));
        pp_set_start(p, al, start);
        pp_end_prev(p, al);
        pp_push(p, al);
    } while (pp_accept(p, TOK_COMMA));
    Node *n = pp_node(p, NODE_Import, kw, pp_prev(p));
    n->v.Import.names = pp_list(p, mark);
    return n;
}

/* import_from_as_names -> NAME ['as' NAME] (',' ...)* */
static NodeList import_from_names(Parser *p, int paren)
{
    int mark = p->nstk;
    do {
        if (paren && KIND(p) == TOK_RPAR && p->nstk > mark)
            break;
        const Token *t = pp_expect(p, TOK_NAME, "a name to import");
        Node *al = ast_new(p->a, NODE_alias);
        al->v.alias.name = pp_name(p, t);
        if (pp_accept(p, TOK_AS))
            al->v.alias.asname = pp_name(p, pp_expect(p, TOK_NAME, "a name"));
        pp_set_start(p, al, t);
        pp_end_prev(p, al);
        pp_push(p, al);
    } while (pp_accept(p, TOK_COMMA));
    if (!paren && pp_prev(p)->kind == TOK_COMMA)
        pp_error_at(p, pp_prev(p), "trailing comma not allowed without surrounding parentheses");
    return pp_list(p, mark);
}

/* import_from -> 'from' ('.' | '...')* dotted_name 'import' ... */
static Node *import_from(Parser *p, const Token *kw)
{
    int level = 0;
    for (;;) {
        if (pp_accept(p, TOK_DOT))
            level++;
        else if (pp_accept(p, TOK_ELLIPSIS))
            level += 3;
        else
            break;
    }
    const char *module = NULL;
    if (KIND(p) != TOK_IMPORT || level == 0)
        module = dotted_name(p);
    pp_expect(p, TOK_IMPORT, "'import'");
    NodeList names;
    if (KIND(p) == TOK_STAR) {
        const Token *t = pp_next(p);
        Node *al = pp_node(p, NODE_alias, t, t);
        al->v.alias.name = pp_intern(p, "*", 1);
        int mark = p->nstk;
        pp_push(p, al);
        names = pp_list(p, mark);
    } else if (pp_accept(p, TOK_LPAR)) {
        names = import_from_names(p, 1);
        pp_expect(p, TOK_RPAR, "')'");
    } else {
        names = import_from_names(p, 0);
    }
    Node *n = pp_node(p, NODE_ImportFrom, kw, pp_prev(p));
    n->v.ImportFrom.module = module;
    n->v.ImportFrom.names = names;
    n->v.ImportFrom.level = level;
    return n;
}

/* global_stmt / nonlocal_stmt -> kw NAME (',' NAME)* */
static Node *names_stmt(Parser *p, const Token *kw, int kind)
{
    int mark = p->nstk;
    do
        pp_push(p, (void *)pp_name(p, pp_expect(p, TOK_NAME, "a name")));
    while (pp_accept(p, TOK_COMMA));
    Node *n = pp_node(p, kind, kw, pp_prev(p));
    n->v.Global.names = pp_idlist(p, mark); /* Global and Nonlocal share a layout */
    return n;
}

/* del_stmt -> 'del' del_targets */
static Node *del_stmt(Parser *p, const Token *kw)
{
    int mark = p->nstk;
    do {
        if (KIND(p) == TOK_NEWLINE || KIND(p) == TOK_SEMI)
            break;
        Node *t = pe_bitwise_or(p);
        pe_set_context(p, t, CTX_Del);
        pp_push(p, t);
    } while (pp_accept(p, TOK_COMMA));
    if (p->nstk == mark)
        pp_error_at(p, TOK(p), "invalid syntax");
    Node *n = pp_node(p, NODE_Delete, kw, pp_prev(p));
    n->v.Delete.targets = pp_list(p, mark);
    return n;
}

static int augassign_op(int kind)
{
    switch (kind) {
    case TOK_PLUSEQUAL: return OP_Add;
    case TOK_MINEQUAL: return OP_Sub;
    case TOK_STAREQUAL: return OP_Mult;
    case TOK_ATEQUAL: return OP_MatMult;
    case TOK_SLASHEQUAL: return OP_Div;
    case TOK_PERCENTEQUAL: return OP_Mod;
    case TOK_AMPEREQUAL: return OP_BitAnd;
    case TOK_VBAREQUAL: return OP_BitOr;
    case TOK_CIRCUMFLEXEQUAL: return OP_BitXor;
    case TOK_LEFTSHIFTEQUAL: return OP_LShift;
    case TOK_RIGHTSHIFTEQUAL: return OP_RShift;
    case TOK_DOUBLESTAREQUAL: return OP_Pow;
    case TOK_DOUBLESLASHEQUAL: return OP_FloorDiv;
    default: return -1;
    }
}

/* The right-hand side of an assignment: yield_expr | star_expressions. */
static Node *assign_rhs(Parser *p)
{
    if (KIND(p) == TOK_YIELD)
        return pe_yield_expr(p);
    return pe_star_expressions(p);
}

/* assignment with ':' annotation (the target is already parsed) */
static Node *ann_assign(Parser *p, Node *target, const Token *start)
{
    int kind = target->kind;
    if (kind != NODE_Name && kind != NODE_Attribute && kind != NODE_Subscript) {
        if (kind == NODE_Tuple)
            pp_error_node(p, target, "only single target (not tuple) can be annotated");
        if (kind == NODE_List)
            pp_error_node(p, target, "only single target (not list) can be annotated");
        pp_error_node(p, target, "illegal target for annotation");
    }
    pe_set_context(p, target, CTX_Store);
    Node *ann = pe_expression(p);
    Node *n = ast_new(p->a, NODE_AnnAssign);
    n->v.AnnAssign.target = target;
    n->v.AnnAssign.annotation = ann;
    n->v.AnnAssign.simple = kind == NODE_Name && start->kind != TOK_LPAR;
    if (pp_accept(p, TOK_EQUAL))
        n->v.AnnAssign.value = assign_rhs(p);
    pp_set_start(p, n, start);
    pp_end_prev(p, n);
    return n;
}

/* expression statements and every form of assignment */
static Node *expr_or_assign(Parser *p)
{
    const Token *start = TOK(p);
    Node *first = KIND(p) == TOK_YIELD ? pe_yield_expr(p) : pe_star_expressions(p);
    int op;
    if (pp_accept(p, TOK_COLON))
        return ann_assign(p, first, start);
    if (KIND(p) == TOK_EQUAL) {
        int mark = p->nstk;
        Node *value = first;
        while (pp_accept(p, TOK_EQUAL)) {
            pe_set_context(p, value, CTX_Store);
            pp_push(p, value);
            value = assign_rhs(p);
        }
        Node *n = ast_new(p->a, NODE_Assign);
        n->v.Assign.targets = pp_list(p, mark);
        n->v.Assign.value = value;
        pp_set_start(p, n, start);
        pp_end_prev(p, n);
        return n;
    }
    if ((op = augassign_op(KIND(p))) >= 0) {
        int k = first->kind;
        if (k != NODE_Name && k != NODE_Attribute && k != NODE_Subscript)
            pp_error_node(p, first, "'%s' is an illegal expression for augmented assignment",
                          ast_kind_name(k));
        pp_next(p);
        pe_set_context(p, first, CTX_Store);
        Node *n = ast_new(p->a, NODE_AugAssign);
        n->v.AugAssign.target = first;
        n->v.AugAssign.op = (uint8_t)op;
        n->v.AugAssign.value = assign_rhs(p);
        pp_set_start(p, n, start);
        pp_end_prev(p, n);
        return n;
    }
    Node *n = pp_node(p, NODE_Expr, start, pp_prev(p));
    n->v.Expr.value = first;
    return n;
}

/* type_alias -> "type" NAME [type_params] '=' expression */
static Node *type_alias(Parser *p)
{
    const Token *kw = pp_next(p);
    const Token *nt = pp_expect(p, TOK_NAME, "a name");
    Node *name = pp_node(p, NODE_Name, nt, nt);
    name->v.Name.id = pp_name(p, nt);
    ast_set_ctx(name, CTX_Store);
    Node *n = ast_new(p->a, NODE_TypeAlias);
    n->v.TypeAlias.name = name;
    n->v.TypeAlias.type_params = pe_type_params(p);
    pp_expect(p, TOK_EQUAL, "'='");
    n->v.TypeAlias.value = pe_expression(p);
    pp_set_start(p, n, kw);
    pp_end_prev(p, n);
    return n;
}

/* Is the current NAME "type" the start of a type alias statement? */
static int at_type_alias(Parser *p)
{
    return pp_is_name(p, "type") && PEEK(p, 1) == TOK_NAME &&
           (PEEK(p, 2) == TOK_EQUAL || PEEK(p, 2) == TOK_LSQB);
}

/* simple_stmt -> assignment | star_expressions | return | import | ... */
static Node *simple_stmt(Parser *p)
{
    const Token *t = TOK(p);
    Node *n;
    switch (t->kind) {
    case TOK_PASS: case TOK_BREAK: case TOK_CONTINUE:
        pp_next(p);
        return pp_node(p, t->kind == TOK_PASS ? NODE_Pass
                          : t->kind == TOK_BREAK ? NODE_Break : NODE_Continue, t, t);
    case TOK_RETURN:
        pp_next(p);
        n = pp_node(p, NODE_Return, t, t);
        if (KIND(p) != TOK_NEWLINE && KIND(p) != TOK_SEMI) {
            n->v.Return.value = pe_star_expressions(p);
            pp_end_prev(p, n);
        }
        return n;
    case TOK_RAISE:
        pp_next(p);
        n = pp_node(p, NODE_Raise, t, t);
        if (KIND(p) != TOK_NEWLINE && KIND(p) != TOK_SEMI) {
            n->v.Raise.exc = pe_expression(p);
            if (pp_accept(p, TOK_FROM))
                n->v.Raise.cause = pe_expression(p);
            pp_end_prev(p, n);
        }
        return n;
    case TOK_GLOBAL:
        pp_next(p);
        return names_stmt(p, t, NODE_Global);
    case TOK_NONLOCAL:
        pp_next(p);
        return names_stmt(p, t, NODE_Nonlocal);
    case TOK_DEL:
        pp_next(p);
        return del_stmt(p, t);
    case TOK_ASSERT:
        pp_next(p);
        n = pp_node(p, NODE_Assert, t, t);
        n->v.Assert.test = pe_expression(p);
        if (pp_accept(p, TOK_COMMA))
            n->v.Assert.msg = pe_expression(p);
        pp_end_prev(p, n);
        return n;
    case TOK_IMPORT:
        pp_next(p);
        return import_name(p, t);
    case TOK_FROM:
        pp_next(p);
        return import_from(p, t);
    case TOK_NAME:
        if (at_type_alias(p))
            return type_alias(p);
        return expr_or_assign(p);
    default:
        return expr_or_assign(p);
    }
}

/* simple_stmts -> simple_stmt (';' simple_stmt)* [';'] NEWLINE */
static void simple_stmts(Parser *p)
{
    pp_push(p, simple_stmt(p));
    while (pp_accept(p, TOK_SEMI) && KIND(p) != TOK_NEWLINE)
        pp_push(p, simple_stmt(p));
    if (KIND(p) != TOK_NEWLINE) {
        const Token *t = TOK(p);
        if (t->kind == TOK_ERRORTOKEN)
            pp_error_at(p, t, "%s", MSG(p, t));
        pp_error_at(p, t, "invalid syntax");
    }
    pp_next(p);
}

/* if_stmt -> 'if' named_expression ':' block (elif_stmt | [else_block]) */
static Node *if_stmt(Parser *p)
{
    const Token *kw = pp_next(p); /* 'if' or 'elif' */
    Node *n = pp_node(p, NODE_If, kw, kw);
    n->v.If.test = pe_named_expression(p);
    n->v.If.body = pp_block(p);
    if (KIND(p) == TOK_ELIF) {
        int mark = p->nstk;
        pp_push(p, if_stmt(p));
        n->v.If.orelse = pp_list(p, mark);
    } else if (pp_accept(p, TOK_ELSE)) {
        n->v.If.orelse = pp_block(p);
    }
    end_at_last(p, n);
    return n;
}

/* while_stmt -> 'while' named_expression ':' block [else_block] */
static Node *while_stmt(Parser *p)
{
    const Token *kw = pp_next(p);
    Node *n = pp_node(p, NODE_While, kw, kw);
    n->v.While.test = pe_named_expression(p);
    n->v.While.body = pp_block(p);
    if (pp_accept(p, TOK_ELSE))
        n->v.While.orelse = pp_block(p);
    end_at_last(p, n);
    return n;
}

/* for_stmt -> ['async'] 'for' star_targets 'in' star_expressions ':' block [else_block] */
static Node *for_stmt(Parser *p, const Token *start, int async)
{
    pp_expect(p, TOK_FOR, "'for'");
    Node *n = pp_node(p, async ? NODE_AsyncFor : NODE_For, start, start);
    n->v.For.target = pe_star_targets(p);
    pe_set_context(p, n->v.For.target, CTX_Store);
    pp_expect(p, TOK_IN, "'in'");
    n->v.For.iter = pe_star_expressions(p);
    n->v.For.body = pp_block(p);
    if (pp_accept(p, TOK_ELSE))
        n->v.For.orelse = pp_block(p);
    end_at_last(p, n);
    return n;
}

/* with_item -> expression ['as' star_target] */
static Node *with_item(Parser *p)
{
    Node *w = ast_new(p->a, NODE_withitem);
    w->v.withitem.context_expr = pe_expression(p);
    if (pp_accept(p, TOK_AS)) {
        Node *t = pe_star_target(p);
        pe_set_context(p, t, CTX_Store);
        w->v.withitem.optional_vars = t;
    }
    return w;
}

/* Index of the token after the bracket that closes the one at i. */
static int after_closing(Parser *p, int i)
{
    int depth = 0;
    for (;; i++) {
        int k = TK(p, i)->kind;
        if (k == TOK_LPAR || k == TOK_LSQB || k == TOK_LBRACE)
            depth++;
        else if (k == TOK_RPAR || k == TOK_RSQB || k == TOK_RBRACE) {
            if (--depth == 0)
                return i + 1;
        } else if (k == TOK_NEWLINE || k == TOK_ENDMARKER)
            return i;
    }
}

/* with_stmt -> ['async'] 'with' ( '(' with_item, ... ')' | with_item, ... ) ':' block */
static Node *with_stmt(Parser *p, const Token *start, int async)
{
    pp_expect(p, TOK_WITH, "'with'");
    Node *n = pp_node(p, async ? NODE_AsyncWith : NODE_With, start, start);
    int mark = p->nstk;
    int after = KIND(p) == TOK_LPAR ? after_closing(p, p->pos) : -1;
    if (after >= 0 && TK(p, after)->kind == TOK_COLON && PEEK(p, 1) != TOK_YIELD) {
        /* parenthesized with-items (3.9+): the parentheses group the items */
        pp_next(p);
        do {
            if (KIND(p) == TOK_RPAR && p->nstk > mark)
                break;
            pp_push(p, with_item(p));
        } while (pp_accept(p, TOK_COMMA));
        pp_expect(p, TOK_RPAR, "')'");
    } else {
        do
            pp_push(p, with_item(p));
        while (pp_accept(p, TOK_COMMA));
    }
    n->v.With.items = pp_list(p, mark);
    n->v.With.body = pp_block(p);
    end_at_last(p, n);
    return n;
}

/* except_block -> 'except' ['*'] [expression ['as' NAME] | expression, ...] ':' block */
static Node *except_block(Parser *p, int *star)
{
    const Token *kw = pp_next(p);
    Node *h = pp_node(p, NODE_ExceptHandler, kw, kw);
    int is_star = pp_accept(p, TOK_STAR);
    if (*star < 0)
        *star = is_star;
    else if (*star != is_star)
        pp_error_at(p, kw, "cannot have both 'except' and 'except*' on the same 'try'");
    if (KIND(p) != TOK_COLON) {
        const Token *first = TOK(p);
        Node *type = pe_expression(p);
        if (KIND(p) == TOK_COMMA) {
            /* PEP 758: except A, B: (no 'as') is a tuple without parentheses */
            int mark = p->nstk;
            pp_push(p, type);
            while (pp_accept(p, TOK_COMMA))
                pp_push(p, pe_expression(p));
            Node *tup = pp_node(p, NODE_Tuple, first, pp_prev(p));
            tup->v.Tuple.elts = pp_list(p, mark);
            ast_set_ctx(tup, CTX_Load);
            type = tup;
            if (KIND(p) == TOK_AS)
                pp_error_at(p, TOK(p), "multiple exception types must be parenthesized");
        }
        h->v.ExceptHandler.type = type;
        if (pp_accept(p, TOK_AS))
            h->v.ExceptHandler.name = pp_name(p, pp_expect(p, TOK_NAME, "a name"));
    } else if (is_star) {
        pp_error_at(p, TOK(p), "expected one or more exception types");
    }
    h->v.ExceptHandler.body = pp_block(p);
    end_at_last(p, h);
    return h;
}

/* try_stmt -> 'try' ':' block (finally_block | except_block+ [else] [finally]) */
static Node *try_stmt(Parser *p)
{
    const Token *kw = pp_next(p);
    Node *n = pp_node(p, NODE_Try, kw, kw);
    n->v.Try.body = pp_block(p);
    int mark = p->nstk, star = -1;
    while (KIND(p) == TOK_EXCEPT)
        pp_push(p, except_block(p, &star));
    n->v.Try.handlers = pp_list(p, mark);
    if (star == 1)
        n->kind = NODE_TryStar;
    if (n->v.Try.handlers.n && pp_accept(p, TOK_ELSE))
        n->v.Try.orelse = pp_block(p);
    if (pp_accept(p, TOK_FINALLY))
        n->v.Try.finalbody = pp_block(p);
    else if (!n->v.Try.handlers.n)
        pp_error_at(p, TOK(p), "expected 'except' or 'finally' block");
    end_at_last(p, n);
    return n;
}

/* decorators -> ('@' named_expression NEWLINE)+ */
static NodeList decorators(Parser *p)
{
    int mark = p->nstk;
    while (pp_accept(p, TOK_AT)) {
        pp_push(p, pe_named_expression(p));
        pp_expect(p, TOK_NEWLINE, "newline after decorator");
    }
    return pp_list(p, mark);
}

/* function_def_raw -> ['async'] 'def' NAME [type_params] '(' [params] ')' ['->' expression] ':' block */
static Node *function_def(Parser *p, NodeList decos, const Token *start, int async)
{
    pp_expect(p, TOK_DEF, "'def'");
    Node *n = pp_node(p, async ? NODE_AsyncFunctionDef : NODE_FunctionDef, start, start);
    n->v.FunctionDef.name = pp_name(p, pp_expect(p, TOK_NAME, "a function name"));
    n->v.FunctionDef.type_params = pe_type_params(p);
    pp_expect(p, TOK_LPAR, "'('");
    n->v.FunctionDef.args = pe_arguments(p, 0);
    pp_expect(p, TOK_RPAR, "')'");
    if (pp_accept(p, TOK_RARROW))
        n->v.FunctionDef.returns = pe_expression(p);
    n->v.FunctionDef.decorator_list = decos;
    pp_enter(p);
    n->v.FunctionDef.body = pp_block(p);
    pp_leave(p);
    end_at_last(p, n);
    return n;
}

/* class_def_raw -> 'class' NAME [type_params] ['(' [arguments] ')'] ':' block */
static Node *class_def(Parser *p, NodeList decos, const Token *start)
{
    pp_expect(p, TOK_CLASS, "'class'");
    Node *n = pp_node(p, NODE_ClassDef, start, start);
    n->v.ClassDef.name = pp_name(p, pp_expect(p, TOK_NAME, "a class name"));
    n->v.ClassDef.type_params = pe_type_params(p);
    if (KIND(p) == TOK_LPAR) {
        const Token *lp = pp_next(p);
        Node *call = pp_node(p, NODE_Call, lp, lp);
        pe_call_args(p, call);
        n->v.ClassDef.bases = call->v.Call.args;
        n->v.ClassDef.keywords = call->v.Call.keywords;
    }
    n->v.ClassDef.decorator_list = decos;
    pp_enter(p);
    n->v.ClassDef.body = pp_block(p);
    pp_leave(p);
    end_at_last(p, n);
    return n;
}

/* Does the logical line starting here end with ':' (a compound statement)? */
static int line_ends_with_colon(Parser *p)
{
    int i = p->pos, depth = 0;
    for (;; i++) {
        int k = TK(p, i)->kind;
        if (k == TOK_LPAR || k == TOK_LSQB || k == TOK_LBRACE)
            depth++;
        else if (k == TOK_RPAR || k == TOK_RSQB || k == TOK_RBRACE)
            depth--;
        else if (k == TOK_NEWLINE || k == TOK_ENDMARKER)
            break;
    }
    return i > p->pos && TK(p, i - 1)->kind == TOK_COLON && depth == 0;
}

/* Is the NAME "match" here a match statement rather than an expression? */
static int at_match_stmt(Parser *p)
{
    if (!pp_is_name(p, "match"))
        return 0;
    int k = PEEK(p, 1);
    if (k == TOK_EQUAL || k == TOK_COLON || k == TOK_DOT || k == TOK_NEWLINE ||
        k == TOK_COMMA || k == TOK_SEMI || k == TOK_RPAR || augassign_op(k) >= 0)
        return 0;
    return line_ends_with_colon(p) && PEEK(p, 1) != TOK_COLON;
}

/* match_stmt -> "match" subject_expr ':' NEWLINE INDENT case_block+ DEDENT */
static Node *match_stmt(Parser *p)
{
    const Token *kw = pp_next(p);
    Node *n = pp_node(p, NODE_Match, kw, kw);
    const Token *st = TOK(p);
    Node *subj = pe_star_named_expression(p);
    if (KIND(p) == TOK_COMMA || (subj->kind == NODE_Starred)) {
        /* subject_expr -> star_named_expression ',' star_named_expressions? */
        int mark = p->nstk;
        pp_push(p, subj);
        while (pp_accept(p, TOK_COMMA) && KIND(p) != TOK_COLON)
            pp_push(p, pe_star_named_expression(p));
        Node *tup = pp_node(p, NODE_Tuple, st, pp_prev(p));
        tup->v.Tuple.elts = pp_list(p, mark);
        ast_set_ctx(tup, CTX_Load);
        subj = tup;
    }
    n->v.Match.subject = subj;
    pp_expect(p, TOK_COLON, "':'");
    pp_expect(p, TOK_NEWLINE, "newline");
    pp_expect(p, TOK_INDENT, "an indented block");
    int mark = p->nstk;
    while (KIND(p) != TOK_DEDENT && KIND(p) != TOK_ENDMARKER) {
        if (!pp_is_name(p, "case"))
            pp_error_at(p, TOK(p), "expected 'case'");
        pp_next(p);
        Node *c = ast_new(p->a, NODE_match_case);
        c->v.match_case.pattern = pm_patterns(p);
        if (pp_accept(p, TOK_IF))
            c->v.match_case.guard = pe_named_expression(p);
        c->v.match_case.body = pp_block(p);
        pp_push(p, c);
    }
    pp_accept(p, TOK_DEDENT);
    n->v.Match.cases = pp_list(p, mark);
    end_at_last(p, n);
    return n;
}

/* statement -> compound_stmt | simple_stmts ; pushes what it parsed */
static void statement(Parser *p)
{
    const Token *t = TOK(p);
    NodeList none = {0};
    switch (t->kind) {
    case TOK_IF: pp_push(p, if_stmt(p)); return;
    case TOK_WHILE: pp_push(p, while_stmt(p)); return;
    case TOK_FOR: pp_push(p, for_stmt(p, t, 0)); return;
    case TOK_WITH: pp_push(p, with_stmt(p, t, 0)); return;
    case TOK_TRY: pp_push(p, try_stmt(p)); return;
    case TOK_DEF: pp_push(p, function_def(p, none, t, 0)); return;
    case TOK_CLASS: pp_push(p, class_def(p, none, t)); return;
    case TOK_ASYNC:
        pp_next(p);
        if (KIND(p) == TOK_DEF)
            pp_push(p, function_def(p, none, t, 1));
        else if (KIND(p) == TOK_WITH)
            pp_push(p, with_stmt(p, t, 1));
        else if (KIND(p) == TOK_FOR)
            pp_push(p, for_stmt(p, t, 1));
        else
            pp_error_at(p, TOK(p), "invalid syntax");
        return;
    case TOK_AT: {
        NodeList decos = decorators(p);
        const Token *s = TOK(p);
        if (pp_accept(p, TOK_ASYNC)) {
            pp_push(p, function_def(p, decos, s, 1));
        } else if (KIND(p) == TOK_DEF) {
            pp_push(p, function_def(p, decos, s, 0));
        } else if (KIND(p) == TOK_CLASS) {
            pp_push(p, class_def(p, decos, s));
        } else {
            pp_error_at(p, s, "invalid syntax");
        }
        return;
    }
    case TOK_NAME:
        if (at_match_stmt(p)) {
            pp_push(p, match_stmt(p));
            return;
        }
        break;
    case TOK_ERRORTOKEN:
        pp_error_at(p, t, "%s", MSG(p, t) ? MSG(p, t) : "invalid token");
    default:
        break;
    }
    simple_stmts(p);
}

ParseResult parse_module(Arena *a, const Source *src, Lexed *lx, FindingList *errs)
{
    Parser p = {0};
    p.a = a;
    p.src = src;
    p.L = lex_open(a, src);
    pp_seek(&p, 0);
    p.errs = errs;
    jmp_buf top;
    p.recover = &top;
    Node *mod = ast_new(a, NODE_Module);
    if (!setjmp(top)) {
        mod->v.Module.body = statements(&p, TOK_ENDMARKER);
    }
    ParseResult r = {mod, p.nerrors, p.error_line};
    lex_close(p.L, lx);
    free(p.stk);
    free(p.names);
    free(p.sbuf);
    return r;
}
