/*
 * cfg.c - the control-flow graph of one function body (cfg.h), built from
 * the AST after resolving and before the typestate dataflow.
 *
 * One forward pass over the statements.  An edge whose target does not
 * exist yet is a Ref (a step and one of its successor slots, or its
 * exception slot) kept in a Label and patched when the target is emitted:
 * the frontier (what falls through to the next step), a loop's breaks, the
 * exceptions a try, a with or a finally catches.  Enclosing constructs form
 * a stack of Frames.  An exception goes to the innermost frame that catches
 * it; a return, break or continue walks the frames outward, emitting a
 * with's exit or a copy of a finally body for each frame it leaves.
 *
 * A finally body is built once per way in, in the frames outside its try;
 * CFG_MAX_FINALLY_COPIES counts the copies of one try statement as built
 * (a try inside another finally is built again in each of that one's
 * copies, with its own count), and CFG_MAX_STEPS bounds the whole.
 *
 * Invariants of a finished graph: every successor is a valid step index,
 * and exc >= 0 exactly when may_raise.  Building uses heap scratch (freed
 * before returning) and the arena only for the result.
 */
#include "cfg.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* Nesting of statement bodies (finally copies included) built at once. */
#define CFG_MAX_DEPTH 400

#define EXC_SLOT (-1) /* the slot of a Ref that is the exception edge */

enum { IDX_ENTRY, IDX_EXIT, IDX_RAISE_EXIT }; /* the fixed first three steps */

typedef struct Ref {
    int step; /* the step whose edge is pending */
    int slot; /* successor index, or EXC_SLOT */
} Ref;

typedef VEC(Ref) Label;

/* How control enters a finally body; copies are made per way in. */
typedef enum Way { WAY_NORMAL, WAY_EXC, WAY_RETURN, WAY_BREAK, WAY_CONTINUE } Way;

/* A finally copy that a later return, break or continue may join. */
typedef struct CopyRec {
    int way;         /* Way */
    int loop_id;     /* id of the loop a break or continue goes to, else 0 */
    int entry;       /* where the copy's first edge went, or -1 */
    int passthrough; /* the copy emitted nothing: joining it is a no-op */
} CopyRec;

typedef enum FrameKind { FR_LOOP, FR_TRY, FR_FINALLY, FR_WITH } FrameKind;

typedef struct Frame {
    FrameKind kind;
    int id;              /* unique per frame instance (keys of CopyRec) */
    struct Frame *up;    /* the enclosing frame; NULL at the function level */
    Node *node;          /* the loop, the Try/TryStar, or the withitem */
    Label exc;           /* FR_TRY, FR_FINALLY, FR_WITH: exceptions caught */
    Label brk;           /* FR_LOOP: breaks, to after the loop */
    int head;            /* FR_LOOP: where continue goes */
    int ncopies;         /* FR_FINALLY: copies made of the body */
    VEC(CopyRec) copies; /* FR_FINALLY: those a jump may join */
} Frame;

/* A step while building: successors live in Builder.succ. */
typedef struct BStep {
    unsigned char kind, may_raise, is_copy;
    Node *node;
    int succ; /* index of the first successor in Builder.succ */
    int nsucc;
    int exc;
    int line;
} BStep;

typedef struct Builder {
    VEC(BStep) steps;
    VEC(int) succ;     /* successor slots of every step, -1 until patched */
    VEC(Node *) stack; /* scratch of scan() */
    Label front;       /* refs that fall through to the next step emitted */
    Frame *top;        /* innermost enclosing frame */
    int depth;         /* nesting of build_body calls */
    int next_id;       /* last Frame.id handed out */
    int in_copy;       /* > 0 while building a finally body */
    int truncated;     /* CFG_MAX_STEPS or CFG_MAX_DEPTH was reached */
} Builder;

static void build_body(Builder *b, NodeList body);

/* ---- labels and steps ---- */

static void add_ref(Label *l, int step, int slot)
{
    if (step >= 0)
        VEC_PUSH(l, ((Ref){step, slot}));
}

/* Moves every ref of src to the end of dst. */
static void append(Label *dst, Label *src)
{
    for (size_t i = 0; i < src->n; i++)
        VEC_PUSH(dst, src->items[i]);
    src->n = 0;
}

/* The label's contents, leaving it empty (ownership moves to the caller). */
static Label take(Label *l)
{
    Label t = *l;
    memset(l, 0, sizeof *l);
    return t;
}

/* Replaces the frontier with l's refs, taking them. */
static void set_front(Builder *b, Label *l)
{
    VEC_FREE(&b->front);
    b->front = take(l);
}

static int *slot_of(Builder *b, Ref r)
{
    BStep *s = &b->steps.items[r.step];
    return r.slot == EXC_SLOT ? &s->exc : &b->succ.items[s->succ + r.slot];
}

/* Points every ref of l at target and empties l. */
static void resolve(Builder *b, Label *l, int target)
{
    if (target >= 0)
        for (size_t i = 0; i < l->n; i++)
            *slot_of(b, l->items[i]) = target;
    l->n = 0;
}

/* Sends r where an exception raised here goes: the innermost catching
 * frame, or the function's exceptional exit. */
static void throw_ref(Builder *b, Ref r)
{
    for (Frame *f = b->top; f; f = f->up) {
        if (f->kind != FR_LOOP) {
            VEC_PUSH(&f->exc, r);
            return;
        }
    }
    *slot_of(b, r) = IDX_RAISE_EXIT;
}

/* The frontier continues as an exception (a re-raise). */
static void throw_front(Builder *b)
{
    for (size_t i = 0; i < b->front.n; i++)
        throw_ref(b, b->front.items[i]);
    b->front.n = 0;
}

static int line_of(const Node *n)
{
    if (!n)
        return 0;
    if (n->kind == NODE_withitem)
        return n->v.withitem.context_expr ? n->v.withitem.context_expr->lineno : 0;
    if (n->kind == NODE_match_case)
        return n->v.match_case.pattern ? n->v.match_case.pattern->lineno : 0;
    return n->lineno;
}

/* Appends a step with unpatched edges; -1 once the graph is full. */
static int new_step(Builder *b, int kind, Node *node, int nsucc, int raises)
{
    if (b->steps.n >= CFG_MAX_STEPS) {
        b->truncated = 1;
        return -1;
    }
    BStep s = {
        (unsigned char)kind, (unsigned char)raises, b->in_copy > 0, node, (int)b->succ.n, nsucc, -1,
        line_of(node)};
    for (int i = 0; i < nsucc; i++)
        VEC_PUSH(&b->succ, -1);
    VEC_PUSH(&b->steps, s);
    return (int)b->steps.n - 1;
}

/*
 * Emits a step reached from the frontier.  A raising step gets its
 * exception edge at once; a step with one successor becomes the frontier,
 * one with several leaves it empty for the caller to fill.
 */
static int emit(Builder *b, int kind, Node *node, int nsucc, int raises)
{
    int i = new_step(b, kind, node, nsucc, raises);
    if (i < 0) {
        b->front.n = 0;
        return -1;
    }
    resolve(b, &b->front, i);
    if (raises)
        throw_ref(b, (Ref){i, EXC_SLOT});
    if (nsucc == 1)
        add_ref(&b->front, i, 0);
    return i;
}

static void push_frame(Builder *b, Frame *f, FrameKind kind, Node *node)
{
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->id = ++b->next_id;
    f->up = b->top;
    f->node = node;
    f->head = -1;
    b->top = f;
}

/* Pops f; its labels stay for the caller to resolve and free. */
static void pop_frame(Builder *b, Frame *f)
{
    assert(b->top == f);
    b->top = f->up;
}

static void free_frame(Frame *f)
{
    VEC_FREE(&f->exc);
    VEC_FREE(&f->brk);
    VEC_FREE(&f->copies);
}

/* ---- what may raise ---- */

enum { SCAN_CALLS = 1 }; /* also report calls and awaits, not only yields */

static void push_child(Node *parent, Node *child, void *arg)
{
    Builder *b = arg;
    if (child->kind != NODE_Name && child->kind != NODE_Constant) /* leaves: nothing in them */
        VEC_PUSH(&b->stack, child);
}

static void push_list(Builder *b, NodeList l)
{
    for (int i = 0; i < l.n; i++)
        if (l.items[i])
            VEC_PUSH(&b->stack, l.items[i]);
}

/* Pushes what a scope-creating node evaluates where it stands: a lambda's
 * defaults, a def's decorators and defaults, a class's bases; never a
 * body, which runs later.  A generator expression runs lazily except for
 * its first iterable.  Returns 0 for other nodes. */
static int push_outer_parts(Builder *b, Node *x)
{
    switch (x->kind) {
    case NODE_Lambda: VEC_PUSH(&b->stack, x->v.Lambda.args); return 1;
    case NODE_FunctionDef:
        push_list(b, x->v.FunctionDef.decorator_list);
        VEC_PUSH(&b->stack, x->v.FunctionDef.args);
        return 1;
    case NODE_AsyncFunctionDef:
        push_list(b, x->v.AsyncFunctionDef.decorator_list);
        VEC_PUSH(&b->stack, x->v.AsyncFunctionDef.args);
        return 1;
    case NODE_ClassDef:
        push_list(b, x->v.ClassDef.decorator_list);
        push_list(b, x->v.ClassDef.bases);
        push_list(b, x->v.ClassDef.keywords);
        return 1;
    case NODE_GeneratorExp:
        if (x->v.GeneratorExp.generators.n)
            VEC_PUSH(&b->stack, x->v.GeneratorExp.generators.items[0]->v.comprehension.iter);
        return 1;
    default: return 0;
    }
}

/*
 * Whether evaluating root contains a yield (or, with SCAN_CALLS, a call or
 * an await): what makes a step raise.  An explicit stack, so that a long
 * chain like a+b+c+... costs no recursion.
 */
static int scan(Builder *b, Node *root, int what)
{
    b->stack.n = 0;
    if (root)
        VEC_PUSH(&b->stack, root);
    while (b->stack.n) {
        Node *x = b->stack.items[--b->stack.n];
        if (!x)
            continue;
        switch (x->kind) {
        case NODE_Yield:
        case NODE_YieldFrom: return 1;
        case NODE_Call:
        case NODE_Await:
            if (what & SCAN_CALLS)
                return 1;
            break;
        default: break;
        }
        if (!push_outer_parts(b, x))
            ast_children(x, push_child, b);
    }
    return 0;
}

static int raises(Builder *b, Node *expr) { return scan(b, expr, SCAN_CALLS); }

/* A def raises when decorators are applied or a default calls something;
 * a class statement runs its body and metaclass: always. */
static int def_raises(Builder *b, Node *s)
{
    if (s->kind == NODE_ClassDef)
        return 1;
    NodeList decos = s->kind == NODE_FunctionDef ? s->v.FunctionDef.decorator_list
                                                 : s->v.AsyncFunctionDef.decorator_list;
    Node *args = s->kind == NODE_FunctionDef ? s->v.FunctionDef.args : s->v.AsyncFunctionDef.args;
    if (decos.n)
        return 1;
    if (!args)
        return 0;
    for (int i = 0; i < args->v.arguments.defaults.n; i++)
        if (raises(b, args->v.arguments.defaults.items[i]))
            return 1;
    for (int i = 0; i < args->v.arguments.kw_defaults.n; i++)
        if (raises(b, args->v.arguments.kw_defaults.items[i]))
            return 1;
    return 0;
}

/* 1 if the test is a constant known true, 0 known false, -1 otherwise. */
static int const_truth(const Node *t)
{
    if (!t || t->kind != NODE_Constant)
        return -1;
    const Const *c = &t->v.Constant.value;
    if (c->kind == CONST_TRUE)
        return 1;
    if (c->kind == CONST_FALSE || c->kind == CONST_NONE)
        return 0;
    if (c->kind == CONST_INT && c->s && c->s[0] >= '0' && c->s[0] <= '9' &&
        !(c->s[0] == '0' && c->s[1] && c->s[1] != '_' && c->s[1] != '0'))
        return strspn(c->s, "0_") != strlen(c->s);
    return -1;
}

/* ---- jumps through frames and finally copies ---- */

static NodeList finalbody_of(const Node *s)
{
    return s->kind == NODE_Try ? s->v.Try.finalbody : s->v.TryStar.finalbody;
}

static int ref_target(Builder *b, Ref r) { return r.step < 0 ? -1 : *slot_of(b, r); }

/* An earlier copy of fin's body that a jump of this way and target may join. */
static CopyRec *find_copy(Frame *fin, Way way, int loop_id)
{
    for (size_t i = 0; i < fin->copies.n; i++) {
        CopyRec *c = &fin->copies.items[i];
        if (c->way == (int)way && c->loop_id == loop_id)
            return c;
    }
    return NULL;
}

/*
 * Builds a copy of fin's finally body entered from the frontier, in the
 * frames outside the try (the caller has set b->top to fin->up); the
 * frontier afterwards is the copy's fall-through, to continue the way it
 * came.  Once the returns, breaks and continues have made all the copies
 * but the two kept for normal completion and exceptions, a jump joins an
 * earlier copy for the same way and target instead: the same code with
 * the same continuation, so only path precision is lost.
 */
static void copy_finally(Builder *b, Frame *fin, Way way, int loop_id)
{
    CopyRec *old = find_copy(fin, way, loop_id);
    if (fin->ncopies >= CFG_MAX_FINALLY_COPIES - 2 && old && way >= WAY_RETURN) {
        if (!old->passthrough)
            resolve(b, &b->front, old->entry);
        return;
    }
    Ref r0 = b->front.n ? b->front.items[0] : (Ref){-1, 0};
    size_t n0 = b->steps.n;
    fin->ncopies++;
    b->in_copy++;
    build_body(b, finalbody_of(fin->node));
    b->in_copy--;
    CopyRec rec = {(int)way, loop_id, -1, 0};
    if (b->steps.n == n0 && b->front.n && b->front.items[0].step == r0.step &&
        b->front.items[0].slot == r0.slot)
        rec.passthrough = 1;
    else
        rec.entry = ref_target(b, r0);
    if (way >= WAY_RETURN && !old && (rec.passthrough || rec.entry >= 0))
        VEC_PUSH(&fin->copies, rec);
}

/*
 * The frontier leaves by a return, break or continue: each with it leaves
 * runs its exit, each finally its body, then it reaches the exit or the
 * loop.  While the code for a frame is built, b->top is the frame around
 * it, so what raises there goes outward.
 */
static void jump(Builder *b, Way way)
{
    Frame *target = NULL, *saved = b->top;
    if (way != WAY_RETURN) {
        for (target = b->top; target && target->kind != FR_LOOP; target = target->up)
            ;
        if (!target) { /* outside a loop: a syntax error the parser reported */
            b->front.n = 0;
            return;
        }
    }
    for (Frame *f = saved; f != target && b->front.n; f = f->up) {
        b->top = f->up;
        if (f->kind == FR_WITH)
            emit(b, STEP_WITH_EXIT, f->node, 1, 1);
        else if (f->kind == FR_FINALLY)
            copy_finally(b, f, way, target ? target->id : 0);
    }
    b->top = saved;
    if (way == WAY_RETURN)
        resolve(b, &b->front, IDX_EXIT);
    else if (way == WAY_BREAK)
        append(&target->brk, &b->front);
    else
        resolve(b, &b->front, target->head);
}

/* ---- compound statements ---- */

/* if / elif / else; an elif chain is a loop, not recursion. */
static void build_if(Builder *b, Node *s)
{
    Label done = {0};
    for (;;) {
        Node *test = s->v.If.test;
        int truth = const_truth(test);
        Label no = {0};
        if (truth < 0) {
            int c = emit(b, STEP_COND, test, 2, raises(b, test));
            add_ref(&b->front, c, 0);
            add_ref(&no, c, 1);
        } else if (truth == 0) {
            append(&no, &b->front);
        }
        build_body(b, s->v.If.body);
        append(&done, &b->front);
        set_front(b, &no);
        NodeList orelse = s->v.If.orelse;
        if (orelse.n == 1 && orelse.items[0]->kind == NODE_If) {
            s = orelse.items[0];
            continue;
        }
        build_body(b, orelse);
        break;
    }
    append(&done, &b->front);
    set_front(b, &done);
}

/* A loop body with its frame; the frontier then goes back to the head. */
static void loop_body(Builder *b, Frame *lp, Node *s, int head, NodeList body)
{
    push_frame(b, lp, FR_LOOP, s);
    lp->head = head;
    build_body(b, body);
    resolve(b, &b->front, head);
    pop_frame(b, lp);
}

/* while: the test at the head (a constant true test is a NOP head, with no
 * way out but break); else runs when the test fails, never after break. */
static void build_while(Builder *b, Node *s)
{
    Node *test = s->v.While.test;
    Label out = {0};
    Frame lp;
    int head;
    if (const_truth(test) == 1) {
        head = emit(b, STEP_NOP, s, 1, 0);
    } else {
        head = emit(b, STEP_COND, test, 2, raises(b, test));
        add_ref(&b->front, head, 0);
        add_ref(&out, head, 1);
    }
    loop_body(b, &lp, s, head, s->v.While.body);
    set_front(b, &out);
    build_body(b, s->v.While.orelse);
    append(&b->front, &lp.brk);
    free_frame(&lp);
}

/* for / async for: the iterable once, then FOR_NEXT at the head. */
static void build_for(Builder *b, Node *s)
{
    int async = s->kind == NODE_AsyncFor;
    Node *iter = async ? s->v.AsyncFor.iter : s->v.For.iter;
    Frame lp;
    emit(b, STEP_EXPR, iter, 1, raises(b, iter));
    int head = emit(b, STEP_FOR_NEXT, s, 2, 1);
    add_ref(&b->front, head, 0);
    loop_body(b, &lp, s, head, async ? s->v.AsyncFor.body : s->v.For.body);
    add_ref(&b->front, head, 1);
    build_body(b, async ? s->v.AsyncFor.orelse : s->v.For.orelse);
    append(&b->front, &lp.brk);
    free_frame(&lp);
}

/*
 * The items of a with from item i on, then the body.  Each item's frame
 * catches the exceptions of what follows it (later items included), so the
 * first item's exit runs last.
 */
static void build_with(Builder *b, NodeList items, NodeList body, int i)
{
    if (i == items.n) {
        build_body(b, body);
        return;
    }
    if (++b->depth > CFG_MAX_DEPTH) {
        b->truncated = 1;
        b->depth--;
        return;
    }
    Node *it = items.items[i];
    Frame f;
    emit(b, STEP_WITH_ENTER, it, 1, 1);
    push_frame(b, &f, FR_WITH, it);
    build_with(b, items, body, i + 1);
    pop_frame(b, &f);
    if (b->front.n)
        emit(b, STEP_WITH_EXIT, it, 1, 1);
    if (f.exc.n) {
        Label normal = take(&b->front);
        set_front(b, &f.exc);
        emit(b, STEP_WITH_EXIT_EXC, it, 0, 1);
        set_front(b, &normal);
    }
    free_frame(&f);
    b->depth--;
}

static int is_base_exception(const Node *t)
{
    if (t->kind == NODE_Name)
        return strcmp(t->v.Name.id, "BaseException") == 0;
    return t->kind == NODE_Attribute && strcmp(t->v.Attribute.attr, "BaseException") == 0 &&
           t->v.Attribute.value->kind == NODE_Name &&
           strcmp(t->v.Attribute.value->v.Name.id, "builtins") == 0;
}

int cfg_catches_all(const Node *h)
{
    const Node *t = h->v.ExceptHandler.type;
    if (!t)
        return 1;
    if (t->kind == NODE_Tuple) {
        for (int i = 0; i < t->v.Tuple.elts.n; i++)
            if (is_base_exception(t->v.Tuple.elts.items[i]))
                return 1;
        return 0;
    }
    return is_base_exception(t);
}

/*
 * After handler k of an except* ran, the rest of the group may still match
 * a later handler, be fully handled (done), or be re-raised: a NOP join.
 */
static void star_join(Builder *b, Node *h, int k, int nh, int all, Label *into, Label *done)
{
    int nlater = nh - k - 1;
    if (!b->front.n || nlater + !all == 0) {
        append(done, &b->front);
        return;
    }
    int j = emit(b, STEP_NOP, h, nlater + 1 + !all, 0);
    for (int m = k + 1; m < nh; m++)
        add_ref(&into[m], j, m - k - 1);
    add_ref(done, j, nlater);
    if (!all) {
        add_ref(&b->front, j, nlater + 1);
        throw_front(b);
    }
}

/* The dispatch of a try's exceptions (the frontier) to its handlers; what
 * the handlers complete goes to done, what none matches onward. */
static void build_handlers(Builder *b, Node *s, NodeList hs, Label *done)
{
    int star = s->kind == NODE_TryStar, all = 0;
    for (int k = 0; k < hs.n; k++)
        all |= cfg_catches_all(hs.items[k]);
    int d = emit(b, STEP_DISPATCH, s, hs.n + !all, 0);
    Label *into = star ? xcalloc((size_t)hs.n, sizeof *into) : NULL;
    for (int k = 0; k < hs.n; k++) {
        Node *h = hs.items[k];
        add_ref(&b->front, d, k);
        if (star)
            append(&b->front, &into[k]);
        emit(b, STEP_EXCEPT, h, 1, 0);
        build_body(b, h->v.ExceptHandler.body);
        if (star)
            star_join(b, h, k, hs.n, all, into, done);
        else
            append(done, &b->front);
    }
    if (!all) {
        add_ref(&b->front, d, hs.n);
        throw_front(b);
    }
    for (int k = 0; star && k < hs.n; k++)
        VEC_FREE(&into[k]);
    free(into);
}

/* The finally of a try, after the frame is popped: a copy for normal
 * completion, and one for exceptions that then re-raises. */
static void finish_finally(Builder *b, Frame *fin)
{
    if (b->front.n || (!fin->ncopies && !fin->exc.n))
        copy_finally(b, fin, WAY_NORMAL, 0);
    if (fin->exc.n) {
        Label normal = take(&b->front);
        set_front(b, &fin->exc);
        copy_finally(b, fin, WAY_EXC, 0);
        throw_front(b);
        set_front(b, &normal);
    }
}

/* try / try* : body, dispatch and handlers, else, then the finally copies. */
static void build_try(Builder *b, Node *s)
{
    int star = s->kind == NODE_TryStar;
    NodeList body = star ? s->v.TryStar.body : s->v.Try.body;
    NodeList hs = star ? s->v.TryStar.handlers : s->v.Try.handlers;
    NodeList orelse = star ? s->v.TryStar.orelse : s->v.Try.orelse;
    int has_fin = finalbody_of(s).n > 0;
    Frame fin, tr;
    Label done = {0};
    if (has_fin)
        push_frame(b, &fin, FR_FINALLY, s);
    if (hs.n)
        push_frame(b, &tr, FR_TRY, s);
    build_body(b, body);
    Label body_end = take(&b->front);
    if (hs.n) {
        pop_frame(b, &tr);
        set_front(b, &tr.exc);
        build_handlers(b, s, hs, &done);
        free_frame(&tr);
    }
    set_front(b, &body_end);
    build_body(b, orelse);
    append(&done, &b->front);
    set_front(b, &done);
    if (has_fin) {
        pop_frame(b, &fin);
        finish_finally(b, &fin);
        free_frame(&fin);
    }
}

/* An irrefutable pattern (a capture or wildcard, maybe in an or): the
 * case always matches.  depth bounds the recursion into or-patterns. */
static int irrefutable(const Node *p, int depth)
{
    while (p && p->kind == NODE_MatchAs && p->v.MatchAs.pattern)
        p = p->v.MatchAs.pattern;
    if (!p || depth > CFG_MAX_DEPTH)
        return 0;
    if (p->kind == NODE_MatchAs)
        return 1;
    if (p->kind == NODE_MatchOr)
        for (int i = 0; i < p->v.MatchOr.patterns.n; i++)
            if (irrefutable(p->v.MatchOr.patterns.items[i], depth + 1))
                return 1;
    return 0;
}

/* match: the subject, then each case in turn; an irrefutable case without
 * a guard has no "not matched" successor. */
static void build_match(Builder *b, Node *s)
{
    Node *subject = s->v.Match.subject;
    Label done = {0};
    emit(b, STEP_EXPR, subject, 1, raises(b, subject));
    for (int i = 0; i < s->v.Match.cases.n; i++) {
        Node *c = s->v.Match.cases.items[i];
        Node *guard = c->v.match_case.guard;
        int always = !guard && irrefutable(c->v.match_case.pattern, 0);
        Label next = {0};
        int k = emit(b, STEP_CASE, c, always ? 1 : 2, 0);
        if (!always)
            add_ref(&next, k, 1);
        if (guard) {
            add_ref(&b->front, k, 0);
            int g = emit(b, STEP_COND, guard, 2, raises(b, guard));
            add_ref(&b->front, g, 0);
            add_ref(&next, g, 1);
        } else if (!always) {
            add_ref(&b->front, k, 0);
        }
        build_body(b, c->v.match_case.body);
        append(&done, &b->front);
        set_front(b, &next);
    }
    append(&b->front, &done);
    VEC_FREE(&done);
}

/* assert: the test, true goes on, false raises (a constant is decided). */
static void build_assert(Builder *b, Node *s)
{
    Node *test = s->v.Assert.test;
    int truth = const_truth(test);
    if (truth == 1)
        return;
    Label ok = {0};
    if (truth < 0) {
        int c = emit(b, STEP_COND, test, 2, raises(b, test));
        add_ref(&ok, c, 0);
        add_ref(&b->front, c, 1);
    }
    emit(b, STEP_RAISE, s, 0, 1);
    set_front(b, &ok);
}

static int assign_raises(Builder *b, Node *s)
{
    if (s->kind == NODE_AnnAssign) /* the annotation of a local is not evaluated */
        return raises(b, s->v.AnnAssign.target) || raises(b, s->v.AnnAssign.value);
    return raises(b, s);
}

/* One statement: the dispatch on its kind. */
static void build_stmt(Builder *b, Node *s)
{
    switch (s->kind) {
    case NODE_Expr: emit(b, STEP_EXPR, s->v.Expr.value, 1, raises(b, s->v.Expr.value)); break;
    case NODE_AnnAssign:
        if (!s->v.AnnAssign.value)
            break; /* a bare annotation binds nothing */
        /* fall through */
    case NODE_Assign:
    case NODE_AugAssign: emit(b, STEP_ASSIGN, s, 1, assign_raises(b, s)); break;
    case NODE_Delete: emit(b, STEP_DELETE, s, 1, raises(b, s)); break;
    case NODE_Return:
        emit(b, STEP_RETURN, s, 1, raises(b, s->v.Return.value));
        jump(b, WAY_RETURN);
        break;
    case NODE_Raise: emit(b, STEP_RAISE, s, 0, 1); break;
    case NODE_Assert: build_assert(b, s); break;
    case NODE_Break: jump(b, WAY_BREAK); break;
    case NODE_Continue: jump(b, WAY_CONTINUE); break;
    case NODE_Import:
    case NODE_ImportFrom: emit(b, STEP_BIND, s, 1, 1); break;
    case NODE_Global:
    case NODE_Nonlocal:
    case NODE_TypeAlias: emit(b, STEP_BIND, s, 1, 0); break;
    case NODE_FunctionDef:
    case NODE_AsyncFunctionDef:
    case NODE_ClassDef: emit(b, STEP_BIND, s, 1, def_raises(b, s)); break;
    case NODE_If: build_if(b, s); break;
    case NODE_While: build_while(b, s); break;
    case NODE_For:
    case NODE_AsyncFor: build_for(b, s); break;
    case NODE_With: build_with(b, s->v.With.items, s->v.With.body, 0); break;
    case NODE_AsyncWith: build_with(b, s->v.AsyncWith.items, s->v.AsyncWith.body, 0); break;
    case NODE_Try:
    case NODE_TryStar: build_try(b, s); break;
    case NODE_Match: build_match(b, s); break;
    default: break; /* Pass */
    }
}

/* The statements of a body in order; past the depth limit, nothing. */
static void build_body(Builder *b, NodeList body)
{
    if (++b->depth > CFG_MAX_DEPTH)
        b->truncated = 1;
    for (int i = 0; i < body.n && !b->truncated; i++)
        if (body.items[i])
            build_stmt(b, body.items[i]);
    b->depth--;
}

/* ---- the graph ---- */

/* Whether func's own body yields (nested scopes are not entered). */
static int body_yields(Builder *b, Node *func)
{
    NodeList body = {0};
    switch (func->kind) {
    case NODE_FunctionDef: body = func->v.FunctionDef.body; break;
    case NODE_AsyncFunctionDef: body = func->v.AsyncFunctionDef.body; break;
    case NODE_Lambda: return scan(b, func->v.Lambda.body, 0);
    default: return 0; /* yield outside a function is a syntax error */
    }
    for (int i = 0; i < body.n; i++)
        if (scan(b, body.items[i], 0))
            return 1;
    return 0;
}

/* Copies the steps into a, with every edge left open made valid. */
static Cfg *finish(Builder *b, Arena *a, Node *func)
{
    Cfg *g = arena_alloc(a, sizeof *g);
    g->func = func;
    g->nsteps = (int)b->steps.n;
    g->steps = arena_alloc(a, (b->steps.n ? b->steps.n : 1) * sizeof *g->steps);
    int *succ = arena_alloc(a, (b->succ.n ? b->succ.n : 1) * sizeof *succ);
    for (size_t i = 0; i < b->succ.n; i++)
        succ[i] = b->succ.items[i] >= 0 ? b->succ.items[i] : IDX_EXIT;
    for (int i = 0; i < g->nsteps; i++) {
        const BStep *s = &b->steps.items[i];
        CfgStep *t = &g->steps[i];
        t->kind = s->kind;
        t->may_raise = s->may_raise;
        t->is_finally_copy = s->is_copy;
        t->node = s->node;
        t->succ = succ + s->succ;
        t->nsucc = s->nsucc;
        t->exc = !s->may_raise ? -1 : s->exc >= 0 ? s->exc : IDX_RAISE_EXIT;
        t->line = s->line;
    }
    g->steps[IDX_ENTRY].line = 0;
    g->entry = IDX_ENTRY;
    g->exit = IDX_EXIT;
    g->raise_exit = IDX_RAISE_EXIT;
    g->truncated = b->truncated;
    return g;
}

/* generator: Cfg.is_generator, or -1 to find out */
static Cfg *build(Arena *a, Node *func, int generator)
{
    Builder b;
    memset(&b, 0, sizeof b);
    new_step(&b, STEP_ENTRY, func, 1, 0);
    new_step(&b, STEP_EXIT, NULL, 0, 0);
    new_step(&b, STEP_RAISE_EXIT, NULL, 0, 0);
    add_ref(&b.front, IDX_ENTRY, 0);
    switch (func->kind) {
    case NODE_FunctionDef: build_body(&b, func->v.FunctionDef.body); break;
    case NODE_AsyncFunctionDef: build_body(&b, func->v.AsyncFunctionDef.body); break;
    case NODE_Module: build_body(&b, func->v.Module.body); break;
    case NODE_Lambda:
        emit(&b, STEP_EXPR, func->v.Lambda.body, 1, raises(&b, func->v.Lambda.body));
        break;
    default: break;
    }
    resolve(&b, &b.front, IDX_EXIT);
    Cfg *g = finish(&b, a, func);
    g->is_generator = generator >= 0 ? generator : body_yields(&b, func);
#ifndef NDEBUG
    char why[160];
    assert(!cfg_verify(g, why, sizeof why));
#endif
    VEC_FREE(&b.steps);
    VEC_FREE(&b.succ);
    VEC_FREE(&b.stack);
    VEC_FREE(&b.front);
    return g;
}

Cfg *cfg_build(Arena *a, Node *func) { return build(a, func, -1); }

Cfg *cfg_build_known(Arena *a, Node *func, int is_generator)
{
    return build(a, func, is_generator != 0);
}

/* ---- checking and printing ---- */

/* The names of CfgStepKind, by value. */
static const char *const kind_names[] = {
    [STEP_ENTRY] = "ENTRY",
    [STEP_EXIT] = "EXIT",
    [STEP_RAISE_EXIT] = "RAISE_EXIT",
    [STEP_EXPR] = "EXPR",
    [STEP_COND] = "COND",
    [STEP_ASSIGN] = "ASSIGN",
    [STEP_DELETE] = "DELETE",
    [STEP_RETURN] = "RETURN",
    [STEP_RAISE] = "RAISE",
    [STEP_WITH_ENTER] = "WITH_ENTER",
    [STEP_WITH_EXIT] = "WITH_EXIT",
    [STEP_WITH_EXIT_EXC] = "WITH_EXIT_EXC",
    [STEP_FOR_NEXT] = "FOR_NEXT",
    [STEP_DISPATCH] = "DISPATCH",
    [STEP_EXCEPT] = "EXCEPT",
    [STEP_CASE] = "CASE",
    [STEP_BIND] = "BIND",
    [STEP_NOP] = "NOP",
};
_Static_assert(sizeof kind_names / sizeof kind_names[0] == STEP_NOP + 1,
               "a CfgStepKind without a name");

const char *cfg_kind_name(int kind)
{
    return kind >= 0 && kind <= STEP_NOP ? kind_names[kind] : "?";
}

/* The successor count a step of this kind must have: exactly want, or at
 * least want when more is set. */
static void succ_rule(int kind, int *want, int *more)
{
    *more = 0;
    switch (kind) {
    case STEP_EXIT:
    case STEP_RAISE_EXIT:
    case STEP_RAISE:
    case STEP_WITH_EXIT_EXC: *want = 0; break;
    case STEP_COND:
    case STEP_FOR_NEXT: *want = 2; break;
    case STEP_CASE:
    case STEP_DISPATCH:
    case STEP_NOP: *want = 1, *more = 1; break;
    default: *want = 1; break;
    }
}

/* The first broken invariant of step i, or NULL. */
static const char *check_step(const Cfg *g, int i)
{
    const CfgStep *s = &g->steps[i];
    int want, more;
    if (s->kind > STEP_NOP)
        return "bad kind";
    succ_rule(s->kind, &want, &more);
    if (s->nsucc < want || (!more && s->nsucc != want) || (s->kind == STEP_CASE && s->nsucc > 2))
        return "wrong number of successors";
    for (int k = 0; k < s->nsucc; k++)
        if (s->succ[k] < 0 || s->succ[k] >= g->nsteps)
            return "successor out of range";
    if (s->may_raise != (s->exc >= 0))
        return "may_raise disagrees with exc";
    if (s->exc >= g->nsteps)
        return "exception successor out of range";
    if ((s->kind == STEP_RAISE || s->kind == STEP_WITH_EXIT_EXC) && !s->may_raise)
        return "a raise without an exception edge";
    if ((s->kind == STEP_ENTRY) != (i == g->entry) || (s->kind == STEP_EXIT) != (i == g->exit) ||
        (s->kind == STEP_RAISE_EXIT) != (i == g->raise_exit))
        return "ENTRY, EXIT and RAISE_EXIT must be unique and match the indices";
    return NULL;
}

int cfg_verify(const Cfg *g, char *why, size_t cap)
{
    if (g->nsteps < 3 || g->entry < 0 || g->exit < 0 || g->raise_exit < 0 ||
        g->entry >= g->nsteps || g->exit >= g->nsteps || g->raise_exit >= g->nsteps) {
        snprintf(why, cap, "missing ENTRY, EXIT or RAISE_EXIT");
        return 1;
    }
    for (int i = 0; i < g->nsteps; i++) {
        const char *bad = check_step(g, i);
        if (bad) {
            snprintf(why, cap, "step %d (%s): %s", i, cfg_kind_name(g->steps[i].kind), bad);
            return 1;
        }
    }
    return 0;
}

void cfg_dump(FILE *out, const Cfg *g, const Source *src)
{
    for (int i = 0; i < g->nsteps; i++) {
        const CfgStep *s = &g->steps[i];
        fprintf(out, "%d %s L%d", i, cfg_kind_name(s->kind), s->line);
        if (s->node)
            fprintf(out, " %s", ast_kind_name(s->node->kind));
        fputs(" ->", out);
        for (int k = 0; k < s->nsucc; k++)
            fprintf(out, " %d", s->succ[k]);
        if (s->exc >= 0)
            fprintf(out, " exc %d", s->exc);
        fputc('\n', out);
    }
}
