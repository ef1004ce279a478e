// Package integration runs the brig binary (or $BRIG_BINARY, e.g. runc) end
// to end: lifecycle, CLI errors, and what a container sees inside.
//
//	make build && go test ./tests/integration/ -count=1 -parallel 8
//	BRIG_BINARY=/usr/sbin/runc go test ./tests/integration/ -count=1 -parallel 8
package integration

import (
	"testing"

	"github.com/brigrt/brig/tests/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }
