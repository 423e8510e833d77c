// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * verify --plot FILE: the noise timeline, one lane per CPU, each traced
 * event a tick coloured by its cause (the eight most frequent named in a
 * legend, the rest grey).  Drawn with cairo, SVG or PNG by the file's
 * extension; a build without cairo says so.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "config.h"

#if HAVE_CAIRO
#include <cairo.h>
#include <cairo-svg.h>
#include <fontconfig/fontconfig.h>
#endif

enum fmt { FMT_SVG, FMT_PNG };

static int fmt_of(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot && strcasecmp(dot, ".svg") == 0)
		return FMT_SVG;
	if (dot && strcasecmp(dot, ".png") == 0)
		return FMT_PNG;
	return -EINVAL;
}

int plot_check(const char *path)
{
	if (fmt_of(path) < 0) {
		warnx_("--plot %s: the name must end in .svg or .png", path);
		return -EINVAL;
	}
#if !HAVE_CAIRO
	warnx_("--plot: this cpuiso is built without cairo (meson -Dplot=enabled)");
	return -ENOTSUP;
#else
	return 0;
#endif
}

#if HAVE_CAIRO

#define W 960.0
#define LEFT 170.0
#define RIGHT 20.0
#define TOP 40.0
#define LANE 60.0
#define NCOLOURS 8

static const double palette[NCOLOURS][3] = {
	{ 0.84, 0.15, 0.16 }, { 0.12, 0.47, 0.71 }, { 1.00, 0.50, 0.05 },
	{ 0.17, 0.63, 0.17 }, { 0.58, 0.40, 0.74 }, { 0.55, 0.34, 0.29 },
	{ 0.89, 0.47, 0.76 }, { 0.09, 0.75, 0.81 },
};

struct name_count {
	const char *name;
	size_t count;
};

static int by_count(const void *a, const void *b)
{
	const struct name_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* The causes of all lanes, most frequent first */
static struct name_count *causes(struct cpuiso_noise *const *res, size_t n,
				 size_t *len)
{
	struct name_count *v = NULL;

	*len = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < cpuiso_noise_nr_events(res[i]); j++) {
			const char *name = cpuiso_noise_get_event(res[i], j)->name;
			size_t k;

			for (k = 0; k < *len && strcmp(v[k].name, name); k++)
				;
			if (k == *len) {
				struct name_count *nv = realloc(v, (k + 1) * sizeof(*v));

				if (!nv) {
					free(v);
					return NULL;
				}
				v = nv;
				v[k] = (struct name_count) { name, 0 };
				(*len)++;
			}
			v[k].count++;
		}
	if (*len)
		qsort(v, *len, sizeof(*v), by_count);
	return v ? v : calloc(1, sizeof(*v));
}

static void colour(cairo_t *cr, const struct name_count *v, size_t len,
		   const char *name)
{
	for (size_t k = 0; k < len && k < NCOLOURS; k++)
		if (strcmp(v[k].name, name) == 0) {
			cairo_set_source_rgb(cr, palette[k][0], palette[k][1],
					     palette[k][2]);
			return;
		}
	cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
}

static void draw(cairo_t *cr, struct cpuiso_noise *const *res, size_t n,
		 double threshold, const struct name_count *v, size_t len)
{
	double span = 0, legend_y = TOP + n * LANE + 30;
	char buf[160];

	for (size_t i = 0; i < n; i++)
		if (cpuiso_noise_get_seconds(res[i]) > span)
			span = cpuiso_noise_get_seconds(res[i]);
	if (span <= 0)
		span = 1;
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
			       CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, 13);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_move_to(cr, 10, 22);
	snprintf(buf, sizeof(buf), "cpuiso verify: what reached each CPU, "
		 "seconds from the window's opening (threshold %g/s)", threshold);
	cairo_show_text(cr, buf);

	for (size_t i = 0; i < n; i++) {
		double y = TOP + i * LANE, secs = cpuiso_noise_get_seconds(res[i]);
		const char *note = NULL;

		cairo_set_source_rgb(cr, 0, 0, 0);
		cairo_move_to(cr, 10, y + 26);
		snprintf(buf, sizeof(buf), "CPU %u  %s", cpuiso_noise_get_cpu(res[i]),
			 cpuiso_noise_is_quiet(res[i], threshold) ? "quiet" : "disturbed");
		cairo_show_text(cr, buf);
		cairo_move_to(cr, 10, y + 44);
		snprintf(buf, sizeof(buf), "%.1f/s", cpuiso_noise_get_rate(res[i]));
		cairo_show_text(cr, buf);
		/* the lane and its axis */
		cairo_set_source_rgb(cr, 0.93, 0.93, 0.93);
		cairo_rectangle(cr, LEFT, y + 8, (W - LEFT - RIGHT) * secs / span, LANE - 16);
		cairo_fill(cr);
		if (!cpuiso_noise_is_traced(res[i], &note)) {
			cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
			cairo_move_to(cr, LEFT + 8, y + 34);
			snprintf(buf, sizeof(buf), "not traced (%s)", note ? note : "?");
			cairo_show_text(cr, buf);
			continue;
		}
		cairo_set_line_width(cr, 1.5);
		for (size_t j = 0; j < cpuiso_noise_nr_events(res[i]); j++) {
			const struct cpuiso_noise_event *e = cpuiso_noise_get_event(res[i], j);
			double x = LEFT + (W - LEFT - RIGHT) * e->t / span;

			if (e->t < 0 || e->t > span)
				continue;
			colour(cr, v, len, e->name);
			/* hard IRQs on top, softirqs in the middle, threads below */
			cairo_move_to(cr, x, y + 8 + e->cls * (LANE - 16) / 3);
			cairo_rel_line_to(cr, 0, (LANE - 16) / 3);
			cairo_stroke(cr);
		}
	}
	/* seconds along the bottom */
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_font_size(cr, 11);
	for (int s = 0; s <= 10; s++) {
		double x = LEFT + (W - LEFT - RIGHT) * s / 10.0;

		cairo_move_to(cr, x - 8, TOP + n * LANE + 12);
		snprintf(buf, sizeof(buf), "%.1f", span * s / 10.0);
		cairo_show_text(cr, buf);
	}
	for (size_t k = 0; k <= len && k <= NCOLOURS; k++) {
		double x = 10 + (k % 3) * 310, y = legend_y + (k / 3) * 18;

		if (k == len || k == NCOLOURS) {
			if (len <= NCOLOURS)
				break;
			cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
		} else {
			cairo_set_source_rgb(cr, palette[k][0], palette[k][1], palette[k][2]);
		}
		cairo_rectangle(cr, x, y - 9, 12, 10);
		cairo_fill(cr);
		cairo_set_source_rgb(cr, 0, 0, 0);
		cairo_move_to(cr, x + 18, y);
		if (k < len && k < NCOLOURS)
			snprintf(buf, sizeof(buf), "%s (%zu)", v[k].name, v[k].count);
		else
			snprintf(buf, sizeof(buf), "other");
		cairo_show_text(cr, buf);
	}
}

int plot_write(const char *path, struct cpuiso_noise *const *res, size_t n,
	       double threshold)
{
	_cleanup_free_ struct name_count *v = NULL;
	size_t len;
	double h;
	cairo_surface_t *sf;
	cairo_status_t st;
	cairo_t *cr;

	v = causes(res, n, &len);
	if (!v)
		return -ENOMEM;
	h = TOP + n * LANE + 40 + ((len < NCOLOURS ? len : NCOLOURS + 1) + 2) / 3 * 18;
	sf = fmt_of(path) == FMT_SVG ? cairo_svg_surface_create(path, W, h) :
		cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)W, (int)h);
	cr = cairo_create(sf);
	draw(cr, res, n, threshold, v, len);
	cairo_destroy(cr);
	cairo_surface_flush(sf);
	st = fmt_of(path) == FMT_PNG ? cairo_surface_write_to_png(sf, path) :
		cairo_surface_status(sf);
	cairo_surface_finish(sf);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(sf);
	cairo_surface_destroy(sf);
	/* give back the font caches: nothing is drawn after this */
	cairo_debug_reset_static_data();
	FcFini();
	if (st != CAIRO_STATUS_SUCCESS) {
		warnx_("cannot write %s: %s", path, cairo_status_to_string(st));
		return -EIO;
	}
	return 0;
}

#else

int plot_write(const char *path, struct cpuiso_noise *const *res, size_t n,
	       double threshold)
{
	(void)path;
	(void)res;
	(void)n;
	(void)threshold;
	return -ENOTSUP;
}

#endif
