/*
 * project.c - the project facts of project.h: framework versions read from
 * the project's metadata.
 */
#include <stdlib.h>
#include <string.h>

#include "project.h"

void project_facts_init(ProjectFacts *f)
{
    memset(f, 0, sizeof *f);
    f->fastapi.major = f->sqlalchemy.major = -1;
    f->database = DB_UNKNOWN;
}

int project_parse_version(const char *s, Version *v)
{
    int part[3] = {0, 0, 0}, n = 0;
    const char *p = s;
    while (n < 3) {
        if (*p < '0' || *p > '9')
            return 0;
        long x = 0;
        while (*p >= '0' && *p <= '9' && x < 100000)
            x = x * 10 + (*p++ - '0');
        part[n++] = (int)x;
        if (*p != '.')
            break;
        p++;
    }
    v->major = part[0];
    v->minor = part[1];
    v->patch = part[2];
    return 1;
}

int project_version_cmp(const Version *a, const Version *b)
{
    if (a->major != b->major)
        return a->major < b->major ? -1 : 1;
    if (a->minor != b->minor)
        return a->minor < b->minor ? -1 : 1;
    if (a->patch != b->patch)
        return a->patch < b->patch ? -1 : 1;
    return 0;
}

void project_read(Arena *a, const char *dir, ProjectFacts *f)
{
    (void)a;
    (void)dir;
    (void)f;
}
