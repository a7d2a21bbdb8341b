/* libFuzzer target: any bytes become a well-formed JSON string. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks that s is one JSON string with no raw control bytes and valid UTF-8. */
static void
check(const unsigned char *s, size_t n)
{
	size_t i = 1;

	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		abort();
	while (i < n - 1) {
		unsigned char ch = s[i];

		if (ch < 0x20 || ch == '"')
			abort();
		if (ch == '\\') {
			if (i + 1 >= n - 1 || strchr("\"\\/bfnrtu", s[i + 1]) == NULL)
				abort();
			i += s[i + 1] == 'u' ? 6 : 2;
			continue;
		}
		if (ch >= 0x80) {
			int k = (ch & 0xe0) == 0xc0 ? 1 : (ch & 0xf0) == 0xe0 ? 2 :
			    (ch & 0xf8) == 0xf0 ? 3 : -1;

			if (k < 0)
				abort();
			for (int j = 1; j <= k; j++)
				if (i + (size_t)j >= n - 1 || (s[i + j] & 0xc0) != 0x80)
					abort();
			i += (size_t)k + 1;
			continue;
		}
		i++;
	}
	if (i != n - 1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jbuf jb;
	char *s = malloc(size + 1);

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	jb_init(&jb);
	jb_quote(&jb, s);
	check((const unsigned char *)jb.s, jb.len);
	jb_free(&jb);
	free(s);
	return 0;
}
