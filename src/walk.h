/*
 * walk.h - discovery: the paths given on the command line -> the Python
 * files to analyze.
 *
 * Directories are walked for .py and .pyi files, skipping hidden folders,
 * __pycache__, node_modules, site-packages, virtual environments (a folder
 * holding pyvenv.cfg) and whatever .gitignore files exclude: those of the
 * walked folders, each applying to its own folder, and, inside a git
 * repository, those of the folders above the walked path up to the
 * repository root, plus .git/info/exclude.  Symbolic links to folders are not
 * followed (no cycles).  A path given that is not a folder is always
 * analyzed, whatever its name.
 *
 * Reported paths are normalized (walk_normalize): "./a/b.py" and
 * "$PWD/a/b.py" both become "a/b.py".
 */
#ifndef SL_WALK_H
#define SL_WALK_H

#include <stddef.h>

#include "arena.h"

#define WALK_MAX_DEPTH 256

typedef VEC(const char *) WalkPaths;

typedef struct WalkError {
    const char *path; /* the file or folder that could not be read */
    const char *msg;  /* why: strerror's text */
} WalkError;

typedef VEC(WalkError) WalkErrors;

/*
 * Appends the files to analyze under root to *files, in directory order
 * (callers sort), and what could not be read to *errs.  Strings come from a.
 * cwd (may be NULL) is the working directory, for making absolute paths
 * relative.  Not thread-safe: one walk at a time per arena.
 */
void walk_path(Arena *a, const char *root, const char *cwd, WalkPaths *files,
               WalkErrors *errs);

/*
 * The path as reports print it: "." and empty components dropped, repeated
 * and trailing slashes removed, and a path under cwd made relative to it.
 * "." itself stays ".".  Allocated in a.
 */
char *walk_normalize(Arena *a, const char *path, const char *cwd);

/* The patterns of one .gitignore file. */
typedef struct WalkIgnore WalkIgnore;

/*
 * Parses the text of a .gitignore file (comments, blank lines, "!" negation,
 * trailing "/" for folders only, "/" anchoring, "*", "?", "[...]", "**",
 * backslash escapes).  Never fails; patterns it cannot use match nothing.
 */
WalkIgnore *walk_ignore_parse(Arena *a, const char *text, size_t n);

enum {
    WALK_NO_MATCH = -1, /* no pattern matched: the parent's verdict stands */
    WALK_KEEP = 0,      /* the last matching pattern was a "!" negation */
    WALK_IGNORED = 1,   /* the last matching pattern excludes the path */
};

/*
 * The verdict of ig for path, relative to the folder of the .gitignore and
 * "/"-separated; is_dir says whether path is a folder.  Pure.
 */
int walk_ignore_match(const WalkIgnore *ig, const char *path, int is_dir);

#endif
