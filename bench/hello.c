/*
 * hello: the floor of a whole-process measurement. Built statically, it
 * costs one fork/exec, one write and an exit.
 */
#include <unistd.h>

int
main(void)
{
	return write(1, "hello\n", 6) == 6 ? 0 : 1;
}
