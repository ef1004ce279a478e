package devices

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// Attach loads insts as a cgroup device program and attaches it to the
// cgroup v2 directory dirFD with BPF_F_ALLOW_MULTI, then detaches the device
// programs that were attached there before (a previous Create/Update), so
// exactly one brig program stays. While both are attached the kernel ANDs
// their verdicts, so the switch never allows more than either policy.
func Attach(dirFD int, insts asm.Instructions) error {
	prog, err := ebpf.NewProgramWithOptions(&ebpf.ProgramSpec{
		Type:         ebpf.CGroupDevice,
		Instructions: insts,
		License:      "Apache",
	}, ebpf.ProgramOptions{})
	if err != nil {
		return fmt.Errorf("load device program: %w", err)
	}
	defer prog.Close() // the attachment keeps its own reference

	old, err := link.QueryPrograms(link.QueryOptions{Target: dirFD, Attach: ebpf.AttachCGroupDevice})
	if err != nil {
		return fmt.Errorf("query attached device programs: %w", err)
	}
	if err := link.RawAttachProgram(link.RawAttachProgramOptions{
		Target:  dirFD,
		Program: prog,
		Attach:  ebpf.AttachCGroupDevice,
		Flags:   unix.BPF_F_ALLOW_MULTI,
	}); err != nil {
		return fmt.Errorf("attach device program: %w", err)
	}
	var errs []error
	for _, ap := range old.Programs {
		if err := detachID(dirFD, ap.ID); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func detachID(dirFD int, id ebpf.ProgramID) error {
	p, err := ebpf.NewProgramFromID(id)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil
		}
		return fmt.Errorf("open old device program %d: %w", id, err)
	}
	defer p.Close()
	err = link.RawDetachProgram(link.RawDetachProgramOptions{Target: dirFD, Program: p, Attach: ebpf.AttachCGroupDevice})
	if err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("detach old device program %d: %w", id, err)
	}
	return nil
}

// AttachedCount returns how many device programs are attached to dirFD
// (used by tests and by Update to check the replacement worked).
func AttachedCount(dirFD int) (int, error) {
	res, err := link.QueryPrograms(link.QueryOptions{Target: dirFD, Attach: ebpf.AttachCGroupDevice})
	if err != nil {
		return 0, err
	}
	return len(res.Programs), nil
}
