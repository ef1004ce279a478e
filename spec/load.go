package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ConfigFile is the name of the configuration inside a bundle.
const ConfigFile = "config.json"

// Load reads <bundle>/config.json, validates it, and returns it with
// relative mount destinations made absolute. Every error is one line
// naming the cause, e.g. "config.json: invalid JSON at line 3 col 5: ..."
// or "config.json: process.user.uid: cannot unmarshal string into uint32".
func Load(bundle string) (*specs.Spec, error) {
	data, err := os.ReadFile(filepath.Join(bundle, ConfigFile))
	if err != nil {
		return nil, oneLine(fmt.Errorf("%s: %w", ConfigFile, err))
	}
	s, err := decode(data)
	if err != nil {
		return nil, oneLine(fmt.Errorf("%s: %w", ConfigFile, err))
	}
	if err := Validate(s, bundle); err != nil {
		return nil, oneLine(fmt.Errorf("%s: %w", ConfigFile, err))
	}
	normalize(s)
	return s, nil
}

// decode unmarshals a config and turns encoding/json's errors into ones
// that say where the problem is.
func decode(data []byte) (*specs.Spec, error) {
	var s specs.Spec
	err := json.Unmarshal(data, &s)
	if err == nil {
		return &s, nil
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		// At end of input the offset is past the last byte, not on it.
		eof := strings.Contains(syn.Error(), "end of JSON input")
		line, col := lineCol(data, syn.Offset, eof)
		return nil, fmt.Errorf("invalid JSON at line %d col %d: %w", line, col, err)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		field := typ.Field
		if field == "" {
			field = "(top level)"
		}
		return nil, &FieldError{Field: field, Msg: fmt.Sprintf("cannot unmarshal %s into %s", typ.Value, typ.Type)}
	}
	return nil, fmt.Errorf("invalid JSON: %w", err)
}

// lineCol converts a json.SyntaxError offset (bytes read, including the
// bad one) to a 1-based line and column; eof points just past the input.
func lineCol(data []byte, off int64, eof bool) (int, int) {
	pos := int(off) - 1
	if eof {
		pos = int(off)
	}
	if pos < 0 {
		pos = 0
	}
	if pos > len(data) {
		pos = len(data)
	}
	before := data[:pos]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := pos - bytes.LastIndexByte(before, '\n')
	return line, col
}

// normalize applies what the spec says relative values mean, so the code
// that mounts never sees a relative destination.
func normalize(s *specs.Spec) {
	for i := range s.Mounts {
		d := s.Mounts[i].Destination
		if !filepath.IsAbs(d) {
			s.Mounts[i].Destination = filepath.Join("/", d)
		}
	}
}

// lineError keeps an error (for errors.Is/As) while guaranteeing its text
// is one line, whatever paths or values it quotes.
type lineError struct{ err error }

func (e *lineError) Error() string {
	return strings.NewReplacer("\n", `\n`, "\r", `\r`).Replace(e.err.Error())
}

func (e *lineError) Unwrap() error { return e.err }

func oneLine(err error) error { return &lineError{err: err} }
