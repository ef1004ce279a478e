package spec

import (
	"strings"
	"testing"
)

func TestValidateID(t *testing.T) {
	tests := []struct {
		id string
		ok bool
	}{
		{"abc", true},
		{"a.b-c_d+e", true},
		{"0123456789", true},
		{"a,b", true}, // runc's "+-\." range includes ","
		{"...", true},
		{"", false},
		{".", false},
		{"..", false},
		{"a/b", false},
		{"a b", false},
		{"a\nb", false},
		{"ünï", false},
		{"a:b", false},
		{strings.Repeat("a", MaxIDLength), true},
		{strings.Repeat("a", MaxIDLength+1), false},
	}
	for _, tt := range tests {
		err := ValidateID(tt.id)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateID(%q) = %v, want ok=%v", tt.id, err, tt.ok)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\n\r") {
			t.Errorf("multi-line error %q", err)
		}
	}
}
