package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// row is one line of the result table: samples per runtime.
type row struct {
	name   string
	unit   string
	single bool // one value per runtime: print it without [min max]
	vals   map[string][]float64
	fails  map[string]int
	notes  map[string]string // runtime -> text shown instead of numbers
}

func newRow(name, unit string) *row {
	return &row{name: name, unit: unit, vals: map[string][]float64{}, fails: map[string]int{}, notes: map[string]string{}}
}

func (r *row) add(rt string, v float64) { r.vals[rt] = append(r.vals[rt], v) }
func (r *row) fail(rt string)           { r.fails[rt]++ }

// median of the samples of rt; NaN if none.
func (r *row) median(rt string) float64 { return median(r.vals[rt]) }

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func minMax(v []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}

// num prints a value with precision fitting its size.
func num(x float64) string {
	switch a := math.Abs(x); {
	case math.IsNaN(x):
		return "-"
	case a >= 1000:
		return fmt.Sprintf("%.0f", x)
	case a >= 100:
		return fmt.Sprintf("%.1f", x)
	default:
		return fmt.Sprintf("%.2f", x)
	}
}

func (r *row) cell(rt string) string {
	if n, ok := r.notes[rt]; ok {
		return n
	}
	v := r.vals[rt]
	var s string
	switch {
	case len(v) == 0:
		s = "-"
	case r.single || len(v) == 1:
		s = num(median(v))
	default:
		lo, hi := minMax(v)
		s = fmt.Sprintf("%s [%s %s]", num(median(v)), num(lo), num(hi))
	}
	if f := r.fails[rt]; f > 0 {
		s += fmt.Sprintf(" FAIL:%d", f)
	}
	return s
}

func (r *row) ratio(a, b string) string {
	x, y := r.median(a), r.median(b)
	if math.IsNaN(x) || math.IsNaN(y) || y == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", x/y)
}

// printTable writes the rows with one column per runtime and, when brig is
// measured, the ratios brig/crun and brig/runc of the medians.
func printTable(w io.Writer, rows []*row, runtimes []string) {
	has := map[string]bool{}
	for _, rt := range runtimes {
		has[rt] = true
	}
	header := []string{"measure"}
	header = append(header, runtimes...)
	var ratios [][2]string
	for _, other := range []string{"crun", "runc"} {
		if has["brig"] && has[other] {
			ratios = append(ratios, [2]string{"brig", other})
			header = append(header, "brig/"+other)
		}
	}
	lines := [][]string{header}
	for _, r := range rows {
		line := []string{fmt.Sprintf("%s (%s)", r.name, r.unit)}
		for _, rt := range runtimes {
			line = append(line, r.cell(rt))
		}
		for _, p := range ratios {
			line = append(line, r.ratio(p[0], p[1]))
		}
		lines = append(lines, line)
	}
	widths := make([]int, len(header))
	for _, l := range lines {
		for i, c := range l {
			widths[i] = max(widths[i], len(c))
		}
	}
	for i, l := range lines {
		var b strings.Builder
		for j, c := range l {
			if j > 0 {
				b.WriteString("  ")
			}
			fmt.Fprintf(&b, "%-*s", widths[j], c)
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
		if i == 0 {
			total := len(widths)*2 - 2
			for _, x := range widths {
				total += x
			}
			fmt.Fprintln(w, strings.Repeat("-", total))
		}
	}
}
