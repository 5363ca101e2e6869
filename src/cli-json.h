/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_CLI_JSON_H
#define DUALSTACK_CLI_JSON_H

/*
 * The CLI's output (cli-json.c): diagnostics on stderr, buffered standard
 * output, and the one JSON writer on top of either. The bottom of src/:
 * it includes no other header of the CLI, so every other file may use it
 * and it calls none of them.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The program name for messages: "dualstack addr". */
extern const char *cli_prog;

/* "dualstack addr: MESSAGE\n" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Buffered standard output for commands that print a line per input
 * (filters, packet dissection): lines are copied into one buffer written
 * with write(2) when it fills, so a line costs a few memcpys and no system
 * call. Use one static instance per command (it is large); never mix with
 * stdio output without cli_out_flush() first.
 */
#define CLI_OUT_BUF (1u << 20)

struct cli_out {
	size_t len;
	bool failed; /* a write failed: stop producing */
	bool epipe;  /* ... because the reader went away */
	char buf[CLI_OUT_BUF];
};

/* Write out what is buffered; a write error is reported once, on stderr. */
void cli_out_flush(struct cli_out *o);

/* Room for n more bytes (n <= CLI_OUT_BUF); returns where they go. */
static inline char *
cli_out_reserve(struct cli_out *o, size_t n)
{
	if (o->len + n > CLI_OUT_BUF)
		cli_out_flush(o);
	return o->buf + o->len;
}

static inline void
cli_out_put(struct cli_out *o, const char *s, size_t n)
{
	memcpy(cli_out_reserve(o, n), s, n);
	o->len += n;
}

static inline void
cli_out_str(struct cli_out *o, const char *s)
{
	cli_out_put(o, s, strlen(s));
}

/*
 * Writing through a local pointer. A char stored into buf may alias len as
 * far as the compiler knows, so the helpers above load and store len again
 * for every piece; a hot writer that puts many pieces takes its position
 * once (p = o->buf + o->len after cli_out_reserve()), writes through p,
 * asks cli_out_room() before each stretch that could pass what it was
 * given, and stores the length once with cli_out_done().
 */
static inline char *
cli_out_room(struct cli_out *o, char *p, size_t n)
{
	if ((size_t)(o->buf + CLI_OUT_BUF - p) < n) {
		o->len = (size_t)(p - o->buf);
		cli_out_flush(o);
		p = o->buf + o->len;
	}
	return p;
}

static inline void
cli_out_done(struct cli_out *o, char *p)
{
	o->len = (size_t)(p - o->buf);
}

/* "00" to "99": two decimal digits a copy, for the writers of numbers
 * here and in the commands. */
static const char cli_digit_pairs[] = "00010203040506070809"
                                      "10111213141516171819"
                                      "20212223242526272829"
                                      "30313233343536373839"
                                      "40414243444546474849"
                                      "50515253545556575859"
                                      "60616263646566676869"
                                      "70717273747576777879"
                                      "80818283848586878889"
                                      "90919293949596979899";

/*
 * v in decimal with at least 'width' digits (zero-padded, width <= 20)
 * into buf, not terminated; returns the length (at most 20). By hand and
 * straight into place, two digits per division, the length from the
 * highest bit set (the IntegerLog10 of "Bit Twiddling Hacks"): printf
 * would cost more than the rest of a line.
 */
static inline size_t
cli_fmt_u64(char *buf, uint64_t v, unsigned width)
{
	const char *pairs = cli_digit_pairs;
	static const uint64_t pow10[20] = {1u, 10u, 100u, 1000u, 10000u,
	    100000u, 1000000u, 10000000u, 100000000u, 1000000000u, 10000000000u,
	    100000000000u, 1000000000000u, 10000000000000u, 100000000000000u,
	    1000000000000000u, 10000000000000000u, 100000000000000000u,
	    1000000000000000000u, 10000000000000000000u};
	unsigned t = (unsigned)(64 - __builtin_clzll(v | 1)) * 1233 >> 12;
	size_t n = t + 1 - (v < pow10[t]) + (v == 0), i;

	if (n < width)
		n = width;
	i = n;
	while (v > UINT32_MAX) {
		unsigned r = (unsigned)(v % 100);

		v /= 100;
		i -= 2;
		memcpy(buf + i, pairs + 2 * r, 2);
	}
	/* Most numbers (ports, lengths, sequence numbers) fit in 32 bits,
	 * where dividing by 100 is a shorter multiplication. */
	for (uint32_t w = (uint32_t)v;;) {
		if (w < 10) {
			buf[--i] = (char)('0' + w);
			break;
		}
		if (w < 100) {
			i -= 2;
			memcpy(buf + i, pairs + 2 * w, 2);
			break;
		}
		i -= 2;
		memcpy(buf + i, pairs + 2 * (w % 100), 2);
		w /= 100;
	}
	while (i > 0)
		buf[--i] = '0';
	return n;
}

static inline void
cli_out_u64_pad(struct cli_out *o, uint64_t v, unsigned width)
{
	char *p = cli_out_reserve(o, 20);

	o->len += cli_fmt_u64(p, v, width);
}

static inline void
cli_out_u64(struct cli_out *o, uint64_t v)
{
	cli_out_u64_pad(o, v, 1);
}

static inline void
cli_out_i64(struct cli_out *o, int64_t v)
{
	if (v < 0) {
		cli_out_put(o, "-", 1);
		cli_out_u64(o, (uint64_t)0 - (uint64_t)v);
	} else {
		cli_out_u64(o, (uint64_t)v);
	}
}

/*
 * The streaming JSON writer (cli-json.c), the one every command uses. It
 * keeps commas and nesting right; the caller keeps keys and values
 * paired. String values are escaped (quotes, backslashes, control
 * characters, and octets above 0x7f as the Unicode escape of their
 * Latin-1 code point, so any input gives ASCII JSON). Keys are the program's
 * own names -- literals, library tokens -- and are written as they are: never
 * pass text from outside as a key (a debug build checks). Depth is bounded (CLI
 * output is shallow).
 */
#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;           /* the stream written to, or NULL ... */
	struct cli_out *o; /* ... when writing into this buffer */
	unsigned depth;
	bool first[JSON_MAX_DEPTH];    /* nothing written yet at this level */
	bool is_array[JSON_MAX_DEPTH]; /* this level closes with ']' */
	bool after_key;
	bool pretty;
};

void json_init(struct json *j, FILE *f, bool pretty);
/* The same writer into a struct cli_out, for output on the hot path: no
 * stdio call per value (dissect --json writes a million objects a
 * second). */
void json_init_out(struct json *j, struct cli_out *o, bool pretty);
void json_begin_object(struct json *j);
void json_begin_array(struct json *j);
void json_end(struct json *j); /* closes the innermost object or array */
void json_key_len(struct json *j, const char *key, size_t len);
void json_string_len(struct json *j, const char *s, size_t len);
void json_int(struct json *j, long long v);
void json_uint(struct json *j, unsigned long long v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* A number written as is, e.g. a 128-bit count in decimal. */
void json_raw(struct json *j, const char *text);
/* End of document: a newline. */
void json_finish(struct json *j);

/* key + value in one call. */
void json_kv_string_len(
    struct json *j, const char *key, size_t klen, const char *s, size_t len);
void json_kv_int(struct json *j, const char *key, long long v);
void json_kv_u64_len(struct json *j, const char *key, size_t klen, uint64_t v);
void json_kv_bool(struct json *j, const char *key, bool v);
/* A duration given in microseconds, written as milliseconds with three
 * decimals: "elapsed_ms": 253.903. */
void json_kv_ms(struct json *j, const char *key, uint64_t us);

/* The forms with C strings. Inline, so that the length of a literal key
 * is known at compile time. */
static inline void
json_key(struct json *j, const char *key)
{
	json_key_len(j, key, strlen(key));
}

static inline void
json_string(struct json *j, const char *s)
{
	json_string_len(j, s, strlen(s));
}

static inline void
json_kv_string(struct json *j, const char *key, const char *s)
{
	json_kv_string_len(j, key, strlen(key), s, strlen(s));
}

static inline void
json_kv_u64(struct json *j, const char *key, uint64_t v)
{
	json_kv_u64_len(j, key, strlen(key), v);
}

#endif
