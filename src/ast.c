/*
 * ast.c - node allocation, kind and enum names, and the generic child walk,
 * all generated from ast.def.
 */
#include "ast.h"

#include <stddef.h>

static const char *const kind_names[] = {
#define AST(K, C, FL) #K,
#include "ast.def"
#undef AST
};

static const unsigned char kind_cats[] = {
#define AST(K, C, FL) CAT_##C,
#include "ast.def"
#undef AST
};

static const char *const enum_names[] = {
#define AST_ENUMS
#define AST(K, C, FL)
#define ENUM(G, N) #N,
#include "ast.def"
#undef ENUM
#undef AST
#undef AST_ENUMS
};

/* Bytes a node of each kind needs: the header plus its own fields only,
 * so a Name takes a third of what the union's largest member would. */
static const unsigned short kind_sizes[] = {
#define AST(K, C, FL) (unsigned short)(offsetof(Node, v) + sizeof(struct AST_##K)),
#include "ast.def"
#undef AST
};

Node *ast_new(Arena *a, int kind)
{
    Node *n = arena_alloc_fast(a, kind_sizes[kind]);
    n->kind = (uint8_t)kind;
    return n;
}

const char *ast_kind_name(int kind) { return kind_names[kind]; }

int ast_category(int kind) { return kind_cats[kind]; }

const char *ast_enum_name(int value) { return enum_names[value]; }

typedef void (*ChildFn)(Node *, Node *, void *);

static void visit_list(Node *n, NodeList *l, ChildFn fn, void *arg)
{
    for (int i = 0; i < l->n; i++)
        if (l->items[i])
            fn(n, l->items[i], arg);
}

/* Per field kind: what the child walk does with a field. */
#define W_NODE(x) if (x) fn(n, x, arg);
#define W_OPT(x) W_NODE(x)
#define W_OPTS(x) W_NODE(x)
#define W_LIST(x) visit_list(n, &(x), fn, arg);
#define W_OLIST(x) W_LIST(x)
#define W_ID(x)
#define W_OPTID(x)
#define W_NOID(x)
#define W_UKIND(x)
#define W_IDLIST(x)
#define W_INT(x)
#define W_CTX(x)
#define W_BOOLOP(x)
#define W_OP(x)
#define W_UNARYOP(x)
#define W_CMPS(x)
#define W_CONST(x)
#define W_SINGLETON(x)
#define W_NONE(x)

void ast_children(Node *n, ChildFn fn, void *arg)
{
    switch (n->kind) {
#define F(T, name) W_##T(f->name)
#define AST(K, C, FL)                                                          \
    case NODE_##K: {                                                           \
        struct AST_##K *f = &n->v.K;                                           \
        (void)f;                                                               \
        FL break;                                                              \
    }
#include "ast.def"
#undef AST
#undef F
    }
}

int ast_single_assign(const Node *st, const Node **target, const Node **value)
{
    if (st->kind == NODE_Assign && st->v.Assign.targets.n == 1) {
        *target = st->v.Assign.targets.items[0];
        *value = st->v.Assign.value;
        return 1;
    }
    if (st->kind == NODE_AnnAssign && st->v.AnnAssign.value) {
        *target = st->v.AnnAssign.target;
        *value = st->v.AnnAssign.value;
        return 1;
    }
    return 0;
}

const Node *ast_param(const Node *def, int i)
{
    const Node *a = def->kind == NODE_Lambda ? def->v.Lambda.args : def->v.FunctionDef.args;
    const NodeList *ls[3] = {&a->v.arguments.posonlyargs, &a->v.arguments.args,
                             &a->v.arguments.kwonlyargs};
    for (int l = 0; l < 3 && i >= 0; l++) {
        if (i < ls[l]->n)
            return ls[l]->items[i];
        i -= ls[l]->n;
    }
    return NULL;
}

int ast_name_in(const char *s, const char *const *list)
{
    for (; s && *list; list++)
        if (**list == *s && !strcmp(s, *list)) /* most differ at once: no call */
            return 1;
    return 0;
}

const Node *ast_param_default(const Node *def, int i)
{
    const Node *a = def->v.FunctionDef.args;
    int npos = a->v.arguments.posonlyargs.n + a->v.arguments.args.n;
    const NodeList *defs = &a->v.arguments.defaults;
    if (i < npos)
        return i >= npos - defs->n ? defs->items[i - (npos - defs->n)] : NULL;
    i -= npos;
    return i < a->v.arguments.kw_defaults.n ? a->v.arguments.kw_defaults.items[i] : NULL;
}

int ast_arg_param(const Node *def, int shift, const Node *call, int j)
{
    int npos = call->v.Call.args.n;
    if (j < npos) {
        for (int i = 0; i <= j; i++)
            if (call->v.Call.args.items[i]->kind == NODE_Starred)
                return -1;
        if (!def || (def->kind != NODE_FunctionDef && def->kind != NODE_AsyncFunctionDef))
            return j + shift;
        const struct AST_arguments *a = &def->v.FunctionDef.args->v.arguments;
        if (j + shift < a->posonlyargs.n + a->args.n)
            return j + shift;
        /* past the positional parameters: *args takes the rest (numbered
           after the keyword-only ones, as value.c's param_at counts) */
        return a->vararg ? a->posonlyargs.n + a->args.n + a->kwonlyargs.n : -1;
    }
    const char *kw = call->v.Call.keywords.items[j - npos]->v.keyword.arg;
    if (!kw || !def || (def->kind != NODE_FunctionDef && def->kind != NODE_AsyncFunctionDef))
        return -1;
    const Node *a = def->v.FunctionDef.args;
    const NodeList *ls[2] = {&a->v.arguments.posonlyargs, &a->v.arguments.args};
    for (int l = 0, k = 0; l < 2; l++)
        for (int i = 0; i < ls[l]->n; i++, k++)
            if (!strcmp(ls[l]->items[i]->v.arg.arg, kw))
                return l ? k : -1; /* a positional-only one takes no keyword */
    return -1;
}

const Node *ast_call_arg(const Node *call, int j)
{
    int npos = call->v.Call.args.n;
    if (j < npos)
        return call->v.Call.args.items[j];
    j -= npos;
    return j < call->v.Call.keywords.n ? call->v.Call.keywords.items[j]->v.keyword.value : NULL;
}

const Node *ast_keyword(const Node *call, const char *name)
{
    for (int i = 0; i < call->v.Call.keywords.n; i++) {
        const Node *k = call->v.Call.keywords.items[i];
        if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, name))
            return k->v.keyword.value;
    }
    return NULL;
}

int ast_encloses(const Node *outer, const Node *n)
{
    if (n->lineno < outer->lineno || n->lineno > ast_end_lineno(outer))
        return 0;
    if (n->lineno == outer->lineno && n->col_offset < outer->col_offset)
        return 0;
    return n->lineno != ast_end_lineno(outer) || n->col_offset < outer->end_col_offset;
}

const Node *ast_unawait(const Node *e)
{
    return e && e->kind == NODE_Await ? e->v.Await.value : e;
}

const Node *ast_method_named(const Node *cls, const char *name)
{
    for (int k = 0; k < cls->v.ClassDef.body.n; k++) {
        const Node *st = cls->v.ClassDef.body.items[k];
        if ((st->kind == NODE_FunctionDef || st->kind == NODE_AsyncFunctionDef) &&
            !strcmp(st->v.FunctionDef.name, name))
            return st;
    }
    return NULL;
}

int ast_is_true(const Node *e)
{
    return e && e->kind == NODE_Constant && e->v.Constant.value.kind == CONST_TRUE;
}

int ast_same_ref(const Node *a, const Node *b)
{
    for (;;) { /* iterative: a chain is as long as the source makes it */
        if (a->kind == NODE_Name && b->kind == NODE_Name)
            return !strcmp(a->v.Name.id, b->v.Name.id);
        if (a->kind != NODE_Attribute || b->kind != NODE_Attribute ||
            strcmp(a->v.Attribute.attr, b->v.Attribute.attr))
            return 0;
        a = a->v.Attribute.value;
        b = b->v.Attribute.value;
    }
}

int ast_decorated(const Node *f, const char *name)
{
    const NodeList *ds = f->kind == NODE_ClassDef ? &f->v.ClassDef.decorator_list
                                                  : &f->v.FunctionDef.decorator_list;
    for (int i = 0; i < ds->n; i++) {
        const Node *d = ds->items[i]->kind == NODE_Call ? ds->items[i]->v.Call.func : ds->items[i];
        const char *id = d->kind == NODE_Name        ? d->v.Name.id
                         : d->kind == NODE_Attribute ? d->v.Attribute.attr : NULL;
        if (id && !strcmp(id, name))
            return 1;
    }
    return 0;
}
