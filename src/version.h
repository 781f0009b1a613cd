/*
 * version.h - the program's name, version and home page, as --version,
 * the SARIF tool.driver object and the man page print them.  One place, so
 * that a release bumps one line (and docs/sessionlint.1's header).
 */
#ifndef SL_VERSION_H
#define SL_VERSION_H

#define SL_VERSION "0.1.0"
/* Where a SARIF viewer sends users for the tool (informationUri); a
 * packager may point it elsewhere with -DSL_HOMEPAGE='"..."'. */
#ifndef SL_HOMEPAGE
#define SL_HOMEPAGE "https://github.com/sessionlint/sessionlint"
#endif

#endif
