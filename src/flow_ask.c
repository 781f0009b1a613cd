/*
 * flow_ask.c - the questions one caller asks of the dataflow about one
 * receiver, answered along the same walk (flow.c's run with a FlowLock or a
 * FlowPark, flow.h): whether a session-level advisory lock is held where its
 * connection goes back to the pool (SL304), and whether a session stored
 * where it outlives the function is left in its transaction (SL207).  Each
 * keeps its state in Path.locked, so paths that differ in it are never
 * joined; a plain run leaves it 0 and pays nothing.
 *
 * And the wait questions of SL207 that a call's own arguments answer: how
 * long a blocking read waits (fq_read_wait), and whether a generator's body
 * runs where it is called because a loop drains it (fq_drained).
 */
#include <string.h>

#include "flow_impl.h"

#define ASK_MAX_DEPTH 32 /* nesting followed in one step's expression, or a helper's body */

/* Is test the answer of q's try-lock: the local it is bound to, or an
 * expression holding the take itself (`(await s.execute(...)).scalar()`,
 * `s.scalar(...)`, `await try_lock(s)`)? */
int fq_lock_answer(const FlowLock *q, const Node *test)
{
    if (!q->try_lock)
        return 0;
    if (test->kind == NODE_Name)
        return q->answer && !strcmp(test->v.Name.id, q->answer);
    return test->kind != NODE_Compare && ast_encloses(test, q->take);
}

/* Does step st store e where it outlives the function: a global, an
 * attribute, an item (`_leader = session`, `app.state.db = session`)? */
static int stores_away(Ctx *c, const CfgStep *st, const Node *e)
{
    const Node *target, *value;
    if (st->kind != STEP_ASSIGN || !ast_single_assign(st->node, &target, &value) ||
        !ast_same_ref(value, e))
        return 0;
    if (target->kind != NODE_Name)
        return 1;
    const Scope *where = NULL;
    return scope_lookup(c->env->scopes, c->scope, target->v.Name.id, &where) && where &&
           where->kind == SCOPE_MODULE && c->scope && c->scope->kind != SCOPE_MODULE;
}

/* Is n one of the items of the with statement w?  (A withitem has no
 * position of its own, as in CPython's tree.) */
static int item_of(const Node *w, const Node *n)
{
    const NodeList *items = w->kind == NODE_With ? &w->v.With.items : &w->v.AsyncWith.items;
    for (int i = 0; i < items->n; i++)
        if (items->items[i] == n)
            return 1;
    return 0;
}

/*
 * flow_lock_held's question at step st, before its effects (after = 0): an
 * end the step holds is reached with the lock as the path has it; after
 * them: the take holds the lock from here on, and a store of the receiver
 * where it outlives the function hands the lock to its holder.
 */
void fq_lock_step(Ctx *c, Path *p, const CfgStep *st, int after)
{
    FlowLock *q = c->lock;
    const Node *n = st->node;
    if (!n || st->kind == STEP_ENTRY || st->kind == STEP_DISPATCH || st->kind == STEP_NOP)
        return;
    if (!after) {
        /* an exception on its way out (a cancellation at any await) is not the
           path the code means: the finally that closes on it is its cleanup */
        for (int i = 0; p->locked == LOCK_HELD && (!p->raised || q->raised_too) && i < q->nends;
             i++) {
            const Node *e = q->ends[i];
            int with = e->kind == NODE_With || e->kind == NODE_AsyncWith;
            if (with ? (st->kind == STEP_WITH_EXIT || st->kind == STEP_WITH_EXIT_EXC) &&
                           item_of(e, n)
                     : st->kind != STEP_WITH_EXIT && st->kind != STEP_WITH_EXIT_EXC &&
                           ast_encloses(n, e))
                q->held[i] = 1;
        }
        return;
    }
    const Node *target, *value;
    if (st->kind != STEP_WITH_EXIT && st->kind != STEP_WITH_EXIT_EXC && ast_encloses(n, q->take)) {
        p->locked = q->answer ? LOCK_UNREAD : LOCK_HELD;
        q->reached = 1;
    }
    if (q->unlock && st->kind != STEP_WITH_EXIT && st->kind != STEP_WITH_EXIT_EXC &&
        ast_encloses(n, q->unlock))
        p->locked = 0; /* a driver's unlock, on this path */
    if (p->locked == LOCK_UNREAD && st->kind == STEP_ASSIGN &&
        ast_single_assign(n, &target, &value) && target->kind == NODE_Name &&
        !strcmp(target->v.Name.id, q->answer)) {
        p->locked = LOCK_HELD; /* the answer, read: tests of it say which side holds it */
    } else if (p->locked && stores_away(c, st, q->recv)) {
        p->locked = 0;
    }
}


typedef struct ParkWalk {
    Ctx *c;
    Path *p;
    int depth;
} ParkWalk;

/* mentions' search: a Name `name` anywhere in a body. */
typedef struct Mention {
    const char *name;
    int found, depth;
} Mention;

static void mention_kid(Node *parent, Node *n, void *arg)
{
    Mention *m = arg;
    (void)parent;
    if (m->found || m->depth > ASK_MAX_DEPTH)
        return;
    if (n->kind == NODE_Name && !strcmp(n->v.Name.id, m->name)) {
        m->found = 1;
        return;
    }
    m->depth++;
    ast_children(n, mention_kid, m);
    m->depth--;
}

/* Does call run a project function whose body names the root of where the
 * receiver was stored (`_release_lock()` reading the global)?  What it does
 * with it is its own, and not followed: the transaction is taken for ended. */
static int takes_over(Ctx *c, const Node *call, const Node *target)
{
    while (target->kind == NODE_Attribute)
        target = target->v.Attribute.value;
    Val f = fl_value_at(c, c->env->scopes, c->scope, call->v.Call.func);
    if (target->kind != NODE_Name || f.tag != VAL_FUNC || !f.node || !ast_is_function(f.node))
        return 0;
    Mention m = {target->v.Name.id, 0, 0};
    for (int i = 0; i < f.node->v.FunctionDef.body.n && !m.found; i++)
        mention_kid(NULL, f.node->v.FunctionDef.body.items[i], &m);
    return m.found;
}

/* The calls of a step through the receiver or its store, in source order. */
static void park_kid(Node *parent, Node *n, void *arg)
{
    ParkWalk *w = arg;
    const FlowPark *q = w->c->park;
    (void)parent;
    if (w->depth > ASK_MAX_DEPTH || ast_is_def(n) || n->kind == NODE_Lambda)
        return;
    w->depth++;
    ast_children(n, park_kid, w); /* arguments run first */
    w->depth--;
    const Node *f = n->kind == NODE_Call ? n->v.Call.func : NULL;
    if (f && (w->p->locked & PARK_STORED) && takes_over(w->c, n, q->target))
        w->p->locked &= (uint8_t)~PARK_OPEN;
    if (!f || f->kind != NODE_Attribute ||
        !(ast_same_ref(f->v.Attribute.value, q->recv) || ast_same_ref(f->v.Attribute.value, q->target)))
        return;
    int ev = fj_txn_event(f->v.Attribute.attr);
    if (ev > 0) {
        w->p->locked |= PARK_OPEN;
        w->c->park_use = n;
    } else if (ev < 0) {
        w->p->locked &= (uint8_t)~PARK_OPEN;
    }
}

/* flow_parked's question at step st, after its effects: uses and ends of
 * the transaction, and the store. */
void fq_park_step(Ctx *c, Path *p, const CfgStep *st)
{
    const FlowPark *q = c->park;
    const Node *n = st->node;
    if (!n || st->kind == STEP_ENTRY || st->kind == STEP_DISPATCH || st->kind == STEP_NOP ||
        st->kind == STEP_FOR_NEXT || st->kind == STEP_BIND)
        return;
    if (st->kind == STEP_WITH_EXIT || st->kind == STEP_WITH_EXIT_EXC) {
        const Node *ce = n->v.withitem.context_expr, *var = n->v.withitem.optional_vars;
        ce = ast_unawait(ce);
        if ((var && ast_same_ref(var, q->recv)) ||
            (ce->kind == NODE_Call && ce->v.Call.func->kind == NODE_Attribute &&
             !strcmp(ce->v.Call.func->v.Attribute.attr, "begin") &&
             ast_same_ref(ce->v.Call.func->v.Attribute.value, q->recv)))
            p->locked &= (uint8_t)~PARK_OPEN; /* closed, or its begin() block ended */
        return;
    }
    ParkWalk w = {c, p, 0};
    park_kid(NULL, (Node *)n, &w);
    if (n == q->store && (p->locked & PARK_OPEN))
        p->locked |= PARK_STORED;
}



/* --- waits: a blocking read, a generator drained by a loop (SL207) ------- */

/* Where the bound of each blocking read is, and what its absence means.  A
 * Redis blocking read waits until another process writes (a worker's
 * event, a job pushed): the bound is `block=` in milliseconds (XREAD: none
 * means no blocking at all), else `timeout` in seconds, where 0 (and, for
 * the b*pop family, none) means without end; a PubSub's get_message() with
 * no timeout (0.0) returns at once, with timeout=None waits without end;
 * listen() waits without end for each message.  Positions are redis-py's
 * (the same in redis.asyncio). */
static const struct {
    const char *name, *kw;
    signed char pos;         /* the bound's positional index, or -1 */
    unsigned char ms;        /* in milliseconds */
    signed char absent, zero; /* what a call without it, or with 0, does: READ_* */
} reads[] = {
    {"xread", "block", 2, 1, READ_NONE, READ_FOREVER},
    {"xreadgroup", "block", 4, 1, READ_NONE, READ_FOREVER},
    {"blpop", "timeout", 1, 0, READ_FOREVER, READ_FOREVER},
    {"brpop", "timeout", 1, 0, READ_FOREVER, READ_FOREVER},
    {"bzpopmin", "timeout", 1, 0, READ_FOREVER, READ_FOREVER},
    {"bzpopmax", "timeout", 1, 0, READ_FOREVER, READ_FOREVER},
    {"brpoplpush", "timeout", 2, 0, READ_FOREVER, READ_FOREVER},
    {"blmove", "timeout", 2, 0, READ_FOREVER, READ_FOREVER},
    {"blmpop", "timeout", 0, 0, READ_FOREVER, READ_FOREVER},
    {"bzmpop", "timeout", 0, 0, READ_FOREVER, READ_FOREVER},
    {"get_message", "timeout", 1, 0, READ_NONE, READ_NONE},
    {"listen", NULL, -1, 0, READ_FOREVER, READ_FOREVER},
};

double fq_read_wait(Ctx *c, const Node *call)
{
    const Node *f = call->kind == NODE_Call ? call->v.Call.func : NULL;
    if (!f || f->kind != NODE_Attribute)
        return READ_NONE;
    for (size_t i = 0; i < sizeof reads / sizeof *reads; i++) {
        if (strcmp(reads[i].name, f->v.Attribute.attr))
            continue;
        const Node *b = reads[i].kw ? ast_keyword(call, reads[i].kw) : NULL;
        if (!b && reads[i].pos >= 0 && reads[i].pos < call->v.Call.args.n)
            b = call->v.Call.args.items[reads[i].pos];
        if (!b)
            return reads[i].absent;
        if (b->kind == NODE_Constant && b->v.Constant.value.kind == CONST_NONE)
            return reads[i].ms ? READ_NONE : READ_FOREVER; /* XREAD block=None: no blocking */
        double secs = fo_seconds(c, b);
        if (secs == 0)
            return reads[i].zero;
        return secs > 0 && reads[i].ms ? secs / 1000 : secs; /* -1: computed, as forever */
    }
    return READ_NONE;
}

/* Is call the iterable of the for loop that the step evaluating it starts
 * (`async for event in self.events(run_id):`)?  The loop drains it: a
 * generator's body runs there, item by item, so what it waits on is
 * waited on here.  (A comprehension or list() draining one is not seen: a
 * limit.) */
int fq_drained(const Ctx *c, const Node *call)
{
    const CfgStep *st = c->step;
    if (!st || st->kind != STEP_EXPR || st->node != call || st->nsucc != 1)
        return 0;
    const CfgStep *head = &c->g->steps[st->succ[0]];
    const Node *loop = head->node;
    return head->kind == STEP_FOR_NEXT && loop &&
           (loop->kind == NODE_For ? loop->v.For.iter : loop->v.AsyncFor.iter) == call;
}
