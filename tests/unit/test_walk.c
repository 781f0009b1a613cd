/*
 * test_walk.c - the .gitignore matcher and path normalization of walk.c.
 * Build: cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Isrc \
 *        tests/unit/test_walk.c src/walk.c src/arena.c -o build/test_walk
 * Each case: the text of a .gitignore, a path, whether it is a folder, and
 * the expected verdict.  Ends with "N passed, N failed".
 */
#include <stdio.h>
#include <string.h>

#include "walk.h"

static int passed, failed;

static void check(Arena *a, const char *gitignore, const char *path, int is_dir,
                  int want)
{
    WalkIgnore *ig = walk_ignore_parse(a, gitignore, strlen(gitignore));
    int got = walk_ignore_match(ig, path, is_dir);
    if (got == want) {
        passed++;
        return;
    }
    failed++;
    printf("FAIL: gitignore %-24s path %-20s dir=%d: got %d, want %d\n", gitignore,
           path, is_dir, got, want);
}

static void check_norm(Arena *a, const char *path, const char *cwd, const char *want)
{
    const char *got = walk_normalize(a, path, cwd);
    if (strcmp(got, want) == 0) {
        passed++;
        return;
    }
    failed++;
    printf("FAIL: normalize %s (cwd %s): got %s, want %s\n", path, cwd ? cwd : "-", got,
           want);
}

enum { NO = WALK_NO_MATCH, KEEP = WALK_KEEP, IGN = WALK_IGNORED };

static void test_basics(Arena *a)
{
    check(a, "", "a.py", 0, NO);
    check(a, "# comment\n\n", "# comment", 0, NO);
    check(a, "\\#x.py", "#x.py", 0, IGN);
    check(a, "a.py", "a.py", 0, IGN);
    check(a, "a.py", "sub/deep/a.py", 0, IGN);
    check(a, "a.py", "b.py", 0, NO);
    check(a, "a.py  \n", "a.py", 0, IGN);
    check(a, "a.py\\ ", "a.py ", 0, IGN);
    check(a, "a.py\r\n", "a.py", 0, IGN);
    check(a, "*.py", "x/y/z.py", 0, IGN);
    check(a, "*.py", "x.pyi", 0, NO);
    check(a, "?.py", "a.py", 0, IGN);
    check(a, "?.py", "ab.py", 0, NO);
    check(a, "[ab].py", "b.py", 0, IGN);
    check(a, "[!ab].py", "b.py", 0, NO);
    check(a, "[!ab].py", "c.py", 0, IGN);
    check(a, "[a-c]x", "bx", 0, IGN);
    check(a, "[a-c]x", "dx", 0, NO);
    check(a, "[]]x", "]x", 0, IGN);
    check(a, "[abc", "a", 0, NO);
}

static void test_anchoring(Arena *a)
{
    check(a, "/a.py", "a.py", 0, IGN);
    check(a, "/a.py", "sub/a.py", 0, NO);
    check(a, "sub/a.py", "sub/a.py", 0, IGN);
    check(a, "sub/a.py", "x/sub/a.py", 0, NO);
    check(a, "sub/*.py", "sub/a.py", 0, IGN);
    check(a, "sub/*.py", "sub/deep/a.py", 0, NO);
    check(a, "build/", "build", 1, IGN);
    check(a, "build/", "build", 0, NO);
    check(a, "build/", "src/build", 1, IGN);
    check(a, "/build/", "src/build", 1, NO);
}

static void test_double_star(Arena *a)
{
    check(a, "**/gen", "gen", 1, IGN);
    check(a, "**/gen", "a/b/gen", 1, IGN);
    check(a, "**/gen/x.py", "a/gen/x.py", 0, IGN);
    check(a, "a/**/b", "a/b", 1, IGN);
    check(a, "a/**/b", "a/x/y/b", 1, IGN);
    check(a, "a/**/b", "a/x/y/c", 1, NO);
    check(a, "a/**", "a/x", 0, IGN);
    check(a, "a/**", "a/x/y.py", 0, IGN);
    check(a, "a/**", "b/x", 0, NO);
    check(a, "a**b", "axxb", 0, IGN);
    check(a, "a**b", "ax/xb", 0, NO);
    check(a, "*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac",
          0, NO);
}

static void test_negation(Arena *a)
{
    check(a, "*.py\n!keep.py", "keep.py", 0, KEEP);
    check(a, "*.py\n!keep.py", "drop.py", 0, IGN);
    check(a, "!keep.py\n*.py", "keep.py", 0, IGN);
    check(a, "\\!bang.py", "!bang.py", 0, IGN);
}

static void test_normalize(Arena *a)
{
    check_norm(a, ".", NULL, ".");
    check_norm(a, "./", NULL, ".");
    check_norm(a, "./a//b/./c.py", NULL, "a/b/c.py");
    check_norm(a, "src/", NULL, "src");
    check_norm(a, "../x.py", NULL, "../x.py");
    check_norm(a, "/work/p/a.py", "/work/p", "a.py");
    check_norm(a, "/work/p", "/work/p", ".");
    check_norm(a, "/work/pq/a.py", "/work/p", "/work/pq/a.py");
    check_norm(a, "/etc/x", "/", "etc/x");
    check_norm(a, "//etc//x", NULL, "/etc/x");
}

int main(void)
{
    Arena *a = arena_new();
    test_basics(a);
    test_anchoring(a);
    test_double_star(a);
    test_negation(a);
    test_normalize(a);
    arena_free(a);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
