// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpuiso monitor: follow CPU events (add, remove, online, offline, and the
 * change events of cpuN/state transitions) live, one line or one JSON
 * object a line per event.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <libudev.h>

#include "cli.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct udev *, udev_unref)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct udev_monitor *, udev_monitor_unref)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct udev_device *, udev_device_unref)

/* "cpu12" -> 12; -1 for the subsystem's other devices */
static int cpu_number(const char *sysname)
{
	char *end;
	long n;

	if (!sysname || strncmp(sysname, "cpu", 3) || !sysname[3])
		return -1;
	n = strtol(sysname + 3, &end, 10);
	return *end || n < 0 || n >= CPUISO_MAX_CPUS ? -1 : (int)n;
}

static void print_event(struct udev_device *dev, bool json)
{
	const char *action = udev_device_get_action(dev);
	const char *cpu_state = udev_device_get_property_value(dev, "CPU_STATE");
	const char *state = udev_device_get_sysattr_value(dev, "state");
	const char *online = udev_device_get_sysattr_value(dev, "online");
	int cpu = cpu_number(udev_device_get_sysname(dev));
	struct timespec ts;

	if (cpu < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	/* no state file: a kernel without the series, or a removed CPU */
	if (!state && online)
		state = strcmp(online, "1") ? "offline" : "online";
	if (json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "time", json_object_new_double(
			(double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) / 1000));
		json_object_object_add(o, "cpu", json_object_new_int(cpu));
		json_object_object_add(o, "action", action ? json_object_new_string(action) : NULL);
		json_object_object_add(o, "cpu-state",
				       cpu_state ? json_object_new_string(cpu_state) : NULL);
		json_object_object_add(o, "state", state ? json_object_new_string(state) : NULL);
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_SPACED |
						    JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		printf("%lld.%03ld cpu%d %s%s%s%s%s\n", (long long)ts.tv_sec,
		       ts.tv_nsec / 1000000, cpu, action ? action : "?",
		       cpu_state ? " CPU_STATE=" : "", cpu_state ? cpu_state : "",
		       state ? " state=" : "", state ? state : "");
	}
	fflush(stdout);
}

int cmd_monitor(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "udev", no_argument, NULL, 'u' },
		{ "count", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_(udev_unrefp) struct udev *udev = NULL;
	_cleanup_(udev_monitor_unrefp) struct udev_monitor *mon = NULL;
	const char *source = "kernel";
	long count = -1;
	char *end;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "uc:Jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'u':
			source = "udev";
			break;
		case 'c':
			count = strtol(optarg, &end, 10);
			if (*end || end == optarg || count <= 0) {
				warnx_("--count: '%s' is not a positive number", optarg);
				return usage_error("monitor", NULL);
			}
			break;
		case 'J':
			cli_set_json(cli);
			break;
		case 'h':
			printf("Usage: cpuiso monitor [--udev] [--count N] [-J]\n"
			       "  events as the kernel sends them, or with --udev once udev\n"
			       "  has run its rules (cpuiso's among them)\n");
			return EXIT_OK;
		default:
			return usage_error("monitor", NULL);
		}
	}
	if (argc != optind)
		return usage_error("monitor", "takes no arguments");
	if (strcmp(cpuiso_ctx_get_root(cli->ctx), "/"))
		return usage_error("monitor", "follows the running kernel: --sysroot does not apply");

	udev = udev_new();
	if (!udev)
		goto fail;
	mon = udev_monitor_new_from_netlink(udev, source);
	if (!mon ||
	    udev_monitor_filter_add_match_subsystem_devtype(mon, "cpu", NULL) < 0 ||
	    udev_monitor_enable_receiving(mon) < 0)
		goto fail;

	while (count != 0) {
		struct pollfd pfd = { udev_monitor_get_fd(mon), POLLIN, 0 };
		_cleanup_(udev_device_unrefp) struct udev_device *dev = NULL;

		r = poll(&pfd, 1, -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		dev = udev_monitor_receive_device(mon);
		if (!dev || cpu_number(udev_device_get_sysname(dev)) < 0)
			continue;
		print_event(dev, cli->json);
		if (count > 0)
			count--;
	}
	return EXIT_OK;
fail:
	warnx_("cannot follow %s CPU events: %s", source, strerror(errno));
	return EXIT_FAIL;
}
