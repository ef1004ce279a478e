// Package seccomp turns the OCI linux.seccomp section into a classic BPF
// program and installs it.
//
// The work is split so that the container init does as little as possible:
//
//	parent (brig create)                      init (just before execve)
//	--------------------                      -------------------------
//	prog, err := seccomp.Compile(spec)        l, _ := seccomp.DialListener(prog.ListenerPath) // only if prog.Notify
//	send prog (JSON) to the init      ---->   fd, err := prog.Install()
//	                                          l.Send(fd, state)                               // only if prog.Notify
//	                                          execve
//
// Compile uses libseccomp (github.com/seccomp/libseccomp-golang, the library
// runc, crun and youki use) to generate the filter, then prepends an -ENOSYS
// stub (see below). Program is plain data and JSON-serialisable; Install
// is a raw seccomp(2) call and does not touch libseccomp, so the init needs no
// C library state. Install affects the calling thread only (unless the
// profile asks for SECCOMP_FILTER_FLAG_TSYNC), so the caller must hold
// runtime.LockOSThread and execve from that same thread. The kernel requires
// no_new_privs or CAP_SYS_ADMIN (in the current user namespace): when
// process.noNewPrivileges is false, Install must run before CAP_SYS_ADMIN is
// dropped (runc does the same), and the profile then also filters the
// syscalls the init makes after it.
//
// Program.Filter is the raw struct sock_filter array (base64 in JSON); the
// Docker default profile compiles to about 1250 instructions, 10 KB.
//
// Semantics, following runc where the spec is silent:
//
//   - SCMP_ACT_KILL is SCMP_ACT_KILL_THREAD (as in libseccomp and runc).
//   - errnoRet/defaultErrnoRet default to EPERM and are only accepted with
//     SCMP_ACT_ERRNO and SCMP_ACT_TRACE; with any other action Compile fails.
//   - Syscall names unknown to libseccomp (for the native arch) are skipped
//     with a debug log line. Rules whose action equals the default action are
//     skipped too (libseccomp refuses them; they are no-ops).
//   - Several conditions on the same argument index in one rule: every
//     condition of that rule becomes a rule of its own, i.e. the conditions
//     are ORed. Otherwise all conditions of a rule are ANDed. This is runc's
//     long-standing behaviour that existing profiles (runtime-tools default)
//     depend on; libseccomp itself rejects repeated argument indices.
//   - SCMP_CMP_MASKED_EQ matches when (arg & value) == valueTwo.
//   - -ENOSYS stub: when the default action is not ALLOW/LOG/TRACE and
//     defaultErrnoRet is not ENOSYS, syscall numbers above the highest one
//     named in the profile (per architecture, x86_64 and x32 tracked
//     separately) return ENOSYS instead of the default action, so that
//     libc and Go fall back from syscalls the profile does not know about
//     (clone3, openat2, faccessat2, close_range, ...). On s390/s390x
//     syscall 0 (the multiplexer for unknown syscalls) also gets ENOSYS.
//   - The native architecture is always in the filter; architectures adds
//     more (SCMP_ARCH_X32 being x86_64 syscalls with bit 30 set).
//   - SCMP_ACT_NOTIFY: not allowed as defaultAction, nor for write or
//     sendmsg (the init needs them to hand the listener fd over after the
//     filter is in place); requires listenerPath. The filter is loaded with
//     SECCOMP_FILTER_FLAG_NEW_LISTENER (plus TSYNC_ESRCH when TSYNC is
//     requested, which the kernel demands). listenerMetadata without
//     listenerPath is an error (spec: MUST NOT).
//   - flags: SECCOMP_FILTER_FLAG_TSYNC, _LOG, _SPEC_ALLOW and
//     _WAIT_KILLABLE_RECV. A known flag the running kernel lacks is an error.
//     WAIT_KILLABLE_RECV only means something with a listener, so without a
//     NOTIFY rule it is dropped (debug line) instead of making seccomp(2)
//     fail with EINVAL.
package seccomp
