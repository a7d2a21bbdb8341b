/*
 * timewait [reuse|noreuse]: leaves a TIME_WAIT socket on 127.0.0.1:PORT
 * and prints PORT. The server side closes first, so the TIME_WAIT is on the
 * server's port; "reuse" sets SO_REUSEADDR on the listener (the accepted
 * socket inherits it), "noreuse" does not. Loopback only.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int ls, cs, as, on = 1;
	char b;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((ls = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return perror("socket"), 1;
	if (argc > 1 && strcmp(argv[1], "reuse") == 0 &&
	    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		return perror("setsockopt"), 1;
	if (bind(ls, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(ls, 1) == -1 ||
	    getsockname(ls, (struct sockaddr *)&sin, &len) == -1)
		return perror("bind/listen"), 1;
	if ((cs = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(cs, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		return perror("connect"), 1;
	if ((as = accept(ls, NULL, NULL)) == -1)
		return perror("accept"), 1;
	close(ls);
	close(as);		/* the server closes first: TIME_WAIT is its */
	if (read(cs, &b, 1) != 0)	/* wait for its FIN */
		return fprintf(stderr, "expected EOF\n"), 1;
	close(cs);
	printf("%d\n", ntohs(sin.sin_port));
	return 0;
}
