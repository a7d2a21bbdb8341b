/*
 * The JSON writer: one growable buffer per line, keys and values escaped
 * as RFC 8259 asks. Only the CLI tier (lib/cli/out.c) writes the buffers
 * out.
 */
#ifndef SOCKCTL_JSON_H
#define SOCKCTL_JSON_H

#include <stddef.h>

/* A growable buffer holding JSON text. */
struct jbuf {
	char	*s;
	size_t	 len;
	size_t	 cap;
	int	 depth;
	int	 fragment;	/* made by jb_fragment() */
	unsigned char first[16];	/* no comma needed yet, per depth */
	int	 nomem;		/* an allocation failed: the text is cut */
};

/*
 * jb_init() starts an empty buffer; jb_fragment() one whose keys each get
 * a leading comma, to be appended inside an object opened elsewhere.
 * When memory runs out the buffer keeps what it has and sets nomem;
 * the writer that prints it says so (a JSON line is small and bounded).
 */
void	jb_init(struct jbuf *jb);
void	jb_fragment(struct jbuf *jb);
void	jb_free(struct jbuf *jb);
void	jb_reset(struct jbuf *jb);
void	jb_obj_open(struct jbuf *jb);	/* { (as a value, inside arrays) */
void	jb_obj_close(struct jbuf *jb);
void	jb_arr_open(struct jbuf *jb, const char *key);
void	jb_arr_close(struct jbuf *jb);
void	jb_kobj_open(struct jbuf *jb, const char *key);
void	jb_kstr(struct jbuf *jb, const char *key, const char *val); /* NULL: null */
void	jb_kint(struct jbuf *jb, const char *key, long long val);
void	jb_knum(struct jbuf *jb, const char *key, double val);	/* NaN: null */
void	jb_kbool(struct jbuf *jb, const char *key, int val);
void	jb_knull(struct jbuf *jb, const char *key);
void	jb_str(struct jbuf *jb, const char *val);	/* array element */
void	jb_int(struct jbuf *jb, long long val);		/* array element */

/* Appends n bytes of JSON text made elsewhere (a fragment), as they are. */
void	jb_raw(struct jbuf *jb, const char *s, size_t n);

/* Appends val as a quoted, escaped JSON string (NULL gives null). */
void	jb_quote(struct jbuf *jb, const char *val);

#endif
