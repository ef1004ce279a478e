package spec

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
)

func exampleJSON(t testing.TB) string {
	t.Helper()
	b, err := json.MarshalIndent(Example(), "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLoad(t *testing.T) {
	example := exampleJSON(t)
	tests := []struct {
		name    string
		content string
		want    string // error, exact unless it ends in "..."
	}{
		{"example", example, ""},
		{"syntax error", "{\n  \"ociVersion\": \"1.3.0\",\n  \"process\": {,\n}", `config.json: invalid JSON at line 3 col 15: invalid character ',' looking for beginning of object key string`},
		{"truncated", "{\n\"ociVersion\": \"1.3.0\"", "config.json: invalid JSON at line 2 col 22: unexpected end of JSON input"},
		{"empty", "", "config.json: invalid JSON at line 1 col 1: unexpected end of JSON input"},
		{"trailing garbage", "{}\n}", "config.json: invalid JSON at line 2 col 1: invalid character '}' after top-level value"},
		{"uid string", `{"ociVersion":"1.3.0","process":{"user":{"uid":"0"}}}`, "config.json: process.user.uid: cannot unmarshal string into uint32"},
		{"args not array", `{"ociVersion":"1.3.0","process":{"args":"sh"}}`, "config.json: process.args: cannot unmarshal string into []string"},
		{"cap not string", `{"ociVersion":"1.3.0","process":{"capabilities":{"bounding":[1]}}}`, "config.json: process.capabilities.bounding...: cannot unmarshal number into string"},
		{"negative uid", `{"ociVersion":"1.3.0","process":{"user":{"uid":-1}}}`, "config.json: process.user.uid: cannot unmarshal number -1 into uint32"},
		{"top level array", `[]`, "config.json: (top level): cannot unmarshal array into specs.Spec"},
		{"valid JSON invalid spec", strings.Replace(example, `"cwd": "/"`, `"cwd": "rel"`, 1), `config.json: process.cwd: "rel" must be an absolute path`},
		{"newline in value", strings.Replace(example, `"CAP_KILL"`, `"CAP_\nKILL"`, 1), `config.json: process.capabilities.bounding: unknown capability "CAP_\nKILL"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bundle := newBundle(t)
			writeConfig(t, bundle, tt.content)
			s, err := Load(bundle)
			if tt.want == "" {
				if err != nil || s == nil {
					t.Fatalf("Load: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			got := err.Error()
			if strings.ContainsAny(got, "\n\r") {
				t.Fatalf("multi-line error %q", got)
			}
			if pre, suf, ok := strings.Cut(tt.want, "..."); ok {
				if !strings.HasPrefix(got, pre) || !strings.HasSuffix(got, suf) {
					t.Fatalf("error %q, want %q", got, tt.want)
				}
				return
			}
			if got != tt.want {
				t.Fatalf("error\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestLoadMissing(t *testing.T) {
	_, err := Load(t.TempDir())
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("want ErrNotExist, got %v", err)
	}
	if !strings.HasPrefix(err.Error(), "config.json: open ") {
		t.Fatalf("error %q", err)
	}
}

func TestLoadNormalizesDestinations(t *testing.T) {
	bundle := newBundle(t)
	s := Example()
	s.Mounts[0].Destination = "proc"
	s.Mounts[1].Destination = "../dev"
	b, _ := json.Marshal(s)
	writeConfig(t, bundle, string(b))
	got, err := Load(bundle)
	if err != nil {
		t.Fatal(err)
	}
	if got.Mounts[0].Destination != "/proc" || got.Mounts[1].Destination != "/dev" {
		t.Fatalf("destinations %q %q", got.Mounts[0].Destination, got.Mounts[1].Destination)
	}
}

func TestLineCol(t *testing.T) {
	data := []byte("ab\ncd\n\nef")
	tests := []struct {
		off       int64
		line, col int
	}{
		{0, 1, 1}, {1, 1, 1}, {2, 1, 2}, {4, 2, 1}, {5, 2, 2}, {7, 3, 1}, {9, 4, 2}, {100, 4, 3},
	}
	if l, c := lineCol(data, int64(len(data)), true); l != 4 || c != 3 {
		t.Errorf("eof: %d:%d, want 4:3", l, c)
	}
	for _, tt := range tests {
		l, c := lineCol(data, tt.off, false)
		if l != tt.line || c != tt.col {
			t.Errorf("lineCol(%d) = %d:%d, want %d:%d", tt.off, l, c, tt.line, tt.col)
		}
	}
}

func TestLoadTestdata(t *testing.T) {
	for _, name := range []string{"containerd-like.json", "runc-spec.json"} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile("testdata/" + name)
			if err != nil {
				t.Fatal(err)
			}
			bundle := newBundle(t)
			writeConfig(t, bundle, string(b))
			if _, err := Load(bundle); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestLoadFieldError(t *testing.T) {
	bundle := newBundle(t)
	s := Example()
	s.Process.Args = nil
	b, _ := json.Marshal(s)
	writeConfig(t, bundle, string(b))
	_, err := Load(bundle)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "process.args" {
		t.Fatalf("want FieldError for process.args, got %v", err)
	}
	if err.Error() != "config.json: process.args: must not be empty" {
		t.Fatalf("error %q", err)
	}
}
