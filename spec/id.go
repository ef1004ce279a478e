package spec

import (
	"errors"
	"fmt"
	"strconv"
)

// MaxIDLength bounds container IDs. The ID names a directory under the
// state root, and a path component cannot exceed NAME_MAX (255) bytes, so
// a longer ID could never be created anyway.
const MaxIDLength = 255

// ValidateID checks a container ID the way runc does: it must match
// ^[\w+-\.]+$ and not be "." or "..". Note that in runc's regexp "+-\."
// is a range, so "," is allowed too; brig accepts the same IDs.
func ValidateID(id string) error {
	if id == "" {
		return errors.New("container id must not be empty")
	}
	if len(id) > MaxIDLength {
		return fmt.Errorf("container id is %d bytes long, more than %d", len(id), MaxIDLength)
	}
	if id == "." || id == ".." {
		return fmt.Errorf("invalid container id %q", id)
	}
	for i := 0; i < len(id); i++ {
		if !idChar(id[i]) {
			return fmt.Errorf("invalid container id %s: character %q not allowed (use letters, digits, _ + , - .)", strconv.Quote(id), id[i])
		}
	}
	return nil
}

func idChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	case c == '_', c >= '+' && c <= '.': // + , - .
		return true
	}
	return false
}
