// The only C in brig. This constructor runs in every brig process before the
// Go runtime starts any thread, which is the only moment a process can still
// make itself non-dumpable without a window and, later, join user and mount
// namespaces (setns refuses both in a multithreaded process).
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

__attribute__((constructor)) static void brig_nsenter(void)
{
	const char *role = getenv("_BRIG_INIT");

	if (role == NULL || role[0] == '\0')
		return;
	// The init runs a copy of the runtime inside the container's
	// namespaces: until it execs the user process nothing from the
	// container may ptrace it or open its /proc/<pid> files.
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}
