/*
 * libFuzzer target: --proto's judgement of replies (lib/core/proto). The
 * first byte picks the protocol, the end-of-file flag and a cut; the rest
 * is the reply as a server might send it. Every prefix is judged as it
 * would be after each read, and the goodbye is walked over what came.
 * What must hold: no crash or overread; a verdict once given does not
 * turn into "more" with more bytes; at PROTO_REPLY_MAX bytes or at EOF
 * there is always a verdict; the server's words are a NUL-terminated
 * string within said and note, with no control byte in them (escaped);
 * a goodbye never asks to send more than PROTO_REQ_MAX bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
clean_str(const char *s, size_t room)
{
	size_t n = strnlen(s, room);

	if (n == room)
		abort();	/* no NUL within the field */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			abort();	/* a raw byte got through */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int st[2] = { 404, 503 };
	struct proto_opts o;
	struct proto_res r;
	char out[PROTO_REQ_MAX];
	const char *buf;
	size_t len, outlen, step_len;
	int eof, step = 0, judged = 0;

	if (size < 1)
		return 0;
	memset(&o, 0, sizeof(o));
	o.proto = (enum proto)(1 + data[0] % 5);
	o.http_status = st;
	o.nhttp_status = data[0] & 0x40 ? 2 : 0;
	eof = data[0] & 0x80;
	buf = (const char *)data + 1;
	len = size - 1;
	/* reads of 1..16 bytes, as they might come */
	step_len = 1 + (data[0] >> 3 & 0x0f);
	for (size_t n = 0; ; n += step_len) {
		size_t m = n < len ? n : len;
		enum proto_verdict v;

		v = proto_judge(&o, buf, m, m == len && eof, &r);
		if (judged && v == PV_MORE)
			abort();	/* a verdict does not go back */
		if ((m >= PROTO_REPLY_MAX || (m == len && eof)) && v == PV_MORE)
			abort();	/* the end of a reply is judged */
		clean_str(r.said, sizeof(r.said));
		clean_str(r.note, sizeof(r.note));
		if (v != PV_MORE)
			judged = 1;
		if (m == len)
			break;
	}
	if (!judged)
		return 0;
	for (int i = 0; i < 8; i++) {
		int more = proto_bye(&o, &r, buf, len, &step, out, &outlen);

		if (outlen > sizeof(out))
			abort();
		if (!more)
			break;
	}
	return 0;
}
