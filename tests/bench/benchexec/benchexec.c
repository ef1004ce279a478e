/*
 * benchexec [-c CGROUP_PROCS] [-u] [--] CMD [ARGS...]
 *
 * A tiny exec wrapper for the benchmark, in C so that it adds as little as
 * possible (one execve of a small static binary) to what it wraps:
 *
 *   -c FILE  write our pid into FILE (a cgroup.procs file) first, so CMD and
 *            everything it forks start in that cgroup (peak-memory measure).
 *   -u       run CMD in a private mount namespace without the cgroup2 mount
 *            at /sys/fs/cgroup/unified: crun 1.8 takes that controller-less
 *            tree for the cgroup hierarchy on a hybrid host and fails. Same
 *            effect as `unshare -m sh -c 'umount /sys/fs/cgroup/unified;
 *            exec crun "$@"'`, without the unshare and sh execs.
 *
 * The umount never reaches the host: / is made MS_REC|MS_PRIVATE in the new
 * namespace first, and a failure there aborts before anything is unmounted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "benchexec: %s: %s\n", what, strerror(errno));
	exit(127);
}

int main(int argc, char **argv)
{
	const char *procs = NULL;
	int unified = 0;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			procs = argv[++i];
		else if (strcmp(argv[i], "-u") == 0)
			unified = 1;
		else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else
			break;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: benchexec [-c CGROUP_PROCS] [-u] [--] CMD [ARGS...]\n");
		return 2;
	}

	if (procs) {
		char buf[32];
		int fd = open(procs, O_WRONLY | O_CLOEXEC);
		int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

		if (fd < 0)
			die(procs);
		if (write(fd, buf, n) != n)
			die(procs);
		close(fd);
	}

	if (unified) {
		if (unshare(CLONE_NEWNS) < 0)
			die("unshare(CLONE_NEWNS)");
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			die("make / private");
		/* EINVAL: not a mount point, ENOENT: no such dir (pure v1 or v2 host). */
		if (umount2("/sys/fs/cgroup/unified", 0) < 0 && errno != EINVAL && errno != ENOENT)
			die("umount /sys/fs/cgroup/unified");
	}

	execvp(argv[i], argv + i);
	die(argv[i]);
	return 127;
}
