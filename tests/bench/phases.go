package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// brig --debug logs one line per create/delete/...:
//
//	create ID: 19.40ms: state dir 1.34ms, cgroup create 1.20ms, init ready
//	(bootstrap 0.66ms, sysctl, hostname, keyring 0.02ms, mounts 2.36ms) 5.26ms, ...
//
// A step without a time was too short to be timed alone: it is merged with
// the next timed one ("sysctl+hostname+keyring"). Nested steps are named
// "outer: inner".
var phaseLine = regexp.MustCompile(`msg="(\w+) [^:"]*: ([0-9.]+)ms: (.*)"`)

// phaseStats collects the samples of each phase, in first-seen order.
type phaseStats struct {
	order []string
	vals  map[string][]float64
}

func (p *phaseStats) add(key string, v float64) {
	if p.vals == nil {
		p.vals = map[string][]float64{}
	}
	if _, ok := p.vals[key]; !ok {
		p.order = append(p.order, key)
	}
	p.vals[key] = append(p.vals[key], v)
}

// parsePhases reads brig debug log lines.
func parsePhases(r io.Reader) (*phaseStats, error) {
	p := &phaseStats{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		m := phaseLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		total, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			continue
		}
		p.add(m[1]+": total", total)
		addSteps(p, m[1]+": ", m[3])
	}
	return p, sc.Err()
}

// addSteps parses "a 1ms, b, c 2ms, d (x 1ms) 3ms" at one nesting level.
func addSteps(p *phaseStats, prefix, s string) {
	var pending []string
	for _, item := range splitTop(s) {
		item = strings.TrimSpace(item)
		if i := strings.Index(item, "("); i >= 0 {
			if j := strings.LastIndex(item, ")"); j > i {
				name := strings.TrimSpace(item[:i])
				addSteps(p, prefix+name+": ", item[i+1:j])
				item = name + " " + strings.TrimSpace(item[j+1:])
			}
		}
		name, v, ok := splitTimed(item)
		if !ok {
			pending = append(pending, item)
			continue
		}
		pending = append(pending, name)
		p.add(prefix+strings.Join(pending, "+"), v)
		pending = nil
	}
}

// splitTop splits at commas outside parentheses.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// splitTimed splits "name 1.23ms".
func splitTimed(item string) (string, float64, bool) {
	i := strings.LastIndex(item, " ")
	if i < 0 || !strings.HasSuffix(item, "ms") {
		return item, 0, false
	}
	v, err := strconv.ParseFloat(strings.TrimSuffix(item[i+1:], "ms"), 64)
	if err != nil {
		return item, 0, false
	}
	return item[:i], v, true
}

// printPhases writes median [min max] per phase.
func printPhases(w io.Writer, p *phaseStats) {
	width := 0
	for _, k := range p.order {
		width = max(width, len(k))
	}
	for _, k := range p.order {
		v := p.vals[k]
		lo, hi := minMax(v)
		fmt.Fprintf(w, "  %-*s  %7.2f ms  [%.2f %.2f]  n=%d\n", width, k, median(v), lo, hi, len(v))
	}
}

// phasesMain implements `bench -phases LOG`.
func phasesMain(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("phases: %w", err)
	}
	defer f.Close()
	p, err := parsePhases(f)
	if err != nil {
		return fmt.Errorf("phases: read %s: %w", path, err)
	}
	printPhases(os.Stdout, p)
	return nil
}
