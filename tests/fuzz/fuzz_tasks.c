/* libFuzzer target: /proc/PID/task/TID/syscall, stat and fdinfo texts
 * parse without crashing; the first byte picks the file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tasks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tasks_fdinfo fi;
	struct task_wait w;
	char *text;

	if (size < 1)
		return 0;
	text = malloc(size);
	if (text == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0:
		if (tasks_parse_syscall(text, &w) == 0) {
			if (w.kind < TK_UNKNOWN || w.kind > TK_OTHER)
				abort();
			if (w.fd < -1 || (w.name != NULL &&
			    tasks_syscall_name(w.nr) != w.name))
				abort();
		}
		break;
	case 1:
		(void)tasks_parse_state(text);
		break;
	default:
		if (tasks_parse_fdinfo(text, &fi) == 0 && (fi.ntfd < 0 ||
		    !fi.has_flags))
			abort();
		break;
	}
	free(text);
	return 0;
}
