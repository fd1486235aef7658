package cli

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/manifest"
)

func TestSchemaCommand(t *testing.T) {
	got := run(t, "schema")
	want := result{Code: ExitOK, Stdout: string(manifest.Schema())}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("connkit schema (-want +got):\n%s", diff)
	}
}
