package devices

// access bits as in the kernel (and in bpf_cgroup_dev_ctx.access_type >> 16).
const (
	accMknod = 1
	accRead  = 2
	accWrite = 4
	accAll   = accMknod | accRead | accWrite
)

func accessBits(s string) uint32 {
	var b uint32
	for _, ch := range s {
		switch ch {
		case 'r':
			b |= accRead
		case 'w':
			b |= accWrite
		case 'm':
			b |= accMknod
		}
	}
	return b
}

func accessString(b uint32) string {
	s := ""
	if b&accRead != 0 {
		s += "r"
	}
	if b&accWrite != 0 {
		s += "w"
	}
	if b&accMknod != 0 {
		s += "m"
	}
	return s
}

// Policy is a rule list reduced the way the cgroup v1 devices controller
// keeps it: a default and a list of exceptions to it. With DefaultAllow
// false the exceptions are allow rules, otherwise deny rules.
type Policy struct {
	DefaultAllow bool
	Exceptions   []Rule
}

// Reduce applies rules in order with the v1 kernel semantics
// (security/device_cgroup.c): "a" resets the default and drops all
// exceptions; a rule of the opposite polarity to the default adds (merges)
// an exception; a rule of the same polarity removes the access bits from the
// exception with exactly the same type/major/minor. A new cgroup starts
// allowing everything.
func Reduce(rules []Rule) Policy {
	p := Policy{DefaultAllow: true}
	for _, r := range rules {
		if r.isAll() {
			p = Policy{DefaultAllow: r.Allow}
			continue
		}
		idx := -1
		for i, ex := range p.Exceptions {
			if ex.Type == r.Type && ex.Major == r.Major && ex.Minor == r.Minor {
				idx = i
				break
			}
		}
		if r.Allow != p.DefaultAllow { // add an exception
			if idx >= 0 {
				p.Exceptions[idx].Access = accessString(accessBits(p.Exceptions[idx].Access) | accessBits(r.Access))
			} else {
				ex := r
				ex.Allow = !p.DefaultAllow
				p.Exceptions = append(p.Exceptions, ex)
			}
			continue
		}
		if idx >= 0 { // remove access from an exception
			left := accessBits(p.Exceptions[idx].Access) &^ accessBits(r.Access)
			if left == 0 {
				p.Exceptions = append(p.Exceptions[:idx:idx], p.Exceptions[idx+1:]...)
			} else {
				p.Exceptions[idx].Access = accessString(left)
			}
		}
	}
	return p
}

// Allowed evaluates the policy for one access, as the kernel would: it is
// the reference the generated BPF program is tested against.
// devType is 'c' or 'b', access a subset of "rwm".
func (p Policy) Allowed(devType byte, major, minor int64, access string) bool {
	want := accessBits(access)
	for _, ex := range p.Exceptions {
		if ex.Type != devType {
			continue
		}
		if ex.Major != Wildcard && ex.Major != major {
			continue
		}
		if ex.Minor != Wildcard && ex.Minor != minor {
			continue
		}
		have := accessBits(ex.Access)
		if p.DefaultAllow {
			if want&have != 0 { // any denied bit denies
				return false
			}
			continue
		}
		if want&^have == 0 { // every wanted bit allowed
			return true
		}
	}
	return p.DefaultAllow
}
