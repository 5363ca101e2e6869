/* SPDX-License-Identifier: MIT */
/*
 * Pictures in text and SVG for the commands that draw them; see
 * cli-chart.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli-chart.h"
#include "cli.h"

unsigned
cli_chart_width(FILE *f)
{
	const char *env = getenv("COLUMNS");
	struct winsize ws;
	unsigned long n = 0;
	char *end;

	if (env && *env) {
		errno = 0;
		n = strtoul(env, &end, 10);
		if (errno || *end)
			n = 0;
	}
	if (n == 0 && ioctl(fileno(f), TIOCGWINSZ, &ws) == 0)
		n = ws.ws_col;
	if (n == 0)
		n = 80;
	if (n < CLI_CHART_MIN_COLS)
		n = CLI_CHART_MIN_COLS;
	if (n > CLI_CHART_MAX_COLS)
		n = CLI_CHART_MAX_COLS;
	return (unsigned)n;
}

bool
cli_chart_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR");

	/* no-color.org: set and not empty disables colour. */
	if (nc && *nc)
		return false;
	return isatty(fileno(f));
}

unsigned
cli_chart_col(double v, double max, unsigned cols)
{
	double c;

	if (max <= 0 || v <= 0)
		return 0;
	c = v / max * cols + 0.5;
	return c >= cols ? cols : (unsigned)c;
}

void
cli_chart_bar(FILE *f, unsigned cols, unsigned from, unsigned len, char ch,
    bool color, const char *sgr)
{
	unsigned i;

	if (from > cols)
		from = cols;
	if (len > cols - from)
		len = cols - from;
	for (i = 0; i < from; i++)
		fputc(' ', f);
	if (color && len)
		fprintf(f, "\033[%sm", sgr);
	for (i = 0; i < len; i++)
		fputc(ch, f);
	if (color && len)
		fputs("\033[0m", f);
	for (i = from + len; i < cols; i++)
		fputc(' ', f);
}

/* --- SVG ------------------------------------------------------------------ */

/* XML character data and attribute values: the five that must be
 * escaped (XML 1.0 section 2.4), control characters dropped. */
static void
svg_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		default:
			if ((unsigned char)*s >= 0x20)
				fputc(*s, f);
		}
	}
}

FILE *
cli_svg_open(
    const char *path, unsigned width, unsigned height, const char *title)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		cli_error("--svg %s: %s", path, strerror(errno));
		return NULL;
	}
	fprintf(f,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" "
	    "height=\"%u\" viewBox=\"0 0 %u %u\" "
	    "font-family=\"monospace\" font-size=\"12\">\n<title>",
	    width, height, width, height);
	svg_escaped(f, title);
	fputs("</title>\n", f);
	fprintf(f,
	    "<rect class=\"background\" x=\"0\" y=\"0\" width=\"%u\" "
	    "height=\"%u\" fill=\"white\"/>\n",
	    width, height);
	return f;
}

void
cli_svg_rect(FILE *f, double x, double y, double w, double h, const char *fill,
    const char *cls, const char *title)
{
	fprintf(f,
	    "<rect class=\"%s\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
	    "height=\"%.2f\" fill=\"%s\"",
	    cls, x, y, w, h, fill);
	if (!title) {
		fputs("/>\n", f);
		return;
	}
	fputs("><title>", f);
	svg_escaped(f, title);
	fputs("</title></rect>\n", f);
}

void
cli_svg_text(FILE *f, double x, double y, const char *anchor, const char *text)
{
	fprintf(
	    f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"%s\">", x, y, anchor);
	svg_escaped(f, text);
	fputs("</text>\n", f);
}

int
cli_svg_close(FILE *f, const char *path)
{
	int err;

	fputs("</svg>\n", f);
	err = ferror(f);
	if (fclose(f) != 0 || err) {
		cli_error("--svg %s: write failed", path);
		return EXIT_INTERNAL;
	}
	return EXIT_OK;
}
