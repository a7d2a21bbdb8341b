/*
 * libFuzzer target: esc_term(), the escaping of outside bytes for a
 * terminal in text output. Whatever the input, the output must hold no
 * control byte but '\n', no DEL, no C1 control and no BOM, must be valid
 * UTF-8, and must give the input back when its \xNN are decoded; a small
 * buffer must make progress without overflowing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
ishex(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
}

static int
hexv(unsigned char ch)
{
	return ch <= '9' ? ch - '0' : ch - 'a' + 10;
}

/* Checks out[0..n-1]; appends what it stands for to back. */
static void
check(const unsigned char *o, size_t n, unsigned char *back, size_t *bl)
{
	for (size_t i = 0; i < n; ) {
		unsigned char ch = o[i];
		size_t k = 1;

		if (ch == '\\' && i + 3 < n && o[i + 1] == 'x' &&
		    ishex(o[i + 2]) && ishex(o[i + 3])) {
			back[(*bl)++] = (unsigned char)(hexv(o[i + 2]) << 4 |
			    hexv(o[i + 3]));
			i += 4;
			continue;
		}
		if ((ch < 0x20 && ch != '\n') || ch == 0x7f)
			abort();
		if (ch >= 0x80) {
			k = ch >= 0xf0 ? 4 : ch >= 0xe0 ? 3 : 2;
			if (ch < 0xc2 || ch > 0xf4 || i + k > n)
				abort();
			for (size_t j = 1; j < k; j++)
				if ((o[i + j] & 0xc0) != 0x80)
					abort();
			if (ch == 0xc2 && o[i + 1] < 0xa0)
				abort();	/* C1 */
			if (ch == 0xef && o[i + 1] == 0xbb && o[i + 2] == 0xbf)
				abort();	/* BOM */
		}
		memcpy(back + *bl, o + i, k);
		*bl += k;
		i += k;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *out, *back, small[9];
	size_t used, n, bl = 0, done = 0;

	if (size > 4096)
		return 0;
	out = malloc(size * ESC_TERM_GROWTH + 1);
	back = malloc(size + 1);
	if (out == NULL || back == NULL)
		goto end;
	n = esc_term((const char *)data, size, (char *)out,
	    size * ESC_TERM_GROWTH + 1, &used);
	if (used != size || out[n] != '\0')
		abort();
	check(out, n, back, &bl);
	/* a literal "\x41" in the input decodes as 'A': compare the rest */
	if (memmem(data, size, "\\x", 2) == NULL &&
	    (bl != size || memcmp(back, data, size) != 0))
		abort();
	while (done < size) {
		n = esc_term((const char *)data + done, size - done,
		    (char *)small, sizeof(small), &used);
		if (used == 0 || n >= sizeof(small))
			abort();
		done += used;
	}
end:
	free(out);
	free(back);
	return 0;
}
