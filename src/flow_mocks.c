/*
 * flow_mocks.c - what a test patches, for the typestate dataflow
 * (flow_impl.h).  Under mock.patch, patch.object, monkeypatch.setattr or
 * mocker.patch of what makes a kind of resource (a library call that
 * acquires, a project function that returns a fresh one, a project
 * sessionmaker), what that maker returns is a mock, not a resource to
 * release: the path's `patched` bits say which kinds, from the patch on
 * (a statement), inside its with block, or in the whole decorated test.
 */
#include "flow_impl.h"

#include <string.h>

#include "model.h"

/* The resource kinds (bits) whose makers a patch of target q replaces: a
 * library call that acquires ("asyncpg.connect", also as
 * "app.db.asyncpg.connect"), a project function that returns a fresh
 * resource, a project sessionmaker.  0 when q makes none we know. */
static uint32_t patched_kinds(Ctx *c, const char *q)
{
    int k = model_acquirer_kind(q);
    FlowDef d;
    if (k == RES_NONE && q && c->env->resolve && c->env->resolve(c->env->resolve_arg, q, &d) &&
        d.binding) {
        if (d.summary)
            k = d.summary->returns_kind;
        else if (d.binding->value) {
            Val v = fl_value_at(c, d.scopes, scope_module(d.scopes), d.binding->value);
            if (v.tag == VAL_FACTORY && v.kind == FAC_SESSIONMAKER)
                k = RES_SESSION;
        }
    }
    return k != RES_NONE && k < 32 ? 1u << k : 0;
}

/* The name a patch call replaces: patch("a.b.c"), patch.object(mod, "c"),
 * monkeypatch.setattr("a.b.c", v) or monkeypatch.setattr(mod, "c", v),
 * mocker.patch(...); NULL when call is no patch. */
static const char *patch_target(Ctx *c, const Node *call)
{
    const Node *f = call->v.Call.func;
    const char *q = fl_qualname(c, c->env->scopes, c->scope, f);
    const char *m = f->kind == NODE_Attribute ? f->v.Attribute.attr
                    : f->kind == NODE_Name    ? f->v.Name.id : "";
    const Node *recv = f->kind == NODE_Attribute ? f->v.Attribute.value : NULL;
    int object = !strcmp(m, "object") || !strcmp(m, "setattr");
    int is_patch = (q && strstr(q, "mock.patch")) ||
                   (recv && recv->kind == NODE_Name && (!strcmp(recv->v.Name.id, "monkeypatch") ||
                                                       !strcmp(recv->v.Name.id, "mocker")) &&
                    (!strcmp(m, "setattr") || !strcmp(m, "patch"))) ||
                   (recv && recv->kind == NODE_Attribute && !strcmp(m, "object") &&
                    !strcmp(recv->v.Attribute.attr, "patch"));
    if (!is_patch || call->v.Call.args.n < 1)
        return NULL;
    const Node *a0 = call->v.Call.args.items[0];
    if (a0->kind == NODE_Constant && a0->v.Constant.value.kind == CONST_STR)
        return a0->v.Constant.value.s;
    const Node *a1 = call->v.Call.args.n > 1 ? call->v.Call.args.items[1] : NULL;
    if (!object || !a1 || a1->kind != NODE_Constant || a1->v.Constant.value.kind != CONST_STR)
        return NULL;
    const char *base = fl_qualname(c, c->env->scopes, c->scope, a0);
    return base ? fmt(c, "%s.%s", base, a1->v.Constant.value.s) : NULL;
}

/* The kinds a patch call, as a with item, statement or decorator, mocks. */
uint32_t fm_patch_mask(Ctx *c, const Node *e)
{
    if (e && e->kind == NODE_Await)
        e = e->v.Await.value;
    if (!e || e->kind != NODE_Call)
        return 0;
    const char *t = patch_target(c, e);
    return t ? patched_kinds(c, t) : 0;
}

/* A test decorated with @patch(...) / @mock.patch.object(...): what they mock. */
uint32_t fm_decorator_patches(Ctx *c, const Node *func)
{
    uint32_t m = 0;
    if (func->kind != NODE_FunctionDef && func->kind != NODE_AsyncFunctionDef)
        return 0;
    for (int i = 0; i < func->v.FunctionDef.decorator_list.n; i++)
        m |= fm_patch_mask(c, func->v.FunctionDef.decorator_list.items[i]);
    return m;
}
