/* SPDX-License-Identifier: MIT */
/*
 * The CLI's output (cli-json.h): diagnostics, buffered standard output,
 * and the one JSON writer of the CLI: a stream of values with commas,
 * nesting and, when asked, indentation kept right, and the one string
 * escaper.
 *
 * It writes to a stdio stream or to a struct cli_out. The second is for
 * output on the hot path (dissect's NDJSON, a million objects a second):
 * bytes go straight into the buffer, numbers are formatted by hand, and
 * strings are escaped in place, with no stdio call per character.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli-json.h"

/* --- Diagnostics and buffered output ------------------------------------ */

const char *cli_prog = "dualstack";

void
cli_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", cli_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
cli_out_flush(struct cli_out *o)
{
	size_t off = 0;

	while (off < o->len && !o->failed) {
		ssize_t n = write(STDOUT_FILENO, o->buf + off, o->len - off);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE)
				o->epipe = true;
			else
				cli_error("error writing output: %s",
				    strerror(errno));
			o->failed = true;
			break;
		}
		off += (size_t)n;
	}
	o->len = 0;
}

/* --- JSON ---------------------------------------------------------------- */

void
json_init(struct json *j, FILE *f, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->pretty = pretty;
	j->first[0] = true;
}

void
json_init_out(struct json *j, struct cli_out *o, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->o = o;
	j->pretty = pretty;
	j->first[0] = true;
}

static void
put(struct json *j, const char *s, size_t n)
{
	if (j->o)
		cli_out_put(j->o, s, n);
	else
		fwrite(s, 1, n, j->f);
}

static void
put_c(struct json *j, char c)
{
	if (j->o) {
		*cli_out_reserve(j->o, 1) = c;
		j->o->len++;
	} else {
		fputc(c, j->f);
	}
}

/* The escape of one octet that cannot stand for itself; returns the end. */
static char *
escape_octet(char *p, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";

	*p++ = '\\';
	switch (c) {
	case '"':
	case '\\':
		*p++ = (char)c;
		break;
	case '\n':
		*p++ = 'n';
		break;
	case '\r':
		*p++ = 'r';
		break;
	case '\t':
		*p++ = 't';
		break;
	default:
		*p++ = 'u';
		*p++ = '0';
		*p++ = '0';
		*p++ = hex[c >> 4];
		*p++ = hex[c & 0xf];
		break;
	}
	return p;
}

/*
 * s as a JSON string, quotes included, at p (STRING_ROOM(len) octets
 * always suffice); returns the end. Quotes and backslashes are escaped,
 * control characters and DEL too, and every octet above 0x7f as the
 * Latin-1 code point of that octet: input is not guaranteed UTF-8 (packet
 * contents, file names), and this keeps the document valid ASCII.
 */
#define STRING_ROOM(len) (6 * (len) + 2)

static char *
escape(char *p, const char *s, size_t len)
{
	*p++ = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (__builtin_expect(
		        c >= 0x20 && c < 0x7f && c != '"' && c != '\\', 1))
			*p++ = (char)c;
		else
			p = escape_octet(p, c);
	}
	*p++ = '"';
	return p;
}

/*
 * Does no octet of w need escaping? Eight at a time, with the tests of
 * "Bit Twiddling Hacks": an octet below 0x20 sets its high bit in w -
 * 0x20, one of 0x7f and above in w + 1 or in w itself, a quote or a
 * backslash makes a zero octet in w ^ that character. A borrow or carry
 * only ever leaves an octet that is itself caught, so the answer is
 * exact where it matters: "plain" is never wrong, "not plain" at worst
 * sends a plain word the slow way.
 */
static inline bool
word_plain(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101u, highs = ones << 7;
	uint64_t quote = w ^ (ones * '"'), bslash = w ^ (ones * '\\');
	uint64_t bad = (w - ones * 0x20) | (w + ones) | w;

	bad |= (quote - ones) & ~quote;
	bad |= (bslash - ones) & ~bslash;
	return (bad & highs) == 0;
}

/*
 * Copy s to dst if no octet of it needs escaping, and say whether it did.
 * Most strings (keys, addresses, names) are plain, and this takes a few
 * word loads and stores: whole words, then the last 8 octets
 * (overlapping), or for a short string two overlapping halves or its
 * first, middle and last octet, which cover it all. It never reads past
 * the end of s; when s is not plain, what it wrote is to be overwritten.
 */
static inline bool
copy_plain(char *dst, const char *s, size_t len)
{
	const uint64_t filler = 0x4141414141414141u; /* "AAAAAAAA" */
	uint64_t w;
	uint32_t a, b;
	size_t i;

	if (len >= 8) {
		for (i = 0; i + 8 <= len; i += 8) {
			memcpy(&w, s + i, 8);
			if (!word_plain(w))
				return false;
			memcpy(dst + i, &w, 8);
		}
		if (i == len)
			return true;
		memcpy(&w, s + len - 8, 8);
		memcpy(dst + len - 8, &w, 8);
		return word_plain(w);
	}
	if (len >= 4) {
		memcpy(&a, s, 4);
		memcpy(&b, s + len - 4, 4);
		memcpy(dst, &a, 4);
		memcpy(dst + len - 4, &b, 4);
		return word_plain((uint64_t)a | (uint64_t)b << 32);
	}
	if (len == 0)
		return true;
	dst[0] = s[0];
	dst[len / 2] = s[len / 2];
	dst[len - 1] = s[len - 1];
	w = (filler << 24) | (uint64_t)(unsigned char)s[0] |
	    (uint64_t)(unsigned char)s[len / 2] << 8 |
	    (uint64_t)(unsigned char)s[len - 1] << 16;
	return word_plain(w);
}

/* s as a JSON string at p (STRING_ROOM(len) octets): copied whole when it
 * is plain, else escaped. */
static inline char *
string_to(char *p, const char *s, size_t len)
{
	if (!copy_plain(p + 1, s, len))
		return escape(p, s, len);
	p[0] = '"';
	p[len + 1] = '"';
	return p + len + 2;
}

/* Strings up to this long are escaped in one piece; longer ones in
 * pieces of it, so that any length fits the buffers. */
#define ESCAPE_CHUNK 256

static void
put_string(struct json *j, const char *s, size_t len)
{
	char tmp[STRING_ROOM(ESCAPE_CHUNK)];

	if (len <= ESCAPE_CHUNK) {
		if (j->o) {
			char *p = cli_out_reserve(j->o, STRING_ROOM(len));

			j->o->len += (size_t)(string_to(p, s, len) - p);
		} else {
			fwrite(tmp, 1, (size_t)(string_to(tmp, s, len) - tmp),
			    j->f);
		}
		return;
	}
	/* The pieces without their quotes. */
	put_c(j, '"');
	while (len > 0) {
		size_t k = len < ESCAPE_CHUNK ? len : ESCAPE_CHUNK;
		size_t n = (size_t)(escape(tmp, s, k) - tmp);

		put(j, tmp + 1, n - 2);
		s += k;
		len -= k;
	}
	put_c(j, '"');
}

/*
 * The fast path, for a buffered compact writer (dissect's NDJSON): the
 * comma a value needs and room for n more octets in one reservation.
 * Returns where to write; fast_end() says where writing stopped.
 */
static inline bool
fast(const struct json *j)
{
	return j->o && !j->pretty;
}

static inline char *
fast_begin(struct json *j, size_t n)
{
	char *p = cli_out_reserve(j->o, n + 1);

	if (j->after_key) {
		j->after_key = false;
	} else {
		if (!j->first[j->depth])
			*p++ = ',';
		j->first[j->depth] = false;
	}
	return p;
}

static inline void
fast_end(struct json *j, const char *p)
{
	j->o->len = (size_t)(p - j->o->buf);
}

static void
indent(struct json *j)
{
	if (!j->pretty)
		return;
	put_c(j, '\n');
	for (unsigned i = 0; i < j->depth; i++)
		put(j, "  ", 2);
}

/* Before any value: a comma and indentation unless it follows a key. */
static void
before_value(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		put_c(j, ',');
	j->first[j->depth] = false;
	if (j->depth)
		indent(j);
}

static void
begin(struct json *j, char c)
{
	before_value(j);
	put_c(j, c);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
	j->is_array[j->depth] = c == '[';
}

void
json_begin_object(struct json *j)
{
	begin(j, '{');
}

void
json_begin_array(struct json *j)
{
	begin(j, '[');
}

void
json_end(struct json *j)
{
	bool empty = j->first[j->depth];
	char close = j->is_array[j->depth] ? ']' : '}';

	if (j->depth)
		j->depth--;
	if (!empty)
		indent(j);
	put_c(j, close);
}

/* A key, and the value's string or number in the same reservation. */
/*
 * Keys are the program's own names (cli.h): written as they are, without
 * the escaping every value gets, since a key is written for every field
 * of every packet. A debug build checks each one instead.
 */
static inline bool
key_ok(const char *key, size_t kl)
{
	for (size_t i = 0; i < kl; i++) {
		unsigned char c = (unsigned char)key[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			return false;
	}
	return true;
}

static char *
fast_key(struct json *j, const char *key, size_t kl, size_t room)
{
	char *p = fast_begin(j, kl + 3 + room);

	assert(key_ok(key, kl));
	*p++ = '"';
	memcpy(p, key, kl);
	p += kl;
	*p++ = '"';
	*p++ = ':';
	return p;
}

void
json_key_len(struct json *j, const char *key, size_t kl)
{
	if (fast(j)) {
		fast_end(j, fast_key(j, key, kl, 0));
		j->after_key = true;
		return;
	}
	assert(key_ok(key, kl));
	before_value(j);
	put_c(j, '"');
	put(j, key, kl);
	if (j->pretty)
		put(j, "\": ", 3);
	else
		put(j, "\":", 2);
	j->after_key = true;
}

void
json_string_len(struct json *j, const char *s, size_t len)
{
	if (fast(j) && len <= ESCAPE_CHUNK) {
		fast_end(j, string_to(fast_begin(j, STRING_ROOM(len)), s, len));
		return;
	}
	before_value(j);
	put_string(j, s, len);
}

void
json_int(struct json *j, long long v)
{
	before_value(j);
	if (j->o)
		cli_out_i64(j->o, v);
	else
		fprintf(j->f, "%lld", v);
}

void
json_uint(struct json *j, unsigned long long v)
{
	if (fast(j)) {
		char *p = fast_begin(j, 20);

		fast_end(j, p + cli_fmt_u64(p, v, 1));
		return;
	}
	before_value(j);
	if (j->o)
		cli_out_u64(j->o, v);
	else
		fprintf(j->f, "%llu", v);
}

void
json_bool(struct json *j, bool v)
{
	before_value(j);
	if (v)
		put(j, "true", 4);
	else
		put(j, "false", 5);
}

void
json_null(struct json *j)
{
	before_value(j);
	put(j, "null", 4);
}

void
json_raw(struct json *j, const char *text)
{
	before_value(j);
	put(j, text, strlen(text));
}

void
json_finish(struct json *j)
{
	put_c(j, '\n');
}

void
json_kv_string_len(
    struct json *j, const char *key, size_t kl, const char *s, size_t len)
{
	if (fast(j) && len <= ESCAPE_CHUNK) {
		char *p = fast_key(j, key, kl, STRING_ROOM(len));

		fast_end(j, string_to(p, s, len));
		return;
	}
	json_key_len(j, key, kl);
	json_string_len(j, s, len);
}

void
json_kv_int(struct json *j, const char *key, long long v)
{
	json_key(j, key);
	json_int(j, v);
}

void
json_kv_u64_len(struct json *j, const char *key, size_t kl, uint64_t v)
{
	if (fast(j)) {
		char *p = fast_key(j, key, kl, 20);

		fast_end(j, p + cli_fmt_u64(p, v, 1));
		return;
	}
	json_key_len(j, key, kl);
	json_uint(j, v);
}

void
json_kv_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}

void
json_kv_ms(struct json *j, const char *key, uint64_t us)
{
	char buf[32];

	json_key(j, key);
	snprintf(buf, sizeof(buf), "%.3f", (double)us / 1000.0);
	json_raw(j, buf);
}
