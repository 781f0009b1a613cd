/*
 * parse_expr.c - the expression grammar of python.gram: from lambda and the
 * conditional expression down through the operator precedence levels to
 * primaries and atoms, plus comprehensions, call arguments, parameter lists
 * and type parameters.
 *
 * Positions follow CPython's rule: a node spans from the first token of the
 * rule that built it to the last token that rule consumed.  So `(a).b`
 * starts at the parenthesis while its Name starts after it, and a group
 * `(x)` alone yields x with x's own span.
 */
#include <stdint.h>
#include <string.h>

#include "parse_impl.h"

static Node *atom(Parser *p);
static Node *primary(Parser *p);
static Node *comprehensions_into(Parser *p, Node *n, NodeList *gens);

static int starts_expression(int k)
{
    switch (k) {
    case TOK_NAME: case TOK_NUMBER: case TOK_STRING: case TOK_FSTRING_START:
    case TOK_TSTRING_START: case TOK_LPAR: case TOK_LSQB: case TOK_LBRACE:
    case TOK_MINUS: case TOK_PLUS: case TOK_TILDE: case TOK_NOT: case TOK_LAMBDA:
    case TOK_AWAIT: case TOK_NONE: case TOK_TRUE: case TOK_FALSE: case TOK_ELLIPSIS:
    case TOK_STAR:
        return 1;
    default:
        return 0;
    }
}

Node *pe_atom_name(Parser *p)
{
    const Token *t = pp_expect(p, TOK_NAME, "a name");
    Node *n = pp_node(p, NODE_Name, t, t);
    n->v.Name.id = pp_name(p, t);
    ast_set_ctx(n, CTX_Load);
    return n;
}

/* A Tuple of the items above mark, spanning start..last consumed token. */
static Node *tuple_from(Parser *p, int mark, const Token *start)
{
    Node *n = pp_node(p, NODE_Tuple, start, pp_prev(p));
    n->v.Tuple.elts = pp_list(p, mark);
    ast_set_ctx(n, CTX_Load);
    return n;
}

/* ------------------------------------------------------------ operators */

/*
 * Binary operator precedence, lowest first: | ^ & (<< >>) (+ -) (* / // % @).
 * 0: not a binary operator.  *op receives the AST operator.
 */
static int binary_level(int kind, int *op)
{
    switch (kind) {
    case TOK_VBAR: *op = OP_BitOr; return 1;
    case TOK_CIRCUMFLEX: *op = OP_BitXor; return 2;
    case TOK_AMPER: *op = OP_BitAnd; return 3;
    case TOK_LEFTSHIFT: *op = OP_LShift; return 4;
    case TOK_RIGHTSHIFT: *op = OP_RShift; return 4;
    case TOK_PLUS: *op = OP_Add; return 5;
    case TOK_MINUS: *op = OP_Sub; return 5;
    case TOK_STAR: *op = OP_Mult; return 6;
    case TOK_SLASH: *op = OP_Div; return 6;
    case TOK_DOUBLESLASH: *op = OP_FloorDiv; return 6;
    case TOK_PERCENT: *op = OP_Mod; return 6;
    case TOK_AT: *op = OP_MatMult; return 6;
    default: return 0;
    }
}

static Node *factor(Parser *p);

/* await_primary -> 'await' primary | primary */
static Node *await_primary(Parser *p)
{
    if (KIND(p) != TOK_AWAIT)
        return primary(p);
    const Token *t = pp_next(p);
    Node *v = primary(p);
    Node *n = pp_node(p, NODE_Await, t, pp_prev(p));
    n->v.Await.value = v;
    return n;
}

/* power -> await_primary '**' factor | await_primary */
static Node *power(Parser *p)
{
    const Token *start = TOK(p);
    Node *left = await_primary(p);
    if (!pp_accept(p, TOK_DOUBLESTAR))
        return left;
    Node *right = factor(p);
    Node *n = pp_node(p, NODE_BinOp, start, pp_prev(p));
    n->v.BinOp.left = left;
    n->v.BinOp.op = OP_Pow;
    n->v.BinOp.right = right;
    return n;
}

/* factor -> '+' factor | '-' factor | '~' factor | power */
static Node *factor(Parser *p)
{
    int op;
    switch (KIND(p)) {
    case TOK_PLUS: op = UNARYOP_UAdd; break;
    case TOK_MINUS: op = UNARYOP_USub; break;
    case TOK_TILDE: op = UNARYOP_Invert; break;
    default: return power(p);
    }
    const Token *t = pp_next(p);
    pp_enter(p);
    Node *operand = factor(p);
    pp_leave(p);
    Node *n = pp_node(p, NODE_UnaryOp, t, pp_prev(p));
    n->v.UnaryOp.op = (uint8_t)op;
    n->v.UnaryOp.operand = operand;
    return n;
}

/*
 * bitwise_or .. term: left-associative binary operators, by precedence
 * climbing (one call per operand instead of one per precedence level).
 * Every BinOp of a left-leaning chain starts at the chain's first token.
 */
static Node *binary(Parser *p, int minlevel)
{
    const Token *start = TOK(p);
    Node *left = factor(p);
    for (;;) {
        int op, level = binary_level(KIND(p), &op);
        if (level < minlevel || level == 0)
            return left;
        pp_next(p);
        Node *right = binary(p, level + 1);
        Node *n = pp_node(p, NODE_BinOp, start, pp_prev(p));
        n->v.BinOp.left = left;
        n->v.BinOp.op = (uint8_t)op;
        n->v.BinOp.right = right;
        left = n;
    }
}

Node *pe_bitwise_or(Parser *p) { return binary(p, 1); }

/* The comparison operator at the current token, consumed; -1 if none. */
static int compare_op(Parser *p)
{
    int op;
    switch (KIND(p)) {
    case TOK_EQEQUAL: op = CMP_Eq; break;
    case TOK_NOTEQUAL: op = CMP_NotEq; break;
    case TOK_LESS: op = CMP_Lt; break;
    case TOK_LESSEQUAL: op = CMP_LtE; break;
    case TOK_GREATER: op = CMP_Gt; break;
    case TOK_GREATEREQUAL: op = CMP_GtE; break;
    case TOK_IN: op = CMP_In; break;
    case TOK_NOT:
        if (PEEK(p, 1) != TOK_IN)
            return -1;
        pp_next(p);
        op = CMP_NotIn;
        break;
    case TOK_IS:
        if (PEEK(p, 1) == TOK_NOT) {
            pp_next(p);
            op = CMP_IsNot;
        } else {
            op = CMP_Is;
        }
        break;
    default:
        return -1;
    }
    pp_next(p);
    return op;
}

/* comparison -> bitwise_or compare_op_bitwise_or_pair+ | bitwise_or */
static Node *comparison(Parser *p)
{
    const Token *start = TOK(p);
    Node *left = pe_bitwise_or(p);
    int op = compare_op(p);
    if (op < 0)
        return left;
    /* (op, comparator) pairs on the scratch stack, split at the end */
    int mark = p->nstk;
    do {
        pp_push(p, (void *)(intptr_t)op);
        pp_push(p, pe_bitwise_or(p));
    } while ((op = compare_op(p)) >= 0);
    Node *n = pp_node(p, NODE_Compare, start, pp_prev(p));
    n->v.Compare.left = left;
    int count = (p->nstk - mark) / 2;
    CmpList ops = {arena_alloc(p->a, (size_t)count), count};
    NodeList cmps = {arena_alloc(p->a, (size_t)count * sizeof(Node *)), count};
    for (int i = 0; i < count; i++) {
        ops.items[i] = (uint8_t)(intptr_t)p->stk[mark + 2 * i];
        cmps.items[i] = p->stk[mark + 2 * i + 1];
    }
    p->nstk = mark;
    n->v.Compare.ops = ops;
    n->v.Compare.comparators = cmps;
    return n;
}

/* inversion -> 'not' inversion | comparison */
static Node *inversion(Parser *p)
{
    if (KIND(p) != TOK_NOT)
        return comparison(p);
    const Token *t = pp_next(p);
    pp_enter(p);
    Node *operand = inversion(p);
    pp_leave(p);
    Node *n = pp_node(p, NODE_UnaryOp, t, pp_prev(p));
    n->v.UnaryOp.op = UNARYOP_Not;
    n->v.UnaryOp.operand = operand;
    return n;
}

/* conjunction / disjunction -> operand ('and'|'or' operand)+ */
static Node *boolop(Parser *p, int tok)
{
    const Token *start = TOK(p);
    Node *first = tok == TOK_OR ? boolop(p, TOK_AND) : inversion(p);
    if (KIND(p) != tok)
        return first;
    int mark = p->nstk;
    pp_push(p, first);
    while (pp_accept(p, tok))
        pp_push(p, tok == TOK_OR ? boolop(p, TOK_AND) : inversion(p));
    Node *n = pp_node(p, NODE_BoolOp, start, pp_prev(p));
    n->v.BoolOp.op = tok == TOK_OR ? BOOLOP_Or : BOOLOP_And;
    n->v.BoolOp.values = pp_list(p, mark);
    return n;
}

Node *pe_disjunction(Parser *p) { return boolop(p, TOK_OR); }

/* lambdef -> 'lambda' [lambda_params] ':' expression */
static Node *lambdef(Parser *p)
{
    const Token *t = pp_next(p);
    Node *n = ast_new(p->a, NODE_Lambda);
    n->v.Lambda.args = pe_arguments(p, 1);
    pp_expect(p, TOK_COLON, "':'");
    n->v.Lambda.body = pe_expression(p);
    pp_set_start(p, n, t);
    pp_end_prev(p, n);
    return n;
}

/* expression -> disjunction 'if' disjunction 'else' expression | disjunction | lambdef */
Node *pe_expression(Parser *p)
{
    if (KIND(p) == TOK_LAMBDA) {
        pp_enter(p);
        Node *l = lambdef(p);
        pp_leave(p);
        return l;
    }
    const Token *start = TOK(p);
    Node *body = pe_disjunction(p);
    if (KIND(p) != TOK_IF)
        return body;
    pp_next(p);
    Node *test = pe_disjunction(p);
    pp_expect(p, TOK_ELSE, "'else'");
    pp_enter(p);
    Node *orelse = pe_expression(p);
    pp_leave(p);
    Node *n = pp_node(p, NODE_IfExp, start, pp_prev(p));
    n->v.IfExp.test = test;
    n->v.IfExp.body = body;
    n->v.IfExp.orelse = orelse;
    return n;
}

/* named_expression -> NAME ':=' expression | expression !':=' */
Node *pe_named_expression(Parser *p)
{
    if (KIND(p) == TOK_NAME && PEEK(p, 1) == TOK_COLONEQUAL) {
        const Token *t = TOK(p);
        Node *target = pe_atom_name(p);
        ast_set_ctx(target, CTX_Store);
        pp_next(p);
        Node *value = pe_expression(p);
        Node *n = pp_node(p, NODE_NamedExpr, t, pp_prev(p));
        n->v.NamedExpr.target = target;
        n->v.NamedExpr.value = value;
        return n;
    }
    Node *e = pe_expression(p);
    if (KIND(p) == TOK_COLONEQUAL)
        pp_error_node(p, e, "cannot use assignment expressions with %s", ast_kind_name(e->kind));
    return e;
}

/* '*' bitwise_or (displays, targets), or with full '*' expression (call
 * arguments and subscripts: starred_expression). */
static Node *starred_any(Parser *p, int full)
{
    const Token *t = pp_next(p);
    Node *v = full ? pe_expression(p) : pe_bitwise_or(p);
    Node *n = pp_node(p, NODE_Starred, t, pp_prev(p));
    n->v.Starred.value = v;
    ast_set_ctx(n, CTX_Load);
    return n;
}

static Node *starred(Parser *p) { return starred_any(p, 0); }

/* starred_expression -> '*' expression */
static Node *starred_expression(Parser *p) { return starred_any(p, 1); }

/* star_named_expression -> '*' bitwise_or | named_expression */
Node *pe_star_named_expression(Parser *p)
{
    return KIND(p) == TOK_STAR ? starred(p) : pe_named_expression(p);
}

/* star_expression -> '*' bitwise_or | expression */
static Node *star_expression(Parser *p)
{
    return KIND(p) == TOK_STAR ? starred(p) : pe_expression(p);
}

/* star_expressions -> star_expression (',' star_expression)* [','] */
Node *pe_star_expressions(Parser *p)
{
    const Token *start = TOK(p);
    Node *first = star_expression(p);
    if (KIND(p) != TOK_COMMA)
        return first;
    int mark = p->nstk;
    pp_push(p, first);
    while (pp_accept(p, TOK_COMMA) && starts_expression(KIND(p)))
        pp_push(p, star_expression(p));
    return tuple_from(p, mark, start);
}

/* expressions -> expression (',' expression)* [','] */
Node *pe_expressions(Parser *p)
{
    const Token *start = TOK(p);
    Node *first = pe_expression(p);
    if (KIND(p) != TOK_COMMA)
        return first;
    int mark = p->nstk;
    pp_push(p, first);
    while (pp_accept(p, TOK_COMMA) && starts_expression(KIND(p)) && KIND(p) != TOK_STAR)
        pp_push(p, pe_expression(p));
    return tuple_from(p, mark, start);
}

/* star_targets -> star_target (',' star_target)* [','], checked by set_context */
Node *pe_star_targets(Parser *p)
{
    const Token *start = TOK(p);
    Node *first = KIND(p) == TOK_STAR ? starred(p) : pe_bitwise_or(p);
    if (KIND(p) != TOK_COMMA)
        return first;
    int mark = p->nstk;
    pp_push(p, first);
    while (pp_accept(p, TOK_COMMA) && starts_expression(KIND(p)))
        pp_push(p, KIND(p) == TOK_STAR ? starred(p) : pe_bitwise_or(p));
    return tuple_from(p, mark, start);
}

/* star_target -> '*' star_target | target (one, no commas) */
Node *pe_star_target(Parser *p)
{
    return KIND(p) == TOK_STAR ? starred(p) : pe_bitwise_or(p);
}

/* yield_expr -> 'yield' 'from' expression | 'yield' [star_expressions] */
Node *pe_yield_expr(Parser *p)
{
    const Token *t = pp_next(p);
    if (pp_accept(p, TOK_FROM)) {
        Node *v = pe_expression(p);
        Node *n = pp_node(p, NODE_YieldFrom, t, pp_prev(p));
        n->v.YieldFrom.value = v;
        return n;
    }
    Node *n = pp_node(p, NODE_Yield, t, t);
    if (starts_expression(KIND(p))) {
        n->v.Yield.value = pe_star_expressions(p);
        pp_end_prev(p, n);
    }
    return n;
}

/* What an expression is called in "cannot assign to ..." messages. */
static const char *describe(const Node *e)
{
    switch (e->kind) {
    case NODE_Call: return "function call";
    case NODE_Constant:
        return e->v.Constant.value.kind == CONST_NONE ? "None"
               : e->v.Constant.value.kind == CONST_TRUE ? "True"
               : e->v.Constant.value.kind == CONST_FALSE ? "False"
               : e->v.Constant.value.kind == CONST_ELLIPSIS ? "ellipsis" : "literal";
    case NODE_Compare: return "comparison";
    case NODE_Lambda: return "lambda";
    case NODE_IfExp: return "conditional expression";
    case NODE_NamedExpr: return "named expression";
    case NODE_Await: return "await expression";
    case NODE_Yield: case NODE_YieldFrom: return "yield expression";
    case NODE_JoinedStr: return "f-string expression";
    case NODE_Dict: return "dict literal";
    case NODE_Set: return "set display";
    case NODE_ListComp: return "list comprehension";
    case NODE_SetComp: return "set comprehension";
    case NODE_DictComp: return "dict comprehension";
    case NODE_GeneratorExp: return "generator expression";
    case NODE_BoolOp: case NODE_BinOp: case NODE_UnaryOp: return "expression";
    default: return "expression";
    }
}

void pe_set_context(Parser *p, Node *e, int ctx)
{
    switch (e->kind) {
    case NODE_Name: ast_set_ctx(e, ctx); return;
    case NODE_Attribute: ast_set_ctx(e, ctx); return;
    case NODE_Subscript: ast_set_ctx(e, ctx); return;
    case NODE_Starred:
        if (ctx == CTX_Del)
            pp_error_node(p, e, "cannot delete starred");
        ast_set_ctx(e, ctx);
        pe_set_context(p, e->v.Starred.value, ctx);
        return;
    case NODE_Tuple:
    case NODE_List:
        ast_set_ctx(e, ctx); /* List shares Tuple's layout */
        for (int i = 0; i < e->v.Tuple.elts.n; i++)
            pe_set_context(p, e->v.Tuple.elts.items[i], ctx);
        return;
    default:
        pp_error_node(p, e, "cannot %s %s", ctx == CTX_Del ? "delete" : "assign to", describe(e));
    }
}

/* ------------------------------------------------------------- primaries */

/* slice -> [expression] ':' [expression] [':' [expression]] | named_expression */
static Node *slice(Parser *p)
{
    const Token *start = TOK(p);
    if (KIND(p) == TOK_STAR)
        return starred_expression(p);
    Node *lower = NULL;
    if (KIND(p) != TOK_COLON) {
        lower = pe_named_expression(p);
        if (KIND(p) != TOK_COLON)
            return lower;
    }
    Node *n = ast_new(p->a, NODE_Slice);
    pp_next(p); /* ':' */
    n->v.Slice.lower = lower;
    if (KIND(p) != TOK_COLON && KIND(p) != TOK_COMMA && KIND(p) != TOK_RSQB)
        n->v.Slice.upper = pe_expression(p);
    if (pp_accept(p, TOK_COLON) && KIND(p) != TOK_COMMA && KIND(p) != TOK_RSQB)
        n->v.Slice.step = pe_expression(p);
    pp_set_start(p, n, start);
    pp_end_prev(p, n);
    return n;
}

/* slices -> slice !',' | ','.(slice | starred_expression)+ [','] */
static Node *slices(Parser *p)
{
    const Token *start = TOK(p);
    Node *first = slice(p);
    if (KIND(p) != TOK_COMMA) {
        if (first->kind == NODE_Starred) { /* a[*b] is a[(*b,)] */
            int mark = p->nstk;
            pp_push(p, first);
            return tuple_from(p, mark, start);
        }
        return first;
    }
    int mark = p->nstk;
    pp_push(p, first);
    while (pp_accept(p, TOK_COMMA) && KIND(p) != TOK_RSQB)
        pp_push(p, slice(p));
    return tuple_from(p, mark, start);
}

/* kwarg -> NAME '=' expression ; '**' expression */
static Node *keyword_arg(Parser *p)
{
    const Token *t = TOK(p);
    Node *k = ast_new(p->a, NODE_keyword);
    if (pp_accept(p, TOK_DOUBLESTAR)) {
        k->v.keyword.value = pe_expression(p);
    } else {
        k->v.keyword.arg = pp_name(p, pp_next(p));
        pp_next(p); /* '=' */
        k->v.keyword.value = pe_expression(p);
    }
    pp_set_start(p, k, t);
    pp_end_prev(p, k);
    return k;
}

/* Moves the items above mark that are (or are not) keywords to a list. */
static NodeList split_keywords(Parser *p, int mark, int want_keywords)
{
    int top = p->nstk, m = top;
    for (int i = mark; i < top; i++)
        if ((((Node *)p->stk[i])->kind == NODE_keyword) == want_keywords)
            pp_push(p, p->stk[i]);
    NodeList l = pp_list(p, m);
    return l;
}

/* args -> positional, starred, keyword and ** arguments ; then ')' */
void pe_call_args(Parser *p, Node *call)
{
    const Token *lpar = pp_prev(p);
    int mark = p->nstk, seen_kw = 0, seen_dstar = 0;
    while (KIND(p) != TOK_RPAR) {
        const Token *t = TOK(p);
        if (t->kind == TOK_DOUBLESTAR || (t->kind == TOK_NAME && PEEK(p, 1) == TOK_EQUAL)) {
            seen_kw = 1;
            seen_dstar |= t->kind == TOK_DOUBLESTAR;
            pp_push(p, keyword_arg(p));
        } else {
            Node *a = KIND(p) == TOK_STAR ? starred_expression(p) : pe_named_expression(p);
            if (a->kind == NODE_Starred && seen_dstar)
                pp_error_node(p, a, "iterable argument unpacking follows keyword argument unpacking");
            if (a->kind != NODE_Starred && seen_kw)
                pp_error_node(p, a, seen_dstar ? "positional argument follows keyword argument unpacking"
                                               : "positional argument follows keyword argument");
            if (KIND(p) == TOK_FOR || (KIND(p) == TOK_ASYNC && PEEK(p, 1) == TOK_FOR)) {
                /* a generator expression as the sole argument: spans the parentheses */
                Node *g = ast_new(p->a, NODE_GeneratorExp);
                g->v.GeneratorExp.elt = a;
                comprehensions_into(p, g, &g->v.GeneratorExp.generators);
                pp_set_start(p, g, lpar);
                pp_set_end(p, g, TOK(p));
                if (p->nstk > mark || KIND(p) != TOK_RPAR)
                    pp_error_node(p, g, "Generator expression must be parenthesized");
                a = g;
            }
            pp_push(p, a);
        }
        if (!pp_accept(p, TOK_COMMA))
            break;
    }
    pp_expect(p, TOK_RPAR, "')'");
    NodeList args = split_keywords(p, mark, 0);
    NodeList kws = split_keywords(p, mark, 1);
    p->nstk = mark;
    call->v.Call.args = args;
    call->v.Call.keywords = kws;
    pp_end_prev(p, call);
}

/* primary -> primary '.' NAME | primary genexp | primary '(' args ')' | primary '[' slices ']' | atom */
static Node *primary(Parser *p)
{
    const Token *start = TOK(p);
    Node *e = atom(p);
    for (;;) {
        Node *n;
        switch (KIND(p)) {
        case TOK_DOT:
            pp_next(p);
            n = ast_new(p->a, NODE_Attribute);
            n->v.Attribute.value = e;
            n->v.Attribute.attr = pp_name(p, pp_expect(p, TOK_NAME, "an attribute name"));
            ast_set_ctx(n, CTX_Load);
            break;
        case TOK_LPAR:
            pp_next(p);
            pp_enter(p);
            n = ast_new(p->a, NODE_Call);
            n->v.Call.func = e;
            pe_call_args(p, n);
            pp_leave(p);
            break;
        case TOK_LSQB:
            pp_next(p);
            pp_enter(p);
            n = ast_new(p->a, NODE_Subscript);
            n->v.Subscript.value = e;
            n->v.Subscript.slice = slices(p);
            ast_set_ctx(n, CTX_Load);
            pp_expect(p, TOK_RSQB, "']'");
            pp_leave(p);
            break;
        default:
            return e;
        }
        pp_set_start(p, n, start);
        pp_end_prev(p, n);
        e = n;
    }
}

/* ---------------------------------------------------------- comprehensions */

/* for_if_clauses -> (['async'] 'for' star_targets 'in' disjunction ('if' disjunction)*)+ */
static Node *comprehensions_into(Parser *p, Node *n, NodeList *gens)
{
    int mark = p->nstk;
    for (;;) {
        int is_async = 0;
        if (KIND(p) == TOK_ASYNC && PEEK(p, 1) == TOK_FOR) {
            pp_next(p);
            is_async = 1;
        }
        if (!pp_accept(p, TOK_FOR))
            break;
        Node *c = ast_new(p->a, NODE_comprehension);
        c->v.comprehension.target = pe_star_targets(p);
        pe_set_context(p, c->v.comprehension.target, CTX_Store);
        pp_expect(p, TOK_IN, "'in'");
        c->v.comprehension.iter = pe_disjunction(p);
        c->v.comprehension.is_async = is_async;
        int imark = p->nstk;
        while (pp_accept(p, TOK_IF))
            pp_push(p, pe_disjunction(p));
        c->v.comprehension.ifs = pp_list(p, imark);
        pp_push(p, c);
    }
    *gens = pp_list(p, mark);
    return n;
}

/* A comprehension of kind over elt, whose opening bracket is open. */
static Node *comprehension(Parser *p, int kind, Node *elt, const Token *open, int close)
{
    Node *n = ast_new(p->a, kind);
    n->v.ListComp.elt = elt; /* ListComp, SetComp, GeneratorExp share a layout */
    comprehensions_into(p, n, &n->v.ListComp.generators);
    pp_expect(p, close, close == TOK_RPAR ? "')'" : close == TOK_RSQB ? "']'" : "'}'");
    pp_set_start(p, n, open);
    pp_end_prev(p, n);
    return n;
}

static int at_for(Parser *p)
{
    return KIND(p) == TOK_FOR || (KIND(p) == TOK_ASYNC && PEEK(p, 1) == TOK_FOR);
}

/* Elements of a list, set or tuple display after the first, up to close. */
static void display_rest(Parser *p, int close)
{
    while (pp_accept(p, TOK_COMMA) && KIND(p) != close)
        pp_push(p, pe_star_named_expression(p));
}

/* '(' ... ')': tuple, group, generator expression or parenthesized yield */
static Node *paren(Parser *p)
{
    const Token *open = pp_next(p);
    if (KIND(p) == TOK_RPAR) {
        pp_next(p);
        Node *n = pp_node(p, NODE_Tuple, open, pp_prev(p));
        ast_set_ctx(n, CTX_Load);
        return n;
    }
    if (KIND(p) == TOK_YIELD) {
        Node *y = pe_yield_expr(p);
        pp_expect(p, TOK_RPAR, "')'");
        return y;
    }
    Node *first = pe_star_named_expression(p);
    if (at_for(p))
        return comprehension(p, NODE_GeneratorExp, first, open, TOK_RPAR);
    if (KIND(p) == TOK_RPAR) {
        pp_next(p);
        if (first->kind == NODE_Starred)
            pp_error_node(p, first, "cannot use starred expression here");
        return first;
    }
    if (KIND(p) != TOK_COMMA)
        pp_error_at(p, TOK(p), "invalid syntax");
    int mark = p->nstk;
    pp_push(p, first);
    display_rest(p, TOK_RPAR);
    pp_expect(p, TOK_RPAR, "')'");
    return tuple_from(p, mark, open);
}

/* '[' ... ']': list display or list comprehension */
static Node *list(Parser *p)
{
    const Token *open = pp_next(p);
    int mark = p->nstk;
    if (KIND(p) != TOK_RSQB) {
        Node *first = pe_star_named_expression(p);
        if (at_for(p))
            return comprehension(p, NODE_ListComp, first, open, TOK_RSQB);
        pp_push(p, first);
        display_rest(p, TOK_RSQB);
    }
    pp_expect(p, TOK_RSQB, "']'");
    Node *n = pp_node(p, NODE_List, open, pp_prev(p));
    n->v.List.elts = pp_list(p, mark);
    ast_set_ctx(n, CTX_Load);
    return n;
}

/* The rest of a dict display whose first key/value (or **) is pushed. */
static Node *dict_rest(Parser *p, const Token *open, int mark)
{
    while (pp_accept(p, TOK_COMMA) && KIND(p) != TOK_RBRACE) {
        if (pp_accept(p, TOK_DOUBLESTAR)) {
            pp_push(p, NULL);
            pp_push(p, pe_bitwise_or(p));
        } else {
            pp_push(p, pe_expression(p));
            pp_expect(p, TOK_COLON, "':'");
            pp_push(p, pe_expression(p));
        }
    }
    pp_expect(p, TOK_RBRACE, "'}'");
    Node *n = pp_node(p, NODE_Dict, open, pp_prev(p));
    pp_pairs(p, mark, &n->v.Dict.keys, &n->v.Dict.values);
    return n;
}

/* '{' ... '}': dict, set, or their comprehensions */
static Node *brace(Parser *p)
{
    const Token *open = pp_next(p);
    int mark = p->nstk;
    if (KIND(p) == TOK_RBRACE)
        return dict_rest(p, open, mark);
    if (pp_accept(p, TOK_DOUBLESTAR)) {
        pp_push(p, NULL);
        pp_push(p, pe_bitwise_or(p));
        return dict_rest(p, open, mark);
    }
    Node *first = pe_star_named_expression(p);
    if (pp_accept(p, TOK_COLON)) {
        Node *value = pe_expression(p);
        if (at_for(p)) {
            Node *n = ast_new(p->a, NODE_DictComp);
            n->v.DictComp.key = first;
            n->v.DictComp.value = value;
            comprehensions_into(p, n, &n->v.DictComp.generators);
            pp_expect(p, TOK_RBRACE, "'}'");
            pp_set_start(p, n, open);
            pp_end_prev(p, n);
            return n;
        }
        pp_push(p, first);
        pp_push(p, value);
        return dict_rest(p, open, mark);
    }
    if (at_for(p))
        return comprehension(p, NODE_SetComp, first, open, TOK_RBRACE);
    pp_push(p, first);
    display_rest(p, TOK_RBRACE);
    pp_expect(p, TOK_RBRACE, "'}'");
    Node *n = pp_node(p, NODE_Set, open, pp_prev(p));
    n->v.Set.elts = pp_list(p, mark);
    return n;
}

static Node *singleton(Parser *p, int ck)
{
    const Token *t = pp_next(p);
    Node *n = pp_node(p, NODE_Constant, t, t);
    n->v.Constant.value.kind = (uint8_t)ck;
    return n;
}

/* atom -> NAME | True | False | None | strings | NUMBER | tuple | group | genexp
 *       | list | listcomp | dict | set | dictcomp | setcomp | '...' */
static Node *atom(Parser *p)
{
    const Token *t = TOK(p);
    Node *n;
    switch (t->kind) {
    case TOK_NAME: return pe_atom_name(p);
    case TOK_NUMBER: pp_next(p); return ps_number(p, t);
    case TOK_STRING: case TOK_FSTRING_START: case TOK_TSTRING_START: return ps_strings(p);
    case TOK_TRUE: return singleton(p, CONST_TRUE);
    case TOK_FALSE: return singleton(p, CONST_FALSE);
    case TOK_NONE: return singleton(p, CONST_NONE);
    case TOK_ELLIPSIS: return singleton(p, CONST_ELLIPSIS);
    case TOK_LPAR: pp_enter(p); n = paren(p); pp_leave(p); return n;
    case TOK_LSQB: pp_enter(p); n = list(p); pp_leave(p); return n;
    case TOK_LBRACE: pp_enter(p); n = brace(p); pp_leave(p); return n;
    case TOK_ERRORTOKEN: pp_error_at(p, t, "%s", MSG(p, t) ? MSG(p, t) : "invalid token");
    case TOK_ENDMARKER: pp_error_at(p, t, "unexpected end of file");
    case TOK_NEWLINE: case TOK_INDENT: case TOK_DEDENT:
        pp_error_at(p, t, "invalid syntax");
    default:
        pp_error_at(p, t, "invalid syntax");
    }
}

/* ------------------------------------------------------------ parameters */

/* param -> NAME [':' annotation] ; lambda parameters take no annotation */
static Node *param(Parser *p, int lambda, int star)
{
    const Token *t = pp_expect(p, TOK_NAME, "a parameter name");
    Node *a = pp_node(p, NODE_arg, t, t);
    a->v.arg.arg = pp_name(p, t);
    if (!lambda && pp_accept(p, TOK_COLON)) {
        a->v.arg.annotation = star && KIND(p) == TOK_STAR ? starred(p) : pe_expression(p);
        pp_end_prev(p, a);
    }
    return a;
}

/* The args (or defaults) of the (arg, default) pairs stk[from..to). */
static NodeList pairs(Parser *p, int from, int to, int which, int skip_null)
{
    int m = p->nstk;
    for (int i = from; i < to; i += 2)
        if (!skip_null || p->stk[i + which])
            pp_push(p, p->stk[i + which]);
    return pp_list(p, m);
}

/*
 * parameters -> slash_no_default / slash_with_default / param_no_default*
 *   param_with_default* [star_etc] ; the closing token (')' or ':') stays.
 * Every named parameter goes on the scratch stack as an (arg, default) pair;
 * the lists are cut from the pairs at the end.
 */
Node *pe_arguments(Parser *p, int lambda)
{
    int close = lambda ? TOK_COLON : TOK_RPAR;
    Node *args = ast_new(p->a, NODE_arguments);
    int mark = p->nstk, slash = mark, star = -1, saw_default = 0;
    while (KIND(p) != close) {
        const Token *t = TOK(p);
        if (t->kind == TOK_SLASH) {
            if (star >= 0)
                pp_error_at(p, t, "/ must be ahead of *");
            if (slash > mark || p->nstk == mark)
                pp_error_at(p, t, "at least one argument must precede /");
            pp_next(p);
            slash = p->nstk;
        } else if (t->kind == TOK_STAR && star < 0) {
            pp_next(p);
            star = p->nstk;
            if (KIND(p) == TOK_NAME)
                args->v.arguments.vararg = param(p, lambda, 1);
            else if (KIND(p) != TOK_COMMA)
                pp_error_at(p, TOK(p), "named arguments must follow bare *");
        } else if (t->kind == TOK_DOUBLESTAR) {
            pp_next(p);
            args->v.arguments.kwarg = param(p, lambda, 0);
            pp_accept(p, TOK_COMMA);
            break;
        } else {
            Node *a = param(p, lambda, 0);
            Node *def = pp_accept(p, TOK_EQUAL) ? pe_expression(p) : NULL;
            if (star < 0 && !def && saw_default)
                pp_error_node(p, a, "non-default argument follows default argument");
            saw_default |= star < 0 && def;
            pp_push(p, a);
            pp_push(p, def);
        }
        if (KIND(p) != close && !pp_accept(p, TOK_COMMA))
            pp_error_at(p, TOK(p), "invalid syntax");
    }
    if (KIND(p) != close)
        pp_error_at(p, TOK(p), "invalid syntax");
    if (star >= 0 && !args->v.arguments.vararg && p->nstk == star)
        pp_error_at(p, TOK(p), "named arguments must follow bare *");
    int end = p->nstk, plain = star >= 0 ? star : end;
    args->v.arguments.posonlyargs = pairs(p, mark, slash, 0, 0);
    args->v.arguments.args = pairs(p, slash, plain, 0, 0);
    args->v.arguments.defaults = pairs(p, mark, plain, 1, 1);
    args->v.arguments.kwonlyargs = pairs(p, plain, end, 0, 0);
    args->v.arguments.kw_defaults = pairs(p, plain, end, 1, 0);
    p->nstk = mark;
    return args;
}

/* type_params -> '[' type_param (',' type_param)* [','] ']' (PEP 695, 696) */
NodeList pe_type_params(Parser *p)
{
    int mark = p->nstk;
    if (!pp_accept(p, TOK_LSQB))
        return pp_list(p, mark);
    do {
        if (KIND(p) == TOK_RSQB && p->nstk > mark)
            break;
        const Token *t = TOK(p);
        Node *tp;
        if (pp_accept(p, TOK_STAR)) {
            tp = ast_new(p->a, NODE_TypeVarTuple);
            tp->v.TypeVarTuple.name = pp_name(p, pp_expect(p, TOK_NAME, "a name"));
            if (pp_accept(p, TOK_EQUAL))
                tp->v.TypeVarTuple.default_value = star_expression(p);
        } else if (pp_accept(p, TOK_DOUBLESTAR)) {
            tp = ast_new(p->a, NODE_ParamSpec);
            tp->v.ParamSpec.name = pp_name(p, pp_expect(p, TOK_NAME, "a name"));
            if (pp_accept(p, TOK_EQUAL))
                tp->v.ParamSpec.default_value = pe_expression(p);
        } else {
            tp = ast_new(p->a, NODE_TypeVar);
            tp->v.TypeVar.name = pp_name(p, pp_expect(p, TOK_NAME, "a type parameter name"));
            if (pp_accept(p, TOK_COLON))
                tp->v.TypeVar.bound = pe_expression(p);
            if (pp_accept(p, TOK_EQUAL))
                tp->v.TypeVar.default_value = pe_expression(p);
        }
        pp_set_start(p, tp, t);
        pp_end_prev(p, tp);
        pp_push(p, tp);
    } while (pp_accept(p, TOK_COMMA));
    pp_expect(p, TOK_RSQB, "']'");
    return pp_list(p, mark);
}
