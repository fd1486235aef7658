package cli

import (
	"runtime/debug"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestVersionCommand(t *testing.T) {
	info, ok := debug.ReadBuildInfo()
	got := run(t, "version")
	want := result{Code: ExitOK, Stdout: "connkit " + version(info, ok) + "\n"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("connkit version (-want +got):\n%s", diff)
	}
}

func TestVersion(t *testing.T) {
	withVersion := func(v string) *debug.BuildInfo {
		return &debug.BuildInfo{Main: debug.Module{Path: "github.com/connkit/connkit", Version: v}}
	}
	tests := []struct {
		name string
		info *debug.BuildInfo
		ok   bool
		want string
	}{
		{"no build info", nil, false, "devel"},
		{"source tree", withVersion("(devel)"), true, "devel"},
		{"empty version", withVersion(""), true, "devel"},
		{"release", withVersion("v1.2.3"), true, "v1.2.3"},
		{"pseudo-version", withVersion("v0.0.0-20251123110000-9392d89abcde+dirty"), true, "v0.0.0-20251123110000-9392d89abcde+dirty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := version(tt.info, tt.ok); got != tt.want {
				t.Errorf("version = %q, want %q", got, tt.want)
			}
		})
	}
}
