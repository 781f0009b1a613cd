/*
 * parse_pat.c - the patterns of `case` clauses (PEP 634): literal, capture,
 * wildcard, value, group, sequence, mapping and class patterns, with `|`
 * and `as`.  Values inside patterns (numbers, strings, dotted names) are
 * ordinary expression nodes, as in CPython's tree.
 */
#include <string.h>

#include "parse_impl.h"

static Node *pattern(Parser *p);

static Node *pat_node(Parser *p, int kind, const Token *start)
{
    Node *n = ast_new(p->a, kind);
    pp_set_start(p, n, start);
    pp_end_prev(p, n);
    return n;
}

static int is_wildcard(Parser *p, const Token *t)
{
    return t->kind == TOK_NAME && t->len == 1 && p->src->text[t->off] == '_';
}

/* signed_number ['+'|'-' imaginary]: 1, -1, 1+2j, -1-2j */
static Node *number_value(Parser *p)
{
    const Token *start = TOK(p);
    Node *v;
    if (pp_accept(p, TOK_MINUS)) {
        const Token *t = pp_expect(p, TOK_NUMBER, "a number");
        v = pp_node(p, NODE_UnaryOp, start, t);
        v->v.UnaryOp.op = UNARYOP_USub;
        v->v.UnaryOp.operand = ps_number(p, t);
    } else {
        v = ps_number(p, pp_expect(p, TOK_NUMBER, "a number"));
    }
    if (KIND(p) == TOK_PLUS || KIND(p) == TOK_MINUS) {
        int op = pp_next(p)->kind == TOK_PLUS ? OP_Add : OP_Sub;
        const Token *t = pp_expect(p, TOK_NUMBER, "an imaginary number");
        Node *right = ps_number(p, t);
        if (right->v.Constant.value.kind != CONST_COMPLEX)
            pp_error_node(p, right, "imaginary number required in complex literal");
        Node *b = pp_node(p, NODE_BinOp, start, t);
        b->v.BinOp.left = v;
        b->v.BinOp.op = (uint8_t)op;
        b->v.BinOp.right = right;
        v = b;
    }
    return v;
}

/* NAME ('.' NAME)*: a Name or an Attribute chain, all Load */
static Node *dotted_value(Parser *p)
{
    const Token *start = TOK(p);
    Node *v = pe_atom_name(p);
    while (KIND(p) == TOK_DOT) {
        pp_next(p);
        Node *a = ast_new(p->a, NODE_Attribute);
        a->v.Attribute.value = v;
        a->v.Attribute.attr = pp_name(p, pp_expect(p, TOK_NAME, "a name"));
        ast_set_ctx(a, CTX_Load);
        pp_set_start(p, a, start);
        pp_end_prev(p, a);
        v = a;
    }
    return v;
}

/* A literal or value usable as a mapping key or MatchValue. */
static Node *key_value(Parser *p)
{
    switch (KIND(p)) {
    case TOK_NUMBER: case TOK_MINUS: return number_value(p);
    case TOK_STRING: case TOK_FSTRING_START: case TOK_TSTRING_START: {
        Node *s = ps_strings(p);
        if (s->kind != NODE_Constant)
            pp_error_node(p, s, "patterns may only match literals and attribute lookups");
        return s;
    }
    case TOK_NONE: case TOK_TRUE: case TOK_FALSE: {
        const Token *t = pp_next(p);
        Node *c = pp_node(p, NODE_Constant, t, t);
        c->v.Constant.value.kind = t->kind == TOK_NONE ? CONST_NONE
                                   : t->kind == TOK_TRUE ? CONST_TRUE : CONST_FALSE;
        return c;
    }
    case TOK_NAME: return dotted_value(p);
    default: pp_error_at(p, TOK(p), "invalid syntax");
    }
}

/* maybe_star_pattern -> '*' NAME | pattern */
static Node *star_or_pattern(Parser *p)
{
    if (KIND(p) != TOK_STAR)
        return pattern(p);
    const Token *start = pp_next(p);
    const Token *t = pp_expect(p, TOK_NAME, "a name");
    Node *n = pat_node(p, NODE_MatchStar, start);
    if (!is_wildcard(p, t))
        n->v.MatchStar.name = pp_name(p, t);
    return n;
}

/* Patterns separated by commas up to close; pushed on the scratch stack. */
static void pattern_items(Parser *p, int close)
{
    while (KIND(p) != close) {
        pp_push(p, star_or_pattern(p));
        if (!pp_accept(p, TOK_COMMA))
            break;
    }
    pp_expect(p, close, close == TOK_RPAR ? "')'" : "']'");
}

/* class_pattern -> name_or_attr '(' [positional, keyword patterns] ')' */
static Node *class_pattern(Parser *p, Node *cls, const Token *start)
{
    pp_next(p); /* '(' */
    int mark = p->nstk;
    int kmark = -1;
    while (KIND(p) != TOK_RPAR) {
        if (KIND(p) == TOK_NAME && PEEK(p, 1) == TOK_EQUAL) {
            if (kmark < 0)
                kmark = p->nstk;
            pp_push(p, (void *)pp_name(p, pp_next(p)));
            pp_next(p);
            pp_push(p, pattern(p));
        } else {
            Node *pat = pattern(p);
            if (kmark >= 0)
                pp_error_node(p, pat, "positional patterns follow keyword patterns");
            pp_push(p, pat);
        }
        if (!pp_accept(p, TOK_COMMA))
            break;
    }
    pp_expect(p, TOK_RPAR, "')'");
    Node *n = pat_node(p, NODE_MatchClass, start);
    n->v.MatchClass.cls = cls;
    if (kmark >= 0) {
        NodeList attrs;
        pp_pairs(p, kmark, &attrs, &n->v.MatchClass.kwd_patterns);
        n->v.MatchClass.kwd_attrs = (IdList){(const char **)attrs.items, attrs.n};
    }
    n->v.MatchClass.patterns = pp_list(p, mark);
    return n;
}

/* mapping_pattern -> '{' [key ':' pattern, ...] ['**' NAME] '}' */
static Node *mapping_pattern(Parser *p, const Token *start)
{
    int mark = p->nstk;
    const char *rest = NULL;
    while (KIND(p) != TOK_RBRACE) {
        if (pp_accept(p, TOK_DOUBLESTAR)) {
            const Token *t = pp_expect(p, TOK_NAME, "a name");
            if (is_wildcard(p, t)) /* a capture target, never the wildcard */
                pp_error_at(p, t, "invalid syntax");
            rest = pp_name(p, t);
            pp_accept(p, TOK_COMMA);
            break;
        }
        pp_push(p, key_value(p));
        pp_expect(p, TOK_COLON, "':'");
        pp_push(p, pattern(p));
        if (!pp_accept(p, TOK_COMMA))
            break;
    }
    pp_expect(p, TOK_RBRACE, "'}'");
    Node *n = pat_node(p, NODE_MatchMapping, start);
    pp_pairs(p, mark, &n->v.MatchMapping.keys, &n->v.MatchMapping.patterns);
    n->v.MatchMapping.rest = rest;
    return n;
}

/* '(' ... ')': group or tuple-like sequence */
static Node *paren_pattern(Parser *p, const Token *start)
{
    if (pp_accept(p, TOK_RPAR))
        return pat_node(p, NODE_MatchSequence, start);
    Node *first = star_or_pattern(p);
    int closed = pp_accept(p, TOK_RPAR);
    if (closed && first->kind != NODE_MatchStar)
        return first; /* a group: the pattern itself */
    int mark = p->nstk;
    pp_push(p, first);
    if (!closed) {
        pp_expect(p, TOK_COMMA, "',' or ')'");
        pattern_items(p, TOK_RPAR);
    }
    Node *n = pat_node(p, NODE_MatchSequence, start);
    n->v.MatchSequence.patterns = pp_list(p, mark);
    return n;
}

/* closed_pattern -> literal | capture | wildcard | value | group | sequence | mapping | class */
static Node *closed_pattern(Parser *p)
{
    const Token *t = TOK(p);
    Node *n;
    pp_enter(p);
    switch (t->kind) {
    case TOK_NONE: case TOK_TRUE: case TOK_FALSE:
        pp_next(p);
        n = pat_node(p, NODE_MatchSingleton, t);
        n->v.MatchSingleton.value.kind = t->kind == TOK_NONE ? CONST_NONE
                                         : t->kind == TOK_TRUE ? CONST_TRUE : CONST_FALSE;
        break;
    case TOK_LPAR:
        pp_next(p);
        n = paren_pattern(p, t);
        break;
    case TOK_LSQB: {
        pp_next(p);
        int mark = p->nstk;
        pattern_items(p, TOK_RSQB);
        n = pat_node(p, NODE_MatchSequence, t);
        n->v.MatchSequence.patterns = pp_list(p, mark);
        break;
    }
    case TOK_LBRACE:
        pp_next(p);
        n = mapping_pattern(p, t);
        break;
    case TOK_NAME:
        if (PEEK(p, 1) != TOK_DOT && PEEK(p, 1) != TOK_LPAR) {
            pp_next(p);
            n = pat_node(p, NODE_MatchAs, t);
            if (!is_wildcard(p, t))
                n->v.MatchAs.name = pp_name(p, t);
            break;
        }
        n = dotted_value(p);
        if (KIND(p) == TOK_LPAR) {
            n = class_pattern(p, n, t);
        } else {
            Node *v = n;
            n = pat_node(p, NODE_MatchValue, t);
            n->v.MatchValue.value = v;
        }
        break;
    default: {
        Node *v = key_value(p);
        n = pat_node(p, NODE_MatchValue, t);
        n->v.MatchValue.value = v;
        break;
    }
    }
    pp_leave(p);
    return n;
}

/* pattern -> or_pattern ['as' NAME] ; or_pattern -> '|'.closed_pattern+ */
static Node *pattern(Parser *p)
{
    const Token *start = TOK(p);
    Node *first = closed_pattern(p);
    if (KIND(p) == TOK_VBAR) {
        int mark = p->nstk;
        pp_push(p, first);
        while (pp_accept(p, TOK_VBAR))
            pp_push(p, closed_pattern(p));
        first = pat_node(p, NODE_MatchOr, start);
        first->v.MatchOr.patterns = pp_list(p, mark);
    }
    if (!pp_accept(p, TOK_AS))
        return first;
    const Token *t = pp_expect(p, TOK_NAME, "a name");
    if (is_wildcard(p, t))
        pp_error_at(p, t, "cannot use '_' as a target");
    Node *n = pat_node(p, NODE_MatchAs, start);
    n->v.MatchAs.pattern = first;
    n->v.MatchAs.name = pp_name(p, t);
    return n;
}

/* patterns -> open_sequence_pattern | pattern */
Node *pm_patterns(Parser *p)
{
    const Token *start = TOK(p);
    Node *first = star_or_pattern(p);
    if (KIND(p) != TOK_COMMA) {
        if (first->kind == NODE_MatchStar)
            pp_error_node(p, first, "invalid syntax");
        return first;
    }
    int mark = p->nstk;
    pp_push(p, first);
    while (pp_accept(p, TOK_COMMA) && KIND(p) != TOK_COLON && KIND(p) != TOK_IF)
        pp_push(p, star_or_pattern(p));
    Node *n = pat_node(p, NODE_MatchSequence, start);
    n->v.MatchSequence.patterns = pp_list(p, mark);
    return n;
}
