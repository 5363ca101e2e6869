/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_CLI_CHART_H
#define DUALSTACK_CLI_CHART_H

/*
 * Pictures in text and in SVG, shared by connect (the race), load (the
 * latency histogram) and resolve (the query times): how wide the
 * terminal is, whether colour may be used, bars on a common axis, and a
 * minimal SVG writer. The data and the words stay with each command.
 */

#include <stdbool.h>
#include <stdio.h>

/* The columns to draw in on f: $COLUMNS, else the terminal's width,
 * else 80; never fewer than CLI_CHART_MIN_COLS. */
#define CLI_CHART_MIN_COLS 40
#define CLI_CHART_MAX_COLS 400
unsigned cli_chart_width(FILE *f);

/* Colour only on a terminal, and never when NO_COLOR is set
 * (https://no-color.org). */
bool cli_chart_color(FILE *f);

/* The column of value v on an axis from 0 to max drawn in cols columns,
 * 0 to cols; max 0 puts everything in column 0. */
unsigned cli_chart_col(double v, double max, unsigned cols);

/*
 * One bar in a field of cols columns: spaces up to column from, then len
 * times ch, then spaces to cols. With
 * colour, the bar is drawn in the SGR colour sgr ("32" green).
 */
void cli_chart_bar(FILE *f, unsigned cols, unsigned from, unsigned len, char ch,
    bool color, const char *sgr);

/* --- SVG ------------------------------------------------------------------ */

/* Open path for writing (fails with a message on stderr, returns NULL),
 * and write the XML declaration and the <svg> element, width x height
 * pixels, with title as its <title>. */
FILE *cli_svg_open(
    const char *path, unsigned width, unsigned height, const char *title);
/* A rectangle; cls names what it shows ("bar", "axis"), for readers of
 * the file and for tests; title, when not NULL, is its tooltip. */
void cli_svg_rect(FILE *f, double x, double y, double w, double h,
    const char *fill, const char *cls, const char *title);
/* Text at x, y; anchor "start", "middle" or "end". The text is escaped. */
void cli_svg_text(
    FILE *f, double x, double y, const char *anchor, const char *text);
/* Close the <svg> element and the file; 0, or EXIT_INTERNAL after a
 * message naming path when a write failed. */
int cli_svg_close(FILE *f, const char *path);

#endif
