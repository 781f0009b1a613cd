/*
 * test_project.c - where project.c finds the FastAPI and SQLAlchemy
 * versions: every metadata format on its own (lock files, pyproject.toml,
 * Pipfile, Pipfile.lock, setup.cfg, setup.py, requirements and
 * constraints files), the ranking when several disagree (a lock wherever
 * it is, then the nearest folder), build folders when nothing else pins,
 * the roots and relative paths the cache memoizes, and malformed files
 * (built with ASan and UBSan by tests/unit.sh: a crash fails).
 *
 * Each case writes a small project under a temporary folder holding .git,
 * so that no walk leaves it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "project.h"
#include "unit.h"

static Arena *A;
static char root[] = "/tmp/sl-project-XXXXXX";
static char made[64][512]; /* every file written, to remove them */
static int nmade;

static const char *path_of(const char *rel) { return arena_printf(A, "%s/%s", root, rel); }

/* Writes text to root/rel, making its folders. */
static void put(const char *rel, const char *text)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s/%s", root, rel);
    for (char *p = buf + strlen(root) + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(buf, 0755);
            *p = '/';
        }
    FILE *f = fopen(buf, "wb");
    if (!f) {
        perror(buf);
        exit(2);
    }
    fwrite(text, 1, strlen(text), f);
    fclose(f);
    if (nmade < 64)
        snprintf(made[nmade++], sizeof made[0], "%s", buf);
}

/* Removes the files written so far (the folders stay, empty). */
static void clean(void)
{
    for (int i = 0; i < nmade; i++)
        remove(made[i]);
    nmade = 0;
}

/* "0.110.3 (tail)" for what project_read finds for dir: the version and
 * the file's name after the project's root; "unknown" if nothing. */
static const char *shown(const Version *v, const char *from)
{
    if (v->major < 0)
        return "unknown";
    size_t n = strlen(root);
    char cwd[4096];
    const char *abs = from;
    if (from && from[0] != '/' && getcwd(cwd, sizeof cwd)) /* shown relative to the working folder */
        abs = project_abspath(A, cwd, from);
    const char *tail = abs && !strncmp(abs, root, n) && abs[n] == '/' ? abs + n + 1 : from;
    char text[64];
    project_version_text(v, text, sizeof text);
    return arena_printf(A, "%s (%s)", text, tail ? tail : "?");
}

static ProjectFacts facts_of(const char *dir)
{
    ProjectFacts f;
    project_facts_init(&f);
    project_read(A, NULL, path_of(dir), &f);
    return f;
}

static const char *fastapi(const char *dir)
{
    ProjectFacts f = facts_of(dir);
    return shown(&f.fastapi, f.fastapi_from);
}

static const char *sqlalchemy(const char *dir)
{
    ProjectFacts f = facts_of(dir);
    return shown(&f.sqlalchemy, f.sqlalchemy_from);
}

static void test_locks(void)
{
    put("pyproject.toml", "[project]\ndependencies = [\"fastapi>=0.100\", \"sqlalchemy>=2\"]\n");
    put("pdm.lock", "[metadata]\ngroups = [\"default\"]\n\n[[package]]\nname = \"fastapi\"\n"
                    "version = \"0.110.3\"\n\n[[package]]\nname = \"SQLAlchemy\"\n"
                    "version = \"2.0.30\"\n");
    CHECK_STR(fastapi("."), "0.110.3 (pdm.lock)");
    CHECK_STR(sqlalchemy("app"), "2.0.30 (pdm.lock)");
    clean();

    put("Pipfile", "[[source]]\nurl = \"https://pypi.org/simple\"\n[packages]\n"
                   "FastAPI = {version = \"==0.104.1\", extras = [\"all\"]}\n"
                   "[dev-packages]\nsqlalchemy = \"*\"\n[scripts]\nfastapi = \"fastapi run\"\n");
    CHECK_STR(fastapi("."), "0.104.1 (Pipfile)");
    CHECK_STR(sqlalchemy("."), "unknown"); /* "*" allows anything */
    put("Pipfile.lock",
        "{\"_meta\": {\"hash\": {\"sha256\": \"ab\"}, \"sources\": [{\"x\": true}]},\n"
        " \"default\": {\"fastapi\": {\"hashes\": [\"sha256:1\"], \"version\": "
        "\"==0.112.4\"}},\n \"develop\": {\"sqlalchemy\": {\"version\": "
        "\"==2.0.32\"}, \"pytest\": {\"version\": \"==8.0.0\"}}}\n");
    CHECK_STR(fastapi("."), "0.112.4 (Pipfile.lock)");
    CHECK_STR(sqlalchemy("."), "2.0.32 (Pipfile.lock)");
    /* a Pipfile.lock cut short offers nothing, not its first half */
    put("Pipfile.lock",
        "{\"default\": {\"fastapi\": {\"version\": \"==0.112.4\"}}, \"develop\": {");
    CHECK_STR(fastapi("."), "0.104.1 (Pipfile)");
    clean();
}

static void test_setup_cfg(void)
{
    put("setup.cfg", "[metadata]\nname = x\n\n[options]\npackages = find:\n"
                     "Install_Requires =\n    # pinned for the dependency timing\n\n"
                     "    fastapi==0.109.2  # see above\n    sqlalchemy>=2.0,<2.1\n"
                     "python_requires = >=3.10\n\n[options.extras_require]\n"
                     "dev =\n    pytest>=8\n");
    CHECK_STR(fastapi("."), "0.109.2 (setup.cfg)");
    CHECK_STR(sqlalchemy("."), "2.0.x (setup.cfg)"); /* below the upper bound */
    put("setup.cfg", "[options]\ninstall_requires = fastapi>=0.101; SQLAlchemy==2.0.3\n");
    CHECK_STR(fastapi("."), "the newest release (setup.cfg)"); /* one line: split at ';' */
    CHECK_STR(sqlalchemy("."), "2.0.3 (setup.cfg)");
    put("setup.cfg", "[options]\ninstall_requires =\n    fastapi==0.102.0"); /* no last \n */
    CHECK_STR(fastapi("."), "0.102.0 (setup.cfg)");
    put("setup.cfg", "[options]\ninstall_requires = file: reqs/base.txt, reqs/db.txt\n"
                     "[options.extras_require]\napi = fastapi~=0.111.1\n");
    put("reqs/db.txt", "sqlalchemy==2.0.9\n");
    CHECK_STR(fastapi("."), "0.111.x (setup.cfg)"); /* ~=0.111.1: below 0.112 */
    CHECK_STR(sqlalchemy("."), "2.0.9 (reqs/db.txt)");
    clean();

    /* a setup.cfg of tools' settings alone is no project, and says nothing */
    put("setup.cfg", "[flake8]\nmax-line-length = 100\ninstall_requires = fastapi==0.1\n");
    CHECK_STR(fastapi("."), "unknown");
    ProjectCache *c = project_cache_new();
    CHECK(project_root(c, path_of(".")) == NULL);
    project_cache_free(c);
    clean();
}

static void test_setup_py(void)
{
    put("setup.py", "from setuptools import find_packages, setup\n\nsetup(\n"
                    "    name='x',\n    install_requires=[\n        \"fastapi>=0.111,<0.112\",\n"
                    "        'sqlalchemy[asyncio]' '>=2.0.25',  # joined literals\n    ],\n"
                    "    extras_require={\"dev\": [\"pytest\"]},\n)\n");
    CHECK_STR(fastapi("."), "0.111.x (setup.py)");
    CHECK_STR(sqlalchemy("."), "the newest release (setup.py)"); /* no upper bound */
    /* what Poetry generates: names, and a dict of keyword arguments */
    put("setup.py",
        "from distutils.core import setup\n\ninstall_requires = \\\n"
        "['fastapi>=0.68.0,<0.69.0']\nDB = ['sqlalchemy==1.4.31']\n"
        "install_requires += DB\nsetup_kwargs = {'install_requires': install_requires}\n"
        "setup(**setup_kwargs)\n");
    CHECK_STR(fastapi("."), "0.68.x (setup.py)");
    CHECK_STR(sqlalchemy("."), "1.4.31 (setup.py)");
    /* a name defined from itself is followed a bounded number of times */
    put("setup.py", "import setuptools\nREQ = [\"fastapi==0.99.0\"] + [*OTHER]\n"
                    "OTHER = OTHER + OTHER + OTHER + OTHER + REQ\n"
                    "setuptools.setup(install_requires=REQ, extras_require={'db': OTHER})\n");
    CHECK_STR(fastapi("."), "0.99.0 (setup.py)");
    /* computed requirements are not run; the extras still count */
    put("setup.py", "from setuptools import setup\nsetup(install_requires=open('r.txt')"
                    ".read().splitlines(), extras_require={'db': ['sqlalchemy>=2.0.1']})\n");
    CHECK_STR(fastapi("."), "unknown");
    CHECK_STR(sqlalchemy("."), "the newest release (setup.py)");
    clean();

    /* a module named setup.py inside a package is not a project's root */
    put("app/setup.py", "def configure(app):\n    install_requires = ['fastapi==0.1.0']\n");
    put("requirements.txt", "fastapi==0.100.0\n");
    CHECK_STR(fastapi("app"), "0.100.0 (requirements.txt)");
    ProjectCache *c = project_cache_new();
    CHECK_STR(project_root(c, path_of("app")), root);
    CHECK_STR(project_relpath(A, c, path_of("app/x.py")), "app/x.py");
    project_cache_free(c);
    clean();
}

static void test_constraints(void)
{
    put("requirements.txt", "# pip install -r requirements.txt -c constraints.txt\nfastapi\n"
                            "sqlalchemy>=1.4\n");
    put("constraints.txt", "fastapi==0.115.4\nsqlalchemy==2.0.36\n");
    CHECK_STR(fastapi("."), "0.115.4 (constraints.txt)");
    CHECK_STR(sqlalchemy("."), "2.0.36 (constraints.txt)"); /* a pin beats a range */
    clean();
    put("requirements/base.txt", "fastapi\n-c ../pins/constraints-prod.txt\n");
    put("pins/constraints-prod.txt", "fastapi==0.103.2\n");
    CHECK_STR(fastapi("app"), "0.103.2 (pins/constraints-prod.txt)");
    clean();
}

/* When several disagree: a lock wherever it is, then the nearest folder. */
static void test_ranking(void)
{
    put("uv.lock", "version = 1\n[[package]]\nname = \"fastapi\"\nversion = \"0.115.0\"\n");
    put("pyproject.toml", "[tool.uv.workspace]\nmembers = [\"api\"]\n");
    put("api/pyproject.toml", "[project]\ndependencies = [\"fastapi>=0.100\", "
                              "\"sqlalchemy>=2.0.10\"]\n");
    put("api/requirements.txt", "fastapi==0.101.0\n");
    CHECK_STR(fastapi("api/app"), "0.115.0 (uv.lock)");
    CHECK_STR(sqlalchemy("api/app"), "the newest release (api/pyproject.toml)");
    clean();

    put("requirements.txt", "fastapi==0.90.0\nsqlalchemy==1.4.0\n");
    put("api/requirements.txt", "fastapi>=0.91\n");
    CHECK_STR(fastapi("api/app"), "the newest release (api/requirements.txt)");
    CHECK_STR(sqlalchemy("api/app"), "1.4.0 (requirements.txt)"); /* not named nearer */
    put("api/pyproject.toml", "[project]\ndependencies = [\"fastapi==0.92.0\"]\n");
    CHECK_STR(fastapi("api/app"), "0.92.0 (api/pyproject.toml)"); /* its pin beats its range */
    clean();
}

static void test_build_folders(void)
{
    put("README.md", "built from docker/\n");
    put("docker/api/requirements.txt", "fastapi==0.101.0\n");
    put("deploy/constraints.txt", "sqlalchemy==1.4.40\n");
    put("svc/Dockerfile", "FROM python:3.12\n");
    put("svc/requirements-prod.txt", "fastapi==0.99.0\n");
    put("build/notes.txt", "fastapi==0.1.0\n"); /* not a requirements file */
    CHECK_STR(fastapi("app/sub"), "0.101.0 (docker/api/requirements.txt)");
    CHECK_STR(sqlalchemy("app/sub"), "1.4.40 (deploy/constraints.txt)");
    ProjectCache *c = project_cache_new();
    const char *r1 = project_root(c, path_of("app/sub")), *r2 = project_root(c, path_of("app"));
    CHECK_STR(r1, root);
    CHECK(r1 == r2); /* one pointer a root */
    project_cache_free(c);
    CHECK_STR(fastapi("svc"), "0.99.0 (svc/requirements-prod.txt)"); /* its own first */
    /* the project's own pins win over its images' */
    put("pyproject.toml", "[project]\ndependencies = [\"fastapi>=0.110\"]\n");
    CHECK_STR(fastapi("app/sub"), "the newest release (pyproject.toml)");
    CHECK_STR(sqlalchemy("app/sub"), "1.4.40 (deploy/constraints.txt)");
    clean();
    c = project_cache_new();
    CHECK(project_root(c, path_of("app/sub")) == NULL);
    project_cache_free(c);
}

/* "module[:factory()] (tail:line: why)[ hooks]" for each pre-fork server
 * project_read_servers finds in the root folder, "; " between. */
static const char *servers(void)
{
    ProjectFacts f;
    project_facts_init(&f);
    project_read_servers(A, NULL, root, &f);
    const char *out = "";
    size_t n = strlen(root);
    char cwd[4096];
    for (int i = 0; i < f.nprefork; i++) {
        const ProjectPrefork *p = &f.prefork[i];
        const char *abs = p->from[0] != '/' && getcwd(cwd, sizeof cwd)
                              ? project_abspath(A, cwd, p->from) : p->from;
        out = arena_printf(A, "%s%s%s%s%s (%s:%d: %s)%s", out, i ? "; " : "", p->module,
                           p->factory ? ":" : "", p->factory ? p->factory : "", abs + n + 1,
                           p->line, p->why, p->hooks ? " hooks" : "");
    }
    return out;
}

static void test_servers(void)
{
    /* bind addresses and worker classes are not the app; the last target is */
    put("Procfile", "web: gunicorn -k uvicorn.workers.UvicornWorker --bind 0.0.0.0:$PORT \\\n"
                    "  -b localhost:8000 --preload api.main:app\nworker: celery -A api.tasks worker\n");
    CHECK_STR(servers(), "api.main (Procfile:1: --preload)");
    clean();
    /* a JSON exec form; without --preload nor a configuration: none */
    put("Dockerfile", "FROM python:3.12\nCMD [\"gunicorn\", \"--preload\", \"web.app:create_app()\"]\n");
    put("docker/entrypoint.sh", "#!/bin/sh\nexec gunicorn other.app:app -w 4\n");
    CHECK_STR(servers(), "web.app:create_app (Dockerfile:2: --preload)");
    clean();
    /* the default configuration file preloads; its worker hook is kept */
    put("gunicorn.conf.py", "preload_app = True\n\ndef post_fork(server, worker):\n    pass\n");
    put("scripts/run.sh", "python -m gunicorn svc.wsgi:application && echo done\n");
    CHECK_STR(servers(), "svc.wsgi (gunicorn.conf.py:1: preload_app = True) hooks");
    clean();
    /* a -c file of another name is read as a configuration */
    put("Procfile", "web: gunicorn --config=conf/web.py a.b:app\n");
    put("conf/web.py", "preload_app = True\n");
    CHECK_STR(servers(), "a.b (conf/web.py:1: preload_app = True)");
    clean();
    /* a -c file that cannot be read: its hooks are not known */
    put("Procfile", "web: gunicorn -c /etc/gunicorn/missing.py --preload a.b:app\n");
    CHECK_STR(servers(), "a.b (Procfile:1: --preload) hooks");
    clean();
    /* uWSGI: an .ini with a [uwsgi] section, lazy-apps off; a command with --lazy-apps */
    put("deploy/uwsgi.ini", "[uwsgi]\nmodule = site.wsgi\nlazy-apps = false\n");
    put("Procfile", "web: uwsgi --lazy-apps --module lazy.wsgi:app\n");
    put("tox.ini", "[uwsgi]\nmodule = not.read\n");
    CHECK_STR(servers(), "site.wsgi (deploy/uwsgi.ini:2: uWSGI without lazy-apps)");
    clean();
    /* nothing: a pip install of gunicorn, uvicorn */
    put("Dockerfile", "RUN pip install gunicorn\nCMD uvicorn app.main:app --workers 4\n");
    CHECK_STR(servers(), "");
    clean();
}

/* Outside any repository, build folders are asked at and below the
 * working folder only: a project in /tmp never takes its neighbours' pins. */
static void test_outside_repository(void)
{
    char bare[] = "/tmp/sl-project-bare-XXXXXX", cwd[4096];
    if (!mkdtemp(bare) || !getcwd(cwd, sizeof cwd)) {
        CHECK(0);
        return;
    }
    const char *app = arena_printf(A, "%s/app", bare), *docker = arena_printf(A, "%s/docker", bare);
    const char *reqs = arena_printf(A, "%s/requirements.txt", docker);
    mkdir(app, 0755);
    mkdir(docker, 0755);
    FILE *f = fopen(reqs, "w");
    if (f) {
        fputs("fastapi==0.101.0\n", f);
        fclose(f);
    }
    ProjectFacts facts;
    CHECK(chdir(app) == 0); /* below the project: its docker/ is above the working folder */
    project_facts_init(&facts);
    project_read(A, NULL, ".", &facts);
    CHECK_STR(shown(&facts.fastapi, facts.fastapi_from), "unknown");
    CHECK(chdir(bare) == 0); /* from the project's folder: its docker/ counts */
    project_facts_init(&facts);
    project_read(A, NULL, "app", &facts);
    CHECK_STR(shown(&facts.fastapi, facts.fastapi_from), "0.101.0 (docker/requirements.txt)");
    CHECK(chdir(cwd) == 0);
    remove(reqs);
    rmdir(docker);
    rmdir(app);
    rmdir(bare);
}

/* Cached and uncached answers agree, whatever order folders are asked in. */
static void test_cache(void)
{
    put("backend/pyproject.toml", "[project]\ndependencies = [\"fastapi==0.100.0\"]\n");
    put("backend/app/tests/x.py", "");
    put("legacy/requirements.txt", "fastapi==0.95.0\n");
    static const char *const files[] = {"backend/app/tests/x.py", "legacy/a/b.py", "top.py",
                                        "backend/app/y.py"};
    ProjectCache *c = project_cache_new();
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
            const char *f = path_of(files[round ? sizeof files / sizeof *files - 1 - i : i]);
            CHECK_STR(project_relpath(A, c, f), project_relpath(A, NULL, f));
        }
    CHECK_STR(project_relpath(A, c, path_of("backend/app/tests/x.py")), "app/tests/x.py");
    CHECK_STR(project_relpath(A, c, path_of("top.py")), "top.py");
    CHECK_STR(project_root(c, path_of("legacy/a")), path_of("legacy"));
    CHECK(project_root(c, path_of(".")) == NULL);
    ProjectFacts f;
    project_facts_init(&f);
    project_read(A, c, project_root(c, path_of("backend/app")), &f);
    CHECK_STR(shown(&f.fastapi, f.fastapi_from), "0.100.0 (backend/pyproject.toml)");
    project_cache_free(c);
    clean();
}

/* Malformed metadata of every kind: no crash, no hang. */
static void test_robust(void)
{
    static const struct {
        const char *name, *text;
    } files[] = {
        {"pyproject.toml", "[project]\ndependencies = [\"fastapi>=0.100,<1\"]\n"
                           "[tool.poetry.dependencies]\nsqlalchemy = {version = \"^2.0\"}\n"},
        {"uv.lock", "[[package]]\nname = \"fastapi\"\nversion = \"0.115.0\"\n"},
        {"Pipfile", "[packages]\nfastapi = {version = \"==0.1\"}\nsqlalchemy = \">=2\"\n"},
        {"Pipfile.lock", "{\"default\": {\"fastapi\": {\"version\": \"==0.112.4\", "
                         "\"hashes\": [\"\\u00e9\"]}}}"},
        {"setup.cfg", "[options]\ninstall_requires =\n  fastapi==0.1\n  file: r.txt\n"},
        {"setup.py", "import setuptools\nR = ['fastapi==0.1'] + R\n"
                     "setuptools.setup(install_requires=R, extras_require={'a': [R]})\n"},
        {"requirements.txt", "-r requirements.txt\n-c constraints.txt\nfastapi==0.1 \\\n"},
        {"constraints.txt", "-c requirements.txt\nsqlalchemy (==2.0.1) ; python_version>'3'\n"},
    };
    size_t nfiles = sizeof files / sizeof *files;
    unsigned seed = 4242;
    char buf[512];
    for (int round = 0; round < 250; round++) {
        for (size_t i = 0; i < nfiles; i++) {
            size_t n = strlen(files[i].text);
            memcpy(buf, files[i].text, n + 1);
            for (int e = 0; round && e < 1 + round % 5; e++) {
                seed = seed * 1103515245u + 12345u;
                buf[(seed >> 8) % n] = (char)(seed >> 20 ? seed >> 20 : '[');
            }
            if (round % 9 == 3)
                buf[(seed >> 4) % (n + 1)] = 0; /* cut short */
            put(files[i].name, buf);
        }
        ProjectFacts f = facts_of("app");
        if (round == 0) {
            CHECK_STR(shown(&f.fastapi, f.fastapi_from),
                      "0.112.4 (Pipfile.lock)"); /* the lowest lock */
            CHECK_STR(shown(&f.sqlalchemy, f.sqlalchemy_from), "2.0.1 (constraints.txt)");
        }
        arena_reset(A);
    }
    CHECK(1);
    clean();
}

int main(void)
{
    A = arena_new();
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 2;
    }
    mkdir(arena_printf(A, "%s/.git", root), 0755); /* walks stop here */
    test_locks();
    test_setup_cfg();
    test_setup_py();
    test_constraints();
    test_ranking();
    test_build_folders();
    test_outside_repository();
    test_cache();
    test_robust();
    test_servers();
    /* the folders the cases made, deepest first */
    static const char *const dirs[] = {"backend/app/tests",
                                       "backend/app",
                                       "backend",
                                       "legacy",
                                       "api",
                                       "docker/api",
                                       "scripts",
                                       "conf",
                                       "docker",
                                       "deploy",
                                       "svc",
                                       "build",
                                       "reqs",
                                       "requirements",
                                       "pins",
                                       "app",
                                       ".git"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++)
        rmdir(path_of(dirs[i]));
    if (rmdir(root) != 0)
        fprintf(stderr, "%s: %s\n", root, strerror(errno));
    arena_free(A);
    return unit_report();
}
