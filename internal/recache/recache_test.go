package recache

import (
	"fmt"
	"sync"
	"testing"
)

func TestCompile(t *testing.T) {
	a, err := Compile(`^[a-z0-9-]+$`)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Compile(`^[a-z0-9-]+$`)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Error("a pattern was compiled twice")
	}
	if !a.MatchString("acme-1") || a.MatchString("Acme") {
		t.Error("the compiled pattern does not match as written")
	}
	for range 2 {
		if re, err := Compile(`(unclosed`); err == nil || re != nil {
			t.Errorf("bad pattern: got %v, %v; want an error", re, err)
		}
	}
}

// TestCompileBound fills the cache past its bound: every pattern still
// compiles, and the cache keeps no more than MaxEntries.
func TestCompileBound(t *testing.T) {
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range MaxEntries {
				p := fmt.Sprintf("^w%di%d$", w, i)
				re, err := Compile(p)
				if err != nil || !re.MatchString(p[1:len(p)-1]) {
					t.Errorf("Compile(%q) = %v, %v", p, re, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := cache.Len(); n > MaxEntries {
		t.Errorf("the cache holds %d patterns, more than %d", n, MaxEntries)
	}
}
