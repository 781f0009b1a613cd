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
 * The code point named name[0..n), or -1: what CPython's \N{name} accepts.
 * Case-insensitive, as unicodedata.lookup, including aliases ("LINE FEED")
 * and names spelled with the code point (CJK COMPATIBILITY IDEOGRAPH-F900);
 * named sequences are not characters.  The two families that CPython
 * computes, HANGUL SYLLABLE GA and CJK UNIFIED IDEOGRAPH-4E00, must be
 * uppercase there, and so here.
 */
int32_t uni_lookup(const char *name, size_t n);

/*
 * NFKC of the UTF-8 identifier s[0..n), written to out (which has room for
 * outcap bytes); returns the length written, or -1 if out is too small.
 * ASCII input is returned unchanged; NFKC can grow text (up to 18 code
 * points from one), so size out generously and retry on -1.  An invalid
 * UTF-8 byte counts as U+FFFD.
 */
long uni_nfkc(const char *s, size_t n, char *out, size_t outcap);

/* Decodes one UTF-8 sequence at s (n bytes available): the code point and
 * its length in *len, or -1 (with *len = 1) for an invalid sequence
 * (overlong, truncated, beyond U+10FFFF).  Encoded surrogates (ED A0 80) are
 * accepted, as uni_encode_utf8 writes them for decoded literals; code that
 * validates source text rejects 0xD800..0xDFFF itself. */
int32_t uni_decode_utf8(const char *s, size_t n, int *len);

/* Encodes cp as UTF-8 (surrogates too) into out[4]; returns the length. */
int uni_encode_utf8(uint32_t cp, char *out);

#endif
