package seccomp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The real tests re-exec the test binary as a helper that installs a
// compiled filter on its locked main thread and reports what its syscalls
// return. Environment of the helper:
const (
	envHelper      = "BRIG_SECCOMP_HELPER" // set to "1" to run as helper
	envProgram     = "BRIG_SECCOMP_PROGRAM"
	envCalls       = "BRIG_SECCOMP_CALLS"        // JSON []call
	envExec        = "BRIG_SECCOMP_EXEC"         // JSON argv to execve after Install
	envOtherThread = "BRIG_SECCOMP_OTHER_THREAD" // make the calls from another thread
	envNotifyState = "BRIG_SECCOMP_NOTIFY_STATE" // JSON ContainerProcessState
)

type call struct {
	Nr   uintptr    `json:"nr"`
	Args [6]uintptr `json:"args"`
}

type result struct {
	Ret   uintptr `json:"ret"`
	Errno int     `json:"errno"`
}

type helperOutput struct {
	Results   []result `json:"results"`
	MainTid   int      `json:"mainTid"`
	CallerTid int      `json:"callerTid"`
	Seccomp   string   `json:"seccomp"` // "Seccomp:" line of /proc/self/status
}

func TestMain(m *testing.M) {
	if os.Getenv(envHelper) == "1" {
		runtime.LockOSThread()
		if err := helper(); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(3)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func helper() error {
	// No core files from the SIGSYS tests.
	_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{})
	var p Program
	if err := json.Unmarshal([]byte(os.Getenv(envProgram)), &p); err != nil {
		return err
	}
	var calls []call
	if c := os.Getenv(envCalls); c != "" {
		if err := json.Unmarshal([]byte(c), &calls); err != nil {
			return err
		}
	}
	var l *Listener
	if p.Notify {
		var err error
		if l, err = DialListener(p.ListenerPath); err != nil {
			return err
		}
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return err
	}
	fd, err := p.Install()
	if err != nil {
		return err
	}
	if p.Notify {
		var st specs.ContainerProcessState
		if err := json.Unmarshal([]byte(os.Getenv(envNotifyState)), &st); err != nil {
			return err
		}
		st.Pid = os.Getpid()
		st.Metadata = p.ListenerMetadata
		if err := l.Send(fd, st); err != nil {
			return err
		}
		unix.Close(fd)
	}
	if argv := os.Getenv(envExec); argv != "" {
		var args []string
		if err := json.Unmarshal([]byte(argv), &args); err != nil {
			return err
		}
		return unix.Exec(args[0], args, os.Environ())
	}
	out := helperOutput{MainTid: unix.Gettid()}
	do := func() {
		out.CallerTid = unix.Gettid()
		for _, c := range calls {
			r, _, errno := unix.RawSyscall6(c.Nr, c.Args[0], c.Args[1], c.Args[2], c.Args[3], c.Args[4], c.Args[5])
			if errno != 0 {
				r = 0 // the Go wrapper reports -1
			}
			out.Results = append(out.Results, result{Ret: r, Errno: int(errno)})
		}
	}
	if os.Getenv(envOtherThread) == "1" {
		done := make(chan struct{})
		go func() {
			runtime.LockOSThread() // a thread of its own, never reused
			do()
			close(done)
		}()
		<-done
	} else {
		do()
	}
	if status, err := os.ReadFile("/proc/thread-self/status"); err == nil {
		for _, line := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(line, "Seccomp:") {
				out.Seccomp = strings.TrimSpace(strings.TrimPrefix(line, "Seccomp:"))
			}
		}
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}

type helperRun struct {
	prog        *Program
	calls       []call
	exec        []string
	otherThread bool
	notifyState *specs.ContainerProcessState
}

// start launches the helper; wait with finish.
func (h helperRun) start(t *testing.T) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	env := append(os.Environ(), envHelper+"=1")
	add := func(k string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		env = append(env, k+"="+string(b))
	}
	add(envProgram, h.prog)
	add(envCalls, h.calls)
	if h.exec != nil {
		add(envExec, h.exec)
	}
	if h.otherThread {
		env = append(env, envOtherThread+"=1")
	}
	if h.notifyState != nil {
		add(envNotifyState, h.notifyState)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &stdout, &stderr
}

func finish(t *testing.T, cmd *exec.Cmd, stdout, stderr *bytes.Buffer) (helperOutput, syscall.WaitStatus) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("helper timed out; stderr: %s", stderr)
	}
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	var out helperOutput
	if ws.Exited() && ws.ExitStatus() == 0 && stdout.Len() > 0 && stdout.Bytes()[0] == '{' {
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
			t.Fatalf("helper output %q: %v", stdout, err)
		}
	}
	return out, ws
}

func (h helperRun) run(t *testing.T) (helperOutput, syscall.WaitStatus, string) {
	t.Helper()
	cmd, stdout, stderr := h.start(t)
	out, ws := finish(t, cmd, stdout, stderr)
	return out, ws, stderr.String()
}

func sc(nr uintptr, args ...uintptr) call {
	c := call{Nr: nr}
	copy(c.Args[:], args)
	return c
}

func TestInstallResults(t *testing.T) {
	ppid := uintptr(os.Getpid()) // the helper's parent is this test process
	getppid := sc(unix.SYS_GETPPID)
	oneRule := func(action specs.LinuxSeccompAction, errno *uint, args ...specs.LinuxSeccompArg) *specs.LinuxSeccomp {
		return &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"getppid"}, Action: action, ErrnoRet: errno, Args: args}}}
	}
	tests := []struct {
		name  string
		s     *specs.LinuxSeccomp
		calls []call
		want  []result
	}{
		{"errno custom errnoRet", oneRule(specs.ActErrno, uintp(uint(unix.ENOMEDIUM))),
			[]call{getppid, sc(unix.SYS_GETPGID, 0)},
			[]result{{0, int(unix.ENOMEDIUM)}, {uintptr(unix.Getpgrp()), 0}}},
		{"errno default EPERM", oneRule(specs.ActErrno, nil), []call{getppid}, []result{{0, int(unix.EPERM)}}},
		{"arg filtered", oneRule(specs.ActErrno, uintp(uint(unix.EXDEV)), specs.LinuxSeccompArg{Index: 2, Op: specs.OpEqualTo, Value: 42}),
			[]call{sc(unix.SYS_GETPPID, 0, 0, 42), sc(unix.SYS_GETPPID, 0, 0, 43)},
			[]result{{0, int(unix.EXDEV)}, {ppid, 0}}},
		{"masked eq", oneRule(specs.ActErrno, uintp(uint(unix.EXDEV)), specs.LinuxSeccompArg{Index: 0, Op: specs.OpMaskedEqual, Value: 0xff00, ValueTwo: 0x1200}),
			[]call{sc(unix.SYS_GETPPID, 0x12ab), sc(unix.SYS_GETPPID, 0x13ab), sc(unix.SYS_GETPPID, 0xf12ab)},
			[]result{{0, int(unix.EXDEV)}, {ppid, 0}, {0, int(unix.EXDEV)}}},
		{"log", oneRule(specs.ActLog, nil), []call{getppid}, []result{{ppid, 0}}},
		{"trace without tracer", oneRule(specs.ActTrace, nil), []call{getppid}, []result{{0, int(unix.ENOSYS)}}},
		{"log flag", &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow},
			Syscalls: []specs.LinuxSyscall{{Names: []string{"getppid"}, Action: specs.ActErrno}}},
			[]call{getppid}, []result{{0, int(unix.EPERM)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, ws, stderr := helperRun{prog: mustCompile(t, tt.s), calls: tt.calls}.run(t)
			if !ws.Exited() || ws.ExitStatus() != 0 {
				t.Fatalf("helper: %v, stderr: %s", ws, stderr)
			}
			if fmt.Sprint(out.Results) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", out.Results, tt.want)
			}
			if out.Seccomp != "2" {
				t.Errorf("Seccomp mode %q, want 2", out.Seccomp)
			}
		})
	}
}

func TestInstallSIGSYS(t *testing.T) {
	truePath, err := exec.LookPath("true")
	if err != nil {
		t.Skip("no true(1)")
	}
	kill := func(action specs.LinuxSeccompAction, name string) *specs.LinuxSeccomp {
		return &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
			{Names: []string{name}, Action: action}}}
	}
	tests := []struct {
		name string
		h    helperRun
	}{
		// After execve the process is single-threaded, as a container's is.
		{"kill", helperRun{prog: mustCompile(t, kill(specs.ActKill, "exit_group")), exec: []string{truePath}}},
		{"kill thread", helperRun{prog: mustCompile(t, kill(specs.ActKillThread, "exit_group")), exec: []string{truePath}}},
		{"trap", helperRun{prog: mustCompile(t, kill(specs.ActTrap, "exit_group")), exec: []string{truePath}}},
		// KILL_PROCESS takes the whole multi-threaded Go helper down.
		{"kill process", helperRun{prog: mustCompile(t, kill(specs.ActKillProcess, "getppid")), calls: []call{sc(unix.SYS_GETPPID)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ws, stderr := tt.h.run(t)
			if !ws.Signaled() || ws.Signal() != unix.SIGSYS {
				t.Fatalf("helper ended with %v (exited %v, status %d), want SIGSYS; stderr: %s", ws, ws.Exited(), ws.ExitStatus(), stderr)
			}
		})
	}
}

func TestInstallTSYNC(t *testing.T) {
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
		{Names: []string{"getppid"}, Action: specs.ActErrno, ErrnoRet: uintp(uint(unix.EXDEV))}}}
	for _, tsync := range []bool{false, true} {
		t.Run(fmt.Sprint("tsync=", tsync), func(t *testing.T) {
			s.Flags = nil
			if tsync {
				s.Flags = []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_TSYNC"}
			}
			out, ws, stderr := helperRun{prog: mustCompile(t, s), calls: []call{sc(unix.SYS_GETPPID)}, otherThread: true}.run(t)
			if !ws.Exited() || ws.ExitStatus() != 0 {
				t.Fatalf("helper: %v, stderr: %s", ws, stderr)
			}
			if out.MainTid == out.CallerTid {
				t.Fatal("calls ran on the installing thread")
			}
			filtered := out.Results[0].Errno == int(unix.EXDEV)
			if filtered != tsync {
				t.Errorf("other thread filtered=%v, want %v (result %+v)", filtered, tsync, out.Results[0])
			}
		})
	}
}

// TestDefaultProfile installs the Docker default profile: normal work must
// go on, newer syscalls get ENOSYS, forbidden ones EPERM.
func TestDefaultProfile(t *testing.T) {
	p := mustCompile(t, loadDefaultProfile(t))
	enosys := result{0, int(unix.ENOSYS)}
	eperm := result{0, int(unix.EPERM)}
	calls := []call{
		sc(unix.SYS_GETPPID),
		sc(1000),                             // above the profile's highest
		sc(452, ^uintptr(99), 0, 0, 0),       // fchmodat2, unknown to the profile (bad fd if it ran)
		sc(435, 0, 0),                        // clone3: explicit ENOSYS rule
		sc(unix.SYS_REBOOT, 0, 0, 0),         // not allowed, in range: default errno
		sc(unix.SYS_SOCKET, 40, 1, 0),        // AF_VSOCK denied by arg filter
		sc(unix.SYS_PERSONALITY, 0xffffffff), // query allowed
	}
	out, ws, stderr := helperRun{prog: p, calls: calls}.run(t)
	if !ws.Exited() || ws.ExitStatus() != 0 {
		t.Fatalf("helper: %v, stderr: %s", ws, stderr)
	}
	want := []result{{uintptr(os.Getpid()), 0}, enosys, enosys, enosys, eperm, eperm}
	if fmt.Sprint(out.Results[:len(want)]) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", out.Results[:len(want)], want)
	}
	if r := out.Results[len(want)]; r.Errno != 0 {
		t.Errorf("personality query: %+v", r)
	}

	// A shell pipeline under the profile: fork, pipe, execve, read /proc.
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	cmd, stdout, stderrBuf := helperRun{prog: p, exec: []string{sh, "-c", "grep Seccomp: /proc/self/status | head -n1; ls / >/dev/null && echo ok"}}.start(t)
	_, ws = finish(t, cmd, stdout, stderrBuf)
	if !ws.Exited() || ws.ExitStatus() != 0 || !strings.Contains(stdout.String(), "ok") || !strings.Contains(stdout.String(), "Seccomp:\t2") {
		t.Fatalf("shell under default profile: %v, stdout %q, stderr %q", ws, stdout, stderrBuf)
	}
}

// seccomp_notif and seccomp_notif_resp from <linux/seccomp.h>.
type seccompNotif struct {
	ID    uint64
	Pid   uint32
	Flags uint32
	Data  struct {
		Nr                 int32
		Arch               uint32
		InstructionPointer uint64
		Args               [6]uint64
	}
}

type seccompNotifResp struct {
	ID    uint64
	Val   int64
	Error int32
	Flags uint32
}

func TestNotify(t *testing.T) {
	for _, flags := range [][]specs.LinuxSeccompFlag{
		nil,
		{specs.LinuxSeccompFlagWaitKillableRecv},
		{"SECCOMP_FILTER_FLAG_TSYNC"},
	} {
		t.Run(fmt.Sprint(flags), func(t *testing.T) { testNotify(t, flags) })
	}
}

func testNotify(t *testing.T, flags []specs.LinuxSeccompFlag) {
	sock := filepath.Join(t.TempDir(), "agent.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: sock, ListenerMetadata: "MKNOD=/dev/null", Flags: flags,
		Syscalls: []specs.LinuxSyscall{{Names: []string{"getppid"}, Action: specs.ActNotify}}}
	state := &specs.ContainerProcessState{State: specs.State{Version: specs.Version, ID: "c1", Status: specs.StateCreated, Bundle: "/b"}}
	cmd, stdout, stderr := helperRun{prog: mustCompile(t, s), calls: []call{sc(unix.SYS_GETPPID), sc(unix.SYS_GETPID)}, notifyState: state}.start(t)

	agentErr := make(chan error, 1)
	go func() {
		err := agent(ln, cmd.Process.Pid)
		if err != nil {
			cmd.Process.Kill() // nobody will answer the helper
		}
		agentErr <- err
	}()
	out, ws := finish(t, cmd, stdout, stderr)
	if err := <-agentErr; err != nil {
		t.Fatalf("agent: %v (helper %v, stderr %s)", err, ws, stderr)
	}
	if !ws.Exited() || ws.ExitStatus() != 0 {
		t.Fatalf("helper: %v, stderr: %s", ws, stderr)
	}
	want := []result{{4242, 0}, {uintptr(cmd.Process.Pid), 0}}
	if fmt.Sprint(out.Results) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", out.Results, want)
	}
}

// agent is a minimal seccomp agent: it takes the listener fd, checks the
// container process state and answers one getppid with 4242.
func agent(ln *net.UnixListener, pid int) error {
	ln.SetDeadline(time.Now().Add(15 * time.Second))
	conn, err := ln.AcceptUnix()
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(15 * time.Second))
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	var msg []byte
	var fds []int
	for {
		n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
		if errors.Is(err, io.EOF) {
			break // the runtime closed the connection: one state per connection
		}
		if err != nil {
			return err
		}
		if oobn > 0 {
			cmsgs, err := unix.ParseSocketControlMessage(oob[:oobn])
			if err != nil {
				return err
			}
			for _, c := range cmsgs {
				f, err := unix.ParseUnixRights(&c)
				if err != nil {
					return err
				}
				fds = append(fds, f...)
			}
		}
		msg = append(msg, buf[:n]...)
	}
	var st specs.ContainerProcessState
	if err := json.Unmarshal(msg, &st); err != nil {
		return fmt.Errorf("state %q: %w", msg, err)
	}
	if len(fds) != 1 || len(st.Fds) != 1 || st.Fds[0] != "seccompFd" {
		return fmt.Errorf("fds %v, state fds %v", fds, st.Fds)
	}
	if st.Pid != pid || st.Metadata != "MKNOD=/dev/null" || st.State.ID != "c1" || st.Version == "" {
		return fmt.Errorf("state %+v", st)
	}
	fd := fds[0]
	defer unix.Close(fd)

	var req seccompNotif
	if unsafe.Sizeof(req) != 80 || unsafe.Sizeof(seccompNotifResp{}) != 24 {
		return errors.New("notif struct sizes")
	}
	for {
		req = seccompNotif{}
		_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SECCOMP_IOCTL_NOTIF_RECV, uintptr(unsafe.Pointer(&req)))
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return fmt.Errorf("NOTIF_RECV: %w", errno)
		}
		break
	}
	if req.Data.Nr != unix.SYS_GETPPID || int(req.Pid) != pid || req.Data.Arch != unix.AUDIT_ARCH_X86_64 {
		return fmt.Errorf("unexpected notification %+v", req)
	}
	resp := seccompNotifResp{ID: req.ID, Val: 4242}
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SECCOMP_IOCTL_NOTIF_SEND, uintptr(unsafe.Pointer(&resp))); errno != 0 {
		return fmt.Errorf("NOTIF_SEND: %w", errno)
	}
	return nil
}

// TestLogAction checks that SCMP_ACT_LOG lets the call through and leaves
// an audit record (code=0x7ffc0000) in the kernel log.
func TestLogAction(t *testing.T) {
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
		{Names: []string{"getppid"}, Action: specs.ActLog}}}
	cmd, stdout, stderr := helperRun{prog: mustCompile(t, s), calls: []call{sc(unix.SYS_GETPPID)}}.start(t)
	out, ws := finish(t, cmd, stdout, stderr)
	if !ws.Exited() || ws.ExitStatus() != 0 || len(out.Results) != 1 || out.Results[0].Ret != uintptr(os.Getpid()) {
		t.Fatalf("helper: %v %+v, stderr: %s", ws, out, stderr)
	}
	buf := make([]byte, 1<<20)
	want := fmt.Sprintf("pid=%d ", cmd.Process.Pid)
	for try := 0; try < 20; try++ {
		n, err := unix.Klogctl(unix.SYSLOG_ACTION_READ_ALL, buf)
		if err != nil {
			t.Skipf("kernel log not readable: %v", err)
		}
		for _, line := range strings.Split(string(buf[:n]), "\n") {
			if strings.Contains(line, want) && strings.Contains(line, "code=0x7ffc0000") {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("no audit record with %q and code=0x7ffc0000 in the kernel log", want)
}
