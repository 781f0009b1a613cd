/*
 * uni.h - the Unicode facts the lexer and parser need, from tables generated
 * out of the Unicode Character Database (tools/gen_unicode.py writes
 * src/uni_tables.inc): identifier characters (XID_Start, XID_Continue),
 * character names for \N{...}, and NFKC normalization of identifiers
 * (PEP 3131: CPython normalizes every non-ASCII identifier).
 * All functions are pure and thread-safe.
 */
#ifndef SL_UNI_H
#define SL_UNI_H

#include <stddef.h>
#include <stdint.h>

/* Is cp allowed to start / to continue an identifier? */
int uni_is_xid_start(uint32_t cp);
int uni_is_xid_continue(uint32_t cp);

/*
 * The code point named name[0..n) (case-insensitive, as unicodedata.lookup,
 * including aliases and algorithmic names such as CJK UNIFIED IDEOGRAPH-4E00
 * and HANGUL SYLLABLE GA), or -1.
 */
int32_t uni_lookup(const char *name, size_t n);

/*
 * NFKC of the UTF-8 identifier s[0..n), written to out (which has room for
 * outcap bytes); returns the length written, or -1 if out is too small.
 * ASCII input is returned unchanged.
 */
long uni_nfkc(const char *s, size_t n, char *out, size_t outcap);

/* Decodes one UTF-8 sequence at s (n bytes available): the code point and
 * its length in *len, or -1 (with *len = 1) for an invalid sequence. */
int32_t uni_decode_utf8(const char *s, size_t n, int *len);

/* Encodes cp as UTF-8 (surrogates too) into out[4]; returns the length. */
int uni_encode_utf8(uint32_t cp, char *out);

#endif
