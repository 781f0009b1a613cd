/*
 * lsp_impl.h - what the language server's files share (lsp.c: the protocol,
 * the threads, the analyses and publishing; lsp_action.c: code actions and
 * commands).  Not a public interface: main.c uses lsp.h.
 *
 * Locking: the fields of Server below `lock` are read and written under it,
 * except that the dispatcher, the only thread that changes the buffers
 * (Server.docs and each Doc), may read them without it.  An Analyzer
 * belongs to one thread.
 */
#ifndef SL_LSP_IMPL_H
#define SL_LSP_IMPL_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "config.h"
#include "driver.h"
#include "lsp_doc.h"
#include "lsp_json.h"
#include "report.h"

#define LSP_MAX_MESSAGE (64u << 20) /* bytes of one message's body; larger ones are refused */
#define LSP_MAX_HEADER 4096         /* bytes of one header line */
#define LSP_QUIET 0.25              /* seconds without edits before a workspace analysis */
#define LSP_EDIT_CONTEXT 60         /* modules an edit analysis reads for context, at most */

/* JSON-RPC and LSP error codes. */
enum {
    ERR_PARSE = -32700,
    ERR_INVALID_REQUEST = -32600,
    ERR_METHOD_NOT_FOUND = -32601,
    ERR_INVALID_PARAMS = -32602,
    ERR_NOT_INITIALIZED = -32002,
    ERR_CANCELLED = -32800,
};

/* A buffer the editor has open. */
typedef struct Doc {
    char *uri;        /* as the client names it */
    char *path;       /* as runs name it: relative to the root, or absolute outside it */
    LspText text;
    long version;
    int dirty;        /* edited since its edit analysis */
    Report report;    /* its last edit analysis (code actions read it) */
    int has_report;
    long report_version; /* the version that analysis saw */
} Doc;

/* What was last published for one file. */
typedef struct Published {
    char *path;           /* as runs name it */
    char *json;           /* the diagnostics array as sent ("[]" when none) */
    unsigned long seq;    /* the edit count of the analysis it came from */
} Published;

/* The client's settings (initializationOptions, didChangeConfiguration),
 * the command line's options by another name.  Strings in a. */
typedef struct Settings {
    Arena *a;
    VEC(const char *) select, extend_select, ignore;
    const char *config;     /* "config": a configuration file for everything */
    int no_config;          /* "noConfig" */
    const char *fastapi_version, *sqlalchemy_version;
    unsigned contexts;      /* "context": ["all"] or names (context.h) */
    int has_contexts;
    int unsafe_fixes;       /* "unsafeFixes": fix-all applies unsafe fixes too */
} Settings;

/* What one analyzing thread derives from the settings and the configuration
 * files: ConfigSet is not thread-safe, so each thread has its own. */
typedef struct Analyzer {
    unsigned long gen;      /* the configuration generation it was built for */
    Settings set;           /* its own copy */
    ConfigSet *cs;
    ProjectFacts facts, fixed;
    RuleSelect sel;
    int fallback;           /* the configuration is broken: analyzing without it */
    int dispatcher;         /* the dispatcher's: it tells the user what is broken */
} Analyzer;

typedef struct Server {
    FILE *out;
    pthread_mutex_t out_lock;   /* one message at a time on out */
    pthread_mutex_t lock;       /* everything below */
    pthread_cond_t msg_cond;    /* a message was queued */
    pthread_cond_t work_cond;   /* an edit, or the end: the workspace thread looks */
    struct Msg *head, *tail;   /* the reader's queue (lsp.c) */
    char *running_id;           /* the request the dispatcher is answering */
    int running_cancelled;      /* ... which $/cancelRequest named */
    VEC(Doc *) docs;
    VEC(Published) pub;
    unsigned long seq;          /* edits so far: anything that changes what is analyzed */
    double last_edit;           /* when the last one came */
    unsigned long workspace_seq; /* what the last finished workspace analysis saw */
    unsigned long config_gen;   /* settings or configuration files changed */
    unsigned long config_told;  /* the generation whose problem the user was shown */
    uint64_t config_stamp;      /* the configuration files as stat() saw them */
    Settings settings;
    char *root;                 /* the workspace folder (the working directory) */
    char *root_shown;           /* the same as the client spells it, for URIs */
    int has_root;
    LspEncoding enc;
    int initialized, shutdown, exited, quit;
    int show_document;          /* the client opens URLs (window/showDocument) */
    int resolve_actions;        /* the client resolves code actions lazily */
    int watch_files;            /* the client registers file watchers dynamically */
    unsigned long next_id;      /* our requests to the client */
    DriverCache *cache;
    int jobs;
    int in;                     /* the client's messages */
} Server;

/* ---- lsp.c, for lsp_action.c ---- */

/* Messages to the client: a response (result is JSON text, NULL: null),
 * an error response, a notification or (request) our own request, and
 * window/showMessage or window/logMessage of type 1 error .. 4 log. */
void ls_respond(Server *S, const char *id, const char *result);
void ls_respond_error(Server *S, const char *id, int code, const char *msg);
void ls_send_method(Server *S, const char *method, const char *params, int request);
void ls_tell(Server *S, const char *method, int type, const char *msg);

/* An LSP Range, and a finding as a Diagnostic, in the client's units (t:
 * the text of its file, NULL: columns stay code points). */
void ls_put_range(LspBuf *b, long l0, long c0, long l1, long c1);
void ls_put_diagnostic(Server *S, Arena *a, LspBuf *b, const ReportItem *it, const LspText *t);

/* The open buffer named uri, or NULL. */
Doc *ls_find_doc(Server *S, const char *uri);
/* an brought up to the current configuration generation. */
void ls_analyzer_update(Server *S, Analyzer *an);
/* The options of a run on buffer d (the other buffers as overlays in *ov,
 * which the caller frees), stopped if the request being answered is. */
DriverOptions ls_buffer_options(Server *S, Analyzer *an, Doc *d, DriverOverlay **ov);
/* DriverOptions.stop: has the request being answered been cancelled? */
int ls_request_cancelled(void *arg);
/* d->report made current (analyzed again if d changed since) and published;
 * 0 if the request was cancelled meanwhile. */
int ls_bring_up_to_date(Server *S, Analyzer *an, Doc *d);

/* ---- lsp_action.c ---- */

/* textDocument/codeAction, codeAction/resolve, workspace/executeCommand:
 * each answers request id. */
void ls_code_action(Server *S, Analyzer *an, const char *id, const LspJson *params);
void ls_resolve(Server *S, Analyzer *an, const char *id, const LspJson *params);
void ls_execute(Server *S, const char *id, const LspJson *params);

#endif
