// The only C in brig. This constructor runs in every brig process before the
// Go runtime starts any thread. It acts only in a brig init (the parent sets
// _BRIG_INIT to the fd of its socket): it makes the process non-dumpable
// without a window, and joins the namespaces listed in _BRIG_JOIN, which a
// multithreaded Go process could not do for user and mount namespaces.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

// setns order: user first (it grants the capabilities for the others), the
// mount namespace last (joining it changes how later paths resolve; every
// fd is opened before any setns anyway).
static const struct {
	const char *name;
	int flag;
} nstypes[] = {
	{"user", CLONE_NEWUSER}, {"ipc", CLONE_NEWIPC},      {"uts", CLONE_NEWUTS},
	{"net", CLONE_NEWNET},   {"pid", CLONE_NEWPID},      {"cgroup", CLONE_NEWCGROUP},
	{"time", CLONE_NEWTIME}, {"mnt", CLONE_NEWNS},
};
#define NTYPES (sizeof(nstypes) / sizeof(nstypes[0]))

static int sock = -1;

// report sends an error message in the parent/init protocol's JSON form and
// exits: the parent shows it as the cause of the failure.
static void fail(const char *msg)
{
	char buf[1200];
	int n = snprintf(buf, sizeof(buf), "{\"type\":\"error\",\"error\":\"");

	// JSON-escape the message: paths come from config.json.
	for (const char *p = msg; *p && n < (int)sizeof(buf) - 4; p++) {
		if (*p == '"' || *p == '\\')
			buf[n++] = '\\';
		buf[n++] = (*p >= 0 && *p < 0x20) ? ' ' : *p;
	}
	buf[n++] = '"';
	buf[n++] = '}';
	if (sock < 0 || send(sock, buf, (size_t)n, 0) < 0)
		dprintf(2, "brig init: %s\n", msg);
	_exit(1);
}

static void report(const char *what, const char *path, int err)
{
	char msg[1024];

	snprintf(msg, sizeof(msg), "%s %s: %s", what, path, strerror(err));
	fail(msg);
}

// join parses "type:path,type:path" and setns()es into each, then
// unshares the namespaces in unshare_flags (new ones that must be owned by
// a joined user namespace).
static void join(char *list, int unshare_flags)
{
	int fds[NTYPES];
	char *paths[NTYPES];
	int forkneeded = 0;
	char *save = NULL;

	for (size_t i = 0; i < NTYPES; i++)
		fds[i] = -1;
	for (char *ent = strtok_r(list, ",", &save); ent; ent = strtok_r(NULL, ",", &save)) {
		char *path = strchr(ent, ':');
		size_t i;

		if (path == NULL)
			report("malformed namespace entry", ent, EINVAL);
		*path++ = '\0';
		for (i = 0; i < NTYPES; i++)
			if (strcmp(ent, nstypes[i].name) == 0)
				break;
		if (i == NTYPES)
			report("unknown namespace type", ent, EINVAL);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0)
			report("open namespace", path, errno);
		paths[i] = path;
	}
	for (size_t i = 0; i < NTYPES; i++) {
		if (fds[i] < 0)
			continue;
		// The type flag makes the kernel refuse a file that is not a
		// namespace of that type (EINVAL).
		if (setns(fds[i], nstypes[i].flag) < 0) {
			char msg[1024];

			if (errno == EINVAL)
				snprintf(msg, sizeof(msg), "linux.namespaces: %s is not a %s namespace", paths[i], nstypes[i].name);
			else
				snprintf(msg, sizeof(msg), "join %s namespace %s: %s", nstypes[i].name, paths[i], strerror(errno));
			fail(msg);
		}
		close(fds[i]);
		if (nstypes[i].flag == CLONE_NEWPID || nstypes[i].flag == CLONE_NEWTIME)
			forkneeded = 1;
	}
	if (unshare_flags & CLONE_NEWUSER) {
		// A new user namespace after the joins (which needed the host's
		// capabilities): the parent writes its id maps, then we become its
		// root, which owns the namespaces unshared below.
		static const char req[] = "{\"type\":\"userns\"}";
		char buf[256];

		if (unshare(CLONE_NEWUSER) < 0)
			report("unshare", "user namespace", errno);
		if (send(sock, req, sizeof(req) - 1, 0) < 0 || recv(sock, buf, sizeof(buf), 0) <= 0)
			_exit(1);
		if (setresgid(0, 0, 0) < 0)
			report("setresgid", "0", errno);
		if (setresuid(0, 0, 0) < 0)
			report("setresuid", "0", errno);
		unshare_flags &= ~CLONE_NEWUSER;
	}
	if (unshare_flags != 0) {
		if (unshare(unshare_flags) < 0)
			report("unshare", "namespaces", errno);
		if (unshare_flags & (CLONE_NEWPID | CLONE_NEWTIME))
			forkneeded = 1;
	}
	if (!forkneeded)
		return;
	// pid and time namespaces apply to children only. CLONE_PARENT makes the
	// child a sibling of this process, so the runtime that started us can
	// wait for it; we tell the runtime its pid and leave.
	pid_t child = (pid_t)syscall(SYS_clone, CLONE_PARENT | 17 /* SIGCHLD */, 0, 0, 0, 0);
	if (child < 0)
		report("fork into", "pid namespace", errno);
	if (child == 0) {
		// The child is no session leader (its parent was): a terminal
		// could not become its controlling one.
		setsid();
		return;
	}
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "{\"type\":\"pid\",\"pid\":%d}", child);
	if (send(sock, buf, (size_t)n, 0) < 0)
		_exit(1);
	_exit(0);
}

// join_cgroups moves this process into each cgroup v1 directory of the
// colon-separated list by writing "0" to its "tasks" file. From a
// single-threaded process this moves the whole process without the global
// threadgroup lock, whose RCU grace period costs milliseconds per move
// ("cgroup.procs" always takes it). Must run before joining a mount
// namespace: the paths are the runtime's.
static void join_cgroups(char *list)
{
	char *save = NULL;

	for (char *dir = strtok_r(list, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char path[4096];
		int fd;

		snprintf(path, sizeof(path), "%s/tasks", dir);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0", 1) != 1)
			report("join cgroup", dir, errno);
		close(fd);
	}
}

__attribute__((constructor)) static void brig_nsenter(void)
{
	const char *role = getenv("_BRIG_INIT");
	char *list;

	if (role == NULL || role[0] == '\0')
		return;
	sock = atoi(role);
	// The init runs a copy of the runtime inside the container's
	// namespaces: until it execs the user process nothing from the
	// container may ptrace it or open its /proc/<pid> files.
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	list = getenv("_BRIG_CGROUP");
	if (list != NULL && list[0] != '\0')
		join_cgroups(list);
	list = getenv("_BRIG_JOIN");
	if (list != NULL && list[0] != '\0') {
		const char *flags = getenv("_BRIG_UNSHARE");

		join(list, flags ? atoi(flags) : 0);
	}
}
